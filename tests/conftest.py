"""Fixtures: a database of its own per test, on SQLite and (with TEST_DATABASE_URL) PostgreSQL.

The schema is built once per worker (see tests/databases.py); each test gets a copy.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import event
from sqlalchemy.engine import make_url
from werkzeug.routing import Rule

from tests import factories
from tests.databases import Databases, TestDatabase, databases
from tracker import create_app
from tracker.extensions import db
from tracker.models import Role, User

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


class ReusedEngines:
    """Statements compiled once for the whole test process. Every test builds its own
    application, and a new engine compiled every SQL statement anew: a fifth of a typical
    test's time.

    - PostgreSQL: the test database sits at one URL per worker (see tests/databases.py),
      so the engine itself is reused; its connections are still closed after every test
      (``dispose`` at the app's teardown).
    - SQLite: every test has a file of its own (connections of a finished test may still
      be closing: a file at a shared path would let them write into the next test's), so
      each test gets its own engine, which shares the first one's dialect and compiled
      statements (the statement cache is keyed by the dialect)."""

    def __init__(self) -> None:
        self._engines: dict[tuple[str, str], Any] = {}
        self._sqlite: dict[str, Any] = {}

    def install(self) -> None:
        from flask_sqlalchemy import SQLAlchemy

        make = SQLAlchemy._make_engine

        def reuse(ext: Any, bind_key: str | None, options: dict[str, Any], app: Flask) -> Any:
            url = options.get("url")
            url = make_url(url) if isinstance(url, str) else url
            if url is None or (
                url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
            ):
                return make(ext, bind_key, options, app)
            settings = repr(sorted((k, repr(v)) for k, v in options.items() if k != "url"))
            if url.get_backend_name() == "sqlite":
                engine = make(ext, bind_key, options, app)
                first = self._sqlite.setdefault(settings, engine)
                if first is not engine:
                    engine.dialect = first.dialect
                    engine._compiled_cache = first._compiled_cache
                return engine
            key = (url.render_as_string(hide_password=False), settings)
            engine = self._engines.get(key)
            if engine is None:
                engine = self._engines[key] = make(ext, bind_key, options, app)
            return engine

        SQLAlchemy._make_engine = reuse  # type: ignore[method-assign]


ReusedEngines().install()


@pytest.fixture(scope="session")
def worker_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    """This worker's schema templates, reusable database and snapshots."""
    yield from databases(tmp_path_factory.mktemp("databases"), TEST_DATABASE_URL or None)


class IsolatedClient(FlaskClient):
    """Runs each request outside the test's app context, as a real server would.

    The request then gets its own database session (and its own identity map), so
    tests see what the app really does, queries included.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        # Buffered: file downloads are read and their files closed, as a server would.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


class SharedTemplateCache(BytecodeCache):
    """Compiled templates kept for the whole test process: every test builds its own app
    (and Jinja environment), and compiling the same templates again for each was a third
    of a page test's time. Keyed by template name and source checksum, as Jinja does."""

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        data = self._store.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = SharedTemplateCache()


def _share_url_builders() -> None:
    """Every test builds its own app, and werkzeug compiles the URL builder of each of the
    ~100 rules again for each app (about 50 ms an app, most of ``create_app``). The compiled
    builder depends only on the rule's text, its defaults and whether unknown arguments are
    appended (the rule itself is passed in when it is called), so the tests share them."""
    compile_builder = Rule._compile_builder
    builders: dict[tuple[Any, ...], Any] = {}

    def shared(self: Rule, append_unknown: bool = True) -> Any:
        defaults = tuple(sorted((k, repr(v)) for k, v in (self.defaults or {}).items()))
        key = (self.rule, tuple(self._trace), defaults, append_unknown)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    Rule._compile_builder = shared  # type: ignore[method-assign]


_share_url_builders()


def _marker_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("app_config"))):
        config.update(marker.kwargs)
    return config


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def test_database(
    backend: str, worker_databases: Databases, tmp_path: Any, request: pytest.FixtureRequest
) -> Iterator[TestDatabase]:
    """The test's own database on ``backend``: the schema with no rows, unless the test is
    marked ``database(snapshot=build)`` (a copy of what ``build(app)`` made, built once per
    worker) or ``database(own=True)`` (a database created for it alone: migrations)."""
    marker = request.node.get_closest_marker("database")
    options = marker.kwargs if marker else {}
    if build := options.get("snapshot"):
        key = f"{build.__module__}.{build.__qualname__}"
        made = worker_databases.snapshot(backend, key, build, tmp_path)
    elif options.get("own"):
        made = worker_databases.own(backend, tmp_path)
    else:
        made = worker_databases.empty(backend, tmp_path)
    try:
        yield made
    finally:
        made.cleanup()


@pytest.fixture
def database_url(test_database: TestDatabase) -> str:
    return test_database.url


@pytest.fixture
def snapshot(test_database: TestDatabase) -> Any:
    """What the snapshot's builder returned (records detached, their columns loaded)."""
    assert test_database.value is not None, "mark the test with database(snapshot=...)"
    return test_database.value


@pytest.fixture
def app(database_url: str, tmp_path: Any, request: pytest.FixtureRequest) -> Iterator[Flask]:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
    }
    config.update(_marker_config(request))
    application = create_app(config)
    application.test_client_class = IsolatedClient
    application.jinja_env.bytecode_cache = TEMPLATE_CACHE
    with application.app_context():
        try:
            yield application
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def plain_app(tmp_path: Any) -> Iterator[Flask]:
    """The application without a test database (SQLite in memory, no schema), for rules
    that need its configuration, translations or templates but no rows: such a test runs
    once, not once per backend."""
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SERVER_NAME": None,
        }
    )
    application.jinja_env.bytecode_cache = TEMPLATE_CACHE
    with application.app_context():
        yield application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def login(client: FlaskClient) -> Callable[[User], User]:
    """Log ``user`` in on the test client (with the factories' default password)."""

    def do(user: User, password: str = factories.DEFAULT_PASSWORD) -> User:
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return user

    return do


@pytest.fixture
def login_as(login: Callable[[User], User]) -> Callable[..., User]:
    """``login_as("opd", opd=some_opd)``: make a user of that role and log in."""

    def do(role: Role | str, **kwargs: Any) -> User:
        return login(factories.make_user(Role(role), **kwargs))

    return do


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Callable[[], contextlib.AbstractContextManager[QueryCounter]]:
    """``with count_queries() as q: client.get(...)`` then ``q.count``."""

    @contextlib.contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
                counter.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "app_config(**kw): extra configuration for the app fixture")
    config.addinivalue_line(
        "markers",
        "database(snapshot=build | own=True): start from a copy of a populated snapshot, "
        "or from a database of the test's own",
    )


# --- e-mail -----------------------------------------------------------------------------


class Outbox:
    """The .eml files the app wrote (no MAIL_SERVER configured), parsed."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def messages(self) -> list[Any]:
        import email
        from email import policy
        from pathlib import Path

        folder = Path(self.app.instance_path) / "outbox"
        if not folder.exists():
            return []
        return [
            email.message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(folder.glob("*.eml"))
        ]


@pytest.fixture
def outbox(app: Flask) -> Outbox:
    return Outbox(app)


class SmtpSink:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

    def __init__(self) -> None:
        import email
        from email import policy

        self._email = email
        self._policy = policy
        self.received: list[Any] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.fail_with: int | None = None  # an SMTP code to refuse DATA with

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        if self.fail_with:
            return f"{self.fail_with} Service unavailable (test)"
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.received.append(
            self._email.message_from_bytes(envelope.original_content, policy=self._policy.default)
        )
        return "250 OK"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[SmtpSink, int]]:
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


# --- WhatsApp ---------------------------------------------------------------------------


@pytest.fixture
def whatsapp_api(app: Flask) -> Iterator[Any]:
    """A stand-in Cloud API on loopback (tests/whatsapp_double.py), with the test's app
    configured to send to it and to accept its signed callbacks (client timeout: 1 s)."""
    from tests.whatsapp_double import WhatsAppDouble

    double = WhatsAppDouble().start()
    app.config.update(double.app_config())
    try:
        yield double
    finally:
        double.stop()
