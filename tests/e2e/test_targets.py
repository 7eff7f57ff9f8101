"""The daily digest beyond Telegram, end to end: the real Application and fake Bot API, local
stand-ins for the 企业微信, 飞书 and 钉钉 robot APIs (tests/e2e/fake_robots.py: signatures, message
types, sizes and per-minute limits checked as documented) and a local SMTP server (aiosmtpd).

"A minute" is one second here (bot.targets.base.MINUTE_S and the stand-ins alike), back-off
starts at 50 ms: no test waits out a real rate window.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email.utils
import logging
import socket
from pathlib import Path

import pytest

from bot import schedule
from bot.config import load_settings
from bot.state import BotState
from bot.targets import base
from bot.targets import deliver as target_delivery
from bot.targets.wecom import WecomRobot
from storage import posts, readers
from storage import targets as records
from storage.backend import open_db
from storage.digests import digest_on
from storage.model import DigestSummary, Item
from tests.e2e.conftest import ADMIN_ID, CHANNEL_ID, RunningBot
from tests.e2e.fake_robots import FakeRobots
from tests.e2e.fake_smtp import FakeSMTP, make_certificate
from tests.e2e.test_admin_and_schedule import (
    AT_ONCE,
    CrashError,
    _channel_texts,
    _expected_post,
    _no_daily_post,
    _to_chat,
    _until,
    _write_today_digest,
)
from tests.e2e.test_logging import _logging_as_digestbot_run

MINUTE = 1.0
WECOM_KEY, FEISHU_HOOK, DING_TOKEN = "wecom-key-7f3a9c", "feishu-hook-5d2e81", "ding-token-c4b7e2"
FEISHU_SECRET, DING_SECRET = "feishu-secret-90ab", "SECding-secret-12cd"
MAIL_FROM, MAIL_TO = "digest@example.org", ("team@example.org", "reader@example.net")
WEB = "https://digest.example.org"


@pytest.fixture(autouse=True)
def short_minute(monkeypatch) -> None:
    monkeypatch.setattr(base, "MINUTE_S", MINUTE)
    monkeypatch.setattr(target_delivery, "BACKOFF_S", 0.05)


@pytest.fixture
def robots() -> FakeRobots:
    with FakeRobots(minute_s=MINUTE) as fake:
        yield fake


@pytest.fixture
def smtp() -> FakeSMTP:
    with FakeSMTP() as server:
        yield server


@pytest.fixture
def targets(robots: FakeRobots, smtp: FakeSMTP) -> dict[str, object]:
    """Settings for one robot of each platform (飞书 and 钉钉 signed) and e-mail."""
    return {"wecom_webhooks": (robots.add("wecom", WECOM_KEY),),
            "feishu_webhooks": (robots.add("feishu", FEISHU_HOOK, FEISHU_SECRET),),
            "feishu_secrets": (FEISHU_SECRET,),
            "dingtalk_webhooks": (robots.add("dingtalk", DING_TOKEN, DING_SECRET),),
            "dingtalk_secrets": (DING_SECRET,),
            "smtp_url": f"smtp://127.0.0.1:{smtp.port}", "mail_from": MAIL_FROM, "mail_to": MAIL_TO,
            "web_url": WEB}


async def _admin_says(fake_api, text: str, count: int = 1) -> dict:
    """Wait (up to 60 s: a loaded machine, retries included) for the `count`-th admin message
    containing `text`; return the last such message."""
    await fake_api.wait_for_async(_to_chat(ADMIN_ID, text), count=count, timeout=60)
    return [m for m in fake_api.sent(ADMIN_ID) if text in (m["text"] or "")][-1]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _state(running: RunningBot) -> BotState:
    return running.app.bot_data


def _expected(running: RunningBot, kind: str, date: str) -> list:
    """The messages of `date` for the (last configured) target of `kind`, as the robot gets them."""
    target = [t for t in _state(running).targets if t.kind == kind][-1]
    found = digest_on(running.db, date)
    return [list(m) if isinstance(m, tuple) else m
            for m in target.render(*found, running.settings.web_url)]


def _accepted(robots: FakeRobots, kind: str, name: str) -> list:
    bodies = robots.robot(kind, name).accepted
    if kind == "wecom":
        return [b["markdown"]["content"] for b in bodies]
    if kind == "feishu":
        return [b["content"]["post"] for b in bodies]
    return [[b["markdown"]["title"], b["markdown"]["text"]] for b in bodies]


def _delivered(running: RunningBot, date: str, kinds: tuple[str, ...] | None = None) -> bool:
    return all(records.is_delivered(running.db, date, t.key) for t in _state(running).targets
               if kinds is None or t.kind in kinds)


def _assert_robots_got_everything_once(running: RunningBot, robots: FakeRobots, date: str) -> None:
    for kind, name in (("wecom", WECOM_KEY), ("feishu", FEISHU_HOOK), ("dingtalk", DING_TOKEN)):
        expected = _expected(running, kind, date)
        assert _accepted(robots, kind, name) == expected, kind


# --- the daily post ------------------------------------------------------------------------------


async def test_daily_post_reaches_every_target_with_every_item(start_bot, settings, fake_api,
                                                               robots, smtp, targets) -> None:
    date = _write_today_digest(settings)
    async with start_bot(post_time=AT_ONCE, **targets) as running:
        await _until(lambda: _delivered(running, date), timeout=60, what="every target served")
        await _until(lambda: posts.is_posted(running.db, date, CHANNEL_ID), what="channel post")
        expected_channel = _expected_post(running.db, date, running.settings.web_url)
        header, items = digest_on(running.db, date)
        _assert_robots_got_everything_once(running, robots, date)
        fake_api.push_command("/stats", user_id=ADMIN_ID)  # each target's last delivery
        stats = (await _admin_says(fake_api, "📊"))["text"]
        for target in _state(running).targets:
            assert f"<code>{target.label.split(':')[1]}</code>：上次送达 {date}" in stats
        assert WECOM_KEY not in stats and "127.0.0.1" not in stats
    assert _channel_texts(fake_api) == expected_channel
    # Every item reaches every robot, in full, with its archive link.
    for kind, name in (("wecom", WECOM_KEY), ("feishu", FEISHU_HOOK), ("dingtalk", DING_TOKEN)):
        text = str(_accepted(robots, kind, name))
        for item in items:
            assert item.title.replace("*", "") in text.replace("\\", ""), (kind, item.title)
            assert f"{WEB}/item/{item.id}" in text
    # Each platform's own format and limits, as its stand-in saw them.
    assert all(status == 200 and answer["errcode"] == 0
               for status, answer in robots.robot("wecom", WECOM_KEY).answers)
    assert all(answer["code"] == 0 for _, answer in robots.robot("feishu", FEISHU_HOOK).answers)
    assert all(answer["errcode"] == 0 for _, answer in robots.robot("dingtalk", DING_TOKEN).answers)
    # One e-mail to all recipients: both parts and the headers a mail client expects.
    assert len(smtp.messages) == 1 and smtp.envelopes == [(MAIL_FROM, list(MAIL_TO))]
    mail = smtp.messages[0]
    assert mail.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]
    assert mail["Subject"] == f"AI 日报 {date} · {header.title}"
    assert mail["From"] == MAIL_FROM and mail["To"] == ", ".join(MAIL_TO)
    assert email.utils.parsedate_to_datetime(mail["Date"]).tzinfo is not None
    assert mail["Message-ID"].startswith(f"<digest-{date}-0-0-") and mail["Message-ID"].endswith(
        "@example.org>")
    plain, html = (p.get_content() for p in mail.iter_parts())
    for item in items:
        assert item.title in plain
        assert f'href="{WEB}/item/{item.id}"' in html


async def test_rate_limit_answers_are_retried_and_nothing_is_lost(start_bot, fake_api, robots,
                                                                  targets, monkeypatch) -> None:
    monkeypatch.setattr(schedule, "daily_post", _no_daily_post)  # /push makes the post
    robots.script("wecom", WECOM_KEY, (200, {"errcode": 45009, "errmsg": "api freq out of limit"}))
    robots.script("feishu", FEISHU_HOOK, (429, {"code": 9499, "msg": "too many request"}))
    async with start_bot(**targets) as running:
        fake_api.push_command("/push 2026-02-08", user_id=ADMIN_ID)
        summary = await _admin_says(fake_api, "其他渠道")
        await _admin_says(fake_api, "✅ 已发布 2026-02-08")
        assert summary["text"].count("✅ 已送达") == 4
        assert _delivered(running, "2026-02-08")
        _assert_robots_got_everything_once(running, robots, "2026-02-08")
    assert [a["errcode"] for _, a in robots.robot("wecom", WECOM_KEY).answers][:2] == [45009, 0]
    assert [s for s, _ in robots.robot("feishu", FEISHU_HOOK).answers][:2] == [429, 200]
    assert not [m for m in fake_api.sent(ADMIN_ID) if "没能收到" in (m["text"] or "")]


async def test_a_blocked_robot_tells_admins_once_and_push_continues_where_it_stopped(
        start_bot, fake_api, robots, targets, monkeypatch) -> None:
    monkeypatch.setattr(schedule, "daily_post", _no_daily_post)
    async with start_bot(**targets) as running:
        expected = _expected(running, "dingtalk", "2026-02-08")
        assert len(expected) > 2
        # 钉钉 takes two messages, then blocks the robot (10 minutes, says its documentation).
        robot = robots.robot("dingtalk", DING_TOKEN)
        original = robots._dingtalk

        def block_after_two(robot_, body, raw, query):
            if len(robot_.accepted) == 2 and not robot_.answers[2:]:
                return 200, {"errcode": 130101,
                             "errmsg": "send too fast, exceed 20 times per minute"}, {}
            return original(robot_, body, raw, query)

        robots._dingtalk = block_after_two
        fake_api.push_command("/push 2026-02-08", user_id=ADMIN_ID)
        alert = await _admin_says(fake_api, "没能收到")
        summary = await _admin_says(fake_api, "其他渠道")
        assert "钉钉" in alert["text"] and "130101 send too fast" in alert["text"]
        assert "❌ 未完成（本次 2/" in summary["text"] and summary["text"].count("✅ 已送达") == 3
        assert _accepted(robots, "dingtalk", DING_TOKEN) == expected[:2]
        fake_api.push_command("/targets", user_id=ADMIN_ID)
        listing = await _admin_says(fake_api, "推送渠道")
        assert f"2026-02-08 进行中：2/{len(expected)} 条" in listing["text"]
        assert "130101" in listing["text"] and DING_TOKEN not in listing["text"]

        fake_api.push_command("/push 2026-02-08", user_id=ADMIN_ID)  # unblocked: goes on
        again = await _admin_says(fake_api, "其他渠道", count=2)
        assert "钉钉" in again["text"] and again["text"].count("已送达过") == 3
        assert _accepted(robots, "dingtalk", DING_TOKEN) == expected  # each message once
        assert _delivered(running, "2026-02-08")
        assert len(robot.answers) == len(expected) + 1
    assert len([m for m in fake_api.sent(ADMIN_ID) if "没能收到" in (m["text"] or "")]) == 1


async def test_restart_in_the_middle_sends_each_confirmed_message_once(
        start_bot, settings, fake_api, robots, smtp, targets, monkeypatch) -> None:
    date = _write_today_digest(settings)
    real_send, sent = WecomRobot.send, []

    async def crash_after_two(self, message, ref):
        if len(sent) == 2:
            raise CrashError("power cut")
        await real_send(self, message, ref)
        sent.append(ref)

    with monkeypatch.context() as patch:
        patch.setattr(schedule, "daily_post", _no_daily_post)
        patch.setattr(WecomRobot, "send", crash_after_two)
        async with start_bot(**targets) as running:
            expected = _expected(running, "wecom", date)
            assert len(expected) > 2
            outcomes = await target_delivery.deliver(running.app.bot, _state(running), date)
            assert [o.status for o in outcomes] == ["failed", "delivered", "delivered", "delivered"]
            run = records.current_run(running.db, date, _state(running).targets[0].key)
            assert run is not None and run.completed_at is None
    assert _accepted(robots, "wecom", WECOM_KEY) == expected[:2]

    async with start_bot(post_time=AT_ONCE, **targets) as again:  # the catch-up goes on
        await _until(lambda: _delivered(again, date), timeout=60, what="every target served")
        await _until(lambda: posts.is_posted(again.db, date, CHANNEL_ID), what="channel post")
        await asyncio.sleep(0.3)
        _assert_robots_got_everything_once(again, robots, date)
    assert len(smtp.messages) == 1


async def test_a_target_that_is_down_does_not_stop_the_others(start_bot, settings, fake_api,
                                                              robots, smtp, targets) -> None:
    down = f"http://127.0.0.1:{_closed_port()}/cgi-bin/webhook/send?key=down-key-0042"
    date = _write_today_digest(settings)
    targets = targets | {"wecom_webhooks": (down, *targets["wecom_webhooks"])}
    async with start_bot(post_time=AT_ONCE, **targets) as running:
        await _until(lambda: _delivered(running, date, ("feishu", "dingtalk", "mail")), timeout=60,
                     what="the working targets served")
        alert = await _admin_says(fake_api, "没能收到")
        await _until(lambda: posts.is_posted(running.db, date, CHANNEL_ID), what="channel post")
        dead = _state(running).targets[0]
        assert not records.is_delivered(running.db, date, dead.key)
        (state,) = records.target_states(running.db, [dead.key])
        assert state.error == "network error: ConnectError" and state.pending_sent == 0
        assert _accepted(robots, "wecom", WECOM_KEY) == _expected(running, "wecom", date)
        queue = running.app.job_queue  # the daily post comes back for it later
        await _until(lambda: queue.get_jobs_by_name("daily_post-retry"), what="the retry job")
    assert dead.label.split(":")[1] in alert["text"] and "network error: ConnectError" in alert["text"]
    assert "down-key" not in alert["text"] and len(smtp.messages) == 1


async def test_robots_never_get_more_than_their_minute_allows(db, robots, tmp_path) -> None:
    items = [Item("2026-03-01", "模型与技术进展", f"第{n}条", summary="说明" * 700, position=n)
             for n in range(30)]
    found = (DigestSummary("2026-03-01", "AI行业动态", len(items)), items)
    settings = load_settings({"WECOM_WEBHOOK": robots.add("wecom", "busy-wecom"),
                              "DINGTALK_WEBHOOK": robots.add("dingtalk", "busy-ding", "SECx"),
                              "DINGTALK_SECRET": "SECx"}, env_file=None)
    state = BotState()
    state.attach(db, dataclasses.replace(settings, admin_ids=frozenset()))
    outcomes = await target_delivery.deliver(None, state, "2026-03-01", found=found)
    assert [(o.status, o.sent) for o in outcomes] == [("delivered", o.total) for o in outcomes]
    assert all(o.total > 20 for o in outcomes)  # more than one minute's worth each
    for kind, name in (("wecom", "busy-wecom"), ("dingtalk", "busy-ding")):
        answers = robots.robot(kind, name).answers
        assert {a["errcode"] for _, a in answers} == {0} and len(answers) == outcomes[0].total


# --- secrets -------------------------------------------------------------------------------------


async def test_no_key_token_secret_or_password_in_the_log(fake_api, digest_dir, tmp_path, robots,
                                                           capsys, monkeypatch) -> None:
    cert = make_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert[0]))  # the mail target trusts the test server
    monkeypatch.setattr(schedule, "daily_post", _no_daily_post)
    password = "smtp-pass-word-77"
    down = f"http://127.0.0.1:{_closed_port()}/robot/send?access_token=down-token-31"
    with FakeSMTP(cert, login=("digest", password)) as smtp:
        environment = {
            "BOT_TOKEN": fake_api.token, "TELEGRAM_API_URL": fake_api.base_url,
            "ADMIN_IDS": str(ADMIN_ID), "CHANNEL_ID": CHANNEL_ID, "DIGEST_DIR": str(digest_dir),
            "DIGESTBOT_DB": str(tmp_path / "bot.db"), "LOG_LEVEL": "DEBUG",
            "WECOM_WEBHOOK": robots.add("wecom", WECOM_KEY),
            "FEISHU_WEBHOOK": robots.add("feishu", FEISHU_HOOK, FEISHU_SECRET),
            "FEISHU_SECRET": FEISHU_SECRET,
            "DINGTALK_WEBHOOK": f"{robots.add('dingtalk', DING_TOKEN, DING_SECRET)};{down}",
            "DINGTALK_SECRET": f"{DING_SECRET};SECdown-secret-55",
            "SMTP_URL": f"smtp://digest:{password}@127.0.0.1:{smtp.port}",
            "MAIL_FROM": MAIL_FROM, "MAIL_TO": ",".join(MAIL_TO)}
        settings = load_settings(environment, env_file=None)
        robots.script("wecom", WECOM_KEY, (200, {"errcode": 45009, "errmsg": "api freq out of limit"}))
        with _logging_as_digestbot_run(settings):
            for client in ("httpx", "httpcore"):  # even if the HTTP clients log every request
                logging.getLogger(client).setLevel(logging.DEBUG)
            async with RunningBot(settings) as running:
                fake_api.push_command("/push 2026-02-08", user_id=ADMIN_ID)
                await _admin_says(fake_api, "✅ 已发布 2026-02-08")
                fake_api.push_command("/targets", user_id=ADMIN_ID)
                await _admin_says(fake_api, "推送渠道")
                assert _delivered(running, "2026-02-08", ("wecom", "feishu", "mail"))
                open_db(settings.database).close()
        assert smtp.logins == ["digest"] and len(smtp.messages) == 1
    err = capsys.readouterr().err
    assert "HTTP Request: POST" in err and "<secret>" in err  # httpx did log, redacted
    assert "not delivered: network error" in err  # the failing target's warning
    admin = "\n".join(m["text"] or "" for m in fake_api.sent(ADMIN_ID))
    for secret in (WECOM_KEY, FEISHU_HOOK, FEISHU_SECRET, DING_TOKEN, DING_SECRET, password,
                   "down-token-31", "SECdown-secret-55", fake_api.token):
        assert secret not in err, secret
        assert secret not in admin, secret
    assert Path(settings.db_path).exists()


# --- answers that look like success ------------------------------------------------------------


async def test_feishu_answering_http_200_with_an_error_code_is_not_delivered(db, robots) -> None:
    # 飞书 answers most refusals with HTTP 200 and a non-zero code (here: a keyword the robot's
    # security settings require is missing): that message did not arrive.
    settings = load_settings({"FEISHU_WEBHOOK": robots.add("feishu", "coded-hook")}, env_file=None)
    robots.script("feishu", "coded-hook", (200, {"code": 19024, "msg": "Key Words Not Found"}))
    state = BotState()
    state.attach(db, dataclasses.replace(settings, admin_ids=frozenset()))
    (outcome,) = await target_delivery.deliver(None, state, "2026-02-08")
    assert outcome.status == "failed" and outcome.sent == 0
    key = state.targets[0].key
    assert not records.is_delivered(db, "2026-02-08", key)
    (record,) = records.target_states(db, [key])
    assert "19024" in (record.error or "") and record.pending_sent == 0
    assert robots.robot("feishu", "coded-hook").accepted == []


async def test_the_target_failure_alert_is_in_each_admins_language(start_bot, fake_api, robots,
                                                                    targets, monkeypatch) -> None:
    monkeypatch.setattr(schedule, "daily_post", _no_daily_post)
    english_admin = ADMIN_ID + 1
    robots.script("feishu", FEISHU_HOOK, (200, {"code": 19024, "msg": "Key Words Not Found"}))
    async with start_bot(admin_ids=frozenset({ADMIN_ID, english_admin}), **targets) as running:
        readers.choose_language(running.db, english_admin, "en")
        await target_delivery.deliver(running.app.bot, _state(running), "2026-02-08")
        chinese = await _admin_says(fake_api, "没能收到")
        await fake_api.wait_for_async(_to_chat(english_admin, "did not get the digest"), timeout=60)
    (english,) = [m for m in fake_api.sent(english_admin) if "19024" in (m["text"] or "")]
    assert "did not get the digest of 2026-02-08" in english["text"]
    assert "没能收到" not in english["text"]
    assert "没能收到 2026-02-08 的日报" in chinese["text"] and "19024" in chinese["text"]
