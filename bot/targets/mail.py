"""E-mail: one message per digest to all recipients, sent with the standard library.

The message is an `email.message.EmailMessage`, multipart/alternative with a plain-text and an
HTML part (`mail_message`: the HTML from templates/digest_mail.html, Jinja2 autoescaped as the
site's pages), Subject with the date and the digest's title, From, To, Date
and a Message-ID made from the digest's date, run and this target, so a message sent twice after
a crash (accepted, but not yet recorded) is one message to mail clients that de-duplicate.

SMTP_URL: `smtps://user:pass@host:465` (TLS from the start), `smtp://user:pass@host:587`
(STARTTLS), or `smtp://host:25` (a local relay; STARTTLS when the server offers it). A password
is never sent over an unencrypted connection. smtplib blocks, so `send` runs it in a thread.
"""

from __future__ import annotations

import asyncio
import functools
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, localtime
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from bot import links, present
from bot.targets.base import HTTP_TIMEOUT_S, DeliveryError, Target
from storage.model import DigestSummary, Item

if TYPE_CHECKING:
    import jinja2


class MailTarget(Target):
    """The digest by e-mail to MAIL_TO, through the SMTP server of SMTP_URL."""

    kind = "mail"

    def __init__(self, smtp_url: str, sender: str, recipients: tuple[str, ...],
                 tls: ssl.SSLContext | None = None) -> None:
        parts = urlsplit(smtp_url)
        self.user, self.password = unquote(parts.username or ""), unquote(parts.password or "")
        # The fingerprint covers the server and the recipients, never the credentials.
        server = f"{parts.scheme}://{parts.hostname}:{parts.port or ''}"
        super().__init__(f"{server} {','.join(recipients)}",
                         [parts.password or "", self.password, smtp_url])
        self.scheme, self.host = parts.scheme, parts.hostname or ""
        self.port = parts.port or (465 if parts.scheme == "smtps" else 25)
        self.sender, self.recipients = sender, recipients
        self.tls = tls or ssl.create_default_context()

    def render(self, header: DigestSummary, items: list[Item], web_url: str) -> list[MailParts]:
        """Return the digest as one e-mail."""
        return [mail_message(header, items, web_url)]

    def message(self, parts: MailParts, ref: str) -> EmailMessage:
        """Return the e-mail of `parts`: multipart/alternative, text then HTML, with its headers."""
        message = EmailMessage()
        message["Subject"] = parts.subject
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message["Date"] = format_datetime(localtime())
        domain = self.sender.rsplit("@", 1)[-1]
        message["Message-ID"] = f"<digest-{ref}-{self._fingerprint}@{domain}>"
        message.set_content(parts.text)
        message.add_alternative(parts.html, subtype="html")
        return message

    async def send(self, message: MailParts, ref: str) -> None:
        """Send the e-mail; return once the server accepted it for at least one recipient."""
        await asyncio.to_thread(self._send, self.message(message, ref))

    def _send(self, message: EmailMessage) -> None:
        try:
            if self.scheme == "smtps":
                client: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=HTTP_TIMEOUT_S,
                                                        context=self.tls)
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=HTTP_TIMEOUT_S)
            with client:
                if self.scheme == "smtp":
                    client.ehlo()
                    if client.has_extn("starttls"):
                        client.starttls(context=self.tls)
                        client.ehlo()
                    elif self.user:
                        raise DeliveryError("the server offers no STARTTLS: the password is not "
                                            "sent unencrypted (use smtps:// or port 587)", retry=False)
                if self.user:
                    client.login(self.user, self.password)
                client.send_message(message)
        except smtplib.SMTPResponseException as exc:  # 4xx: try again later; 5xx: refused
            text = exc.smtp_error.decode("utf-8", "replace") if isinstance(
                exc.smtp_error, bytes) else str(exc.smtp_error)
            raise DeliveryError(self.redact(f"SMTP {exc.smtp_code} {text}")[:300],
                                retry=400 <= exc.smtp_code < 500) from None
        except smtplib.SMTPRecipientsRefused:
            raise DeliveryError("every recipient was refused", retry=False) from None
        except (OSError, smtplib.SMTPException) as exc:  # connection, TLS, timeouts, disconnects
            retry = not isinstance(exc, ssl.SSLCertVerificationError)
            raise DeliveryError(self.redact(f"{type(exc).__name__}: {exc}")[:300], retry=retry) from None


# --- the message ------------------------------------------------------------------------------------


@functools.cache
def _template() -> jinja2.Template:
    """Return the e-mail's HTML template (Jinja2, autoescaped; loaded once)."""
    import jinja2  # only the mail target renders HTML

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("bot.targets", "templates"), autoescape=True,
        trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined, auto_reload=False,
        finalize=lambda value: present.strip_control(value) if isinstance(value, str) else value)
    return environment.get_template("digest_mail.html")


@dataclass(frozen=True)
class MailParts:
    """One digest as an e-mail: the subject and the two bodies of multipart/alternative."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class _Entry:
    number: int
    item: Item
    source: str  # the source's http(s) address, "" for none
    archive: str  # the item's page on the web archive, "" without WEB_URL


@dataclass(frozen=True)
class _Section:
    category: str
    icon: str
    entries: list[_Entry]


def mail_message(header: DigestSummary, items: list[Item], web_url: str = "") -> MailParts:
    """Return the digest as one e-mail: subject with the date and title, plain text and HTML."""
    sections = [_Section(section.category, section.icon, [
        _Entry(n, i, present.link_target(i.source_url),
               links.item_url(web_url, i.id) if i.id is not None else "")
        for n, i in section.items]) for section in present.sections(items)]
    day = links.day_url(web_url, header.date)
    one_line = present.one_line
    subject = f"AI 日报 {header.date} · {one_line(header.title)}"
    lines = [f"{one_line(header.title)}", f"{header.date} · 共 {len(items)} 条"]
    if day:
        lines.append(f"在网页上查看：{day}")
    for section in sections:
        lines += ["", f"{section.icon} {section.category}", ""]
        for entry in section.entries:
            item = entry.item
            lines.append(f"{entry.number}. {one_line(item.title)}")
            lines += [f"   {one_line(t)}" for t in (item.summary, item.analysis) if t]
            lines += [f"   • {one_line(p)}" for p in item.points]
            if item.source_name or entry.source:
                lines.append(f"   来源：{item.source_name or '原文'} {entry.source}".rstrip())
            if entry.archive:
                lines.append(f"   存档：{entry.archive}")
            lines.append("")
    html = _template().render(header=header, sections=sections, day=day, total=len(items))
    return MailParts(present.strip_control(subject),
                     present.strip_control("\n".join(lines).rstrip() + "\n"), html)
