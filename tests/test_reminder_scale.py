"""The reminder run at scale: a constant number of queries whatever the number of open
items, de-duplication through sets (not a scan of each digest), batched writes, reruns
that write nothing and a dry run that plans once. No timings: counts only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests import factories
from tests.findings.factories import make_finding, make_recommendation
from tracker import jobs
from tracker.extensions import db
from tracker.models import AuditLog, HierarchyRole, Opd, Person
from tracker.models.base import utcnow
from tracker.models.commitment import Commitment, CommitmentStatus, ProgressUpdate, UpdateKind
from tracker.models.reminder import ReminderDigest, ReminderItem, ReminderReason
from tracker.services import reminders
from tracker.services.reminders import OpenItem, Recipient

MON = dt.date(2023, 8, 21)  # a Monday
NOW = dt.datetime(2023, 8, 21, 0, 0, tzinfo=dt.UTC)
# due dates that are reminded on MON: today, tomorrow, in 7 working days, overdue, and
# overdue long enough to escalate to the Sekda and the Inspektur
DUE = [
    MON,
    dt.date(2023, 8, 22),
    dt.date(2023, 8, 30),
    MON - dt.timedelta(days=10),
    MON - dt.timedelta(days=45),
]


class City:
    """Three OPDs with a head and a secretary (one secretary with a login), an extra
    official who carries out some commitments, the Sekda and the Inspektur."""

    def __init__(self) -> None:
        self.opds: list[Opd] = []
        for n in range(3):
            opd = factories.make_opd(f"SKALA{n}", f"Dinas Skala {n}")
            factories.make_person(
                opd, hierarchy_role=HierarchyRole.KEPALA_OPD, email=f"kepala{n}@example.org"
            )
            secretary = factories.make_person(
                opd, hierarchy_role=HierarchyRole.SEKRETARIS_OPD, email=f"sekretaris{n}@example.org"
            )
            if n == 0:
                user = factories.make_user("opd", opd=opd, email="login0@example.org")
                user.person = secretary
            self.opds.append(opd)
        self.program: Person = factories.make_person(
            self.opds[1], hierarchy_role=HierarchyRole.OTHER, email="program1@example.org"
        )
        setda = factories.make_opd("SETDA", "Sekretariat Daerah")
        factories.make_person(setda, hierarchy_role=HierarchyRole.SEKDA, email="sekda@example.org")
        factories.make_person(
            None, hierarchy_role=HierarchyRole.INSPEKTUR, email="inspektur@example.org"
        )
        self.finding = make_finding(opds=self.opds)
        self.count = 0
        db.session.commit()

    def add_items(self, n: int) -> None:
        """``n`` open commitments and ``n // 10`` open recommendations, all reminded on
        MON; every tenth commitment sent back with a note."""
        commitments = []
        for _ in range(n):
            k = self.count = self.count + 1
            opd = self.opds[k % 3]
            commitments.append(
                Commitment(
                    opd=opd,
                    statement=f"Komitmen skala {k}",
                    indicator="Indikator",
                    target="Target",
                    due_on=DUE[k % len(DUE)],
                    status=CommitmentStatus.ACTIVE,
                    progress=10,
                    carried_out_by=self.program if k % 7 == 0 and opd is self.opds[1] else None,
                )
            )
        db.session.add_all(commitments)
        db.session.flush()
        for k, commitment in enumerate(commitments):
            if k % 10 == 0:
                db.session.add(
                    ProgressUpdate(
                        commitment_id=commitment.id,
                        version=commitment.version,
                        kind=UpdateKind.RETURN,
                        at=utcnow(),
                        author_label="factory",
                        note="Bukti belum lengkap",
                        status_to=CommitmentStatus.ACTIVE,
                    )
                )
        db.session.commit()
        for k in range(n // 10):
            make_recommendation(self.finding, opd=self.opds[k % 3], due_on=DUE[k % len(DUE)])


def _planned_items(planned: list[reminders.PlannedDigest]) -> int:
    return sum(len(d.items) for d in planned)


def test_planning_takes_the_same_queries_for_30_and_300_open_items(app, count_queries):
    city = City()
    city.add_items(30)
    db.session.expire_all()
    with count_queries() as small:
        planned_small = reminders.plan_digests(MON)
    city.add_items(270)
    db.session.expire_all()
    with count_queries() as large:
        planned_large = reminders.plan_digests(MON)
    assert _planned_items(planned_large) > 9 * _planned_items(planned_small)
    assert {d.recipient.key for d in planned_large} == {d.recipient.key for d in planned_small}
    assert "sekda@example.org" in {d.recipient.key for d in planned_large}  # escalations
    assert "login0@example.org" in {d.recipient.key for d in planned_large}  # a login's address
    assert "program1@example.org" in {d.recipient.key for d in planned_large}  # own executor
    assert small.count == large.count, large.statements
    assert large.count <= 12


def test_queueing_takes_the_same_queries_for_30_and_300_open_items(app, count_queries):
    """The recipients are the same; only their items grow: the outbox rows are written
    in a flush and the items with one executemany, whatever their number."""
    city = City()
    city.add_items(30)
    db.session.expire_all()
    with count_queries() as small:
        first = reminders.queue_digests(MON, now=NOW)
    db.session.commit()
    # the same run again from an empty outbox, with ten times the items
    db.session.execute(db.delete(ReminderItem))
    db.session.execute(db.delete(ReminderDigest))
    db.session.commit()
    city.add_items(270)
    db.session.expire_all()
    with count_queries() as large:
        second = reminders.queue_digests(MON, now=NOW)
    db.session.commit()
    assert len(first.created) == len(second.created)
    assert second.items > 9 * first.items
    assert small.count == large.count, large.statements
    item_inserts = [s for s in large.statements if s.startswith("INSERT INTO reminder_item")]
    assert len(item_inserts) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(ReminderItem)) == second.items


def test_items_are_inserted_in_batches(app, count_queries, monkeypatch):
    city = City()
    city.add_items(100)
    monkeypatch.setattr(reminders, "ITEM_BATCH", 40)
    with count_queries() as queries:
        result = reminders.queue_digests(MON, now=NOW)
    inserts = [s for s in queries.statements if s.startswith("INSERT INTO reminder_item")]
    assert len(inserts) == -(-result.items // 40)
    db.session.commit()
    rows = db.session.scalars(db.select(ReminderItem).order_by(ReminderItem.id)).all()
    assert len(rows) == result.items
    # each digest's items in the digest's order (urgency, due date, title)
    digest = max(result.created, key=lambda d: len(d.payload))
    db.session.refresh(digest)
    assert [(i.item_type, i.item_id) for i in digest.items] == [
        (entry["type"], entry["id"]) for entry in digest.payload
    ]


def test_other_drivers_write_the_items_through_sqlalchemy(app, monkeypatch):
    city = City()
    city.add_items(20)
    monkeypatch.setattr(reminders, "PLACEHOLDERS", {})
    result = reminders.queue_digests(MON, now=NOW)
    db.session.commit()
    rows = db.session.scalars(db.select(ReminderItem)).all()
    assert len(rows) == result.items > 20
    assert {r.reason for r in rows} <= set(ReminderReason)
    assert {r.as_role for r in rows} == {"executor", "head", "escalation"}


class CountingStr(str):
    """A str that counts how often it is compared for equality."""

    comparisons = 0

    def __eq__(self, other: object) -> bool:
        CountingStr.comparisons += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_deduplication_is_set_based(app, monkeypatch):
    """Each item reaches a recipient once, however often sources yield it and however many
    parts (executor, head) the recipient plays; deciding it compares keys only on a hash
    match, not against every item already in the digest."""
    same = Recipient("satu@example.org", "Satu Orang")
    head = Recipient("kepala@example.org", "Kepala")
    n = 600

    def items() -> list[OpenItem]:
        return [
            OpenItem(
                CountingStr("commitment"),  # a new equal-but-not-identical str each time
                k,
                f"Komitmen {k}",
                1,
                "Dinas Kesehatan",
                MON,
                None,
                f"/commitments/{k}",
                same,
                same if k % 2 else head,  # the executor is also the head of odd items
            )
            for k in range(n)
        ]

    # every item three times over, from two sources
    monkeypatch.setattr(reminders, "SOURCES", [lambda _d: items() + items(), lambda _d: items()])
    CountingStr.comparisons = 0
    planned = {d.recipient.key: d for d in reminders.plan_digests(MON)}
    comparisons = CountingStr.comparisons
    assert sorted(p.item.item_id for p in planned[same.key].items) == list(range(n))
    assert {p.as_role for p in planned[same.key].items} == {"executor"}
    assert sorted(p.item.item_id for p in planned[head.key].items) == list(range(0, n, 2))
    assert {p.reason for d in planned.values() for p in d.items} == {ReminderReason.DUE_TODAY}
    # one comparison per duplicate found (about 4n), not one per pair (n² / 2 = 180,000)
    assert comparisons <= 6 * n, comparisons


def _totals() -> tuple[int, int, int]:
    count = db.func.count()
    return (
        db.session.scalar(db.select(count).select_from(ReminderDigest)),
        db.session.scalar(db.select(count).select_from(ReminderItem)),
        db.session.scalar(db.select(count).select_from(AuditLog)),
    )


def test_a_rerun_writes_nothing(app, count_queries, outbox):
    city = City()
    city.add_items(60)
    report = jobs.run_reminders(MON, now=NOW)
    assert report.recipients > 0 and report.items > 60
    before = _totals()
    assert before[0] == report.recipients
    with count_queries() as queries:
        again = reminders.queue_digests(MON, now=NOW)
    db.session.commit()
    assert again.created == [] and again.items == 0
    assert again.existing == report.recipients
    assert not [s for s in queries.statements if s.lstrip().upper().startswith("INSERT")]
    assert _totals() == before
    rerun = jobs.run_reminders(MON, now=NOW)
    assert (rerun.recipients, rerun.items, rerun.already_queued) == (0, 0, report.recipients)
    assert _totals()[:2] == before[:2]


def test_a_key_taken_meanwhile_falls_back_to_one_by_one(app):
    """Another process queued one of the digests between the read of the taken keys and
    the batch (simulated by a row the read does not see): the others are written, that
    one is left alone, and nothing of the failed batch reaches the audit log."""
    city = City()
    city.add_items(20)
    key = reminders.digest_key(MON, reminders.Channel.EMAIL, "kepala0@example.org")
    factories.make_digest(
        "kepala0@example.org", for_date=MON - dt.timedelta(days=1), dedupe_key=key
    )
    audit_before = _totals()[2]
    result = reminders.queue_digests(MON, now=NOW)
    db.session.commit()
    keys = {d.dedupe_key for d in result.created}
    assert key not in keys and result.existing == 1
    assert len(keys) == len(result.created) > 0
    items = db.session.scalars(db.select(ReminderItem)).all()
    assert {i.digest_id for i in items} == {d.id for d in result.created}
    assert len(items) == result.items
    created = db.session.scalars(
        db.select(AuditLog.entity_id).where(
            AuditLog.entity_type == "ReminderDigest", AuditLog.id > 0
        )
    ).all()
    assert sorted(i for i in created if i is not None and i in {d.id for d in result.created}) == (
        sorted(d.id for d in result.created)
    )
    assert _totals()[2] - audit_before == len(result.created)


def test_the_dry_run_plans_once(app, monkeypatch):
    calls: list[dt.date] = []
    item = OpenItem(
        "commitment",
        1,
        "Komitmen 1",
        1,
        "Dinas Kesehatan",
        MON,
        None,
        "/commitments/1",
        Recipient("sekretaris@example.org", "Sekretaris"),
        None,
    )

    def source(day: dt.date) -> list[OpenItem]:
        calls.append(day)
        return [item]

    monkeypatch.setattr(reminders, "SOURCES", [source])
    report = jobs.run_reminders(MON, now=NOW, dry_run=True)
    assert calls == [MON] and (report.recipients, report.items) == (1, 1)
    calls.clear()
    result = app.test_cli_runner().invoke(
        args=["reminders", "run", "--date", MON.isoformat(), "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "sekretaris@example.org" in result.output and "1 butir" in result.output
    assert calls == [MON]
    assert db.session.scalar(db.select(db.func.count()).select_from(ReminderDigest)) == 0


@pytest.mark.parametrize("n", [1, 7])
def test_working_day_arithmetic_is_done_once_per_date(app, monkeypatch, n):
    """The rules count working days once per distinct due date, not once per item."""
    counted: list[Any] = []
    real = reminders.working_days_between

    def counting(start: dt.date, end: dt.date) -> int:
        counted.append(end)
        return real(start, end)

    monkeypatch.setattr(reminders, "working_days_between", counting)
    due = reminders.add_working_days(MON, n)
    recipient = Recipient("a@example.org", "A")
    items = [
        OpenItem("commitment", k, "K", 1, "D", due, None, "/", recipient, None) for k in range(200)
    ]
    monkeypatch.setattr(reminders, "SOURCES", [lambda _d: items])
    (digest,) = reminders.plan_digests(MON)
    assert len(digest.items) == 200
    assert digest.items[0].reason is (ReminderReason.DUE_1 if n == 1 else ReminderReason.DUE_7)
    assert counted == [due]


def _reference_reason(item: OpenItem, today: dt.date, covered: bool) -> ReminderReason | None:
    """The rules as written: working days counted for each item."""
    if item.due_on <= reminders.add_working_days(today, -1):
        return None if covered else ReminderReason.OVERDUE
    if item.due_on <= today:
        return ReminderReason.DUE_TODAY
    ahead = reminders.working_days_between(today, item.due_on)
    if ahead == 1:
        return ReminderReason.DUE_1
    if ahead == 7:
        return ReminderReason.DUE_7
    stale = item.last_progress_on is not None and (today - item.last_progress_on).days >= 30
    return ReminderReason.STALE if stale and not covered else None


@pytest.mark.parametrize(
    "today",
    [
        dt.date(2023, 9, 6),  # a Wednesday: 7 working days ahead is a Friday, then a weekend
        dt.date(2023, 8, 10),  # a Thursday before Independence Day (Thu 17 Aug)
        dt.date(2023, 12, 21),  # before Christmas and the joint leave
    ],
)
def test_remembered_working_days_give_the_reasons_of_the_rules(app, today):
    rules = reminders.DueRules(today)
    recipient = Recipient("a@example.org", "A")
    for offset in range(-12, 40):
        for covered in (False, True):
            item = OpenItem(
                "commitment",
                offset,
                "K",
                1,
                "D",
                today + dt.timedelta(days=offset),
                today - dt.timedelta(days=40),
                "/",
                recipient,
                None,
            )
            expected = _reference_reason(item, today, covered)
            got = reminders.reason_for(item, today, covered=covered, stale_days=30, rules=rules)
            assert got is expected, (item.due_on, covered)
    # a due date on the weekend after the seventh working day is 7 working days ahead
    saturday = OpenItem("commitment", 1, "K", 1, "D", dt.date(2023, 9, 16), None, "/", None, None)
    assert reminders.reason_for(saturday, dt.date(2023, 9, 6), covered=False, stale_days=30) is (
        ReminderReason.DUE_7
    )
