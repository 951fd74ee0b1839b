"""``flask users create``: roles, OPDs, duplicates, password from stdin."""

from __future__ import annotations

from tests import factories
from tracker.extensions import db
from tracker.models import AuditLog, Role, User


def _create(app, *args, stdin="kata-sandi-123\n"):
    return app.test_cli_runner().invoke(args=["users", "create", *args], input=stdin)


def test_create_admin_from_stdin(app):
    result = _create(
        app, "Admin@Example.org", "--role", "admin", "--name", "Admin Kota", "--password-stdin"
    )
    assert result.exit_code == 0, result.output
    assert "akun dibuat: admin@example.org (admin)" in result.output
    user = db.session.scalar(db.select(User).where(User.email == "admin@example.org"))
    assert user.role is Role.ADMIN
    assert user.name == "Admin Kota"
    assert user.password_hash.startswith("scrypt:")
    entry = db.session.scalar(db.select(AuditLog).where(AuditLog.entity_type == "User"))
    assert entry.actor_label == "cli"
    assert entry.changes["password_hash"] == [None, "••••••"]


def test_create_opd_user_needs_a_known_opd(app):
    factories.make_opd("DINKES", "Dinas Kesehatan")
    missing = _create(app, "a@example.org", "--role", "opd", "--password-stdin")
    assert missing.exit_code == 2
    assert "--opd KODE" in missing.output
    unknown = _create(app, "a@example.org", "--role", "opd", "--opd", "NOPE", "--password-stdin")
    assert unknown.exit_code == 2
    assert "kode OPD 'NOPE' tidak dikenal" in unknown.output
    ok = _create(app, "a@example.org", "--role", "opd", "--opd", "dinkes", "--password-stdin")
    assert ok.exit_code == 0, ok.output
    assert db.session.scalar(db.select(User)).opd.code == "DINKES"


def test_opd_option_only_for_opd_role(app):
    factories.make_opd("DINKES", "Dinas Kesehatan")
    result = _create(app, "a@example.org", "--role", "admin", "--opd", "DINKES", "--password-stdin")
    assert result.exit_code == 2


def test_unknown_role_is_a_clear_error(app):
    result = _create(app, "a@example.org", "--role", "walikota", "--password-stdin")
    assert result.exit_code == 2
    assert "peran 'walikota' tidak dikenal" in result.output
    assert "admin, inspektorat, opd, pimpinan" in result.output


def test_duplicate_email_is_a_clear_error(app):
    factories.make_user(Role.ADMIN, email="ada@example.org")
    result = _create(app, "ADA@example.org", "--role", "pimpinan", "--password-stdin")
    assert result.exit_code == 1
    assert "sudah ada" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_weak_password_is_refused(app):
    result = _create(app, "a@example.org", "--role", "admin", "--password-stdin", stdin="123\n")
    assert result.exit_code == 1
    assert "minimal 10 karakter" in result.output


def test_password_prompt_with_confirmation(app):
    result = _create(
        app, "a@example.org", "--role", "pimpinan", stdin="kata-sandi-123\nkata-sandi-123\n"
    )
    assert result.exit_code == 0, result.output
