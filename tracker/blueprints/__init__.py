"""Blueprints, one package per area."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from tracker.blueprints.admin.routes import bp as admin_bp
    from tracker.blueprints.auth.routes import bp as auth_bp
    from tracker.blueprints.dashboard.routes import bp as dashboard_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
