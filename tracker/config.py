"""Configuration defaults and the secret key kept in the instance folder."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    "SQLALCHEMY_DATABASE_URI": None,  # filled with SQLite in instance/ when unset
    # pool_pre_ping: a connection the database dropped (restart, failover, idle timeout)
    # is replaced before use instead of failing the request.
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SECRET_KEY": None,  # generated once and kept in instance/secret_key when unset
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "PREFERRED_URL_SCHEME": "http",
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 500 * 1024,
    "BABEL_DEFAULT_LOCALE": "id",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Jakarta",
    "LANGUAGES": ["id", "en"],
    "BOOTSTRAP_SERVE_LOCAL": True,
    "BOOTSTRAP_BTN_STYLE": "primary",
    "BOOTSTRAP_BTN_SIZE": "md",
    # Login throttling (see accounts.authenticate): failures for one account from one
    # address hold that address off the account; a much higher total locks the account;
    # failures from one address across accounts refuse it, except for accounts that
    # logged in from it within LOGIN_KNOWN_GOOD_DAYS.
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
    "LOGIN_MAX_FAILURES_PER_ACCOUNT_TOTAL": 50,
    "LOGIN_MAX_FAILURES_PER_IP": 20,
    "LOGIN_KNOWN_GOOD_DAYS": 30,
    "LOGIN_WINDOW_MINUTES": 15,
    "LOGIN_LOCK_MINUTES": 15,
    # Server-side sessions end after this long without a request, and this long after
    # login whatever the activity (and at logout, password change or deactivation).
    "SESSION_IDLE_MINUTES": 120,
    "SESSION_MAX_HOURS": 12,
    "PER_PAGE": 25,
    "HTTPS": False,
    # Behind a reverse proxy: how many proxies set X-Forwarded-For / -Proto (0 = none).
    "PROXY_FIX_X_FOR": 0,
    "PROXY_FIX_X_PROTO": 0,
    "SITE_NAME": "Tracker Inspektorat",
    "CITY_NAME": "Pemerintah Kota Malang",
    "OFFICE_ADDRESS": "Kota Malang, Jawa Timur",
    # Evidence uploads: folder (default instance/uploads) and the limit per file.
    "UPLOAD_FOLDER": None,
    "UPLOAD_MAX_FILE_SIZE": 10 * 1024 * 1024,
    # Self check-in at a workshop opens this long before its start and closes this long
    # after its end.
    "CHECKIN_MARGIN_MINUTES": 60,
    # Dashboard pages are cached per process for this long, keyed by the latest audit log
    # entry (so any change made through the app shows at once); 0 turns the cache off.
    "DASHBOARD_CACHE_SECONDS": 300,
    # Imports (/imports/, `flask import`): the largest uploaded file, the most data rows,
    # and for .xlsx (a zip) the most its parts may inflate to in total and the highest
    # ratio of a part's inflated to compressed size; beyond these the file is refused.
    "IMPORT_MAX_BYTES": 10 * 1024 * 1024,
    "IMPORT_MAX_ROWS": 20_000,
    "IMPORT_MAX_UNCOMPRESSED_BYTES": 100 * 1024 * 1024,
    "IMPORT_MAX_COMPRESSION_RATIO": 200,
    # Files one progress update may carry.
    "COMMITMENT_MAX_FILES": 5,
    # Extra non-working days (e.g. cuti bersama), ISO dates: ["2026-12-24"].
    "EXTRA_HOLIDAYS": [],
    # E-mail: with no MAIL_SERVER, messages are written to MAIL_OUTBOX_FOLDER as .eml.
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_DEFAULT_SENDER": "Inspektorat Kota Malang <inspektorat@example.org>",
    "MAIL_TIMEOUT": 30,
    "MAIL_OUTBOX_FOLDER": None,
    # Every link that leaves the app (e-mail, QR code, .ics, PDF) starts with this address,
    # never with the Host header of a request. Required outside debug/test mode to send
    # mail or run the scheduler.
    "BASE_URL": None,
    # Reminders: daily run time (WIB), retry interval, thresholds.
    "REMINDER_TIME": "07:00",
    "REMINDER_RETRY_MINUTES": 5,
    "REMINDER_ESCALATION_DAYS": 30,
    "REMINDER_STALE_DAYS": 30,
    "REMINDER_MAX_ATTEMPTS": 20,
    "REMINDER_SENDING_TIMEOUT_MINUTES": 15,
    # A reminder run claims no new digest after this long; the rest go at the next retry.
    "REMINDER_RUN_DEADLINE_SECONDS": 600,
    # WhatsApp Business Platform (Cloud API): off until the phone number id and the access
    # token are set. Messages are POSTed to {WHATSAPP_API_URL}/{WHATSAPP_PHONE_NUMBER_ID}/
    # messages; the app secret checks the signature of status callbacks at
    # /webhooks/whatsapp and the verify token answers Meta's subscription check there.
    "WHATSAPP_API_URL": "https://graph.facebook.com/v24.0",
    "WHATSAPP_PHONE_NUMBER_ID": None,
    "WHATSAPP_ACCESS_TOKEN": None,
    "WHATSAPP_APP_SECRET": None,
    "WHATSAPP_VERIFY_TOKEN": None,
    "WHATSAPP_TIMEOUT": 15,  # seconds to wait for the API
    # The approved message template (name and language code) for each kind of message;
    # their body parameters are listed in the README.
    "WHATSAPP_TEMPLATES": {
        "digest_executor": {"name": "pengingat_tindak_lanjut", "language": "id"},
        "digest_head": {"name": "ringkasan_opd", "language": "id"},
        "digest_escalation": {"name": "eskalasi_tindak_lanjut", "language": "id"},
        "notice": {"name": "pemberitahuan_tracker", "language": "id"},
    },
    # No WhatsApp message in this window (WIB): what falls in it waits for its end.
    "WHATSAPP_QUIET_HOURS": "21:00-06:00",
    # Events for one person within this many minutes go out as one message.
    "NOTICE_COALESCE_MINUTES": 5,
}


def secret_key_from_instance(instance_path: str | os.PathLike[str]) -> str:
    """Return the instance secret key, creating it (mode 0600) on first use.

    Created with O_EXCL, so when several workers start at once exactly one key is written
    and every worker reads that one.
    """
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _attempt in range(50):
            key = path.read_text(encoding="ascii").strip()
            if key:
                return key
            time.sleep(0.01)  # another process is writing it right now
        raise RuntimeError(f"{path} is empty; delete it to generate a new key") from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key


def database_uri(uri: str) -> str:
    """PostgreSQL URIs go through psycopg 3 (``postgres://`` and ``postgresql://`` alike)."""
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            return "postgresql+psycopg://" + uri[len(prefix) :]
    return uri
