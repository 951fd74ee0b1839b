"""The rules of the findings services: outcomes, deadlines, repayments, grades, rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests import factories
from tests.findings.factories import (
    make_finding,
    make_follow_up,
    make_recommendation,
    make_report,
    make_review,
)
from tracker.extensions import db
from tracker.models import Role
from tracker.models.finding import Grade, Outcome, ReportKind, UnfollowableReason
from tracker.models.reference import CodeKind
from tracker.services import codes
from tracker.services import findings as svc
from tracker.services.errors import ConflictError, DomainError, NotAllowed
from tracker.services.grades import grade_for, resolve_grade
from tracker.services.tlhp_matrix import build_matrix

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

NOW = dt.datetime(2023, 8, 15, 3, 0, tzinfo=dt.UTC)  # 15 August 2023, 10.00 WIB


@pytest.fixture
def inspektorat(app):
    return factories.make_user(Role.INSPEKTORAT)


@pytest.fixture
def rec(app):
    return make_recommendation()


# --- the outcome rules -------------------------------------------------------------------


def test_only_the_inspektorat_sets_an_outcome(app, rec):
    for role in (Role.OPD, Role.PIMPINAN):
        user = factories.make_user(role, opd=rec.opd if role is Role.OPD else None)
        with pytest.raises(NotAllowed):
            svc.record_review(user, rec, period="2023-S2", outcome=Outcome.SESUAI, now=NOW)
    admin = factories.make_user(Role.ADMIN)
    review = svc.record_review(admin, rec, period="2023-S2", outcome=Outcome.SESUAI, now=NOW)
    assert review.outcome is Outcome.SESUAI
    assert rec.outcome is Outcome.SESUAI


def test_outcome_2_needs_a_new_deadline_that_becomes_the_due_date(app, rec, inspektorat):
    with pytest.raises(DomainError) as err:
        svc.record_review(inspektorat, rec, period="2023-S2", outcome="belum_sesuai", now=NOW)
    assert err.value.field == "new_due_on"
    with pytest.raises(DomainError) as err:  # not after today
        svc.record_review(
            inspektorat,
            rec,
            period="2023-S2",
            outcome="belum_sesuai",
            new_due_on=dt.date(2023, 8, 15),
            now=NOW,
        )
    assert err.value.field == "new_due_on"
    first_due = rec.due_on
    review = svc.record_review(
        inspektorat,
        rec,
        period="2023-S2",
        outcome=Outcome.BELUM_SESUAI,
        new_due_on=dt.date(2023, 10, 31),
        note="Baru sebagian",
        now=NOW,
    )
    db.session.commit()
    assert review.new_due_on == dt.date(2023, 10, 31)
    assert rec.due_on == dt.date(2023, 10, 31)
    assert rec.original_due_on == first_due
    assert rec.outcome is Outcome.BELUM_SESUAI


def test_outcome_4_needs_a_lawful_reason(app, rec, inspektorat):
    with pytest.raises(DomainError) as err:
        svc.record_review(
            inspektorat, rec, period="2023-S2", outcome="tidak_dapat_ditindaklanjuti", now=NOW
        )
    assert err.value.field == "reason"
    with pytest.raises(DomainError) as err:
        svc.record_review(
            inspektorat,
            rec,
            period="2023-S2",
            outcome="tidak_dapat_ditindaklanjuti",
            reason="lupa",
            now=NOW,
        )
    assert err.value.field == "reason"
    review = svc.record_review(
        inspektorat,
        rec,
        period="2023-S2",
        outcome=Outcome.TIDAK_DAPAT_DITINDAKLANJUTI,
        reason=UnfollowableReason.COURT_PROCEEDINGS,
        now=NOW,
    )
    assert review.reason is UnfollowableReason.COURT_PROCEEDINGS
    assert rec.outcome.closed


def test_reason_and_deadline_are_dropped_for_other_outcomes(app, rec, inspektorat):
    review = svc.record_review(
        inspektorat,
        rec,
        period="2023-S2",
        outcome=Outcome.SESUAI,
        reason=UnfollowableReason.FORCE_MAJEURE,
        new_due_on=dt.date(2024, 1, 1),
        now=NOW,
    )
    assert review.reason is None
    assert review.new_due_on is None


def test_one_review_per_semester_history_kept(app, rec, inspektorat):
    svc.record_review(inspektorat, rec, period="2023-S1", outcome="belum_ditindaklanjuti", now=NOW)
    svc.record_review(
        inspektorat,
        rec,
        period="2023-S2",
        outcome="belum_sesuai",
        new_due_on=dt.date(2023, 12, 31),
        now=NOW,
    )
    db.session.commit()
    # Correcting the same semester replaces that semester's review.
    svc.record_review(inspektorat, rec, period="2023-S2", outcome="sesuai", now=NOW)
    db.session.commit()
    assert [(r.period, r.outcome) for r in rec.reviews] == [
        ("2023-S1", Outcome.BELUM_DITINDAKLANJUTI),
        ("2023-S2", Outcome.SESUAI),
    ]
    assert rec.outcome is Outcome.SESUAI
    assert rec.outcome_period == "2023-S2"
    # Back-filling an older semester does not change the current outcome.
    svc.record_review(
        inspektorat,
        rec,
        period="2023-S1",
        outcome="belum_sesuai",
        new_due_on=dt.date(2023, 7, 31),
        now=NOW,
    )
    assert rec.outcome is Outcome.SESUAI


def test_semester_rules(app, rec, inspektorat):
    with pytest.raises(DomainError, match="future"):
        svc.record_review(inspektorat, rec, period="2024-S1", outcome="sesuai", now=NOW)
    with pytest.raises(DomainError, match="received after"):
        svc.record_review(inspektorat, rec, period="2022-S2", outcome="sesuai", now=NOW)
    with pytest.raises(DomainError):
        svc.record_review(inspektorat, rec, period="2023-S3", outcome="sesuai", now=NOW)
    with pytest.raises(DomainError):
        svc.record_review(inspektorat, rec, period="2023-S2", outcome="5", now=NOW)
    assert svc.review_periods(rec, dt.date(2024, 2, 1)) == ["2024-S1", "2023-S2", "2023-S1"]


def test_periods():
    assert svc.period_of(dt.date(2023, 6, 30)) == "2023-S1"
    assert svc.period_of(dt.date(2023, 7, 1)) == "2023-S2"
    assert svc.period_bounds("2023-S2") == (dt.date(2023, 7, 1), dt.date(2023, 12, 31))
    assert svc.period_bounds("2024-S1") == (dt.date(2024, 1, 1), dt.date(2024, 6, 30))
    assert svc.previous_period("2024-S1") == "2023-S2"
    assert svc.periods_between("2023-S1", "2024-S2") == ["2024-S2", "2024-S1", "2023-S2", "2023-S1"]


# --- deadlines ---------------------------------------------------------------------------


def test_default_due_date_is_60_days_after_receipt(app, inspektorat):
    report = make_report(received_on=dt.date(2023, 5, 24))
    finding = make_finding(report)
    rec = svc.create_recommendation(
        inspektorat, finding, number="1", text="Menyusun SOP", opd_id=finding.opds[0].id
    )
    assert rec.due_on == dt.date(2023, 7, 23)
    assert rec.original_due_on == dt.date(2023, 7, 23)
    assert svc.default_due_on(dt.date(2023, 12, 15)) == dt.date(2024, 2, 13)
    explicit = svc.create_recommendation(
        inspektorat,
        finding,
        number="2",
        text="Lain",
        opd_id=finding.opds[0].id,
        due_on=dt.date(2023, 9, 1),
    )
    assert explicit.due_on == dt.date(2023, 9, 1)


def test_correcting_the_date_received_moves_default_due_dates(app, inspektorat):
    report = make_report(received_on=dt.date(2023, 5, 24))
    finding = make_finding(report)
    opd_id = finding.opds[0].id
    default = svc.create_recommendation(inspektorat, finding, number="1", text="A", opd_id=opd_id)
    custom = svc.create_recommendation(
        inspektorat, finding, number="2", text="B", opd_id=opd_id, due_on=dt.date(2023, 12, 1)
    )
    db.session.commit()
    svc.update_report(
        inspektorat,
        report,
        now=NOW,
        expected_version=report.version,
        kind=report.kind,
        year=report.year,
        number=report.number,
        title=None,
        issuer=report.issuer,
        issued_on=report.issued_on,
        received_on=dt.date(2023, 6, 1),
        grade=None,
        score=None,
        note=None,
    )
    assert default.due_on == dt.date(2023, 7, 31)
    assert custom.due_on == dt.date(2023, 12, 1)


def test_recommendation_must_address_one_of_the_findings_opds(app, inspektorat):
    finding = make_finding()
    other = factories.make_opd()
    with pytest.raises(DomainError) as err:
        svc.create_recommendation(inspektorat, finding, number="1", text="A", opd_id=other.id)
    assert err.value.field == "opd_id"


def test_overdue_is_derived(app):
    rec = make_recommendation(due_on=dt.date(2023, 5, 1))
    assert rec.is_overdue(dt.date(2023, 5, 2))
    assert not rec.is_overdue(dt.date(2023, 5, 1))
    make_review(rec, Outcome.SESUAI)
    assert not rec.is_overdue(dt.date(2023, 5, 2))


# --- follow-ups --------------------------------------------------------------------------


def test_only_the_responsible_opd_submits_a_follow_up(app, rec):
    other_opd_user = factories.make_user(Role.OPD)
    with pytest.raises(NotAllowed):
        svc.submit_follow_up(other_opd_user, rec, description="x", now=NOW)
    with pytest.raises(NotAllowed):
        svc.submit_follow_up(factories.make_user(Role.INSPEKTORAT), rec, description="x", now=NOW)
    own = factories.make_user(Role.OPD, opd=rec.opd)
    follow_up = svc.submit_follow_up(
        own,
        rec,
        description="SOP telah disusun",
        links=[svc.LinkEvidence("https://example.org/sop.pdf", dt.date(2023, 8, 1), "SOP")],
        now=NOW,
    )
    assert follow_up.evidence[0].url == "https://example.org/sop.pdf"
    assert rec.last_follow_up_at == NOW
    assert rec.awaiting_review


def test_follow_up_validation(app, rec):
    own = factories.make_user(Role.OPD, opd=rec.opd)
    with pytest.raises(DomainError, match="required"):
        svc.submit_follow_up(own, rec, description="  ", now=NOW)
    with pytest.raises(DomainError, match="http"):
        svc.submit_follow_up(
            own,
            rec,
            description="x",
            links=[svc.LinkEvidence("javascript:alert(1)", dt.date(2023, 8, 1))],
            now=NOW,
        )
    with pytest.raises(DomainError, match="future"):
        svc.submit_follow_up(
            own,
            rec,
            description="x",
            links=[svc.LinkEvidence("https://example.org", dt.date(2023, 8, 16))],
            now=NOW,
        )
    make_review(rec, Outcome.SESUAI)
    with pytest.raises(DomainError, match="closed"):
        svc.submit_follow_up(own, rec, description="x", now=NOW)


# --- repayments --------------------------------------------------------------------------


def test_repayments_keep_value_paid_and_balance(app, inspektorat):
    finding = make_finding(is_financial=True, amount_to_recover=Decimal("12500000"))
    svc.add_repayment(
        inspektorat, finding, paid_on=dt.date(2023, 6, 1), amount="5.000.000", now=NOW
    )
    svc.add_repayment(
        inspektorat, finding, paid_on=dt.date(2023, 7, 1), amount=Decimal("2500000"), now=NOW
    )
    db.session.commit()
    assert finding.paid == Decimal("7500000.00")
    assert finding.balance == Decimal("5000000.00")
    with pytest.raises(DomainError) as err:
        svc.add_repayment(
            inspektorat, finding, paid_on=dt.date(2023, 8, 1), amount="5.000.001", now=NOW
        )
    assert err.value.field == "amount"
    assert "exceeds the balance of Rp 5,000,000" in err.value.message
    db.session.rollback()
    svc.add_repayment(inspektorat, finding, paid_on=dt.date(2023, 8, 1), amount="5000000", now=NOW)
    assert finding.balance == 0
    with pytest.raises(DomainError, match="future"):
        svc.add_repayment(inspektorat, finding, paid_on=dt.date(2023, 8, 16), amount="1", now=NOW)


def test_repayments_only_for_financial_findings_by_the_inspektorat(app, inspektorat):
    finding = make_finding()
    with pytest.raises(DomainError, match="financial"):
        svc.add_repayment(inspektorat, finding, paid_on=dt.date(2023, 6, 1), amount="1", now=NOW)
    financial = make_finding(is_financial=True, amount_to_recover=Decimal("100"))
    opd_user = factories.make_user(Role.OPD, opd=financial.opds[0])
    with pytest.raises(NotAllowed):
        svc.add_repayment(opd_user, financial, paid_on=dt.date(2023, 6, 1), amount="1", now=NOW)


def test_financial_finding_rules(app, inspektorat):
    report = make_report(kind=ReportKind.LHP_BPK)
    a, b = factories.make_opd(), factories.make_opd()
    codes.seed()
    base = {
        "finding_code_id": codes.by_code(CodeKind.FINDING, "1.01.04").id,
        "number": "1",
        "title": "Kelebihan pembayaran",
        "condition": None,
        "criteria": None,
        "cause": None,
        "effect": None,
        "is_financial": True,
    }
    with pytest.raises(DomainError) as err:
        svc.create_finding(inspektorat, report, opd_ids=[a.id], amount_to_recover=None, **base)
    assert err.value.field == "amount_to_recover"
    with pytest.raises(DomainError) as err:
        svc.create_finding(
            inspektorat, report, opd_ids=[a.id, b.id], amount_to_recover="1.000", **base
        )
    assert err.value.field == "opd_ids"
    finding = svc.create_finding(
        inspektorat, report, opd_ids=[a.id], amount_to_recover="12.500.000", **base
    )
    assert finding.amount_to_recover == Decimal("12500000.00")
    with pytest.raises(DomainError, match="already has a finding"):
        svc.create_finding(inspektorat, report, opd_ids=[a.id], amount_to_recover="1", **base)


def test_parse_and_format_rupiah(app):
    cases = {
        "12.500.000": "12500000.00",
        "Rp 12.500.000": "12500000.00",
        "Rp. 12.500.000,50": "12500000.50",
        "12500000": "12500000.00",
        "12,500,000": "12500000.00",
        "12,500,000.50": "12500000.50",
        "1500,5": "1500.50",
        "1500.25": "1500.25",
    }
    for text, expected in cases.items():
        assert svc.parse_rupiah(text) == Decimal(expected), text
    assert svc.parse_rupiah("") is None
    for bad in ("abc", "12.50.0", "1,2,3", "1.2345"):
        with pytest.raises(DomainError):
            svc.parse_rupiah(bad)
    with app.test_request_context():
        from flask_babel import force_locale

        with force_locale("id"):
            assert svc.format_rupiah(Decimal("12500000")) == "Rp 12.500.000"
            assert svc.format_rupiah(Decimal("1500.5")) == "Rp 1.500,50"
        with force_locale("en"):
            assert svc.format_rupiah(Decimal("12500000")) == "Rp 12,500,000"


# --- grades and rates --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("100", Grade.AA),
        ("90.01", Grade.AA),
        ("90", Grade.A),
        ("80.01", Grade.A),
        ("80", Grade.BB),
        ("70.01", Grade.BB),
        ("70", Grade.B),
        ("60.01", Grade.B),
        ("60", Grade.CC),
        ("50.01", Grade.CC),
        ("50", Grade.C),
        ("30.01", Grade.C),
        ("30", Grade.D),
        ("0", Grade.D),
        ("85,5", Grade.A),
    ],
)
def test_grade_for_boundaries(app, score, grade):
    assert grade_for(score) is grade


def test_grade_for_refuses_impossible_scores(app):
    for bad in ("-1", "100.01", "abc", "80.123"):
        with pytest.raises(DomainError):
            grade_for(bad)


def test_grade_follows_the_score(app):
    assert resolve_grade(Decimal("82.5"), None) is Grade.A
    assert resolve_grade(None, Grade.BB) is Grade.BB
    with pytest.raises(DomainError, match="earns the grade A"):
        resolve_grade(Decimal("82.5"), Grade.BB)
    with pytest.raises(DomainError):
        resolve_grade(None, None)


def test_completion_rate_arithmetic():
    assert svc.completion_rate(0, 0) is None
    assert svc.completion_rate(0, 4) == Decimal("0.00")
    assert svc.completion_rate(1, 3) == Decimal("33.33")
    assert svc.completion_rate(2, 3) == Decimal("66.67")
    assert svc.completion_rate(7, 8) == Decimal("87.50")
    assert svc.completion_rate(5, 5) == Decimal("100.00")
    with pytest.raises(ValueError, match="between"):
        svc.completion_rate(4, 3)


def test_matrix_totals_and_completion_rate_per_opd(app):
    """1 sesuai + 2 + 3 + 4 + one not reviewed: rate 1/5 (outcome 4 in the denominator)."""
    a, b = factories.make_opd("AAA"), factories.make_opd("BBB")
    report = make_report(kind=ReportKind.LHP_BPK, received_on=dt.date(2023, 3, 1))
    financial = make_finding(
        report, [a], is_financial=True, amount_to_recover=Decimal("10000000"), number="1"
    )
    plain = make_finding(report, [a, b], number="2")
    r1 = make_recommendation(financial, a, number="1")
    r2 = make_recommendation(plain, a, number="1")
    r3 = make_recommendation(plain, b, number="2")
    r4 = make_recommendation(plain, b, number="3")
    make_recommendation(plain, b, number="4")  # not reviewed
    make_review(r1, Outcome.SESUAI, "2023-S1")
    make_review(r2, Outcome.BELUM_SESUAI, "2023-S1")
    make_review(r3, Outcome.BELUM_DITINDAKLANJUTI, "2023-S1")
    make_review(r4, Outcome.TIDAK_DAPAT_DITINDAKLANJUTI, "2023-S1", reason="keadaan_kahar")
    from tests.findings.factories import make_repayment

    make_repayment(financial, "4000000", paid_on=dt.date(2023, 5, 1))
    make_repayment(financial, "1000000", paid_on=dt.date(2023, 8, 1))  # next semester
    make_follow_up(r2, submitted_at=dt.datetime(2023, 8, 1, tzinfo=dt.UTC))
    recs = [r1, r2, r3, r4, *plain.recommendations[3:]]
    matrix = build_matrix(recs, "2023-S1", today=dt.date(2023, 9, 1))
    overall = matrix.overall
    assert overall.total == 5
    assert overall.counts[Outcome.SESUAI] == 1
    assert overall.counts[Outcome.BELUM_DITINDAKLANJUTI] == 2  # one reviewed, one not
    assert overall.not_reviewed == 1
    assert overall.rate == Decimal("20.00")
    assert (overall.value, overall.paid, overall.balance) == (
        Decimal("10000000"),
        Decimal("4000000"),
        Decimal("6000000"),
    )
    per_opd = {t.opd.code: t for t in matrix.per_opd}
    assert per_opd["AAA"].total == 2
    assert per_opd["AAA"].rate == Decimal("50.00")
    assert per_opd["BBB"].rate == Decimal("0.00")
    assert per_opd["BBB"].value == 0
    # The follow-up of August is not in the first semester.
    row_r2 = next(r for g in matrix.groups for r in g.rows if r.recommendation is r2)
    assert row_r2.follow_ups == []
    assert row_r2.due_on == dt.date(2023, 9, 30)
    later = build_matrix(recs, "2023-S2", today=dt.date(2023, 12, 1))
    assert later.overall.paid == Decimal("5000000")
    row_r2 = next(r for g in later.groups for r in g.rows if r.recommendation is r2)
    assert len(row_r2.follow_ups) == 1
    assert row_r2.overdue  # due 30 September, still outcome 2 on 1 December


def test_stale_edit_is_a_conflict(app, inspektorat):
    report = make_report()
    stale = report.version
    report.issuer = "Lain"
    db.session.commit()
    with pytest.raises(ConflictError):
        svc.update_report(
            inspektorat,
            report,
            now=NOW,
            expected_version=stale,
            original={"issuer": "Kementerian PANRB"},
            kind=report.kind,
            year=report.year,
            number=report.number,
            title=None,
            issuer="Baru",
            issued_on=report.issued_on,
            received_on=report.received_on,
            grade=None,
            score=None,
            note=None,
        )


def test_report_grade_rules(app, inspektorat):
    values = {
        "year": 2022,
        "number": "X/1",
        "title": None,
        "issuer": "BPK",
        "issued_on": dt.date(2023, 5, 1),
        "received_on": dt.date(2023, 5, 2),
        "note": None,
    }
    with pytest.raises(DomainError, match="Only evaluation reports"):
        svc.create_report(
            inspektorat, now=NOW, kind=ReportKind.LHP_BPK, grade=Grade.A, score=None, **values
        )
    report = svc.create_report(
        inspektorat, now=NOW, kind=ReportKind.LHE_SAKIP, grade=None, score="81,25", **values
    )
    assert report.grade is Grade.A
    with pytest.raises(DomainError, match="before its date"):
        svc.create_report(
            inspektorat,
            now=NOW,
            kind=ReportKind.LHE_RB,
            grade=None,
            score=None,
            **{**values, "received_on": dt.date(2023, 4, 1)},
        )
