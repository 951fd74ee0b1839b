"""Configuration layers, the instance folder, SQLite settings."""

from __future__ import annotations

import stat

import pytest
from sqlalchemy import text

from tracker import create_app
from tracker.config import database_uri
from tracker.extensions import db


def test_no_configuration_means_sqlite_in_instance_and_a_kept_secret(tmp_path, monkeypatch):
    for key in list(__import__("os").environ):
        if key.startswith("TRACKER_"):
            monkeypatch.delenv(key)
    instance = tmp_path / "instance"
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'tracker.db'}"
    key_file = instance / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert app.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(app.config["SECRET_KEY"]) == 64
    again = create_app({"INSTANCE_PATH": str(instance)})
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]
    assert app.template_folder
    assert app.template_folder.endswith("templates")
    assert app.static_folder
    assert app.static_folder.endswith("static")
    with app.app_context():
        db.engine.dispose()
    with again.app_context():
        db.engine.dispose()


def test_layers_defaults_instance_file_environment_then_test_dict(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        'SITE_NAME = "Dari berkas"\nPER_PAGE = 10\nCITY_NAME = "Kota A"\n'
    )
    monkeypatch.setenv("TRACKER_PER_PAGE", "40")
    monkeypatch.setenv("TRACKER_CITY_NAME", "Kota B")
    monkeypatch.setenv("TRACKER_SECRET_KEY", "dari-lingkungan")
    app = create_app({"INSTANCE_PATH": str(instance), "CITY_NAME": "Kota C"})
    assert app.config["SITE_NAME"] == "Dari berkas"
    assert app.config["PER_PAGE"] == 40  # parsed as JSON
    assert app.config["CITY_NAME"] == "Kota C"
    assert app.config["SECRET_KEY"] == "dari-lingkungan"
    assert not (instance / "secret_key").exists()


def test_postgresql_uris_use_psycopg3():
    assert database_uri("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_uri("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_uri("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_uri("sqlite:///x.db") == "sqlite:///x.db"


def test_sqlite_pragmas(app, backend):
    if backend != "sqlite":
        pytest.skip("SQLite-only pragmas")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_engine_is_the_configured_backend(app, backend):
    assert db.engine.dialect.name == backend
    if backend == "postgresql":
        assert db.engine.driver == "psycopg"


def test_sqlite_database_and_instance_folder_are_private(tmp_path, monkeypatch):
    for key in list(__import__("os").environ):
        if key.startswith("TRACKER_"):
            monkeypatch.delenv(key)
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    for name in ("tracker.db",):
        assert stat.S_IMODE((instance / name).stat().st_mode) == 0o600
