"""Demo commitments: after the core demo data, with and without the July 2023 workshop."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from tracker.audit import Actor, acting_as
from tracker.demo import load_demo
from tracker.demo.commitments import WORKSHOP_TITLE, seed_commitments
from tracker.extensions import db
from tracker.i18n import WIB
from tracker.models import HierarchyRole, Opd, Person, User
from tracker.models.base import utcnow
from tracker.models.commitment import (
    Commitment,
    CommitmentEvidence,
    CommitmentStatus,
    EvidenceKind,
    ProgressUpdate,
    UpdateKind,
)
from tracker.models.workshop import AttendanceStatus, Invitation, Workshop
from tracker.services import commitments as service
from tracker.uploads import stored_path

S = CommitmentStatus
PRIORITIES = {"KEMISKINAN", "DIGITALISASI", "STUNTING", "INVESTASI"}


def _load(now: dt.datetime) -> tuple[dict[str, int], dict[str, int]]:
    with acting_as(Actor(None, "test")):
        load_demo(now=now, core_only=True)
        first = seed_commitments(now)
        db.session.commit()
        second = seed_commitments(now)
        db.session.commit()
    return first, second


def _check_histories(now: dt.datetime) -> list[Commitment]:
    today = now.astimezone(WIB).date()
    commitments = db.session.scalars(select(Commitment)).all()
    assert commitments
    for c in commitments:
        # One history entry per version, in order, starting with the record.
        assert [u.version for u in c.updates] == list(range(1, c.version + 1)), c.statement
        assert c.updates[0].kind is UpdateKind.CREATE
        ats = [u.at for u in c.updates]
        assert ats == sorted(ats)
        assert all(at < now for at in ats)
        progress_dates = [u.at for u in c.updates if u.kind is UpdateKind.PROGRESS]
        assert progress_dates and min(progress_dates) >= dt.datetime(2023, 8, 1, tzinfo=dt.UTC)
        assert c.made_by is not None and c.carried_out_by is not None
        assert c.carried_out_by.opd_id == c.opd_id
        assert c.thematic_area is not None
        assert c.due_on >= dt.date(2023, 7, 26)
    states = Counter(service.deadline_state(c, today) for c in commitments)
    assert states["overdue"] >= 3
    assert states["due_soon"] >= 1
    statuses = Counter(c.status for c in commitments)
    assert statuses[S.VERIFIED] >= 3
    assert statuses[S.REPORTED_DONE] >= 2
    returned = [c for c in commitments if any(u.kind is UpdateKind.RETURN for u in c.updates)]
    assert len(returned) >= 2
    assert all(c.status is S.ACTIVE for c in returned)
    areas = {c.thematic_area.code for c in commitments}
    assert areas >= PRIORITIES
    dinkes = [c for c in commitments if c.opd.code == "DINKES"]
    assert len(dinkes) >= 3
    # DINKES's secretary has a login: their updates are theirs.
    secretary = db.session.scalar(select(User).where(User.email == "opd.dinkes@example.org"))
    authors = {u.author_id for c in dinkes for u in c.updates if u.kind is UpdateKind.PROGRESS}
    assert authors == {secretary.id}
    # Evidence: links and real PDF files kept like uploads.
    files = db.session.scalars(
        select(CommitmentEvidence).where(CommitmentEvidence.kind == EvidenceKind.FILE)
    ).all()
    assert files
    reader = PdfReader(stored_path(files[0].stored_name))
    assert "Laporan progres" in reader.pages[0].extract_text()
    assert all(e.refers_to_on is not None for e in db.session.scalars(select(CommitmentEvidence)))
    return commitments


def test_demo_without_the_workshop(app):
    now = utcnow()
    first, second = _load(now)
    assert first["commitment"] > 0 and first["progress_update"] > first["commitment"]
    assert second == {"commitment": 0, "progress_update": 0, "evidence": 0}
    commitments = _check_histories(now)
    active_opds = set(db.session.scalars(select(Opd.id).where(Opd.active.is_(True))))
    assert {c.opd_id for c in commitments} == active_opds
    assert all(c.workshop_id is None for c in commitments)


def _july_workshop(absent_codes: set[str]) -> Workshop:
    """The July workshop as the workshops demo records it (heads and secretaries invited)."""
    workshop = Workshop(
        title=WORKSHOP_TITLE,
        starts_at=dt.datetime(2023, 7, 26, 6, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2023, 7, 26, 9, 0, tzinfo=dt.UTC),
        venue="Kota Malang",
    )
    db.session.add(workshop)
    people = db.session.scalars(
        select(Person).where(
            Person.hierarchy_role.in_(
                [
                    HierarchyRole.KEPALA_OPD,
                    HierarchyRole.SEKDA,
                    HierarchyRole.INSPEKTUR,
                    HierarchyRole.SEKRETARIS_OPD,
                ]
            )
        )
    ).all()
    for person in people:
        status = AttendanceStatus.HADIR
        if person.opd.code in absent_codes:
            status = AttendanceStatus.IZIN
        elif person.opd.code == "DISHUB" and person.hierarchy_role is HierarchyRole.KEPALA_OPD:
            status = AttendanceStatus.DIWAKILI
        db.session.add(Invitation(workshop=workshop, person=person, status=status))
    db.session.commit()
    return workshop


def test_demo_with_the_workshop(app):
    now = utcnow()
    with acting_as(Actor(None, "test")):
        load_demo(now=now, core_only=True)
        db.session.commit()
    workshop = _july_workshop(absent_codes={"DLH", "SETWAN"})
    with acting_as(Actor(None, "test")):
        first = seed_commitments(now)
        db.session.commit()
        assert seed_commitments(now)["commitment"] == 0
    assert first["commitment"] > 0
    commitments = _check_histories(now)
    codes = {c.opd.code for c in commitments}
    assert "DLH" not in codes and "SETWAN" not in codes
    assert {"DINKES", "DISHUB", "KEC_KLOJEN"} <= codes
    assert all(c.workshop_id == workshop.id for c in commitments)
    # The OPDs see in the app what the Inspektorat decided; nothing leaves the demo.
    from tracker.models.notification import NoticeEvent, Notification
    from tracker.models.reminder import ReminderDigest

    told = db.session.scalars(select(Notification)).all()
    events = {n.event for n in told}
    assert {NoticeEvent.COMMITMENT_RETURNED, NoticeEvent.COMMITMENT_VERIFIED} <= events
    returned = next(n for n in told if n.event is NoticeEvent.COMMITMENT_RETURNED)
    assert returned.params["note"] and returned.user_id is not None
    assert db.session.scalar(select(func.count()).select_from(ReminderDigest)) == 0


def test_demo_with_the_workshops_demo(app):
    workshops = pytest.importorskip("tracker.demo.workshops")
    now = utcnow()
    with acting_as(Actor(None, "test")):
        load_demo(now=now, core_only=True)
        workshops.seed_workshops(now)
        first = seed_commitments(now)
        db.session.commit()
    assert first["commitment"] > 0
    commitments = _check_histories(now)
    linked = {c.workshop.title for c in commitments}
    assert linked == {WORKSHOP_TITLE}


def test_demo_pages_render(app):
    now = utcnow()
    _load(now)
    from tests.factories import _FAST_HASH, DEFAULT_PASSWORD

    user = db.session.scalar(select(User).where(User.email == "opd.dinkes@example.org"))
    user.password_hash = _FAST_HASH
    db.session.commit()
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    listing = client.get("/commitments/?deadline=overdue")
    assert listing.status_code == 200
    assert "badge-overdue" in listing.get_data(as_text=True)
    own = db.session.scalars(
        select(Commitment).where(Commitment.opd_id == user.opd_id).order_by(Commitment.id)
    ).all()
    for commitment in own:
        page = client.get(f"/commitments/{commitment.id}")
        assert page.status_code == 200
    file_item = db.session.scalar(
        select(CommitmentEvidence)
        .join(Commitment, CommitmentEvidence.commitment_id == Commitment.id)
        .where(Commitment.opd_id == user.opd_id, CommitmentEvidence.kind == EvidenceKind.FILE)
        .limit(1)
    )
    download = client.get(f"/commitments/{file_item.commitment_id}/evidence/{file_item.id}")
    assert download.status_code == 200
    assert download.data.startswith(b"%PDF-")
    assert db.session.scalar(select(func.count()).select_from(ProgressUpdate)) > 0
    assert Path(app.instance_path, "uploads").exists()
