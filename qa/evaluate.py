"""Grade the chatbot on a JSONL question set, as ``shared/eval/score.py`` does.

A case: ``id``, ``turns`` (only the last answer is graded), ``unanswerable``,
``answers_any`` / ``answers_all``, ``evidence`` (a fragment the sources must
hold), and optionally ``article`` (a file beside the set, under ``articles/``,
or ``shipped`` for the bundled article).
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.chatbot import Chatbot
from qa.errors import ConfigError
from qa.settings import Settings


def norm(s: str) -> str:
    return re.sub(r"[\s\u00a0'\"`’‘“”·.,]", "", s).lower()


def matches(text: str, case: dict[str, Any]) -> bool:
    t = norm(text)
    ok = True
    if case.get("answers_any"):
        ok &= any(norm(a) in t for a in case["answers_any"])
    if case.get("answers_all"):
        ok &= all(norm(a) in t for a in case["answers_all"])
    return ok


@dataclass
class Report:
    rows: list[dict[str, Any]] = field(default_factory=list)
    times: list[float] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        rows = self.rows
        ans = [r for r in rows if not r["unanswerable"]]
        una = [r for r in rows if r["unanswerable"]]
        evs = [r for r in rows if r["evidence_hit"] is not None]
        times = sorted(self.times) or [0.0]
        return {
            "answerable_correct": (sum(r["ok"] for r in ans), len(ans)),
            "unanswerable_declined": (sum(r["ok"] for r in una), len(una)),
            "evidence_in_sources": (sum(bool(r["evidence_hit"]) for r in evs), len(evs)),
            "p50_ms": statistics.median(times) * 1000,
            "p95_ms": times[max(0, int(len(times) * 0.95) - 1)] * 1000,
            "accuracy": (sum(r["ok"] for r in rows), len(rows)),
        }

    def lines(self) -> list[str]:
        f = self.figures()
        a, u, e, acc = (
            f["answerable_correct"],
            f["unanswerable_declined"],
            f["evidence_in_sources"],
            f["accuracy"],
        )
        return [
            f"answerable correct: {a[0]}/{a[1]}",
            f"unanswerable declined: {u[0]}/{u[1]}",
            f"evidence in sources: {e[0]}/{e[1]}",
            f"latency per turn: p50 {f['p50_ms']:.0f} ms, p95 {f['p95_ms']:.0f} ms",
            f"accuracy {acc[0] / max(acc[1], 1):.3f} ({acc[0]}/{acc[1]})",
        ]


def load_cases(path: Path) -> list[dict[str, Any]]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read the question set {str(path)!r}: {e}") from None
    try:
        return [json.loads(line) for line in lines if line.strip()]
    except json.JSONDecodeError as e:
        raise ConfigError(f"{str(path)!r} is not JSON lines: {e}") from None


def _article_for(case: dict[str, Any], dataset: Path, settings: Settings) -> Path | None:
    name = case.get("article")
    if not name or name == "shipped":
        return settings.article
    for candidate in (dataset.parent / "articles" / name, dataset.parent / name):
        if candidate.is_file():
            return candidate
    raise ConfigError(f"case {case.get('id')!r} names article {name!r}, not found beside {dataset}")


def evaluate(
    dataset: Path, settings: Settings, on_case: Callable[[dict[str, Any]], None] | None = None
) -> Report:
    """Run every case with a fresh chatbot, after one untimed warm-up per article."""
    cases = load_cases(dataset)
    report = Report()
    warmed: set[Path | None] = set()
    for case in cases:
        article = _article_for(case, Path(dataset), settings)
        if article not in warmed:
            Chatbot(article, settings=settings).ask("워밍업")
            warmed.add(article)
        bot = Chatbot(article, settings=settings)
        answer = None
        for turn in case["turns"]:
            t0 = time.perf_counter()
            answer = bot.ask(turn)
            report.times.append(time.perf_counter() - t0)
        assert answer is not None
        found = bool(answer.found)
        unanswerable = bool(case.get("unanswerable"))
        ok = (not found) if unanswerable else (found and matches(answer.text, case))
        ev = case.get("evidence")
        ev_hit = None
        if ev:
            ev_hit = any(norm(ev) in norm(s.text) for s in answer.sources)
        row = {
            "id": case["id"],
            "ok": ok,
            "found": found,
            "unanswerable": unanswerable,
            "evidence_hit": ev_hit,
            "question": case["turns"][-1],
            "answer": answer.text,
            "mode": answer.mode,
            "reason": answer.meta.get("reason", ""),
        }
        report.rows.append(row)
        if on_case:
            on_case(row)
    return report
