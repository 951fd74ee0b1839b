"""Rows of the route permission table for this area (see tests/test_route_permissions.py)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from werkzeug.datastructures import FileStorage

from tests.route_table import ADMIN, ALL, READERS, STAFF, RouteRule, World
from tracker.extensions import db
from tracker.models import Role
from tracker.models.finding import (
    EvaluationResult,
    EvidenceKind,
    Finding,
    FindingEvidence,
    FollowUp,
    Grade,
    Instrument,
    Recommendation,
    Repayment,
    Report,
    ReportKind,
)
from tracker.models.workshop import Invitation, Workshop
from tracker.uploads import store_upload

ANSWERING = frozenset({Role.ADMIN, Role.OPD})
PDF = b"%PDF-1.4\n%%EOF\n"


def _x(name: str) -> Any:
    return lambda w: w.extra[name]


ROUTES: dict[str, RouteRule] = {
    "findings.index": RouteRule(ALL),
    "findings.detail": RouteRule(
        ALL,
        lambda w: {"finding_id": w.extra["finding"].id},
        foreign_kwargs=lambda w: {"finding_id": w.extra["foreign_finding"].id},
    ),
    "findings.follow_up": RouteRule(
        ANSWERING,
        lambda w: {"rec_id": w.extra["rec"].id},
        foreign_kwargs=lambda w: {"rec_id": w.extra["foreign_rec"].id},
    ),
    "findings.review": RouteRule(STAFF, lambda w: {"rec_id": w.extra["rec"].id}),
    "findings.repayment_new": RouteRule(
        STAFF,
        lambda w: {"finding_id": w.extra["financial"].id},
        data=lambda w: {"paid_on": "2023-06-01", "amount": "1.000.000"},
    ),
    "findings.repayment_delete": RouteRule(
        STAFF, lambda w: {"repayment_id": w.extra["repayment"].id}
    ),
    "findings.evidence": RouteRule(
        ALL,
        lambda w: {"evidence_id": w.extra["evidence"].id},
        foreign_kwargs=lambda w: {"evidence_id": w.extra["foreign_evidence"].id},
    ),
    "findings.reports": RouteRule(READERS),
    "findings.report_new": RouteRule(STAFF),
    "findings.report_detail": RouteRule(READERS, lambda w: {"report_id": w.extra["report"].id}),
    "findings.report_edit": RouteRule(STAFF, lambda w: {"report_id": w.extra["report"].id}),
    "findings.report_delete": RouteRule(STAFF, lambda w: {"report_id": w.extra["report"].id}),
    "findings.finding_new": RouteRule(STAFF, lambda w: {"report_id": w.extra["report"].id}),
    "findings.finding_edit": RouteRule(STAFF, lambda w: {"finding_id": w.extra["finding"].id}),
    "findings.finding_delete": RouteRule(STAFF, lambda w: {"finding_id": w.extra["finding"].id}),
    "findings.recommendation_new": RouteRule(
        STAFF, lambda w: {"finding_id": w.extra["finding"].id}
    ),
    "findings.recommendation_edit": RouteRule(STAFF, lambda w: {"rec_id": w.extra["rec"].id}),
    "findings.recommendation_delete": RouteRule(STAFF, lambda w: {"rec_id": w.extra["rec"].id}),
    "findings.matrix": RouteRule(ALL),
    "findings.matrix_xlsx": RouteRule(ALL),
    "findings.matrix_pdf_view": RouteRule(ALL),
    "findings.grades": RouteRule(ALL),
    "findings.grades_chart": RouteRule(ALL),
    "findings.grade_new": RouteRule(ADMIN),
    "findings.grade_edit": RouteRule(ADMIN, lambda w: {"result_id": w.extra["result"].id}),
    "findings.grade_delete": RouteRule(ADMIN, lambda w: {"result_id": w.extra["result"].id}),
    "findings.workshop_notes": RouteRule(ALL, lambda w: {"workshop_id": w.extra["workshop"].id}),
}


def _file_evidence(follow_up: FollowUp) -> FindingEvidence:
    stored = store_upload(
        FileStorage(io.BytesIO(PDF), filename="bukti.pdf"), today=dt.date(2023, 8, 1)
    )
    item = FindingEvidence(
        follow_up=follow_up,
        kind=EvidenceKind.FILE,
        stored_name=stored.stored_name,
        original_name=stored.original_name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        refers_to_on=dt.date(2023, 8, 1),
    )
    db.session.add(item)
    return item


def populate(world: World) -> None:
    """Add this area's records to ``world.extra`` (called after the core records exist)."""
    own, other = world.own_opd, world.other_opd
    report = Report(
        kind=ReportKind.LHE_SAKIP,
        year=2022,
        number="LHE/2023/1",
        issuer="Kementerian PANRB",
        issued_on=dt.date(2023, 2, 1),
        received_on=dt.date(2023, 2, 6),
        grade=Grade.A,
    )
    finding = Finding(report=report, number="1", title="IKU belum berorientasi hasil", opds=[own])
    foreign_finding = Finding(report=report, number="2", title="Renstra", opds=[other])
    financial = Finding(
        report=report,
        number="3",
        title="Kelebihan pembayaran",
        opds=[own],
        is_financial=True,
        amount_to_recover=Decimal("10000000"),
    )
    due = dt.date(2023, 4, 7)
    rec = Recommendation(
        finding=finding, number="1", text="Revisi IKU", opd=own, original_due_on=due, due_on=due
    )
    foreign_rec = Recommendation(
        finding=foreign_finding,
        number="1",
        text="Revisi renstra",
        opd=other,
        original_due_on=due,
        due_on=due,
    )
    financial_rec = Recommendation(
        finding=financial, number="1", text="Setor", opd=own, original_due_on=due, due_on=due
    )
    opd_user = world.users[Role.OPD]
    at = dt.datetime(2023, 8, 1, 2, 0, tzinfo=dt.UTC)
    follow_up = FollowUp(recommendation=rec, author=opd_user, submitted_at=at, description="x")
    foreign_follow_up = FollowUp(
        recommendation=foreign_rec, author=world.users[Role.ADMIN], submitted_at=at, description="y"
    )
    repayment = Repayment(
        finding=financial,
        paid_on=dt.date(2023, 6, 1),
        amount=Decimal("1000000"),
        recorded_by=world.users[Role.INSPEKTORAT],
    )
    result = EvaluationResult(
        instrument=Instrument.SAKIP, year=2023, region="Kota Malang", grade=Grade.A
    )
    workshop = Workshop(
        title="Workshop Penguatan Kapasitas Perangkat Daerah",
        starts_at=dt.datetime(2023, 7, 26, 1, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2023, 7, 26, 8, 0, tzinfo=dt.UTC),
        venue="Kota Malang",
    )
    db.session.add_all(
        [
            report,
            finding,
            foreign_finding,
            financial,
            rec,
            foreign_rec,
            financial_rec,
            follow_up,
            foreign_follow_up,
            repayment,
            result,
            workshop,
            Invitation(workshop=workshop, person=world.own_person),
        ]
    )
    db.session.flush()
    world.extra.update(
        report=report,
        finding=finding,
        foreign_finding=foreign_finding,
        financial=financial,
        rec=rec,
        foreign_rec=foreign_rec,
        repayment=repayment,
        evidence=_file_evidence(follow_up),
        foreign_evidence=_file_evidence(foreign_follow_up),
        result=result,
        workshop=workshop,
    )
    db.session.commit()


__all__ = ["ROUTES", "populate"]
