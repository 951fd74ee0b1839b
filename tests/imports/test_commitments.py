"""The ``commitments`` import: the tracker's own export read back (round trip, idempotent,
edited, conflicts), the template's example, row problems by row and column in Indonesian,
duplicates, unknown workshops and OPDs with a suggestion, and a constant query count."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.commitments.factories_commitments import make_commitment, make_workshop
from tests.factories import make_opd, make_person, make_thematic_area
from tests.imports.files import xlsx
from tracker.extensions import db
from tracker.i18n import today_wib
from tracker.imports.base import Action, Context, Plan, Row, Table
from tracker.imports.kinds import commitments as kind
from tracker.imports.kinds import planner
from tracker.imports.table import read_table
from tracker.models import HierarchyRole
from tracker.models.base import utcnow
from tracker.models.commitment import Commitment, CommitmentStatus, ProgressUpdate, UpdateKind
from tracker.services import commitments as service
from tracker.services import imports as imports_service

S = CommitmentStatus
TITLE = "Workshop Penguatan Kapasitas Perangkat Daerah"
HEADINGS = {c.key: c.heading for c in kind.COLUMNS}


# --- helpers ---------------------------------------------------------------------------


@pytest.fixture
def world(app):
    """Two OPDs with their head and secretary, two thematic areas, the July 2023 workshop
    and three commitments made there."""
    dinkes = make_opd("DINKES", "Dinas Kesehatan")
    kominfo = make_opd("DISKOMINFO", "Dinas Komunikasi dan Informatika")
    people = {}
    for opd, nip in ((dinkes, "19800101200501100"), (kominfo, "19810202200602200")):
        people[opd.code] = (
            make_person(
                opd,
                name=f"Kepala {opd.code}",
                hierarchy_role=HierarchyRole.KEPALA_OPD,
                nip=nip + "1",
            ),
            make_person(
                opd,
                name=f"Sekretaris {opd.code}",
                hierarchy_role=HierarchyRole.SEKRETARIS_OPD,
                nip=nip + "2",
                email=f"sekretaris.{opd.code.lower()}@malangkota.go.id",
            ),
        )
    stunting = make_thematic_area(code="STUNTING", name="Percepatan Penurunan Stunting")
    digital = make_thematic_area(code="DIGITALISASI", name="Digitalisasi Administrasi Pemerintahan")
    workshop = make_workshop(TITLE)
    head, secretary = people["DINKES"]
    rows = [
        make_commitment(
            dinkes,
            statement="Melaksanakan penimbangan serentak dan pemantauan status gizi seluruh "
            "balita di posyandu Kota Malang",
            indicator="Persentase balita ditimbang dan dipantau status gizinya",
            target="100% balita di 57 kelurahan",
            thematic_area=stunting,
            workshop=workshop,
            made_by=head,
            carried_out_by=secretary,
            due_on=dt.date(2023, 12, 31),
        ),
        make_commitment(
            dinkes,
            statement="Menerapkan rekam medis elektronik yang terintegrasi di seluruh puskesmas",
            indicator="Jumlah puskesmas dengan rekam medis elektronik terintegrasi",
            target="16 puskesmas",
            thematic_area=digital,
            workshop=workshop,
            made_by=head,
            due_on=dt.date(2024, 6, 30),
            progress=40,
        ),
        make_commitment(
            kominfo,
            statement="Menerapkan Satu Data Kota Malang dengan walidata di setiap perangkat daerah",
            indicator="Persentase perangkat daerah yang memublikasikan data di portal Satu Data",
            target="100% perangkat daerah",
            thematic_area=digital,
            workshop=workshop,
            made_by=people["DISKOMINFO"][0],
            carried_out_by=people["DISKOMINFO"][1],
            due_on=dt.date(2024, 3, 31),
            status=S.REPORTED_DONE,
            progress=100,
        ),
    ]
    return {
        "dinkes": dinkes,
        "kominfo": kominfo,
        "people": people,
        "areas": (stunting, digital),
        "workshop": workshop,
        "commitments": rows,
    }


def _context(user) -> Context:
    return Context(actor=user, today=today_wib(), now=utcnow())


def _export(client) -> bytes:
    response = client.get("/commitments/export.xlsx")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.data


def _plan(data: bytes, user, name: str = "komitmen.xlsx") -> Plan:
    table = read_table(data, name, kind.COLUMNS)
    return planner(kind.KIND).plan(table, _context(user))


def _apply(plan: Plan) -> None:
    assert plan.ok, plan.problems
    for row in plan.rows:
        if row.apply is not None:
            row.apply()
    db.session.commit()


def _edit(data: bytes, edits: dict[tuple[str, str], Any]) -> bytes:
    """The export with cells changed: (statement prefix, export heading) → new value."""
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[-1]
    rows = list(sheet.iter_rows())
    header_at = next(i for i, r in enumerate(rows) if r[0].value == "No.")
    columns = {cell.value: cell.column - 1 for cell in rows[header_at]}
    done = set()
    for row in rows[header_at + 1 :]:
        statement = row[columns[HEADINGS["statement"]]].value
        for (prefix, heading), value in edits.items():
            if statement.startswith(prefix):
                row[columns[heading]].value = value
                done.add((prefix, heading))
    assert done == set(edits)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _count() -> int:
    return db.session.scalar(select(func.count(Commitment.id)))


def _messages(plan: Plan) -> list[tuple[int | None, str | None, str]]:
    return [(p.row, p.column, p.message) for p in plan.problems]


# --- round trip ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "locale", [pytest.param("id", id="indonesian"), pytest.param("en", id="english")]
)
def test_the_export_imports_back_unchanged(app, client, login_as, world, locale):
    app.config["BABEL_DEFAULT_LOCALE"] = locale
    user = login_as("inspektorat")
    data = _export(client)
    headings = {
        cell
        for row in load_workbook(io.BytesIO(data)).worksheets[-1].iter_rows(values_only=True)
        for cell in row
    }
    assert ("OPD code" if locale == "en" else "Kode OPD") in headings
    before = {c.id: (c.version, c.status, c.progress) for c in world["commitments"]}

    plan = _plan(data, user)

    assert plan.problems == []
    assert [r.action for r in plan.rows] == [Action.UNCHANGED] * 3
    assert all(r.apply is None and not r.changes for r in plan.rows)
    assert plan.ok
    # Planning writes nothing.
    assert not db.session.new and not db.session.dirty
    db.session.expire_all()
    assert {c.id: (c.version, c.status, c.progress) for c in world["commitments"]} == before
    assert _count() == 3


def test_the_export_carries_the_key_and_the_version(client, login_as, world):
    login_as("inspektorat")
    book = load_workbook(io.BytesIO(_export(client)))
    rows = list(book.worksheets[-1].iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r[0] == "No.")
    records = [dict(zip(rows[header_at], r, strict=True)) for r in rows[header_at + 1 :]]
    by_statement = {r["Komitmen"]: r for r in records}
    first = world["commitments"][0]
    record = by_statement[first.statement]
    assert record["Kode OPD"] == "DINKES"
    assert record["Workshop"] == TITLE
    assert record["Tanggal workshop"].date() == dt.date(2023, 7, 26)
    assert record["Versi"] == first.version
    # Every heading of the export the import reads is one of the kind's headings.
    assert {c.heading for c in kind.COLUMNS} <= set(rows[header_at])


def test_an_edited_export_updates_exactly_the_changed_fields(client, login_as, world):
    user = login_as("inspektorat")
    weighing, records, satu_data = world["commitments"]
    data = _edit(
        _export(client),
        {
            ("Melaksanakan penimbangan", "Target"): "100% balita di 57 kelurahan, tiap bulan",
            ("Menerapkan rekam medis", "Batas waktu"): "30/09/2024",
            ("Menerapkan rekam medis", "Pelaksana"): "sekretaris.dinkes@malangkota.go.id",
            # Status and progress are for information only: never imported.
            ("Menerapkan Satu Data", "Status"): "Terverifikasi",
            ("Menerapkan Satu Data", "Kemajuan (%)"): 20,
        },
    )

    plan = _plan(data, user, "komitmen-diedit.xlsx")

    by_row = {r.label.split(" — ")[1][:20]: r for r in plan.rows}
    assert plan.problems == []
    assert by_row["Melaksanakan penimba"].action is Action.UPDATE
    assert by_row["Melaksanakan penimba"].changes == {
        "Target": ("100% balita di 57 kelurahan", "100% balita di 57 kelurahan, tiap bulan")
    }
    assert by_row["Menerapkan rekam med"].action is Action.UPDATE
    assert by_row["Menerapkan rekam med"].changes == {
        "Pelaksana": ("", "Sekretaris DINKES"),
        "Batas waktu": ("30 Jun 2024", "30 Sep 2024"),
    }
    assert by_row["Menerapkan Satu Data"].action is Action.UNCHANGED

    _apply(plan)
    db.session.expire_all()
    assert weighing.target == "100% balita di 57 kelurahan, tiap bulan"
    assert weighing.indicator == "Persentase balita ditimbang dan dipantau status gizinya"
    assert records.due_on == dt.date(2024, 9, 30)
    assert records.carried_out_by_id == world["people"]["DINKES"][1].id
    assert (satu_data.status, satu_data.progress) == (S.REPORTED_DONE, 100)
    (edit,) = [u for u in weighing.updates if u.kind is UpdateKind.EDIT]
    assert edit.changes == {
        "target": ["100% balita di 57 kelurahan", "100% balita di 57 kelurahan, tiap bulan"]
    }
    assert edit.author_id == user.id
    assert "komitmen-diedit.xlsx" in edit.note
    assert _count() == 3

    # The same file again, and a fresh export: nothing more to do.
    assert {r.action for r in _plan(data, user).rows} == {Action.UNCHANGED}
    assert {r.action for r in _plan(_export(client), user).rows} == {Action.UNCHANGED}


def test_a_commitment_edited_in_the_tracker_since_the_export_is_a_conflict(client, login_as, world):
    user = login_as("inspektorat")
    weighing, records, satu_data = world["commitments"]
    data = _edit(
        _export(client),
        {
            ("Melaksanakan penimbangan", "Target"): "Target dari berkas",
            ("Menerapkan rekam medis", "Indikator"): "Indikator dari berkas",
        },
    )
    # Meanwhile: the Inspektorat corrects the first one's target in the tracker…
    values = {name: getattr(weighing, name) for name in service.FIELDS}
    service.edit_commitment(
        weighing,
        {**values, "target": "Target dari aplikasi"},
        actor=user,
        now=utcnow(),
        expected_version=weighing.version,
    )
    # …and the OPD reports progress on the other two (their fields are untouched).
    for commitment in (records, satu_data):
        commitment.progress = 60
        db.session.flush()
        db.session.add(
            ProgressUpdate(
                commitment_id=commitment.id,
                version=commitment.version,
                kind=UpdateKind.PROGRESS,
                author_label="OPD",
                progress=60,
                note="Kemajuan",
            )
        )
    db.session.commit()

    plan = _plan(data, user)

    actions = {r.label.split(" — ")[1][:20]: r for r in plan.rows}
    conflict = actions["Melaksanakan penimba"]
    assert conflict.action is Action.CONFLICT
    assert conflict.apply is None
    assert conflict.changes == {"Target": ("Target dari aplikasi", "Target dari berkas")}
    # Newer in the tracker, but nothing the row changes was edited there: applied.
    assert actions["Menerapkan rekam med"].action is Action.UPDATE
    # Older version, same values as the record: nothing to do, no conflict.
    assert actions["Menerapkan Satu Data"].action is Action.UNCHANGED
    assert plan.count(Action.CONFLICT) == 1
    assert not plan.ok
    db.session.expire_all()
    assert weighing.target == "Target dari aplikasi"


def test_a_row_whose_key_changed_since_the_export_is_a_problem(client, login_as, world):
    user = login_as("inspektorat")
    data = _edit(
        _export(client),
        {("Menerapkan rekam medis", "Komitmen"): "Menerapkan rekam medis elektronik di RSUD"},
    )
    plan = _plan(data, user)
    (problem,) = plan.problems
    assert problem.column == "Versi"
    assert "kosongkan versi" in problem.message
    assert plan.count(Action.CREATE) == 0


# --- files that are not the tracker's -------------------------------------------------------


def _file(rows: list[list[Any]], headings: list[str] | None = None) -> bytes:
    """A workbook as an Inspektorat keeps it: two title rows, then the table."""
    headings = headings or [
        "No",
        "Workshop",
        "Tanggal workshop",
        "OPD",
        "Komitmen",
        "Area tematik",
        "Indikator",
        "Target",
        "Batas waktu",
        "Dibuat oleh",
        "Pelaksana",
    ]
    return xlsx([headings, *rows], title_rows=["DAFTAR KOMITMEN", "KOTA MALANG"])


def test_a_file_of_new_commitments_is_created_once(client, login_as, world):
    user = login_as("inspektorat")
    dinkes_head = world["people"]["DINKES"][0]
    data = _file(
        [
            [
                1,
                TITLE.upper(),
                "26 Juli 2023",
                "dinas kesehatan",
                "Memastikan seluruh warga miskin ekstrem terdaftar sebagai peserta JKN",
                "percepatan penurunan stunting",
                "Persentase warga miskin ekstrem yang terdaftar JKN",
                "100%",
                "31-12-2024",
                "1980 0101 2005 0110 01",
                "Sekretaris DINKES",
            ],
            [
                2,
                TITLE,
                dt.datetime(2023, 7, 26),
                "DISKOMINFO",
                "Mengintegrasikan aplikasi layanan publik ke portal layanan tunggal",
                "DIGITALISASI",
                "Jumlah aplikasi yang terintegrasi",
                "30 aplikasi",
                dt.datetime(2024, 6, 30),
                "",
                "",
            ],
            [3, "", "", "DINKES", "Komitmen di luar workshop", "", "Indikator", "1", "1/2/2025"],
        ]
    )

    plan = _plan(data, user, "komitmen-baru.xlsx")

    assert plan.problems == []
    assert [(r.row, r.action) for r in plan.rows] == [
        (5, Action.CREATE),
        (6, Action.CREATE),
        (7, Action.CREATE),
    ]
    assert plan.rows[0].label.startswith("DINKES — Memastikan")
    _apply(plan)
    created = db.session.scalars(
        select(Commitment).where(Commitment.statement.like("Memastikan%"))
    ).one()
    assert created.status is S.ACTIVE
    assert created.progress == 0
    assert created.workshop_id == world["workshop"].id
    assert created.made_by_id == dinkes_head.id
    assert created.carried_out_by_id == world["people"]["DINKES"][1].id
    assert created.thematic_area_id == world["areas"][0].id
    assert created.due_on == dt.date(2024, 12, 31)
    assert created.created_by_id == user.id
    assert [u.kind for u in created.updates] == [UpdateKind.CREATE]
    outside = db.session.scalars(
        select(Commitment).where(Commitment.statement == "Komitmen di luar workshop")
    ).one()
    assert outside.workshop_id is None
    assert _count() == 6

    again = _plan(data, user, "komitmen-baru.xlsx")
    assert again.problems == []
    assert {r.action for r in again.rows} == {Action.UNCHANGED}
    assert _count() == 6


def test_the_template_example_imports(app, login_as):
    """The template's two rows, against the demo's workshop, OPDs and officials."""
    user = login_as("inspektorat")
    dinkes = make_opd("DINKES", "Dinas Kesehatan")
    kominfo = make_opd("DISKOMINFO", "Dinas Komunikasi dan Informatika")
    make_person(dinkes, hierarchy_role=HierarchyRole.KEPALA_OPD, nip="198001012005011001")
    make_person(
        dinkes,
        hierarchy_role=HierarchyRole.SEKRETARIS_OPD,
        email="sekretaris.dinkes@malangkota.go.id",
    )
    make_thematic_area(code="STUNTING", name="Percepatan Penurunan Stunting")
    make_thematic_area(code="DIGITALISASI", name="Digitalisasi")
    make_thematic_area(year=2024, code="STUNTING", name="Percepatan Penurunan Stunting")
    make_workshop(TITLE)
    del kominfo
    assert {key for row in kind.TEMPLATE_EXAMPLE for key in row} <= set(HEADINGS)
    out = io.BytesIO()
    imports_service.template_workbook(kind.KIND).save(out)
    table = read_table(out.getvalue(), "templat-komitmen.xlsx", kind.COLUMNS)
    assert table.found == HEADINGS
    explained = {
        row[0]: row[2]
        for row in load_workbook(io.BytesIO(out.getvalue()))
        .worksheets[1]
        .iter_rows(values_only=True)
    }
    # The explanation sheet says that status and progress are never imported.
    assert "tidak pernah mengisi atau mengubah status" in explained["Status"]
    assert "tidak pernah mengisi atau mengubah kemajuan" in explained["Kemajuan (%)"]

    plan = kind.plan(table, _context(user))

    assert plan.problems == []
    assert [r.action for r in plan.rows] == [Action.CREATE, Action.CREATE]
    _apply(plan)
    first = db.session.scalars(select(Commitment).order_by(Commitment.id)).first()
    assert first.thematic_area.year == 2023  # the workshop's year, of the two STUNTING areas
    assert first.made_by.nip == "198001012005011001"
    assert {r.action for r in kind.plan(table, _context(user)).rows} == {Action.UNCHANGED}


# --- problems ------------------------------------------------------------------------------


def test_row_problems_are_reported_by_row_and_column_in_indonesian(client, login_as, world):
    user = login_as("inspektorat")
    base = [TITLE, "26/07/2023", "DINKES", None, "", "Indikator", "Target", "31/12/2024", "", ""]

    def row(n: int, statement: str, **changes: Any) -> list[Any]:
        values = [n, *base]
        values[4] = statement
        positions = {"workshop": 1, "opd": 3, "area": 5, "indicator": 6, "due": 8, "by": 10}
        for key, value in changes.items():
            values[positions[key]] = value
        return values

    data = _file(
        [
            row(1, "Komitmen A", opd="Dinkes Kota"),
            row(2, "Komitmen B", due="31/02/2024"),
            row(3, "Komitmen C", indicator=""),
            row(4, "Komitmen D", due="01/07/2023"),
            row(5, "Komitmen E", by="Sekretaris DISKOMINFO"),
            row(6, "Komitmen F", area="Stunting 2023"),
            row(7, "Komitmen G"),
        ]
    )

    plan = _plan(data, user)

    messages = _messages(plan)
    # The date parser's own wording (tracker.imports.values): the cell is quoted.
    assert messages[1][:2] == (6, "Batas waktu") and "31/02/2024" in messages[1][2]
    assert messages[:1] + messages[2:] == [
        (5, "OPD", "'Dinkes Kota' tidak dikenal; maksud Anda DINKES?"),
        (7, "Indikator", "Isian ini wajib diisi."),
        (8, "Batas waktu", "Batas waktu lebih awal dari tanggal workshop (2023-07-26)."),
        (9, "Pelaksana", "Pejabat pelaksana harus berasal dari DINKES."),
        (10, "Area tematik", "'Stunting 2023' tidak dikenal; maksud Anda STUNTING?"),
    ]
    assert [(r.row, r.action) for r in plan.rows] == [(11, Action.CREATE)]
    assert not plan.ok


def test_duplicate_rows_in_the_file_are_reported(client, login_as, world):
    user = login_as("inspektorat")
    line = [TITLE, "", "DINKES", "Komitmen baru", "", "Indikator", "Target", "31/12/2024"]
    data = _file(
        [
            [1, *line],
            [2, TITLE, "", "dinkes", "  komitmen   BARU ", "", "Lain", "Lain", "31/12/2024"],
        ]
    )
    plan = _plan(data, user)
    assert _messages(plan) == [
        (6, "Komitmen", "Workshop, OPD dan komitmen sama dengan baris 5."),
    ]


def test_an_unknown_workshop_or_opd_gets_a_suggestion(client, login_as, world):
    user = login_as("inspektorat")
    make_workshop(
        "Rapat Koordinasi Tindak Lanjut", starts_at=dt.datetime(2023, 9, 1, 2, 0, tzinfo=dt.UTC)
    )
    make_workshop(
        "Rapat Koordinasi Tindak Lanjut", starts_at=dt.datetime(2024, 3, 1, 2, 0, tzinfo=dt.UTC)
    )
    common = ["Indikator", "Target", "31/12/2024"]
    data = _file(
        [
            [1, "Workshop Penguatan Kapasitas", "", "DINKES", "K1", "", *common],
            [2, TITLE, "27/07/2023", "DINKES", "K2", "", *common],
            [3, "Rapat koordinasi tindak lanjut", "", "DINKES", "K3", "", *common],
            [4, "Rapat koordinasi tindak lanjut", "01-03-2024", "DINKES", "K4", "", *common],
            [5, TITLE, "", "Dinas Kesehatn", "K5", "", *common],
        ]
    )

    plan = _plan(data, user)

    assert _messages(plan) == [
        (
            5,
            "Workshop",
            "'Workshop Penguatan Kapasitas' tidak dikenal; maksud Anda "
            "Workshop Penguatan Kapasitas Perangkat Daerah (26 Jul 2023)?",
        ),
        (
            6,
            "Tanggal workshop",
            f"Tidak ada workshop '{TITLE}' pada 27 Jul 2023; workshop itu diadakan pada "
            "26 Jul 2023.",
        ),
        (
            7,
            "Workshop",
            "Beberapa workshop berjudul 'Rapat koordinasi tindak lanjut'; isi tanggal workshop "
            "(1 Sep 2023, 1 Mar 2024).",
        ),
        (9, "OPD", "'Dinas Kesehatn' tidak dikenal; maksud Anda DINKES?"),
    ]
    assert [(r.row, r.action) for r in plan.rows] == [(8, Action.CREATE)]


def test_officials_by_name_nip_or_email(client, login_as, world):
    user = login_as("inspektorat")
    kominfo, dinkes = world["kominfo"], world["dinkes"]
    own = make_person(kominfo, name="Budi Santoso")
    make_person(dinkes, name="Budi Santoso")
    make_person(None, name="Ani Wijaya")
    make_person(None, name="Ani Wijaya")
    kominfo_secretary = world["people"]["DISKOMINFO"][1]
    start = [TITLE, "", "DISKOMINFO"]
    tail = ["", "Indikator", "Target", "31/12/2024"]
    data = _file(
        [
            # By name: the row's OPD's own Budi among two; by e-mail, case aside.
            [1, *start, "K1", *tail, "budi  santoso", "SEKRETARIS.DISKOMINFO@malangkota.go.id"],
            # By NIP with spaces.
            [2, *start, "K2", *tail, "", "19810202 200602 2 002"],
            # Two Ani Wijaya, neither of this OPD; a NIP nobody has; a misspelt name.
            [3, *start, "K3", *tail, "Ani Wijaya", "198101022006022009"],
            [4, *start, "K4", *tail, "Budi Santosa", "1234"],
        ]
    )

    plan = _plan(data, user)

    messages = _messages(plan)
    assert [m[:2] for m in messages] == [
        (7, "Dibuat oleh"),
        (7, "Pelaksana"),
        (8, "Dibuat oleh"),
        (8, "Pelaksana"),
    ]
    assert messages[0][2] == (
        "Beberapa pejabat bernama 'Ani Wijaya'; isi NIP atau e-mail sebagai gantinya."
    )
    assert "198101022006022009" in messages[1][2]  # nobody has it
    assert messages[2][2] == "'Budi Santosa' tidak dikenal; maksud Anda Budi Santoso?"
    assert "18" in messages[3][2]  # an NIP has 18 digits
    assert [(r.row, r.action) for r in plan.rows] == [(5, Action.CREATE), (6, Action.CREATE)]
    _apply(Plan(plan.kind, plan.rows))
    by_statement = {
        c.statement: c
        for c in db.session.scalars(
            select(Commitment).where(Commitment.statement.in_(["K1", "K2"]))
        )
    }
    assert by_statement["K1"].made_by_id == own.id
    assert by_statement["K1"].carried_out_by_id == kominfo_secretary.id
    assert by_statement["K2"].carried_out_by_id == kominfo_secretary.id


# --- query count -------------------------------------------------------------------------


def test_planning_runs_the_same_number_of_queries_whatever_the_size(
    app, login_as, count_queries, world
):
    user = login_as("inspektorat")
    areas = world["areas"]

    def table(n: int) -> Table:
        rows = []
        for i in range(n):
            opd = make_opd(f"OPDQ{n}_{i}", f"Dinas Uji {n} {i}")
            head = make_person(opd, hierarchy_role=HierarchyRole.KEPALA_OPD)
            if i % 2:
                existing = make_commitment(
                    opd, statement=f"Komitmen {i}", workshop=world["workshop"]
                )
                existing.progress = 10  # reported since the export: a newer version
                db.session.commit()
            rows.append(
                Row(
                    i + 2,
                    {
                        "workshop": TITLE,
                        "workshop_date": dt.datetime(2023, 7, 26),
                        "opd": opd.code,
                        "statement": f"Komitmen {i}",
                        "area": areas[i % 2].code,
                        "indicator": "Jumlah SOP yang ditetapkan",
                        "target": f"{i} SOP baru",
                        "due_on": "31/12/2030",
                        "made_by": head.nip or head.email,
                        "version": 1 if i % 2 else None,
                    },
                )
            )
        return Table("uji.xlsx", found=dict(HEADINGS), rows=rows)

    small, large = table(4), table(40)
    db.session.expire_all()
    with count_queries() as few:
        plan_small = kind.plan(small, _context(user))
    db.session.expire_all()
    with count_queries() as many:
        plan_large = kind.plan(large, _context(user))
    assert plan_small.problems == [] and plan_large.problems == []
    assert plan_large.count(Action.UPDATE) == 20
    assert any("progress_update" in q for q in many.statements)  # the version check ran
    assert many.count == few.count, "\n".join(many.statements)
