"""Delivery targets beside Telegram: 企业微信, 飞书 and 钉钉 group robots, and e-mail.

`build_targets(settings)` makes one Target per configured robot URL and one for e-mail;
bot/targets/deliver.py sends a day's digest to all of them, exactly once each.
"""

from __future__ import annotations

from bot.config import Settings
from bot.targets.base import DeliveryError, Target
from bot.targets.dingtalk import DingtalkRobot
from bot.targets.feishu import FeishuBot
from bot.targets.mail import MailTarget
from bot.targets.wecom import WecomRobot

__all__ = ["DeliveryError", "Target", "build_targets", "target_secrets"]


def build_targets(settings: Settings) -> list[Target]:
    """Return the targets configured in `settings`, robots in the order given, e-mail last."""
    targets: list[Target] = [WecomRobot(url) for url in settings.wecom_webhooks]
    targets += [FeishuBot(url, secret)
                for url, secret in zip(settings.feishu_webhooks, settings.feishu_secrets, strict=True)]
    targets += [DingtalkRobot(url, secret) for url, secret
                in zip(settings.dingtalk_webhooks, settings.dingtalk_secrets, strict=True)]
    if settings.smtp_url:
        targets.append(MailTarget(settings.smtp_url, settings.mail_from, settings.mail_to))
    return targets


def target_secrets(settings: Settings) -> list[str]:
    """Return every secret of the configured targets (URLs, keys, tokens, passwords), for the
    log filter."""
    return [secret for target in build_targets(settings) for secret in target.secrets]
