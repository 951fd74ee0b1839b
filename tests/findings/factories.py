"""Factories of the findings area: committed records with sensible defaults."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from tests import factories
from tracker.extensions import db
from tracker.models import Opd, Role, User
from tracker.models.finding import (
    EvaluationResult,
    EvidenceKind,
    Finding,
    FindingEvidence,
    FollowUp,
    Grade,
    Instrument,
    Outcome,
    Recommendation,
    RecommendationReview,
    Repayment,
    Report,
    ReportKind,
)
from tracker.services.findings import default_due_on, refresh_outcome

_seq = itertools.count(1)
RECEIVED = dt.date(2023, 3, 1)


def make_report(**kw: Any) -> Report:
    n = next(_seq)
    report = Report(
        kind=kw.pop("kind", ReportKind.LHE_SAKIP),
        year=kw.pop("year", 2022),
        number=kw.pop("number", f"R-{n}/2023"),
        issuer=kw.pop("issuer", "Kementerian PANRB"),
        issued_on=kw.pop("issued_on", dt.date(2023, 2, 20)),
        received_on=kw.pop("received_on", RECEIVED),
        **kw,
    )
    db.session.add(report)
    db.session.commit()
    return report


def make_finding(report: Report | None = None, opds: list[Opd] | None = None, **kw: Any) -> Finding:
    n = next(_seq)
    report = report or make_report()
    opds = opds if opds is not None else [factories.make_opd()]
    finding = Finding(
        report=report,
        number=kw.pop("number", str(n)),
        title=kw.pop("title", f"Catatan {n}"),
        opds=opds,
        is_financial=kw.pop("is_financial", False),
        **kw,
    )
    db.session.add(finding)
    db.session.commit()
    return finding


def make_recommendation(
    finding: Finding | None = None, opd: Opd | None = None, **kw: Any
) -> Recommendation:
    n = next(_seq)
    finding = finding or make_finding(opds=[opd] if opd else None)
    opd = opd or finding.opds[0]
    due = kw.pop("due_on", default_due_on(finding.report.received_on))
    rec = Recommendation(
        finding=finding,
        number=kw.pop("number", str(n)),
        text=kw.pop("text", f"Rekomendasi {n}"),
        opd=opd,
        original_due_on=kw.pop("original_due_on", due),
        due_on=due,
        **kw,
    )
    db.session.add(rec)
    db.session.commit()
    return rec


def make_review(
    rec: Recommendation,
    outcome: Outcome = Outcome.SESUAI,
    period: str = "2023-S1",
    reviewer: User | None = None,
    **kw: Any,
) -> RecommendationReview:
    reviewer = reviewer or factories.make_user(Role.INSPEKTORAT)
    review = RecommendationReview(
        recommendation=rec,
        period=period,
        outcome=outcome,
        reviewer=reviewer,
        reviewed_at=kw.pop("reviewed_at", dt.datetime(2023, 6, 1, 3, 0, tzinfo=dt.UTC)),
        **kw,
    )
    if outcome is Outcome.BELUM_SESUAI and review.new_due_on is None:
        review.new_due_on = dt.date(2023, 9, 30)
    db.session.add(review)
    db.session.flush()
    refresh_outcome(rec)
    db.session.commit()
    return review


def make_follow_up(rec: Recommendation, author: User | None = None, **kw: Any) -> FollowUp:
    author = author or factories.make_user(Role.OPD, opd=rec.opd)
    at = kw.pop("submitted_at", dt.datetime(2023, 5, 2, 2, 0, tzinfo=dt.UTC))
    follow_up = FollowUp(
        recommendation=rec,
        author=author,
        submitted_at=at,
        description=kw.pop("description", "Telah dilaksanakan."),
        **kw,
    )
    db.session.add(follow_up)
    rec.last_follow_up_at = max(filter(None, [rec.last_follow_up_at, at]))
    db.session.commit()
    return follow_up


def make_link_evidence(follow_up: FollowUp, url: str = "https://example.org/bukti") -> Any:
    item = FindingEvidence(
        follow_up=follow_up, kind=EvidenceKind.LINK, url=url, refers_to_on=dt.date(2023, 5, 1)
    )
    db.session.add(item)
    db.session.commit()
    return item


def make_repayment(finding: Finding, amount: str = "1000000.00", **kw: Any) -> Repayment:
    repayment = Repayment(
        finding=finding,
        paid_on=kw.pop("paid_on", dt.date(2023, 5, 10)),
        amount=Decimal(amount),
        recorded_by=kw.pop("recorded_by", None) or factories.make_user(Role.INSPEKTORAT),
        **kw,
    )
    db.session.add(repayment)
    db.session.commit()
    return repayment


def make_result(
    instrument: Instrument = Instrument.SAKIP,
    year: int = 2023,
    region: str = "Kota Malang",
    grade: Grade = Grade.A,
    score: str | None = None,
) -> EvaluationResult:
    result = EvaluationResult(
        instrument=instrument,
        year=year,
        region=region,
        grade=grade,
        score=Decimal(score) if score else None,
    )
    db.session.add(result)
    db.session.commit()
    return result
