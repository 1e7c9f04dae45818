"""What a news article says about itself: its title, outlet, reporter, e-mail and when
it was published, as the text gives them in the common Korean formats.

    (서울=연합뉴스) 홍길동 기자 = 본문...          outlet, place, reporter
    [헤럴드경제=김철수 기자] 본문...               outlet, reporter
    입력 2024.01.26 14:00  /  기사입력 2024-01-26 오후 2:00  /  2024/01/26 14:00 송고
    본 기사는 ... 14시 00분에 서비스된 기사입니다.   published (a time only)
    홍길동 기자 hong@yna.co.kr                     reporter, e-mail
    저작권자 © 연합인포맥스 무단전재 및 재배포 금지    outlet

Read once when the article is indexed (a regular expression pass). Each value
keeps where it stands in the text, so an answer from it cites the article's own
words. A "[출처: 연합뉴스 자료사진]" line names where a photo came from, not the
outlet, and is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = r"[가-힣]{2,4}"
_TITLE = r"(?:기자|특파원|통신원)"
_OUTLET = r"[^\s=()\[\]]{2,20}"

# "(서울=연합뉴스) 홍길동 기자 =" and "[헤럴드경제=김철수 기자]"
_DATELINE = re.compile(
    rf"\((?P<place>[가-힣]{{1,10}})\s*=\s*(?P<outlet>{_OUTLET})\)\s*(?P<reporter>{_NAME}(?:\s*[·,]?\s*{_NAME})*)\s*{_TITLE}"
)
_BRACKET = re.compile(rf"\[(?P<outlet>{_OUTLET})\s*=\s*(?P<reporter>{_NAME})\s*{_TITLE}\]")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]*\w")
_BYLINE = re.compile(rf"(?<![가-힣])(?P<reporter>{_NAME})\s*{_TITLE}(?![가-힣])")
_DATE = (
    r"\d{4}\s*[.\-/년]\s*\d{1,2}\s*[.\-/월]\s*\d{1,2}\s*일?\.?"
    r"(?:\s*\([월화수목금토일]\))?(?:\s*(?:오전|오후)?\s*\d{1,2}:\d{2}(?::\d{2})?)?"
)
_PUBLISHED = re.compile(
    rf"(?:기사\s*입력|입력|등록|작성|송고|게재|발행|승인)\s*(?:일시?|시간)?\s*[:：]?\s*(?P<when>{_DATE})"
)
_SENT = re.compile(rf"(?P<when>{_DATE})\s*(?:송고|입력|등록|작성)")
_SERVED = re.compile(r"(?P<when>\d{1,2}시\s*\d{1,2}분)에\s*서비스")
_COPYRIGHT = re.compile(
    r"(?:저작권자|Copyright|copyright|COPYRIGHT)?\s*(?:[©ⓒ]|\(c\))\s*(?P<outlet>[^\s,.·]{2,20})"
)


@dataclass(frozen=True)
class Field:
    """A value the article gives about itself, and where: ``text[start:end]`` is the
    line (or the part of it) that says it."""

    value: str
    start: int
    end: int


@dataclass(frozen=True)
class ArticleMeta:
    title: Field | None = None
    outlet: Field | None = None
    reporter: Field | None = None
    email: Field | None = None
    published: Field | None = None

    def as_dict(self) -> dict[str, str]:
        return {
            k: f.value
            for k in ("title", "outlet", "reporter", "email", "published")
            if (f := getattr(self, k))
        }


def _field(m: re.Match[str], group: str | int, text: str) -> Field:
    """The group's value, cited by the line it stands on (by the match alone when the
    line is a whole paragraph, as a dateline opening the lead is)."""
    start = text.rfind("\n", 0, m.start()) + 1
    end = text.find("\n", m.end())
    end = len(text) if end < 0 else end
    if end - start > 120:
        start, end = m.start(), m.end()
    return Field(m.group(group).strip(), start, end)


def _title(text: str) -> Field | None:
    """The first line, when it reads as a title: short, no sentence, and not a photo's
    caption (a "[출처: ...]" or "사진" line right after it)."""
    lines = [(m.start(), m.end(), m.group(0).strip()) for m in re.finditer(r"[^\n]*\S[^\n]*", text)]
    if not lines:
        return None
    start, end, first = lines[0]
    after = lines[1][2] if len(lines) > 1 else ""
    caption = after.startswith(("[출처", "(출처", "[사진", "사진=", "<사진")) or "사진" in after[:12]
    if len(first) > 100 or first.endswith(("다.", ".")) or first.startswith(("(", "[")) or caption:
        return None
    return Field(first.replace("_", " "), start, end)


def read(text: str) -> ArticleMeta:
    """The article's metadata as its text gives it; a field the text lacks is None."""
    head = text[:3000]  # a dateline or a publishing line stands near the top
    outlet = reporter = None
    if m := _DATELINE.search(head) or _BRACKET.search(head):
        outlet, reporter = _field(m, "outlet", text), _field(m, "reporter", text)
    email = _field(m, 0, text) if (m := _EMAIL.search(text)) else None
    if reporter is None:
        # "홍길동 기자" on the e-mail's line, else the first in the text
        line = text[email.start : email.end] if email else ""
        if email is not None and (m := _BYLINE.search(line)):
            reporter = Field(m.group("reporter"), email.start, email.end)
        elif m := _BYLINE.search(text):
            reporter = _field(m, "reporter", text)
    if outlet is None and (m := _COPYRIGHT.search(text)):
        outlet = _field(m, "outlet", text)
    published = None
    if m := _PUBLISHED.search(text) or _SENT.search(text) or _SERVED.search(text):
        published = _field(m, "when", text)
    return ArticleMeta(_title(text), outlet, reporter, email, published)
