"""Chat messages as HTML: answers with their sources, the evidence highlighted.

The chat renders messages as sanitised HTML with Markdown off, so every piece
of text that comes from a user, an article or a model is escaped here, and
nothing in an article can turn into markup, a link or a formula.
"""

from __future__ import annotations

import html
from typing import Any

from qa import Answer, Source

NOT_FOUND = "기사에 없음 · Not in the article"
SOURCES = "근거 · Source"
MORE_SOURCES = "다른 문단 · More passages"
CLOSEST = "가장 가까운 문단 · Closest passages (they do not answer)"
PENDING = "답을 찾는 중… · Looking in the article…"


def _esc(s: str) -> str:
    # One HTML block without blank lines, so nothing downstream splits it.
    return html.escape(s).replace("\n", "<br>")


def _text(s: str) -> str:
    return _esc(s.strip())


def message(role: str, content: str) -> dict[str, Any]:
    return {"role": role, "content": content}


def user(question: str) -> dict[str, Any]:
    return message("user", _text(question))


def _reply(state: str, inner: str) -> dict[str, Any]:
    return message("assistant", f'<div class="qa-reply qa-{state}">{inner}</div>')


def pending() -> dict[str, Any]:
    return _reply("pending", f'<span class="qa-text">{html.escape(PENDING)}</span>')


def streaming(text: str) -> dict[str, Any]:
    return _reply("streaming", f'<span class="qa-text">{_text(text)}</span>')


def error(text: str) -> dict[str, Any]:
    return _reply("error", f'⚠ <span class="qa-text">{_text(text)}</span>')


def highlighted(source: Source, mark: bool = True) -> str:
    """The passage, escaped, with its evidence sentence inside ``<mark>``."""
    text = source.text
    a, b = source.evidence_start - source.start, source.evidence_end - source.start
    if not mark or not (0 <= a < b <= len(text)):
        return _text(text)
    return f'{_esc(text[:a])}<mark class="qa-evidence">{_esc(text[a:b])}</mark>{_esc(text[b:])}'


def _source(source: Source, article: str, mark: bool) -> str:
    where = f"{html.escape(article or source.article)} · {source.start:,}–{source.end:,}"
    return (
        f'<div class="qa-source"><div class="qa-source-meta">{where}</div>'
        f"<blockquote>{highlighted(source, mark)}</blockquote></div>"
    )


def answer(ans: Answer, article: str = "") -> dict[str, Any]:
    """The final answer: its text, a "not in the article" badge when so, and its sources.

    A found answer shows the passage holding its evidence with the evidence
    marked, the other passages folded away; a summary shows the passage of each
    of its sentences, marked; a refusal shows the closest passages folded away
    and unmarked, since they do not answer.
    """
    parts = ['<div class="qa-answer">']
    if not ans.found:
        parts.append(f'<span class="qa-badge qa-not-found">{html.escape(NOT_FOUND)}</span> ')
    parts.append(f'<span class="qa-text">{_text(ans.text)}</span></div>')
    sources = list(ans.sources)
    if ans.found and ans.mode == "summary":
        # Every line of a summary is a sentence of the article: each passage, marked.
        parts.append(
            f'<div class="qa-sources"><div class="qa-sources-title">{html.escape(SOURCES)}</div>'
            + "".join(_source(s, article, True) for s in sources)
            + "</div>"
        )
    elif ans.found and sources:
        first = next((s for s in sources if s.evidence_end > s.evidence_start), sources[0])
        rest = [s for s in sources if s is not first]
        parts.append(
            f'<div class="qa-sources"><div class="qa-sources-title">{html.escape(SOURCES)}</div>'
            f"{_source(first, article, True)}</div>"
        )
        if rest:
            parts.append(
                f'<details class="qa-more"><summary>{html.escape(MORE_SOURCES)} ({len(rest)})</summary>'
                + "".join(_source(s, article, False) for s in rest)
                + "</details>"
            )
    elif sources:
        parts.append(
            f'<details class="qa-more"><summary>{html.escape(CLOSEST)} ({len(sources)})</summary>'
            + "".join(_source(s, article, False) for s in sources)
            + "</details>"
        )
    return _reply("final", "".join(parts))


def answer_json(ans: Answer, article: str = "") -> dict[str, Any]:
    """What the ``/ask`` API returns: the answer without the internal scores."""
    return {
        "text": ans.text,
        "found": ans.found,
        "mode": ans.mode,
        "language": ans.language,
        "article": article,
        "sources": [s.as_dict() for s in ans.sources],
        "timings": dict(ans.timings),
    }


def about(fields: dict[str, str]) -> str:
    """One line of what an article says of itself: "연합인포맥스 · 최정우 기자 · 14시 00분"."""
    parts = [
        fields.get("title", ""),
        fields.get("outlet", ""),
        f"{fields['reporter']} 기자" if fields.get("reporter") else "",
        fields.get("published", ""),
    ]
    return " · ".join(p for p in parts if p)


def header(name: str, fields: dict[str, str]) -> str:
    """The line above the chat naming the article asked about and what it says of itself."""
    line = about({k: v for k, v in fields.items() if not (k == "title" and v == name)})
    return f'<div class="qa-about">{_text(name)}{" · " + _text(line) if line else ""}</div>'


def status(text: str, kind: str = "info") -> str:
    """A line under the upload box (``info``, ``ok`` or ``error``)."""
    return f'<div class="qa-status qa-status-{kind}">{_text(text)}</div>'


CSS = """
.qa-reply.qa-pending { color: var(--body-text-color-subdued); font-style: italic; }
.qa-badge { display: inline-block; padding: 1px 8px; margin-right: 4px; border-radius: 999px;
  font-size: 0.85em; font-weight: 600; background: #fde8e8; color: #9b1c1c; border: 1px solid #f8b4b4; }
.qa-sources { margin-top: 8px; }
.qa-sources-title, .qa-more summary { font-size: 0.85em; font-weight: 600;
  color: var(--body-text-color-subdued); }
.qa-more { margin-top: 6px; }
.qa-more summary { cursor: pointer; }
.qa-source { margin-top: 4px; }
.qa-source-meta { font-size: 0.8em; color: var(--body-text-color-subdued); }
.qa-source blockquote { margin: 2px 0 0 0; padding: 4px 10px; border-left: 3px solid #c7d2fe;
  font-size: 0.92em; line-height: 1.55; }
mark.qa-evidence { background: #fff3a3; color: inherit; padding: 0 1px; border-radius: 2px; }
.qa-reply.qa-error, .qa-status-error { color: #b91c1c; font-weight: 600; }
.qa-status-ok { color: #047857; }
.qa-about { color: #4b5563; font-size: 0.9em; }
"""
