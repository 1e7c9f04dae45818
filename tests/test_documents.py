"""Reading an article out of a web page, a PDF, a .docx or text (the fixtures in data/pages/)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from index import Article, PageMeta, load_article, read_document
from index.errors import ArticleError

PAGES = Path(__file__).parent / "data" / "pages"
TITLE = "청솔군, 문 닫은 솔바람초교를 주민 도서관으로…4월 15일 개관"

#: Sentences of the article, from its lead to its last line, either side of the ads.
BODY = [
    "(청솔=청솔일보) 정하늘 기자 = 청솔군이 2019년 학생 수 부족으로 문을 닫은 솔바람초등학교를 "
    "주민 도서관으로 고쳐 다음 달 15일 문을 연다고 14일 밝혔다.",
    "리모델링에는 군비와 도비를 합쳐 모두 38억원이 들었으며, 공사는 지난해 6월 시작해 9개월 만에 마무리됐다.",
    "옛 교실 12칸은 어린이 열람실과 청소년 공부방, 어르신 사랑방, 다목적 강의실로 바뀌었다.",
    "군이 지난해 주민 1천200명에게 물은 설문에서는 응답자의 87%가 폐교를 도서관으로 쓰는 데 찬성했다.",
    '이 학교를 1981년에 졸업한 김순례(56) 씨는 "아이들 웃음소리가 끊긴 학교에 다시 사람이 모인다니 '
    '가슴이 벅차다"고 말했다.',
    "군은 하반기에 인근 폐교 두 곳의 활용 방안도 주민 의견을 들어 확정할 예정이다.",
    "정하늘 기자 haneul@cheongsol-ilbo.example",
]

#: Words only the page's menus, ads, related articles, comments, sidebar and footer use.
BOILERPLATE = [
    "구독신청하기",  # top bar
    "오피니언마당",  # navigation
    "전체메뉴보기",
    "징검다리",  # breaking-news ticker
    "카카오톡 공유",  # share tools
    "반짝세일",  # ad inside the text
    "무이자할부",
    "청솔한우",  # the second ad inside the text
    "드론쇼",  # related articles
    "해돋이 마라톤",
    "다슬기",
    "별빛토끼",  # reader comments
    "ㅎㅎ",
    "해명하라",
    "댓글을 입력하세요",
    "청솔사과",  # most read
    "꿀잠 매트리스",  # sidebar ad
    "개인정보처리방침",  # footer
    "좋아요",
]


def test_the_boilerplate_words_are_on_the_page():
    # Else "never in the text" would prove nothing.
    html = page("news.html").decode()
    assert [word for word in BOILERPLATE if word not in html] == []
    assert [sentence for sentence in BODY if sentence not in html] == []


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def assert_article(text: str) -> None:
    for sentence in BODY:
        assert sentence in text
    assert not [word for word in BOILERPLATE if word in text]
    assert "\ufffd" not in text  # nothing decoded wrong


@pytest.mark.parametrize(
    "name, content_type",
    [
        ("news.html", "text/html; charset=utf-8"),
        ("news.html", None),  # a saved page: <meta charset="utf-8">
        ("news_euckr_header.html", "text/html; charset=euc-kr"),  # only the header says EUC-KR
        ("news_euckr_meta.html", "text/html"),  # only <meta http-equiv> says it
        ("news_euckr_header.html", None),  # nobody says: detected
    ],
)
def test_a_news_page_gives_its_article_without_menus_ads_related_or_comments(name, content_type):
    doc = read_document(page(name), name, content_type=content_type)
    assert_article(doc.text)
    lines = doc.text.splitlines()
    assert lines[0] == TITLE  # the headline leads, as in a .txt article
    assert lines[1] == BODY[0]  # one paragraph a line
    assert doc.page.title == TITLE
    assert doc.page.author is not None and "정하늘" in doc.page.author
    assert doc.page.date == "2025-03-14"
    assert doc.page.sitename == "청솔일보"


def test_euc_kr_pages_read_exactly_as_the_utf8_page():
    utf8 = read_document(page("news.html"), "news.html").text
    assert read_document(page("news_euckr_meta.html"), "a.html").text == utf8
    assert (
        read_document(page("news_euckr_header.html"), "a.html", content_type="text/html; charset=EUC-KR").text
        == utf8
    )
    # EUC-KR read as UTF-8 would have been mojibake or an error: it is neither.
    assert b"\xc3\xbb\xbc\xd6" in page("news_euckr_meta.html")  # "청솔" in EUC-KR


def test_a_page_in_br_separated_paragraphs_keeps_them_and_drops_its_menu():
    html = (
        "<html><head><title>빛축제 개막 - 한빛일보</title><meta property='og:title' content='빛축제 개막'>"
        "</head><body><div class='menu'><a href='/'>홈으로</a> <a href='/p'>정치면</a></div>"
        "<div id='dic_area' class='article_body'>"
        "(서울=한빛일보) 홍길동 기자 = 한빛시가 10월 3일 빛축제를 연다고 밝혔다.<br><br>"
        "축제에는 45만명이 찾을 것으로 보인다.<br><br>"
        "셔틀버스가 10분 간격으로 운행된다.<br><br>"
        "홍길동 기자 hong@hanbit.example</div></body></html>"
    )
    doc = read_document(html.encode(), "naver.html")
    assert doc.text.splitlines() == [
        "빛축제 개막",
        "(서울=한빛일보) 홍길동 기자 = 한빛시가 10월 3일 빛축제를 연다고 밝혔다.",
        "축제에는 45만명이 찾을 것으로 보인다.",
        "셔틀버스가 10분 간격으로 운행된다.",
        "홍길동 기자 hong@hanbit.example",
    ]


def test_a_short_photo_story_is_still_read():
    html = (
        "<html><head><title>벚꽃 활짝</title></head><body><nav><a href='/'>홈으로</a></nav>"
        "<article><h1>벚꽃 활짝</h1><figure><img src='a.jpg'>"
        "<figcaption>강변공원 벚꽃길</figcaption></figure>"
        "<p>14일 강변공원을 찾은 시민들이 벚꽃길을 걷고 있다.</p></article></body></html>"
    )
    assert "14일 강변공원을 찾은 시민들이 벚꽃길을 걷고 있다." in read_document(html.encode(), "p.html").text


def test_text_the_precise_reading_drops_is_read_the_default_way():
    # Paragraphs wrapped whole in links read as navigation to trafilatura's precision mode.
    html = (
        "<html><body><div><p><a href='/a'>한빛시가 10월 3일 빛축제를 연다고</a> "
        "<a href='/b'>밝혔다.</a></p></div>"
    )
    assert "한빛시가 10월 3일 빛축제를 연다고" in read_document(html.encode(), "linked.html").text


def test_the_page_url_is_where_it_came_from_else_its_own_canonical_link():
    assert read_document(page("news.html"), "n.html", url="https://mirror.example/n").page.url == (
        "https://mirror.example/n"
    )
    assert read_document(page("news.html"), "n.html").page.url == (
        "https://news.cheongsol.example/article/20250314-0042"
    )


def test_a_pdf_gives_its_text_layer_with_wrapped_lines_joined():
    doc = read_document(page("news.pdf"), "news.pdf")
    assert_article(doc.text)
    # The lead wraps onto a second line in the PDF; the chunker reads a line as a paragraph.
    assert BODY[0] in doc.text.splitlines()
    assert "  " not in doc.text  # justified spacing is gone
    assert doc.page == PageMeta(title=TITLE, author="정하늘", date="2025-03-14")


def test_a_scanned_pdf_asks_for_ocr():
    with pytest.raises(ArticleError, match=r"'scanned.pdf' has no text layer \(a scanned PDF\?\); run OCR"):
        read_document(page("scanned.pdf"), "scanned.pdf")


def test_a_docx_gives_its_paragraphs_and_tables():
    doc = read_document(page("news.docx"), "news.docx")
    assert_article(doc.text)
    assert doc.text.splitlines()[0] == TITLE
    assert "개관일 | 4월 15일" in doc.text.splitlines()
    assert doc.page == PageMeta(title=TITLE, author="정하늘", date="2025-03-14")


def test_content_decides_before_the_name():
    # A PDF saved as .txt, a page saved without an extension, a .docx served as octet-stream.
    assert BODY[1] in read_document(page("news.pdf"), "article.txt").text
    assert BODY[1] in read_document(page("news.html"), "article").text
    assert BODY[1] in read_document(page("news.docx"), "x", content_type="application/octet-stream").text


def test_text_and_markdown_are_read_as_they_are():
    text = "# 제목\n\n본문 첫 문단입니다.\n"
    assert read_document(text.encode(), "a.md").text == text
    assert read_document(text.encode(), "a.txt").page == PageMeta()
    # A server's charset counts for text/plain; a file's bytes must be UTF-8.
    assert (
        read_document("본문".encode("euc-kr"), "u", content_type="text/plain; charset=euc-kr").text == "본문"
    )
    with pytest.raises(ArticleError, match="not UTF-8"):
        read_document("본문".encode("euc-kr"), "a.txt")
    # Text that happens to start like a file signature is still text.
    assert read_document("MZ세대가 많이 찾는다.\n".encode(), "mz.txt").text == "MZ세대가 많이 찾는다.\n"


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    "data, name, content_type, message",
    [
        (b"", "a.html", None, "'a.html' is empty"),
        (
            page("photo.png"),
            "page.html",
            "text/html",
            r"'page.html' looks like a binary file \(a PNG image\)",
        ),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "photo.txt", None, r"looks like a binary file \(a JPEG image\)"),
        (_zip({"a.txt": b"x"}), "a.docx", None, r"looks like a binary file \(a zip archive\)"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512),
            "report.doc",
            None,
            r"'report.doc' is an old Office or Hangul file .*save it as .docx or PDF",
        ),
        (
            b"hello, I am text",
            "paper.pdf",
            None,
            "'paper.pdf' is not a PDF although it is named or served as one",
        ),
        (b"hello", "x", "application/pdf", "is not a PDF although"),
        (page("news.pdf")[:400], "cut.pdf", None, "'cut.pdf' could not be read as a PDF"),
        (
            _zip({"word/document.xml": b"<not-xml", "[Content_Types].xml": b"<x/>"}),
            "broken.docx",
            None,
            "'broken.docx' could not be read as a .docx file",
        ),
        (
            b"<html><body><div id='app'></div><script src='/app.js'></script></body></html>",
            "app.html",
            None,
            "'app.html' has no article text that could be found; if the page needs a login or JavaScript",
        ),
        (b"<html>\x00\x00\x00</html>", "odd.html", None, "looks like a binary file, not a web page"),
    ],
    ids=[
        "empty",
        "png-as-html",
        "jpeg-as-txt",
        "zip-not-docx",
        "old-doc",
        "text-named-pdf",
        "text-served-as-pdf",
        "truncated-pdf",
        "broken-docx",
        "no-article-text",
        "nul-bytes-html",
    ],
)
def test_what_is_not_an_article_gets_one_clear_sentence(data, name, content_type, message):
    with pytest.raises(ArticleError, match=message) as e:
        read_document(data, name, content_type=content_type)
    assert "\n" not in str(e.value) and "Traceback" not in str(e.value)


@pytest.mark.parametrize("name", ["news.html", "news_euckr_meta.html", "news.pdf", "news.docx"])
def test_load_article_reads_every_format_from_disk(name):
    article = load_article(PAGES / name)
    assert isinstance(article, Article)
    assert article.name == name
    assert_article(article.text)
    assert article.page is not None and article.page.title == TITLE


def test_the_same_article_from_two_places_has_one_hash(tmp_path):
    a = read_document(page("news.html"), "a.html", url="https://one.example/a")
    b = read_document(page("news_euckr_meta.html"), "b.html", url="https://two.example/b")
    first = Article.from_text(a.text, "a", page=a.page)
    second = Article.from_text(b.text, "b", page=b.page)
    assert first.page != second.page
    assert first.sha256 == second.sha256 == Article.from_text(a.text, "plain").sha256


def test_a_text_file_loads_as_before(tmp_path):
    p = tmp_path / "festival.txt"
    p.write_text("한빛시 빛축제가 10월에 열린다.\n", encoding="utf-8")
    article = load_article(p)
    assert article.text == "한빛시 빛축제가 10월에 열린다.\n"
    assert article.page == PageMeta()
