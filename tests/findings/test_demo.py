"""The findings demo data: loads after the core demo, idempotent, all four outcomes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from tests import factories
from tests.findings.matrix_sheet import read_workbook
from tracker.audit import Actor, acting_as
from tracker.demo import load_demo
from tracker.demo.findings import seed_findings
from tracker.extensions import db
from tracker.models import Opd, User
from tracker.models.finding import (
    EvaluationResult,
    Finding,
    Grade,
    Instrument,
    Outcome,
    Recommendation,
    Report,
    ReportKind,
)

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")
NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_demo_findings_load_and_are_idempotent(app):
    with acting_as(Actor(None, "test")):
        load_demo(now=NOW)  # may already include seed_findings
        seed_findings(NOW)
        db.session.commit()
        again = seed_findings(NOW)
        db.session.commit()
    assert sum(again.values()) == 0
    assert _count(Report) == 3
    assert _count(EvaluationResult) >= 10

    kinds = {r.kind for r in db.session.scalars(select(Report))}
    assert kinds == {ReportKind.LHE_SAKIP, ReportKind.LHE_RB, ReportKind.LHP_BPK}
    assert {r.year for r in db.session.scalars(select(Report))} == {2022}
    outcomes = set(db.session.scalars(select(Recommendation.outcome).distinct()))
    assert set(Outcome) <= outcomes
    assert None in outcomes  # some are not reviewed yet
    dinkes = db.session.scalar(select(Opd).where(Opd.code == "DINKES"))
    dinkes_recs = db.session.scalar(
        select(func.count()).select_from(Recommendation).where(Recommendation.opd_id == dinkes.id)
    )
    assert dinkes_recs >= 5
    financial = list(db.session.scalars(select(Finding).where(Finding.is_financial.is_(True))))
    assert len(financial) >= 2
    assert any(f.repayments and f.balance > 0 for f in financial)
    assert any(f.repayments and f.balance == 0 for f in financial)

    def grade(instrument, year, region):
        return db.session.scalar(
            select(EvaluationResult.grade).where(
                EvaluationResult.instrument == instrument,
                EvaluationResult.year == year,
                EvaluationResult.region == region,
            )
        )

    assert grade(Instrument.SAKIP, 2023, "Kota Malang") is Grade.A
    assert grade(Instrument.RB, 2023, "Kota Malang") is Grade.BB
    assert grade(Instrument.SAKIP, 2023, "Kab. Banyuwangi") is Grade.A
    assert grade(Instrument.SAKIP, 2023, "Kota Surabaya") is Grade.A


def test_demo_matrix_and_pages(app, client, login):
    with acting_as(Actor(None, "test")):
        load_demo(now=NOW)
        seed_findings(NOW)
        db.session.commit()
    inspector = db.session.scalar(select(User).where(User.email == "inspektorat@example.org"))
    inspector.password_hash = generate_password_hash(
        factories.DEFAULT_PASSWORD, method="pbkdf2:sha256:1000"
    )
    db.session.commit()
    login(inspector)
    response = client.get("/findings/matrix.xlsx?semester=2023-S2")
    matrix, _recap = read_workbook(response.data)
    # Every outcome has a recommendation: a value or a mark under its status column.
    statuses = {n for row in matrix.rows for n in (1, 2, 3, 4) if row[9 + n] is not None}
    assert statuses == {1, 2, 3, 4}
    for url in ("/findings/", "/findings/reports", "/findings/grades", "/findings/matrix"):
        assert client.get(url).status_code == 200


def test_demo_lhp_bpk_is_recorded_as_bpk_keeps_it(app):
    """Coded findings with values and responsible parties, two SIPTL submissions (one where
    BPK's outcome differs), a proposal awaiting approval and one issued, verifiable SKBT;
    the illustrative label stays on the invented report."""
    from tracker.models import Letter, ReviewProposal, SiptlSubmission, Skbt
    from tracker.models.finding import ProposalStatus
    from tracker.models.letter import SkbtStatus
    from tracker.services import skbt as skbt_service

    with acting_as(Actor(None, "test")):
        load_demo(now=NOW)
        seed_findings(NOW)
        db.session.commit()
    report = db.session.scalar(select(Report).where(Report.kind == ReportKind.LHP_BPK))
    assert "ilustratif" in report.note
    findings = {f.number: f for f in report.findings}
    assert findings["1"].finding_code.code == "1.01.03"
    assert findings["1"].value == findings["1"].amount_to_recover
    assert [p.amount for p in findings["1"].parties] == [112450000, 75000000]
    assert findings["2"].finding_code.code == "1.01.07"
    assert all(r.code is not None for f in report.findings for r in f.recommendations)
    assert {r.code.code for r in findings["4"].recommendations} == {"01"}

    submissions = list(db.session.scalars(select(SiptlSubmission)))
    assert len(submissions) == 2
    differing = [s for s in submissions if s.bpk_outcome != s.recommendation.outcome]
    assert [s.recommendation.finding.number for s in differing] == ["4"]

    pending = list(
        db.session.scalars(
            select(ReviewProposal).where(ReviewProposal.status == ProposalStatus.PENDING)
        )
    )
    assert len(pending) == 1
    assert pending[0].recommendation.opd.code == "BKAD"
    assert pending[0].recommendation.outcome is Outcome.BELUM_DITINDAKLANJUTI  # not yet set

    (skbt,) = db.session.scalars(select(Skbt))
    assert skbt.status is SkbtStatus.ISSUED
    assert skbt.opd.code == "DINKES"
    letter = db.session.scalar(select(Letter).where(Letter.id == skbt.letter_id))
    assert letter.number == "700/1/SKBT/35.73.401/2024"
    assert letter.signer_name == "Inspektur Kota Malang"
    assert skbt_service.find(skbt_service.token_for(skbt)) is skbt
    assert skbt_service.blockers_of(skbt, dt.date(2024, 2, 5)) == []

    users = {u.email: u for u in db.session.scalars(select(User))}
    assert users["inspektur@example.org"].approves_decisions
    assert not users["inspektorat@example.org"].approves_decisions
