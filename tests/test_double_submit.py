"""A create form sent twice (double click, two tabs, two requests at once) creates one
record; the second request lands where the first one went, with a message."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.findings.factories import make_finding, make_recommendation, make_report
from tracker.extensions import db
from tracker.models import Commitment, Finding, FormSubmission, Opd, Repayment, Report, Role

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")
TOKEN = "0123456789abcdef0123456789abcdef"
ALREADY = "This form had already been sent"


def _count(model: Any) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _opd_case(_world: dict[str, Any]) -> tuple[str, dict[str, Any], Any]:
    data = {"code": "DINKES", "name": "Dinas Kesehatan", "kind": "dinas", "sort_order": "1"}
    return "/admin/opds/new", data, Opd


def _report_case(_world: dict[str, Any]) -> tuple[str, dict[str, Any], Any]:
    data = {
        "kind": "lhp_bpk",
        "year": "2022",
        "number": "45.A/LHP/XVIII.SBY/05/2023",
        "title": "LHP atas LKPD 2022",
        "issuer": "BPK RI Perwakilan Provinsi Jawa Timur",
        "issued_on": "2023-05-22",
        "received_on": "2023-05-24",
    }
    return "/findings/reports/new", data, Report


def _finding_case(world: dict[str, Any]) -> tuple[str, dict[str, Any], Any]:
    data = {
        "number": "7",
        "title": "Kelebihan pembayaran belanja modal",
        "opd_ids": [str(world["opd"].id)],
    }
    return f"/findings/reports/{world['report'].id}/findings/new", data, Finding


def _repayment_case(world: dict[str, Any]) -> tuple[str, dict[str, Any], Any]:
    data = {"paid_on": "2023-06-01", "amount": "5.000.000"}
    return f"/findings/{world['financial'].id}/repayments", data, Repayment


def _commitment_case(world: dict[str, Any]) -> tuple[str, dict[str, Any], Any]:
    data = {
        "opd_id": str(world["opd"].id),
        "statement": "Mengintegrasikan layanan perizinan ke Mal Pelayanan Publik digital",
        "indicator": "Jumlah layanan terintegrasi",
        "target": "25 layanan",
        "due_on": "2030-06-30",
        "activate": "y",
    }
    return "/commitments/new", data, Commitment


CASES = {
    "opd": (Role.ADMIN, _opd_case),
    "report": (Role.INSPEKTORAT, _report_case),
    "finding": (Role.INSPEKTORAT, _finding_case),
    "repayment": (Role.INSPEKTORAT, _repayment_case),
    "commitment": (Role.INSPEKTORAT, _commitment_case),
}


@pytest.fixture
def world(app) -> dict[str, Any]:
    opd = factories.make_opd("BAPPEDA", "Badan Perencanaan Pembangunan Daerah")
    report = make_report(year=2022, number="LHE-1/2023")
    financial = make_finding(
        report, [opd], number="9", is_financial=True, amount_to_recover=Decimal("12500000")
    )
    make_recommendation(financial, opd)
    return {"opd": opd, "report": report, "financial": financial}


@pytest.mark.parametrize("case", list(CASES))
def test_the_same_form_sent_twice_creates_one_record(client, login_as, world, case):
    role, build = CASES[case]
    url, data, model = build(world)
    login_as(role)
    before = _count(model)
    first = client.post(url, data={**data, "submission_token": TOKEN})
    assert first.status_code == 302, first.get_data(as_text=True)[:2000]
    second = client.post(url, data={**data, "submission_token": TOKEN})
    assert second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert ALREADY in client.get(second.headers["Location"]).get_data(as_text=True)
    assert _count(model) == before + 1


def test_a_new_form_creates_a_new_record(client, login_as, world):
    url, data, _model = _repayment_case(world)
    login_as(Role.INSPEKTORAT)
    for token in (TOKEN, TOKEN.replace("0", "f")):
        assert client.post(url, data={**data, "submission_token": token}).status_code == 302
    assert _count(Repayment) == 2


def test_a_form_with_errors_can_be_corrected_and_sent_with_its_token(client, login_as, world):
    url, data, _model = _repayment_case(world)
    login_as(Role.INSPEKTORAT)
    wrong = client.post(url, data={**data, "amount": "dua juta", "submission_token": TOKEN})
    assert wrong.status_code == 400
    assert _count(FormSubmission) == 0  # nothing saved, the token is free again
    assert client.post(url, data={**data, "submission_token": TOKEN}).status_code == 302
    assert _count(Repayment) == 1


def test_every_create_form_carries_a_token(client, login_as, world):
    login_as(Role.ADMIN)
    for url in (
        "/admin/opds/new",
        "/admin/people/new",
        "/admin/users/new",
        "/findings/reports/new",
        f"/findings/reports/{world['report'].id}/findings/new",
        f"/findings/{world['financial'].id}",
        "/commitments/new",
        "/workshops/new",
    ):
        page = client.get(url).get_data(as_text=True)
        assert 'name="submission_token"' in page or "-submission_token" in page, url


@pytest.mark.parametrize("case", list(CASES))
def test_two_requests_at_once_create_one_record(app, backend, world, case):
    """Two tabs (or a double click) send the same form at the same moment: one record
    (for a repayment, the balance drops once), and neither request fails."""
    if backend != "postgresql":
        pytest.skip("simultaneous writers need PostgreSQL (SQLite serialises them)")
    role, build = CASES[case]
    url, data, model = build(world)
    before = _count(model)
    user = factories.make_user(role)
    clients = [app.test_client() for _ in range(2)]
    for client in clients:
        response = client.post(
            "/login", data={"email": user.email, "password": factories.DEFAULT_PASSWORD}
        )
        assert response.status_code == 302
    start = threading.Barrier(2)
    statuses: list[int] = []

    def send(client: Any) -> None:
        start.wait(timeout=10)
        statuses.append(client.post(url, data={**data, "submission_token": TOKEN}).status_code)

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [302, 303]
    assert _count(model) == before + 1
    if case == "repayment":
        db.session.expire_all()
        finding = db.session.get(Finding, world["financial"].id)
        assert sum(r.amount for r in finding.repayments) == Decimal("5000000")
