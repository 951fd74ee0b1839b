"""The rules of commitments, on the services directly: transitions, deadlines, bulk entry."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.commitments.factories_commitments import make_commitment, make_officials, make_workshop
from tests.factories import make_opd, make_person, make_user
from tracker.extensions import db
from tracker.models import HierarchyRole
from tracker.models.base import utcnow
from tracker.models.commitment import Commitment, CommitmentStatus, UpdateKind
from tracker.models.workshop import AttendanceStatus
from tracker.permissions import scope_commitments
from tracker.services import commitments as service
from tracker.services.errors import ConflictError, DomainError, NotAllowed

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

S = CommitmentStatus
NOW = dt.datetime(2024, 3, 1, 3, 0, tzinfo=dt.UTC)
TODAY = dt.date(2024, 3, 1)


def _move(commitment, to, actor, **kw):
    update = service.change_status(
        commitment, to, actor=actor, now=NOW, expected_version=commitment.version, **kw
    )
    db.session.commit()
    return update


@pytest.fixture
def people(app):
    opd = make_opd("DINKES")
    return {
        "opd": opd,
        "secretary": make_user("opd", opd=opd),
        "other_secretary": make_user("opd", opd=make_opd()),
        "officer": make_user("inspektorat"),
        "admin": make_user("admin"),
        "leader": make_user("pimpinan"),
    }


def test_every_allowed_transition(people):
    officer, secretary = people["officer"], people["secretary"]
    c = make_commitment(people["opd"], status=S.DRAFT, evidence=True)
    steps = [
        (S.ACTIVE, officer, {}, UpdateKind.ACTIVATE),
        (S.REPORTED_DONE, secretary, {"note": "Selesai"}, UpdateKind.REPORT_DONE),
        (S.ACTIVE, officer, {"note": "Bukti kurang"}, UpdateKind.RETURN),
        (S.REPORTED_DONE, officer, {}, UpdateKind.REPORT_DONE),  # the Inspektorat may too
        (S.VERIFIED, officer, {"note": "Sesuai"}, UpdateKind.VERIFY),
    ]
    for to, actor, kw, kind in steps:
        before = c.status
        update = _move(c, to, actor, **kw)
        assert (update.kind, update.status_from, update.status_to) == (kind, before, to)
        assert update.version == c.version
        assert update.author_id == actor.id
    assert c.verified_by_id == officer.id
    assert c.verified_at == NOW
    assert c.progress == 100
    assert [u.kind for u in c.updates][-5:] == [s[3] for s in steps]


@pytest.mark.parametrize("start", [S.DRAFT, S.ACTIVE, S.REPORTED_DONE])
def test_cancel_from_any_open_status_needs_a_reason(people, start):
    c = make_commitment(people["opd"], status=start)
    with pytest.raises(DomainError, match="reason"):
        _move(c, S.CANCELLED, people["officer"])
    db.session.rollback()
    update = _move(c, S.CANCELLED, people["officer"], reason="Anggaran dialihkan")
    assert c.status is S.CANCELLED
    assert c.cancel_reason == "Anggaran dialihkan"
    assert update.note == "Anggaran dialihkan"


def test_verified_is_final_and_cancelled_reopens_with_a_note(people):
    verified = make_commitment(people["opd"], status=S.VERIFIED)
    for to in (S.ACTIVE, S.CANCELLED, S.REPORTED_DONE, S.DRAFT):
        with pytest.raises(DomainError, match="cannot become"):
            _move(verified, to, people["admin"], reason="x", note="x")
        db.session.rollback()
    cancelled = make_commitment(people["opd"], status=S.CANCELLED, cancel_reason="x")
    with pytest.raises(DomainError, match="reopened"):
        _move(cancelled, S.ACTIVE, people["officer"])
    db.session.rollback()
    update = _move(cancelled, S.ACTIVE, people["officer"], note="Salah input")
    assert update.kind is UpdateKind.REOPEN
    assert cancelled.cancel_reason is None


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (S.DRAFT, S.REPORTED_DONE),
        (S.DRAFT, S.VERIFIED),
        (S.ACTIVE, S.VERIFIED),
        (S.ACTIVE, S.DRAFT),
        (S.REPORTED_DONE, S.DRAFT),
        (S.CANCELLED, S.VERIFIED),
        (S.ACTIVE, S.ACTIVE),
    ],
)
def test_transitions_that_do_not_exist(people, start, to):
    c = make_commitment(people["opd"], status=start, evidence=True)
    with pytest.raises(DomainError, match="cannot become"):
        _move(c, to, people["admin"], note="x", reason="x")


def test_who_may_change_what(people):
    opd = people["opd"]
    secretary, other, leader = people["secretary"], people["other_secretary"], people["leader"]
    draft = make_commitment(opd, status=S.DRAFT)
    active = make_commitment(opd, evidence=True)
    reported = make_commitment(opd, status=S.REPORTED_DONE)
    refused = [
        (draft, S.ACTIVE, secretary),
        (active, S.CANCELLED, secretary),
        (reported, S.VERIFIED, secretary),
        (reported, S.ACTIVE, secretary),
        (active, S.REPORTED_DONE, other),
        (active, S.REPORTED_DONE, leader),
        (reported, S.VERIFIED, leader),
    ]
    for commitment, to, actor in refused:
        with pytest.raises(NotAllowed):
            _move(commitment, to, actor, note="x", reason="x")
        db.session.rollback()
    assert service.allowed_transitions(active, secretary) == {S.REPORTED_DONE}
    assert service.allowed_transitions(active, leader) == set()
    assert service.allowed_transitions(reported, people["officer"]) == {
        S.VERIFIED,
        S.ACTIVE,
        S.CANCELLED,
    }
    assert service.allowed_transitions(active, other) == set()


def test_report_done_needs_evidence(people):
    c = make_commitment(people["opd"])
    with pytest.raises(DomainError, match="evidence"):
        _move(c, S.REPORTED_DONE, people["secretary"])


def test_stale_version_changes_nothing(people):
    c = make_commitment(people["opd"], evidence=True)
    stale = c.version
    _move(c, S.REPORTED_DONE, people["secretary"])
    with pytest.raises(ConflictError):
        service.change_status(
            c, S.VERIFIED, actor=people["officer"], now=NOW, expected_version=stale
        )
    db.session.rollback()
    assert c.status is S.REPORTED_DONE
    since = service.updates_since(c.id, stale)
    assert [u.kind for u in since] == [UpdateKind.REPORT_DONE]
    with pytest.raises(ConflictError):
        service.post_progress(
            c,
            actor=people["secretary"],
            now=NOW,
            today=TODAY,
            note="x",
            progress=10,
            expected_version=None,
        )


def test_progress_rules(people):
    c = make_commitment(people["opd"])
    secretary = people["secretary"]

    def post(**kw):
        values = {"note": "Rapat", "progress": 30, "expected_version": c.version}
        values.update(kw)
        return service.post_progress(c, actor=secretary, now=NOW, today=TODAY, **values)

    cases = [
        ({"note": ""}, "required"),
        ({"progress": 101}, "0 to 100"),
        ({"progress": None}, "0 to 100"),
        ({"links": "javascript:alert(1)"}, "Only http"),
        ({"links": "ftp://example.org/x"}, "Only http"),
        ({"links": "https://"}, "Only http"),
        ({"links": "\n".join(f"https://e.org/{i}" for i in range(6))}, "at most 5 links"),
        ({"links": "https://e.org/x", "refers_to_on": None}, "date the evidence"),
        ({"links": "https://e.org/x", "refers_to_on": TODAY + dt.timedelta(1)}, "future"),
    ]
    for kw, message in cases:
        with pytest.raises(DomainError) as info:
            post(**kw)
        messages = [e.message for e in getattr(info.value, "errors", [info.value])]
        assert any(message in m for m in messages), (kw, messages)
        db.session.rollback()
    update = post(links="https://e.org/a\n\nhttps://e.org/b", refers_to_on=dt.date(2024, 2, 1))
    db.session.commit()
    assert [e.url for e in update.evidence] == ["https://e.org/a", "https://e.org/b"]
    assert c.progress == 30
    assert c.last_progress_at == NOW
    with pytest.raises(NotAllowed):
        service.post_progress(
            c,
            actor=people["other_secretary"],
            now=NOW,
            today=TODAY,
            note="x",
            progress=1,
            expected_version=c.version,
        )


def test_overdue_and_due_soon(people):
    opd = people["opd"]
    cases = {
        "overdue": make_commitment(opd, due_on=TODAY - dt.timedelta(days=1)),
        "due_today": make_commitment(opd, due_on=TODAY),
        "due_in_7": make_commitment(opd, due_on=TODAY + dt.timedelta(days=7)),
        "due_in_8": make_commitment(opd, due_on=TODAY + dt.timedelta(days=8)),
        "reported_late": make_commitment(
            opd, status=S.REPORTED_DONE, due_on=TODAY - dt.timedelta(days=30)
        ),
        "draft_late": make_commitment(opd, status=S.DRAFT, due_on=TODAY - dt.timedelta(days=3)),
        "verified_late": make_commitment(opd, status=S.VERIFIED, due_on=dt.date(2020, 1, 1)),
        "cancelled_soon": make_commitment(opd, status=S.CANCELLED, due_on=TODAY),
    }
    expected = {
        "overdue": "overdue",
        "due_today": "due_soon",
        "due_in_7": "due_soon",
        "due_in_8": None,
        "reported_late": None,
        "draft_late": None,
        "verified_late": None,
        "cancelled_soon": None,
    }
    for name, commitment in cases.items():
        assert service.deadline_state(commitment, TODAY) == expected[name], name
    # The SQL expressions agree with the Python ones.
    overdue = set(db.session.scalars(select(Commitment.id).where(service.overdue_clause(TODAY))))
    soon = set(db.session.scalars(select(Commitment.id).where(service.due_soon_clause(TODAY))))
    assert overdue == {c.id for n, c in cases.items() if expected[n] == "overdue"}
    assert soon == {c.id for n, c in cases.items() if expected[n] == "due_soon"}
    assert service.days_overdue(cases["overdue"], TODAY) == 1


def test_stale_flag(people):
    c = make_commitment(people["opd"])
    now = utcnow()
    assert not service.is_stale(c, now)
    assert service.is_stale(c, now + dt.timedelta(days=31))
    stale = set(
        db.session.scalars(
            select(Commitment.id).where(service.stale_clause(now + dt.timedelta(days=31)))
        )
    )
    assert stale == {c.id}


def test_scope_hides_other_opds_and_drafts(people):
    own = make_commitment(people["opd"])
    draft = make_commitment(people["opd"], status=S.DRAFT)
    other = make_commitment(make_opd())

    def visible(user):
        return set(db.session.scalars(scope_commitments(select(Commitment.id), user)))

    assert visible(people["secretary"]) == {own.id}
    assert visible(people["leader"]) == {own.id, draft.id, other.id}
    assert visible(people["officer"]) == {own.id, draft.id, other.id}


def test_bulk_rows_from_attendance(app):
    dinkes = make_opd("DINKES", sort_order=2)
    setda = make_opd("SETDA", sort_order=1)
    absent = make_opd("DLH", sort_order=3)
    head, secretary = make_officials(dinkes)
    sekda = make_person(setda, hierarchy_role=HierarchyRole.SEKDA)
    setda_sec = make_person(setda, hierarchy_role=HierarchyRole.SEKRETARIS_OPD)
    absent_head, _ = make_officials(absent)
    workshop = make_workshop(
        attendance=[
            (secretary, AttendanceStatus.HADIR),  # the head did not come: still the head
            (setda_sec, AttendanceStatus.DIWAKILI),
            (sekda, AttendanceStatus.HADIR),
            (absent_head, AttendanceStatus.TIDAK_HADIR),
        ]
    )
    rows = service.bulk_rows(workshop)
    assert [(r.opd.code, r.made_by_id, r.carried_out_by_id) for r in rows] == [
        ("SETDA", sekda.id, setda_sec.id),
        ("DINKES", head.id, secretary.id),
    ]


def test_bulk_create_all_or_nothing(app):
    opd = make_opd()
    head, _secretary = make_officials(opd)
    workshop = make_workshop(attendance=[(head, AttendanceStatus.HADIR)])
    officer = make_user("inspektorat")
    good = {
        "opd_id": opd.id,
        "statement": "A",
        "indicator": "B",
        "target": "C",
        "due_on": dt.date(2023, 12, 31),
    }
    with pytest.raises(service.InvalidRows) as info:
        service.create_commitments(
            [(0, good), (3, {**good, "statement": ""})], workshop=workshop, actor=officer, now=NOW
        )
    assert set(info.value.rows) == {3}
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Commitment)) == 0
    with pytest.raises(NotAllowed):
        service.create_commitments([(0, good)], workshop=workshop, actor=make_user("opd"), now=NOW)
    created = service.create_commitments(
        [(0, good), (1, {**good, "statement": "D"})], workshop=workshop, actor=officer, now=NOW
    )
    db.session.commit()
    assert [c.statement for c in created] == ["A", "D"]
    assert all(c.workshop_id == workshop.id for c in created)
