"""The five canonical categories, their short names, and the keyword rule for items without a header."""

from __future__ import annotations

import unicodedata

POLICY = "政策与监管"
MODELS = "模型与技术进展"
PRODUCTS = "产品与应用发布"
FUNDING = "投融资与并购"
INDUSTRY = "行业落地与生态"

CANONICAL: tuple[str, ...] = (POLICY, MODELS, PRODUCTS, FUNDING, INDUSTRY)

# Every way a user or a file may name a category, lower-cased; the first is its short name.
_ALIASES: dict[str, tuple[str, ...]] = {
    POLICY: ("政策", "监管", "政策监管", "policy", "policies", "regulation"),
    MODELS: ("模型", "技术", "模型技术", "models", "model", "tech", "research"),
    PRODUCTS: ("产品", "应用", "产品应用", "products", "product", "apps"),
    FUNDING: ("投融资", "融资", "并购", "投资", "funding", "investment", "deals"),
    INDUSTRY: ("行业", "生态", "落地", "行业生态", "industry", "ecosystem"),
}
SHORT_NAMES: dict[str, str] = {name: aliases[0] for name, aliases in _ALIASES.items()}
_NAMES: dict[str, str] = {}
for _canonical, _aliases in _ALIASES.items():
    _NAMES[_canonical] = _canonical
    for _alias in _aliases:
        _NAMES[_alias] = _canonical

ENGLISH: dict[str, str] = {
    POLICY: "Policy & regulation",
    MODELS: "Models & research",
    PRODUCTS: "Products & launches",
    FUNDING: "Funding & M&A",
    INDUSTRY: "Industry & ecosystem",
}

# The keyword rule for items without a category header (article layout,
# "更多动态" bullets). The title is tried first, then the body; within each,
# the categories are tried in this order and the first with a keyword wins.
# Funding goes first because a funding story usually also names a model or
# product; nothing matched means industry news.
KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (FUNDING, ("融资", "估值", "投资", "收购", "并购", "领投", "跟投", "ipo", "上市", "独角兽")),
    (POLICY, ("政策", "监管", "法规", "规划", "国务院", "政府", "部委", "立法", "法案", "条例", "备案")),
    (MODELS, ("模型", "开源", "数据集", "基准", "算法", "论文", "推理", "参数", "训练")),
    (PRODUCTS, ("产品", "应用", "app", "上线", "发布", "红包", "助手", "功能", "眼镜", "siri", "集成")),
)


def canonical_category(name: str) -> str | None:
    """Return the canonical category for a user-typed or file-supplied name, or None if unknown."""
    key = unicodedata.normalize("NFKC", name).strip().strip("*：:").strip().lower()
    return _NAMES.get(key)


def header_category(header: str) -> str:
    """Return the category for a file's header: canonical when known, else the header as written."""
    return canonical_category(header) or header.strip()


def classify(title: str, body: str) -> str:
    """Return the category for an item without a header, by the keyword rule above."""
    for text in (title.lower(), body.lower()):
        for category, words in KEYWORDS:
            if any(word in text for word in words):
                return category
    return INDUSTRY
