from dataclasses import fields
from pathlib import Path

import pytest

from qa import ConfigError, Serving, Settings


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


def test_serving_bounds_come_from_the_environment_and_are_no_chatbot_setting():
    s = Serving.from_env({"QA_MAX_ARTICLES": "4", "QA_MAX_SESSION_UPLOADS": "2", "QA_MAX_UPLOADS": "9"})
    assert (s.max_articles, s.max_session_uploads, s.max_uploads) == (4, 2, 9)
    assert not {f.name for f in fields(Serving)} & {f.name for f in fields(Settings)}


def test_paths_given_as_text_become_paths_and_whole_seconds_floats():
    s = Settings(article="a.txt", index_dir="/tmp/x", llm_deadline=30)
    assert (s.article, s.index_dir, s.llm_deadline) == (Path("a.txt"), Path("/tmp/x"), 30.0)


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
        ({"QA_CHUNK_CHARS": "abc"}, "QA_CHUNK_CHARS must be a whole number; got 'abc'"),
        ({"QA_CHUNK_CHARS": "10"}, "chunk_chars must be between 50 and 5000; got 10"),
        ({"QA_MIN_CHUNK_CHARS": "400"}, r"min_chunk_chars must be .* less than chunk_chars \(400\); got 400"),
        ({"QA_MIN_CHUNK_CHARS": "-1"}, "min_chunk_chars must be at least 0"),
        ({"QA_LLM_STATE_CACHE_MB": "-1"}, "llm_state_cache_mb must be at least 0; got -1"),
        ({"QA_EMBEDDINGS": "bert"}, "unknown embeddings 'bert'"),
        ({"QA_EMBEDDINGS": "st:"}, "no model named after 'st:'"),
        ({"QA_LLM_BASE_URL": "localhost:8000/v1"}, "llm_base_url must start with http:// or https://"),
    ],
)
def test_bad_values_say_what_was_wrong(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


@pytest.mark.parametrize(
    "given, message",
    [
        ({"top_k": "3"}, r"top_k must be a whole number; got '3' \(str\)"),
        ({"top_k": 2.5}, r"top_k must be a whole number; got 2.5 \(float\)"),
        ({"threads": True}, r"threads must be a whole number; got True \(bool\)"),
        ({"chunk_chars": 10_000}, "chunk_chars must be between 50 and 5000; got 10000"),
        ({"min_chunk_chars": 400}, "min_chunk_chars must be"),
        ({"llm_worker": "off"}, r"llm_worker must be True or False; got 'off' \(str\)"),
        ({"llm_deadline": "soon"}, r"llm_deadline must be a number; got 'soon' \(str\)"),
        ({"index_dir": None}, r"index_dir must be a path; got None \(NoneType\)"),
        ({"article": 3}, r"article must be a path or None; got 3 \(int\)"),
        ({"answerer": None}, r"answerer must be text; got None"),
        ({"chroma_url": "chroma:8000"}, "chroma_url must start with http:// or https://"),
    ],
)
def test_bad_values_given_directly_are_refused_at_construction(given, message):
    with pytest.raises(ConfigError, match=message):
        Settings(**given)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Serving.from_env({"QA_MAX_ARTICLES": "0"}), "max_articles must be at least 1; got 0"),
        (lambda: Serving.from_env({"QA_MAX_UPLOADS": "many"}), "QA_MAX_UPLOADS must be a whole number"),
        (lambda: Serving(max_session_uploads="2"), r"max_session_uploads must be a whole number; got '2'"),
        (lambda: Serving.from_env({"QA_MAX_DISK_MB": "0"}), "max_disk_mb must be at least 1; got 0"),
        (lambda: Serving.from_env({"QA_FETCH_ALLOW": "intranet"}), "fetch_allow: .*'intranet'"),
    ],
)
def test_bad_serving_bounds_say_what_was_wrong(make, message):
    with pytest.raises(ConfigError, match=message):
        make()


def test_default_index_dir_is_in_user_data_dir():
    assert Settings().index_dir.name == "index"
    assert "qa" in Settings().index_dir.parts


def test_which_links_a_server_fetches():
    from ipaddress import ip_address

    serving = Serving.from_env({"QA_FETCH_ALLOW": "10.0.0.0/8, 192.168.1.5"})
    beyond = serving.links(private=False)  # qa serve --host 0.0.0.0
    addresses = ("10.1.2.3", "192.168.1.5", "192.168.1.6", "127.0.0.1", "169.254.169.254")
    assert [beyond.refuses(ip_address(a)) for a in addresses] == [False, False, True, True, True]
    assert not beyond.refuses(ip_address("93.184.215.14"))
    assert not serving.links(private=True).refuses(ip_address("127.0.0.1"))  # on loopback
