"""Rows of the route permission table for this area (see tests/test_route_permissions.py):
the two-step review (approval queue, sending back), decision letters, SIPTL and the
reconciliation page. The world's Inspektorat login does not approve decisions, so the
approval routes are for administrators only here (tests/findings/test_decisions.py covers
an Inspektorat approver)."""

from __future__ import annotations

import datetime as dt

from tests.route_table import ADMIN, READERS, STAFF, RouteRule, World
from tracker.extensions import db
from tracker.models import Role
from tracker.models.finding import (
    Finding,
    Outcome,
    ProposalStatus,
    Recommendation,
    Report,
    ReportKind,
    ReviewProposal,
    SiptlSubmission,
)
from tracker.models.letter import Letter
from tracker.models.reference import LetterKind

ROUTES: dict[str, RouteRule] = {
    "findings.decisions": RouteRule(ADMIN),
    "findings.decisions_approve": RouteRule(
        ADMIN,
        data=lambda w: {"pick": f"{w.extra['proposal'].id}:{w.extra['proposal'].version}"},
    ),
    "findings.decision_send_back": RouteRule(
        ADMIN,
        lambda w: {"proposal_id": w.extra["proposal"].id},
        data=lambda w: {
            f"sb{w.extra['proposal'].id}-version": str(w.extra["proposal"].version),
            f"sb{w.extra['proposal'].id}-note": "Lengkapi bukti setor.",
        },
    ),
    "findings.letters": RouteRule(READERS),
    "findings.letter_detail": RouteRule(READERS, lambda w: {"letter_id": w.extra["letter"].id}),
    "findings.letter_pdf": RouteRule(READERS, lambda w: {"letter_id": w.extra["letter"].id}),
    "findings.siptl_new": RouteRule(STAFF, lambda w: {"rec_id": w.extra["bpk_rec"].id}),
    "findings.siptl_edit": RouteRule(STAFF, lambda w: {"submission_id": w.extra["siptl"].id}),
    "findings.reconciliation": RouteRule(READERS),
}


def populate(world: World) -> None:
    """An LHP BPK with two recommendations of the ``opd`` user's OPD: one with a proposal
    awaiting approval (by the Inspektorat login) and a SIPTL submission whose BPK outcome
    differs, one decided in a letter."""
    own = world.own_opd
    inspector = world.users[Role.INSPEKTORAT]
    admin = world.users[Role.ADMIN]
    report = Report(
        kind=ReportKind.LHP_BPK,
        year=2022,
        number="45.A/LHP/XVIII.SBY/05/2023",
        issuer="BPK RI Perwakilan Provinsi Jawa Timur",
        issued_on=dt.date(2023, 5, 22),
        received_on=dt.date(2023, 5, 24),
    )
    finding = Finding(report=report, number="1", title="Kelebihan pembayaran", opds=[own])
    due = dt.date(2023, 7, 23)
    rec = Recommendation(
        finding=finding,
        number="1",
        text="Setor ke kas daerah",
        opd=own,
        original_due_on=due,
        due_on=due,
    )
    decided_rec = Recommendation(
        finding=finding,
        number="2",
        text="Tegur PPK",
        opd=own,
        original_due_on=due,
        due_on=due,
    )
    at = dt.datetime(2023, 8, 1, 2, 0, tzinfo=dt.UTC)
    proposal = ReviewProposal(
        recommendation=rec,
        period="2023-S2",
        outcome=Outcome.SESUAI,
        note="Sudah disetor",
        proposed_by=inspector,
        proposed_at=at,
    )
    letter = Letter(
        kind=LetterKind.DECISION,
        year=2023,
        seq=1,
        number="700/1/35.73.401/2023",
        issued_on=dt.date(2023, 8, 2),
        issued_at=at,
        issued_by=admin,
        signer_name="Inspektur",
        signer_position="Inspektur Kota Malang",
    )
    decided = ReviewProposal(
        recommendation=decided_rec,
        period="2023-S2",
        outcome=Outcome.SESUAI,
        proposed_by=inspector,
        proposed_at=at,
        status=ProposalStatus.APPROVED,
        decided_by=admin,
        decided_at=at,
        letter=letter,
    )
    submission = SiptlSubmission(
        recommendation=rec,
        period="2023-S2",
        submitted_on=dt.date(2023, 8, 3),
        receipt_number="TT-001/SIPTL/2023",
        bpk_outcome=Outcome.BELUM_SESUAI,
        recorded_by=inspector,
    )
    db.session.add_all([report, finding, rec, decided_rec, proposal, letter, decided, submission])
    db.session.flush()
    world.extra.update(bpk_rec=rec, proposal=proposal, letter=letter, siptl=submission)
    db.session.commit()


__all__ = ["ROUTES", "populate"]
