"""Delivery targets beside Telegram, piece by piece: settings, each platform's dialect and size
limit, the signatures, the rate windows, the bookkeeping (both backends) and the redaction."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
from urllib.parse import quote_plus

import pytest

from bot.config import ConfigError, load_settings
from bot.logs import RedactToken
from bot.targets import build_targets, dingtalk, feishu, target_secrets
from bot.targets import dialects as dialect
from bot.targets.base import SlidingWindow, fingerprint
from bot.targets.mail import mail_message
from storage import targets as records
from storage.digests import digest_on
from storage.model import DigestSummary, Item

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-wecom-key"
FEISHU = "https://open.feishu.cn/open-apis/bot/v2/hook/feishu-hook-id-0001"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=ding-access-token-0001"


def _settings(**values: str):
    return load_settings(values, env_file=None)


# --- settings ------------------------------------------------------------------------------------


def test_several_robots_of_one_kind_with_their_secrets_in_order() -> None:
    settings = _settings(WECOM_WEBHOOK=f"{WECOM}; {WECOM}2",
                         FEISHU_WEBHOOK=f"{FEISHU};{FEISHU}2", FEISHU_SECRET="fs1;",
                         DINGTALK_WEBHOOK=DINGTALK, DINGTALK_SECRET="SECding",
                         SMTP_URL="smtps://digest:pa%40ss@mail.example.org:465",
                         MAIL_FROM="digest@example.org", MAIL_TO="a@example.org, b@example.org")
    assert settings.wecom_webhooks == (WECOM, f"{WECOM}2")
    assert settings.feishu_secrets == ("fs1", "")
    assert settings.mail_to == ("a@example.org", "b@example.org")
    targets = build_targets(settings)
    assert [t.kind for t in targets] == ["wecom", "wecom", "feishu", "feishu", "dingtalk", "mail"]
    assert len({t.key for t in targets}) == 6
    assert targets[0].label == f"wecom:{fingerprint(WECOM)[:6]}"
    assert all(re.fullmatch(r"[a-z]+:[0-9a-f]{6}", t.label) for t in targets)
    secrets = target_secrets(settings)
    for secret in ("693a91f6-wecom-key", "feishu-hook-id-0001", "fs1", "ding-access-token-0001",
                   "SECding", "pa@ss", "pa%40ss", WECOM, DINGTALK):
        assert secret in secrets


@pytest.mark.parametrize(("values", "message"), [
    ({"WECOM_WEBHOOK": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?nokey=secret-1"},
     "WECOM_WEBHOOK URL #1 is malformed"),
    ({"FEISHU_WEBHOOK": "ftp://open.feishu.cn/open-apis/bot/v2/hook/secret-1"},
     "FEISHU_WEBHOOK URL #1 is malformed"),
    ({"DINGTALK_WEBHOOK": f"{DINGTALK};{DINGTALK}", "DINGTALK_SECRET": "a;b"},
     "DINGTALK_WEBHOOK lists the same URL twice"),
    ({"DINGTALK_WEBHOOK": DINGTALK, "DINGTALK_SECRET": "SECsecret-1;SECsecret-2"},
     "DINGTALK_SECRET has 2 secret(s) for 1 webhook URL(s)"),
    ({"SMTP_URL": "http://user:secret-1@mail.example.org"}, "SMTP_URL is malformed"),
    ({"SMTP_URL": "smtp://user:secret-1@mail.example.org:587"}, "MAIL_FROM and MAIL_TO are required"),
    ({"MAIL_TO": "a@example.org"}, "MAIL_TO is set but SMTP_URL is not"),
    ({"SMTP_URL": "smtp://mail.example.org", "MAIL_FROM": "bot", "MAIL_TO": "a@example.org"},
     "MAIL_FROM has a malformed address"),
])
def test_malformed_target_settings_say_which_and_never_quote_a_secret(values, message) -> None:
    with pytest.raises(ConfigError) as caught:
        _settings(**values)
    assert message in str(caught.value)
    assert "secret-1" not in str(caught.value) and "ding-access-token" not in str(caught.value)


# --- dialects ------------------------------------------------------------------------------------


def _big_digest() -> tuple[DigestSummary, list[Item]]:
    """40 long items in 3 categories, with Markdown and HTML look-alikes in their text."""
    items = []
    for n in range(40):
        items.append(Item(
            date="2026-03-01", category=("政策与监管", "模型与技术进展", "投融资与并购")[n % 3],
            title=f"第{n}条 *重磅* [链接](https://evil.example) <font color=\"red\">红</font> _x_",
            summary="说明" * (300 + 40 * n), points=(f"# 要点 {n}", "> 引用", "- 列表", "1. 序号"),
            source_name=f"来源{n}", source_url=f"https://news.example.org/{n}?a=(1)",
            position=n, id=740000000 + n))
    return DigestSummary("2026-03-01", "AI行业动态 *特刊*", len(items)), items


def test_wecom_markdown_fits_4096_bytes_split_at_items_with_every_item() -> None:
    header, items = _big_digest()
    messages = dialect.wecom_messages(header, items, "https://digest.example.org")
    assert len(messages) > 5
    assert all(len(m.encode("utf-8")) <= 4096 for m in messages)
    text = "\n".join(messages)
    for n in range(40):  # every item in full (title line) once, and in the overview once
        assert text.count(f"**{n + 1}. 第{n}条 ") == 1
        assert f"[存档](https://digest.example.org/item/{740000000 + n})" in text
    assert "[在网页上查看](https://digest.example.org/d/2026-03-01)" in messages[0]
    # Escaped: no emphasis, link or tag from the digest's text survives.
    assert "\\*重磅\\*" in text and "\\[链接\\](https://evil.example)" in text
    assert "<font" not in text and "＜font" in text
    assert "• \\# 要点 0" in text
    # Each message starts with a heading or an item, never inside one.
    assert all(m.startswith(("# ", "## ", "**")) for m in messages)
    assert "(https://news.example.org/0?a=%281%29)" in text


def test_dingtalk_markdown_pairs_with_a_title_and_two_space_line_breaks() -> None:
    header, items = _big_digest()
    messages = dialect.dingtalk_messages(header, items)
    assert all(title == "AI行业动态 *特刊* 2026-03-01" for title, _ in messages)
    assert all(len(text.encode("utf-8")) <= 4096 for _, text in messages)
    assert "  \n" in messages[1][1]
    assert "存档" not in "".join(t for _, t in messages)  # no WEB_URL: no archive links


def test_feishu_posts_fit_20_kb_with_signature_and_keep_text_literal() -> None:
    header, items = _big_digest()
    posts = dialect.feishu_messages(header, items, "https://digest.example.org")
    bot = feishu.FeishuBot(FEISHU, "secret")
    for post in posts:
        body = json.dumps(bot.body(post), ensure_ascii=False).encode("utf-8")
        assert len(body) <= 20_000
        assert set(post) == {"zh_cn"} and post["zh_cn"]["title"]
    texts = [e["text"] for p in posts for para in p["zh_cn"]["content"] for e in para]
    assert any(t.startswith("1. 第0条 *重磅* [链接](https://evil.example) <font") for t in texts)
    hrefs = [e["href"] for p in posts for para in p["zh_cn"]["content"] for e in para
             if e["tag"] == "a"]
    assert "https://digest.example.org/item/740000039" in hrefs


def test_mail_has_subject_with_date_and_title_and_escaped_html(sqlite_db) -> None:
    header, items = digest_on(sqlite_db, "2026-02-08")
    parts = mail_message(header, items, "https://digest.example.org")
    assert parts.subject == f"AI 日报 2026-02-08 · {header.title}"
    for item in items:
        assert item.title in parts.text
    _, evil = _big_digest()
    html = mail_message(header, evil[:1]).html
    assert "&lt;font" in html and "<font" not in html


# --- signatures --------------------------------------------------------------------------------


def test_feishu_signature_is_hmac_keyed_by_timestamp_and_secret_of_nothing() -> None:
    expected = base64.b64encode(hmac.new(b"1599360473\nsecret", b"", hashlib.sha256).digest())
    assert feishu.sign(1599360473, "secret") == expected.decode()
    body = feishu.FeishuBot(FEISHU, "secret").body({"zh_cn": {"title": "t", "content": []}})
    assert list(body)[:2] == ["timestamp", "sign"] and body["msg_type"] == "post"
    assert "timestamp" not in feishu.FeishuBot(FEISHU).body({})


def test_dingtalk_signature_is_url_encoded_hmac_of_timestamp_and_secret() -> None:
    digest = hmac.new(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256).digest()
    assert dingtalk.sign(1700000000000, "SECabc") == quote_plus(base64.b64encode(digest))
    url = dingtalk.DingtalkRobot(DINGTALK, "SECabc").signed_url()
    assert re.fullmatch(re.escape(DINGTALK) + r"&timestamp=\d{13}&sign=[A-Za-z0-9%]+", url)
    assert dingtalk.DingtalkRobot(DINGTALK).signed_url() == DINGTALK


# --- rate windows -----------------------------------------------------------------------------


def test_sliding_window_allows_limit_per_window_and_says_how_long_to_wait() -> None:
    now = [100.0]
    window = SlidingWindow(3, lambda: 60.0, clock=lambda: now[0])
    for _ in range(3):
        assert window.delay() == 0
        window.note()
        now[0] += 10
    assert window.delay() == pytest.approx(30.0)  # the first send leaves the window at 160
    now[0] = 160.0
    assert window.delay() == 0


# --- bookkeeping -------------------------------------------------------------------------------


def test_runs_continue_from_the_first_unconfirmed_message_and_force_starts_anew(db) -> None:
    run, done = records.start_run(db, "2026-02-08", "wecom:abc", 3)
    assert (run.run, done) == (0, set())
    records.record_message(db, run, 0)
    records.record_message(db, run, 1)
    records.record_error(db, run, "45009 api freq out of limit")
    again, done = records.start_run(db, "2026-02-08", "wecom:abc", 3)
    assert (again.run, done) == (0, {0, 1})
    (state,) = records.target_states(db, ["wecom:abc"])
    assert (state.pending_date, state.pending_sent, state.pending_total) == ("2026-02-08", 2, 3)
    assert state.error == "45009 api freq out of limit" and state.last_date is None
    records.record_message(db, again, 2)
    records.complete_run(db, again)
    assert records.is_delivered(db, "2026-02-08", "wecom:abc")
    finished, done = records.start_run(db, "2026-02-08", "wecom:abc", 3)
    assert finished.completed_at is not None
    forced, done = records.start_run(db, "2026-02-08", "wecom:abc", 3, force=True)
    assert (forced.run, done) == (1, set())
    (state,) = records.target_states(db, ["wecom:abc"])
    assert state.last_date == "2026-02-08" and state.messages == 3 and state.error is None
    assert state.pending_date == "2026-02-08" and state.pending_sent == 0


# --- redaction ---------------------------------------------------------------------------------


def test_log_filter_replaces_urls_and_their_keys_everywhere() -> None:
    settings = _settings(WECOM_WEBHOOK=WECOM, DINGTALK_WEBHOOK=DINGTALK, DINGTALK_SECRET="SECding",
                         SMTP_URL="smtp://digest:hunter2@mail.example.org:587",
                         MAIL_FROM="digest@example.org", MAIL_TO="a@example.org")
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "HTTP Request: POST %s and %s",
                               (WECOM, f"{DINGTALK}&sign=x"), None)
    RedactToken("", target_secrets(settings)).filter(record)
    text = record.getMessage()
    assert "693a91f6" not in text and "ding-access-token" not in text
    assert text == "HTTP Request: POST <secret> and <secret>&sign=x"
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "login hunter2 SECding", (), None)
    RedactToken("", target_secrets(settings)).filter(record)
    assert record.getMessage() == "login <secret> <secret>"
