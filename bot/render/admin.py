"""Telegram HTML for admins: the answers of /push, /pause, /resume, /schedule, /weekly, uploads and the
publish button, and the notice of a skipped daily post. (/stats, /reindex and the upload report are in
bot/render/__init__.py.)"""

from __future__ import annotations

import datetime as dt

from bot.i18n import Translations
from bot.render import Reply, esc
from storage.posts import PostStatus


def push_usage(lang: Translations) -> Reply:
    """Return the answer to /push with a malformed date."""
    return Reply(lang.gettext("日期格式不对，请用 /push 2026-02-08 [force]"))


def no_channel(lang: Translations) -> Reply:
    """Return the answer to /push when CHANNEL_ID is not set."""
    return Reply(lang.gettext("没有配置 CHANNEL_ID，无法发布。"))


def no_channel_alert(lang: Translations) -> str:
    """Return the alert of the publish button when CHANNEL_ID is not set (plain text)."""
    return lang.gettext("没有配置 CHANNEL_ID。")


def publishing_alert(lang: Translations) -> str:
    """Return the answer of the publish button while it posts (plain text)."""
    return lang.gettext("正在发布…")


def push_outcome(lang: Translations, status: PostStatus, date: str, sent: int) -> Reply:
    """Return the answer to /push for each delivery.PostOutcome status."""
    _ = lang.gettext
    if status == PostStatus.POSTED:
        text = lang.ngettext("✅ 已发布 {date} 的日报（{n} 条消息）。",
                             "✅ 已发布 {date} 的日报（{n} 条消息）。", sent)
    elif status == PostStatus.ALREADY:
        text = _("{date} 的日报已经发布过了。要再发一次请用 /push {date} force")
    elif status == PostStatus.BUSY:
        text = _("另一个机器人实例正在发布 {date} 的日报，稍后用 /stats 查看。")
    else:
        text = _("没有 {date} 的日报。先上传文件或 /reindex。")
    return Reply(text.format(date=esc(date), n=sent))


def publish_outcome(lang: Translations, status: PostStatus, date: str, sent: int) -> Reply:
    """Return the answer to the publish button under an upload preview, per PostOutcome status."""
    _ = lang.gettext
    if status == PostStatus.POSTED:
        text = lang.ngettext("✅ 已发布 {date}（{n} 条消息）。", "✅ 已发布 {date}（{n} 条消息）。", sent)
    elif status == PostStatus.ALREADY:
        text = _("{date} 已经发布过了。")
    elif status == PostStatus.BUSY:
        text = _("另一个机器人实例正在发布 {date}。")
    else:
        text = _("没有 {date} 的日报。")
    return Reply(text.format(date=esc(date), n=sent))


def scan_busy(lang: Translations) -> Reply:
    """Return the answer to /reindex while another process scans."""
    return Reply(lang.gettext("另一个机器人实例正在扫描日报目录，请稍后再试。"))


def paused(lang: Translations) -> Reply:
    """Return the answer to /pause."""
    return Reply(lang.gettext("⏸ 每日发布已暂停。用 /resume 恢复。"))


def resumed(lang: Translations) -> Reply:
    """Return the answer to /resume."""
    return Reply(lang.gettext("▶️ 每日发布已恢复。"))


def schedule_usage(lang: Translations) -> Reply:
    """Return the answer to /schedule with a malformed time."""
    return Reply(lang.gettext("时间格式不对，请用 /schedule 08:30"))


def schedule_changed(lang: Translations, value: str, timezone: str) -> Reply:
    """Return the answer to /schedule: the new daily post time and its time zone."""
    return Reply(lang.gettext("⏰ 每日发布时间已改为 {time}（{timezone}）。").format(
        time=esc(value), timezone=esc(timezone)))


def weekly_usage(lang: Translations) -> Reply:
    """Return the answer to /weekly with something other than HH:MM or off."""
    return Reply(lang.gettext("格式不对，请用 /weekly 09:00 或 /weekly off"))


def weekly_post_setting(lang: Translations, value: str | None) -> Reply:
    """Return the answer to /weekly: when the board is posted to the channel, or that it is off."""
    if not value:
        return Reply(lang.gettext("每周一事件榜：已关闭。开启：/weekly 09:00"))
    return Reply(lang.gettext("每周一 {time} 会把上周事件榜发到频道。关闭：/weekly off").format(
        time=esc(value)))


def upload_too_large(lang: Translations, limit_mb: int) -> Reply:
    """Return the answer to an uploaded file over the size limit."""
    return Reply(lang.gettext("文件太大（上限 {limit} MB）。").format(limit=limit_mb))


def missing_digest(lang: Translations, date: str, gave_up_at: dt.time) -> Reply:
    """Return the notice to admins that the day's post was skipped: no digest by `gave_up_at`."""
    return Reply(lang.gettext("⚠️ 到 {time} 仍没有 {date} 的日报，今天的频道发布已跳过。"
                              "上传日报文件后可用 /push {date} 手动发布。").format(
        time=f"{gave_up_at:%H:%M}", date=esc(date)))
