"""Importing the list of officials: from the tracker's own export and from real lists,
matched by NIP or e-mail, re-imports, conflicts, problems by row and column, and the
export it round-trips with."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from tests import factories
from tests.imports.test_opds import actions, apply, context, csv
from tracker.extensions import db
from tracker.imports.base import Action, Plan, Row, Table
from tracker.imports.kinds import officials, planner
from tracker.imports.table import read_table
from tracker.models import HierarchyRole, NotifyChannel, Opd, OpdKind, Person, Role
from tracker.services import organisation

NIP_SITI = "197503122000032004"
NIP_AHMAD = "198005212005011003"


def plan_of(data: bytes, name: str = "pejabat.xlsx") -> Plan:
    db.session.expire_all()
    return officials.plan(read_table(data, name, officials.COLUMNS), context())


def edit_export(data: bytes, edit: Any) -> bytes:
    """The export edited as in Excel: ``edit(rows)`` gets the data rows by name, each a
    dict heading -> cell."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    header = next(r for r in sheet.iter_rows() if r[0].value == officials.COLUMNS[0].heading)
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
def dinkes(app: Any) -> Opd:
    return factories.make_opd("DINKES", "Dinas Kesehatan")


@pytest.fixture
def listed(dinkes: Opd) -> list[Person]:
    return [
        factories.make_person(
            dinkes,
            name="dr. Siti Rahmawati, M.Kes.",
            nip=NIP_SITI,
            position="Kepala Dinas Kesehatan",
            hierarchy_role=HierarchyRole.KEPALA_OPD,
            email="Siti.Rahmawati@malangkota.go.id",
            phone="6281234567890",
        ),
        factories.make_person(
            dinkes,
            name="Ahmad Fauzi, S.E.",
            nip=NIP_AHMAD,
            position="Sekretaris Dinas Kesehatan",
            hierarchy_role=HierarchyRole.SEKRETARIS_OPD,
            email=None,
            phone="6281322223344",
            notify_by=NotifyChannel.WHATSAPP,
        ),
        factories.make_person(
            None,
            name="Wali Kota Malang",
            position="Wali Kota Malang",
            hierarchy_role=HierarchyRole.WALI_KOTA,
            email="walikota@malangkota.go.id",
            phone="0341551234",
            notify_by=NotifyChannel.EMAIL,
            notes="Surat lewat ajudan",
            active=False,
        ),
    ]


def test_the_module_is_the_planner_of_its_kind():
    assert planner(officials.KIND) is officials
    assert [c.heading for c in officials.COLUMNS] == [
        "Nama",
        "NIP",
        "Jabatan",
        "Kedudukan dalam struktur",
        "OPD",
        "Email",
        "Telepon",
        "Dihubungi lewat",
        "Catatan",
        "Status",
        "Versi",
    ]
    assert len(officials.TEMPLATE_EXAMPLE) == 2
    keys = {c.key for c in officials.COLUMNS}
    assert all(set(r) == keys for r in officials.TEMPLATE_EXAMPLE)


def test_a_real_list_creates_the_officials(app, dinkes):
    factories.make_opd("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", kind=OpdKind.BADAN)
    data = csv(
        "DAFTAR PEJABAT PEMERINTAH KOTA MALANG",
        "Keadaan per 1 November 2026",
        "",
        "No;NIP;Nama Lengkap;Jabatan;Unit Kerja;Peran;E-mail;No. HP",
        "1;19750312 200003 2 004;dr. Siti Rahmawati, M.Kes.;Kepala Dinas;dinas kesehatan;"
        "Kepala OPD;siti@malangkota.go.id;0812-3456-7890",
        "2;;Ir. Bambang Hermawan;Kepala Badan;bappeda;kepala_opd;BAMBANG@malangkota.go.id;",
        "3;;Sutiaji;Wali Kota;;Wali Kota;;(0341) 551234",
    )
    plan = plan_of(data, "pejabat.csv")
    assert plan.ok, plan.problems
    assert actions(plan) == {"create": 3}
    assert plan.rows[0].label == "dr. Siti Rahmawati, M.Kes. — Kepala Dinas (DINKES)"
    apply(plan)
    people = {p.name: p for p in db.session.scalars(db.select(Person))}
    siti = people["dr. Siti Rahmawati, M.Kes."]
    assert (siti.nip, siti.phone, siti.opd_id) == (NIP_SITI, "6281234567890", dinkes.id)
    assert siti.hierarchy_role is HierarchyRole.KEPALA_OPD
    assert siti.notify_by is NotifyChannel.BOTH and siti.active
    bambang = people["Ir. Bambang Hermawan"]
    assert bambang.opd.code == "BAPPEDA" and bambang.email == "bambang@malangkota.go.id"
    mayor = people["Sutiaji"]
    assert mayor.opd_id is None and mayor.hierarchy_role is HierarchyRole.WALI_KOTA
    # an office line cannot take WhatsApp: e-mail only, not an error
    assert mayor.phone == "62341551234" and mayor.notify_by is NotifyChannel.EMAIL

    again = plan_of(data, "pejabat.csv")
    assert actions(again) == {"unchanged": 3}


def test_the_template_examples_import(app, dinkes):
    rows = [[c.heading for c in officials.COLUMNS]] + [
        [str(ex[c.key]) for c in officials.COLUMNS] for ex in officials.TEMPLATE_EXAMPLE
    ]
    plan = plan_of(csv(*(";".join(r) for r in rows)), "template.csv")
    assert plan.ok, plan.problems
    assert actions(plan) == {"create": 2}
    apply(plan)
    ahmad = db.session.scalar(db.select(Person).where(Person.nip == NIP_AHMAD))
    assert ahmad.notify_by is NotifyChannel.WHATSAPP and ahmad.opd_id == dinkes.id


def test_the_export_reads_back_unchanged(client, admin, listed):
    response = client.get("/admin/people.xlsx")
    assert response.status_code == 200
    plan = plan_of(response.data)
    assert plan.ok, plan.problems
    assert actions(plan) == {"unchanged": 3}


def test_an_english_export_reads_back_unchanged(client, login, listed):
    login(factories.make_user(Role.ADMIN, locale="en"))
    data = client.get("/admin/people.xlsx").data
    assert actions(plan_of(data)) == {"unchanged": 3}


def test_an_edited_export_updates_exactly_the_changed_fields(client, admin, listed):
    siti, ahmad, mayor = listed
    version = siti.version

    def edit(rows: dict[str, Any]) -> None:
        rows["dr. Siti Rahmawati, M.Kes."]["Telepon"].value = "0811 111 2222"
        rows["dr. Siti Rahmawati, M.Kes."]["Jabatan"].value = "Kepala Dinas Kesehatan Kota"
        rows["Wali Kota Malang"]["Catatan"].value = None

    plan = plan_of(edit_export(client.get("/admin/people.xlsx").data, edit))
    assert actions(plan) == {"update": 2, "unchanged": 1}
    by_name = {r.label.split(" — ")[0]: r for r in plan.rows}
    assert by_name["dr. Siti Rahmawati, M.Kes."].changes == {
        "Jabatan": ("Kepala Dinas Kesehatan", "Kepala Dinas Kesehatan Kota"),
        "Telepon": ("+62 812-3456-7890", "+62 811-1112-222"),
    }
    assert by_name["Wali Kota Malang"].changes == {"Catatan": ("Surat lewat ajudan", "")}
    apply(plan)
    db.session.expire_all()
    assert siti.phone == "628111112222" and siti.position == "Kepala Dinas Kesehatan Kota"
    assert siti.email == "Siti.Rahmawati@malangkota.go.id"  # as typed, not a change
    assert siti.version == version + 1
    assert mayor.notes is None and not mayor.active
    assert ahmad.version == 1


def test_a_record_changed_after_the_export_is_a_conflict(client, admin, listed):
    ahmad = listed[1]
    exported = client.get("/admin/people.xlsx").data
    organisation.update_person(
        ahmad,
        name=ahmad.name,
        position="Plt. Kepala Dinas Kesehatan",
        hierarchy_role=ahmad.hierarchy_role,
        nip=ahmad.nip,
        opd_id=ahmad.opd_id,
        email=ahmad.email,
        phone=ahmad.phone,
        notes=None,
        notify_by=ahmad.notify_by,
        expected_version=ahmad.version,
    )
    db.session.commit()
    plan = plan_of(exported)
    assert actions(plan) == {"conflict": 1, "unchanged": 2}
    conflict = next(r for r in plan.rows if r.action is Action.CONFLICT)
    assert conflict.changes == {
        "Jabatan": ("Plt. Kepala Dinas Kesehatan", "Sekretaris Dinas Kesehatan")
    }
    assert conflict.apply is None and not plan.ok


def test_an_official_without_a_nip_is_found_by_e_mail(app, listed):
    mayor = listed[2]
    data = csv(
        "Nama;NIP;Jabatan;Email",
        "Wali Kota Malang;19680101 199003 1 001;Wali Kota Malang;WALIKOTA@malangkota.go.id",
    )
    plan = plan_of(data, "pejabat.csv")
    assert actions(plan) == {"update": 1}
    assert plan.rows[0].changes == {"NIP": ("", "196801011990031001")}
    apply(plan)
    assert mayor.nip == "196801011990031001"
    assert mayor.email == "walikota@malangkota.go.id"
    assert mayor.phone == "62341551234"  # columns not in the file are kept


def test_problems_name_the_row_and_the_column_in_indonesian(app, listed):
    factories.make_opd("DISHUB_LAMA", "Dinas Perhubungan (lama)", active=False)
    data = csv(
        "NIP;Nama;Jabatan;OPD;Email;HP/WA;Peran",
        "198501012010011001;Budi;Staf;Dinkes Kota;budi@malangkota.go.id;;",
        "12345;Citra;Staf;DINKES;;;",
        "198601012010012001;Dewi;Staf;DINKES;dewi-at-malangkota;;",
        "198701012010011002;Eko;Staf;DINKES;;0812 ABC;",
        "198801012010012002;Fitri;Staf;DINKES;;;Kepala Bidang",
        "198901012010011003;Gilang;;DINKES;;;",
        "199001012010012003;Hana;Staf;DISHUB_LAMA;;;",
    )
    plan = plan_of(data, "pejabat.csv")
    assert [(p.row, p.column, p.message) for p in plan.problems] == [
        (2, "OPD", "'Dinkes Kota' tidak dikenal; maksud Anda DINKES?"),
        (3, "NIP", "NIP harus tepat 18 digit."),
        (4, "Email", "Masukkan alamat email yang valid."),
        (5, "HP/WA", "Gunakan hanya angka, tanda +, spasi, dan tanda hubung."),
        (6, "Peran", "'Kepala Bidang' tidak dikenal; maksud Anda Kepala OPD?"),
        (7, "Jabatan", "Isian ini wajib diisi."),
        (8, "OPD", "Pilih OPD yang aktif."),
    ]
    assert not plan.rows and not plan.ok


def test_duplicates_in_the_file(app, listed):
    data = csv(
        "NIP;Nama;Jabatan;Email",
        f"{NIP_SITI};Siti;Kepala Dinas;",
        "19750312 200003 2 004;Siti R.;Kepala Dinas;",
        ";Pejabat Baru;Staf;baru@malangkota.go.id",
        ";Pejabat Baru Lagi;Staf;Baru@Malangkota.go.id",
        # the same official by NIP and by e-mail
        ";Wali Kota;Wali Kota Malang;walikota@malangkota.go.id",
        "196801011990031001;Wali Kota;Wali Kota Malang;walikota@malangkota.go.id",
        # neither NIP nor e-mail: the same name twice
        ";Ajudan Wali Kota;Ajudan;",
        ";ajudan  wali kota;Ajudan;",
    )
    plan = plan_of(data, "pejabat.csv")
    assert [(p.row, p.column, p.message) for p in plan.problems] == [
        (3, "NIP", "Data yang sama sudah ada di baris 2."),
        (5, "Email", "Data yang sama sudah ada di baris 4."),
        (7, "NIP", "Data yang sama sudah ada di baris 6."),
        (9, "Nama", "Data yang sama sudah ada di baris 8."),
    ]


def test_the_nip_wins_over_the_e_mail(app, listed):
    data = csv(
        "Nama;NIP;Jabatan;Email",
        f"Ahmad Fauzi, S.E.;{NIP_AHMAD};Sekretaris Dinas Kesehatan;siti.rahmawati@malangkota.go.id",
    )
    plan = plan_of(data, "pejabat.csv")
    assert actions(plan) == {"update": 1}
    assert plan.rows[0].changes == {"Email": ("", "siti.rahmawati@malangkota.go.id")}


def test_the_export_keeps_the_pages_filters(client, admin, listed, dinkes):
    def names(query: str) -> list[str]:
        workbook = load_workbook(io.BytesIO(client.get(f"/admin/people.xlsx?{query}").data))
        return [r[0] for r in workbook.worksheets[0].iter_rows(min_row=4, values_only=True)]

    assert names("sort=role") == [
        "Wali Kota Malang",
        "dr. Siti Rahmawati, M.Kes.",
        "Ahmad Fauzi, S.E.",
    ]
    assert names(f"opd={dinkes.id}&sort=role") == [
        "dr. Siti Rahmawati, M.Kes.",
        "Ahmad Fauzi, S.E.",
    ]
    assert names("opd=none") == ["Wali Kota Malang"]
    assert names("status=active&q=1975 0312") == ["dr. Siti Rahmawati, M.Kes."]
    page = client.get("/admin/people?role=kepala_opd").get_data(as_text=True)
    assert "/admin/people.xlsx?" in page and "role=kepala_opd" in page


def _people(first: int, end: int, opd: Opd) -> None:
    for i in range(first, end):
        db.session.add(
            Person(
                name=f"Pejabat {i}",
                nip=f"19800101200501{i:04d}",
                position="Staf",
                opd=opd,
                email=f"p{i}@malangkota.go.id",
                phone=f"62812000{i:05d}",
            )
        )
    db.session.commit()


def _file(n: int) -> bytes:
    lines = ["NIP;Nama;Jabatan;OPD;Email;No. HP"]
    lines += [
        f"19800101200501{i:04d};Pejabat {i};Kepala Seksi;dinkes;;0812-000-{i:05d}" for i in range(n)
    ]
    lines += [f";Baru {i};Staf;Dinas Kesehatan;baru{i}@malangkota.go.id;" for i in range(n)]
    return csv(*lines)


@pytest.mark.parametrize("size", [3, 30])
def test_planning_queries_do_not_grow_with_the_file(app, count_queries, dinkes, size):
    _people(0, size, dinkes)
    table = read_table(_file(size), "pejabat.csv", officials.COLUMNS)
    db.session.expire_all()
    with count_queries() as q:
        plan = officials.plan(table, context())
    assert plan.ok, plan.problems[:3]
    assert actions(plan) == {"update": size, "create": size}
    assert q.count == 2, q.statements


def test_the_export_queries_do_not_grow(client, admin, count_queries, dinkes):
    def measure(total: int) -> int:
        with count_queries() as q:
            response = client.get("/admin/people.xlsx")
        assert response.status_code == 200
        # the admin's own official record aside: title, blank line, header, rows
        assert load_workbook(io.BytesIO(response.data)).worksheets[0].max_row == 3 + total
        return q.count

    _people(0, 2, dinkes)
    client.get("/admin/people.xlsx")  # warm up
    small = measure(2)
    _people(2, 25, dinkes)
    assert measure(25) == small


def test_the_export_is_for_readers_of_the_list(client, login_as):
    login_as(Role.PIMPINAN)
    assert client.get("/admin/people.xlsx").status_code == 200
    client.post("/logout")
    login_as(Role.OPD)
    assert client.get("/admin/people.xlsx").status_code == 403


def test_a_table_built_by_hand(app, listed):
    table = Table(
        "x.xlsx",
        {"nip": "NIP", "name": "Nama", "position": "Jabatan"},
        [
            Row(
                2,
                {
                    "nip": NIP_SITI,
                    "name": "dr. Siti Rahmawati, M.Kes.",
                    "position": "Kepala Dinas Kesehatan",
                },
            )
        ],
    )
    plan = officials.plan(table, context())
    assert actions(plan) == {"unchanged": 1}


def test_an_official_without_nip_or_e_mail_is_found_by_name(app, listed):
    mayor = listed[2]
    mayor.email = None
    factories.make_person(None, name="Plh. Sekda", position="Plh. Sekretaris Daerah", email=None)
    factories.make_person(None, name="Plh. Sekda", position="Plh. Asisten", email=None)
    db.session.commit()
    data = csv(
        "Nama;Jabatan;Catatan",
        "wali kota malang;Wali Kota Malang;Surat lewat ajudan",
        "Plh. Sekda;Plh. Sekretaris Daerah;",
    )
    plan = plan_of(data, "pejabat.csv")
    assert [(p.row, p.column, p.message) for p in plan.problems] == [
        (3, "Nama", "Beberapa pejabat bernama sama: isikan NIP atau email.")
    ]
    assert [(r.action, r.changes) for r in plan.rows] == [
        (Action.UPDATE, {"Nama": ("Wali Kota Malang", "wali kota malang")})
    ]
