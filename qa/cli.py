"""The ``qa`` command: ask, chat, index, eval (and serve, with the UI installed)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qa.errors import ConfigError, QAError
from qa.settings import ANSWERERS, Serving, Settings


def _common() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("settings (defaults come from QA_* environment variables)")
    g.add_argument(
        "--article",
        help="article file (.txt, .md, .html, .pdf, .docx) or web link; default: the bundled one",
    )
    g.add_argument("--index-dir", type=Path, help="where indexes are kept")
    g.add_argument("--answerer", choices=ANSWERERS, help="who writes the answer")
    g.add_argument("--embeddings", help="'e5' or 'st:<sentence-transformers model or folder>'")
    return p


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env(
        index_dir=getattr(args, "index_dir", None),
        answerer=getattr(args, "answerer", None),
        embeddings=getattr(args, "embeddings", None),
    )
    article = getattr(args, "article", None)
    if article is None:
        return settings
    from qa.article import open_source

    # A link is fetched here, once: the command's own machine may reach any address.
    return settings.with_(article=open_source(article, settings.index_dir))


def _progress_bar(desc: str) -> Any:
    from tqdm import tqdm

    bar: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, desc=desc, unit="text", file=sys.stderr, leave=False, disable=None)
        b = bar["bar"]
        b.update(done - b.n)
        if done >= total:
            b.close()

    return update


def _chatbot(args: argparse.Namespace) -> Any:
    from qa.chatbot import Chatbot

    return Chatbot(settings=_settings(args), progress=_progress_bar("indexing"))


def _print_answer(answer: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(answer.as_dict(), ensure_ascii=False, indent=2))
        return
    print(answer.text)
    if not answer.found:
        print("  (not found in the article)")
    for i, s in enumerate(answer.sources, 1):
        ev = " ".join(s.evidence.split()) or " ".join(s.text.split())
        print(f"  [{i}] {s.article} {s.start}-{s.end} (score {s.score:.3f}): {ev}")


def cmd_ask(args: argparse.Namespace) -> int:
    from qa.chatbot import check_question

    check_question(args.question, _settings(args).max_question_chars)  # before loading anything
    bot = _chatbot(args)
    _print_answer(bot.ask(args.question), args.json)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    # A line that is not UTF-8 reaches check_question (as lone surrogates) and gets its
    # message there, instead of ending the chat with a UnicodeDecodeError.
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="surrogateescape")
    bot = _chatbot(args)
    print(f"Asking about {bot.index.article.name}. Empty line or Ctrl-D to quit, /reset to forget.")
    while True:
        try:
            line = input("> ")
        except EOFError:
            print()
            return 0
        if not line.strip():
            return 0
        if line.strip() == "/reset":
            bot.reset()
            print("(conversation cleared)")
            continue
        try:
            _print_answer(bot.ask(line), False)
        except QAError as e:
            print(f"qa: {e}", file=sys.stderr)


def cmd_index(args: argparse.Namespace) -> int:
    if args.file is not None:
        args.article = args.file
    args.answerer = "extractive"  # indexing needs no LLM; do not load one
    bot = _chatbot(args)
    idx = bot.index
    what = "rebuilt" if bot.rebuilt else "reused"
    print(
        f"{what} index of {idx.article.name}: {len(idx.chunks)} chunks, "
        f"{len(idx.sentences)} sentences, at {idx.store if bot.settings.chroma_url else idx.path}"
    )
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from qa.evaluate import evaluate

    def show(row: dict[str, Any]) -> None:
        if args.show or not row["ok"]:
            mark = "PASS" if row["ok"] else "FAIL"
            print(
                f"{mark} {row['id']} ev={row['evidence_hit']} found={row['found']} "
                f"Q={row['question']!r}\n     A={row['answer'][:200]!r}  [{row['reason']}]"
            )

    report = evaluate(args.dataset, _settings(args), on_case=show)
    lines = report.lines()
    width = max(len(line) for line in lines)
    print("-" * width)
    print("\n".join(lines))
    if args.json:
        args.json.write_text(
            json.dumps({"rows": report.rows, **report.figures()}, ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
    return 0


def _auth(value: str | None) -> tuple[str, str] | None:
    if value is None:
        return None
    user, sep, password = value.partition(":")
    if not (sep and user and password):
        raise ConfigError("--auth takes USER:PASSWORD, both non-empty (e.g. --auth alice:s3cret)")
    return user, password


def cmd_serve(args: argparse.Namespace) -> int:
    import os

    settings, serving = _settings(args), Serving.from_env()
    auth = _auth(args.auth)
    # Set before gradio loads: analytics stay off, and Gradio's own transient
    # copy of an upload lands inside the index directory too.
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ.setdefault("GRADIO_TEMP_DIR", str(settings.index_dir / "uploads" / "incoming"))
    # The one place qa reaches the web chat: ui sits on top of qa, not inside it.
    try:
        from ui import build_app, launch
    except ImportError as e:
        raise ConfigError(f"the web chat needs gradio ({e}); pip install 'gradio>=6,<7'") from None
    from qa.chatbot import Chatbot
    from qa.engine import keep_engines

    keep_engines(serving.max_articles)
    # Load the models and the article's index now, so the first question does not wait.
    Chatbot(settings=settings, progress=_progress_bar("indexing"))
    if args.host not in ("127.0.0.1", "localhost", "::1") and auth is None:
        print(
            f"qa: warning: serving on {args.host} without --auth: anyone who can reach it can use it",
            file=sys.stderr,
        )
    # Beyond loopback, a link must not reach this machine's own network (SSRF).
    local = args.host in ("127.0.0.1", "localhost", "::1")
    app = build_app(settings, serving=serving, links=serving.links(private=local))
    try:
        launch(app, host=args.host, port=args.port, auth=auth, quiet=True, prevent_thread_lock=True)
    except OSError as e:
        raise ConfigError(
            f"cannot listen on {args.host}:{args.port} (in use, or not an address of this machine); "
            "pick another --port or --host"
        ) from e
    print(f"qa: chat at {app.local_url} (Ctrl-C to stop)", file=sys.stderr)
    app.block_thread()
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog="qa",
        description="Ask questions about a news article (Korean or English); "
        "every answer shows the passage it came from.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("ask", parents=[common], help="answer one question")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the whole answer as JSON")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", parents=[common], help="chat in the terminal (keeps history)")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("index", parents=[common], help="build (or check) an article's index")
    p.add_argument("file", nargs="?", help="article file or web link; default: --article or bundled")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("eval", parents=[common], help="grade answers on a JSONL question set")
    p.add_argument("dataset", type=Path)
    p.add_argument("--show", action="store_true", help="print every answer, not only failures")
    p.add_argument("--json", type=Path, help="write per-case results to this file")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("serve", parents=[common], help="start the web chat (http://127.0.0.1:7860)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this machine only)")
    p.add_argument("--port", type=int, default=7860, help="port (default: 7860)")
    p.add_argument("--auth", metavar="USER:PASSWORD", help="ask for this username and password")
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except QAError as e:
        print(f"qa: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
