"""The chat in a real browser: Debian's Chromium driven by Playwright, a real server on 127.0.0.1.

Needs ``apt-get install -y chromium fonts-nanum`` (the fonts only make the
Korean in screenshots legible). ``QA_SCREENSHOT=docs/screenshot.png`` also
saves the conversation screenshot there (the README's picture).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa import Serving, Settings
from tests.bad_inputs import INJECTED_ARTICLE, INJECTED_FACT, INJECTED_QUESTION

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT = 60_000  # ms; the first question may wait for the models

ANSWERS = "#qa-chat .qa-final, #qa-chat .qa-error"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(settings: Settings) -> Iterator[str]:
    from ui.app import build_app, launch

    # Served on loopback, yet under the rules of a server beyond it, with only the test's
    # own page server (127.0.0.1) allowed: links elsewhere in private space are refused.
    app = build_app(settings, links=Serving(fetch_allow="127.0.0.1/32").links(private=False))
    port = free_port()
    launch(app, port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("the browser tests need Debian's Chromium: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1100, "height": 1400}, locale="ko-KR")
    ctx.set_default_timeout(TIMEOUT)
    yield ctx
    ctx.close()


def open_chat(context, url: str):
    page = context.new_page()
    page.goto(url)
    page.locator("#qa-input textarea").wait_for()
    return page


def ask(page, question: str, *, typed: bool = True):
    """Type ``question``, press Enter, and return the locator of the answer it gets."""
    n = page.locator(ANSWERS).count()
    box = page.locator("#qa-input textarea")
    if typed:
        box.click()
        box.press_sequentially(question)
    else:
        box.fill(question)
    box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll({ANSWERS!r}).length > {n}")
    return page.locator(ANSWERS).nth(n)


def user_messages(page) -> list[str]:
    return page.locator("#qa-chat [data-testid=user]").all_inner_texts()


def test_conversation_streams_answers_with_highlighted_sources(context, server, tmp_path):
    page = open_chat(context, server)
    # Record every state the answer bubble passes through: it must show up before it is final.
    page.evaluate(
        """() => {
        window.qaSeen = new Set();
        new MutationObserver(() => {
          for (const el of document.querySelectorAll('#qa-chat .qa-reply')) window.qaSeen.add(el.className);
        }).observe(document.querySelector('#qa-chat'), {subtree: true, childList: true, characterData: true});
      }"""
    )

    first = ask(page, "BC카드 단말기에서 쓸 수 있게 되는 몽골 카드 이름이 뭐야?")
    seen = " ".join(page.evaluate("[...window.qaSeen]"))
    assert "qa-pending" in seen or "qa-streaming" in seen, seen
    assert "티카드(T-Card)" in first.locator(".qa-text").inner_text()
    mark = first.locator("mark.qa-evidence")
    assert "티카드(T-Card)" in mark.inner_text()
    assert mark.inner_text() in first.locator(".qa-source blockquote").first.inner_text()
    assert first.locator(".qa-not-found").count() == 0

    follow = ask(page, "그걸 쓰는 사람은 몇 퍼센트야?")
    assert "70%" in follow.locator(".qa-text").inner_text()
    assert "70%" in follow.locator("mark.qa-evidence").inner_text()

    missing = ask(page, "KT의 작년 영업이익은 얼마인가요?")
    badge = missing.locator(".qa-not-found")
    assert badge.is_visible() and "기사에 없음" in badge.inner_text()
    assert missing.locator("mark").count() == 0  # the closest passages do not answer

    # An example question is sent by clicking it.
    n = page.locator(ANSWERS).count()
    page.locator("#qa-examples").get_by_text("Who is the CEO of BC Card?").click()
    page.wait_for_function(f"document.querySelectorAll({ANSWERS!r}).length > {n}")
    assert "최원석" in page.locator(ANSWERS).nth(n).inner_text()
    assert user_messages(page)[-1] == "Who is the CEO of BC Card?"

    # The whole conversation in one picture: let the chat grow instead of scrolling.
    grow = "height: auto !important; max-height: none !important"
    page.add_style_tag(content=f"#qa-chat, #qa-chat [role=log] {{{grow}}}")
    page.screenshot(path=str(tmp_path / "conversation.png"), full_page=True)
    if os.environ.get("QA_SCREENSHOT"):
        page.screenshot(path=os.environ["QA_SCREENSHOT"], full_page=True)

    page.locator("#qa-clear").click()
    page.wait_for_function("document.querySelectorAll('#qa-chat [data-testid=user]').length === 0")
    # Clearing also forgets the conversation: the follow-up has nothing to follow.
    after = ask(page, "그걸 쓰는 사람은 몇 퍼센트야?", typed=False)
    assert after.locator(".qa-not-found").count() == 1


def test_a_summary_shows_each_of_its_sentences_marked_in_its_passage(context, server):
    page = open_chat(context, server)
    # Above the chat: the article, and who wrote it where, as its text says.
    assert "연합인포맥스 · 최정우 기자" in page.locator("#qa-about").inner_text()
    answer = ask(page, "요약해줘", typed=False)
    lines = answer.locator(".qa-text").inner_text().splitlines()
    assert lines[0].startswith("기사 요약") and len(lines) == 4
    marks = answer.locator("mark.qa-evidence")
    assert marks.count() == 3 and answer.locator(".qa-not-found").count() == 0
    for i, line in enumerate(lines[1:]):
        assert " ".join(marks.nth(i).inner_text().split()) == line.removeprefix("- ")
    shorter = ask(page, "더 짧게", typed=False)
    assert shorter.locator("mark.qa-evidence").count() == 2


def test_two_tabs_keep_separate_conversations(context, server):
    a, b = open_chat(context, server), open_chat(context, server)
    ask(a, "BC카드 단말기에서 쓸 수 있게 되는 몽골 카드 이름이 뭐야?", typed=False)
    alone = ask(b, "그걸 쓰는 사람은 몇 퍼센트야?", typed=False)
    assert alone.locator(".qa-not-found").count() == 1  # tab b has no card to refer to
    assert user_messages(b) == ["그걸 쓰는 사람은 몇 퍼센트야?"]
    assert "70%" in ask(a, "그걸 쓰는 사람은 몇 퍼센트야?", typed=False).locator(".qa-text").inner_text()
    assert len(user_messages(a)) == 2 and len(user_messages(b)) == 1


def test_enter_that_commits_a_korean_syllable_does_not_send(context, server):
    page = open_chat(context, server)
    box = page.locator("#qa-input textarea")
    box.click()
    ime = context.new_cdp_session(page)
    ime.send("Input.insertText", {"text": "몽골 중앙은행 카드 이름이 뭐"})
    ime.send("Input.imeSetComposition", {"text": "야", "selectionStart": 1, "selectionEnd": 1})
    page.keyboard.press("Enter")  # Gradio alone sends here, then the commit leaves "야" behind
    ime.send("Input.insertText", {"text": "야"})  # the IME commits the syllable
    page.wait_for_timeout(500)
    assert user_messages(page) == []
    assert box.input_value() == "몽골 중앙은행 카드 이름이 뭐야"
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.querySelectorAll({ANSWERS!r}).length > 0")
    assert user_messages(page) == ["몽골 중앙은행 카드 이름이 뭐야"]
    assert box.input_value() == ""


def upload(page, name: str, data: bytes):
    panel = page.locator("#qa-upload-panel")
    if not page.locator("#qa-upload input[type=file]").count():
        panel.get_by_text("다른 기사 사용").click()
    page.locator("#qa-upload input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": "text/plain", "buffer": data}]
    )
    page.locator("#qa-status .qa-status").wait_for()
    return page.locator("#qa-status .qa-status")


def test_paste_a_link_or_text_then_ask_about_it(context, server, pages, small_article):
    page = open_chat(context, server)
    page.locator("#qa-upload-panel").get_by_text("다른 기사 사용").click()
    link = page.locator("#qa-link textarea, #qa-link input").first
    # The cloud metadata address: refused before any connection, with a reason.
    link.fill("http://169.254.169.254/latest/meta-data/")
    link.press("Enter")
    page.locator("#qa-status .qa-status-error").wait_for()
    assert "QA_FETCH_ALLOW" in page.locator("#qa-status").inner_text()

    link.fill(f"{pages}/news.html")
    page.locator("#qa-link-go").click()
    page.locator("#qa-status .qa-status-ok").wait_for(timeout=120_000)
    about = page.locator("#qa-about").inner_text()
    assert about.startswith("청솔군, 문 닫은 솔바람초교") and "정하늘 기자" in about and "2025-03-14" in about
    answer = ask(page, "마을서재의 장서는 개관 때 몇 권이야?", typed=False)
    assert "2만4천 권" in answer.locator(".qa-text").inner_text()
    assert "2만4천 권" in answer.locator("mark.qa-evidence").inner_text()
    if os.environ.get("QA_SCREENSHOT_LINK"):  # the README's picture of a link in use
        page.screenshot(path=os.environ["QA_SCREENSHOT_LINK"], full_page=True)

    # Pasted text is an article too, named by its first line.
    page.locator("#qa-paste textarea").fill(small_article.read_text(encoding="utf-8"))
    page.locator("#qa-paste-go").click()
    page.wait_for_function("document.querySelectorAll('#qa-chat [data-testid=user]').length === 0")
    page.locator("#qa-status .qa-status-ok").wait_for()
    assert "10분" in ask(page, "셔틀버스는 몇 분 간격으로 운행되나요?", typed=False).inner_text()


def test_upload_an_article_then_ask_about_it(context, server, settings, small_article):
    page = open_chat(context, server)
    bad = upload(page, "photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")
    assert "qa-status-error" in bad.get_attribute("class")
    assert "looks like a binary file" in bad.inner_text()

    status = upload(page, "../../festival.txt", small_article.read_bytes())
    page.wait_for_function("document.querySelector('#qa-status .qa-status-ok') !== null")
    assert "festival.txt" in status.inner_text()
    assert "festival.txt" in page.locator("#qa-article input").input_value()
    assert page.locator("#qa-about").inner_text().startswith("festival.txt")
    answer = ask(page, "셔틀버스는 몇 분 간격으로 운행되나요?", typed=False)
    assert "10분" in answer.locator(".qa-text").inner_text()
    assert "10분" in answer.locator("mark.qa-evidence").inner_text()

    # The copy lives in the index directory under a hash, whatever the file was called.
    stored = sorted(p.name for p in (settings.index_dir / "uploads").glob("*.txt"))
    assert stored and all(len(Path(n).stem) == 32 for n in stored)
    kept = [p.name for p in (settings.index_dir / "uploads").iterdir() if p.is_file()]
    assert all(n.endswith((".txt", ".page.json")) for n in kept)

    # The shipped article is still there.
    page.locator("#qa-article input").click()
    page.get_by_role("option", name="kt_mongolia.txt (기본 · default)").click()
    page.wait_for_function("document.querySelectorAll('#qa-chat [data-testid=user]').length === 0")
    assert "최정우 기자" in page.locator("#qa-about").inner_text()
    assert "70%" in ask(page, "티카드는 몽골 국민 몇 퍼센트가 쓰나요?", typed=False).inner_text()


def test_html_and_scripts_in_questions_and_articles_stay_text(context, server):
    page = open_chat(context, server)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.evaluate("window.qaPwned = false")
    hostile = (
        '<script>window.qaPwned = true</script><img src=x onerror="window.qaPwned = true"> BC카드 사장은?'
    )
    answer = ask(page, hostile, typed=False)
    assert "qa-final" in answer.get_attribute("class")  # an answer or a decline, not an error
    assert user_messages(page)[-1] == hostile  # shown as the text it is

    bad = upload(page, "empty.txt", b"")
    assert "is empty" in bad.inner_text() and "qa-status-error" in bad.get_attribute("class")
    status = upload(page, '<img src=x onerror="alert(1)">.txt', INJECTED_ARTICLE.encode())
    page.wait_for_function("document.querySelector('#qa-status .qa-status-ok') !== null")
    assert "src=x onerror=" in status.inner_text()  # the name as text (Gradio drops its < >)
    reply = ask(page, INJECTED_QUESTION, typed=False)
    assert INJECTED_FACT in reply.locator(".qa-text").inner_text()
    assert "해킹됨" not in reply.locator(".qa-text").inner_text()
    page.wait_for_timeout(300)  # give any handler that slipped through its chance to run
    assert page.evaluate("window.qaPwned") is False and dialogs == []
    assert page.locator("#qa-chat script, #qa-chat img[src=x], #qa-status img").count() == 0
