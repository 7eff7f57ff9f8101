"""A local SMTP server (aiosmtpd) that keeps what it receives: a plain relay, or STARTTLS with a
self-signed certificate for 127.0.0.1 and AUTH (it refuses AUTH before STARTTLS)."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import subprocess
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """Return a self-signed certificate and key for 127.0.0.1 (made with the openssl command)."""
    cert, key = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FakeSMTP:
    """Receives mail on a free loopback port; `messages` are the parsed EmailMessages."""

    def __init__(self, certificate: tuple[Path, Path] | None = None,
                 login: tuple[str, str] | None = None, refuse: int = 0) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.logins: list[str] = []
        self.refuse = refuse  # answer the next `refuse` DATA commands 451 (try again later)
        self.port = _free_port()
        kwargs: dict[str, Any] = {}
        if certificate is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(certificate[0]), str(certificate[1]))
            kwargs.update(tls_context=context, require_starttls=True)
        if login is not None:
            kwargs.update(authenticator=self._authenticator(login), auth_required=True,
                          auth_require_tls=True)
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)

    def _authenticator(self, login: tuple[str, str]):
        def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
            ok = isinstance(data, LoginPassword) and (
                data.login.decode(), data.password.decode()) == login
            if ok:
                self.logins.append(data.login.decode())
            return AuthResult(success=ok)
        return check

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def __enter__(self) -> Self:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
