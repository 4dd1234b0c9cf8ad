"""An SMTP server (aiosmtpd) on 127.0.0.1 that requires STARTTLS and AUTH, like a real relay.

The certificate is self-signed for 127.0.0.1/localhost, generated with the `openssl`
CLI; senders trust it through `ca_file`. Received messages are parsed back into
`email.message.EmailMessage` objects for the tests to read.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session, SMTP


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate + key for CN=localhost with 127.0.0.1 in subjectAltName."""
    cert, key = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.raw, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        return parsed


class _Handler:
    def __init__(self, inbox: list[Received], lock: threading.Lock) -> None:
        self.inbox = inbox
        self.lock = lock

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd hook)
        content = envelope.original_content or b""
        with self.lock:
            self.inbox.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), content))
        return "250 OK"


class SMTPReceiver:
    """`with SMTPReceiver(tmp_path) as smtp:` — STARTTLS and LOGIN/PLAIN auth required.

    With `implicit_tls` the whole connection is TLS from the first byte (port 465 style).
    """

    def __init__(self, directory: Path, user: str = "alerts", password: str = "s3cret-pass", *, implicit_tls: bool = False) -> None:
        self.user = user
        self.password = password
        self.cert, self.key = self_signed_certificate(directory)
        self.inbox: list[Received] = []
        self.logins: list[str] = []
        self.lock = threading.Lock()
        self.port = _free_port()
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(str(self.cert), str(self.key))
        self.implicit_tls = implicit_tls
        tls_options: dict[str, Any] = {"ssl_context": tls} if implicit_tls else {"tls_context": tls, "require_starttls": True}
        self.controller = Controller(
            _Handler(self.inbox, self.lock),
            hostname="127.0.0.1",
            port=self.port,
            auth_required=True,
            auth_require_tls=not implicit_tls,  # aiosmtpd cannot tell an implicit-TLS session is encrypted
            authenticator=self._authenticate,
            **tls_options,
        )

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == self.user and auth_data.password.decode() == self.password
        if ok:
            with self.lock:
                self.logins.append(self.user)
        return AuthResult(success=ok, handled=False)

    def options(self, **overrides: Any) -> dict[str, Any]:
        """Subscription options that reach this server."""
        return {
            "to": ["policy-team@example.org"],
            "from": "tracker@example.org",
            "from_name": "政策追踪机器人",
            "smtp_host": "127.0.0.1",
            "smtp_port": self.port,
            "smtp_user": self.user,
            "smtp_password": self.password,
            "security": "ssl" if self.implicit_tls else "starttls",
            "ca_file": str(self.cert),
            **overrides,
        }

    def __enter__(self) -> SMTPReceiver:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
