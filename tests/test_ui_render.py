"""The chat's pieces without a server: HTML of answers, uploads kept safe, ``--auth``."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa import Answer, ArticleError, ConfigError, Source
from qa.cli import _auth
from ui import render
from ui.session import display_name, store_upload

ARTICLE = "첫 문단이다.\n\n티카드는 <몽골> 국민 약 70%가 쓴다 & 그렇다. 다음 문장."


def source(**kw) -> Source:
    start, end = 8, len(ARTICLE)
    ev_start = ARTICLE.index("티카드")
    ev_end = ARTICLE.index(" 다음")
    base = dict(
        text=ARTICLE[start:end],
        score=1.0,
        start=start,
        end=end,
        evidence=ARTICLE[ev_start:ev_end],
        evidence_start=ev_start,
        evidence_end=ev_end,
        article="kt.txt",
    )
    return Source(**{**base, **kw})


def test_evidence_is_marked_inside_the_escaped_passage():
    html = render.highlighted(source())
    assert '<mark class="qa-evidence">티카드는 &lt;몽골&gt; 국민 약 70%가 쓴다 &amp; 그렇다.</mark>' in html
    assert html.endswith("</mark> 다음 문장.")
    assert "<몽골>" not in html


def test_offsets_outside_the_passage_mark_nothing():
    assert "<mark" not in render.highlighted(source(evidence_start=0, evidence_end=0))
    assert "<mark" not in render.highlighted(source(evidence_end=10_000))


def test_found_answer_shows_its_source_and_a_refusal_its_badge():
    found = render.answer(Answer(text="약 70%", found=True, sources=(source(),)), "kt.txt")["content"]
    assert "qa-final" in found and "<mark" in found and "qa-not-found" not in found
    refusal = render.answer(Answer(text="기사에 없습니다.", found=False, sources=(source(),)))["content"]
    assert render.NOT_FOUND in refusal and "<mark" not in refusal
    assert "\n" not in found + refusal  # one HTML block


def test_a_summary_marks_every_one_of_its_sentences():
    first = ARTICLE.index("첫")
    lead = source(
        start=0, end=7, text=ARTICLE[:7], evidence="첫 문단이다.", evidence_start=first, evidence_end=7
    )
    a = Answer(
        text="요약:\n- 첫 문단이다.\n- 티카드는 ...", found=True, sources=(lead, source()), mode="summary"
    )
    shown = render.answer(a, "kt.txt")["content"]
    assert shown.count("<mark") == 2 and "qa-more" not in shown


def test_what_an_article_says_of_itself_in_one_line():
    line = render.about(
        {"outlet": "연합인포맥스", "reporter": "최정우", "email": "x@y.kr", "published": "14시 00분"}
    )
    assert line == "연합인포맥스 · 최정우 기자 · 14시 00분"
    assert render.about({}) == ""


def test_whatever_the_user_types_is_shown_as_text():
    shown = render.user('<img src=x onerror="alert(1)"> **bold** $x$')["content"]
    assert shown.startswith("&lt;img") and "<img" not in shown


def test_api_answer_is_plain_json():
    a = render.answer_json(Answer(text="t", found=True, sources=(source(),)), "kt.txt")
    assert set(a) >= {"text", "found", "sources"} and a["sources"][0]["text"] == source().text


@pytest.mark.parametrize(
    "name", ["../../escape.txt", "/etc/passwd.md", "..\\..\\win.txt", "a\x00b.txt", "기사 (1).TXT"]
)
def test_uploads_stay_in_the_index_directory_whatever_their_names(tmp_path, name):
    src = tmp_path / "incoming"
    src.write_text("한빛시가 빛축제를 연다.\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    stored = store_upload(src, name, index_dir)
    assert stored.parent == index_dir / "uploads"
    assert len(stored.stem) == 32 and stored.suffix == ".txt"
    note = stored.with_suffix(".page.json")  # its name and page, beside it
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == sorted([src, stored, note])
    assert "/" not in display_name(name) and "\x00" not in display_name(name)


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks like a binary file"),
        ("latin1.txt", "café".encode("latin-1"), "is not UTF-8"),
        ("empty.md", b"  \n", "is empty"),
        ("report.pdf", b"%PDF-1.4", "could not be read as a PDF"),
        ("setup.exe", b"MZ\x90\x00", "not an article file"),
    ],
)
def test_bad_uploads_say_what_is_wrong(tmp_path, name, data, message):
    src = tmp_path / "incoming"
    src.write_bytes(data)
    with pytest.raises(ArticleError, match=message):
        store_upload(src, name, tmp_path / "index")
    uploads = tmp_path / "index" / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_oversized_upload_is_refused(tmp_path, monkeypatch):
    import index.article

    monkeypatch.setattr(index.article, "MAX_ARTICLE_BYTES", 10)  # the limit itself, not a model
    src = tmp_path / "big.txt"
    src.write_text("열 바이트가 넘는 기사", encoding="utf-8")
    with pytest.raises(ArticleError, match="up to 10 bytes"):
        store_upload(src, "big.txt", tmp_path / "index")


def test_auth_takes_user_and_password():
    assert _auth("alice:pa:ss") == ("alice", "pa:ss")
    assert _auth(None) is None
    for bad in ("alice", ":pw", "alice:"):
        with pytest.raises(ConfigError, match="USER:PASSWORD"):
            _auth(bad)


def test_share_links_are_refused():
    import gradio as gr

    from ui.app import launch

    with pytest.raises(ValueError, match="never shared"):
        launch(gr.Blocks(), share=True)


def test_build_app_exposes_ask_reset_upload_and_link_only(settings):
    from ui.app import build_app

    app = build_app(settings)
    names = {fn.api_name for fn in app.fns.values() if fn.api_visibility == "public"}
    assert names == {"ask", "reset", "upload", "link"}
    assert app.analytics_enabled is False


def test_display_name_is_short_and_plain():
    assert display_name("a/b/" + "가" * 100 + ".txt") == "가" * 48 + "….txt"
    assert display_name("") == "article"
    assert Path(display_name("x/y/z.md")).name == "z.md"
