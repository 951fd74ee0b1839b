"""Blueprints, one package per area."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from tracker.blueprints.admin.routes import bp as admin_bp
    from tracker.blueprints.auth.routes import bp as auth_bp
    from tracker.blueprints.commitments.routes import bp as commitments_bp
    from tracker.blueprints.dashboard.routes import bp as dashboard_bp
    from tracker.blueprints.findings.routes import bp as findings_bp
    from tracker.blueprints.imports.routes import bp as imports_bp
    from tracker.blueprints.inbox.routes import bp as inbox_bp
    from tracker.blueprints.letters.routes import bp as letters_bp
    from tracker.blueprints.notifications.routes import bp as notifications_bp
    from tracker.blueprints.passes.routes import bp as passes_bp
    from tracker.blueprints.reminders.routes import bp as reminders_bp
    from tracker.blueprints.webhooks.routes import bp as webhooks_bp
    from tracker.blueprints.workshops.routes import bp as workshops_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(workshops_bp, url_prefix="/workshops")
    app.register_blueprint(commitments_bp, url_prefix="/commitments")
    app.register_blueprint(findings_bp, url_prefix="/findings")
    app.register_blueprint(reminders_bp, url_prefix="/reminders")
    app.register_blueprint(inbox_bp, url_prefix="/inbox")
    app.register_blueprint(imports_bp, url_prefix="/imports")
    app.register_blueprint(passes_bp)
    app.register_blueprint(notifications_bp, url_prefix="/notifications")
    app.register_blueprint(webhooks_bp, url_prefix="/webhooks")
    # SKBT pages under /skbt/ and the public /verify/<token>
    app.register_blueprint(letters_bp)
