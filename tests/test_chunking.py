from index.article import Article, clean
from index.chunking import ChunkSettings, paragraphs, split
from tests.conftest import SMALL_ARTICLE


def test_sentences_and_chunks_keep_offsets():
    text = clean(SMALL_ARTICLE)
    sentences, chunks = split(text)
    assert sentences and chunks
    for s in sentences:
        assert text[s.start : s.end] == s.text
    for c in chunks:
        assert text[c.start : c.end] == c.text
        assert [sentences[i].chunk for i in c.sentences] == [c.id] * len(c.sentences)
    # every sentence is in exactly one chunk, in order
    assert [i for c in chunks for i in c.sentences] == list(range(len(sentences)))


def test_byline_email_and_caption_are_kept():
    sentences, _ = split(clean(SMALL_ARTICLE))
    joined = " ".join(s.text for s in sentences)
    for piece in ("이도윤 기자", "dylee@hanbit.example", "박서연 시장", "[출처: 한빛일보 자료사진]"):
        assert piece in joined


def test_chunks_end_at_paragraphs_once_long_enough():
    text = clean(SMALL_ARTICLE)
    _, chunks = split(text, ChunkSettings(max_chars=400, min_chars=60))
    para_ends = {b for _, b in paragraphs(text)}
    for c in chunks:
        assert c.end in para_ends  # a chunk never stops mid-paragraph here
        if c.end - c.start >= 60:
            assert len(c.text) <= 400 or len(c.sentences) == 1


def test_long_paragraph_is_cut_between_sentences():
    para = " ".join(f"{i}번째 문장은 충분히 길게 쓰여서 청크 크기를 넘기도록 만들어졌다." for i in range(30))
    text = clean(para)
    sentences, chunks = split(text, ChunkSettings(max_chars=200, min_chars=50))
    assert len(chunks) > 3
    assert all(len(c.text) <= 200 for c in chunks)
    assert chunks[1].start == sentences[chunks[1].sentences[0]].start


def test_short_heading_joins_next_paragraph():
    text = clean("◇ 소제목\n\n본문 첫 문장이다. 본문 둘째 문장이다.\n\n다음 문단은 따로 선다. " * 1)
    _, chunks = split(text, ChunkSettings(max_chars=400, min_chars=20))
    assert chunks[0].text.startswith("◇ 소제목") and "본문 첫 문장" in chunks[0].text


def test_chunk_settings_are_checked():
    import pytest

    with pytest.raises(ValueError, match="max_chars"):
        ChunkSettings(max_chars=10)
    with pytest.raises(ValueError, match="min_chars"):
        ChunkSettings(max_chars=100, min_chars=100)


def test_article_hash_follows_text():
    a = Article.from_text("가나다. 라마바.")
    b = Article.from_text("가나다. 라마바!")
    assert a.sha256 != b.sha256
    assert Article.from_text("\ufeff가나다. 라마바.").sha256 == a.sha256
