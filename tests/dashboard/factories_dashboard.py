"""A small known city for the dashboard tests, whose figures are computed by hand.

Two OPDs with figures (DINKES, DISKOMINFO), one without (BAPPEDA), an inactive one (LAMA).
With ``today = 2023-09-15`` and the period 2023 (see the tests for the arithmetic):

* DINKES: 2 verified, 1 overdue, 1 reported done, 1 cancelled, 1 draft → in force 4,
  completion 2/4 = 50.00 %; attendance 2/2.
* DISKOMINFO: 1 verified, 2 active (1 overdue, 1 due soon) → in force 3, 1/3 = 33.33 %;
  attendance 0/2.
* Recommendations, reviewed for 2023-S2 (the monitoring of the year 2023): the 2023 report's
  r1–r7 and the 2022 report's r8 (not reviewed). DINKES 5 (1 outcome 1) → 20.00 %;
  DISKOMINFO 3 (1 outcome 1) → 33.33 %; the city 2 of 8 = 25.00 %.
* City: 3 verified of 7 in force = 42.86 %; attendance 3/5 = 60.00 %; two financial
  findings: Rp 15.000.000 to recover, Rp 4.500.000 repaid by the end of 2023.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from tests import factories
from tracker.extensions import db
from tracker.models import HierarchyRole, Opd, Person, Role, ThematicArea, User
from tracker.models.commitment import Commitment, CommitmentStatus
from tracker.models.finding import (
    EvaluationResult,
    Finding,
    Grade,
    Instrument,
    Outcome,
    Recommendation,
    RecommendationReview,
    Repayment,
    Report,
    ReportKind,
    UnfollowableReason,
)
from tracker.models.workshop import AttendanceStatus, Invitation, Workshop, WorkshopStatus
from tracker.services.findings import refresh_outcome

S = CommitmentStatus
TODAY = dt.date(2023, 9, 15)
#: The semester the known city's recommendations were reviewed for.
REVIEW_PERIOD = "2023-S2"
_seq = itertools.count(1)


def utc(year: int, month: int, day: int, hour: int = 3) -> dt.datetime:
    return dt.datetime(year, month, day, hour, 0, tzinfo=dt.UTC)


def make_commitment(
    opd: Opd,
    status: CommitmentStatus,
    due_on: dt.date,
    *,
    area: ThematicArea | None = None,
    progress: int = 0,
    verified_at: dt.datetime | None = None,
    statement: str | None = None,
) -> Commitment:
    n = next(_seq)
    commitment = Commitment(
        opd=opd,
        statement=statement or f"Komitmen {n}",
        indicator="Indikator",
        target="Target",
        due_on=due_on,
        status=status,
        progress=progress,
        thematic_area=area,
        verified_at=verified_at,
    )
    db.session.add(commitment)
    db.session.flush()
    return commitment


def make_report(year: int = 2022, received_on: dt.date = dt.date(2023, 2, 1)) -> Report:
    n = next(_seq)
    report = Report(
        kind=ReportKind.LHP_INSPEKTORAT,
        year=year,
        number=f"700/{n}/35.73.401/2023",
        issuer="Inspektorat Kota Malang",
        issued_on=received_on,
        received_on=received_on,
    )
    db.session.add(report)
    db.session.flush()
    return report


def make_finding(report: Report, opd: Opd, amount: Decimal | None = None) -> Finding:
    n = next(_seq)
    finding = Finding(
        report=report,
        number=str(n),
        title=f"Temuan {n}",
        opds=[opd],
        is_financial=amount is not None,
        amount_to_recover=amount,
    )
    db.session.add(finding)
    db.session.flush()
    return finding


def _reviewer() -> User:
    found = db.session.scalar(select(User).where(User.role == Role.INSPEKTORAT).limit(1))
    return found or factories.make_user(Role.INSPEKTORAT)


def review(
    rec: Recommendation,
    outcome: Outcome,
    period: str = REVIEW_PERIOD,
    *,
    new_due_on: dt.date | None = None,
) -> RecommendationReview:
    """The Inspektorat's review of ``rec`` for ``period``; the current outcome follows."""
    if outcome is Outcome.BELUM_SESUAI and new_due_on is None:
        new_due_on = rec.due_on
    row = RecommendationReview(
        recommendation=rec,
        period=period,
        outcome=outcome,
        reason=UnfollowableReason.FORCE_MAJEURE
        if outcome is Outcome.TIDAK_DAPAT_DITINDAKLANJUTI
        else None,
        new_due_on=new_due_on if outcome is Outcome.BELUM_SESUAI else None,
        reviewer=_reviewer(),
    )
    db.session.add(row)
    db.session.flush()
    refresh_outcome(rec)
    if outcome is Outcome.BELUM_SESUAI and new_due_on is not None:
        rec.due_on = new_due_on
    db.session.flush()
    return row


def make_recommendation(
    finding: Finding,
    opd: Opd,
    original_due_on: dt.date,
    outcome: Outcome | None = None,
    *,
    due_on: dt.date | None = None,
    text: str | None = None,
    period: str = REVIEW_PERIOD,
) -> Recommendation:
    """A recommendation; with ``outcome``, reviewed so for ``period`` (outcome 2 with
    ``due_on`` as its new deadline)."""
    n = next(_seq)
    rec = Recommendation(
        finding=finding,
        number=str(n),
        text=text or f"Rekomendasi {n}",
        opd=opd,
        original_due_on=original_due_on,
        due_on=original_due_on,
    )
    db.session.add(rec)
    db.session.flush()
    if outcome is not None:
        review(rec, outcome, period, new_due_on=due_on)
    elif due_on is not None:
        rec.due_on = due_on
        db.session.flush()
    return rec


def make_workshop(starts_at: dt.datetime, status: WorkshopStatus, title: str = "") -> Workshop:
    workshop = Workshop(
        title=title or f"Workshop {next(_seq)}",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=6),
        venue="Balai Kota Malang",
        status=status,
    )
    db.session.add(workshop)
    db.session.flush()
    return workshop


def invite(workshop: Workshop, person: Person, status: AttendanceStatus) -> Invitation:
    invitation = Invitation(workshop=workshop, person=person, status=status)
    db.session.add(invitation)
    db.session.flush()
    return invitation


@dataclass
class City:
    dinkes: Opd
    kominfo: Opd
    bappeda: Opd
    lama: Opd
    areas: dict[str, ThematicArea]
    people: dict[str, Person]
    commitments: dict[str, Commitment] = field(default_factory=dict)
    recommendations: dict[str, Recommendation] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def user(self, role: Role, opd: Opd | None = None) -> User:
        return factories.make_user(role, opd=opd)


def known_city() -> City:
    """The data set described in the module docstring (committed)."""
    dinkes = factories.make_opd("DINKES", "Dinas Kesehatan", sort_order=10)
    kominfo = factories.make_opd("DISKOMINFO", "Dinas Komunikasi dan Informatika", sort_order=20)
    bappeda = factories.make_opd("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", sort_order=5)
    lama = factories.make_opd("LAMA", "Dinas Yang Dilebur", sort_order=1, active=False)
    areas = {
        "stunting": factories.make_thematic_area(
            2023,
            code="STUNTING",
            name="Percepatan Penurunan Stunting",
            is_priority=True,
            sort_order=1,
        ),
        "digital": factories.make_thematic_area(
            2023,
            code="DIGITAL",
            name="Digitalisasi Administrasi Pemerintahan",
            is_priority=True,
            sort_order=2,
        ),
        "investasi": factories.make_thematic_area(
            2023,
            code="INVESTASI",
            name="Peningkatan Investasi",
            is_priority=True,
            sort_order=3,
        ),
        "akuntabilitas": factories.make_thematic_area(
            2023,
            code="AKUNTABILITAS",
            name="Penguatan Akuntabilitas",
            sort_order=0,
        ),
    }
    people = {
        "dinkes_head": factories.make_person(dinkes, hierarchy_role=HierarchyRole.KEPALA_OPD),
        "dinkes_sec": factories.make_person(dinkes, hierarchy_role=HierarchyRole.SEKRETARIS_OPD),
        "kominfo_head": factories.make_person(kominfo, hierarchy_role=HierarchyRole.KEPALA_OPD),
        "kominfo_sec": factories.make_person(kominfo, hierarchy_role=HierarchyRole.SEKRETARIS_OPD),
        "wali_kota": factories.make_person(None, hierarchy_role=HierarchyRole.WALI_KOTA),
    }
    city = City(dinkes, kominfo, bappeda, lama, areas, people)
    a, c = areas, city.commitments

    # --- commitments ---------------------------------------------------------------------
    c["a1"] = make_commitment(
        dinkes,
        S.VERIFIED,
        dt.date(2023, 3, 10),
        area=a["stunting"],
        progress=100,
        verified_at=utc(2023, 3, 20),
    )
    # 31 July 20:00 UTC is 1 August 03:00 WIB: verified in August.
    c["a2"] = make_commitment(
        dinkes,
        S.VERIFIED,
        dt.date(2023, 8, 1),
        area=a["stunting"],
        progress=100,
        verified_at=dt.datetime(2023, 7, 31, 20, 0, tzinfo=dt.UTC),
    )
    c["a3"] = make_commitment(
        dinkes,
        S.ACTIVE,
        dt.date(2023, 9, 1),
        area=a["digital"],
        progress=40,
        statement="Aplikasi rekam medis elektronik di 16 puskesmas",
    )
    c["a4"] = make_commitment(
        dinkes, S.REPORTED_DONE, dt.date(2023, 10, 31), area=a["digital"], progress=100
    )
    c["a5"] = make_commitment(dinkes, S.CANCELLED, dt.date(2023, 5, 1), area=a["akuntabilitas"])
    c["a6"] = make_commitment(dinkes, S.DRAFT, dt.date(2023, 11, 1), area=a["akuntabilitas"])
    c["a7"] = make_commitment(
        dinkes, S.VERIFIED, dt.date(2022, 12, 1), progress=100, verified_at=utc(2022, 12, 5)
    )
    c["b1"] = make_commitment(
        kominfo,
        S.VERIFIED,
        dt.date(2023, 2, 15),
        area=a["digital"],
        progress=100,
        verified_at=utc(2023, 2, 20),
    )
    c["b2"] = make_commitment(
        kominfo, S.ACTIVE, dt.date(2023, 9, 20), area=a["akuntabilitas"], progress=50
    )
    c["b3"] = make_commitment(kominfo, S.ACTIVE, dt.date(2023, 6, 30), progress=10)

    # --- recommendations -----------------------------------------------------------------
    inspector = factories.make_user(Role.INSPEKTORAT)
    report = make_report()
    financial = make_finding(report, dinkes, amount=Decimal("10000000"))
    plain_a = make_finding(report, dinkes)
    plain_b = make_finding(report, kominfo)
    old_report = make_report(year=2021, received_on=dt.date(2022, 9, 2))
    old_financial = make_finding(old_report, dinkes, amount=Decimal("5000000"))
    r = city.recommendations
    r["r1"] = make_recommendation(financial, dinkes, dt.date(2023, 4, 1), Outcome.SESUAI)
    r["r2"] = make_recommendation(
        plain_a, dinkes, dt.date(2023, 4, 1), Outcome.BELUM_SESUAI, due_on=dt.date(2023, 9, 30)
    )
    r["r3"] = make_recommendation(plain_a, dinkes, dt.date(2023, 5, 1), None)
    r["r4"] = make_recommendation(
        plain_a, dinkes, dt.date(2023, 5, 1), Outcome.TIDAK_DAPAT_DITINDAKLANJUTI
    )
    r["r5"] = make_recommendation(
        plain_b, kominfo, dt.date(2023, 8, 1), Outcome.BELUM_DITINDAKLANJUTI
    )
    r["r6"] = make_recommendation(plain_b, kominfo, dt.date(2023, 9, 18), Outcome.SESUAI)
    r["r7"] = make_recommendation(
        plain_b, kominfo, dt.date(2023, 9, 20), None, text="Menetapkan SOP layanan pengaduan"
    )
    r["r8"] = make_recommendation(old_financial, dinkes, dt.date(2022, 11, 1), None)
    for amount, day in ((Decimal("2500000"), dt.date(2023, 5, 2)), (Decimal("1000000"), None)):
        db.session.add(
            Repayment(
                finding=financial,
                paid_on=day or dt.date(2023, 8, 1),
                amount=amount,
                recorded_by=inspector,
            )
        )
    db.session.add(
        Repayment(
            finding=old_financial,
            paid_on=dt.date(2022, 12, 1),
            amount=Decimal("1000000"),
            recorded_by=inspector,
        )
    )

    # --- workshops -----------------------------------------------------------------------
    p = people
    held = make_workshop(utc(2023, 7, 26, 1), WorkshopStatus.HELD, "Workshop 26 Juli 2023")
    invite(held, p["dinkes_head"], AttendanceStatus.HADIR)
    invite(held, p["dinkes_sec"], AttendanceStatus.DIWAKILI)
    invite(held, p["kominfo_head"], AttendanceStatus.IZIN)
    invite(held, p["kominfo_sec"], AttendanceStatus.TIDAK_HADIR)
    invite(held, p["wali_kota"], AttendanceStatus.HADIR)
    planned = make_workshop(utc(2023, 10, 2, 1), WorkshopStatus.PLANNED)
    invite(planned, p["dinkes_head"], AttendanceStatus.INVITED)
    earlier = make_workshop(utc(2022, 8, 1, 1), WorkshopStatus.HELD)
    invite(earlier, p["kominfo_head"], AttendanceStatus.HADIR)

    # --- grades --------------------------------------------------------------------------
    db.session.add_all(
        [
            EvaluationResult(
                instrument=Instrument.SAKIP,
                year=2022,
                region="Kota Malang",
                grade=Grade.A,
                score=Decimal("80.50"),
            ),
            EvaluationResult(
                instrument=Instrument.SAKIP, year=2022, region="Kota Surabaya", grade=Grade.AA
            ),
            EvaluationResult(
                instrument=Instrument.RB, year=2022, region="Kota Malang", grade=Grade.BB
            ),
        ]
    )
    db.session.commit()
    return city
