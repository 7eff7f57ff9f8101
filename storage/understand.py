"""A question in Chinese or English -> the filters it asks for: when, which category, which names,
what else to find, and what kind of answer fits.

Deterministic and offline (no database, no model): every front end passes the
question through `understand` and answers from the `Question` it returns
(storage/answer.py). `today` is passed in (today in TIMEZONE), so tests fix it.

How the words are read, in order, each step taking its words out of the text:
1. `-词` / `!词` are exclusions, kept as written for the search;
2. time phrases (storage/periods.py): the first that names a span is the period;
3. names: every alias of storage/aliases.json (the table /what uses), longest
   first, Latin names only as whole words (App is not in Apple);
4. category words (融资, 政策, 模型, 产品, 落地, funding ...), unless they are part
   of a longer phrase that means something else (应用宝, 产品经理, 上市公司,
   线上线下) or of a name; several: the last in Chinese (the head of a
   Chinese noun phrase: 大模型应用 is about 应用), the first in English;
5. the words that say what kind of answer is wanted (怎么样, 多少条, 日报, trend);
6. filler (请问, 有哪些, 最近, 新闻, what, news ...) is dropped; what remains are
   keywords, each tried as a name first (fuzzy, as /what does: Kimmi -> Kimi).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from storage.categories import FUNDING, INDUSTRY, MODELS, POLICY, PRODUCTS
from storage.model import JsonObject
from storage.periods import Period, PeriodProblem, find_periods
from storage.stories import load_aliases, resolve_names
from storage.text import normalize, searchable_length

MAX_QUESTION_CHARS = 200  # a longer question is cut (and the reading says so)
MAX_KEYWORDS = 6

# What kind of answer fits: a list of items (/search), stories (/what), counts per week
# (/trend), one day's digest (/today).
Intent = Literal["list", "story", "count", "day"]
Take = Callable[[int, int], None]  # marks a span of the question's characters as read

# Why a question gives nothing to look for.
Refusal = Literal["empty", "nothing_asked", "no_such_period"]


@dataclass(frozen=True)
class Subject:
    """A company or product the question names: as written, and every name it is known by."""

    written: str
    names: tuple[str, ...]  # its alias group (storage/aliases.json), else (written,)


@dataclass(frozen=True)
class Question:
    """How a question was read: its filters, and what kind of answer it asks for."""

    text: str  # the question, whitespace tidied and cut at MAX_QUESTION_CHARS
    today: dt.date  # what "today" was when it was read
    intent: Intent
    period: Period | None = None
    category: str | None = None  # canonical name (storage/categories.py)
    category_word: str | None = None  # the word it was read from, as written
    subjects: tuple[Subject, ...] = ()  # each must be named (any of its names)
    keywords: tuple[str, ...] = ()  # other words to find, ANDed; `-词` excludes
    period_problem: tuple[str, PeriodProblem] | None = None  # (phrase, why) a time phrase unused
    cut: bool = False  # the question was longer than MAX_QUESTION_CHARS
    refusal: Refusal | None = None  # nothing to look for: say so, with examples
    plain: bool = False  # only names and keywords, no word of a question (红包, Kimi 红包)

    @property
    def names(self) -> tuple[str, ...]:
        """Return every subject as written."""
        return tuple(subject.written for subject in self.subjects)

    @property
    def reads_as_question(self) -> bool:
        """True when some words were read as more than words to find (a period, a category,
        question words): 上周 融资 is a question, 红包 a search."""
        return not self.plain

    @property
    def filtered(self) -> bool:
        """True when the question has a period, a category, a name or a keyword."""
        return bool(self.period or self.category or self.subjects or self.keywords)

    def widened(self, drop_period: bool = False, drop_category: bool = False) -> Question:
        """Return the same question without its period and/or its category."""
        return dataclasses.replace(
            self, period=None if drop_period else self.period,
            period_problem=None if drop_period else self.period_problem,
            category=None if drop_category else self.category,
            category_word=None if drop_category else self.category_word)

    def to_json(self) -> JsonObject:
        """Return the reading as JSON: the filters and the kind of answer."""
        return {"question": self.text, "today": self.today.isoformat(), "intent": self.intent,
                "period": None if self.period is None else {
                    "phrase": self.period.phrase, "since": self.period.since(),
                    "until": self.period.until()},
                "period_problem": None if self.period_problem is None else {
                    "phrase": self.period_problem[0], "problem": self.period_problem[1]},
                "category": self.category,
                "names": [{"written": s.written, "aliases": list(s.names)} for s in self.subjects],
                "keywords": list(self.keywords), "cut": self.cut, "refusal": self.refusal}


# --- word lists -----------------------------------------------------------------------------

# The words a reader uses for a category (lower case).
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    FUNDING: ("投融资", "融资", "投资", "并购", "收购", "上市", "ipo", "估值", "funding", "fundraising",
              "investment", "investments", "acquisition", "acquisitions", "ipos", "valuation",
              "deals"),
    POLICY: ("政策", "监管", "法规", "policy", "policies", "regulation", "regulations",
             "regulatory"),
    MODELS: ("大模型", "模型", "开源", "model", "models", "open source", "open-source"),
    PRODUCTS: ("产品", "应用", "app", "apps", "上线", "product", "products", "launch", "launches",
               "launched"),
    INDUSTRY: ("行业", "落地", "industry", "adoption"),
}
# Longer phrases that contain a category word but are about something else: the word inside them
# is no category (应用宝 is an app store, 上市公司 any listed company, 线上线下 online/offline).
NOT_CATEGORY = ("应用宝", "应用于", "产品经理", "开源证券", "开源中国", "融资租赁", "融资融券", "上市公司",
                "线上线下", "上线下", "投资者关系")

# What kind of answer (lower case; the first list wins over the next).
DAY_WORDS = ("日报", "早报", "晚报", "digest", "briefing")
COUNT_WORDS = ("多少条", "多少次", "多少篇", "几条", "几次", "几篇", "多少报道", "热度", "趋势", "走势",
               "how many", "how often", "trend", "trends", "count", "mentions")
STORY_WORDS = ("怎么样", "怎样了", "怎么了", "进展", "发生了什么", "发生什么", "近况", "后续", "时间线",
               "来龙去脉", "what happened", "what's happening", "whats happening", "what is happening",
               "how is", "how's", "progress", "timeline", "story", "stories", "going on")

# Dropped wherever they occur (longest first), then single characters at a keyword's edges.
FILLER = (
    "请问", "一下", "有没有", "有哪些", "都有哪些", "有什么", "什么", "哪些", "哪个", "哪家", "怎么样",
    "怎样", "如何", "最近", "最新", "近期", "新闻", "消息", "动态", "情况", "告诉我", "帮我", "给我",
    "我想知道", "想知道", "知道", "查一下", "查查", "看看", "看一下", "搜一下", "搜索", "关于", "相关",
    "一些", "还有", "都", "方面", "的事", "事情", "大事", "报道", "资讯", "内容", "发布了什么", "发布了",
    "多少钱", "投了多少", "花了多少", "是多少", "多少", "吗", "呢", "吧", "啊", "呀", "么",
)
EDGE_CHARS = "的了吗呢吧啊呀有是在和与及跟对把被给都也还又就从"
SPLIT_CHARS = "的了和与及跟或、"
ENGLISH_FILLER = frozenset(
    "what which any anything something news about happened happen happening with the a an is are "
    "was were did does do of on in at for to me tell show list give find latest recent recently new "
    "there has have been how many much some updates update going from by and or please i want know "
    "whats what's it its this that who where when why get got into over more most top s "
    "released release announced say said doing does done".split())


_FILLER_LONGEST_FIRST = tuple(sorted(FILLER, key=len, reverse=True))
_INTENT_WORDS: tuple[tuple[Intent, tuple[str, ...]], ...] = (
    ("day", tuple(sorted(DAY_WORDS, key=len, reverse=True))),
    ("count", tuple(sorted(COUNT_WORDS, key=len, reverse=True))),
    ("story", tuple(sorted(STORY_WORDS, key=len, reverse=True))))


# --- reading ----------------------------------------------------------------------------


def understand(question: str, today: dt.date) -> Question:
    """Return how `question` reads: its period, category, names, keywords and kind of answer.

    Never raises: a question with nothing to look for (filler or emoji only) comes
    back with `refusal`; a time phrase that names no real span, with `period_problem`.
    """
    tidied = " ".join(question.split())
    text = tidied[:MAX_QUESTION_CHARS]
    cut = len(tidied) > MAX_QUESTION_CHARS
    if not text:
        return Question(text, today, "list", refusal="empty")
    folded = _fold(text)
    taken = [False] * len(text)

    def take(start: int, end: int) -> None:
        for i in range(start, end):
            taken[i] = True

    excluded = []
    for match in re.finditer(r"(?:^|(?<=\s))[-!－！](\S+)", text):
        if searchable_length(match[1]):
            excluded.append("-" + match[1])
            take(match.start(), match.end())

    period, period_problem = None, None
    for found in find_periods(text, today):
        if any(taken[found.span[0]:found.span[1]]):
            continue
        take(*found.span)
        if found.period is not None and period is None:
            period = found.period
            if found.problem:  # capped: used, and said
                period_problem = (found.phrase, found.problem)
        elif found.period is None and period_problem is None and found.problem is not None:
            period_problem = (found.phrase, found.problem)
    if period is not None and period_problem and period_problem[1] != "capped":
        period_problem = None  # another phrase named a real span: that one is used

    subjects = _subjects(text, folded, taken, take)
    category, category_word = _category(text, folded, taken, take)
    intent = _intent(folded, taken, take)

    for word in _FILLER_LONGEST_FIRST:
        if word not in folded:
            continue
        for start in _occurrences(folded, word):
            if not any(taken[start:start + len(word)]):
                take(start, start + len(word))
    keywords: list[str] = []
    for chunk in _chunks(text, taken):
        fuzzy = resolve_names(chunk)
        if fuzzy != (chunk,) and len(chunk) >= 3:  # Kimmi -> Kimi's group
            subjects.append(Subject(chunk, fuzzy))
        elif chunk not in keywords:
            keywords.append(chunk)
    keywords = keywords[:MAX_KEYWORDS] + excluded

    if intent in ("story", "count") and not subjects and not [k for k in keywords
                                                              if not k.startswith("-")]:
        # 最近发生了什么: nothing named, so the items themselves are the answer
        intent = "list" if intent == "story" else intent
    if intent == "day" and (period is not None and period.days > 1 or category or subjects
                            or keywords):
        intent = "list"  # 上周的日报, 昨天日报里的融资: the items of those days
    found_words = [*(s.written for s in subjects), *keywords]
    plain = sorted(_fold("".join(text.split()))) == sorted(_fold("".join(found_words)))
    question_read = Question(text, today, intent, period, category, category_word,
                             tuple(subjects), tuple(keywords), period_problem, cut, plain=plain)
    if not question_read.filtered and intent != "day":
        # 请问一下, 😀, 2月30日: nothing to look for (or only a day that does not exist)
        return dataclasses.replace(question_read, refusal="no_such_period" if period_problem
                                   else "nothing_asked")
    return question_read


def _fold(text: str) -> str:
    """Return `text` lower-cased and NFKC-normalized, of the same length (so a position in one is
    the same position in the other): character by character when normalizing changes the length."""
    folded = normalize(text)
    if len(folded) == len(text):
        return folded
    out = []
    for char in text:
        folded = normalize(char)
        out.append(folded if len(folded) == 1 else char.lower())
    return "".join(out)


def _is_latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _occurrences(folded: str, word: str) -> list[int]:
    """Return where `word` (lower case) occurs in `folded`; a word starting or ending in a Latin
    letter only where it is not part of a longer Latin word."""
    found = []
    at = folded.find(word)
    while at >= 0:
        end = at + len(word)
        before_ok = not (_is_latin(word[0]) and at > 0 and folded[at - 1].isascii()
                         and folded[at - 1].isalpha())
        after_ok = not (_is_latin(word[-1]) and end < len(folded) and folded[end].isascii()
                        and folded[end].isalpha())
        if before_ok and after_ok:
            found.append(at)
        at = folded.find(word, at + 1)
    return found


@functools.lru_cache(maxsize=4)
def _alias_words(aliases: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Return every alias folded, with its group, longest first."""
    words = {_fold(name): group for group in aliases for name in group}
    return tuple(sorted(words.items(), key=lambda pair: len(pair[0]), reverse=True))


_VERSION_AFTER = re.compile(r"[-.\s]?\d+(?:\.\d+)*[a-z]*")


def _subjects(text: str, folded: str, taken: list[bool], take: Take) -> list[Subject]:
    """Find the names of the alias table in the question (longest first), taking their words.

    A name directly followed by a version (GPT-5, Qwen3.5) is that product: searched as written.
    """
    found: list[tuple[int, Subject]] = []
    seen_groups: set[tuple[str, ...]] = set()
    for word, group in _alias_words(load_aliases()):
        if word not in folded:
            continue
        for start in _occurrences(folded, word):
            end = start + len(word)
            if any(taken[start:end]):
                continue
            version = _VERSION_AFTER.match(folded, end) if _is_latin(word[-1]) else None
            if version and any(c.isdigit() for c in version.group(0)):
                end = version.end()
                written = text[start:end].strip()
                subject = Subject(written, (written,))
            else:
                if group in seen_groups:
                    take(start, end)
                    continue
                seen_groups.add(group)
                subject = Subject(text[start:end], group)
            take(start, end)
            found.append((start, subject))
    return [subject for _, subject in sorted(found, key=lambda pair: pair[0])]


def _category(text: str, folded: str, taken: list[bool], take: Take) -> tuple[str | None, str | None]:
    """Find the category the question asks about and take its words (see the module docstring)."""
    blocked = [False] * len(text)
    for phrase in NOT_CATEGORY:
        if phrase not in folded:
            continue
        for start in _occurrences(folded, phrase):
            for i in range(start, start + len(phrase)):
                blocked[i] = True
    hits: list[tuple[int, int, str]] = []  # (start, end, category)
    for name, words in CATEGORY_WORDS.items():
        for word in words:
            if word not in folded:
                continue
            for start in _occurrences(folded, word):
                end = start + len(word)
                if not any(taken[start:end]) and not any(blocked[start:end]):
                    hits.append((start, end, name))
    if not hits:
        return None, None
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    kept: list[tuple[int, int, str]] = []
    for hit in hits:  # 大模型 over 模型: the longer word at the same place
        if not kept or hit[0] >= kept[-1][1]:
            kept.append(hit)
    english = [h for h in kept if _is_latin(folded[h[0]])]
    chosen = english[0] if english and len(english) == len(kept) else \
        [h for h in kept if not _is_latin(folded[h[0]])][-1]
    for start, end, name in kept:
        if name == chosen[2]:
            take(start, end)
    return chosen[2], text[chosen[0]:chosen[1]]


def _intent(folded: str, taken: list[bool], take: Take) -> Intent:
    """Return the kind of answer the question's words ask for, taking those words."""
    intent: Intent = "list"
    for kind, words in _INTENT_WORDS:
        for word in words:
            if word not in folded:
                continue
            for start in _occurrences(folded, word):
                if not any(taken[start:start + len(word)]):
                    take(start, start + len(word))
                    if intent == "list":
                        intent = kind
    return intent


def _chunks(text: str, taken: list[bool]) -> list[str]:
    """Return the words not taken: runs between taken words, split at spaces, punctuation and
    connectives (的, 和), without particles at their edges or English filler."""
    runs: list[str] = []
    current: list[str] = []
    for char, is_taken in zip(text, taken, strict=True):
        if is_taken or not (char.isalnum() or char in "-+._#") or char in SPLIT_CHARS:
            runs.append("".join(current))
            current = []
        else:
            current.append(char)
    runs.append("".join(current))
    out = []
    for run in runs:
        run = run.strip("-+._#")
        while run and run[0] in EDGE_CHARS:
            run = run[1:]
        while run and run[-1] in EDGE_CHARS:
            run = run[:-1]
        if not run or run.lower() in ENGLISH_FILLER or searchable_length(run) < 2:
            continue
        out.append(run)
    return out
