"""Command-line interface: ``flask --app wsgi seed demo``, ``flask --app wsgi users create``."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select

from tracker.audit import Actor, acting_as
from tracker.extensions import db
from tracker.models import Opd, Role
from tracker.models.base import utcnow
from tracker.services import accounts
from tracker.services.errors import DomainError

CLI_ACTOR = Actor(None, "cli")

seed_cli = AppGroup("seed", help="Load reference and demo data.")
users_cli = AppGroup("users", help="Manage logins.")
reminders_cli = AppGroup(
    "reminders", help="Reminders and notices by e-mail and WhatsApp (the outbox)."
)


@seed_cli.command("demo")
def seed_demo() -> None:
    """Load Kota Malang's demo data (idempotent: only what is missing is added)."""
    from tracker.demo import load_demo

    with acting_as(CLI_ACTOR):
        report = load_demo(now=utcnow())
        db.session.commit()
    click.echo(report.summary())


@users_cli.command("create")
@click.argument("email")
@click.option("--role", "role_name", required=True, help="admin, inspektorat, opd or pimpinan")
@click.option("--opd", "opd_code", help="OPD code, required for the opd role (e.g. DINKES)")
@click.option("--name", help="Display name (default: the part of the e-mail before @)")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input")
def create_user(
    email: str, role_name: str, opd_code: str | None, name: str | None, password_stdin: bool
) -> None:
    """Create a login."""
    try:
        role = Role(role_name.strip().lower())
    except ValueError:
        valid = ", ".join(r.value for r in Role)
        raise click.UsageError(
            f"peran '{role_name}' tidak dikenal; pilih salah satu: {valid}"
        ) from None
    opd = None
    if opd_code:
        opd = db.session.scalar(select(Opd).where(func.upper(Opd.code) == opd_code.upper()))
        if opd is None:
            raise click.UsageError(f"kode OPD '{opd_code}' tidak dikenal")
    if role is Role.OPD and opd is None:
        raise click.UsageError("peran opd memerlukan --opd KODE")
    if role is not Role.OPD and opd is not None:
        raise click.UsageError("--opd hanya untuk peran opd")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Kata sandi", hide_input=True, confirmation_prompt=True)
    try:
        with acting_as(CLI_ACTOR):
            user = accounts.create_user(
                email=email,
                name=name or email.split("@", 1)[0],
                role=role,
                password=password,
                opd=opd,
                now=utcnow(),
            )
            db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    click.echo(f"akun dibuat: {user.email} ({user.role.value}{', ' + opd.code if opd else ''})")


def _require_base_url() -> None:
    """Mail and the scheduler need the public address for their links."""
    from tracker.links import ConfigurationError, base_url

    try:
        base_url()
    except ConfigurationError:
        raise click.ClickException(
            "BASE_URL belum diatur: setel TRACKER_BASE_URL (atau BASE_URL di "
            "instance/config.py) ke alamat tracker yang dibuka pengguna, misalnya "
            "https://tracker.malangkota.go.id"
        ) from None


@reminders_cli.command("run")
@click.option("--date", "date_text", help="Run as of this date (YYYY-MM-DD); default today in WIB")
@click.option("--dry-run", is_flag=True, help="Show what would be sent; write and send nothing")
def reminders_run(date_text: str | None, dry_run: bool) -> None:
    """Queue today's reminder digests and send what is pending."""
    from tracker import jobs
    from tracker.i18n import today_wib

    if date_text:
        try:
            day = dt.date.fromisoformat(date_text)
        except ValueError:
            raise click.BadParameter("gunakan format YYYY-MM-DD", param_hint="--date") from None
    else:
        day = today_wib()
    if not dry_run:
        _require_base_url()
    with acting_as(CLI_ACTOR):
        report = jobs.run_reminders(day, now=utcnow(), dry_run=dry_run)
    click.echo(report.summary())
    if dry_run:
        from tracker.services.reminders import channels_of

        for digest in report.planned:  # planned once, by the dry run
            where = ", ".join(
                f"{address} ({channel.label})" for channel, address in channels_of(digest.recipient)
            )
            click.echo(f"  {digest.recipient.name} · {where}: {len(digest.items)} butir")
        db.session.rollback()


@reminders_cli.command("send")
def reminders_send() -> None:
    """Send what is due in the outbox now: notices whose few minutes have passed and
    retries (the scheduler does this every minute)."""
    from tracker import jobs

    _require_base_url()
    with acting_as(CLI_ACTOR):
        sent, failed = jobs.deliver_pending(utcnow())
    click.echo(f"{sent} terkirim, {failed} gagal (akan dicoba lagi bila sementara)")


@click.command("scheduler")
def scheduler_command() -> None:
    """Run the reminder scheduler (daily run and retries) until stopped."""
    from flask import current_app

    from tracker.scheduler import build_scheduler

    _require_base_url()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = build_scheduler(app, blocking=True)
    click.echo(
        f"penjadwal: pengingat harian pukul {app.config['REMINDER_TIME']} WIB, "
        f"coba ulang tiap {app.config['REMINDER_RETRY_MINUTES']} menit; Ctrl+C untuk berhenti"
    )
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--with-scheduler", is_flag=True, help="Run the reminder scheduler in-process")
def serve_command(host: str, port: int, with_scheduler: bool) -> None:
    """Serve the app (development server, no reloader), optionally with the scheduler."""
    from flask import current_app
    from werkzeug.serving import run_simple

    from tracker.scheduler import build_scheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = None
    if with_scheduler:
        _require_base_url()
        scheduler = build_scheduler(app, blocking=False)
        scheduler.start()
        click.echo(f"penjadwal: pengingat harian pukul {app.config['REMINDER_TIME']} WIB")
    try:
        run_simple(host, port, app, use_reloader=False, threaded=True)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


@click.command("import")
@click.argument("kind", type=click.Choice(["opds", "officials", "commitments", "findings"]))
@click.argument("file_path", metavar="FILE")
@click.option("--dry-run", is_flag=True, help="Only check the file and show the plan")
@click.option(
    "--as",
    "as_email",
    metavar="EMAIL",
    help="The login credited with the import (default: the first active administrator)",
)
def import_command(kind: str, file_path: str, dry_run: bool, as_email: str | None) -> None:
    """Import a spreadsheet (XLSX or CSV): all rows, or nothing when any row has a problem."""
    from pathlib import Path

    from tracker.models import User
    from tracker.services import imports
    from tracker.services.errors import NotAllowed

    path = Path(file_path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise click.ClickException(
            f"berkas {file_path} tidak dapat dibaca: {exc.strerror or exc}"
        ) from None
    if as_email:
        user = db.session.scalar(select(User).where(func.lower(User.email) == as_email.lower()))
        if user is None or not user.is_active:
            raise click.UsageError(f"tidak ada akun aktif {as_email}")
    else:
        user = db.session.scalar(
            select(User)
            .where(User.role == Role.ADMIN, User.active.is_(True))
            .order_by(User.id)
            .limit(1)
        )
    try:
        with acting_as(CLI_ACTOR):
            result = imports.run(kind, data, path.name, now=utcnow(), actor=user, dry_run=dry_run)
            if dry_run or not result.imported:
                db.session.rollback()
            else:
                db.session.commit()
    except (DomainError, NotAllowed) as exc:
        db.session.rollback()
        raise click.ClickException(exc.message or "impor ditolak") from None
    click.echo(f"{path.name}: {result.rows} baris")
    click.echo(imports.summary_text(result.plan))
    for line in imports.plan_lines(result.plan):
        click.echo(line)
    if result.imported:
        click.echo(imports.imported_text(result.plan))
    elif result.plan.ok:
        click.echo("uji coba: berkas dapat diimpor; tidak ada yang diubah")
    else:
        click.echo("tidak ada yang diimpor: perbaiki masalah di atas lalu ulangi")
        sys.exit(1)


def register(app: Flask) -> None:
    app.cli.add_command(seed_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(import_command)
