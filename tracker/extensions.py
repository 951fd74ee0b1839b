"""Extension objects, created once and initialised by the application factory."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tracker.files import make_private
from tracker.models.base import Base, render_migration_item

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()

MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on, WAL journal and a busy timeout for every SQLite connection."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        database_file = cursor.execute("PRAGMA database_list").fetchone()[2]
        if database_file:  # a file, not :memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            for suffix in ("", "-wal", "-shm"):
                make_private(Path(database_file + suffix))
        cursor.close()


def init_app(app: Flask) -> None:
    import tracker.models  # noqa: F401  (registers every model on the metadata)

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=MIGRATIONS_DIR,
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_item,
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    bootstrap.init_app(app)
