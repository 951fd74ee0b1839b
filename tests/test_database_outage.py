"""The database going away: connections replaced before use, a clear 503 when it is
unreachable or locked, nothing half-written, and messages that never need the broken
transaction."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests import factories
from tests.conftest import _free_port
from tracker import create_app
from tracker.extensions import db
from tracker.models import Opd, Role


def test_connections_the_database_dropped_are_replaced(app, backend, client, login_as):
    if backend != "postgresql":
        pytest.skip("PostgreSQL ends connections from the server side")
    login_as(Role.ADMIN)
    assert client.get("/admin/opds").status_code == 200  # a pooled connection now exists
    db.session.close()  # this test's own connection goes back to the pool too
    url = make_url(db.engine.url)
    killer = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with killer.connect() as admin:
        ended = admin.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
    killer.dispose()
    assert ended >= 1
    assert client.get("/admin/opds").status_code == 200


def test_an_unreachable_database_answers_503_in_indonesian(tmp_path: Path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": f"postgresql://postgres@127.0.0.1:{_free_port()}/none",
        }
    )
    response = app.test_client().post(
        "/login", data={"email": "admin@example.org", "password": "rahasia-12345"}
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    page = response.get_data(as_text=True)
    assert "Layanan sementara tidak tersedia" in page
    assert "tidak ada yang tersimpan" in page
    with app.app_context():
        db.engine.dispose()


def test_a_locked_sqlite_database_answers_503_and_writes_nothing(
    app, backend, client, login_as, database_url
):
    if backend != "sqlite":
        pytest.skip("a lock held past SQLite's busy timeout")
    login_as(Role.ADMIN)
    holder = sqlite3.connect(make_url(database_url).database, timeout=0)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        response = client.post(
            "/admin/opds/new",
            data={"code": "DINKES", "name": "Dinas Kesehatan", "kind": "dinas", "sort_order": 1},
        )
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Opd)) == 0
    assert client.get("/admin/opds").status_code == 200  # and it works again


def test_a_clash_found_at_flush_is_a_message_not_a_500(app, client, login_as, monkeypatch):
    """The unique check passes, then the INSERT fails (another request won the race): the
    message is built after the failed flush, without the broken transaction."""
    import tracker.services.organisation as organisation

    login_as(Role.ADMIN)
    factories.make_opd("DINKES", "Dinas Kesehatan")
    monkeypatch.setattr(organisation, "_check_opd_unique", lambda *_args: None)
    response = client.post(
        "/admin/opds/new",
        data={"code": "DINKES", "name": "Dinas Kesehatan", "kind": "dinas", "sort_order": 1},
    )
    assert response.status_code in (200, 400, 409)
    assert "berbenturan dengan data lain" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Opd)) == 1
