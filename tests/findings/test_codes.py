"""BPK's codes on findings and recommendations: the seeded lists, the migration that brought
them (existing findings kept, value = amount to recover), the forms' code rules and the
findings list's code filters (Indonesian, the default language)."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import func, select

from tests import factories
from tests.findings.factories import make_finding, make_recommendation, make_report
from tracker import create_app
from tracker.extensions import db
from tracker.models import Role
from tracker.models.finding import Finding, Recommendation, ReportKind
from tracker.models.reference import AuditCode, CodeKind, LetterPattern
from tracker.reference_codes import CAUSE_CODES, FINDING_CODES, RECOMMENDATION_CODES
from tracker.services import codes


def _html(response) -> str:
    return unescape(response.get_data(as_text=True))


# --- the seeded lists ------------------------------------------------------------------


def test_seeded_code_lists(app):
    assert codes.seed() == len(FINDING_CODES) + len(CAUSE_CODES) + len(RECOMMENDATION_CODES)
    assert codes.seed() == 0  # idempotent
    db.session.commit()
    rows = db.session.scalars(select(AuditCode)).all()
    stored = {(r.kind, r.code): r for r in rows}
    assert len(stored) == len(rows)  # unique per kind
    for kind, items in codes.SEEDED.items():
        assert len({item.code for item in items}) == len(items), kind
        for item in items:
            row = stored[(kind, item.code)]
            assert (row.name, row.parent_code, row.active) == (item.name, item.parent, True)
    for row in rows:
        if row.parent_code is not None:
            assert (row.kind, row.parent_code) in stored, row.code
            assert row.code.startswith(row.parent_code + "."), row.code
        codes.check_code(row.kind, row.code)  # the format of its kind
    finding = {code for kind, code in stored if kind is CodeKind.FINDING}
    groups = {"1", "2", "3", "1.01", "1.02", "1.03", "1.04", "1.05", "2.01", "2.02", "2.03"}
    assert groups | {"3.01", "3.02", "3.03"} <= finding
    recommendation = {code for kind, code in stored if kind is CodeKind.RECOMMENDATION}
    assert recommendation == {f"{n:02d}" for n in range(1, 15)}
    assert db.session.scalar(select(func.count()).select_from(LetterPattern)) == 2
    # Every group of the non-compliance findings has its detailed codes.
    for group in ("1.01", "1.02", "1.03", "1.04"):
        assert any(c.startswith(group + ".") for c in finding), group


# --- the migration ---------------------------------------------------------------------


def test_migration_keeps_existing_findings(tmp_path):
    url = f"sqlite:///{tmp_path / 'upgrade.db'}"
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    now = "2023-06-01 00:00:00+00:00"
    with application.app_context():
        upgrade(revision="605dbc666d8a")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO report (id, kind, year, number, issuer, issued_on, "
                    "received_on, version, created_at, updated_at) VALUES (1, 'lhp_bpk', "
                    "2022, '45.A/LHP/XVIII.SBY/05/2023', 'BPK RI', '2023-05-22', "
                    "'2023-05-24', 1, :now, :now)"
                ),
                {"now": now},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO finding (id, report_id, number, title, condition, cause, "
                    "is_financial, amount_to_recover, version, created_at, updated_at) VALUES "
                    "(1, 1, '1', 'Kelebihan pembayaran', 'Kondisi', 'Sebab', 1, 12500000.50, "
                    "3, :now, :now), (2, 1, '2', 'SOP belum ada', NULL, NULL, 0, NULL, 1, "
                    ":now, :now)"
                ),
                {"now": now},
            )
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT id, number, title, condition, cause, is_financial, "
                    "amount_to_recover, value, finding_code_id, version FROM finding "
                    "ORDER BY id"
                )
            ).all()
            reports = conn.execute(sa.text("SELECT number, issuer FROM report")).all()
            seeded = conn.execute(
                sa.text("SELECT count(*) FROM audit_code WHERE kind = 'recommendation'")
            ).scalar()
        db.engine.dispose()
    assert reports == [("45.A/LHP/XVIII.SBY/05/2023", "BPK RI")]
    (fin_id, number, title, condition, cause, financial, amount, value, code, version) = rows[0]
    assert (fin_id, number, title, condition, cause) == (
        1,
        "1",
        "Kelebihan pembayaran",
        "Kondisi",
        "Sebab",
    )
    assert (bool(financial), Decimal(str(amount)), Decimal(str(value))) == (
        True,
        Decimal("12500000.50"),
        Decimal("12500000.50"),
    )
    assert (code, version) == (None, 3)
    assert rows[1][1:3] == ("2", "SOP belum ada")
    assert (bool(rows[1][5]), rows[1][6], rows[1][7]) == (False, None, None)
    assert seeded == 14


# --- codes on the forms ----------------------------------------------------------------


@pytest.fixture
def coded(app):
    codes.seed()
    db.session.commit()
    opd = factories.make_opd("DINKES", "Dinas Kesehatan")
    bpk = make_report(kind=ReportKind.LHP_BPK, number="LHP-BPK/1")
    sakip = make_report(kind=ReportKind.LHE_SAKIP, number="LHE/1")
    return {
        "opd": opd,
        "bpk": bpk,
        "sakip": sakip,
        "leaf": codes.by_code(CodeKind.FINDING, "1.01.03"),
        "group": codes.by_code(CodeKind.FINDING, "1.01"),
        "rec": codes.by_code(CodeKind.RECOMMENDATION, "01"),
    }


def _finding_form(coded: dict, **overrides: str) -> dict:
    data = {
        "number": "1",
        "title": "Kekurangan volume pekerjaan jalan",
        "opd_ids": [str(coded["opd"].id)],
        "finding_code_id": str(coded["leaf"].id),
        "cause_code_id": "",
    }
    data.update(overrides)
    return data


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_finding_code_rules_on_the_form(client, login_as, coded):
    login_as(Role.INSPEKTORAT)
    bpk = coded["bpk"]
    url = f"/findings/reports/{bpk.id}/findings/new"
    page = _html(client.get(url))
    assert "Kode temuan (wajib untuk LHP BPK)" in page
    assert "1.01.03 Kekurangan volume pekerjaan dan/atau barang" in page
    assert '<optgroup label="1.01 Kerugian negara' in page  # grouped under its group
    assert 'value="' + str(coded["group"].id) + '"' not in page  # groups are not offered
    assert "Belum ada kode sebab yang dimasukkan" in page  # the empty cause list
    cases = [
        ({"finding_code_id": ""}, "Temuan LHP BPK wajib memiliki kode temuan BPK."),
        ({"finding_code_id": str(coded["group"].id)}, "Not a valid choice"),
        ({"finding_code_id": str(coded["rec"].id)}, "Not a valid choice"),
        ({"finding_code_id": "abc"}, "Not a valid choice"),
        ({"cause_code_id": str(coded["leaf"].id)}, "Not a valid choice"),
    ]
    for overrides, message in cases:
        response = client.post(url, data=_finding_form(coded, **overrides))
        assert response.status_code == 400, overrides
        html = _html(response)
        assert message in html or "Pilihan tidak valid" in html, (overrides, message)
    assert _count(Finding) == 0
    assert client.post(url, data=_finding_form(coded)).status_code == 302
    db.session.expire_all()
    finding = db.session.scalar(select(Finding))
    assert finding.finding_code_id == coded["leaf"].id
    detail = _html(client.get(f"/findings/{finding.id}"))
    assert "1.01.03" in detail and "Kekurangan volume pekerjaan dan/atau barang" in detail

    # Elsewhere the code is optional.
    sakip = coded["sakip"]
    response = client.post(
        f"/findings/reports/{sakip.id}/findings/new",
        data=_finding_form(coded, finding_code_id="", number="9"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert _count(Finding) == 2


def test_a_group_without_detail_is_offered(client, login_as, coded):
    lonely = codes.create_code(CodeKind.FINDING, code="3.04", name="Kelompok tanpa rincian")
    codes.create_code(CodeKind.CAUSE, code="1", name="Sebab umum")
    cause = codes.create_code(CodeKind.CAUSE, code="1.01", name="Sebab rinci")
    db.session.commit()
    login_as(Role.INSPEKTORAT)
    url = f"/findings/reports/{coded['bpk'].id}/findings/new"
    assert "3.04 Kelompok tanpa rincian" in _html(client.get(url))
    response = client.post(
        url, data=_finding_form(coded, finding_code_id=str(lonely.id), cause_code_id=str(cause.id))
    )
    assert response.status_code == 302
    db.session.expire_all()
    finding = db.session.scalar(select(Finding))
    assert (finding.finding_code.code, finding.cause_code.code) == ("3.04", "1.01")


def test_service_refuses_groups_and_inactive_codes(app, coded):
    from tracker.services import findings as svc
    from tracker.services.errors import DomainError

    user = factories.make_user(Role.INSPEKTORAT)
    base = {
        "number": "1",
        "title": "Temuan",
        "condition": None,
        "criteria": None,
        "cause": None,
        "effect": None,
        "is_financial": False,
        "amount_to_recover": None,
        "opd_ids": [coded["opd"].id],
    }
    with pytest.raises(DomainError, match=r"1\.01 adalah kelompok") as err:
        svc.create_finding(user, coded["bpk"], finding_code_id=coded["group"].id, **base)
    assert err.value.field == "finding_code_id"
    codes.set_active(coded["leaf"], False)
    with pytest.raises(DomainError, match="sudah tidak digunakan"):
        svc.create_finding(user, coded["bpk"], finding_code_id=coded["leaf"].id, **base)


def test_recommendation_code_and_value(client, login_as, coded):
    finding = make_finding(coded["bpk"], [coded["opd"]], finding_code_id=coded["leaf"].id)
    login_as(Role.INSPEKTORAT)
    url = f"/findings/{finding.id}/recommendations/new"
    page = _html(client.get(url))
    assert "Kode rekomendasi (wajib untuk LHP BPK)" in page
    assert "01 Penyetoran ke kas negara/daerah" in page
    data = {"number": "1", "text": "Menyetor ke kas daerah", "opd_id": str(coded["opd"].id)}
    for overrides, message in (
        ({}, "Rekomendasi LHP BPK wajib memiliki kode rekomendasi BPK."),
        ({"code_id": str(coded["rec"].id), "value": "12,5,0"}, "Isikan jumlah dalam rupiah"),
    ):
        response = client.post(url, data={**data, **overrides})
        assert response.status_code == 400, overrides
        assert message in _html(response), overrides
    assert _count(Recommendation) == 0
    response = client.post(
        url, data={**data, "code_id": str(coded["rec"].id), "value": "7.500.000"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    rec = db.session.scalar(select(Recommendation))
    assert (rec.code.code, rec.value) == ("01", Decimal("7500000.00"))
    detail = _html(client.get(f"/findings/{finding.id}"))
    assert "Rp 7.500.000" in detail and "Penyetoran ke kas negara/daerah" in detail
    report = _html(client.get(f"/findings/reports/{coded['bpk'].id}"))
    assert 'data-testid="rec-code"' in report and "1.01.03" in report


# --- the list's code filters -----------------------------------------------------------


def _titles(client, query: str) -> list[str]:
    html = client.get(f"/findings/{query}").get_data(as_text=True)
    link = r'data-testid="finding-link">(?:<span[^>]*>[^<]*</span>)?([^<]+)<'
    # each finding shows twice: as a table row and as a card (small screens)
    return sorted({unescape(t).strip() for t in re.findall(link, html)})


def test_list_filters_by_codes(client, login_as, coded):
    opd, bpk = coded["opd"], coded["bpk"]
    other_leaf = codes.by_code(CodeKind.FINDING, "1.02.01")
    f1 = make_finding(bpk, [opd], title="Temuan A", finding_code_id=coded["leaf"].id)
    make_finding(bpk, [opd], title="Temuan B", finding_code_id=other_leaf.id)
    make_finding(coded["sakip"], [opd], title="Catatan C")
    codes.create_code(CodeKind.CAUSE, code="2", name="Sebab kelompok")
    cause = codes.create_code(CodeKind.CAUSE, code="2.01", name="Sebab rinci")
    db.session.commit()
    f1.cause_code_id = cause.id
    db.session.commit()
    make_recommendation(f1, opd, code_id=coded["rec"].id)
    login_as(Role.INSPEKTORAT)

    assert _titles(client, "") == ["Catatan C", "Temuan A", "Temuan B"]
    assert _titles(client, "?finding_code=1.01") == ["Temuan A"]  # a prefix match
    assert _titles(client, "?finding_code=1") == ["Temuan A", "Temuan B"]
    assert _titles(client, "?finding_code=1.01.03") == ["Temuan A"]
    assert _titles(client, "?finding_code=1.0") == []  # "1.0" is no prefix of 1.01
    assert _titles(client, "?cause_code=2") == ["Temuan A"]
    assert _titles(client, "?rec_code=01") == ["Temuan A"]
    assert _titles(client, "?rec_code=02") == []
    assert _titles(client, "?no_code=1") == ["Catatan C"]
    # Malformed codes are ignored, never an error.
    for query in ("?finding_code=x%25", "?rec_code=1", "?cause_code=" + "9" * 50):
        assert _titles(client, query) == ["Catatan C", "Temuan A", "Temuan B"], query
    page = _html(client.get("/findings/?finding_code=1.01"))
    assert "Semua kode temuan" in page and "Semua kode rekomendasi" in page
    assert re.search(r'<option value="1.01" selected>', page)


def _grow_coded(coded: dict, n: int, start: int) -> None:
    opd = coded["opd"]
    author = factories.make_user(Role.OPD, opd=opd)
    from tests.findings.factories import make_follow_up, make_link_evidence

    for i in range(start, start + n):
        finding = make_finding(
            coded["bpk"], [opd], number=f"G{i}", finding_code_id=coded["leaf"].id
        )
        rec = make_recommendation(finding, opd, code_id=coded["rec"].id, progress=40)
        make_link_evidence(make_follow_up(rec, author=author, progress=40))


@pytest.mark.parametrize(
    "query",
    ["", "?finding_code=1.01&rec_code=01", "?no_code=1&cause_code=1", "?q=G&finding_code=1"],
)
def test_list_query_count_is_constant_with_codes(client, login_as, count_queries, coded, query):
    login_as(Role.INSPEKTORAT)
    _grow_coded(coded, 3, 0)
    url = f"/findings/{query}"
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _grow_coded(coded, 20, 100)
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert large.count == small.count, "\n".join(large.statements)


def test_detail_and_report_query_counts_are_constant(client, login_as, count_queries, coded):
    login_as(Role.INSPEKTORAT)
    first = make_finding(coded["bpk"], [coded["opd"]], number="A", finding_code_id=coded["leaf"].id)
    make_recommendation(first, coded["opd"], number="0", code_id=coded["rec"].id)
    urls = [f"/findings/{first.id}", f"/findings/reports/{coded['bpk'].id}"]
    _grow_coded(coded, 2, 0)
    small = {}
    for url in urls:
        client.get(url)
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        small[url] = counter.count
    _grow_coded(coded, 15, 100)
    for i in range(5):
        make_recommendation(first, coded["opd"], number=str(i + 1), code_id=coded["rec"].id)
    for url in urls:
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        assert counter.count == small[url], (url, "\n".join(counter.statements))


def test_form_pages_query_counts_are_constant(client, login_as, count_queries, coded):
    login_as(Role.INSPEKTORAT)
    finding = make_finding(coded["bpk"], [coded["opd"]], finding_code_id=coded["leaf"].id)
    rec = make_recommendation(finding, coded["opd"], code_id=coded["rec"].id)
    urls = [
        f"/findings/reports/{coded['bpk'].id}/findings/new",
        f"/findings/{finding.id}/edit",
        f"/findings/{finding.id}/recommendations/new",
        f"/findings/recommendations/{rec.id}/edit",
    ]
    small = {}
    for url in urls:
        client.get(url)
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        small[url] = counter.count
    for i in range(15):
        group = codes.create_code(CodeKind.FINDING, code=f"3.{i + 10}", name=f"Kelompok {i}")
        codes.create_code(CodeKind.FINDING, code=f"{group.code}.01", name=f"Rinci {i}")
        codes.create_code(CodeKind.CAUSE, code=str(i + 1), name=f"Sebab {i}")
        codes.create_code(CodeKind.RECOMMENDATION, code=f"{i + 20}", name=f"Lain {i}")
    db.session.commit()
    for url in urls:
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        assert counter.count == small[url], (url, "\n".join(counter.statements))
