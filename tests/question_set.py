"""The question set: an archive dated relative to a fixed today, and questions with what they
must be read as and which items must answer them (tests/test_questions.py, the site, MCP, e2e).

TODAY is a Wednesday: this week is 02-09 ~ 02-15, last week 02-02 ~ 02-08. Every
item has a key; a question's expected items are keys. Items are placed so each
question's answer fits on one page (5 items) and its boundaries are tested
(最近一周 leaves out 02-04, 最近两周 leaves out 01-28, 3月 is last year's).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

TODAY = dt.date(2026, 2, 11)

POLICY, MODELS, PRODUCTS, FUNDING, INDUSTRY = ("政策与监管", "模型与技术进展", "产品与应用发布",
                                               "投融资与并购", "行业落地与生态")

# key: (date, category, title, summary)
ARCHIVE: dict[str, tuple[str, str, str, str]] = {
    # today, 02-11
    "t_policy": ("2026-02-11", POLICY, "工信部发布人工智能终端安全指引", "要求厂商在上线前完成安全评估。"),
    "t_model": ("2026-02-11", MODELS, "DeepSeek 开源新一代推理模型 R2", "DeepSeek 发布 R2 并开放权重。"),
    "t_product": ("2026-02-11", PRODUCTS, "腾讯元宝上线春节红包活动", "元宝在春节期间发放10亿元红包。"),
    "t_funding": ("2026-02-11", FUNDING, "阶跃星辰完成50亿元B+轮融资", "本轮由国资领投。"),
    # yesterday, 02-10
    "y_funding": ("2026-02-10", FUNDING, "智元机器人完成新一轮融资", "估值超过150亿元。"),
    "y_industry": ("2026-02-10", INDUSTRY, "宇树机器狗在电力巡检落地", "宇树科技的四足机器人进入变电站。"),
    "y_product": ("2026-02-10", PRODUCTS, "千问App上线春节免单活动",
                  "千问投入30亿元春节免单，用户可领取免单卡。"),
    # the day before, 02-09 (Monday)
    "m_model": ("2026-02-09", MODELS, "Kimi 发布 K3 长文本模型", "月之暗面发布新一代模型 Kimi K3。"),
    "m_policy": ("2026-02-09", POLICY, "欧盟人工智能法案进入执行阶段", "执法机构开始接受投诉。"),
    # last week, 02-02 ~ 02-08
    "anthropic": ("2026-02-06", FUNDING, "Anthropic 完成300亿美元融资", "Claude 的开发商估值翻倍。"),
    "bytedance_deal": ("2026-02-06", FUNDING, "字节跳动收购一家AI芯片公司", "豆包团队将获得更多算力。"),
    "doubao_phone": ("2026-02-06", PRODUCTS, "豆包手机助手上线", "字节发布豆包手机助手。"),
    "gpt": ("2026-02-04", MODELS, "OpenAI 发布 GPT-5.3", "新模型在编程基准上领先。"),
    "cac_rules": ("2026-02-04", POLICY, "国家网信办发布生成式AI备案新规", "新规明确备案流程。"),
    "ernie_banks": ("2026-02-04", INDUSTRY, "百度文心在银行业落地智能客服", "多家银行接入文心大模型。"),
    "unitree_ipo": ("2026-02-03", FUNDING, "宇树科技启动上市辅导", "宇树拟在科创板上市。"),
    "yyb_search": ("2026-02-03", PRODUCTS, "应用宝上线AI搜索功能", "腾讯应用宝新增AI搜索。"),
    "aliyun_cars": ("2026-02-02", INDUSTRY, "阿里云与车企合作落地智能座舱", "阿里云大模型进入汽车。"),
    # the week before, and January
    "moonshot_round": ("2026-01-30", FUNDING, "月之暗面获得新一轮投资", "Kimi 背后的公司估值达到40亿美元。"),
    "glm": ("2026-01-30", MODELS, "智谱开源 GLM-5", "智谱发布并开源 GLM-5 模型。"),
    "siri": ("2026-01-28", PRODUCTS, "苹果发布新版 Siri", "Apple 将大模型接入 Siri。"),
    "shanghai": ("2026-01-28", POLICY, "上海出台具身智能产业政策", "支持人形机器人企业发展。"),
    "stepfun_b": ("2026-01-20", FUNDING, "阶跃星辰获得B轮投资", "阶跃星辰 B 轮融资完成。"),
    "ernie_packets": ("2026-01-15", PRODUCTS, "百度文心一言上线红包功能", "文心一言春节发放5亿元红包。"),
    "qwen_spring": ("2026-01-10", INDUSTRY, "千问春节营销活动覆盖百城", "千问在春节前启动线下推广。"),
    # last year
    "deepseek_v4": ("2025-12-15", MODELS, "DeepSeek 发布 V4 模型", "深度求索发布 V4。"),
    "openai_value": ("2025-12-15", FUNDING, "OpenAI 估值达到5000亿美元", "OpenAI 完成股权出售。"),
    "ai_plus": ("2025-12-02", POLICY, "多部门联合发布AI+行动方案", "推进人工智能在各领域普及。"),
    "listed": ("2025-12-02", INDUSTRY, "多家上市公司披露AI收入", "年报显示AI业务增长。"),
    "kimi_app": ("2025-11-20", PRODUCTS, "Kimi App 上线深度研究功能", "月之暗面推出深度研究。"),
    "zhipu_gov": ("2025-11-20", INDUSTRY, "智谱在政务领域落地", "智谱大模型服务多地政府。"),
    "agibot_a": ("2025-08-20", FUNDING, "智元机器人完成A轮融资", "智元机器人获得新融资。"),
    "unitree_c": ("2025-07-01", FUNDING, "宇树科技完成C轮融资", "宇树获得新一轮资金。"),
    "qwq": ("2025-03-10", MODELS, "千问发布 QwQ 推理模型", "通义千问团队开源 QwQ。"),
}


def write_archive(directory: Path, shift_days: int = 0) -> list[Path]:
    """Write the archive as one heading-layout digest file per date (each `shift_days` later);
    return the files."""
    by_date: dict[str, list[tuple[str, str, str, str]]] = {}
    for key, (date, category, title, summary) in ARCHIVE.items():
        date = (dt.date.fromisoformat(date) + dt.timedelta(days=shift_days)).isoformat()
        by_date.setdefault(date, []).append((key, category, title, summary))
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    for date, items in sorted(by_date.items()):
        lines = [f"# AI 行业动态 ({date})", ""]
        for category in (POLICY, MODELS, PRODUCTS, FUNDING, INDUSTRY):
            entries = [entry for entry in items if entry[1] == category]
            if not entries:
                continue
            lines += [f"**{category}**", ""]
            for key, _, title, summary in entries:
                lines += [title, f"说明：{summary}", f"来源出处：[来源](https://news.example.com/{key})",
                          ""]
        path = directory / f"{date}.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        files.append(path)
    return files


def weeks_to(today: dt.date) -> int:
    """Return the days from TODAY to the last date `today` or before that is the same weekday:
    the archive shifted by them reads "上周" and "本周" as the question set does."""
    return (today - TODAY).days // 7 * 7


def title_of(key: str) -> str:
    """Return the title of the archive item `key`."""
    return ARCHIVE[key][2]


@dataclass(frozen=True)
class Case:
    """One question: how it must be read and which items answer it."""

    question: str
    items: tuple[str, ...]  # keys of the items that answer it (all of them on the first page)
    since: str | None = None  # the period read, None: no period
    until: str | None = None
    category: str | None = None
    names: tuple[str, ...] = ()  # subjects as written
    intent: str = "list"  # the shape of the answer
    refusal: str | None = None
    problem: str | None = None  # a time phrase not used (or capped)
    cut: bool = False


def _range(start: str, end: str) -> dict:
    return {"since": start, "until": end}


TODAY_S = TODAY.isoformat()
THIS_WEEK = _range("2026-02-09", "2026-02-15")
LAST_WEEK = _range("2026-02-02", "2026-02-08")
THIS_MONTH = _range("2026-02-01", "2026-02-28")
LAST_MONTH = _range("2026-01-01", "2026-01-31")

CASES: tuple[Case, ...] = (
    # --- each time phrase ---
    Case("今天有什么新闻", ("t_policy", "t_model", "t_product", "t_funding"), TODAY_S, TODAY_S),
    Case("今日的政策", ("t_policy",), TODAY_S, TODAY_S, POLICY),
    Case("昨天有哪些融资", ("y_funding",), "2026-02-10", "2026-02-10", FUNDING),
    Case("前天发布了什么模型", ("m_model",), "2026-02-09", "2026-02-09", MODELS),
    Case("本周有哪些产品", ("t_product", "y_product"), **THIS_WEEK, category=PRODUCTS),
    Case("这周的政策", ("t_policy", "m_policy"), **THIS_WEEK, category=POLICY),
    Case("这星期有什么融资", ("t_funding", "y_funding"), **THIS_WEEK, category=FUNDING),
    Case("上周有哪些融资", ("anthropic", "bytedance_deal", "unitree_ipo"), **LAST_WEEK,
         category=FUNDING),
    Case("上星期的政策", ("cac_rules",), **LAST_WEEK, category=POLICY),
    Case("上一周上线了什么产品", ("doubao_phone", "yyb_search"), **LAST_WEEK, category=PRODUCTS),
    Case("最近3天有哪些模型", ("t_model", "m_model"), "2026-02-09", TODAY_S, MODELS),
    Case("近三天的政策", ("t_policy", "m_policy"), "2026-02-09", TODAY_S, POLICY),
    Case("过去十天有哪些融资", ("t_funding", "y_funding", "anthropic", "bytedance_deal",
                               "unitree_ipo"), "2026-02-02", TODAY_S, FUNDING),
    Case("最近两天有什么产品", ("t_product", "y_product"), "2026-02-10", TODAY_S, PRODUCTS),
    Case("最近一周的行业落地", ("y_industry",), "2026-02-05", TODAY_S, INDUSTRY),
    Case("最近两周有哪些政策", ("t_policy", "m_policy", "cac_rules"), "2026-01-29", TODAY_S, POLICY),
    Case("最近一个月阶跃星辰的投资", ("t_funding", "stepfun_b"), "2026-01-13", TODAY_S, FUNDING,
         ("阶跃星辰",)),
    Case("最近半年智元机器人的融资", ("y_funding", "agibot_a"), "2025-08-14", TODAY_S, FUNDING),
    Case("本月有哪些政策", ("t_policy", "m_policy", "cac_rules"), **THIS_MONTH, category=POLICY),
    Case("这个月的模型", ("t_model", "m_model", "gpt"), **THIS_MONTH, category=MODELS),
    Case("上个月有哪些产品", ("siri", "ernie_packets"), **LAST_MONTH, category=PRODUCTS),
    Case("12月有什么模型", ("deepseek_v4",), "2025-12-01", "2025-12-31", MODELS),
    Case("3月的模型", ("qwq",), "2025-03-01", "2025-03-31", MODELS),
    Case("二月有哪些模型", ("t_model", "m_model", "gpt"), **THIS_MONTH, category=MODELS),
    Case("2月4号有什么政策", ("cac_rules",), "2026-02-04", "2026-02-04", POLICY),
    Case("2月3日的日报", ("unitree_ipo", "yyb_search"), "2026-02-03", "2026-02-03", intent="day"),
    Case("6号的日报", ("anthropic", "bytedance_deal", "doubao_phone"), "2026-02-06", "2026-02-06",
         intent="day"),
    Case("昨天的日报", ("y_funding", "y_industry", "y_product"), "2026-02-10", "2026-02-10",
         intent="day"),
    Case("2025-12-15 的融资", ("openai_value",), "2025-12-15", "2025-12-15", FUNDING),
    Case("2025年11月有哪些产品", ("kimi_app",), "2025-11-01", "2025-11-30", PRODUCTS),
    # --- English ---
    Case("what happened today", ("t_policy", "t_model", "t_product", "t_funding"), TODAY_S, TODAY_S),
    Case("funding news yesterday", ("y_funding",), "2026-02-10", "2026-02-10", FUNDING),
    Case("models this week", ("t_model", "m_model"), **THIS_WEEK, category=MODELS),
    Case("policy last week", ("cac_rules",), **LAST_WEEK, category=POLICY),
    Case("funding in the last 10 days", ("t_funding", "y_funding", "anthropic", "bytedance_deal",
                                         "unitree_ipo"), "2026-02-02", TODAY_S, FUNDING),
    Case("products this month", ("t_product", "y_product", "doubao_phone", "yyb_search"),
         **THIS_MONTH, category=PRODUCTS),
    Case("any funding last month", ("moonshot_round", "stepfun_b"), **LAST_MONTH, category=FUNDING),
    Case("models in December", ("deepseek_v4",), "2025-12-01", "2025-12-31", MODELS),
    Case("What happened with Anthropic last week", ("anthropic",), **LAST_WEEK,
         names=("Anthropic",), intent="story"),
    Case("how many funding deals this week", ("t_funding", "y_funding"), **THIS_WEEK,
         category=FUNDING, intent="count"),
    Case("Kimi news", ("m_model", "moonshot_round", "kimi_app"), names=("Kimi",)),
    Case("OpenAI models", ("gpt",), category=MODELS, names=("OpenAI",)),
    Case("Anthropic funding", ("anthropic",), category=FUNDING, names=("Anthropic",)),
    Case("DeepSeek models", ("t_model", "deepseek_v4"), category=MODELS, names=("DeepSeek",)),
    Case("Apple products", ("siri",), category=PRODUCTS, names=("Apple",)),
    Case("industry news about Alibaba", ("aliyun_cars",), category=INDUSTRY, names=("Alibaba",)),
    # --- each category word ---
    Case("阶跃星辰融资", ("t_funding", "stepfun_b"), category=FUNDING, names=("阶跃星辰",)),
    Case("字节的并购", ("bytedance_deal",), category=FUNDING, names=("字节",)),
    Case("上周有哪些收购", ("anthropic", "bytedance_deal", "unitree_ipo"), **LAST_WEEK,
         category=FUNDING),
    Case("宇树上市", ("unitree_ipo", "unitree_c"), category=FUNDING, names=("宇树",)),
    Case("OpenAI 估值", ("openai_value",), category=FUNDING, names=("OpenAI",)),
    Case("IPO news last week", ("anthropic", "bytedance_deal", "unitree_ipo"), **LAST_WEEK,
         category=FUNDING),
    Case("投资月之暗面的有哪些", ("moonshot_round",), category=FUNDING, names=("月之暗面",)),
    Case("监管有什么新动态", ("t_policy", "m_policy", "cac_rules", "shanghai", "ai_plus"),
         category=POLICY),
    Case("最近两周的法规", ("t_policy", "m_policy", "cac_rules"), "2026-01-29", TODAY_S, POLICY),
    Case("DeepSeek 开源了什么", ("t_model", "deepseek_v4"), category=MODELS, names=("DeepSeek",)),
    Case("智谱大模型", ("glm",), category=MODELS, names=("智谱",)),
    Case("苹果有什么新产品", ("siri",), category=PRODUCTS, names=("苹果",)),
    Case("豆包的应用", ("doubao_phone",), category=PRODUCTS, names=("豆包",)),
    Case("Kimi App", ("kimi_app",), category=PRODUCTS, names=("Kimi",)),
    Case("宇树落地", ("y_industry",), category=INDUSTRY, names=("宇树",)),
    Case("智谱的行业进展", ("zhipu_gov",), category=INDUSTRY, names=("智谱",), intent="story"),
    # --- near misses: a category word inside a name or another phrase ---
    Case("千问春节活动投了多少钱", ("y_product", "qwen_spring"), names=("千问",)),
    Case("应用宝最近有什么消息", ("yyb_search",)),
    Case("有哪些上市公司的新闻", ("listed",)),
    Case("Apple 有什么新闻", ("siri",), names=("Apple",)),
    # --- aliases ---
    Case("通义千问最近怎么样", ("y_product", "qwen_spring", "qwq"), names=("通义千问",), intent="story"),
    Case("月之暗面有什么新闻", ("m_model", "moonshot_round", "kimi_app"), names=("月之暗面",)),
    Case("ByteDance news", ("bytedance_deal", "doubao_phone"), names=("ByteDance",)),
    Case("Kimmi 最近怎么样", ("m_model", "moonshot_round", "kimi_app"), names=("Kimmi",),
         intent="story"),
    Case("StepFun funding", ("t_funding", "stepfun_b"), category=FUNDING, names=("StepFun",)),
    # --- counts, stories, exclusions ---
    Case("红包热度", ("t_product", "ernie_packets"), intent="count"),
    Case("上个月有多少条融资", ("moonshot_round", "stepfun_b"), **LAST_MONTH, category=FUNDING,
         intent="count"),
    Case("trend of DeepSeek", ("t_model", "deepseek_v4"), names=("DeepSeek",), intent="count"),
    Case("阶跃星辰最近怎么样", ("t_funding", "stepfun_b"), names=("阶跃星辰",), intent="story"),
    Case("OpenAI 发生了什么", ("gpt", "openai_value"), names=("OpenAI",), intent="story"),
    Case("红包 -文心", ("t_product",)),
    # --- odd inputs ---
    Case("a", (), refusal="nothing_asked"),
    Case("x", (), refusal="nothing_asked"),
    Case("阶跃星辰融资" + "！" * 494, ("t_funding", "stepfun_b"), category=FUNDING,
         names=("阶跃星辰",), cut=True),
    Case("请问一下有没有", (), refusal="nothing_asked"),
    Case("😀😀😀", (), refusal="nothing_asked"),
    Case("13月有什么", (), refusal="no_such_period", problem="no_such_month"),
    Case("最近0天的新闻", (), refusal="no_such_period", problem="empty_span"),
    Case("最近9999天的智谱", ("glm", "zhipu_gov"), "2016-02-15", TODAY_S, names=("智谱",),
         problem="capped"),
    Case("2月30日阶跃星辰融资", ("t_funding", "stepfun_b"), category=FUNDING, names=("阶跃星辰",),
         problem="no_such_date"),
)
