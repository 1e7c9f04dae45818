"""An article's text out of the forms people have it in: a web page (a link or a saved
page), a PDF, a Word .docx, or plain text (.txt, .md).

    >>> doc = read_document(Path("saved.html").read_bytes(), "saved.html")
    >>> doc.page.title, doc.text.splitlines()[1]
    ('청솔군, 문 닫은 솔바람초교를 주민 도서관으로…4월 15일 개관', '(청솔=청솔일보) 정하늘 기자 = ...')

What the bytes are is read from the bytes first (a PDF's ``%PDF``, a zip holding
``word/document.xml``), then from the content type a server gave, then from the
name's extension. A web page keeps its main text only: menus, advertisements,
related-article lists and readers' comments are left out. Its title is the first
line of the text (as in a .txt article), so questions about the headline find it.
The parsers load on first use: importing this module stays cheap.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from index.errors import ArticleError, brief

if TYPE_CHECKING:
    from pypdf import PdfReader

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

#: What each content type a server may give is read as.
CONTENT_TYPES = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "text/markdown": "text",
    "text/x-markdown": "text",
    "application/pdf": "pdf",
    DOCX_TYPE: "docx",
}
SUFFIXES = {
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    ".txt": "text",
    ".md": "text",
    ".markdown": "text",
}

# Binary files people pick by mistake, by their first bytes.
_BINARY = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"PK\x03\x04", "a zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x7fELF", "a program"),
)
_ADVICE = "load the article as a web page, a PDF, a .docx or a UTF-8 .txt/.md file"

# Advertisement slots that trafilatura keeps when they stand inside the article's
# body (Google's <ins class="adsbygoogle"> and GPT's div-gpt-ad-* are the usual).
_ADS = [
    "//ins[contains(@class, 'adsbygoogle')]",
    "//*[starts-with(@id, 'div-gpt-ad')]",
    "//*[@data-ad-slot or @data-ad-client or @data-ad-unit]",
]


@dataclass(frozen=True)
class PageMeta:
    """What a document says about itself besides its text; ``None`` where it says
    nothing (a .txt file says nothing). ``date`` is ISO, ``YYYY-MM-DD``."""

    title: str | None = None
    author: str | None = None
    date: str | None = None
    sitename: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Document:
    """An article's text, paragraphs one to a line, and what the document said about it."""

    text: str
    page: PageMeta = field(default_factory=PageMeta)


def read_document(
    data: bytes, name: str, *, content_type: str | None = None, url: str | None = None
) -> Document:
    """The article in ``data``: a web page, a PDF, a .docx, or UTF-8 text.

    ``name`` is what the file or link is called in messages, and its extension
    is the last hint of the format; ``content_type`` is what a server said the
    bytes are (its ``charset`` decodes a page), ``url`` where they came from.
    Raises :class:`ArticleError` with one sentence saying what is wrong and
    what to do when there is no article text to read.
    """
    if not data.strip():
        raise ArticleError(f"the article {name!r} is empty")
    kind = _kind(data, name, content_type, url)
    if kind == "pdf":
        return _read_pdf(data, name)
    if kind == "docx":
        return _read_docx(data, name)
    if kind == "html":
        return _read_html(data, name, content_type, url)
    return Document(_decode_text(data, name, content_type))


def sniff(data: bytes) -> str | None:
    """``"pdf"`` or ``"docx"`` when the bytes are one, by their content alone."""
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if "word/document.xml" in z.namelist():
                    return "docx"
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
    return None


def decode(data: bytes, name: str) -> str:
    """Decode uploaded bytes as UTF-8 text, refusing binary data with a clear reason."""
    if not data.strip():
        raise ArticleError(f"the article {name!r} is empty")
    if b"\x00" in data[:8192]:
        raise ArticleError(f"{name!r} looks like a binary file, not a UTF-8 text article")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ArticleError(
            f"{name!r} is not UTF-8 text (byte {e.start} cannot be decoded); save it as UTF-8 and try again"
        ) from None
    controls = sum(1 for c in text[:8192] if unicodedata.category(c) == "Cc" and c not in "\n\r\t\f")
    if controls > 8:
        raise ArticleError(f"{name!r} looks like a binary file, not a UTF-8 text article")
    return text


# --- which reader -------------------------------------------------------------------


def _kind(data: bytes, name: str, content_type: str | None, url: str | None) -> str:
    found = sniff(data)
    if found:
        return found
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE: Word 97-2003, Excel, Hangul .hwp
        raise ArticleError(
            f"{name!r} is an old Office or Hangul file (.doc, .xls or .hwp); "
            "save it as .docx or PDF and load that"
        )
    for magic, what in _BINARY:
        if data.startswith(magic):
            raise ArticleError(f"{name!r} looks like a binary file ({what}), not an article; {_ADVICE}")
    if data[8:12] == b"WEBP" or data[4:8] == b"ftyp":
        what = "a WebP image" if data[8:12] == b"WEBP" else "a video or audio file"
        raise ArticleError(f"{name!r} looks like a binary file ({what}), not an article; {_ADVICE}")
    said = CONTENT_TYPES.get(_mime(content_type))
    named = SUFFIXES.get(_suffix(name)) or (SUFFIXES.get(_suffix(urlsplit(url).path)) if url else None)
    kind = said or named
    if kind in ("pdf", "docx"):
        what = "a PDF" if kind == "pdf" else "a Word .docx file"
        raise ArticleError(f"{name!r} is not {what} although it is named or served as one; save it again")
    if kind:
        return kind
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return "html" if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in head else "text"


def _mime(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _suffix(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).suffix.lower()


# --- text ---------------------------------------------------------------------------


def _decode_text(data: bytes, name: str, content_type: str | None) -> str:
    codec = _codec(_charset_param(content_type))
    if codec in (None, "utf-8"):
        return decode(data, name)
    if b"\x00" in data[:8192]:
        raise ArticleError(f"{name!r} looks like a binary file, not a text article")
    try:
        return data.decode(codec)
    except UnicodeDecodeError as e:
        raise ArticleError(
            f"{name!r} is not {codec} text as its server says (byte {e.start} cannot be decoded); "
            "save the article as UTF-8 text and load that"
        ) from None


# --- web pages ----------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
# Browsers read a page labelled EUC-KR as Windows-949 (its superset, which Korean
# sites really use) and Latin-1 or ASCII as Windows-1252; so do we.
_AS_BROWSERS_DO = {"euc_kr": "cp949", "latin_1": "cp1252", "ascii": "cp1252", "iso8859_1": "cp1252"}


def _charset_param(content_type: str | None) -> str | None:
    m = _CHARSET_PARAM.search(content_type or "")
    return m.group(1) if m else None


def _codec(label: str | bytes | None) -> str | None:
    """Python's codec for a charset label, or None when there is none or it is unknown."""
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "replace")
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    name = _AS_BROWSERS_DO.get(name.replace("-", "_"), name)
    return "utf-8" if name.replace("_", "-") in ("utf-8", "utf-8-sig") else name


def _html_text(data: bytes, content_type: str | None = None) -> str:
    """A page's bytes as text: by its byte-order mark, the charset the server gave,
    the page's own ``<meta>`` charset, then as UTF-8 if it is, else as detected."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    declared = [_codec(_charset_param(content_type))]
    if m := _META_CHARSET.search(data[:32768]):
        declared.append(_codec(m.group(1)))
    for codec in declared:
        # A page that lies about its charset falls through to UTF-8, then detection.
        if codec and codec not in ("utf-16", "utf-16-le", "utf-16-be", "utf_16"):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                break
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    codec = _codec(best.encoding) if best is not None else None
    return data.decode(codec or "cp949", "replace")


def _read_html(data: bytes, name: str, content_type: str | None, url: str | None) -> Document:
    if b"\x00" in data[:8192]:
        raise ArticleError(f"{name!r} looks like a binary file, not a web page; {_ADVICE}")
    markup = _html_text(data, content_type)
    # lxml refuses a str that still declares its encoding; the bytes are decoded already.
    markup = re.sub(r"^\s*<\?xml[^>]*\?>", "", markup)

    import trafilatura
    from trafilatura.settings import Document as Extracted

    # Precision first: on a short page the default mode keeps stray menu links. A short
    # article that precision drops altogether (a photo story) is read the default way.
    for precise in (True, False):
        found = trafilatura.bare_extraction(
            markup,
            url=url,
            with_metadata=True,
            favor_precision=precise,
            include_comments=False,
            include_tables=True,
            prune_xpath=_ADS,
        )
        body = (found.text or "").strip() if isinstance(found, Extracted) else ""
        if body:
            break
    if not isinstance(found, Extracted) or not body:
        raise ArticleError(
            f"{name!r} has no article text that could be found; if the page needs a login or "
            "JavaScript to show it, copy the article's text into a .txt file and load that"
        )
    title = _tidy(found.title)
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    if title and lines[0] != title:
        lines.insert(0, title)
    page = PageMeta(
        title=title,
        author=_tidy(found.author),
        date=_tidy(found.date),
        sitename=_tidy(found.sitename),
        url=url or _tidy(found.url),
    )
    if credit := _credit(page, "\n".join(lines)):
        lines.append(credit)
    return Document("\n".join(lines), page)


def _credit(page: PageMeta, text: str) -> str:
    """What the page's metadata says of the article (outlet, author, date) and its text
    does not, as the line a news page shows under the article: "청솔일보 · 입력 2025-03-14".
    Kept in the text, an answer about who or when cites it like any other line."""
    parts = [
        page.sitename if page.sitename and page.sitename not in text else "",
        page.author if page.author and page.author.split()[0] not in text else "",
        f"입력 {page.date}" if page.date and page.date not in text else "",
    ]
    return " · ".join(p for p in parts if p)


def _tidy(value: object) -> str | None:
    text = " ".join(str(value).split()) if value else ""
    return text or None


# --- PDF ----------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(r"^[-–—\s]*(?:\d{1,4}|\d{1,4}\s*/\s*\d{1,4})[-–—\s]*$")
_SENTENCE_END = (".", "?", "!", "。", '"', "”", "'", "’", ")", ":")


def _read_pdf(data: bytes, name: str) -> Document:
    from pypdf import PdfReader

    # pypdf raises many kinds of exceptions on damaged files; each means "cannot read it".
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ArticleError(f"{name!r} is a password-protected PDF; remove the password or load its text")
        pages = [page.extract_text() or "" for page in reader.pages]
    except ArticleError:
        raise
    except Exception as e:
        raise ArticleError(
            f"{name!r} could not be read as a PDF ({brief(e)}); save it again or load its text"
        ) from None
    text = "\n".join(p for p in (_unwrap(page) for page in pages) if p)
    if not text.strip():
        raise ArticleError(
            f"{name!r} has no text layer (a scanned PDF?); run OCR on it and load the OCR'd text"
        )
    return Document(text, _pdf_meta(reader))


def _unwrap(page: str) -> str:
    """A PDF page's lines joined back into paragraphs, one to a line (the chunker reads
    a line as a paragraph, so a sentence wrapped across two would be cut in two).

    A line ends its paragraph when it ends a sentence or stops well short of the
    page's full lines (a heading, a paragraph's last line); page numbers go."""
    lines = [" ".join(line.split()) for line in page.splitlines()]
    lines = [line for line in lines if not _PAGE_NUMBER.match(line)]
    full = max((len(line) for line in lines), default=0)
    out: list[str] = []
    current = ""
    for line in lines:
        if not line:
            if current:
                out.append(current)
            current = ""
            continue
        current = f"{current} {line}" if current else line
        if line.endswith(_SENTENCE_END) or len(line) < 0.7 * full:
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return "\n".join(out)


def _pdf_meta(reader: PdfReader) -> PageMeta:
    try:
        meta = reader.metadata
        if meta is None:
            return PageMeta()
        when = meta.creation_date
    except Exception:  # a malformed info dictionary is no reason to refuse the text
        return PageMeta()
    return PageMeta(title=_tidy(meta.title), author=_tidy(meta.author), date=_iso(when))


def _iso(when: object) -> str | None:
    return when.date().isoformat() if isinstance(when, datetime) else None


# --- Word ---------------------------------------------------------------------------


def _read_docx(data: bytes, name: str) -> Document:
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[str] = []
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                blocks.extend(_row_text(row.cells) for row in item.rows)
            else:
                blocks.append(item.text)
        props = document.core_properties
        page = PageMeta(title=_tidy(props.title), author=_tidy(props.author), date=_iso(props.created))
    except Exception as e:  # python-docx, lxml and zipfile each have their own errors
        raise ArticleError(
            f"{name!r} could not be read as a .docx file ({brief(e)}); save it again from Word"
        ) from None
    text = "\n".join(line for line in (" ".join(b.split()) for b in blocks) if line)
    if not text:
        raise ArticleError(f"the article {name!r} is empty")
    return Document(text, page)


def _row_text(cells: list[Any]) -> str:
    seen: list[str] = []
    for cell in cells:  # a merged cell comes back once per column it spans
        if cell.text.strip() and cell.text not in seen:
            seen.append(cell.text)
    return " | ".join(seen)
