"""Telegram HTML about the delivery targets beside Telegram: /targets, /stats lines, the /push
summary and the admins' alert when a target keeps failing. A target is always shown as its
platform and short fingerprint, never its URL or key. In the admin's language (`lang`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.i18n import Translations
from bot.render import Reply, esc
from bot.targets.base import KIND_NAMES
from storage.targets import DeliveryStatus, TargetState


class Outcome(Protocol):
    """What render needs of bot/targets/deliver.py's TargetOutcome (read only: it is frozen)."""

    @property
    def target(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def status(self) -> DeliveryStatus: ...

    @property
    def sent(self) -> int: ...

    @property
    def total(self) -> int: ...

    @property
    def error(self) -> str | None: ...


def _name(lang: Translations, kind: str, label: str) -> str:
    kind_name = lang.gettext(KIND_NAMES[kind]) if kind in KIND_NAMES else kind
    return f"{kind_name} <code>{esc(label.split(':', 1)[-1])}</code>"


def delivery_failed(lang: Translations, kind: str, label: str, date: str, error: str) -> Reply:
    """Return the admins' alert: a target did not take the digest of `date` (said once per run)."""
    return Reply(lang.gettext("⚠️ {target} 没能收到 {date} 的日报：{error}\n"
                              "已发出的消息不会重发；稍后会自动重试，也可以用 /push 继续，"
                              "/targets 查看状态。").format(
        target=_name(lang, kind, label), date=esc(date), error=f"<code>{esc(error)}</code>"))


def push_summary(lang: Translations, outcomes: Sequence[Outcome]) -> str:
    """Return one line per target for the /push answer (plain text: the caller escapes it)."""
    _ = lang.gettext
    words = {DeliveryStatus.DELIVERED: _("✅ 已送达"), DeliveryStatus.ALREADY: _("已送达过"),
             DeliveryStatus.BUSY: _("⏳ 另一实例正在发送"), DeliveryStatus.FAILED: _("❌ 未完成")}
    lines = []
    for o in outcomes:
        line = _("{target}：{status}").format(
            target=f"{_(KIND_NAMES[o.kind]) if o.kind in KIND_NAMES else o.kind} "
                   f"{o.target.split(':', 1)[-1]}",
            status=words[o.status])
        if o.status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
            line += _("（本次 {sent}/{total} 条）").format(sent=o.sent, total=o.total)
        if o.error:
            line += f" {o.error}"
        lines.append(line)
    return "\n".join(lines)


def push_report(lang: Translations, date: str, outcomes: Sequence[Outcome]) -> Reply:
    """Return the /push answer about the other platforms: one line per target."""
    return Reply(esc(lang.gettext("{date} 其他渠道：").format(date=date) + "\n"
                     + push_summary(lang, outcomes)))


def _state_line(lang: Translations, kind: str, label: str, state: TargetState) -> str:
    _ = lang.gettext
    line = _("{target}：上次送达 {date}").format(target=_name(lang, kind, label),
                                             date=esc(state.last_date or "—"))
    if state.last_at:
        line += _("（{at}）").format(at=esc(state.last_at))
    if state.pending_date:
        line += "\n   ⏳ " + _("{date} 进行中：{sent}/{total} 条").format(
            date=esc(state.pending_date), sent=state.pending_sent, total=state.pending_total)
        if state.error:
            line += _("，最近错误 {error}").format(error=f"<code>{esc(state.error)}</code>")
    return line


def targets_list(lang: Translations, targets: Sequence[tuple[str, str]],
                 states: Sequence[TargetState]) -> Reply:
    """Return /targets: each configured target (kind, label) and its state."""
    _ = lang.gettext
    if not targets:
        return Reply(_("没有配置其他推送渠道。可在 .env 中设置 WECOM_WEBHOOK、FEISHU_WEBHOOK、"
                       "DINGTALK_WEBHOOK 或 SMTP_URL + MAIL_TO（见 README）。"))
    lines = [lang.ngettext("📡 <b>推送渠道</b>（Telegram 之外，共 {n} 个）",
                           "📡 <b>推送渠道</b>（Telegram 之外，共 {n} 个）", len(targets))
             .format(n=len(targets))]
    for (kind, label), state in zip(targets, states, strict=True):
        lines.append(f"• {_state_line(lang, kind, label, state)}\n   "
                     + lang.ngettext("已确认消息 {n} 条", "已确认消息 {n} 条", state.messages)
                     .format(n=state.messages))
    return Reply("\n".join(lines))


def stats_lines(lang: Translations, targets: Sequence[tuple[str, str]],
                states: Sequence[TargetState]) -> list[str]:
    """Return the /stats lines: each target's last delivery."""
    _ = lang.gettext
    return [_("{target}：上次送达 {date}").format(target=_name(lang, kind, label),
                                              date=esc(state.last_date or "—"))
            + (_("（{at}）").format(at=esc(state.last_at)) if state.last_at else "")
            + (" ⚠️" if state.error else "")
            for (kind, label), state in zip(targets, states, strict=True)]
