"""Vocabulary for the synthetic archive: names, templates, and phrases taken from the bundled digests.

The bundled digests (digests/) are parsed with the real parser; their
sentences, 要点 bullets, titles and sources are reused, with the company names
they mention replaced by the generated item's company, so the synthetic text
has the same wording, punctuation and length profile as the real archive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from storage.parse import parse_file

BUNDLED = Path(__file__).resolve().parent.parent / "digests"

# (name, weight): the head of the distribution are the companies users ask about.
COMPANIES: tuple[tuple[str, float], ...] = (
    ("阶跃星辰", 3.0), ("千问", 3.0), ("通义千问", 1.0), ("Kimi", 2.0), ("月之暗面", 2.0),
    ("Qwen团队", 0.6), ("Anthropic", 2.0), ("OpenAI", 3.0), ("腾讯", 3.0), ("百度", 2.0),
    ("阿里", 3.0), ("字节跳动", 2.0), ("智谱", 1.5), ("DeepSeek", 2.0), ("科大讯飞", 1.0),
    ("宇树科技", 1.0), ("英伟达", 1.5), ("谷歌", 1.5), ("微软", 1.0), ("苹果", 1.0), ("xAI", 0.8),
    ("商汤", 1.0), ("MiniMax", 1.0), ("百川智能", 0.7), ("零一万物", 0.5), ("小米", 1.0),
    ("华为", 1.5), ("京东", 0.8), ("美团", 0.8), ("优必选", 0.5), ("面壁智能", 0.5),
    ("生数科技", 0.4), ("智源研究院", 0.5), ("火山引擎", 0.8), ("蚂蚁集团", 0.7), ("快手", 0.7),
)
_SYNTH_PREFIXES = ("星河", "云图", "深蓝", "极光", "天工", "灵犀", "墨子", "北辰", "澜舟", "启明",
                   "鲸智", "青云", "九章", "玄武", "昆仑", "羲和", "元象", "衔远", "光年", "知行",
                   "数象", "思必", "蓝湖", "智元")
_SYNTH_SUFFIXES = ("科技", "智能", "机器人", "数据")
SYNTH_COMPANIES = tuple(p + s for p in _SYNTH_PREFIXES for s in _SYNTH_SUFFIXES)
SYNTH_WEIGHT = 0.35

# Product names by company; "{v}" is a version. Other companies get a synthetic Latin name.
PRODUCT_FORMS: dict[str, tuple[str, ...]] = {
    "阶跃星辰": ("Step {v} Flash", "Step-{v}V"), "千问": ("Qwen{v}", "Qwen{v}-Max"),
    "通义千问": ("Qwen{v}", "Qwen{v}-Coder"), "Qwen团队": ("Qwen{v}",), "Kimi": ("Kimi K{v}",),
    "月之暗面": ("Kimi K{v}",), "OpenAI": ("GPT-{v}", "GPT-{v}-Codex"),
    "Anthropic": ("Claude Opus {v}", "Claude Sonnet {v}"), "腾讯": ("混元{v}", "元宝"),
    "百度": ("文心{v}", "ERNIE {v}"), "DeepSeek": ("DeepSeek-V{v}", "DeepSeek-R{v}"),
    "智谱": ("GLM-{v}",), "谷歌": ("Gemini {v} Pro",), "字节跳动": ("豆包{v}", "Seed {v}"),
}
VERSIONS: dict[str, tuple[str, ...]] = {"Kimi K{v}": ("2", "2.5", "2.5", "3")}
DEFAULT_VERSIONS = ("1.5", "2", "2.5", "3", "3.5", "4", "4.5", "5", "5.2")
SYLLABLES = ("Nova", "Lumi", "Astra", "Orion", "Vega", "Zeta", "Kora", "Milo", "Tera", "Sola",
             "Pico", "Rhea", "Luna", "Aria", "Echo", "Flux", "Helix", "Iris", "Juno", "Nexa",
             "Onyx", "Pulse", "Quill", "Sage", "Titan", "Vox", "Wren", "Yuki", "Zen", "Bolt")

REGIONS = ("北京", "上海", "深圳", "广东", "浙江", "广西", "杭州", "成都", "武汉", "江苏", "山东",
           "合肥", "重庆", "天津", "福建", "湖南")
INVESTORS = ("上国投先导基金", "国寿股权", "五源资本", "红杉中国", "高瓴资本", "IDG资本", "启明创投",
             "君联资本", "经纬创投", "源码资本", "深创投", "中金资本")
ROUNDS = ("天使", "Pre-A", "A", "A+", "B", "B+", "C", "D", "战略")
SOURCES = ("新华网", "证券时报", "36氪", "量子位", "机器之心", "新浪科技", "澎湃新闻", "财联社",
           "第一财经", "界面新闻", "IT之家", "品玩", "中国证券报", "21世纪经济报道")
AI_SENTENCES = ("这被视为AI赛道的又一信号。", "业内认为这将加速AI应用落地。",
                "AI行业竞争因此进一步加剧。", "分析人士称AI基础设施需求仍在增长。")

# (title, key sentence) per canonical category. Slots: co co2 prod amt n n2 pct round inv region year.
TEMPLATES: dict[str, tuple[tuple[str, str], ...]] = {
    "政策与监管": (
        ("{region}发布{year}年AI产业发展计划",
         "{region}发布《{year}年人工智能产业发展行动计划》，提出AI核心产业规模突破{n2}00亿元。"),
        ("{region}出台人工智能+行动方案",
         "{region}印发人工智能+行动实施方案，明确{n}项重点任务，支持大模型在政务、医疗等场景落地。"),
        ("{co}大模型完成国家网信办备案",
         "{co}的核心产品{prod}已正式完成生成式人工智能服务备案，可在国内市场公开提供AI服务。"),
        ("国家网信办公布第{n}批生成式AI服务备案名单",
         "本批次共有{n2}款大模型完成备案，{co}、{co2}等企业的产品在列。"),
    ),
    "模型与技术进展": (
        ("{co}发布{prod}", "{co}发布新一代大模型{prod}，在{n}项基准测试中取得领先成绩，推理速度提升{pct}%。"),
        ("{co}开源{prod}", "{co}宣布开源{prod}，模型参数规模达{n2}亿，支持多模态输入与AI智能体调用。"),
        ("{co}{prod}登顶开源榜单", "{co}的{prod}在开源模型榜单上位列第一，下载量突破{n}万次。"),
    ),
    "产品与应用发布": (
        ("{co}春节发{amt}亿红包",
         "{co}宣布春节期间发放{amt}亿元现金红包，单人最高可领{n}00元，并上线AI拜年等新玩法。"),
        ("{co}上线{prod}新功能", "{co}旗下AI应用上线基于{prod}的新功能，用户规模已超过{n}00万。"),
        ("{co}推出AI助手App", "{co}推出全新AI助手App，接入{prod}，首周下载量突破{n}万。"),
    ),
    "投融资与并购": (
        ("{co}完成超{amt}亿元{round}轮融资",
         "{co}宣布完成超{amt}亿元人民币的{round}轮融资，由{inv}领投，老股东跟投。"),
        ("{co}估值达{amt}亿美元", "{co}在最新一轮融资后估值达到{amt}亿美元，成为AI领域新晋独角兽。"),
        ("{co}收购{co2}", "{co}宣布完成对{co2}的收购，交易金额约{amt}亿元，以加强其AI技术布局。"),
        ("{co}冲刺IPO", "{co}向港交所递交上市申请，拟募资{amt}亿港元用于大模型研发。"),
    ),
    "行业落地与生态": (
        ("{co}AI智能体平台已在{n}个行业落地",
         "{co}宣布其AI智能体平台已在金融、医疗、零售等{n}个行业落地，合作伙伴达{n2}家。"),
        ("{co}与{co2}签署AI生态合作协议",
         "{co}与{co2}签署战略合作协议，双方将在大模型、算力和行业应用方面展开合作。"),
        ("{co}发布AI行业报告", "{co}发布的报告显示，{pct}%的企业已在生产环境中部署AI应用。"),
    ),
}
SHORT_HEADERS = {"政策与监管": "政策", "模型与技术进展": "模型", "产品与应用发布": "产品",
                 "投融资与并购": "投融资", "行业落地与生态": "行业"}

# Names in the bundled text that are replaced by the generated item's company.
_BUNDLED_NAMES = ("阶跃星辰", "月之暗面", "通义千问", "千问", "Kimi", "Qwen", "腾讯", "阿里巴巴", "阿里",
                  "百度", "字节跳动", "智谱", "科大讯飞", "讯飞", "宇树科技", "宇树", "英伟达", "谷歌",
                  "苹果", "微软", "OpenAI", "Anthropic", "优必选", "智源", "蘑菇物联", "网龙",
                  "火山引擎", "京东", "Grab", "xAI", "特斯拉", "元宝", "文心", "混元", "DeepSeek")
NAME_PATTERN = re.compile("|".join(sorted(map(re.escape, _BUNDLED_NAMES), key=len, reverse=True)))
_SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?")


@dataclass(frozen=True)
class Pools:
    """Phrases taken from the bundled digests."""

    sentences: tuple[str, ...]  # from 说明 / 背景 / 深度解读
    points: tuple[tuple[str, str], ...]  # (label, text); label may be ""
    titles: tuple[str, ...]


def load_pools(folder: Path = BUNDLED) -> Pools:
    """Return the sentences, 要点 bullets and titles of the bundled digests, in file order."""
    sentences: list[str] = []
    points: list[tuple[str, str]] = []
    titles: list[str] = []
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        for item in parse_file(path).items:
            titles.append(item.title)
            for text in (item.summary, item.background, item.analysis):
                sentences.extend(s.strip() for s in _SENTENCE.findall(text)
                                 if 12 <= len(s.strip()) <= 90)
            for point in item.points:
                label, sep, body = point.partition("：")
                if sep and len(label) <= 8:
                    points.append((label, body.strip()))
                elif 6 <= len(point) <= 80:
                    points.append(("", point.strip()))
    clean = tuple(s for s in sentences if _line_safe(s))
    return Pools(clean, tuple(p for p in points if _line_safe(p[1])), tuple(titles))


def _line_safe(text: str) -> bool:
    """Return True if `text` cannot be mistaken for Markdown structure at the start of a line."""
    return not re.match(r"^(?:[-*•·#<]|\d+[.、)]\s|说明|背景|要点|来源)", text) and "**" not in text
