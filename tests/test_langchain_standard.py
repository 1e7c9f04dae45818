"""LangChain's own standard suites, run against our embeddings and retriever.

The suites come from ``langchain-tests``; we only say how to build our
components. They use the real bundled e5 model and a real Chroma, hence slow.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_tests.integration_tests import (
    EmbeddingsIntegrationTests,
    RetrieversIntegrationTests,
)
from langchain_tests.unit_tests import EmbeddingsUnitTests

from index.article import Article
from index.chunking import ChunkSettings
from index.embeddings import E5Embeddings
from index.store import open_index
from qa.core.retrieve import HybridRetriever

pytestmark = pytest.mark.slow

# A made-up story, one paragraph a line. Each paragraph is its own chunk
# (min_chars=0), so the suite's "exactly three documents" has five to pick from.
ARTICLE = "\n".join(
    [
        "하늘시, 공유 자전거 '바람자전거' 도입",
        "하늘시는 다음 달 1일부터 공유 자전거 서비스인 바람자전거를 시내 전역에서 운영한다고 "
        "12일 밝혔다. 시는 첫해에 자전거 1,500대와 대여소 120곳을 마련한다.",
        "이용 요금은 1시간에 1,000원이며, 한 달 정기권은 15,000원이다. "
        "65세 이상 시민과 청소년은 요금의 절반만 내면 된다.",
        "자전거는 스마트폰 앱으로 빌리고 가까운 대여소 어디에나 반납할 수 있다. "
        "분실이나 파손을 막기 위해 모든 자전거에 위치 추적 장치를 달았다.",
        '김민준 하늘시장은 "출퇴근길 교통 혼잡을 줄이고 탄소 배출을 낮추는 것이 목표"라고 말했다. '
        "시는 이용 실적을 보고 내년에 자전거를 3,000대로 늘릴 계획이다.",
    ]
)


class TestE5EmbeddingsUnit(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[E5Embeddings]:
        return E5Embeddings


class TestE5EmbeddingsIntegration(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[E5Embeddings]:
        return E5Embeddings


class TestHybridRetrieverIntegration(RetrieversIntegrationTests):
    @pytest.fixture(scope="class", autouse=True)
    def _index(self, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
        # The suite builds retrievers from properties, which cannot take
        # fixtures: build the index once and hand it to the class.
        embeddings = E5Embeddings()
        index, _ = open_index(
            Article.from_text(ARTICLE, name="bike.txt"),
            tmp_path_factory.mktemp("index"),
            embeddings,
            E5Embeddings.model_id,
            ChunkSettings(min_chars=0),
        )
        assert len(index.chunks) > 3
        request.cls.built = {"index": index, "embeddings": embeddings}

    @property
    def retriever_constructor(self) -> type[HybridRetriever]:
        return HybridRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {**self.built, "k": 2}

    @property
    def retriever_query_example(self) -> str:
        return "바람자전거 한 달 정기권은 얼마인가요?"
