"""SIPTL submissions of LHP BPK recommendations (recorded, edited with a version check) and
the reconciliation of BPK's outcome with the Inspektorat's: the flag on the
recommendation's page and the reconciliation page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.findings.factories import (
    make_finding,
    make_recommendation,
    make_report,
    make_review,
)
from tracker.extensions import db
from tracker.forms import sign_original
from tracker.models import Role
from tracker.models.finding import (
    Outcome,
    Recommendation,
    RecommendationReview,
    ReportKind,
    SiptlSubmission,
)
from tracker.services import siptl

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


def _html(response: Any) -> str:
    return response.get_data(as_text=True)


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(SiptlSubmission)) or 0


@pytest.fixture
def world(app) -> dict[str, Any]:
    dinkes = factories.make_opd("DINKES", "Dinas Kesehatan")
    bpk = make_report(kind=ReportKind.LHP_BPK, year=2022, number="45.A/LHP/XVIII.SBY/05/2023")
    finding = make_finding(bpk, [dinkes], number="1", title="Kelebihan pembayaran")
    rec = make_recommendation(finding, dinkes, number="1", text="Setorkan kelebihan bayar")
    sakip = make_report(kind=ReportKind.LHE_SAKIP)
    other = make_recommendation(make_finding(sakip, [dinkes]), dinkes)
    return {"dinkes": dinkes, "finding": finding, "rec": rec, "sakip_rec": other}


def _data(**extra: str) -> dict[str, str]:
    data = {
        "period": "2023-S2",
        "submitted_on": "2024-01-15",
        "receipt_number": "TT-0042/SIPTL/I/2024",
        "bpk_outcome": "",
        "note": "Disampaikan bersama bukti setor.",
    }
    data.update(extra)
    return data


def _make(rec: Recommendation, period: str, bpk: Outcome | None) -> SiptlSubmission:
    submission = SiptlSubmission(
        recommendation_id=rec.id,
        period=period,
        submitted_on=dt.date(2024, 1, 15),
        receipt_number=f"TT-{rec.id}-{period}",
        bpk_outcome=bpk,
        recorded_by_id=factories.make_user(Role.INSPEKTORAT).id,
    )
    db.session.add(submission)
    db.session.commit()
    return submission


def test_the_inspektorat_records_a_siptl_submission(client, login_as, world):
    rec = world["rec"]
    login_as("inspektorat")
    url = f"/findings/recommendations/{rec.id}/siptl/new"
    assert client.get(url).status_code == 200
    for extra, message in (
        ({"receipt_number": ""}, "This field is required"),
        ({"submitted_on": "2099-01-01"}, "cannot be in the future"),
        ({"submitted_on": "2023-01-02"}, "before the report was received"),
        ({"period": "2099-S1"}, "Not a valid choice"),
    ):
        response = client.post(url, data=_data(**extra))
        assert response.status_code == 400, extra
        assert message in _html(response), extra
    assert _count() == 0
    response = client.post(url, data=_data())
    assert response.status_code == 302, _html(response)[:3000]
    submission = db.session.scalars(select(SiptlSubmission)).one()
    assert (submission.period, submission.submitted_on) == ("2023-S2", dt.date(2024, 1, 15))
    assert submission.receipt_number == "TT-0042/SIPTL/I/2024"
    assert submission.bpk_outcome is None
    page = _html(client.get(response.headers["Location"]))
    assert "TT-0042/SIPTL/I/2024" in page and 'data-testid="siptl-flag"' not in page
    # One per recommendation and semester.
    response = client.post(url, data=_data(receipt_number="TT-0043"))
    assert response.status_code == 400
    assert "already recorded" in _html(response)
    assert _count() == 1


def test_siptl_is_for_lhp_bpk_and_the_inspektorat_only(client, login, login_as, world):
    login_as("inspektorat")
    url = f"/findings/recommendations/{world['sakip_rec'].id}/siptl/new"
    assert client.get(url).status_code == 404
    assert client.post(url, data=_data()).status_code == 404
    bpk_url = f"/findings/recommendations/{world['rec'].id}/siptl/new"
    client.post("/logout")
    login(factories.make_user(Role.OPD, opd=world["dinkes"]))
    assert client.post(bpk_url, data=_data()).status_code == 403
    client.post("/logout")
    login_as("pimpinan")
    assert client.post(bpk_url, data=_data()).status_code == 403
    assert _count() == 0


def test_bpk_outcome_is_added_later_with_a_version_check(client, login_as, app, world):
    submission = _make(world["rec"], "2023-S2", None)
    make_review(world["rec"], Outcome.SESUAI, "2023-S2")
    login_as("inspektorat")
    url = f"/findings/siptl/{submission.id}/edit"
    assert client.get(url).status_code == 200
    with app.test_request_context():
        original = sign_original(submission, siptl.FIELDS)
    data = _data(
        receipt_number=submission.receipt_number,
        bpk_outcome="belum_sesuai",
        version=str(submission.version),
        original=original,
    )
    response = client.post(url, data=data)
    assert response.status_code == 302, _html(response)[:3000]
    db.session.expire_all()
    saved = db.session.get(SiptlSubmission, submission.id)
    assert saved.bpk_outcome is Outcome.BELUM_SESUAI
    # The same (now stale) form again: refused, nothing overwritten.
    response = client.post(url, data={**data, "bpk_outcome": "sesuai"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(SiptlSubmission, submission.id).bpk_outcome is Outcome.BELUM_SESUAI
    # BPK says 2, the Inspektorat 1: flagged on the recommendation's page.
    page = _html(client.get(f"/findings/{world['finding'].id}"))
    flag = re.search(r'data-testid="siptl-flag">(.*?)</div>', page, re.S)
    assert flag and "BPK 2." in flag.group(1) and "Inspektorat 1." in flag.group(1)


@pytest.mark.parametrize(
    ("review", "bpk", "flagged"),
    [
        (None, None, False),  # BPK's outcome not known yet
        (None, Outcome.BELUM_DITINDAKLANJUTI, False),  # no review counts as 3
        (None, Outcome.SESUAI, True),
        (Outcome.SESUAI, Outcome.SESUAI, False),
        (Outcome.SESUAI, Outcome.BELUM_SESUAI, True),
        (Outcome.BELUM_SESUAI, Outcome.TIDAK_DAPAT_DITINDAKLANJUTI, True),
    ],
)
def test_the_reconciliation_rule(client, login_as, world, review, bpk, flagged):
    rec = world["rec"]
    if review is not None:
        make_review(rec, review, "2023-S2")
    make_review(rec, Outcome.SESUAI, "2024-S1")  # another semester does not count
    submission = _make(rec, "2023-S2", bpk)
    db.session.expire_all()
    reviews = db.session.scalars(
        select(RecommendationReview).where(RecommendationReview.recommendation_id == rec.id)
    ).all()
    assert siptl.differs(db.session.get(SiptlSubmission, submission.id), reviews) is flagged
    login_as("pimpinan")
    listed = _html(client.get("/findings/reconciliation"))
    assert ('data-testid="reconciliation-row"' in listed) is flagged
    page = _html(client.get(f"/findings/{world['finding'].id}"))
    assert ('data-testid="siptl-flag"' in page) is flagged


def test_the_reconciliation_page_filters_by_semester_and_opd(client, login_as, world):
    kominfo = factories.make_opd("DISKOMINFO", "Dinas Komunikasi dan Informatika")
    finding = make_finding(world["finding"].report, [kominfo], number="2")
    other = make_recommendation(finding, kominfo, number="1", text="Inventarisasi aset")
    _make(world["rec"], "2023-S2", Outcome.SESUAI)
    _make(other, "2024-S1", Outcome.BELUM_SESUAI)
    login_as("inspektorat")

    def rows(query: str) -> int:
        return _html(client.get(f"/findings/reconciliation{query}")).count(
            'data-testid="reconciliation-row"'
        )

    assert rows("") == 2
    assert rows("?semester=2023-S2") == 1
    assert rows(f"?opd={kominfo.id}") == 1
    assert rows(f"?opd={kominfo.id}&semester=2023-S2") == 0
    assert rows("?q=Inventarisasi") == 1
    assert rows("?semester=bogus") == 2  # a malformed semester is ignored
    page = _html(client.get("/findings/reconciliation?semester=2023-S2"))
    assert "Setorkan kelebihan bayar" in page


def _grow(world: dict[str, Any], n: int) -> None:
    for i in range(n):
        opd = factories.make_opd()
        rec = make_recommendation(make_finding(world["finding"].report, [opd]), opd)
        make_review(rec, Outcome.SESUAI, "2023-S2")
        _make(
            rec, "2023-S2", Outcome.BELUM_SESUAI if i % 2 else Outcome.TIDAK_DAPAT_DITINDAKLANJUTI
        )
        _make(rec, "2024-S1", Outcome.SESUAI)


@pytest.mark.parametrize(
    "url",
    [
        "/findings/reconciliation",
        "/findings/reconciliation?semester=2023-S2&sort=opd&q=Rekomendasi",
        "/findings/{finding}",
    ],
)
def test_query_count_is_constant(client, login_as, count_queries, world, url):
    login_as("inspektorat")
    url = url.format(finding=world["finding"].id)
    _grow(world, 2)
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _grow(world, 6)
    # the finding page grows by recommendations of its own finding
    for _ in range(4):
        rec = make_recommendation(world["finding"], world["dinkes"])
        _make(rec, "2023-S2", Outcome.SESUAI)
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert large.count == small.count, "\n".join(large.statements)
