from pathlib import Path

import pytest

from qa import ConfigError, Settings


def test_from_env_reads_qa_variables():
    s = Settings.from_env(
        {
            "QA_ANSWERER": "extractive",
            "QA_INDEX_DIR": "/tmp/x",
            "QA_TOP_K": "5",
            "QA_ARTICLE": "a.txt",
            "QA_CHROMA_URL": "http://chroma.internal:8000",
            "UNRELATED": "1",
        }
    )
    assert s.answerer == "extractive"
    assert s.index_dir == Path("/tmp/x")
    assert s.top_k == 5
    assert s.article == Path("a.txt")
    assert s.chroma_url == "http://chroma.internal:8000"


def test_serving_bounds_come_from_the_environment():
    s = Settings.from_env({"QA_MAX_ARTICLES": "4", "QA_MAX_SESSION_UPLOADS": "2", "QA_MAX_UPLOADS": "9"})
    assert (s.max_articles, s.max_session_uploads, s.max_uploads) == (4, 2, 9)


def test_llamas_extra_buffer_types_are_auto_unless_set():
    assert Settings().llm_extra_bufts == "auto"
    assert Settings.from_env({"QA_LLM_EXTRA_BUFTS": "off"}).llm_extra_bufts == "off"


def test_the_llm_runs_in_a_worker_with_a_deadline_unless_set():
    assert (Settings().llm_worker, Settings().llm_deadline) == (True, 120.0)
    s = Settings.from_env({"QA_LLM_WORKER": "off", "QA_LLM_DEADLINE": "2.5"})
    assert (s.llm_worker, s.llm_deadline) == (False, 2.5)
    assert Settings.from_env({"QA_LLM_WORKER": "On"}).llm_worker is True


def test_overrides_win_over_env_and_none_is_ignored():
    s = Settings.from_env({"QA_ANSWERER": "llm"}, answerer="extractive", index_dir=None)
    assert s.answerer == "extractive"
    assert s.index_dir == Settings().index_dir


@pytest.mark.parametrize(
    "env, message",
    [
        ({"QA_ANSWERER": "magic"}, "answerer must be one of"),
        ({"QA_TOP_K": "three"}, "QA_TOP_K must be a whole number"),
        ({"QA_TOP_K": "0"}, "top_k must be at least 1"),
        ({"QA_TOP_K": "20", "QA_FETCH_K": "5"}, "fetch_k"),
        ({"QA_LLM_EXTRA_BUFTS": "no"}, "llm_extra_bufts must be one of auto, on, off; got 'no'"),
        ({"QA_CHROMA_URL": "chroma.internal:8000"}, "chroma_url must start with http:// or https://"),
        ({"QA_LLM_WORKER": "maybe"}, "QA_LLM_WORKER must be on or off; got 'maybe'"),
        ({"QA_LLM_DEADLINE": "soon"}, "QA_LLM_DEADLINE must be a number; got 'soon'"),
        ({"QA_LLM_DEADLINE": "0"}, "llm_deadline must be more than 0 seconds; got 0.0"),
        ({"QA_MAX_ARTICLES": "0"}, "max_articles must be at least 1"),
        ({"QA_MAX_UPLOADS": "many"}, "QA_MAX_UPLOADS must be a whole number"),
    ],
)
def test_bad_values_say_what_was_wrong(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_default_index_dir_is_in_user_data_dir():
    assert Settings().index_dir.name == "index"
    assert "qa" in Settings().index_dir.parts
