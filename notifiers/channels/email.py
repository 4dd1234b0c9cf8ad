"""E-mail: one multipart message (plain text + HTML) per digest or per immediate alert.

Built with `email.message.EmailMessage` and the default policy, so Chinese subjects and
sender names are RFC 2047-encoded and bodies UTF-8; sent with smtplib over STARTTLS,
implicit TLS (`security = "ssl"`) or plain (`"none"`), logging in when a user is set.
The Message-ID is derived from the idempotency key, so a resend after a crash carries
the same ID and mail clients can fold the duplicate.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime
from typing import Any, Mapping

from notifiers.channels.base import Channel, ChannelContext, Outgoing
from notifiers.escape import one_line
from notifiers.render import build_digest
from tracker.core.config import SubscriptionConfig
from tracker.core.errors import DeliveryError

SECURITY_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


def _address(value: str, display_name: str = "") -> Address:
    if value.count("@") != 1 or not all(value.split("@")):
        raise ValueError(f"{value!r} is not an e-mail address")
    return Address(display_name=display_name, addr_spec=value)


@dataclass(frozen=True)
class EmailOptions:
    """The validated `[[subscription]]` options of an e-mail subscription."""

    to: tuple[Address, ...]
    sender: Address
    smtp_host: str
    smtp_port: int
    security: str
    smtp_user: str | None
    smtp_password: str | None
    send_empty: bool
    ca_file: str | None

    @classmethod
    def parse(cls, options: Mapping[str, Any]) -> EmailOptions:
        """Read and check the options; ValueError says which one is wrong."""
        to = options.get("to")
        recipients = [to] if isinstance(to, str) else to
        if not recipients or not isinstance(recipients, list) or not all(isinstance(r, str) for r in recipients):
            raise ValueError("option `to` must be an e-mail address or a list of them")
        sender = options.get("from")
        if not isinstance(sender, str):
            raise ValueError("option `from` (the sender address) is required")
        host = options.get("smtp_host")
        if not isinstance(host, str) or not host:
            raise ValueError("option `smtp_host` is required")
        security = options.get("security", "starttls")
        if security not in SECURITY_MODES:
            raise ValueError(f"option `security` must be one of {', '.join(SECURITY_MODES)}, got {security!r}")
        port = options.get("smtp_port", DEFAULT_PORTS[security])
        if isinstance(port, str) and port.isdigit():
            port = int(port)
        if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
            raise ValueError(f"option `smtp_port` must be a port number, got {port!r}")
        user, password = options.get("smtp_user"), options.get("smtp_password")
        if bool(user) != bool(password):
            raise ValueError("options `smtp_user` and `smtp_password` go together")
        send_empty = options.get("send_empty", False)
        if not isinstance(send_empty, bool):
            raise ValueError("option `send_empty` must be true or false")
        return cls(
            to=tuple(_address(r) for r in recipients),
            sender=_address(sender, str(options.get("from_name", "政策追踪 Policy Tracker"))),
            smtp_host=host,
            smtp_port=port,
            security=security,
            smtp_user=user or None,
            smtp_password=password or None,
            send_empty=send_empty,
            ca_file=options.get("ca_file"),
        )


class EmailChannel(Channel):
    kind = "email"
    needs_url = False
    known_options = frozenset(
        {"to", "from", "from_name", "smtp_host", "smtp_port", "smtp_user", "smtp_password", "security", "ca_file"}
    )

    @classmethod
    def check_options(cls, options: Mapping[str, Any]) -> None:
        super().check_options(options)
        EmailOptions.parse(options)

    def __init__(self, subscription: SubscriptionConfig, context: ChannelContext) -> None:
        super().__init__(subscription, context)
        self.options = EmailOptions.parse(subscription.options)

    def compose(self, outgoing: Outgoing) -> EmailMessage:
        """The message as it will be sent (also used by `tracker digest --preview`)."""
        renderer = self.context.renderer
        end = outgoing.period_end or self.context.clock()
        digest = build_digest(self.subscription.name, outgoing.alerts, outgoing.period_start, end, renderer.tz)
        if outgoing.digest:
            subject = f"政策动态摘要：{digest.count} 条更新（{digest.period_text}）"
        else:
            (alert,) = outgoing.alerts
            subject = one_line(f"[{alert.kind_zh}] {alert.title}")
        message = EmailMessage(policy=default_policy)
        message["Subject"] = subject
        message["From"] = self.options.sender
        message["To"] = self.options.to
        message["Date"] = format_datetime(self.context.clock())
        digest_id = hashlib.sha256(outgoing.idempotency_key.encode("utf-8")).hexdigest()[:32]
        message["Message-ID"] = f"<{digest_id}@policy-tracker>"
        message["X-Tracker-Idempotency-Key"] = outgoing.idempotency_key
        message.set_content(renderer.digest_text(digest))
        message.add_alternative(renderer.digest_html(digest), subtype="html")
        return message

    def send(self, outgoing: Outgoing) -> None:
        message = self.compose(outgoing)
        try:
            with self._connect() as smtp:
                if self.options.smtp_user and self.options.smtp_password:
                    smtp.login(self.options.smtp_user, self.options.smtp_password)
                smtp.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"SMTP login refused: {exc.smtp_code} {_text(exc.smtp_error)}", code=str(exc.smtp_code), retryable=False) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            codes = {code for code, _ in exc.recipients.values()}
            detail = "; ".join(f"{rcpt}: {code} {_text(err)}" for rcpt, (code, err) in exc.recipients.items())
            raise DeliveryError(f"recipients refused: {detail}", code=str(max(codes)), retryable=all(400 <= c < 500 for c in codes)) from exc
        except smtplib.SMTPResponseException as exc:
            retryable = 400 <= exc.smtp_code < 500
            raise DeliveryError(f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}", code=str(exc.smtp_code), retryable=retryable) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(f"SMTP server does not support it: {exc}", code="unsupported", retryable=False) from exc
        except ssl.SSLCertVerificationError as exc:
            raise DeliveryError(f"TLS certificate not trusted: {exc.verify_message}", code="tls", retryable=False) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP connection failed: {type(exc).__name__}: {exc}", code="network", retryable=True) from exc

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.options.ca_file)

    def _connect(self) -> smtplib.SMTP:
        options, timeout = self.options, self.context.smtp_timeout
        if options.security == "ssl":
            return smtplib.SMTP_SSL(options.smtp_host, options.smtp_port, timeout=timeout, context=self._tls_context())
        smtp = smtplib.SMTP(options.smtp_host, options.smtp_port, timeout=timeout)
        try:
            if options.security == "starttls":
                smtp.starttls(context=self._tls_context())
        except BaseException:
            smtp.close()
            raise
        return smtp


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
