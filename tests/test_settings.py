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
            "UNRELATED": "1",
        }
    )
    assert s.answerer == "extractive"
    assert s.index_dir == Path("/tmp/x")
    assert s.top_k == 5
    assert s.article == Path("a.txt")


def test_serving_bounds_come_from_the_environment():
    s = Settings.from_env({"QA_MAX_ARTICLES": "4", "QA_MAX_SESSION_UPLOADS": "2", "QA_MAX_UPLOADS": "9"})
    assert (s.max_articles, s.max_session_uploads, s.max_uploads) == (4, 2, 9)


def test_llamas_extra_buffer_types_are_auto_unless_set():
    assert Settings().llm_extra_bufts == "auto"
    assert Settings.from_env({"QA_LLM_EXTRA_BUFTS": "off"}).llm_extra_bufts == "off"


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
