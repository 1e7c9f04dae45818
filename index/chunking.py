"""Split an article into sentences and group them into chunks with offsets."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from index.korean import split_sentences

#: The range a chunk's longest size may be set in (characters).
MAX_CHARS_RANGE = (50, 5000)


@dataclass(frozen=True)
class ChunkSettings:
    """How sentences are grouped. Part of the index fingerprint."""

    max_chars: int = 400
    # A paragraph shorter than this (a heading, a caption, a byline) joins
    # the next one, so that it is found together with what it introduces.
    min_chars: int = 100

    def __post_init__(self) -> None:
        low, high = MAX_CHARS_RANGE
        if not low <= self.max_chars <= high:
            raise ValueError(f"max_chars must be between {low} and {high}, got {self.max_chars}")
        if not 0 <= self.min_chars < self.max_chars:
            raise ValueError(
                f"min_chars must be between 0 and max_chars ({self.max_chars}), got {self.min_chars}"
            )

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Sentence:
    """A sentence of the article: ``text == article[start:end]``."""

    id: int
    start: int
    end: int
    paragraph: int
    chunk: int
    text: str


@dataclass(frozen=True)
class Chunk:
    """Consecutive sentences of the article: ``text == article[start:end]``."""

    id: int
    start: int
    end: int
    sentences: tuple[int, ...]
    text: str


_PARAGRAPH = re.compile(r"[^\n]*\S[^\n]*")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-blank line; news articles put one paragraph on a line."""
    spans = []
    for m in _PARAGRAPH.finditer(text):
        a, b = m.start(), m.end()
        while text[a].isspace():
            a += 1
        while text[b - 1].isspace():
            b -= 1
        spans.append((a, b))
    return spans


def split(text: str, settings: ChunkSettings | None = None) -> tuple[list[Sentence], list[Chunk]]:
    """Sentences and chunks of ``text``.

    Chunks never cut a sentence and end at a paragraph boundary unless the
    chunk so far is shorter than ``min_chars``; a paragraph longer than
    ``max_chars`` is cut between sentences.
    """
    settings = settings or ChunkSettings()
    spans: list[tuple[int, int, int]] = []  # (start, end, paragraph)
    for p, (a, b) in enumerate(paragraphs(text)):
        spans.extend((s.start, s.end, p) for s in split_sentences(text, a, b))

    groups: list[list[int]] = []
    current: list[int] = []
    for i, (_, b, p) in enumerate(spans):
        if current:
            first = spans[current[0]]
            last = spans[current[-1]]
            size = last[1] - first[0]
            new_paragraph = p != last[2]
            if (b - first[0] > settings.max_chars) or (new_paragraph and size >= settings.min_chars):
                groups.append(current)
                current = []
        current.append(i)
    if current:
        groups.append(current)

    sentences: list[Sentence] = []
    chunks: list[Chunk] = []
    for c, group in enumerate(groups):
        for i in group:
            a, b, p = spans[i]
            sentences.append(Sentence(i, a, b, p, c, text[a:b]))
        a, b = spans[group[0]][0], spans[group[-1]][1]
        chunks.append(Chunk(c, a, b, tuple(group), text[a:b]))
    return sentences, chunks
