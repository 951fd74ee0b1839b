"""Test databases made cheaply: the schema is built once per backend per worker, and every
test gets its own copy of it (or of a populated snapshot).

- SQLite: the schema (or a snapshot) is one file, copied into the test's folder.
- PostgreSQL: one database per worker, emptied before each test (``DELETE`` from every
  table, sequences reset: much cheaper than ``TRUNCATE``, rebuilding the schema or
  ``CREATE DATABASE … TEMPLATE``); a snapshot is a copy of its rows and sequence positions
  in a schema of that database, put back with ``INSERT … SELECT`` in the same round trip.

Every test still talks to a real database over real connections of its own, so threads,
subprocesses and concurrency tests behave as they would in production.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


def psycopg_url(url: str) -> Any:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _app_on(url: str, instance: Path) -> Any:
    from tracker import create_app

    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(instance),
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": None,
        }
    )


def _create_schema(url: str, instance: Path) -> None:
    from tracker.extensions import db

    app = _app_on(url, instance)
    with app.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()


def detach(value: Any, session: Any) -> None:
    """Load every mapped object reachable from ``value`` and detach it from ``session``,
    so a snapshot's records can be read (ids, columns) by tests on copies of it."""
    seen: set[int] = set()

    def visit(item: Any) -> None:
        if id(item) in seen:
            return
        seen.add(id(item))
        if hasattr(item, "_sa_instance_state"):
            if inspect(item).persistent:
                session.refresh(item)
        elif isinstance(item, dict):
            for inner in item.values():
                visit(inner)
        elif isinstance(item, list | tuple | set | frozenset):
            for inner in item:
                visit(inner)
        elif is_dataclass(item) and not isinstance(item, type):
            for f in fields(item):
                visit(getattr(item, f.name))

    visit(value)
    session.expunge_all()


@dataclass
class Snapshot:
    """A populated database to copy: ``value`` is what its builder returned."""

    location: str  # a file (SQLite) or a schema in the reused database (PostgreSQL)
    instance: Path  # its instance folder (uploads, outbox, credentials)
    value: Any


@dataclass
class TestDatabase:
    url: str
    instance: Path | None = None  # an instance folder to start from (a snapshot's)
    value: Any = None
    cleanup: Callable[[], None] = field(default=lambda: None)


class PostgresServer:
    """The server named by TEST_DATABASE_URL: the databases this worker creates on it."""

    def __init__(self, url: str) -> None:
        self.server = psycopg_url(url)
        self.prefix = f"tracker_test_{uuid.uuid4().hex[:8]}_{WORKER}"
        self.admin: Engine = create_engine(self.server, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []
        self._count = 0

    def url(self, name: str) -> str:
        return str(self.server.set(database=name).render_as_string(hide_password=False))

    def new_name(self, label: str) -> str:
        self._count += 1
        return f"{self.prefix}_{label}_{self._count}"

    def create(self, name: str, template: str | None = None) -> str:
        clause = f' TEMPLATE "{template}"' if template else ""
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        self.created.append(name)
        return name

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        if name in self.created:
            self.created.remove(name)

    def close(self) -> None:
        for name in reversed(list(self.created)):
            self.drop(name)
        self.admin.dispose()


class Databases:
    """Per worker: the schema templates, the reusable PostgreSQL database and snapshots."""

    def __init__(self, folder: Path, pg_url: str | None) -> None:
        self.folder = folder
        self.pg = PostgresServer(pg_url) if pg_url else None
        self._sqlite_schema: Path | None = None
        self._pg_schema: str | None = None
        self._pg_reused: str | None = None
        self._pg_reused_engine: Engine | None = None
        self._pg_sequences: list[str] = []
        self._pg_guarded: list[str] = []
        self._snapshots: dict[tuple[str, str], Snapshot] = {}

    # --- the empty schema ------------------------------------------------------------------

    def sqlite_schema(self) -> Path:
        if self._sqlite_schema is None:
            path = self.folder / "schema.db"
            _create_schema(f"sqlite:///{path}", self.folder / "schema-instance")
            self._sqlite_schema = path
        return self._sqlite_schema

    def pg_schema(self) -> str:
        assert self.pg is not None
        if self._pg_schema is None:
            name = self.pg.create(self.pg.new_name("schema"))
            _create_schema(self.pg.url(name), self.folder / "schema-instance")
            self._pg_schema = name
        return self._pg_schema

    def _pg_reused_database(self) -> tuple[str, Engine]:
        """The database this worker reuses: created from the schema template once."""
        assert self.pg is not None
        if self._pg_reused is None:
            name = self.pg.create(self.pg.new_name("db"), template=self.pg_schema())
            engine = create_engine(self.pg.url(name), poolclass=NullPool)
            with engine.connect() as conn:
                self._pg_sequences = list(
                    conn.execute(
                        text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
                    ).scalars()
                )
                # Tables whose own triggers refuse DELETE (the append-only audit log).
                self._pg_guarded = list(
                    conn.execute(
                        text(
                            "SELECT DISTINCT event_object_table FROM information_schema.triggers "
                            "WHERE trigger_schema = 'public' ORDER BY 1"
                        )
                    ).scalars()
                )
            self._pg_reused, self._pg_reused_engine = name, engine
        assert self._pg_reused_engine is not None
        return self._pg_reused, self._pg_reused_engine

    def _pg_reset(self, snapshot_schema: str | None = None) -> str:
        """Empty the reused database (``DELETE`` every table, restart the sequences), then
        fill it from a snapshot schema if one is named: one round trip."""
        from tracker.models import Base

        name, engine = self._pg_reused_database()
        tables = [t.name for t in Base.metadata.sorted_tables]
        # The tables' owner may set their own triggers aside while it empties them.
        statements = [f'ALTER TABLE public."{t}" DISABLE TRIGGER USER' for t in self._pg_guarded]
        statements += [f'DELETE FROM public."{t}"' for t in reversed(tables)]
        statements += [f'ALTER TABLE public."{t}" ENABLE TRIGGER USER' for t in self._pg_guarded]
        if snapshot_schema is None and self._pg_sequences:
            # setval, not ALTER SEQUENCE … RESTART: the same effect, a tenth of the time
            statements.append(
                "SELECT "
                + ", ".join(f"setval('public.\"{s}\"', 1, false)" for s in self._pg_sequences)
            )
        elif snapshot_schema is not None:
            statements += [
                f'INSERT INTO public."{t}" SELECT * FROM "{snapshot_schema}"."{t}"' for t in tables
            ]
            statements += [
                f"SELECT setval('public.\"{s}\"', last_value, is_called) "
                f'FROM "{snapshot_schema}"."{s}"'
                for s in self._pg_sequences
            ]
        with engine.begin() as conn:
            conn.exec_driver_sql("; ".join(statements))
        return name

    def _pg_keep_as_snapshot(self) -> str:
        """Copy the reused database's rows and sequence positions into a schema of their own."""
        from tracker.models import Base

        _name, engine = self._pg_reused_database()
        schema = f"snapshot_{len(self._snapshots) + 1}"
        statements = [f'DROP SCHEMA IF EXISTS "{schema}" CASCADE', f'CREATE SCHEMA "{schema}"']
        statements += [
            f'CREATE TABLE "{schema}"."{t.name}" AS TABLE public."{t.name}"'
            for t in Base.metadata.sorted_tables
        ]
        statements += [
            f'CREATE TABLE "{schema}"."{s}" AS SELECT last_value, is_called FROM public."{s}"'
            for s in self._pg_sequences
        ]
        with engine.begin() as conn:
            conn.exec_driver_sql("; ".join(statements))
        return schema

    def empty(self, backend: str, tmp_path: Path) -> TestDatabase:
        """A database with the schema and no rows, for one test."""
        if backend == "postgresql":
            assert self.pg is not None
            return TestDatabase(self.pg.url(self._pg_reset()))
        path = tmp_path / "test.db"
        shutil.copyfile(self.sqlite_schema(), path)
        return TestDatabase(f"sqlite:///{path}")

    def own(self, backend: str, tmp_path: Path) -> TestDatabase:
        """A database of the test's own with the schema, for tests that change the schema
        itself (migrations): created for it and dropped after it."""
        if backend == "postgresql":
            pg = self.pg
            assert pg is not None
            name = pg.create(pg.new_name("own"), template=self.pg_schema())
            return TestDatabase(pg.url(name), cleanup=lambda: pg.drop(name))
        return self.empty(backend, tmp_path)

    # --- snapshots -------------------------------------------------------------------------

    def snapshot(
        self, backend: str, key: str, build: Callable[[Any], Any], tmp_path: Path
    ) -> TestDatabase:
        """A copy, for one test, of the database ``build(app)`` populated (built once per
        backend per worker; the builder runs in an app context and may commit)."""
        made = self._snapshots.get((backend, key))
        if made is None:
            made = self._snapshots[(backend, key)] = self._build_snapshot(backend, key, build)
        instance = tmp_path / "instance"
        shutil.copytree(made.instance, instance, dirs_exist_ok=True)
        if backend == "postgresql":
            assert self.pg is not None
            return TestDatabase(self.pg.url(self._pg_reset(made.location)), instance, made.value)
        path = tmp_path / "test.db"
        shutil.copyfile(made.location, path)
        return TestDatabase(f"sqlite:///{path}", instance, made.value)

    def _build_snapshot(self, backend: str, key: str, build: Callable[[Any], Any]) -> Snapshot:
        from tracker.extensions import db

        instance = self.folder / f"snapshot-{backend}-{key}"
        location = ""
        if backend == "postgresql":
            assert self.pg is not None
            url = self.pg.url(self._pg_reset())
        else:
            path = self.folder / f"snapshot-{key}.db"
            shutil.copyfile(self.sqlite_schema(), path)
            location, url = str(path), f"sqlite:///{path}"
        app = _app_on(url, instance)
        with app.app_context():
            value = build(app)
            db.session.commit()
            detach(value, db.session)
            db.session.remove()
            db.engine.dispose()
        if backend == "postgresql":
            location = self._pg_keep_as_snapshot()
        return Snapshot(location, instance, value)

    def close(self) -> None:
        if self._pg_reused_engine is not None:
            self._pg_reused_engine.dispose()
        if self.pg is not None:
            self.pg.close()


def databases(folder: Path, pg_url: str | None) -> Iterator[Databases]:
    made = Databases(folder, pg_url)
    try:
        yield made
    finally:
        made.close()
