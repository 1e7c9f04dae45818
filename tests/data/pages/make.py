"""Make the binary and re-encoded fixtures in this folder from ``news.html``.

The outputs are committed, so the tests need neither a Korean font nor these
tools. To remake them (the project's venv lacks fpdf2 and Pillow on purpose)::

    python -m venv /tmp/genvenv && /tmp/genvenv/bin/pip install fpdf2 pillow python-docx
    /tmp/genvenv/bin/python tests/data/pages/make.py

The Korean font is NanumGothic (Debian's fonts-nanum); the TLS files need the
``openssl`` command. What each file is for is in tests/test_fetch.py and
tests/test_documents.py.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import tempfile
from pathlib import Path

from docx import Document
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
FONT = Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")
WHEN = dt.datetime(2025, 3, 14, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=9)))

TITLE = "청솔군, 문 닫은 솔바람초교를 주민 도서관으로…4월 15일 개관"
AUTHOR = "정하늘"


def paragraphs() -> list[str]:
    """The article's paragraphs, as news.html has them (its one source)."""
    html = (HERE / "news.html").read_text(encoding="utf-8")
    body = html.split('itemprop="articleBody">', 1)[1].split('<div class="article-tags">', 1)[0]
    body = re.sub(
        r"<div class=\"ad-wrap.*?</div>|<ins.*?</ins>|<div class=\"article-ad.*?</div>", "", body, flags=re.S
    )
    found = [re.sub(r"<[^>]+>", "", p).strip() for p in re.findall(r"<p[^>]*>(.*?)</p>", body, flags=re.S)]
    return [p for p in found if p and not p.startswith("ⓒ")]


def euc_kr_pages() -> None:
    html = (HERE / "news.html").read_text(encoding="utf-8")
    # Served with "charset=euc-kr" in the HTTP header and nothing in the page.
    bare = html.replace('<meta charset="utf-8">\n', "")
    (HERE / "news_euckr_header.html").write_bytes(bare.encode("cp949"))
    # Declared only in the page, the old way.
    meta = html.replace(
        '<meta charset="utf-8">', '<meta http-equiv="Content-Type" content="text/html; charset=euc-kr">'
    )
    (HERE / "news_euckr_meta.html").write_bytes(meta.encode("cp949"))


def text_pdf() -> None:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(WHEN)
    pdf.set_title(TITLE)
    pdf.set_author(AUTHOR)
    pdf.add_font("Nanum", fname=str(FONT))
    pdf.add_page()
    pdf.set_font("Nanum", size=16)
    pdf.multi_cell(0, 9, TITLE)
    pdf.ln(4)
    pdf.set_font("Nanum", size=11)
    for p in paragraphs():
        pdf.multi_cell(0, 6.5, p)
        pdf.ln(2.5)
    pdf.output(str(HERE / "news.pdf"))


def scan_image() -> Image.Image:
    """A page of the article as a scanner sees it: pixels, no text."""
    img = Image.new("L", (620, 260), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT), 15)
    y = 12
    for p in paragraphs()[:4]:
        for i in range(0, len(p), 38):
            draw.text((12, y), p[i : i + 38], fill=0, font=font)
            y += 20
    return img.convert("1")


def scanned_pdf() -> None:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(WHEN)
    pdf.add_page()
    png = io.BytesIO()
    scan_image().save(png, format="PNG", optimize=True)
    pdf.image(png, x=10, y=10, w=190)
    pdf.output(str(HERE / "scanned.pdf"))


def docx() -> None:
    doc = Document()
    doc.core_properties.title = TITLE
    doc.core_properties.author = AUTHOR
    doc.core_properties.created = WHEN.replace(tzinfo=None)
    doc.add_heading(TITLE, level=1)
    for p in paragraphs():
        doc.add_paragraph(p)
    table = doc.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, [("개관일", "4월 15일"), ("장서", "2만4천 권")], strict=True):
        row.cells[0].text, row.cells[1].text = cells
    doc.save(str(HERE / "news.docx"))


def png() -> None:
    Image.new("RGB", (8, 8), (200, 30, 30)).save(HERE / "photo.png", format="PNG")


def tls() -> None:
    """A test CA and certificates signed by it, valid for a century: one for
    news.example (the name the tests fetch) and one for other.example."""

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    ca_key, ca = HERE / "tls_ca.key", HERE / "tls_ca.pem"
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "36500", "-subj", "/CN=qa test CA",
        "-keyout", str(ca_key), "-out", str(ca))  # fmt: skip
    for host in ("news.example", "other.example"):
        key, cert = HERE / f"tls_{host}.key", HERE / f"tls_{host}.pem"
        with tempfile.TemporaryDirectory() as tmp:
            csr, ext = Path(tmp) / "req.csr", Path(tmp) / "ext.cnf"
            ext.write_text(f"subjectAltName=DNS:{host}\n")
            run("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={host}", "-keyout", str(key),
                "-out", str(csr))  # fmt: skip
            run("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
                "-days", "36500", "-extfile", str(ext), "-out", str(cert))  # fmt: skip
    ca_key.unlink()  # nothing may sign with it again
    (HERE / "tls_ca.srl").unlink(missing_ok=True)


if __name__ == "__main__":
    euc_kr_pages()
    text_pdf()
    scanned_pdf()
    docx()
    png()
    tls()
    for p in sorted(HERE.iterdir()):
        print(f"{p.stat().st_size:>8,}  {p.name}")
