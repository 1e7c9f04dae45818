"""The serving benches run in CI too, briefly: they are how the figures in the README
are made, and a bench that no longer runs would leave those figures unchecked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def test_twenty_sessions_at_once_get_their_own_answers_and_no_errors():
    run = subprocess.run(
        [sys.executable, "-m", "bench.sessions", "--sessions", "20", "--seconds", "8"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = run.stdout
    assert run.returncode == 0, out + run.stderr[-2000:]
    lines = {line[:28].strip(): line[28:].split() for line in out.splitlines() if len(line) > 28}
    assert lines["errors"][0] == "0" and lines["cross-talk (wrong session)"][0] == "0", out
    assert int(lines["requests answered"][0]) >= 20 and int(lines["follow-ups checked"][0]) >= 1, out


def test_the_link_bench_reads_its_page_and_answers():
    run = subprocess.run(
        [sys.executable, "-m", "bench.links", "--runs", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr[-2000:]
    assert "4,994 characters of article" in run.stdout  # the menu, ad, related and comments gone
    assert "link -> first answer" in run.stdout
