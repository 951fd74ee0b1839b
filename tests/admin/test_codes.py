"""The BPK code lists and the letter-number patterns in the administration (Indonesian,
the default language)."""

from __future__ import annotations

import itertools
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.admin.factories_admin import form_data
from tests.findings.factories import make_finding, make_recommendation, make_report
from tracker.extensions import db
from tracker.i18n import today_wib
from tracker.models import AuditLog, Role
from tracker.models.finding import ReportKind
from tracker.models.reference import AuditCode, CodeKind, LetterKind, LetterPattern
from tracker.services import codes


@pytest.fixture
def seeded(app):
    codes.seed()
    db.session.commit()


def _html(response) -> str:
    return unescape(response.get_data(as_text=True))


def _listed(client, query: str) -> list[str]:
    html = client.get(f"/admin/codes{query}").get_data(as_text=True)
    return re.findall(r'data-testid="code-row" data-code="([0-9.]+)"', html)


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditCode))


def test_only_admins_reach_the_code_pages(client, login_as, seeded):
    code = codes.by_code(CodeKind.FINDING, "1.01")
    pages = [
        "/admin/codes",
        "/admin/codes/new?kind=cause",
        f"/admin/codes/{code.id}/edit",
        "/admin/letter-patterns",
        "/admin/letter-patterns/skbt/edit",
    ]
    for role in (Role.INSPEKTORAT, Role.OPD, Role.PIMPINAN):
        client.post("/logout")
        login_as(role)
        for url in pages:
            assert client.get(url).status_code == 403, (role, url)
        assert client.post(f"/admin/codes/{code.id}/toggle").status_code == 403
    client.post("/logout")
    login_as(Role.ADMIN)
    for url in pages:
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/letter-patterns/unknown/edit").status_code == 404
    assert client.get("/admin/codes/999999/edit").status_code == 404
    assert 'data-testid="section-codes"' in client.get("/admin/").get_data(as_text=True)


def test_list_per_kind_tree_search_and_usage(client, login_as, seeded):
    opd = factories.make_opd()
    report = make_report(kind=ReportKind.LHP_BPK)
    used = codes.by_code(CodeKind.FINDING, "1.01.03")
    finding = make_finding(report, [opd], finding_code_id=used.id)
    make_finding(report, [opd], finding_code_id=used.id)
    rec_code = codes.by_code(CodeKind.RECOMMENDATION, "01")
    make_recommendation(finding, opd, code_id=rec_code.id)
    login_as(Role.ADMIN)

    first = _listed(client, "?kind=finding&per_page=5")
    assert first == ["1", "1.01", "1.01.01", "1.01.02", "1.01.03"]  # the tree, in code order
    html = _html(client.get("/admin/codes?kind=finding&q=1.01.03"))
    assert re.findall(r'data-code="([0-9.]+)"', html) == ["1.01.03"]
    assert "2 temuan" in html  # used by two findings
    assert "Kekurangan volume pekerjaan" in html
    assert _listed(client, "?kind=recommendation&per_page=50") == [f"{n:02d}" for n in range(1, 15)]
    assert "1 rekomendasi" in _html(client.get("/admin/codes?kind=recommendation&q=01"))
    # The cause list may be empty: the page says so.
    assert "Daftar ini belum memiliki kode." in _html(client.get("/admin/codes?kind=cause"))
    # A group shows how many codes hang below it and cannot be deleted.
    group = _html(client.get("/admin/codes?kind=finding&q=Kerugian negara"))
    assert "kode di bawahnya" in group
    # Unknown kinds and statuses fall back to the defaults.
    assert _listed(client, "?kind=nope&status=nope&per_page=1") == ["1"]


def test_create_codes_and_every_refusal(client, login_as, seeded):
    login_as(Role.ADMIN)
    before = _count()
    cases = [
        ("finding", {"code": "1.01.x", "name": "X"}, "Gunakan angka yang dipisahkan titik"),
        ("finding", {"code": "", "name": "X"}, "Isian ini wajib diisi."),
        ("finding", {"code": "1.09.01", "name": "X"}, "Kode 1.09 tidak ada dalam daftar ini"),
        (
            "finding",
            {"code": "1.01.99", "name": "X", "parent_code": "1.02"},
            "Induk harus merupakan awal kode",
        ),
        ("finding", {"code": "1.01.03", "name": "X"}, "Kode 1.01.03 sudah ada dalam daftar ini."),
        ("finding", {"code": "1.01.99", "name": ""}, "Isian ini wajib diisi."),
        ("recommendation", {"code": "7", "name": "X"}, "Gunakan dua angka, mis. 01 atau 14."),
        ("recommendation", {"code": "01", "name": "X"}, "Kode 01 sudah ada dalam daftar ini."),
        ("cause", {"code": "1.01", "name": "X"}, "Kode 1 tidak ada dalam daftar ini"),
    ]
    for kind, data, message in cases:
        response = client.post("/admin/codes/new", data={"kind": kind, **data})
        assert response.status_code == 400, (kind, data)
        assert message in _html(response), (kind, data, message)
    db.session.expire_all()
    assert _count() == before

    # The parent is taken from the code itself; recommendation codes are flat.
    assert (
        client.post(
            "/admin/codes/new", data={"kind": "finding", "code": "1.01.99", "name": "Kode daerah"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            "/admin/codes/new", data={"kind": "cause", "code": "1", "name": "Sebab kelompok"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            "/admin/codes/new", data={"kind": "cause", "code": "1.01", "name": "Sebab rinci"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            "/admin/codes/new", data={"kind": "recommendation", "code": "15", "name": "Lainnya"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    added = codes.by_code(CodeKind.FINDING, "1.01.99")
    assert (added.parent_code, added.name, added.active) == ("1.01", "Kode daerah", True)
    assert codes.by_code(CodeKind.CAUSE, "1.01").parent_code == "1"
    assert codes.by_code(CodeKind.RECOMMENDATION, "15").parent_code is None
    entry = db.session.scalar(
        select(AuditLog).where(AuditLog.entity_type == "AuditCode", AuditLog.entity_id == added.id)
    )
    assert entry.changes["code"] == [None, "1.01.99"]
    assert "Kode 1.01.99 telah ditambahkan." in _html(client.get("/admin/codes"))


def test_edit_code_rules_and_conflict(client, login_as, seeded):
    opd = factories.make_opd()
    used = codes.by_code(CodeKind.FINDING, "1.01.03")
    make_finding(make_report(), [opd], finding_code_id=used.id)
    spare = codes.create_code(CodeKind.FINDING, code="1.01.98", name="Cadangan")
    db.session.commit()
    login_as(Role.ADMIN)

    page = client.get(f"/admin/codes/{used.id}/edit")
    assert "Digunakan oleh 1 temuan." in _html(page)
    data = form_data(page.get_data(as_text=True))
    assert (data["code"], data["parent_code"]) == ("1.01.03", "1.01")
    # A code in use keeps its code; its name can be corrected.
    refused = client.post(f"/admin/codes/{used.id}/edit", data={**data, "code": "1.01.97"})
    assert refused.status_code == 400
    assert "kodenya tidak dapat diubah" in _html(refused)
    saved = client.post(f"/admin/codes/{used.id}/edit", data={**data, "name": "Kurang volume"})
    assert saved.status_code == 302
    # The form opened before that save is stale now: 409, nothing overwritten.
    stale = client.post(f"/admin/codes/{used.id}/edit", data={**data, "name": "Lama"})
    assert stale.status_code == 409
    db.session.expire_all()
    assert db.session.get(AuditCode, used.id).name == "Kurang volume"

    # An unused code may be recoded, not onto a code already in the list.
    spare_data = form_data(client.get(f"/admin/codes/{spare.id}/edit").get_data(as_text=True))
    taken = client.post(f"/admin/codes/{spare.id}/edit", data={**spare_data, "code": "1.01.02"})
    assert taken.status_code == 400
    assert "Kode 1.01.02 sudah ada dalam daftar ini." in _html(taken)
    recoded = client.post(f"/admin/codes/{spare.id}/edit", data={**spare_data, "code": "1.01.97"})
    assert recoded.status_code == 302
    db.session.expire_all()
    assert db.session.get(AuditCode, spare.id).code == "1.01.97"


def test_deactivate_never_delete_a_code_in_use(client, login_as, seeded):
    opd = factories.make_opd()
    report = make_report(kind=ReportKind.LHP_BPK)
    used = codes.by_code(CodeKind.FINDING, "1.01.03")
    finding = make_finding(report, [opd], finding_code_id=used.id)
    spare_id = codes.create_code(CodeKind.FINDING, code="1.01.98", name="Cadangan").id
    db.session.commit()
    login_as(Role.ADMIN)

    response = client.post(f"/admin/codes/{used.id}/delete", follow_redirects=True)
    assert "dapat dinonaktifkan, tidak dapat dihapus" in _html(response)
    db.session.expire_all()
    assert db.session.get(AuditCode, used.id) is not None
    assert client.post(f"/admin/codes/{used.id}/toggle").status_code == 302
    db.session.expire_all()
    assert db.session.get(AuditCode, used.id).active is False
    assert _listed(client, "?kind=finding&status=inactive") == ["1.01.03"]

    # Not offered on the form any more, still shown on the record.
    form = _html(client.get(f"/findings/reports/{report.id}/findings/new"))
    assert "1.01.03 " not in form
    assert "1.01.04 Kelebihan pembayaran" in form
    detail = _html(client.get(f"/findings/{finding.id}"))
    assert "1.01.03" in detail and "sudah tidak digunakan" in detail
    # The finding keeps it when edited without choosing another.
    edit = form_data(client.get(f"/findings/{finding.id}/edit").get_data(as_text=True))
    assert edit["finding_code_id"] == str(used.id)
    assert client.post(f"/findings/{finding.id}/edit", data=edit).status_code == 302

    # An unused code can be deleted.
    assert client.post(f"/admin/codes/{spare_id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(AuditCode, spare_id) is None


def test_letter_patterns(client, login_as, app):
    login_as(Role.ADMIN)
    year = today_wib().year
    # Not stored yet: the default is shown and saving creates it.
    page = _html(client.get("/admin/letter-patterns"))
    assert "700/{seq}/35.73.401/{year}" in page
    assert f"700/1/35.73.401/{year}" in page
    for bad, message in (
        ("700/{seq}", "Pola harus memuat {seq} dan {year}"),
        ("700/{nomor}/{year}", "Pola harus memuat {seq} dan {year}"),
        ("", "Isian ini wajib diisi."),
    ):
        response = client.post("/admin/letter-patterns/decision/edit", data={"pattern": bad})
        assert response.status_code == 400, bad
        assert message in _html(response), bad
    assert db.session.scalar(select(func.count()).select_from(LetterPattern)) == 0
    pattern = "800/{seq}/35.73.401/{roman_month}/{year}"
    response = client.post("/admin/letter-patterns/decision/edit", data={"pattern": pattern})
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.scalar(
        select(LetterPattern).where(LetterPattern.kind == LetterKind.DECISION)
    )
    assert stored.pattern == pattern

    # Editing the stored one: version-checked, the example follows the pattern.
    edit = client.get("/admin/letter-patterns/decision/edit")
    assert "800/1/35.73.401/" in _html(edit)
    data = form_data(edit.get_data(as_text=True))
    assert data["version"] == str(stored.version)
    again = {**data, "pattern": "900/{seq}/{year}"}
    assert client.post("/admin/letter-patterns/decision/edit", data=again).status_code == 302
    assert client.post("/admin/letter-patterns/decision/edit", data=data).status_code == 409
    db.session.expire_all()
    assert db.session.get(LetterPattern, stored.id).pattern == "900/{seq}/{year}"
    audited = db.session.scalars(
        select(AuditLog).where(AuditLog.entity_type == "LetterPattern")
    ).all()
    assert len(audited) == 2


_grown = itertools.count(10)


def _grow(n: int) -> None:
    opd = factories.make_opd()
    report = make_report()
    for _ in range(n):
        i = next(_grown)
        parent = codes.create_code(CodeKind.FINDING, code=f"7.{i}", name=f"Kelompok {i}")
        leaf = codes.create_code(CodeKind.FINDING, code=f"7.{i}.01", name=f"Rinci {i}")
        db.session.commit()
        finding = make_finding(report, [opd], finding_code_id=leaf.id, number=f"G{i}")
        assert parent.id and finding.id


@pytest.mark.parametrize(
    "url",
    [
        "/admin/codes?kind=finding&per_page=200",
        "/admin/codes?kind=finding&q=7.&sort=name",
        "/admin/codes?kind=recommendation&status=active",
        "/admin/letter-patterns",
    ],
)
def test_code_pages_query_count_is_constant(client, login_as, count_queries, seeded, url):
    login_as(Role.ADMIN)
    codes.create_code(CodeKind.FINDING, code="7", name="Uji")
    db.session.commit()
    _grow(3)
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _grow(20)
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert large.count == small.count, "\n".join(large.statements)
