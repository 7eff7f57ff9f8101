"""Telegram HTML for admins: /stats, the answers of /push, /reindex, /pause, /resume, /schedule,
/weekly, uploads and the publish button, and the notice of a skipped daily post."""

from __future__ import annotations

import datetime as dt

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import present
from bot.i18n import N_, Translations
from bot.render import Reply, esc, pack
from storage.index import IngestOutcome, IngestStatus
from storage.model import ArchiveStats
from storage.posts import PostStats, PostStatus
from storage.readers import ReaderStats


def in_private_only(lang: Translations) -> Reply:
    """Return the answer to an admin command sent in a group (admin output stays private)."""
    return Reply(lang.gettext("管理员命令请在和我的私聊中使用。"))


def in_private_only_alert(lang: Translations) -> str:
    """Return the answer to an admin button pressed in a group (a callback answer: plain text)."""
    return lang.gettext("管理员命令请在和我的私聊中使用。")


def download_failed(lang: Translations, error: str) -> Reply:
    """Return the answer to an upload whose file could not be downloaded (`error`: its kind)."""
    return Reply(lang.gettext("❌ 没能下载这个文件（{error}），请重新发送。").format(error=esc(error)))


def remove_usage(lang: Translations) -> Reply:
    """Return how to use /remove."""
    return Reply(lang.gettext("用法：/remove YYYY-MM-DD，把那天的日报移出索引。"))


def day_removed(lang: Translations, date: str) -> Reply:
    """Return the answer to /remove once the day is out of the index."""
    return Reply(lang.gettext("🗑 已把 {date} 的日报移出索引。日报目录里它的文件不会再被索引，"
                              "除非文件有改动。").format(date=esc(date)))


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


# What /push and the publish button say for each status but POSTED (a count: ngettext below).
PUSH_OUTCOMES: dict[PostStatus, str] = {
    PostStatus.ALREADY: N_("{date} 的日报已经发布过了。要再发一次请用 /push {date} force"),
    PostStatus.BUSY: N_("另一个机器人实例正在发布 {date} 的日报，稍后用 /stats 查看。"),
    PostStatus.MISSING: N_("没有 {date} 的日报。先上传文件或 /reindex。"),
}
PUBLISH_OUTCOMES: dict[PostStatus, str] = {
    PostStatus.ALREADY: N_("{date} 已经发布过了。"),
    PostStatus.BUSY: N_("另一个机器人实例正在发布 {date}。"),
    PostStatus.MISSING: N_("没有 {date} 的日报。"),
}


def push_outcome(lang: Translations, status: PostStatus, date: str, sent: int) -> Reply:
    """Return the answer to /push for each delivery.PostOutcome status."""
    if status == PostStatus.POSTED:
        text = lang.ngettext("✅ 已发布 {date} 的日报（{n} 条消息）。",
                             "✅ 已发布 {date} 的日报（{n} 条消息）。", sent)
    else:
        text = lang.gettext(PUSH_OUTCOMES[status])
    return Reply(text.format(date=esc(date), n=sent))


def publish_outcome(lang: Translations, status: PostStatus, date: str, sent: int) -> Reply:
    """Return the answer to the publish button under an upload preview, per PostOutcome status."""
    if status == PostStatus.POSTED:
        text = lang.ngettext("✅ 已发布 {date}（{n} 条消息）。", "✅ 已发布 {date}（{n} 条消息）。", sent)
    else:
        text = lang.gettext(PUBLISH_OUTCOMES[status])
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


def stats(lang: Translations, archive: ArchiveStats, made: PostStats, paused: bool, post_time: str,
          readers: ReaderStats | None = None, weekly: str | None = None,
          targets: list[str] | None = None, fanout: str | None = None) -> Reply:
    """Return /stats for admins: the archive, posts, readers, the fan-out to subscribers (`fanout`:
    render.fanout.progress_line), the last 7 days' queries and the other platforms' last
    deliveries (`targets`: lines from render.target_status.stats_lines)."""
    _ = lang.gettext
    lines = [_("📊 <b>统计</b>"),
             _("日报：{digests} 期，{items} 条").format(digests=archive.digests, items=archive.items),
             _("日期范围：{first} ~ {last}").format(first=archive.first_date or "—",
                                                 last=archive.last_date or "—"),
             _("已发布：{runs} 次，共 {messages} 条消息").format(runs=made.runs_completed,
                                                         messages=made.messages_sent),
             _("上次发布：{date}（{at}）").format(date=made.last_date or "—",
                                              at=esc(made.last_at or "—")),
             (_("每日发布：已暂停，时间 {time}") if paused else _("每日发布：开启，时间 {time}"))
             .format(time=esc(post_time)),
             _("每周事件榜：每周一 {time}").format(time=esc(weekly)) if weekly
             else _("每周事件榜：关闭")]
    if readers is not None:
        lines += [_("订阅：{subscribers} 人（屏蔽了机器人的 {blocked} 人）").format(
                      subscribers=readers.subscribers, blocked=readers.blocked),
                  _("关键词提醒：{watches} 个，{watchers} 人").format(
                      watches=readers.watches, watchers=readers.watchers)]
        if fanout:
            lines.append(esc(fanout))
        per_day = _("，").join(f"{day[5:]} {n}" for day, n in readers.queries_per_day) or "—"
        lines.append(_("近 7 天每日查询：{counts}").format(counts=per_day))
        if readers.top_queries:
            lines.append(_("近 7 天热门查询：{queries}").format(queries=_("，").join(
                _("{query}（{n}）").format(query=esc(present.shorten(query, 20)), n=n)
                for query, n in readers.top_queries)))
    if targets:
        lines.append(_("其他渠道："))
        lines += [f"  {line}" for line in targets]
    return Reply("\n".join(lines))


def reindex_started(lang: Translations) -> Reply:
    """Return what /reindex says at once: the scan began (its result follows when it is done)."""
    return Reply(lang.gettext("🔄 正在扫描日报目录，完成后把结果发给你；其间机器人照常回答读者。"))


def reindex_report(lang: Translations, outcomes: list[IngestOutcome]) -> Reply:
    """Return the /reindex answer: counts, then every file that changed or was rejected."""
    changed = [o for o in outcomes if o.status != IngestStatus.UNCHANGED]
    counts = {s.value: sum(o.status == s for o in outcomes) for s in IngestStatus}
    lines = [lang.ngettext("🔄 扫描完成：{n} 个文件，新索引 {indexed}，未变 {unchanged}，拒绝 {rejected}",
                           "🔄 扫描完成：{n} 个文件，新索引 {indexed}，未变 {unchanged}，拒绝 {rejected}",
                           len(outcomes)).format(n=len(outcomes), **counts)]
    lines += [f"<code>{esc(o.line())}</code>" for o in changed]
    return Reply(pack(lines[1:], header=lines[0])[0] if changed else lines[0])


def upload_result(lang: Translations, line: str, ok: bool, date: str | None) -> Reply:
    """Return the answer to an uploaded digest file, with a publish button when it was indexed."""
    _ = lang.gettext
    if not ok:
        return Reply(_("❌ 文件未通过校验：\n{line}").format(line=f"<code>{esc(line)}</code>"))
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(_("📢 立即发布到频道"),
                                                           callback_data=f"p:{date}")]])
    return Reply(_("✅ 已索引：{line}\n下面是频道消息预览。").format(line=f"<code>{esc(line)}</code>"),
                 keyboard)
