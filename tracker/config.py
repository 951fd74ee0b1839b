"""Configuration defaults and the secret key kept in the instance folder."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    "SQLALCHEMY_DATABASE_URI": None,  # filled with SQLite in instance/ when unset
    "SQLALCHEMY_ENGINE_OPTIONS": {},
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
    # Login throttling: an account is locked after this many failures in the window;
    # an address is refused after LOGIN_MAX_FAILURES_PER_IP failures in the window.
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
    "LOGIN_MAX_FAILURES_PER_IP": 20,
    "LOGIN_WINDOW_MINUTES": 15,
    "LOGIN_LOCK_MINUTES": 15,
    "PER_PAGE": 25,
    "HTTPS": False,
    "SITE_NAME": "Tracker Inspektorat",
    "CITY_NAME": "Pemerintah Kota Malang",
}


def secret_key_from_instance(instance_path: str | os.PathLike[str]) -> str:
    """Return the instance secret key, creating it (mode 0600) on first use."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    os.chmod(path, 0o600)
    return key
