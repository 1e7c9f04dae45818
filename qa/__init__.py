"""Ask questions about a news article; every answer carries its evidence.

>>> from qa import Chatbot
>>> bot = Chatbot()
>>> bot.ask("티카드는 몽골 국민의 약 몇 퍼센트가 사용하나요?").text
'티카드는 몽골 국민 약 70%가 사용하는 결제 수단으로 ...'
"""

from qa.article import (
    MAX_ARTICLE_BYTES,
    Article,
    FetchPolicy,
    fetch_article,
    is_link,
    keep_article,
    load_article,
    text_article,
)
from qa.chatbot import Chatbot
from qa.disk import prune_articles, touch_article
from qa.errors import (
    ArticleError,
    ConfigError,
    IndexError_,
    LimitError,
    ModelError,
    QAError,
    QuestionError,
)
from qa.settings import Serving, Settings, bundled_article
from qa.types import Answer, Source, Turn

__all__ = [
    "MAX_ARTICLE_BYTES",
    "Answer",
    "Article",
    "ArticleError",
    "Chatbot",
    "ConfigError",
    "FetchPolicy",
    "IndexError_",
    "LimitError",
    "ModelError",
    "QAError",
    "QuestionError",
    "Serving",
    "Settings",
    "Source",
    "Turn",
    "bundled_article",
    "fetch_article",
    "is_link",
    "keep_article",
    "load_article",
    "prune_articles",
    "text_article",
    "touch_article",
]
