"""Shared fixtures: real models, a real Chroma, indexes in temporary folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa import Settings

SMALL_ARTICLE = """\
사진 설명: 개막식에서 인사하는 박서연 시장
[출처: 한빛일보 자료사진]

[한빛일보=이도윤 기자] 한빛시가 오는 10월 3일부터 9일까지 강변공원에서 제5회 한빛 빛축제를 연다고 12일 밝혔다.

올해 축제에는 지난해보다 30% 많은 45만명의 방문객이 찾을 것으로 예상된다.

박서연 한빛시장은 "빛축제를 세계적인 야간 관광 브랜드로 키우겠다"고 말했다.

축제 기간에는 강변공원과 시청을 잇는 무료 셔틀버스가 10분 간격으로 운행된다.

dylee@hanbit.example
"""


@pytest.fixture(scope="session")
def index_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One index folder for the session: the bundled article is built once."""
    return tmp_path_factory.mktemp("index")


@pytest.fixture(scope="session")
def settings(index_root: Path) -> Settings:
    return Settings(index_dir=index_root, answerer="extractive")


@pytest.fixture
def small_article(tmp_path: Path) -> Path:
    p = tmp_path / "festival.txt"
    p.write_text(SMALL_ARTICLE, encoding="utf-8")
    return p
