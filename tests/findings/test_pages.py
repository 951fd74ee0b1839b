"""The findings pages through HTTP: lists, filters, the finding page, follow-ups with
evidence, reviews, repayments, reports, grades and a workshop's last year's notes."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.findings.factories import (
    make_finding,
    make_follow_up,
    make_link_evidence,
    make_recommendation,
    make_report,
    make_result,
    make_review,
)
from tracker.extensions import db
from tracker.models import AuditLog, Role
from tracker.models.finding import (
    EvaluationResult,
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
    ReviewProposal,
)
from tracker.models.reference import CodeKind
from tracker.models.workshop import Workshop
from tracker.services import codes

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def setup(app):
    dinkes = factories.make_opd("DINKES", "Dinas Kesehatan")
    kominfo = factories.make_opd("DISKOMINFO", "Dinas Komunikasi dan Informatika")
    report = make_report(kind=ReportKind.LHE_SAKIP, year=2022, number="LHE-1/2023")
    shared = make_finding(
        report, [dinkes, kominfo], number="1", title="IKU belum berorientasi hasil"
    )
    own = make_recommendation(shared, dinkes, number="1", text="Revisi IKU Dinas Kesehatan")
    foreign = make_recommendation(shared, kominfo, number="2", text="Revisi IKU Diskominfo")
    other = make_finding(report, [kominfo], number="2", title="Catatan khusus Diskominfo")
    only_foreign = make_recommendation(other, kominfo, number="1", text="Perbaiki renstra")
    return {
        "dinkes": dinkes,
        "kominfo": kominfo,
        "report": report,
        "shared": shared,
        "other": other,
        "own": own,
        "foreign": foreign,
        "only_foreign": only_foreign,
        "opd_user": factories.make_user(Role.OPD, opd=dinkes),
    }


def _html(response) -> str:
    return response.get_data(as_text=True)


# --- the list ----------------------------------------------------------------------------


def test_list_shows_findings_outcomes_and_filters(client, login_as, setup):
    make_review(setup["own"], Outcome.SESUAI, "2023-S1")
    make_review(setup["foreign"], Outcome.BELUM_SESUAI, "2023-S1")
    login_as("pimpinan")
    html = _html(client.get("/findings/"))
    for outcome in Outcome:
        assert outcome.label in html  # the four names as filter options and badges
    assert "IKU belum berorientasi hasil" in html
    assert "Catatan khusus Diskominfo" in html
    assert 'data-outcome="sesuai"' in html
    assert 'data-outcome="none"' in html
    # 1 of 3 recommendations settled
    assert re.search(r'data-testid="completion-rate">33.33%<', html)

    html = _html(client.get("/findings/?outcome=belum_sesuai"))
    assert "IKU belum berorientasi hasil" in html
    assert "Catatan khusus Diskominfo" not in html
    html = _html(client.get("/findings/?outcome=none"))
    assert "Catatan khusus Diskominfo" in html
    assert "IKU belum berorientasi hasil" not in html
    html = _html(client.get(f"/findings/?opd={setup['dinkes'].id}"))
    assert "Revisi IKU Dinas Kesehatan" in html
    assert "Catatan khusus Diskominfo" not in html
    html = _html(client.get("/findings/?q=renstra"))
    assert "Catatan khusus Diskominfo" in html
    assert "IKU belum" not in html
    html = _html(client.get("/findings/?year=2021"))
    assert 'data-testid="empty-state"' in html
    html = _html(client.get(f"/findings/?report={setup['report'].id}&kind=lhe_sakip"))
    assert html.count('data-testid="finding-row"') == 2


def test_overdue_and_awaiting_filters(client, login_as, setup):
    # due 30 April 2023: long overdue today unless settled
    make_review(setup["own"], Outcome.SESUAI, "2023-S1")
    make_follow_up(setup["only_foreign"])
    login_as("inspektorat")
    html = _html(client.get("/findings/?overdue=1"))
    assert "Revisi IKU Diskominfo" in html
    assert "Revisi IKU Dinas Kesehatan" not in html
    html = _html(client.get("/findings/?awaiting=1"))
    assert "Catatan khusus Diskominfo" in html
    assert "IKU belum berorientasi hasil" not in html


def test_awaiting_review_badge_opens_that_recommendations_review(client, login_as, setup):
    rec = setup["only_foreign"]
    make_follow_up(rec)
    login_as("inspektorat")
    html = _html(client.get("/findings/?awaiting=1"))
    link = f"/findings/{rec.finding_id}?review={rec.id}#rec-{rec.id}"
    assert f'data-testid="awaiting" href="{link}"' in html


def test_awaiting_review_badge_is_no_link_for_readers(client, login_as, setup):
    make_follow_up(setup["only_foreign"])
    login_as("pimpinan")
    html = _html(client.get("/findings/?awaiting=1"))
    assert 'data-testid="awaiting">' in html
    assert "?review=" not in html


def test_list_pagination_and_bad_arguments(client, login_as, setup):
    for i in range(30):
        make_recommendation(make_finding(setup["report"], [setup["dinkes"]], number=f"{i + 10}"))
    login_as("admin")
    first = _html(client.get("/findings/"))
    assert first.count('data-testid="finding-row"') == 25
    second = _html(client.get("/findings/?page=2"))
    assert second.count('data-testid="finding-row"') == 7
    for query in ("?page=abc", "?sort=drop&dir=x", "?year=x&opd=y&report=z&outcome=9", "?q=%25"):
        assert client.get("/findings/" + query).status_code == 200


def test_opd_user_sees_only_recommendations_of_their_opd(client, login, setup):
    login(setup["opd_user"])
    html = _html(client.get("/findings/"))
    assert "Revisi IKU Dinas Kesehatan" in html
    assert "Revisi IKU Diskominfo" not in html
    assert "Catatan khusus Diskominfo" not in html
    assert 'id="filter-opd"' not in html
    # The OPD filter of another OPD is ignored, the search does not reach others' texts.
    html = _html(client.get(f"/findings/?opd={setup['kominfo'].id}&q=Diskominfo"))
    assert "Revisi IKU Diskominfo" not in html
    # The finding page: only their recommendation; another OPD's finding is not found.
    html = _html(client.get(f"/findings/{setup['shared'].id}"))
    assert "Revisi IKU Dinas Kesehatan" in html
    assert "Revisi IKU Diskominfo" not in html
    assert client.get(f"/findings/{setup['other'].id}").status_code == 404
    assert client.get("/findings/99999").status_code == 404


# --- follow-up and review: the core journey over HTTP -------------------------------------


def _follow_up_data(rec, **extra):
    p = f"fu{rec.id}-"
    data = {
        p + "description": "IKU telah direviu dan ditetapkan ulang.",
        p + "progress": "50",
        p + "files-0-refers_to_on": "2023-08-01",
        p + "files-1-refers_to_on": "",
        p + "files-2-refers_to_on": "",
        p + "links-0-url": "https://example.org/sk-iku",
        p + "links-0-label": "SK IKU",
        p + "links-0-refers_to_on": "2023-07-20",
        p + "links-1-url": "",
        p + "links-1-refers_to_on": "",
    }
    data.update({p + k: v for k, v in extra.items()})
    return data


def test_secretary_submits_follow_up_with_evidence(client, login, setup, app):
    rec = setup["own"]
    login(setup["opd_user"])
    data = _follow_up_data(rec)
    data[f"fu{rec.id}-files-0-file"] = (io.BytesIO(PDF_BYTES), "sk iku.pdf")
    response = client.post(
        f"/findings/recommendations/{rec.id}/follow-up",
        data=data,
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, _html(response)[:3000]
    assert response.headers["Location"].endswith(f"/findings/{rec.finding_id}#rec-{rec.id}")
    db.session.expire_all()
    follow_up = db.session.scalar(select(FollowUp))
    assert follow_up.author_id == setup["opd_user"].id
    kinds = sorted((e.kind.value, e.refers_to_on) for e in follow_up.evidence)
    assert kinds == [("file", dt.date(2023, 8, 1)), ("link", dt.date(2023, 7, 20))]
    file_item = next(e for e in follow_up.evidence if e.kind.value == "file")
    assert file_item.original_name == "sk iku.pdf"
    page = _html(client.get(f"/findings/{rec.finding_id}"))
    assert "IKU telah direviu" in page
    assert "Awaiting review" in page
    download = client.get(f"/findings/evidence/{file_item.id}")
    assert download.status_code == 200
    assert download.data == PDF_BYTES
    assert download.mimetype == "application/pdf"
    download.close()
    actions = {e.entity_type for e in db.session.scalars(select(AuditLog))}
    assert {"FollowUp", "FindingEvidence"} <= actions


def test_follow_up_refusals(client, login, setup):
    rec = setup["own"]
    login(setup["opd_user"])
    url = f"/findings/recommendations/{rec.id}/follow-up"
    # A file that is not what it claims to be.
    data = _follow_up_data(rec)
    data[f"fu{rec.id}-files-0-file"] = (io.BytesIO(b"MZ\x90\x00 not a pdf"), "bukti.pdf")
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "not an allowed type" in _html(response)
    # Missing description, bad link, missing date.
    for extra, message in (
        ({"description": ""}, "This field is required"),
        ({"links-0-url": "ftp://x"}, "http://"),
        ({"links-0-refers_to_on": ""}, "Enter the date the evidence refers to"),
    ):
        response = client.post(url, data=_follow_up_data(rec, **extra))
        assert response.status_code == 400, extra
        assert message in _html(response), extra
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 0
    assert db.session.scalar(select(func.count()).select_from(FindingEvidence)) == 0
    # Another OPD's recommendation is not found; GET redirects to the finding page.
    foreign = setup["foreign"]
    assert (
        client.post(
            f"/findings/recommendations/{foreign.id}/follow-up", data=_follow_up_data(foreign)
        ).status_code
        == 404
    )
    assert client.get(url).status_code == 302


def test_inspektorat_reviews_with_the_four_outcomes(client, login, login_as, setup):
    rec = setup["own"]
    inspector = login_as("inspektorat")
    url = f"/findings/recommendations/{rec.id}/review"
    p = f"rv{rec.id}-"
    # 2 without a new deadline, 4 without a reason: refused with the reason.
    response = client.post(url, data={p + "period": "2023-S2", p + "outcome": "belum_sesuai"})
    assert response.status_code == 400
    assert "needs a new deadline" in _html(response)
    response = client.post(
        url, data={p + "period": "2023-S2", p + "outcome": "tidak_dapat_ditindaklanjuti"}
    )
    assert response.status_code == 400
    assert "lawful reasons" in _html(response)
    response = client.post(url, data={p + "period": "2031-S1", p + "outcome": "sesuai"})
    assert response.status_code == 400
    new_due = (dt.date.today() + dt.timedelta(days=45)).isoformat()
    response = client.post(
        url,
        data={
            p + "period": "2023-S2",
            p + "outcome": "belum_sesuai",
            p + "new_due_on": new_due,
            p + "note": "SK belum ditetapkan",
        },
    )
    assert response.status_code == 302, _html(response)[:3000]
    # The review is a proposal: the outcome is set only once an approver approves it.
    db.session.expire_all()
    assert db.session.get(Recommendation, rec.id).outcome is None
    assert db.session.scalar(select(func.count()).select_from(RecommendationReview)) == 0
    proposal = db.session.scalars(select(ReviewProposal)).one()
    assert proposal.proposed_by_id == inspector.id
    approver = factories.make_user(Role.INSPEKTORAT, approves_decisions=True)
    client.post("/logout")
    login(approver)
    response = client.post(
        "/findings/decisions/approve", data={"pick": f"{proposal.id}:{proposal.version}"}
    )
    assert response.status_code == 302, _html(response)[:3000]
    db.session.expire_all()
    rec = db.session.get(Recommendation, rec.id)
    assert rec.outcome is Outcome.BELUM_SESUAI
    assert rec.due_on.isoformat() == new_due
    review = db.session.scalar(select(RecommendationReview))
    assert (review.period, review.reviewer_id) == ("2023-S2", approver.id)
    html = _html(client.get(f"/findings/{rec.finding_id}"))
    assert "SK belum ditetapkan" in html
    assert 'data-testid="review-row"' in html


def test_only_the_inspektorat_may_review(client, login, login_as, setup):
    rec = setup["own"]
    p = f"rv{rec.id}-"
    data = {p + "period": "2023-S2", p + "outcome": "sesuai"}
    login(setup["opd_user"])
    assert client.post(f"/findings/recommendations/{rec.id}/review", data=data).status_code == 403
    login_as("pimpinan")
    assert client.post(f"/findings/recommendations/{rec.id}/review", data=data).status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(RecommendationReview)) == 0


# --- repayments --------------------------------------------------------------------------


def test_repayments_over_http(client, login_as, setup):
    finding = make_finding(
        setup["report"],
        [setup["dinkes"]],
        number="9",
        is_financial=True,
        amount_to_recover=Decimal("12500000"),
    )
    make_recommendation(finding, setup["dinkes"])
    login_as("inspektorat")
    url = f"/findings/{finding.id}/repayments"
    response = client.post(url, data={"paid_on": "2023-06-01", "amount": "5.000.000"})
    assert response.status_code == 302
    response = client.post(url, data={"paid_on": "2023-06-02", "amount": "7.500.001"})
    assert response.status_code == 400
    assert "exceeds the balance of Rp 7,500,000" in _html(response)
    response = client.post(url, data={"paid_on": "2023-06-02", "amount": "dua juta"})
    assert response.status_code == 400
    response = client.post(
        url,
        data={
            "paid_on": "2023-06-03",
            "amount": "2500000",
            "note": "STS 12",
            "file": (io.BytesIO(PDF_BYTES), "sts.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    html = _html(client.get(f"/findings/{finding.id}"))
    assert 'data-testid="fin-paid">Rp 7,500,000<' in html
    assert 'data-testid="fin-balance">Rp 5,000,000<' in html
    db.session.expire_all()
    repayment = db.session.scalar(select(Repayment).where(Repayment.note == "STS 12"))
    assert len(repayment.evidence) == 1
    evidence_id = repayment.evidence[0].id
    download = client.get(f"/findings/evidence/{evidence_id}")
    assert download.status_code == 200
    download.close()
    response = client.post(f"/findings/repayments/{repayment.id}/delete")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Finding, finding.id).paid == Decimal("5000000")


# --- evidence scoping --------------------------------------------------------------------


def test_evidence_of_another_opd_is_not_found(client, login, app, setup):
    foreign_user = factories.make_user(Role.OPD, opd=setup["kominfo"])
    login(foreign_user)
    data = _follow_up_data(setup["foreign"])
    data[f"fu{setup['foreign'].id}-files-0-file"] = (io.BytesIO(PDF_BYTES), "bukti.pdf")
    response = client.post(
        f"/findings/recommendations/{setup['foreign'].id}/follow-up",
        data=data,
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.expire_all()
    item = db.session.scalar(
        select(FindingEvidence).where(FindingEvidence.stored_name.is_not(None))
    )
    download = client.get(f"/findings/evidence/{item.id}")
    assert download.status_code == 200
    download.close()
    other = app.test_client()
    other.post(
        "/login", data={"email": setup["opd_user"].email, "password": factories.DEFAULT_PASSWORD}
    )
    assert other.get(f"/findings/evidence/{item.id}").status_code == 404
    link = make_link_evidence(make_follow_up(setup["own"]))
    assert other.get(f"/findings/evidence/{link.id}").status_code == 404  # links have no file


# --- reports, findings and recommendations (Inspektorat) ----------------------------------


def test_inspektorat_registers_a_report_finding_and_recommendation(client, login_as, setup):
    codes.seed()
    db.session.commit()
    finding_code = codes.by_code(CodeKind.FINDING, "1.01.04")
    rec_code = codes.by_code(CodeKind.RECOMMENDATION, "01")
    login_as("inspektorat")
    assert client.get("/findings/reports/new").status_code == 200
    response = client.post(
        "/findings/reports/new",
        data={
            "kind": "lhp_bpk",
            "year": "2022",
            "number": "45.A/LHP/XVIII.SBY/05/2023",
            "title": "LHP atas LKPD 2022",
            "issuer": "BPK RI Perwakilan Provinsi Jawa Timur",
            "issued_on": "2023-05-22",
            "received_on": "2023-05-24",
            "grade": "",
            "score": "",
        },
    )
    assert response.status_code == 302, _html(response)[:3000]
    db.session.expire_all()
    report = db.session.scalar(select(Report).where(Report.kind == ReportKind.LHP_BPK))
    response = client.post(
        f"/findings/reports/{report.id}/findings/new",
        data={
            "number": "1",
            "title": "Kelebihan pembayaran belanja modal",
            "opd_ids": [str(setup["dinkes"].id)],
            "is_financial": "y",
            "amount_to_recover": "12.500.000",
            "finding_code_id": str(finding_code.id),
        },
    )
    assert response.status_code == 302, _html(response)[:3000]
    db.session.expire_all()
    finding = db.session.scalar(select(Finding).where(Finding.report_id == report.id))
    assert finding.amount_to_recover == Decimal("12500000")
    page = _html(client.get(f"/findings/{finding.id}/recommendations/new"))
    assert "Sunday, 23 July 2023" in page  # the default due date is shown
    response = client.post(
        f"/findings/{finding.id}/recommendations/new",
        data={
            "number": "1",
            "text": "Memproses kelebihan pembayaran",
            "opd_id": setup["dinkes"].id,
            "code_id": str(rec_code.id),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    rec = db.session.scalar(select(Recommendation).where(Recommendation.finding_id == finding.id))
    assert rec.due_on == dt.date(2023, 7, 23)
    # Validation: a grade on an audit report, a finding without OPD, a foreign OPD.
    response = client.post(
        f"/findings/reports/{report.id}/edit",
        data={**_report_form(report), "grade": "A"},
    )
    assert response.status_code == 400
    assert "Only evaluation reports" in _html(response)
    response = client.post(
        f"/findings/reports/{report.id}/findings/new", data={"number": "2", "title": "x"}
    )
    assert response.status_code == 400
    response = client.post(
        f"/findings/{finding.id}/recommendations/new",
        data={"number": "2", "text": "x", "opd_id": setup["kominfo"].id},
    )
    assert response.status_code == 400


def _report_form(report: Report) -> dict:
    return {
        "kind": report.kind.value,
        "year": str(report.year),
        "number": report.number,
        "title": report.title or "",
        "issuer": report.issuer,
        "issued_on": report.issued_on.isoformat(),
        "received_on": report.received_on.isoformat(),
        "grade": report.grade.value if report.grade else "",
        "score": "",
        "note": "",
        "version": str(report.version),
    }


def test_stale_report_edit_is_409_with_what_changed(client, login_as, setup):
    report = setup["report"]
    login_as("inspektorat")
    page = _html(client.get(f"/findings/reports/{report.id}/edit"))
    original = re.search(r'name="original" type="hidden" value="([^"]+)"', page).group(1)
    data = {**_report_form(report), "original": original}
    report.issuer = "Kementerian PANRB RI"
    db.session.commit()
    response = client.post(f"/findings/reports/{report.id}/edit", data={**data, "issuer": "X"})
    assert response.status_code == 409
    html = _html(response)
    assert "changed by someone else" in html
    assert "Kementerian PANRB RI" in html


def test_delete_rules(client, login_as, setup):
    login_as("inspektorat")
    make_review(setup["own"], Outcome.SESUAI)
    shared_id, other_id = setup["shared"].id, setup["other"].id
    response = client.post(f"/findings/{shared_id}/delete")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Finding, shared_id) is not None  # kept: it has history
    response = client.post(f"/findings/recommendations/{setup['only_foreign'].id}/delete")
    assert response.status_code == 302
    response = client.post(f"/findings/{other_id}/delete")
    db.session.expire_all()
    assert db.session.get(Finding, other_id) is None
    empty_id = make_report().id
    assert client.post(f"/findings/reports/{empty_id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(Report, empty_id) is None


def test_reports_list_and_detail(client, login_as, setup):
    make_review(setup["own"], Outcome.SESUAI)
    login_as("pimpinan")
    html = _html(client.get("/findings/reports"))
    assert "LHE-1/2023" in html
    assert "33.33%" in html
    html = _html(client.get(f"/findings/reports/{setup['report'].id}"))
    assert 'data-testid="report-rate">33.33%' in html
    assert client.get("/findings/reports?kind=xx&year=yy&sort=zz").status_code == 200


# --- grades ------------------------------------------------------------------------------


def test_admin_enters_grades_and_the_grade_follows_the_score(client, login_as, app):
    login_as("admin")
    response = client.post(
        "/findings/grades/new",
        data={"instrument": "sakip", "year": "2023", "region": "Kota Malang", "score": "82,35"},
    )
    assert response.status_code == 302, _html(response)[:2000]
    response = client.post(
        "/findings/grades/new",
        data={"instrument": "rb", "year": "2023", "region": "Kota Malang", "grade": "BB"},
    )
    assert response.status_code == 302
    response = client.post(
        "/findings/grades/new",
        data={"instrument": "sakip", "year": "2023", "region": "Kota Malang", "grade": "A"},
    )
    assert response.status_code == 400
    assert "already has a" in _html(response)
    response = client.post(
        "/findings/grades/new",
        data={
            "instrument": "sakip",
            "year": "2023",
            "region": "Kota Surabaya",
            "score": "85",
            "grade": "AA",
        },
    )
    assert response.status_code == 400
    assert "earns the grade A" in _html(response)
    response = client.post(
        "/findings/grades/new",
        data={"instrument": "sakip", "year": "2023", "region": "Kota Surabaya"},
    )
    assert response.status_code == 400
    response = client.post(
        "/findings/grades/new",
        data={"instrument": "sakip", "year": "2023", "region": "Kota Surabaya", "score": "101"},
    )
    assert response.status_code == 400
    db.session.expire_all()
    sakip = db.session.scalar(
        select(EvaluationResult).where(EvaluationResult.instrument == Instrument.SAKIP)
    )
    assert (sakip.grade, sakip.score) == (Grade.A, Decimal("82.35"))
    page = client.get(f"/findings/grades/{sakip.id}/edit")
    assert page.status_code == 200
    original = re.search(r'name="original" type="hidden" value="([^"]+)"', _html(page)).group(1)
    response = client.post(
        f"/findings/grades/{sakip.id}/edit",
        data={
            "instrument": "sakip",
            "year": "2023",
            "region": "Kota Malang",
            "score": "90,01",
            "version": str(sakip.version),
            "original": original,
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(EvaluationResult, sakip.id).grade is Grade.AA


def test_grades_comparison_table_and_chart(client, login_as, app):
    make_result(Instrument.SAKIP, 2022, "Kota Malang", Grade.A)
    make_result(Instrument.SAKIP, 2023, "Kota Malang", Grade.A, "81.50")
    make_result(Instrument.SAKIP, 2023, "Kab. Banyuwangi", Grade.A)
    make_result(Instrument.SAKIP, 2023, "Kota Surabaya", Grade.A)
    make_result(Instrument.RB, 2023, "Kota Malang", Grade.BB)
    login_as("opd")
    html = _html(client.get("/findings/grades"))
    header = re.search(r'data-testid="grades-sakip">.*?</thead>', html, re.S).group(0)
    assert (
        header.index("Kota Malang")
        < header.index("Kab. Banyuwangi")
        < header.index("Kota Surabaya")
    )
    assert "81.50" in html
    assert 'src="/findings/grades.svg?instrument=sakip"' in html
    assert "grade-new" not in html  # only administrators enter grades
    svg = client.get("/findings/grades.svg?instrument=sakip")
    assert svg.status_code == 200
    assert svg.mimetype == "image/svg+xml"
    body = svg.get_data(as_text=True)
    assert body.startswith("<svg")
    assert "style=" not in body and "<script" not in body
    assert "Kab. Banyuwangi" in body
    assert body.count("<circle") == 4
    assert client.get("/findings/grades.svg?instrument=xx").status_code == 404
    empty = client.get("/findings/grades.svg?instrument=rb").get_data(as_text=True)
    assert "<circle" in empty


# --- a workshop's last year's notes ------------------------------------------------------


def test_workshop_notes_show_last_years_notes_with_current_outcomes(client, login, login_as, setup):
    make_review(setup["own"], Outcome.SESUAI)
    newer = make_report(year=2023, number="LHE-2024")
    make_recommendation(make_finding(newer, [setup["dinkes"]], title="Catatan tahun ini"))
    workshop = Workshop(
        title="Workshop Penguatan Kapasitas Perangkat Daerah",
        starts_at=dt.datetime(2023, 7, 26, 1, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2023, 7, 26, 8, 0, tzinfo=dt.UTC),
        venue="Hotel Savana",
    )
    db.session.add(workshop)
    db.session.commit()
    login_as("pimpinan")
    response = client.get(f"/findings/workshop/{workshop.id}")
    assert response.status_code == 200
    html = _html(response)
    assert "IKU belum berorientasi hasil" in html
    assert "Catatan khusus Diskominfo" in html
    assert "Catatan tahun ini" not in html
    assert html.count('data-testid="note-row"') == 3
    assert 'data-testid="notes-rate">33.33%' in html
    assert client.get("/findings/workshop/9999").status_code == 404
