"""The TLHP matrix import (kind ``findings``): a messy real-world matrix, re-import,
the tracker's own matrix export read back, row errors, conflicts and query counts."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from flask_babel import force_locale
from openpyxl import Workbook
from sqlalchemy import select

from tests import factories
from tracker.blueprints.findings.matrix import matrix_workbook
from tracker.extensions import db
from tracker.imports.base import Action, Context, Plan, Row, Table
from tracker.imports.kinds import findings as kind
from tracker.imports.kinds import planner
from tracker.imports.table import read_table
from tracker.models import Role
from tracker.models.finding import (
    Finding,
    Outcome,
    Recommendation,
    Report,
    ReportKind,
    UnfollowableReason,
)
from tracker.services import codes, tlhp_matrix
from tracker.services import findings as service

TODAY = dt.date(2023, 12, 20)
NOW = dt.datetime(2023, 12, 20, 3, 0, tzinfo=dt.UTC)
LHP = "12.A/LHP/XVIII.SBY/05/2023"
INSP = "700/045/35.73.403/2023"


@pytest.fixture
def world(app):
    codes.seed()
    opds = {
        code: factories.make_opd(code, name)
        for code, name in (
            ("DINKES", "Dinas Kesehatan"),
            ("DPUPRPKP", "Dinas Pekerjaan Umum, Penataan Ruang, Perumahan dan Kawasan Permukiman"),
            ("BKAD", "Badan Keuangan dan Aset Daerah"),
            ("BAPENDA", "Badan Pendapatan Daerah"),
        )
    }
    actor = factories.make_user(Role.INSPEKTORAT)
    return {"opds": opds, "actor": actor}


def context(actor: Any, today: dt.date = TODAY, now: dt.datetime = NOW) -> Context:
    return Context(actor=actor, today=today, now=now)


def xlsx(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run(data: bytes, actor: Any, name: str = "matriks.xlsx", **kw: Any) -> Plan:
    table = read_table(data, name, kind.COLUMNS)
    return kind.plan(table, context(actor, **kw))


def apply(plan: Plan) -> None:
    assert plan.ok, [(p.row, p.column, p.message) for p in plan.problems]
    for row in plan.rows:
        if row.apply is not None:
            row.apply()
    db.session.commit()


def problems(plan: Plan) -> list[tuple[int | None, str | None, str]]:
    return [(p.row, p.column, p.message) for p in plan.problems]


def actions(plan: Plan) -> dict[int, Action]:
    return {r.row: r.action for r in plan.rows}


# --- the messy matrix ---------------------------------------------------------------------


def messy_matrix() -> bytes:
    """A matrix as an Inspektorat keeps it: title rows, a logo row, two-row headings with
    merged group cells, report and finding cells merged down over their rows, money as
    text in two ways and as numbers, dates as text in three ways and as Excel dates, OPDs
    by code and by name in varied case, a single Status column, a totals row."""
    wb = Workbook()
    ws = wb.active
    ws.title = "TLHP Smt II 2023"
    ws["A1"] = "PEMERINTAH KOTA MALANG"
    ws["A2"] = "INSPEKTORAT DAERAH"
    ws["A3"] = "MATRIKS PEMANTAUAN TINDAK LANJUT HASIL PEMERIKSAAN"
    ws["A4"] = "Keadaan per 20 Desember 2023"
    # row 5 empty (a logo sits there in the real file)
    top = [
        ("A", "No"),
        ("B", "No. LHP"),
        ("C", "Jenis Laporan"),
        ("D", "Tahun Anggaran"),
        ("E", "Tgl LHP"),
        ("F", "Temuan"),
        ("I", "Rekomendasi"),
        ("L", "OPD Penanggung Jawab"),
        ("M", "Tindak Lanjut"),
        ("N", "Status"),
        ("O", "Batas Waktu"),
        ("P", "Saldo (Rp)"),
        ("Q", "Ket."),
        ("R", "Tanggal Setor"),
    ]
    for column, heading in top:
        ws[f"{column}6"] = heading
    for column in "ABCDELMNOPQR":
        ws.merge_cells(f"{column}6:{column}7")
    ws.merge_cells("F6:H6")
    ws.merge_cells("I6:K6")
    for column, heading in zip("FGHIJK", ["Kode", "Uraian", "Nilai (Rp)"] * 2, strict=True):
        ws[f"{column}7"] = heading
    rows = [
        # 8: LHP BPK, finding 1 (financial), two recommendations
        {
            "A": "1",
            "B": LHP,
            "C": "LHP BPK",
            "D": 2022,
            "E": "22 Mei 2023",
            "F": "1.01.03",
            "G": "Kekurangan volume pekerjaan belanja modal jalan",
            "H": "Rp 187.450.000",
            "I": "01",
            "J": "Memproses kelebihan pembayaran dan menyetorkannya ke Kas Daerah.",
            "K": "187.450.000,00",
            "L": "dpuprpkp",
            "M": "Telah disetor Rp125.000.000 ke Kas Daerah.",
            "N": "Belum sesuai",
            "O": "31-01-2024",
            "P": "Rp 62.450.000",
            "R": "02/10/2023",
        },
        # 9: continues finding 1 (its cells merged down, so empty here)
        {
            "I": "05",
            "J": "Memerintahkan PPK lebih cermat mengendalikan kontrak.",
            "L": "DPUPRPKP",
            "N": "1",
        },
        # 10: finding 2, money as numbers, an Excel date, the OPD by name in capitals
        {
            "A": "2",
            "F": "1.01.07",
            "G": "Kelebihan pembayaran honorarium pada Dinas Kesehatan",
            "H": 23800000,
            "I": "01",
            "J": "Memproses pengembalian kelebihan pembayaran ke Kas Daerah.",
            "K": 23800000,
            "L": "DINAS KESEHATAN",
            "M": "Disetor seluruhnya pada 20 Juli 2023.",
            "N": "Sesuai",
            "P": 0,
            "R": dt.datetime(2023, 7, 20),
        },
        # 11-12: finding 3, two recommendations, the second on a continuation row
        {
            "A": "3",
            "F": "2.01.01",
            "G": "Penatausahaan aset tetap belum tertib",
            "I": "07",
            "J": "Melakukan inventarisasi dan rekonsiliasi aset tetap.",
            "L": "Badan Keuangan dan Aset Daerah",
            "N": "3",
        },
        {
            "I": "04",
            "J": "Memberikan teguran tertulis kepada pengurus barang.",
            "L": "bkad",
            "N": "belum ditindaklanjuti",
        },
        # 13: a second report (internal audit), no BPK codes, outcome 4 with its reason
        {
            "A": "1",
            "B": INSP,
            "C": "LHP Inspektorat",
            "D": "2023",
            "E": "15/09/2023",
            "G": "Pengadaan alat kesehatan melebihi kebutuhan",
            "H": "Rp8.000.000",
            "J": "Memanfaatkan alat kesehatan yang belum terpakai.",
            "L": "Dinkes",
            "N": "4",
            "Q": "Penyedia dalam proses peradilan.",
        },
    ]
    for offset, cells in enumerate(rows):
        for column, value in cells.items():
            ws[f"{column}{8 + offset}"] = value
    ws.merge_cells("B8:B12")  # the report's cells merged down over its findings
    ws.merge_cells("F8:F9")  # finding 1's cells merged down over its two rows
    ws.merge_cells("G8:G9")
    ws.merge_cells("H8:H9")
    ws["A14"] = "Jumlah"
    ws["H14"] = "=SUM(H8:H13)"
    return xlsx(wb)


def test_a_messy_matrix_becomes_reports_findings_and_recommendations(world):
    actor = world["actor"]
    plan = run(messy_matrix(), actor)
    assert problems(plan) == []
    assert actions(plan) == {
        8: Action.CREATE,
        9: Action.CREATE,
        10: Action.CREATE,
        11: Action.CREATE,
        12: Action.CREATE,
        13: Action.CREATE,
    }
    apply(plan)

    bpk = db.session.scalars(select(Report).where(Report.number == LHP)).one()
    assert (bpk.kind, bpk.year, bpk.issued_on, bpk.received_on) == (
        ReportKind.LHP_BPK,
        2022,
        dt.date(2023, 5, 22),
        dt.date(2023, 5, 22),
    )
    assert bpk.issuer == "Badan Pemeriksa Keuangan RI"
    assert [f.number for f in bpk.findings] == ["1", "2", "3"]
    f1, f2, f3 = bpk.findings
    assert f1.title == "Kekurangan volume pekerjaan belanja modal jalan"
    assert f1.finding_code.code == "1.01.03"
    assert (f1.value, f1.is_financial, f1.amount_to_recover) == (
        Decimal("187450000.00"),
        True,
        Decimal("187450000.00"),
    )
    assert [(r.paid_on, r.amount) for r in f1.repayments] == [
        (dt.date(2023, 10, 2), Decimal("125000000.00"))
    ]
    assert f1.balance == Decimal("62450000.00")
    r11, r12 = f1.recommendations
    assert (r11.number, r11.code.code, r11.value, r11.opd.code) == (
        "1",
        "01",
        Decimal("187450000.00"),
        "DPUPRPKP",
    )
    assert r11.outcome is Outcome.BELUM_SESUAI and r11.outcome_period == "2023-S2"
    assert r11.due_on == dt.date(2024, 1, 31)
    (review,) = r11.reviews
    assert review.reviewer_id == actor.id and review.new_due_on == dt.date(2024, 1, 31)
    assert review.note == "Diimpor dari matriks.xlsx"
    assert [f.description for f in r11.follow_ups] == ["Telah disetor Rp125.000.000 ke Kas Daerah."]
    assert (r12.number, r12.code.code, r12.outcome) == ("2", "05", Outcome.SESUAI)
    assert r12.due_on == dt.date(2023, 7, 21)  # 60 days after the report was received
    assert f2.repayments[0].paid_on == dt.date(2023, 7, 20) and f2.balance == 0
    assert f2.recommendations[0].opd.code == "DINKES"
    assert [(r.number, r.code.code, r.opd.code, r.outcome) for r in f3.recommendations] == [
        ("1", "07", "BKAD", Outcome.BELUM_DITINDAKLANJUTI),
        ("2", "04", "BKAD", Outcome.BELUM_DITINDAKLANJUTI),
    ]
    assert not f3.is_financial and f3.value is None

    insp = db.session.scalars(select(Report).where(Report.number == INSP)).one()
    assert insp.kind is ReportKind.LHP_INSPEKTORAT and insp.issuer.startswith("Inspektorat")
    (finding,) = insp.findings
    assert finding.finding_code is None and finding.value == Decimal("8000000.00")
    (rec,) = finding.recommendations
    assert rec.outcome is Outcome.TIDAK_DAPAT_DITINDAKLANJUTI
    assert rec.reviews[0].reason is UnfollowableReason.COURT_PROCEEDINGS


def test_importing_the_same_matrix_again_changes_nothing(world):
    actor = world["actor"]
    data = messy_matrix()
    apply(run(data, actor))
    counts = (
        db.session.query(Finding).count(),
        db.session.query(Recommendation).count(),
    )
    again = run(data, actor)
    assert problems(again) == []
    assert set(actions(again).values()) == {Action.UNCHANGED}
    assert all(r.apply is None for r in again.rows)
    # and in the next semester still nothing: without a Semester column the statuses are
    # the current semester's, and an outcome equal to the one in force then is no change
    later = run(data, actor, today=dt.date(2024, 2, 1), now=NOW + dt.timedelta(days=43))
    assert problems(later) == []
    assert set(actions(later).values()) == {Action.UNCHANGED}
    assert counts == (
        db.session.query(Finding).count(),
        db.session.query(Recommendation).count(),
    )


# --- the tracker's own export ------------------------------------------------------------


def export(app: Any, actor: Any, period: str = "2023-S2", today: dt.date = TODAY) -> bytes:
    with app.test_request_context():
        recs = tlhp_matrix.load(period, user=actor)
        matrix = tlhp_matrix.build_matrix(recs, period, today=today)
        return xlsx(matrix_workbook(matrix, None))


def test_the_trackers_matrix_export_reads_back_unchanged(client, login, world):
    actor = world["actor"]
    apply(run(messy_matrix(), actor))
    login(actor)
    response = client.get("/findings/matrix.xlsx?semester=2023-S2")
    assert response.status_code == 200
    table = read_table(response.data, "matriks-tindak-lanjut-2023-S2.xlsx", kind.COLUMNS)
    assert {"report_number", "finding_number", "rec_number", "opd", "version"} <= set(table.found)
    assert table.found["finding_text"] == "Temuan Uraian"
    plan = kind.plan(table, context(actor))
    assert problems(plan) == []
    assert len(plan.rows) == 6
    assert {r.action for r in plan.rows} == {Action.UNCHANGED}


def _edit(data: bytes, text: str, changes: dict[str, Any]) -> bytes:
    """The export with the cells of the row of recommendation ``text`` changed (by the
    heading of their column)."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    top = next(i for i, r in enumerate(values) if r[0] == "No.")
    headings = {}
    for index, (upper, lower) in enumerate(zip(values[top], values[top + 1], strict=True)):
        headings[lower or upper] = index + 1
    (row,) = [i + 1 for i, r in enumerate(values) if r[7] == text]
    for heading, value in changes.items():
        ws.cell(row=row, column=headings[heading]).value = value
    return xlsx(wb)


def test_a_past_semesters_export_reads_back_unchanged_after_later_work(app, world):
    """The matrix of 2023-S2 says what was in force then: a repayment and a review of
    2024-S1 recorded since do not make its rows differ (nor a conflict)."""
    actor = world["actor"]
    apply(run(messy_matrix(), actor))
    data = export(app, actor)
    later_day = dt.date(2024, 2, 1)
    later = dt.datetime(2024, 2, 1, 3, 0, tzinfo=dt.UTC)
    finding = db.session.scalars(
        select(Finding).join(Finding.report).where(Finding.number == "1", Report.number == LHP)
    ).one()
    service.add_repayment(
        actor, finding, paid_on=dt.date(2024, 1, 15), amount="62.450.000", now=later
    )
    service.record_review(
        actor, finding.recommendations[0], period="2024-S1", outcome="sesuai", now=later
    )
    db.session.commit()
    plan = run(data, actor, today=later_day, now=later)
    assert problems(plan) == []
    assert {r.action for r in plan.rows} == {Action.UNCHANGED}


def _cell(data: bytes, text: str, heading: str) -> Any:
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    top = next(i for i, r in enumerate(values) if r[0] == "No.")
    columns = [lo or up for up, lo in zip(values[top], values[top + 1], strict=True)]
    (row,) = [r for r in values if r[7] == text]
    return row[columns.index(heading)]


def test_an_export_in_english_reads_back_unchanged(app, world):
    actor = world["actor"]
    apply(run(messy_matrix(), actor))
    with force_locale("en"):
        data = export(app, actor)
    table = read_table(data, "matrix.xlsx", kind.COLUMNS)
    assert table.found["finding_text"] == "Finding Description"
    assert table.found["version"] == "Version"
    plan = kind.plan(table, context(actor))
    assert problems(plan) == []
    assert {r.action for r in plan.rows} == {Action.UNCHANGED} and len(plan.rows) == 6


def test_an_edited_export_updates_exactly_the_changed_fields(app, world):
    actor = world["actor"]
    apply(run(messy_matrix(), actor))
    data = _edit(
        export(app, actor),
        "Memberikan teguran tertulis kepada pengurus barang.",
        {
            "Uraian": "Memberikan teguran tertulis kepada pengurus barang dan kepala BKAD.",
            "1 Sesuai": "√",
            "3 Belum ditindaklanjuti": None,
        },
    )
    follow_up = "Memproses kelebihan pembayaran dan menyetorkannya ke Kas Daerah."
    exported = _cell(data, follow_up, "Tindak lanjut")
    data = _edit(data, follow_up, {"Tindak lanjut": f"{exported}\nSurat perintah terbit."})
    plan = run(data, actor)
    assert problems(plan) == []
    assert plan.count(Action.UNCHANGED) == 4
    told = next(r for r in plan.rows if follow_up in r.label)
    assert told.action is Action.UPDATE
    assert told.changes == {
        "Tindak lanjut": (
            "Telah disetor Rp125.000.000 ke Kas Daerah.",
            "Surat perintah terbit.",
        )
    }
    (changed,) = [r for r in plan.rows if r.action is Action.UPDATE and r is not told]
    assert changed.changes == {
        "Rekomendasi": (
            "Memberikan teguran tertulis kepada pengurus barang.",
            "Memberikan teguran tertulis kepada pengurus barang dan kepala BKAD.",
        ),
        "Status": (
            Outcome.BELUM_DITINDAKLANJUTI.numbered,
            Outcome.SESUAI.numbered,
        ),
    }
    apply(plan)
    rec = db.session.scalars(
        select(Recommendation).where(Recommendation.text.like("%kepala BKAD%"))
    ).one()
    assert rec.outcome is Outcome.SESUAI
    assert [r.outcome for r in rec.reviews] == [Outcome.SESUAI]  # 2023-S2, corrected
    told_rec = db.session.scalars(
        select(Recommendation).where(Recommendation.text == follow_up)
    ).one()
    assert [f.description for f in told_rec.follow_ups] == [
        "Telah disetor Rp125.000.000 ke Kas Daerah.",
        "Surat perintah terbit.",
    ]
    again = run(data, actor)
    # the file is now older than the record it changed: still nothing to do, all equal
    assert {r.action for r in again.rows} == {Action.UNCHANGED}


def test_a_row_changed_in_the_tracker_since_the_export_is_a_conflict(app, world):
    actor = world["actor"]
    apply(run(messy_matrix(), actor))
    data = _edit(
        export(app, actor),
        "Melakukan inventarisasi dan rekonsiliasi aset tetap.",
        {"Uraian": "Melakukan inventarisasi aset tetap."},
    )
    rec = db.session.scalars(
        select(Recommendation).where(Recommendation.text.like("Melakukan inventarisasi%"))
    ).one()
    service.update_recommendation(
        actor,
        rec,
        number=rec.number,
        text="Melakukan inventarisasi dan rekonsiliasi aset tetap seluruh OPD.",
        opd_id=rec.opd_id,
        due_on=rec.due_on,
        expected_version=rec.version,
        code_id=rec.code_id,
        value=rec.value,
    )
    db.session.commit()
    plan = run(data, actor)
    (conflict,) = [r for r in plan.rows if r.action is Action.CONFLICT]
    assert "Rekomendasi" in conflict.changes and conflict.apply is None
    assert not plan.ok


def test_a_csv_saved_from_excel_with_semicolons(world):
    lines = [
        "Matriks TLHP;;;;;;;",
        "No.;Nomor LHP;Jenis;Tahun;Tanggal LHP;Uraian Temuan;Kode Temuan;Nilai (Rp);"
        "Kode Rekomendasi;Uraian Rekomendasi;OPD;Status",
        f"1;{LHP};LHP BPK;2022;26 Juli 2023;Kelebihan pembayaran perjalanan dinas;1.01.07;"
        "Rp 23.800.000;01;Setorkan ke Kas Daerah;Dinas Kesehatan;Belum ditindaklanjuti",
        ";;;;;;;;05;Tegur bendahara pengeluaran;dinas kesehatan;Sesuai",
        "Jumlah;;;;;;;23.800.000;;;;",
    ]
    data = "\r\n".join(lines).encode("cp1252")
    plan = run(data, world["actor"], name="matriks.csv")
    assert problems(plan) == []
    assert plan.count(Action.CREATE) == 2
    apply(plan)
    finding = db.session.scalars(select(Finding)).one()
    assert finding.value == Decimal("23800000.00") and finding.report.issued_on == dt.date(
        2023, 7, 26
    )
    assert [(r.number, r.code.code, r.opd.code) for r in finding.recommendations] == [
        ("1", "01", "DINKES"),
        ("2", "05", "DINKES"),
    ]


# --- row errors ----------------------------------------------------------------------------


def table(*rows: dict[str, Any], found: tuple[str, ...] = ()) -> Table:
    keys = set(found)
    for row in rows:
        keys |= set(row)
    return Table(
        file_name="matriks.csv",
        found={k: kind.HEADINGS[k] for k in keys},
        rows=[Row(number=i + 2, cells=dict(r)) for i, r in enumerate(rows)],
    )


BASE = {
    "report_number": LHP,
    "report_kind": "LHP BPK",
    "report_year": "2022",
    "report_date": "22/05/2023",
}


def test_row_errors_name_the_row_and_the_column(world):
    actor = world["actor"]
    rows = [
        {
            **BASE,
            "finding_number": "1",
            "finding_code": "1.01.03",
            "finding_text": "Kekurangan volume",
            "finding_value": "Rp 12,5 juta",
            "rec_code": "01",
            "rec_text": "Setorkan",
            "opd": "Dinkes Kota",
        },
        {
            "finding_number": "2",
            "finding_code": "9.99.99",
            "finding_text": "Temuan dengan kode salah",
            "rec_number": "1",
            "rec_code": "01",
            "rec_text": "Perbaiki",
            "opd": "DINKES",
            "due_on": "31/02/2024",
            "status": "5",
        },
        {
            "finding_number": "2",
            "rec_number": "1",
            "rec_code": "01",
            "rec_text": "Perbaiki",
            "opd": "DINKES",
        },
        {"finding_number": "3", "finding_text": "Tanpa kode", "rec_text": "x", "opd": "BKAD"},
        {
            "finding_number": "4",
            "finding_code": "2.01.01",
            "finding_text": "Status 2 tanpa batas waktu",
            "rec_code": "07",
            "rec_text": "Inventarisasi",
            "opd": "BKAD",
            "status": "2",
        },
    ]
    plan = kind.plan(table(*rows), context(actor))
    assert not plan.ok
    assert problems(plan) == [
        (2, "Nilai temuan (Rp)", "Isikan jumlah dalam rupiah, mis. 12.500.000."),
        (2, "OPD", "'Dinkes Kota' tidak dikenal; maksud Anda DINKES?"),
        (3, "Batas waktu", "'31/02/2024' bukan tanggal yang ada."),
        (
            3,
            "Status",
            "'5' bukan status: tulis angka 1 sampai 4 atau namanya (Sesuai, Belum sesuai, "
            "Belum ditindaklanjuti, Tidak dapat ditindaklanjuti).",
        ),
        (3, "Kode temuan", "Kode 9.99.99 tidak ada dalam daftar kode BPK."),
        (4, "No. rekomendasi", "Laporan, temuan dan rekomendasi yang sama dengan baris 3."),
        (5, "Kode temuan", "Temuan LHP BPK wajib memiliki kode temuan BPK."),
        (5, "Kode rekomendasi", "Rekomendasi LHP BPK wajib memiliki kode rekomendasi BPK."),
        (6, "Batas waktu", "Status 2 (belum sesuai) wajib disertai batas waktu baru."),
    ]
    assert db.session.query(Report).count() == 0  # planning wrote nothing


def test_only_the_inspektorat_imports_findings(world):
    rows = [dict(r) for r in kind.TEMPLATE_EXAMPLE]
    for actor in (None, factories.make_user(Role.OPD, opd=world["opds"]["DINKES"])):
        plan = kind.plan(table(*rows), context(actor))
        assert problems(plan) == [
            (None, None, "Hanya Inspektorat yang mencatat laporan, temuan, dan reviu.")
        ]
        assert plan.rows == []


def test_a_new_report_needs_its_kind_year_and_date(world):
    plan = kind.plan(
        table(
            {"report_number": "X/1", "finding_text": "T", "rec_text": "R", "opd": "DINKES"},
            {"rec_text": "R2", "opd": "DINKES"},
        ),
        context(world["actor"]),
    )
    assert problems(plan) == [
        (
            2,
            "Nomor LHP",
            "Laporan X/1 belum ada di aplikasi; untuk menambahkannya, isi Jenis laporan, "
            "Tahun, Tanggal LHP.",
        )
    ]


def test_rows_before_any_report_and_findings_without_recommendations(world):
    plan = kind.plan(
        table(
            {"finding_text": "T", "rec_text": "R", "opd": "DINKES"},
            {**BASE, "finding_number": "1", "finding_code": "1.01.03", "finding_text": "Judul"},
        ),
        context(world["actor"]),
    )
    assert [(p.row, p.column) for p in plan.problems] == [
        (2, "Nomor LHP"),
        (3, "Uraian rekomendasi"),
    ]


def test_a_report_row_and_a_finding_row_open_the_rows_below_them(world):
    plan = kind.plan(
        table(
            {"no": "A", **BASE},
            {"no": "1", "finding_code": "1.01.03", "finding_text": "Kekurangan volume"},
            {"no": "a", "rec_code": "01", "rec_text": "Setorkan", "opd": "DPUPRPKP"},
            {"no": "b", "rec_code": "05", "rec_text": "Tegur PPK", "opd": "DPUPRPKP"},
        ),
        context(world["actor"]),
    )
    assert problems(plan) == []
    assert [(r.row, r.action) for r in plan.rows] == [(4, Action.CREATE), (5, Action.CREATE)]
    apply(plan)
    finding = db.session.scalars(select(Finding)).one()
    assert (finding.number, [r.number for r in finding.recommendations]) == ("1", ["a", "b"])


def test_the_four_status_columns_accept_one_mark(world):
    base = {
        **BASE,
        "finding_number": "1",
        "finding_code": "1.01.03",
        "finding_text": "T",
        "rec_code": "01",
        "opd": "DINKES",
    }
    rows = [
        {**base, "rec_number": "1", "rec_text": "A", "status_1": "v"},
        {
            **base,
            "rec_number": "2",
            "rec_text": "B",
            "rec_code": 5,  # "05" kept as a number by the spreadsheet
            "status_1": "-",
            "status_2": "Rp 5.000.000",
            "status_3": 0,
            "due_on": "30/06/2024",
        },
        {**base, "rec_number": "3", "rec_text": "C", "status_1": "√", "status_3": "√"},
    ]
    plan = kind.plan(table(*rows), context(world["actor"]))
    assert problems(plan) == [
        (4, "Status 1 Sesuai", "Tandai satu status saja; baris ini menandai 1, 3.")
    ]
    plan = kind.plan(table(*rows[:2]), context(world["actor"]))
    apply(plan)
    first, second = db.session.scalars(select(Finding)).one().recommendations
    assert (first.outcome, second.outcome) == (Outcome.SESUAI, Outcome.BELUM_SESUAI)
    assert second.code.code == "05" and second.due_on == dt.date(2024, 6, 30)


def test_the_template_example_imports(world):
    rows = [dict(r) for r in kind.TEMPLATE_EXAMPLE]
    plan = kind.plan(table(*rows), context(world["actor"], today=dt.date(2024, 1, 5)))
    assert problems(plan) == []
    assert plan.count(Action.CREATE) == len(rows)
    apply(plan)
    report = db.session.scalars(select(Report)).one()
    assert [f.number for f in report.findings] == ["1", "3", "4"]
    assert report.findings[0].balance == Decimal("62450000.00")
    assert planner(kind.KIND) is kind


# --- query counts ------------------------------------------------------------------------


def _big_matrix(n: int, *, edit: bool = False) -> Table:
    """``n`` findings of two recommendations; ``edit``: every one of them changed (its
    text, code and OPD, its finding's value, one more repayment, a new status)."""
    rows = []
    for i in range(1, n + 1):
        rows.append(
            {
                **BASE,
                "finding_number": str(i),
                "finding_code": "1.01.03",
                "finding_text": f"Temuan {i}",
                "finding_value": "Rp 12.000.000" if edit else "Rp 10.000.000",
                "amount_to_recover": "Rp 10.000.000",
                "balance": "3.000.000" if edit else "4.000.000",
                "rec_number": "1",
                "rec_code": "01",
                "rec_text": f"Rekomendasi {i}.1" + (" (diubah)" if edit else ""),
                "opd": "DINKES",
                "follow_up": f"Tindak lanjut {i}",
                "status": "2",
                "due_on": "31/01/2024",
            }
        )
        rows.append(
            {
                "rec_number": "2",
                "rec_code": "06" if edit else "05",
                "rec_text": f"Rekomendasi {i}.2",
                "opd": "dinkes",
                "status": "3" if edit else "Sesuai",
            }
        )
    return table(*rows)


def test_planning_runs_a_constant_number_of_queries(world, count_queries):
    actor = world["actor"]
    counted = []
    for n in (3, 12):
        big = _big_matrix(n)
        apply(kind.plan(big, context(actor)))
        db.session.expire_all()
        with count_queries() as queries:
            plan = kind.plan(big, context(actor))
        assert problems(plan) == []
        assert plan.count(Action.UNCHANGED) == 2 * n
        edited = _big_matrix(n, edit=True)
        db.session.expire_all()
        with count_queries() as changing:
            changed = kind.plan(edited, context(actor))
        assert problems(changed) == []
        assert changed.count(Action.UPDATE) == 2 * n
        counted.append((queries.count, changing.count))
    assert counted[0] == counted[1], counted
