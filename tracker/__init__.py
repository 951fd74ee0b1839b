"""The tracker: commitments and follow-ups of the Inspektorat, as a Flask application."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from tracker.config import DEFAULTS, database_uri, secret_key_from_instance
from tracker.files import private_folder

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: defaults → instance/config.py → TRACKER_* env → ``config``."""
    instance_path = (config or {}).get("INSTANCE_PATH") or str(ROOT / "instance")
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(instance_path),
        instance_relative_config=True,
    )
    app.config.from_mapping(copy.deepcopy(DEFAULTS))  # nested settings are per app
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("TRACKER")
    if config:
        app.config.from_mapping(config)

    private_folder(Path(app.instance_path))
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        db_file = Path(app.instance_path) / "tracker.db"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_file}"
    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key_from_instance(app.instance_path)
    if app.config.get("HTTPS"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"

    if app.config.get("PROXY_FIX_X_FOR") or app.config.get("PROXY_FIX_X_PROTO"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=int(app.config["PROXY_FIX_X_FOR"]),
            x_proto=int(app.config["PROXY_FIX_X_PROTO"]),
        )

    from tracker import (
        blueprints,
        cli,
        errors,
        extensions,
        form_feedback,
        guards,
        i18n,
        navigation,
        security,
        submissions,
        uploads,
    )

    extensions.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    submissions.init_app(app)
    errors.init_app(app)
    guards.init_app(app)
    uploads.init_app(app)  # after guards: it reads an oversized form before they do
    form_feedback.init_app(app)
    navigation.init_app(app)
    blueprints.register(app)
    cli.register(app)
    return app
