"""The Gradio chat: :func:`build_app` builds it, :func:`launch` serves it.

>>> from qa import Settings
>>> from ui.app import build_app, launch
>>> app = build_app(Settings.from_env())
>>> launch(app)                      # http://127.0.0.1:7860, no share link, no analytics

All answering is ``qa.Chatbot``'s; this module wires it to the page. Each
session (a browser tab, or a ``gradio_client.Client``) keeps its own
:class:`~ui.session.Session` in a ``gr.State``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from qa import (
    MAX_ARTICLE_BYTES,
    Answer,
    Article,
    Chatbot,
    FetchPolicy,
    IndexError_,
    QAError,
    Serving,
    Settings,
    fetch_article,
    is_link,
    keep_article,
    prune_articles,
    text_article,
)
from ui import render
from ui.session import SUFFIXES, Session, Uploads, display_name, store_upload

log = logging.getLogger(__name__)

#: Example questions about the bundled article (shown only when it is the default).
EXAMPLES = (
    "BC카드 단말기에서 쓸 수 있게 되는 몽골 카드 이름이 뭐야?",
    "몽골은 희토류를 얼마나 보유하고 있나요?",
    "Who is the CEO of BC Card?",
    "What percentage of Mongolians use the T-Card?",
)

#: A session's conversation is dropped after this long without a question.
SESSION_TTL = 6 * 3600

# Gradio's textbox sends on an Enter keypress without asking whether an input
# method is composing. With a Korean IME, the Enter that commits the last
# syllable would send the message with that syllable, and the commit would then
# put the syllable again into the emptied box. Swallow key events that belong
# to a composition before Gradio sees them; the IME still commits, and the
# next Enter sends. (Safari reports them as keyCode 229 after compositionend;
# a real IME sends no keypress while composing, a synthetic Enter may.)
HEAD = """
<script>
for (const type of ["keydown", "keypress"]) {
  window.addEventListener(type, (e) => {
    const t = e.target;
    if (!(t instanceof HTMLTextAreaElement || t instanceof HTMLInputElement)) return;
    if (!(e.isComposing || e.keyCode === 229)) return;
    e.stopImmediatePropagation();
    if (type === "keypress") e.preventDefault();  // no stray line break in the box
  }, true);
}
</script>
"""

CSS = render.CSS


def _new_session(
    settings: Settings, uploads: Uploads, serving: Serving
) -> Callable[[Session | None], Session]:
    def get(session: Session | None) -> Session:
        return session if isinstance(session, Session) else Session(settings, uploads, serving)

    return get


def _end_session(session: Session | None) -> None:
    if isinstance(session, Session):
        session.close()


def _add_upload(
    path: str, name: str, s: Session, serving: Serving, progress: Callable[[int, int], None] | None
) -> Chatbot:
    """Check, keep and index an uploaded file for session ``s`` (the panel's and ``/upload``'s
    one way in). Raises :class:`qa.QAError` with a message for the person uploading."""
    try:
        return _add(lambda: store_upload(path, name, s.settings.index_dir), name, s, serving, progress)
    finally:
        # Gradio's own copy of the upload; ours is in the index directory.
        Path(path).unlink(missing_ok=True)


def _add_article(
    article: Article, s: Session, serving: Serving, progress: Callable[[int, int], None] | None
) -> Chatbot:
    """Keep and index a fetched or pasted article for session ``s``."""
    return _add(lambda: keep_article(article, s.settings.index_dir), article.name, s, serving, progress)


def _add(
    keep: Callable[[], Path],
    name: str,
    s: Session,
    serving: Serving,
    progress: Callable[[int, int], None] | None,
) -> Chatbot:
    try:
        bot = s.add(keep(), name, progress=progress)
    except OSError as e:
        log.exception("keeping an article failed")
        raise IndexError_("the server could not keep the article (see its log); try again later") from e
    # Disk stays bounded: the least recently used articles no session holds go.
    dropped = prune_articles(s.settings.index_dir, serving.max_disk_mb * 1_000_000, s.uploads.held())
    if dropped:
        log.info("deleted %d kept articles over QA_MAX_DISK_MB", len(dropped))
    return bot


def _indexing(progress: gr.Progress) -> Callable[[int, int], None]:
    """An index build's progress, shown on Gradio's bar."""

    def update(done: int, total: int) -> None:
        progress((done, total), desc="색인 중 · Indexing", unit="pieces")

    return update


def _pasted_name(text: str) -> str:
    """What pasted text is called in the list: its first line, cut short."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return display_name(first[:40] + ("…" if len(first) > 40 else "")) if first else "pasted text"


def build_app(
    settings: Settings | None = None,
    *,
    serving: Serving | None = None,
    examples: Sequence[str] | None = None,
    links: FetchPolicy | None = None,
) -> gr.Blocks:
    """Build the chat for ``settings`` (default: ``Settings.from_env()``); nothing is loaded yet.

    ``serving`` bounds the uploads (default: ``Serving.from_env()``); the bound on
    engines kept loaded is the process's, which ``qa serve`` sets.
    ``examples`` are clickable questions (default: :data:`EXAMPLES` for the
    bundled article, none for another). ``links`` is which web links may be
    fetched (default: ``serving.links(private=False)``, public addresses only;
    ``qa serve`` on loopback allows any). Endpoints for ``gradio_client``:
    ``/ask`` (message -> answer as JSON, history kept per client session),
    ``/reset`` (forget that history), ``/upload`` (an article file -> indexed,
    then asked about in that session) and ``/link`` (the same for a web link).
    """
    settings = settings or Settings.from_env()
    serving = serving or Serving.from_env()
    if examples is None:
        examples = EXAMPLES if settings.article is None else ()
    uploads = Uploads(serving.max_uploads)
    links = links or serving.links(private=False)
    session_of = _new_session(settings, uploads, serving)

    def respond(message: str, session: Session | None) -> Iterator[tuple[Any, Any, Session]]:
        s = session_of(session)
        if not (message or "").strip():
            yield gr.skip(), gr.skip(), s
            return
        s.messages.append(render.user(message))
        s.messages.append(render.pending())
        yield "", s.messages, s
        text = ""
        try:
            for piece in s.stream(message):
                if isinstance(piece, Answer):
                    s.messages[-1] = render.answer(piece, s.article.name)
                elif piece:
                    text += piece
                    s.messages[-1] = render.streaming(text)
                else:
                    continue
                yield gr.skip(), s.messages, s
        except QAError as e:
            s.messages[-1] = render.error(str(e))
            yield gr.skip(), s.messages, s
        except Exception as e:  # a bug, not a user mistake: keep the page usable, log it
            log.exception("answering %r failed", message)
            s.messages[-1] = render.error(f"something went wrong ({type(e).__name__}); see the server log")
            yield gr.skip(), s.messages, s

    def clear(session: Session | None) -> tuple[list[Any], str, Session]:
        s = session_of(session)
        s.reset()
        return [], "", s

    def select(key: str, session: Session | None) -> tuple[Any, str, str, Session]:
        s = session_of(session)
        try:
            s.select(key)
        except QAError as e:
            return gr.skip(), gr.skip(), render.status(str(e), "error"), s
        note = f"이제 묻는 기사 · Now asking about: {s.article.name}"
        return [], render.header(s.article.name, s.about()), render.status(note), s

    def panel_upload(
        path: str | None,
        session: Session | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 (how Gradio finds a progress bar)
    ) -> tuple[Any, Any, Any, Any, str, Session]:
        s = session_of(session)
        if not path:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), s
        name = display_name(Path(path).name)
        progress(0, desc="색인 중 · Indexing")
        try:
            bot = _add_upload(path, name, s, serving, _indexing(progress))
        except QAError as e:
            return None, gr.skip(), gr.skip(), gr.skip(), render.status(str(e), "error"), s
        return (None, *added(bot, s))

    def added(bot: Chatbot, s: Session) -> tuple[Any, Any, str, str, Session]:
        idx = bot.index
        note = (
            f"{s.article.name}: {len(idx.chunks)} passages, {len(idx.sentences)} sentences. "
            "이제 이 기사에 대해 물어보세요 · Ask about it now."
        )
        return (
            gr.Dropdown(choices=s.choices(), value=s.current),
            [],
            render.header(s.article.name, bot.about),
            render.status(note, "ok"),
            s,
        )

    def panel_article(
        source: str,
        get: Callable[[str], Article],
        session: Session | None,
        progress: gr.Progress,
    ) -> tuple[Any, Any, Any, Any, str, Session]:
        s = session_of(session)
        if not (source or "").strip():
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), s
        try:
            bot = _add_article(get(source), s, serving, _indexing(progress))
        except QAError as e:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), render.status(str(e), "error"), s
        return ("", *added(bot, s))

    def panel_link(
        url: str,
        session: Session | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 (how Gradio finds a progress bar)
    ) -> tuple[Any, Any, Any, Any, str, Session]:
        progress(0, desc="가져오는 중 · Fetching")
        return panel_article(url, lambda u: fetch_article(u, links), session, progress)

    def panel_paste(
        text: str,
        session: Session | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 (how Gradio finds a progress bar)
    ) -> tuple[Any, Any, Any, Any, str, Session]:
        def get(t: str) -> Article:  # a link pasted as the text means its article
            return fetch_article(t, links) if is_link(t) else text_article(t, _pasted_name(t))

        return panel_article(text, get, session, progress)

    def api_ask(message: str, session: Session | None) -> tuple[dict[str, Any], Session]:
        s = session_of(session)
        try:
            answer = s.ask(message)
        except QAError as e:
            raise gr.Error(str(e), print_exception=False) from None
        s.messages += [render.user(message), render.answer(answer, s.article.name)]
        return render.answer_json(answer, s.article.name), s

    def api_upload(path: str | None, session: Session | None) -> tuple[dict[str, Any], Session]:
        s = session_of(session)
        if not path:
            raise gr.Error(
                "no file was sent; upload an article (.txt, .md, .html, .pdf or .docx)", print_exception=False
            )
        name = display_name(Path(path).name)
        try:
            idx = _add_upload(path, name, s, serving, None).index
        except QAError as e:
            raise gr.Error(str(e), print_exception=False) from None
        info = {"article": s.article.name, "passages": len(idx.chunks), "sentences": len(idx.sentences)}
        return info, s

    def api_link(url: str, session: Session | None) -> tuple[dict[str, Any], Session]:
        s = session_of(session)
        try:
            bot = _add_article(fetch_article(url or "", links), s, serving, None)
        except QAError as e:
            raise gr.Error(str(e), print_exception=False) from None
        info = {"article": s.article.name, "passages": len(bot.index.chunks), "about": bot.about}
        return info, s

    def api_reset(session: Session | None) -> Session:
        s = session_of(session)
        s.reset()
        return s

    mb = MAX_ARTICLE_BYTES / 1_000_000
    with gr.Blocks(title="qa · 기사에 묻기", analytics_enabled=False, delete_cache=(3600, 3600)) as app:
        state = gr.State(None, time_to_live=SESSION_TTL, delete_callback=_end_session)
        gr.Markdown(
            "## 기사에 묻기 · Ask the article\n"
            "한국어나 영어로 물어보세요. 모든 답에는 근거 문장이 표시됩니다. "
            "Ask in Korean or English; every answer shows the sentence it came from."
        )
        first = Session(settings, uploads, serving)
        article = gr.Dropdown(
            choices=first.choices(),
            value=first.current,
            label="기사 · Article",
            interactive=True,
            elem_id="qa-article",
        )
        header = gr.HTML(render.header(first.article.name, first.about()), elem_id="qa-about")
        chat = gr.Chatbot(
            label="대화 · Conversation",
            elem_id="qa-chat",
            height="62vh",
            min_height=360,
            render_markdown=False,  # messages are HTML we escaped (ui.render)
            sanitize_html=True,
            allow_tags=False,
            latex_delimiters=[],
            feedback_options=None,
            buttons=["copy"],
            placeholder="기사에 대해 물어보세요 · Ask anything about the article",
        )
        with gr.Row(equal_height=True):
            box = gr.Textbox(
                show_label=False,
                placeholder="질문을 입력하고 Enter · Type a question, press Enter",
                lines=1,
                max_lines=4,
                scale=8,
                autofocus=True,
                elem_id="qa-input",
            )
            send = gr.Button("보내기 · Send", variant="primary", scale=1, min_width=140, elem_id="qa-send")
            clear_btn = gr.Button("지우기 · Clear", scale=1, min_width=140, elem_id="qa-clear")
        ex = (
            gr.Examples(
                examples=[[q] for q in examples],
                inputs=[box],
                label="예시 질문 · Example questions",
                elem_id="qa-examples",
            )
            if examples
            else None
        )
        with gr.Accordion("다른 기사 사용 · Use another article", open=False, elem_id="qa-upload-panel"):
            gr.Markdown(
                f"기사 링크, 파일(`.html` `.pdf` `.docx` `.txt` `.md`, 최대 {mb:g} MB) 또는 붙여넣은 글. "
                "올린 기사는 이 세션에서만 보입니다. "
                f"A link, a file (`.html` `.pdf` `.docx` `.txt` `.md`, up to {mb:g} MB) or pasted "
                "text; it is listed for this session only."
            )
            with gr.Row(equal_height=True):
                link_box = gr.Textbox(
                    show_label=False,
                    placeholder="기사 링크 · Article link (https://...)",
                    lines=1,
                    max_lines=1,
                    scale=8,
                    elem_id="qa-link",
                )
                link_btn = gr.Button("가져오기 · Fetch", scale=1, min_width=140, elem_id="qa-link-go")
            upload_box = gr.File(
                label="기사 파일 · Article file",
                file_types=list(SUFFIXES),
                file_count="single",
                type="filepath",
                elem_id="qa-upload",
            )
            paste_box = gr.Textbox(
                label="기사 붙여넣기 · Paste the article's text",
                lines=4,
                max_lines=12,
                elem_id="qa-paste",
            )
            paste_btn = gr.Button("이 글로 묻기 · Use this text", elem_id="qa-paste-go")
        status = gr.HTML(elem_id="qa-status")

        # Endpoints for gradio_client only.
        api_message = gr.Textbox(label="message", visible=False)
        api_answer = gr.JSON(label="answer", visible=False)
        api_ask_btn = gr.Button(visible=False)
        api_reset_btn = gr.Button(visible=False)
        api_file = gr.File(label="article", type="filepath", visible=False)
        api_upload_info = gr.JSON(label="uploaded", visible=False)
        api_upload_btn = gr.Button(visible=False)
        api_link_text = gr.Textbox(label="link", visible=False)
        api_link_info = gr.JSON(label="fetched", visible=False)
        api_link_btn = gr.Button(visible=False)

        # Two queues, one job at a time each: answers, and indexing uploads. A small
        # CPU answers one question at a time; an upload's indexing (seconds to
        # minutes) runs beside them, so no session waits for another's upload.
        model: dict[str, Any] = {"concurrency_id": "qa-answer", "concurrency_limit": 1}
        indexing: dict[str, Any] = {"concurrency_id": "qa-index", "concurrency_limit": 1}
        ui_only: dict[str, Any] = {"api_visibility": "private"}
        chat_io: dict[str, Any] = {
            "fn": respond,
            "inputs": [box, state],
            "outputs": [box, chat, state],
            **model,
            **ui_only,
        }
        box.submit(**chat_io)
        send.click(**chat_io)
        if ex is not None:
            ex.load_input_event.then(**chat_io)
        clear_btn.click(clear, [state], [chat, box, state], **ui_only)
        chat.clear(clear, [state], [chat, box, state], **ui_only)
        article.input(select, [article, state], [chat, header, status, state], **ui_only)
        upload_box.upload(
            panel_upload,
            [upload_box, state],
            [upload_box, article, chat, header, status, state],
            show_progress_on=[upload_box],
            **indexing,
            **ui_only,
        )
        for trigger in (link_box.submit, link_btn.click):
            trigger(
                panel_link,
                [link_box, state],
                [link_box, article, chat, header, status, state],
                show_progress_on=[link_box],
                **indexing,
                **ui_only,
            )
        paste_btn.click(
            panel_paste,
            [paste_box, state],
            [paste_box, article, chat, header, status, state],
            show_progress_on=[paste_box],
            **indexing,
            **ui_only,
        )
        api_ask_btn.click(api_ask, [api_message, state], [api_answer, state], api_name="ask", **model)
        api_reset_btn.click(api_reset, [state], [state], api_name="reset")
        api_upload_btn.click(
            api_upload, [api_file, state], [api_upload_info, state], api_name="upload", **indexing
        )
        api_link_btn.click(
            api_link, [api_link_text, state], [api_link_info, state], api_name="link", **indexing
        )
    return app


def launch(
    app: gr.Blocks,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: tuple[str, str] | None = None,
    **kwargs: Any,
) -> Any:
    """Serve ``app`` on ``host:port`` (loopback by default), with optional username/password.

    Never makes a public share link. Extra keyword arguments go to
    ``gr.Blocks.launch`` (``prevent_thread_lock=True`` returns at once, for tests).
    """
    if kwargs.pop("share", False):
        raise ValueError("qa's chat is never shared through a public link; use --host to expose it")
    return app.launch(
        server_name=host,
        server_port=port,
        auth=auth,
        share=False,
        css=CSS,
        head=HEAD,
        ssr_mode=False,
        mcp_server=False,
        max_file_size=MAX_ARTICLE_BYTES,
        **kwargs,
    )
