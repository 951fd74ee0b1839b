"""Links that leave the application (e-mails, QR codes, calendar files, PDFs): always built
from the configured ``BASE_URL``, never from the Host header of the request that happened
to trigger them (which anyone can set)."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request, url_for

# Used only when BASE_URL is unset in debug or test mode (``make run`` sets it).
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


class ConfigurationError(RuntimeError):
    """A setting the operation needs is missing; the message says which and how to set it."""


def _configured() -> str:
    return str(current_app.config.get("BASE_URL") or "").strip().rstrip("/")


def base_url() -> str:
    """The configured public address, without a trailing slash: what mail and the scheduler
    link to. Outside debug and test mode a missing BASE_URL stops the operation: links to
    127.0.0.1 (or to whatever Host a request claimed) in 60 officials' mailboxes are worse
    than no e-mail."""
    configured = _configured()
    if configured:
        return configured
    if current_app.debug or current_app.testing:
        return DEVELOPMENT_BASE_URL
    raise ConfigurationError(
        "BASE_URL is not set: set TRACKER_BASE_URL (or BASE_URL in instance/config.py) to "
        "the address people open the tracker at, e.g. https://tracker.malangkota.go.id"
    )


def external_url(endpoint: str, **values: Any) -> str:
    """``url_for(endpoint, **values)`` as an absolute link under BASE_URL.

    Without BASE_URL (a server not yet configured), a page may still show the address it
    was opened at (a QR code on the screen, a calendar file downloaded); nothing built that
    way is mailed, since sending mail requires BASE_URL."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:  # the scheduler or the command line: the path alone, BASE_URL gives the rest
        with current_app.test_request_context("/"):
            path = url_for(endpoint, **values)
    root = request.script_root if has_request_context() else ""
    if root and path.startswith(root):
        path = path[len(root) :]
    if _configured() or current_app.debug or current_app.testing or not has_request_context():
        return base_url() + path
    return request.host_url.rstrip("/") + root + path
