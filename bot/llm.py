"""Optional AI answers: a few sentences a model writes from the retrieved items only, citing them.

With LLM_BASE_URL, LLM_API_KEY and LLM_MODEL set, a question's answer opens with
a summary from any OpenAI-compatible chat-completions service (DeepSeek, Qwen on
DashScope, Moonshot, OpenAI, a local Ollama or vLLM), through the official
`openai` client (3.x: `AsyncOpenAI(...).chat.completions.create`), imported only
when used. The model sees the question and at most MAX_ITEMS items, each cut to
ITEM_CHARS characters, numbered [1] ... [n]; it is told to use nothing else and
to cite the numbers.

Whatever goes wrong gives None, and the reader gets the plain answer: a timeout
(LLM_TIMEOUT, the whole call, retries off), an HTTP or connection error, a
refusal, a content filter, an empty answer, or an answer that cites no retrieved
item. A citation naming no retrieved item is dropped; the rest are renumbered in
the order they are first cited, so the links under the summary read [1], [2] ...
Nothing here logs the key, a URL or a prompt: failures are logged by kind.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.present.text import one_line, shorten, strip_control
from storage.model import Item

if TYPE_CHECKING:
    from openai import AsyncOpenAI
    from openai.types.chat import ChatCompletionMessageParam

log = logging.getLogger(__name__)

MAX_ITEMS = 12  # items the model is given
ITEM_CHARS = 300  # of each item's title and summary
MAX_TOKENS = 600  # asked of the model; the text is also cut at the answer length (LLM_MAX_CHARS)
# [1], [1, 2], [1][3], 【2】, [1、2]: a citation group and the numbers in it.
_CITATION = re.compile(r"\s?[\[【]\s*(\d{1,3}(?:\s*[,，、;；]\s*\d{1,3})*)\s*[\]】]")
_SENTENCE_END = "。！？.!?"

SYSTEM_PROMPT = {
    "zh": ("你是 AI 行业日报的助手。只根据用户给出的编号条目回答问题，不要使用条目以外的任何信息。"
           "用中文写 2 到 4 句话，每句话后面用方括号注明依据的条目编号，例如 [1] 或 [2][3]。"
           "如果条目不能回答问题，就只说条目里没有相关信息。不要编造编号。"),
    "en": ("You are the assistant of a daily AI-industry news digest. Answer the question only "
           "from the numbered items the user gives, never from anything else. Write 2 to 4 "
           "sentences in English; after each sentence cite the items it rests on in square "
           "brackets, e.g. [1] or [2][3]. If the items do not answer the question, say only "
           "that they hold nothing about it. Never invent a number."),
}


@dataclass(frozen=True)
class Summary:
    """A model's answer to a question from retrieved items."""

    text: str  # the sentences, citing [1] ... [len(items)]
    items: tuple[Item, ...]  # the cited items: items[0] is [1]
    considered: int  # how many items the model was given


def _one_line(text: str) -> str:
    return one_line(strip_control(text))


def prompt(question: str, items: Sequence[Item],
           language: str = "zh") -> list[ChatCompletionMessageParam]:
    """Return the chat messages for `question` over `items` (at most MAX_ITEMS of them, each cut
    to ITEM_CHARS characters): bounded, whatever the archive holds."""
    lines = []
    for number, item in enumerate(items[:MAX_ITEMS], 1):
        text = shorten(_one_line(f"{item.title}：{item.summary}" if item.summary else item.title),
                    ITEM_CHARS)
        lines.append(f"[{number}] {item.date} · {item.category} · {text}")
    asked = shorten(_one_line(question), 300)
    user = (f"问题：{asked}\n\n条目：\n" if language == "zh" else
            f"Question: {asked}\n\nItems:\n") + "\n".join(lines)
    return [{"role": "system", "content": SYSTEM_PROMPT.get(language, SYSTEM_PROMPT["zh"])},
            {"role": "user", "content": user}]


def cited(content: str, items: Sequence[Item], max_chars: int) -> tuple[str, tuple[Item, ...]] | None:
    """Return the model's text with its citations renumbered (those naming no item dropped) and
    the cited items in their new order; None when it is empty or cites no item."""
    text = content.strip()
    if len(text) > max_chars:  # at the last sentence end that fits, else a hard cut
        head = text[:max_chars]
        end = max(head.rfind(mark) for mark in _SENTENCE_END)
        text = head[:end + 1] if end >= max_chars // 3 else head.rstrip() + "…"
    order: list[int] = []  # retrieved item numbers (0-based) in the order first cited

    def renumber(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        valid = [n - 1 for n in numbers if 1 <= n <= min(len(items), MAX_ITEMS)]
        for index in valid:
            if index not in order:
                order.append(index)
        return "".join(f"[{order.index(index) + 1}]" for index in dict.fromkeys(valid))

    text = _CITATION.sub(renumber, text).strip()
    if not text or not order:
        return None
    return text, tuple(items[index] for index in order)


def _client_class() -> type[AsyncOpenAI]:
    """Return the openai client class (imported here: only a configured bot answering loads it)."""
    from openai import AsyncOpenAI

    return AsyncOpenAI


class Summarizer:
    """Asks one OpenAI-compatible chat-completions service for summaries (see the module)."""

    def __init__(self, base_url: str, api_key: str, model: str, timeout: float,
                 max_chars: int) -> None:
        self.base_url, self._api_key, self.model = base_url, api_key, model
        self.timeout, self.max_chars = timeout, max_chars

    def __repr__(self) -> str:  # never the key
        return f"Summarizer(model={self.model!r})"

    async def summarize(self, question: str, items: Sequence[Item],
                        language: str = "zh") -> Summary | None:
        """Return the model's cited answer to `question` from `items`, None on any failure."""
        if not items:
            return None
        given = list(items[:MAX_ITEMS])
        try:
            # The first import of the client takes a second or more: in a thread, and not
            # counted in the model's time.
            client_class = await asyncio.to_thread(_client_class)
            content = await asyncio.wait_for(
                self._complete(client_class, prompt(question, given, language)), self.timeout)
        except TimeoutError:
            log.warning("AI answer: no reply from the model within %ss", self.timeout)
            return None
        except Exception as exc:  # any failure of the service: the reader gets the plain answer
            status = getattr(exc, "status_code", None)
            log.warning("AI answer failed: %s%s", type(exc).__name__,
                        f" (HTTP {status})" if status else "")
            return None
        if content is None:
            return None
        found = cited(content, given, self.max_chars)
        if found is None:
            log.info("AI answer dropped: empty or citing no retrieved item")
            return None
        return Summary(found[0], found[1], len(given))

    async def _complete(self, client_class: type[AsyncOpenAI],
                        messages: list[ChatCompletionMessageParam]) -> str | None:
        """Return the model's text, None for a refusal, a content filter or no choice."""
        async with client_class(base_url=self.base_url, api_key=self._api_key,
                                timeout=self.timeout, max_retries=0) as client:
            completion = await client.chat.completions.create(
                model=self.model, messages=messages,
                max_tokens=MAX_TOKENS, temperature=0.2)
        if not completion.choices:
            return None
        choice = completion.choices[0]
        if choice.message.refusal or choice.finish_reason == "content_filter":
            log.info("AI answer refused by the model")
            return None
        return choice.message.content
