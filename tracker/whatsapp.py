"""WhatsApp: approved template messages through the WhatsApp Business Platform Cloud API.

A message is one HTTPS request: ``POST {WHATSAPP_API_URL}/{WHATSAPP_PHONE_NUMBER_ID}/messages``
with ``Authorization: Bearer {WHATSAPP_ACCESS_TOKEN}`` and a JSON body naming an approved
template (``WHATSAPP_TEMPLATES``: its name and language for each kind of message) and the
text of its body parameters. The API answers with the message's id (``wamid.…``); what
happens to it afterwards (delivered, read, failed) arrives later at the webhook
(:mod:`tracker.services.whatsapp_status`), whose callbacks are signed with the app secret.

WhatsApp is off until the phone number id and the access token are set (:func:`enabled`).
Every send is logged (never the token) and raises :class:`WhatsAppError` when the message
was not accepted: :class:`PermanentWhatsAppError` when sending it again cannot help (an
invalid number, a template that does not exist), the base class otherwise (a timeout, an
unreachable server, a 5xx, the rate limit, a token an administrator must renew).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

import httpx
from flask import current_app

from tracker.config import DEFAULTS
from tracker.links import ConfigurationError, base_url

#: Longest text of one body parameter the API accepts.
MAX_PARAMETER_LENGTH = 1024
ELLIPSIS = "…"

#: Error codes that say "later" or "fix the configuration", whatever the HTTP status: the
#: Graph API's temporary and throttling codes, WhatsApp's rate limits and service errors,
#: and the access token or permission errors an administrator fixes (like a refused SMTP
#: login, retried rather than failing every message for good).
TEMPORARY_CODES = frozenset(
    {
        0,  # AuthException: the access token expired
        1,  # API unknown: possibly a server error
        2,  # API service: downtime or overload
        3,  # API method: capability or permission
        4,  # API too many calls
        10,  # permission denied
        17,  # API user too many calls
        190,  # access token invalid or expired
        341,  # application limit reached
        368,  # temporarily blocked for policy violations
        613,  # calls within one hour exceeded
        80007,  # WhatsApp Business Account rate limit
        130429,  # Cloud API throughput reached
        131000,  # something went wrong
        131016,  # service unavailable
        131048,  # spam rate limit
        131056,  # (business, consumer) pair rate limit
        133004,  # server temporarily unavailable
    }
)
PERMISSION_CODES = range(200, 300)


class WhatsAppError(Exception):
    """The message was not accepted; sending it again later may work. ``status`` is the
    HTTP status (None when no answer came) and ``code`` the API's error code, if any."""

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class PermanentWhatsAppError(WhatsAppError):
    """The API refused this message for good (an invalid or unreachable number, a template
    that does not exist or does not fit the parameters): sending it again will not help."""


def enabled() -> bool:
    """True when WhatsApp is configured: a phone number id and an access token."""
    config = current_app.config
    return bool(config.get("WHATSAPP_PHONE_NUMBER_ID") and config.get("WHATSAPP_ACCESS_TOKEN"))


def template_for(kind: str) -> tuple[str, str]:
    """The approved template for a kind of message: ``(name, language code)``.

    ``WHATSAPP_TEMPLATES`` may name only some kinds (an environment variable holding a
    JSON object replaces the whole setting): the others keep their default template."""
    configured = current_app.config.get("WHATSAPP_TEMPLATES") or {}
    if not isinstance(configured, dict):
        raise ConfigurationError(
            'WHATSAPP_TEMPLATES must be an object: {"notice": {"name": "…", "language": "id"}}'
        )
    entry = configured.get(kind) or DEFAULTS["WHATSAPP_TEMPLATES"].get(kind)
    if entry is None:
        raise ValueError(f"no WhatsApp template for messages of kind {kind!r}")
    if isinstance(entry, str):
        entry = {"name": entry}
    name = str(entry.get("name") or "").strip() if isinstance(entry, dict) else ""
    if not name:
        raise ConfigurationError(f"WHATSAPP_TEMPLATES[{kind!r}] names no template")
    language = str(entry.get("language") or "id").strip()
    return name, language


_WHITESPACE = re.compile(r"\s+")


def clean_parameter(value: object) -> str:
    """Text the API accepts as a body parameter: no line break, tab or other control
    character, no run of more than four spaces (every run of white space becomes one
    space), not empty, at most 1024 characters (longer text ends with "…")."""
    text = "".join(" " if ord(c) < 32 or 127 <= ord(c) < 160 else c for c in str(value))
    text = _WHITESPACE.sub(" ", text).strip() or "-"
    if len(text) > MAX_PARAMETER_LENGTH:
        text = text[: MAX_PARAMETER_LENGTH - len(ELLIPSIS)].rstrip() + ELLIPSIS
    return text


def messages_url() -> str:
    config = current_app.config
    api_url = str(config.get("WHATSAPP_API_URL") or DEFAULTS["WHATSAPP_API_URL"]).rstrip("/")
    return f"{api_url}/{config['WHATSAPP_PHONE_NUMBER_ID']}/messages"


def template_message(
    to: str, kind: str, params: list[str], reference: str | None = None
) -> dict[str, Any]:
    """The request body of a template message to ``to`` (E.164 without "+"). ``reference``
    travels as ``biz_opaque_callback_data`` and comes back in every status callback of the
    message (the outbox names its row this way)."""
    name, language = template_for(kind)
    body: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": language},
            "components": [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": clean_parameter(p)} for p in params],
                }
            ],
        },
    }
    if reference:
        body["biz_opaque_callback_data"] = reference[:512]
    return body


def _api_error(response: httpx.Response) -> tuple[int | None, str]:
    """The API's error code and a one-line description from an error response."""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        text = " ".join(response.text.split())[:300]
        return None, f"HTTP {response.status_code}" + (f": {text}" if text else "")
    code = error.get("code")
    code = code if isinstance(code, int) and not isinstance(code, bool) else None
    parts = [str(error.get("message") or "").strip()]
    error_data = error.get("error_data")
    if isinstance(error_data, dict) and error_data.get("details"):
        parts.append(str(error_data["details"]).strip())
    description = " — ".join(p for p in parts if p) or "no message"
    prefix = f"HTTP {response.status_code}" + (f", code {code}" if code is not None else "")
    return code, f"{prefix}: {description}"


def _is_temporary(status: int, code: int | None) -> bool:
    if status == 429 or status >= 500 or status in (401, 403):
        return True
    return code is not None and (code in TEMPORARY_CODES or code in PERMISSION_CODES)


def send_template(to: str, kind: str, params: list[str], *, reference: str | None = None) -> str:
    """Send the approved template of ``kind`` to ``to`` with ``params`` as the text of its
    body parameters; return the message id the API gave it (``wamid.…``). ``reference``
    comes back in the message's status callbacks.

    Raises :class:`PermanentWhatsAppError` when the API refused the message for good and
    :class:`WhatsAppError` when it was not accepted now (try again later)."""
    base_url()  # no message leaves with links to an unset address (ConfigurationError)
    config = current_app.config
    if not enabled():
        raise WhatsAppError("WhatsApp is not configured (WHATSAPP_PHONE_NUMBER_ID, …_TOKEN)")
    body = template_message(to, kind, params, reference)
    template = body["template"]["name"]
    timeout = float(config.get("WHATSAPP_TIMEOUT") or 15)
    headers = {"Authorization": f"Bearer {config['WHATSAPP_ACCESS_TOKEN']}"}
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            response = client.post(messages_url(), json=body, headers=headers)
    except httpx.HTTPError as exc:
        current_app.logger.warning("whatsapp %s to %s failed: %r", template, to, exc)
        raise WhatsAppError(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code >= 300:
        code, description = _api_error(response)
        current_app.logger.warning("whatsapp %s to %s refused: %s", template, to, description)
        temporary = _is_temporary(response.status_code, code)
        error = WhatsAppError if temporary else PermanentWhatsAppError
        raise error(description, status=response.status_code, code=code)
    message_id = _message_id(response)
    if message_id is None:
        current_app.logger.warning("whatsapp %s to %s: no message id in the answer", template, to)
        raise WhatsAppError(
            f"HTTP {response.status_code} without a message id", status=response.status_code
        )
    current_app.logger.info("whatsapp %s %s to %s accepted as %s", kind, template, to, message_id)
    return message_id


def _message_id(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list) or not messages or not isinstance(messages[0], dict):
        return None
    message_id = messages[0].get("id")
    return message_id if isinstance(message_id, str) and message_id else None


def signature_valid(body: bytes, header: str | None) -> bool:
    """True when ``header`` (``X-Hub-Signature-256``) is ``sha256=`` and the HMAC-SHA256 of
    the raw request body under the app secret, as Meta signs webhook callbacks."""
    secret = current_app.config.get("WHATSAPP_APP_SECRET")
    if not secret or not header:
        return False
    expected = "sha256=" + hmac.new(str(secret).encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode("utf-8", "replace"))


def verify_token_valid(token: str | None) -> bool:
    """True when ``token`` (``hub.verify_token`` of a subscription check) is the configured
    ``WHATSAPP_VERIFY_TOKEN``."""
    expected = current_app.config.get("WHATSAPP_VERIFY_TOKEN")
    if not expected or token is None:
        return False
    return hmac.compare_digest(str(expected).encode(), token.encode("utf-8", "replace"))
