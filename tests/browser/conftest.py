"""Browser fixtures: the real app served on loopback, driven by Debian's Chromium.

These tests use one backend (a file SQLite database) with CSRF protection on, as in
production. Playwright's own browser downloads are never used: the tests launch
``/usr/bin/chromium`` and are skipped when it is not installed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from tests.databases import Databases
from tracker import create_app
from tracker.audit import Actor, acting_as
from tracker.extensions import db
from tracker.models import Opd, OpdKind, Role
from tracker.models.base import utcnow
from tracker.services import accounts

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
TIMEOUT_MS = 10_000


PASSWORD = "Rahasia-Uji-2023"


@dataclass
class Account:
    email: str
    name: str
    password: str = PASSWORD


@dataclass
class LiveServer:
    url: str
    app: Flask
    users: dict[str, Account] = field(default_factory=dict)

    def __call__(self, path: str = "/") -> str:
        return self.url + path


def _seed(app: Flask) -> dict[str, Account]:
    users = {
        "admin": Account("admin@malangkota.go.id", "Rina Admin"),
        "opd": Account("sekretaris.dinkes@malangkota.go.id", "Budi Sekretaris"),
    }
    with app.app_context(), acting_as(Actor(None, "browser-test")):
        now = utcnow()
        opd = Opd(code="DINKES", name="Dinas Kesehatan", kind=OpdKind.DINAS)
        db.session.add(opd)
        db.session.flush()
        accounts.create_user(
            email=users["admin"].email,
            name=users["admin"].name,
            role=Role.ADMIN,
            password=PASSWORD,
            now=now,
        )
        accounts.create_user(
            email=users["opd"].email,
            name=users["opd"].name,
            role=Role.OPD,
            password=PASSWORD,
            opd=opd,
            now=now,
        )
        db.session.commit()
        db.session.remove()
    return users


class _KeepResponse:
    """Keeps each response's iterable in its environ, so it can be closed when the
    browser drops the connection mid-download (a test closing its page)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        iterable = self.app(environ, start_response)
        environ["tests.response"] = iterable
        return iterable


class _ClosingHandler(WSGIRequestHandler):
    """The development server leaves a response unclosed (an open static file) when the
    client goes away while it is being written; close it, as a production server does."""

    def connection_dropped(
        self, error: BaseException, environ: dict[str, Any] | None = None
    ) -> None:
        iterable = (environ or {}).get("tests.response")
        close = getattr(iterable, "close", None)
        if close is not None:
            close()


@pytest.fixture
def live_server(tmp_path: Path, worker_databases: Databases) -> Iterator[LiveServer]:
    """The application on a file SQLite database, served on 127.0.0.1:<free port>."""
    app = create_app(
        {
            "SECRET_KEY": "browser-test-secret-key",
            "SQLALCHEMY_DATABASE_URI": worker_databases.empty("sqlite", tmp_path).url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "WTF_CSRF_ENABLED": True,
        }
    )
    users = _seed(app)

    server: BaseWSGIServer = make_server(
        "127.0.0.1", 0, _KeepResponse(app), threaded=True, request_handler=_ClosingHandler
    )
    # As in production: the links the app sends start with its public address.
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app, users)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Any]:
    """Playwright's driver, once per worker (a second sync driver cannot start inside the
    first one's event loop: a test that needs a browser of its own launches it from here)."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.skip("Chromium not installed at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium(playwright_driver: Any) -> Iterator[Any]:
    """One headless Chromium for the session (Debian's package, not Playwright's download).

    Every test gets fresh browser contexts of it (``new_page``), so nothing is shared
    between tests but the browser process. The browser test modules put themselves in one
    ``xdist_group``, so one worker runs them all and the suite starts Chromium once.
    """
    browser = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def new_page(chromium: Any) -> Iterator[Callable[..., Any]]:
    """``new_page(viewport=...)``: a page in a fresh browser context, closed after the test."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    contexts: list[Any] = []

    def make(**context_options: Any) -> Any:
        context_options.setdefault("locale", "id-ID")
        context = chromium.new_context(**context_options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    try:
        yield make
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def browser_page(new_page: Callable[..., Any]) -> Any:
    """A desktop-sized page."""
    return new_page(viewport={"width": 1280, "height": 900})


@pytest.fixture
def log_in(live_server: LiveServer) -> Callable[[Any, str], Account]:
    """``log_in(page, "admin")``: fill the login form at /login and submit it."""

    def do(page: Any, who: str, password: str | None = None) -> Account:
        account = live_server.users[who]
        if "/login" not in page.url:
            page.goto(live_server("/login"))
        page.locator("input[name=email]").fill(account.email)
        page.locator("input[name=password]").fill(password or account.password)
        page.locator("main form button[type=submit]").click()
        return account

    return do
