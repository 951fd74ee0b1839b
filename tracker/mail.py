"""E-mail: ``send_email(to, template, **ctx)`` renders templates/email/<template>.txt/.html.

With ``MAIL_SERVER`` set, messages go through SMTP (TLS/SSL and login as configured);
without it they are written as .eml files under ``MAIL_OUTBOX_FOLDER`` (default
instance/outbox/). Every send is logged, and raises MailError when delivery fails so the
caller can record the failure and retry later.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app, render_template
from jinja2 import TemplateNotFound

from tracker.files import open_private, private_folder
from tracker.links import base_url


class MailError(Exception):
    """Delivery failed (SMTP refused, unreachable, …); the message says why."""


class PermanentMailError(MailError):
    """The server refused this message or its recipient for good (a 5xx reply to RCPT or
    DATA): sending it again will not help."""


def _is_permanent(exc: Exception) -> bool:
    """A 5xx refusal of the recipient(s) or of the message itself. A 5xx to the login or
    the sender is the server's configuration, which an administrator fixes: retried."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPDataError):
        return 500 <= exc.smtp_code < 600
    return False


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str  # "text/calendar; method=REQUEST", "application/pdf", …


@dataclass(frozen=True)
class SentMail:
    message_id: str
    transport: str  # "smtp" or "file"
    location: str | None  # the .eml path for the file transport


def header_text(value: object) -> str:
    """Text fit for one header line: CR, LF and every other control character become a
    space and runs of spaces fold to one (a workshop title typed with a line break must not
    start a new header, nor make the message unsendable)."""
    return " ".join("".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in str(value)).split())


def outbox_folder() -> Path:
    configured = current_app.config.get("MAIL_OUTBOX_FOLDER")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "outbox"
    return private_folder(folder)


def build_message(
    to: Sequence[str] | str,
    template: str,
    *,
    subject: str,
    cc: Sequence[str] = (),
    attachments: Sequence[Attachment] = (),
    now: dt.datetime | None = None,
    **context: object,
) -> EmailMessage:
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        raise MailError("no recipient")
    message = EmailMessage()
    message["Subject"] = header_text(subject)
    message["From"] = header_text(current_app.config["MAIL_DEFAULT_SENDER"])
    message["To"] = ", ".join(header_text(r) for r in recipients)
    if cc:
        message["Cc"] = ", ".join(header_text(c) for c in cc)
    message["Date"] = format_datetime(now or dt.datetime.now(dt.UTC))
    domain = str(current_app.config["MAIL_DEFAULT_SENDER"]).rpartition("@")[2].strip("> ")
    message["Message-ID"] = make_msgid(domain=domain or None)
    context = {"subject": subject, **context}
    message.set_content(render_template(f"email/{template}.txt", **context))
    try:
        html = render_template(f"email/{template}.html", **context)
    except TemplateNotFound:
        html = None
    if html is not None:
        message.add_alternative(html, subtype="html")
    for attachment in attachments:
        maintype, _, rest = attachment.mimetype.partition("/")
        subtype, _, params = rest.partition(";")
        extra = dict(p.strip().split("=", 1) for p in params.split(";") if "=" in p)
        message.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype.strip(),
            filename=header_text(attachment.filename),
            params=extra,
        )
    return message


def deliver(message: EmailMessage) -> SentMail:
    """Send a built message by SMTP, or write it to the outbox folder."""
    base_url()  # no e-mail leaves with links to an unset address (ConfigurationError)
    config = current_app.config
    message_id = str(message["Message-ID"])
    if not config.get("MAIL_SERVER"):
        path = outbox_folder() / (
            f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
        )
        with open_private(path) as handle:
            handle.write(bytes(message))
        current_app.logger.info("mail %s to %s written to %s", message_id, message["To"], path)
        return SentMail(message_id, "file", str(path))
    host, port = config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25)
    timeout = float(config.get("MAIL_TIMEOUT") or 30)
    try:
        if config.get("MAIL_USE_SSL"):
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        current_app.logger.warning("mail %s to %s failed: %s", message_id, message["To"], exc)
        error = PermanentMailError if _is_permanent(exc) else MailError
        raise error(f"{type(exc).__name__}: {exc}") from exc
    current_app.logger.info("mail %s to %s sent via %s:%s", message_id, message["To"], host, port)
    return SentMail(message_id, "smtp", None)


def send_email(
    to: Sequence[str] | str,
    template: str,
    *,
    subject: str,
    cc: Sequence[str] = (),
    attachments: Sequence[Attachment] = (),
    **context: object,
) -> SentMail:
    """Render and send one e-mail; raises MailError when it could not be delivered."""
    message = build_message(
        to, template, subject=subject, cc=cc, attachments=attachments, **context
    )
    return deliver(message)
