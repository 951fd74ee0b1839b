"""The findings demo data: loads after the core demo, idempotent, all four outcomes."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from tests import factories
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
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    statuses = {
        row[5][:2]
        for row in sheet.iter_rows(values_only=True)
        if row[0] and row[0] != "No." and row[5] and "." in row[0]
    }
    assert statuses == {"1.", "2.", "3.", "4."}
    for url in ("/findings/", "/findings/reports", "/findings/grades", "/findings/matrix"):
        assert client.get(url).status_code == 200
