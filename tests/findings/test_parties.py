"""A finding's value and responsible parties on the finding form (Indonesian, the default
language): saved as typed, every refusal with its message and nothing saved, rows added
without JavaScript, shown on the finding and report pages, audited."""

from __future__ import annotations

from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.admin.factories_admin import form_data
from tests.findings.factories import make_report
from tracker.extensions import db
from tracker.models import AuditLog, Role
from tracker.models.finding import Finding, FindingParty, ReportKind
from tracker.models.reference import CodeKind
from tracker.services import codes

NIP = "19750312 200003 2 004"


def _html(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def setup(app):
    codes.seed()
    db.session.commit()
    opd = factories.make_opd("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang")
    report = make_report(kind=ReportKind.LHP_BPK, number="LHP/BPK/7")
    return {
        "opd": opd,
        "report": report,
        "code": codes.by_code(CodeKind.FINDING, "1.01.03"),
        "url": f"/findings/reports/{report.id}/findings/new",
    }


def _form(setup: dict, rows: list[dict[str, str]] | None = None, **overrides: str) -> dict:
    data = {
        "number": "1",
        "title": "Kekurangan volume pekerjaan jalan",
        "opd_ids": [str(setup["opd"].id)],
        "finding_code_id": str(setup["code"].id),
        "is_financial": "y",
        "amount_to_recover": "10.000.000",
        "value": "25.000.000",
    }
    for i, row in enumerate(rows or []):
        for key, value in row.items():
            data[f"parties-{i}-{key}"] = value
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_value_and_parties_are_saved(client, login_as, setup):
    login_as(Role.INSPEKTORAT)
    page = _html(client.get(setup["url"]))
    assert page.count('data-testid="party-row"') == 3  # three empty rows to start with
    rows = [
        {"name": "Budi Santoso", "nip": NIP, "position": "PPK", "amount": "6.000.000"},
        {"name": "CV Maju Jaya", "nip": "", "position": "Rekanan", "amount": "4.000.000"},
        {"name": "", "nip": "", "position": "", "amount": ""},
    ]
    response = client.post(setup["url"], data=_form(setup, rows))
    assert response.status_code == 302, _html(response)[:2000]
    db.session.expire_all()
    finding = db.session.scalar(select(Finding))
    assert (finding.value, finding.amount_to_recover) == (Decimal("25000000"), Decimal("10000000"))
    parties = [(p.name, p.nip, p.position, p.amount) for p in finding.parties]
    assert parties == [
        ("Budi Santoso", "197503122000032004", "PPK", Decimal("6000000.00")),
        ("CV Maju Jaya", None, "Rekanan", Decimal("4000000.00")),
    ]
    audited = db.session.scalars(
        select(AuditLog).where(AuditLog.entity_type == "FindingParty")
    ).all()
    assert len(audited) == 2
    detail = _html(client.get(f"/findings/{finding.id}"))
    for text in ("Rp 25.000.000", "Budi Santoso", "197503122000032004", "Rp 6.000.000", "PPK"):
        assert text in detail, text
    report = _html(client.get(f"/findings/reports/{setup['report'].id}"))
    assert "nilai Rp 25.000.000" in report
    assert "Budi Santoso (197503122000032004) Rp 6.000.000" in report


def test_value_defaults_to_the_amount_to_recover(client, login_as, setup):
    login_as(Role.INSPEKTORAT)
    assert client.post(setup["url"], data=_form(setup, value="")).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Finding.value)) == Decimal("10000000")


@pytest.mark.parametrize(
    ("rows", "overrides", "message"),
    [
        (
            [{"name": "Budi", "nip": "1975 0312 2000 0320 0"}],
            {},
            "NIP terdiri atas 18 angka (spasi diperbolehkan).",
        ),
        ([{"name": "Budi", "nip": "19750312200003200X"}], {}, "NIP terdiri atas 18 angka"),
        ([{"name": "", "position": "PPK"}], {}, "Isi nama pihak yang bertanggung jawab."),
        ([{"name": "Budi", "amount": "enam juta"}], {}, "Isikan jumlah dalam rupiah"),
        (
            [{"name": "A", "amount": "6.000.000"}, {"name": "B", "amount": "4.000.001"}],
            {},
            "Jumlah nilai para pihak yang bertanggung jawab Rp 10.000.001, melebihi nilai "
            "yang harus dipulihkan sebesar Rp 10.000.000.",
        ),
        (
            [{"name": "Budi"}],
            {"is_financial": None, "amount_to_recover": "", "value": "5.000.000"},
            "Pihak yang bertanggung jawab hanya dicatat untuk temuan keuangan.",
        ),
        (
            [],
            {"value": "9.000.000"},
            "Nilai temuan keuangan paling sedikit sebesar nilai yang harus dipulihkan "
            "(Rp 10.000.000).",
        ),
        ([], {"value": "Rp 1,2,3"}, "Isikan jumlah dalam rupiah"),
        ([{"name": "B" * 201}], {}, "200"),
    ],
)
def test_refusals_save_nothing(client, login_as, setup, rows, overrides, message):
    login_as(Role.INSPEKTORAT)
    response = client.post(setup["url"], data=_form(setup, rows, **overrides))
    assert response.status_code == 400
    html = _html(response)
    assert message in html
    assert 'data-testid="form-errors"' in html
    db.session.expire_all()
    assert _count(Finding) == 0
    assert _count(FindingParty) == 0


def test_more_rows_without_javascript(client, login_as, setup):
    login_as(Role.INSPEKTORAT)
    rows = [{"name": f"Pihak {i}", "amount": "1.000.000"} for i in range(3)]
    response = client.post(setup["url"], data={**_form(setup, rows), "more_parties": "1"})
    assert response.status_code == 200
    html = _html(response)
    assert html.count('data-testid="party-row"') == 6
    assert "Pihak 2" in html and 'data-testid="form-errors"' not in html
    assert _count(Finding) == 0  # nothing saved by asking for rows
    rows.append({"name": "Pihak 3", "amount": "1.000.000"})
    assert client.post(setup["url"], data=_form(setup, rows)).status_code == 302
    db.session.expire_all()
    assert _count(FindingParty) == 4


def test_edit_keeps_replaces_and_removes_parties(client, login_as, setup):
    login_as(Role.INSPEKTORAT)
    rows = [
        {"name": "Budi Santoso", "nip": NIP, "amount": "6.000.000"},
        {"name": "Siti", "amount": "1.000.000"},
    ]
    assert client.post(setup["url"], data=_form(setup, rows)).status_code == 302
    db.session.expire_all()
    finding = db.session.scalar(select(Finding))
    page = client.get(f"/findings/{finding.id}/edit")
    html = _html(page)
    assert html.count('data-testid="party-row"') == 5  # the two, and three empty rows
    data = form_data(page.get_data(as_text=True))
    assert data["parties-0-nip"] == "197503122000032004"
    assert data["parties-0-amount"] == "6.000.000"
    assert data["value"] == "25.000.000"
    # Clear Siti's row, change Budi's amount.
    data.update({"parties-1-name": "", "parties-1-amount": "", "parties-0-amount": "7.500.000"})
    assert client.post(f"/findings/{finding.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    finding = db.session.get(Finding, finding.id)
    assert [(p.name, p.amount) for p in finding.parties] == [("Budi Santoso", Decimal("7500000"))]
    actions = sorted(
        e.action.value
        for e in db.session.scalars(select(AuditLog).where(AuditLog.entity_type == "FindingParty"))
    )
    assert actions == ["create", "create", "delete", "update"]
    assert finding.version == 2  # the finding's own version moved with its parties
