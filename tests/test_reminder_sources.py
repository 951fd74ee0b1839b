"""Reminders over real commitments and recommendations, and two scheduler processes."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from tests import factories
from tests.commitments.factories_commitments import make_commitment
from tests.findings.factories import make_finding, make_recommendation, make_review
from tracker import jobs
from tracker.extensions import db
from tracker.models import HierarchyRole
from tracker.models.commitment import CommitmentStatus
from tracker.models.finding import Outcome
from tracker.models.reminder import ReminderDigest
from tracker.services import reminders

MON = dt.date(2023, 8, 21)
NOW = dt.datetime(2023, 8, 21, 0, 0, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parent.parent


def _city():
    dinkes = factories.make_opd("DINKES", "Dinas Kesehatan")
    head = factories.make_person(
        dinkes,
        hierarchy_role=HierarchyRole.KEPALA_OPD,
        name="Kepala Dinkes",
        email="kepala.dinkes@example.org",
    )
    secretary = factories.make_person(
        dinkes,
        hierarchy_role=HierarchyRole.SEKRETARIS_OPD,
        name="Sekretaris Dinkes",
        email="sekretaris.dinkes@example.org",
    )
    return dinkes, head, secretary


def test_open_commitments_and_recommendations_are_reminded(app):
    dinkes, _head, secretary = _city()
    due_today = make_commitment(dinkes, due_on=MON, statement="Menyusun SOP stunting")
    make_commitment(dinkes, due_on=MON, status=CommitmentStatus.VERIFIED, statement="Selesai")
    make_commitment(
        dinkes, due_on=MON, status=CommitmentStatus.REPORTED_DONE, statement="Menunggu verifikasi"
    )
    finding = make_finding(opds=[dinkes])
    open_rec = make_recommendation(finding, opd=dinkes, due_on=dt.date(2023, 8, 22))
    settled = make_recommendation(finding, opd=dinkes, due_on=dt.date(2023, 8, 22))
    make_review(settled, outcome=Outcome.SESUAI)
    planned = {d.recipient.email: d for d in reminders.plan_digests(MON)}
    assert set(planned) == {"sekretaris.dinkes@example.org", "kepala.dinkes@example.org"}
    items = {(p.item.item_type, p.item.item_id): p for p in planned[secretary.email].items}
    assert set(items) == {("commitment", due_today.id), ("recommendation", open_rec.id)}
    assert items[("recommendation", open_rec.id)].item.url_path == (
        f"/findings/{finding.id}#rec-{open_rec.id}"
    )


def test_the_commitments_own_secretary_and_head_come_first(app):
    dinkes, _head, _secretary = _city()
    other_secretary = factories.make_person(
        dinkes,
        hierarchy_role=HierarchyRole.OTHER,
        name="Kasubbag Program",
        email="program.dinkes@example.org",
    )
    make_commitment(dinkes, due_on=MON, carried_out_by=other_secretary)
    planned = {d.recipient.email for d in reminders.plan_digests(MON)}
    assert planned == {"program.dinkes@example.org", "kepala.dinkes@example.org"}


def test_a_login_address_is_preferred(app):
    dinkes, _head, secretary = _city()
    user = factories.make_user("opd", opd=dinkes, email="sekretaris@malangkota.go.id")
    user.person = secretary
    db.session.commit()
    make_commitment(dinkes, due_on=MON)
    planned = {d.recipient.email for d in reminders.plan_digests(MON)}
    assert "sekretaris@malangkota.go.id" in planned


def test_two_scheduler_processes_send_each_digest_once(app, database_url, smtp_server, tmp_path):
    sink, port = smtp_server
    dinkes, _head, _secretary = _city()
    for i in range(3):
        make_commitment(dinkes, due_on=MON, statement=f"Komitmen {i}")
    env = {
        **os.environ,
        "TRACKER_SQLALCHEMY_DATABASE_URI": database_url,
        "TRACKER_SECRET_KEY": "test",
        "TRACKER_MAIL_SERVER": "127.0.0.1",
        "TRACKER_BASE_URL": "https://tracker.example.org",
        "TRACKER_MAIL_PORT": str(port),
        "TRACKER_MAIL_OUTBOX_FOLDER": str(tmp_path / "outbox"),
    }
    command = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "wsgi",
        "reminders",
        "run",
        "--date",
        MON.isoformat(),
    ]
    processes = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert sorted(m["To"] for m in sink.received) == [
        "kepala.dinkes@example.org",
        "sekretaris.dinkes@example.org",
    ], outputs
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(ReminderDigest)) == 2
    # and a third run the same day sends nothing more
    report = jobs.run_reminders(MON, now=NOW)
    assert report.sent == 0
    assert len(sink.received) == 2


def test_pages_show_when_an_item_was_last_reminded(app, client, login):
    dinkes, _head, _secretary = _city()
    commitment = make_commitment(dinkes, due_on=MON)
    finding = make_finding(opds=[dinkes])
    rec = make_recommendation(finding, opd=dinkes, due_on=MON)
    jobs.run_reminders(MON, now=NOW)
    login(factories.make_user("inspektorat"))
    page = client.get(f"/commitments/{commitment.id}").get_data(as_text=True)
    assert "Senin, 21 Agustus 2023" in page
    page = client.get(f"/findings/{finding.id}").get_data(as_text=True)
    assert 'data-testid="last-reminded"' in page
    assert rec.id
