"""Telegram HTML about the delivery targets beside Telegram: /targets, /stats lines, the /push
summary and the admins' alert when a target keeps failing. A target is always shown as its
platform and short fingerprint, never its URL or key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.render import Reply, esc
from bot.render.targets import KIND_NAMES
from storage.targets import TargetState


class Outcome(Protocol):
    """What render needs of bot/targets/deliver.py's TargetOutcome."""

    target: str
    kind: str
    status: str
    sent: int
    total: int
    error: str | None


def _name(kind: str, label: str) -> str:
    return f"{KIND_NAMES.get(kind, kind)} <code>{esc(label.split(':', 1)[-1])}</code>"


def delivery_failed(kind: str, label: str, date: str, error: str) -> Reply:
    """Return the admins' alert: a target did not take the digest of `date` (said once per run)."""
    return Reply(f"⚠️ {_name(kind, label)} 没能收到 {esc(date)} 的日报：<code>{esc(error)}</code>\n"
                 "已发出的消息不会重发；稍后会自动重试，也可以用 /push 继续，/targets 查看状态。")


def push_summary(outcomes: Sequence[Outcome]) -> str:
    """Return one line per target for the /push answer (plain text: the caller escapes it)."""
    words = {"delivered": "✅ 已送达", "already": "已送达过", "busy": "⏳ 另一实例正在发送",
             "failed": "❌ 未完成"}
    lines = []
    for o in outcomes:
        line = (f"{KIND_NAMES.get(o.kind, o.kind)} {o.target.split(':', 1)[-1]}："
                f"{words.get(o.status, o.status)}")
        if o.status in ("delivered", "failed"):
            line += f"（本次 {o.sent}/{o.total} 条）"
        if o.error:
            line += f" {o.error}"
        lines.append(line)
    return "\n".join(lines)


def _state_line(kind: str, label: str, state: TargetState) -> str:
    line = f"{_name(kind, label)}：上次送达 {esc(state.last_date or '—')}"
    if state.last_at:
        line += f"（{esc(state.last_at)}）"
    if state.pending_date:
        line += (f"\n   ⏳ {esc(state.pending_date)} 进行中：{state.pending_sent}/"
                 f"{state.pending_total} 条")
        if state.error:
            line += f"，最近错误 <code>{esc(state.error)}</code>"
    return line


def targets_list(targets: Sequence[tuple[str, str]], states: Sequence[TargetState]) -> Reply:
    """Return /targets: each configured target (kind, label) and its state."""
    if not targets:
        return Reply("没有配置其他推送渠道。可在 .env 中设置 WECOM_WEBHOOK、FEISHU_WEBHOOK、"
                     "DINGTALK_WEBHOOK 或 SMTP_URL + MAIL_TO（见 README）。")
    lines = [f"📡 <b>推送渠道</b>（Telegram 之外，共 {len(targets)} 个）"]
    for (kind, label), state in zip(targets, states, strict=True):
        lines.append(f"• {_state_line(kind, label, state)}\n   已确认消息 {state.messages} 条")
    return Reply("\n".join(lines))


def stats_lines(targets: Sequence[tuple[str, str]], states: Sequence[TargetState]) -> list[str]:
    """Return the /stats lines: each target's last delivery."""
    return [f"{_name(kind, label)}：上次送达 {esc(state.last_date or '—')}"
            + (f"（{esc(state.last_at)}）" if state.last_at else "")
            + (" ⚠️" if state.error else "")
            for (kind, label), state in zip(targets, states, strict=True)]
