"""Importing the OPD list: from the tracker's own export and from real lists, re-imports,
conflicts, problems by row and column, and the export it round-trips with."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from tests import factories
from tracker.extensions import db
from tracker.imports.base import Action, Context, Plan, Table
from tracker.imports.kinds import opds, planner
from tracker.imports.table import read_table
from tracker.models import Opd, OpdKind, Role
from tracker.services import organisation

NOW = dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.UTC)


def context(actor: Any = None) -> Context:
    return Context(actor=actor, today=NOW.date(), now=NOW)


def plan_of(data: bytes, name: str = "opd.xlsx") -> Plan:
    db.session.expire_all()
    return opds.plan(read_table(data, name, opds.COLUMNS), context())


def apply(plan: Plan) -> None:
    assert plan.ok, plan.problems
    for row in plan.rows:
        if row.apply is not None:
            row.apply()
    db.session.commit()


def actions(plan: Plan) -> dict[str, int]:
    return {a.value: plan.count(a) for a in Action if plan.count(a)}


def csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def edit_export(data: bytes, edit: Any) -> bytes:
    """The export, edited as a user would in Excel: ``edit(rows)`` gets every data row as
    a dict heading -> cell (the header row found by its first heading)."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    header = next(r for r in sheet.iter_rows() if r[0].value == opds.COLUMNS[0].heading)
    headings = [c.value for c in header]
    rows = [
        dict(zip(headings, row, strict=False)) for row in sheet.iter_rows(min_row=header[0].row + 1)
    ]
    edit({r[headings[0]].value: r for r in rows})
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def admin(login_as: Any) -> Any:
    return login_as(Role.ADMIN)


@pytest.fixture
def listed(app: Any) -> list[Opd]:
    return [
        factories.make_opd("DINKES", "Dinas Kesehatan", sort_order=100),
        factories.make_opd("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", kind=OpdKind.BADAN),
        factories.make_opd("KEC_KLOJEN", "Kecamatan Klojen", kind=OpdKind.KECAMATAN, active=False),
    ]


def test_the_module_is_the_planner_of_its_kind():
    assert planner(opds.KIND) is opds
    headings = [c.heading for c in opds.COLUMNS]
    assert headings == ["Kode OPD", "Nama OPD", "Jenis", "Urutan tampilan", "Status", "Versi"]
    assert len(opds.TEMPLATE_EXAMPLE) == 2
    assert all(set(r) == {c.key for c in opds.COLUMNS} for r in opds.TEMPLATE_EXAMPLE)


def test_a_real_list_creates_the_opds(app):
    data = csv(
        "DAFTAR PERANGKAT DAERAH KOTA MALANG",
        "",
        "No.;Kode;Nama Perangkat Daerah;Jenis",
        "1;dinkes;Dinas Kesehatan;",
        "2;BKAD;Badan Keuangan dan Aset Daerah;Badan",
        "3;RSUD;Rumah Sakit Umum Daerah Kota Malang;rsud",
    )
    plan = plan_of(data, "opd.csv")
    assert actions(plan) == {"create": 3}
    assert plan.rows[0].row == 4 and plan.rows[0].label == "DINKES — Dinas Kesehatan"
    apply(plan)
    saved = {o.code: o for o in db.session.scalars(db.select(Opd))}
    assert saved["DINKES"].kind is OpdKind.DINAS  # guessed from the name
    assert saved["BKAD"].kind is OpdKind.BADAN
    assert saved["RSUD"].kind is OpdKind.RSUD
    assert all(o.active and o.sort_order == 1000 for o in saved.values())

    again = plan_of(data, "opd.csv")
    assert actions(again) == {"unchanged": 3}
    assert all(r.apply is None for r in again.rows)


def test_the_template_examples_import(app):
    cells = [[c.heading for c in opds.COLUMNS]] + [
        [str(ex[c.key]) for c in opds.COLUMNS] for ex in opds.TEMPLATE_EXAMPLE
    ]
    plan = plan_of(csv(*(";".join(r) for r in cells)), "template.csv")
    assert actions(plan) == {"create": 2}
    apply(plan)
    kec = db.session.scalar(db.select(Opd).where(Opd.code == "KEC_KLOJEN"))
    assert kec.kind is OpdKind.KECAMATAN and kec.sort_order == 500


def test_the_export_reads_back_unchanged(client, admin, listed):
    response = client.get("/admin/opds.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    plan = plan_of(response.data)
    assert actions(plan) == {"unchanged": 3}
    assert plan.ok


def test_an_english_export_reads_back_unchanged(client, login, listed):
    login(factories.make_user(Role.ADMIN, locale="en"))
    data = client.get("/admin/opds.xlsx").data
    headings = next(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(min_row=3))
    assert [c.value for c in headings][:2] == ["OPD code", "OPD name"]
    assert actions(plan_of(data)) == {"unchanged": 3}


def test_an_edited_export_updates_exactly_the_changed_fields(client, admin, listed):
    dinkes, bappeda, klojen = listed
    version = dinkes.version

    def edit(rows: dict[str, Any]) -> None:
        rows["DINKES"]["Nama OPD"].value = "Dinas Kesehatan Kota"
        rows["DINKES"]["Urutan tampilan"].value = 5
        rows["KEC_KLOJEN"]["Status"].value = "Aktif"

    plan = plan_of(edit_export(client.get("/admin/opds.xlsx").data, edit))
    assert actions(plan) == {"update": 2, "unchanged": 1}
    by_label = {r.label.split(" — ")[0]: r for r in plan.rows}
    assert by_label["DINKES"].changes == {
        "Nama OPD": ("Dinas Kesehatan", "Dinas Kesehatan Kota"),
        "Urutan tampilan": (100, 5),
    }
    assert by_label["KEC_KLOJEN"].changes == {"Status": ("Nonaktif", "Aktif")}
    apply(plan)
    db.session.expire_all()
    assert (dinkes.name, dinkes.sort_order, dinkes.kind) == (
        "Dinas Kesehatan Kota",
        5,
        OpdKind.DINAS,
    )
    assert dinkes.version == version + 1
    assert klojen.active
    assert bappeda.name == "Badan Perencanaan Pembangunan Daerah"
    assert actions(plan_of(edit_export(client.get("/admin/opds.xlsx").data, lambda r: None))) == {
        "unchanged": 3
    }


def test_a_record_changed_after_the_export_is_a_conflict(client, admin, listed):
    dinkes = listed[0]
    exported = edit_export(
        client.get("/admin/opds.xlsx").data,
        lambda rows: setattr(rows["BAPPEDA"]["Urutan tampilan"], "value", 7),
    )
    organisation.update_opd(
        dinkes,
        code="DINKES",
        name="Dinas Kesehatan (baru)",
        kind=OpdKind.DINAS,
        sort_order=100,
        expected_version=dinkes.version,
    )
    db.session.commit()
    plan = plan_of(exported)
    assert actions(plan) == {"conflict": 1, "update": 1, "unchanged": 1}
    conflict = next(r for r in plan.rows if r.action is Action.CONFLICT)
    assert conflict.label.startswith("DINKES")
    assert conflict.changes == {"Nama OPD": ("Dinas Kesehatan (baru)", "Dinas Kesehatan")}
    assert conflict.apply is None
    assert not plan.ok


def test_a_file_without_versions_updates_what_differs(app, listed):
    data = csv(
        "Kode OPD,Nama OPD",
        "dinkes,Dinas Kesehatan Kota Malang",
        "BAPPEDA,Badan Perencanaan Pembangunan Daerah",
    )
    plan = plan_of(data, "opd.csv")
    assert actions(plan) == {"update": 1, "unchanged": 1}
    apply(plan)
    assert listed[0].name == "Dinas Kesehatan Kota Malang"
    assert listed[0].kind is OpdKind.DINAS and listed[0].sort_order == 100


def test_problems_name_the_row_and_the_column_in_indonesian(app, listed):
    data = csv(
        "Kode;Nama OPD;Jenis;Urutan",
        "DINAS KOMINFO;Dinas Komunikasi dan Informatika;Dinas;1",
        "DISHUB;;Dinas;2",
        "DISPORA;Dinas Kepemudaan dan Olahraga;Kantor Dinas;3",
        "DISPERKIM;Dinas Perumahan;Dinas;tiga",
        "BKPSDM;Dinas Kesehatan;Badan;4",
        "DINSOS;Dinas Sosial;Dinass;5",
    )
    plan = plan_of(data, "opd.csv")
    problems = {(p.row, p.column): p.message for p in plan.problems}
    assert problems == {
        (2, "Kode"): "Gunakan hanya huruf kapital, angka, dan garis bawah.",
        (3, "Nama OPD"): "Isian ini wajib diisi.",
        (4, "Jenis"): "'Kantor Dinas' tidak dikenal.",
        (5, "Urutan"): "Masukkan bilangan bulat dari 0 sampai 100000.",
        (6, "Nama OPD"): "OPD dengan nama ini sudah ada.",
        (7, "Jenis"): "'Dinass' tidak dikenal; maksud Anda Dinas?",
    }
    assert not plan.ok
    assert not plan.rows


def test_duplicate_codes_in_the_file(app):
    data = csv(
        "Kode OPD;Nama OPD",
        "DINKES;Dinas Kesehatan",
        "dinkes;Dinas Kesehatan Kota",
        "DISDIK;Dinas Pendidikan",
        "DISPORA;Dinas Pendidikan",
    )
    plan = plan_of(data, "opd.csv")
    assert [(p.row, p.column, p.message) for p in plan.problems] == [
        (3, "Kode OPD", "Data yang sama sudah ada di baris 2."),
        (4, "Nama OPD", "OPD dengan nama ini sudah ada."),
        (5, "Nama OPD", "OPD dengan nama ini sudah ada."),
    ]


def test_a_name_given_up_in_the_same_file_may_be_taken(app, listed):
    data = csv(
        "Kode OPD;Nama OPD",
        "DINKES;Badan Perencanaan Pembangunan Daerah",
        "BAPPEDA;Badan Perencanaan",
    )
    plan = plan_of(data, "opd.csv")
    assert plan.ok and actions(plan) == {"update": 2}


def test_the_export_keeps_the_pages_filters_search_and_order(client, admin, listed):
    def codes(query: str) -> list[str]:
        workbook = load_workbook(io.BytesIO(client.get(f"/admin/opds.xlsx?{query}").data))
        return [r[0] for r in workbook.worksheets[0].iter_rows(min_row=4, values_only=True)]

    assert codes("") == ["BAPPEDA", "DINKES", "KEC_KLOJEN"]
    assert codes("status=active&sort=code&dir=desc") == ["DINKES", "BAPPEDA"]
    assert codes("q=klojen") == ["KEC_KLOJEN"]
    page = client.get("/admin/opds?status=active&q=din").get_data(as_text=True)
    assert "/admin/opds.xlsx?" in page and "status=active" in page and "q=din" in page


def _opds(n: int) -> None:
    _opds_from(0, n)


def _opds_from(first: int, end: int) -> None:
    for i in range(first, end):
        db.session.add(Opd(code=f"D{i:03d}", name=f"Dinas {i}", kind=OpdKind.DINAS))
    db.session.commit()


def _file(n: int) -> bytes:
    lines = ["Kode OPD;Nama OPD;Jenis;Status"]
    lines += [f"D{i:03d};Dinas Baru {i};Badan;Aktif" for i in range(n)]
    lines += [f"N{i:03d};Dinas Lain {i};;" for i in range(n)]
    return csv(*lines)


@pytest.mark.parametrize("size", [3, 30])
def test_planning_queries_do_not_grow_with_the_file(app, count_queries, size):
    _opds(size)
    data = _file(size)
    table = read_table(data, "opd.csv", opds.COLUMNS)
    db.session.expire_all()
    with count_queries() as q:
        plan = opds.plan(table, context())
    assert actions(plan) == {"update": size, "create": size}
    assert q.count == 1


def test_the_export_queries_do_not_grow(client, admin, count_queries):
    def measure(total: int) -> int:
        with count_queries() as q:
            response = client.get("/admin/opds.xlsx")
        assert response.status_code == 200
        assert load_workbook(io.BytesIO(response.data)).worksheets[0].max_row == 3 + total
        return q.count

    _opds(2)
    client.get("/admin/opds.xlsx")  # warm up
    small = measure(2)
    _opds_from(2, 25)
    assert measure(25) == small


def test_the_export_is_for_admins(client, login_as):
    login_as(Role.INSPEKTORAT)
    assert client.get("/admin/opds.xlsx").status_code == 403


def test_a_plan_as_table_directly(app, listed):
    """A Table built by hand (no file): the kind reads cells by key."""
    from tracker.imports.base import Row

    table = Table(
        "x.xlsx",
        {"code": "Kode", "name": "Nama"},
        [
            Row(2, {"code": "DINKES", "name": "Dinas Kesehatan"}),
            Row(3, {"code": "X1", "name": "Dinas X"}),
        ],
    )
    plan = opds.plan(table, context())
    assert actions(plan) == {"unchanged": 1, "create": 1}
