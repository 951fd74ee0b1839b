"""The standard monitoring matrix (Matriks Pemantauan Tindak Lanjut) on a small data set
whose figures were worked out by hand: the XLSX and the PDF read back, the scopes (report,
OPD, semester), the dashboard's findings by BPK finding code, and the query counts.

The data (two reports, three coded findings, five recommendations with values):

=======  ========================  =====================  =================================
report   finding                   recommendation         reviews
=======  ========================  =====================  =================================
A (BPK)  1 code 1.01.03, value     R1 DPU 15.000.000      2023-S2: 2 (new deadline 31-1-24)
received 20.000.000, financial                            2024-S1: 1
24-5-23  (to recover 20.000.000;   R2 DPU no value        2023-S2: 4 (court proceedings)
         repaid 6.000.000 on
         1-8-23, 4.000.000 on
         1-2-24)
         2 code 2.01.01, value     R3 DINKES 8.800.000    2023-S2: 1
         5.000.000
B (Insp) 1 code 3.01.01, value     R4 DINKES 5.000.000    none (3); follow-up 80% in Oct 23
received 8.000.000                 R5 DINKES 2.000.000    2023-S2: 3; 2024-S1: 2 (30-9-24)
15-9-23
=======  ========================  =====================  =================================

2023-S2 (as of 31 December 2023): outcome 1: R3 (8.800.000); 2: R1 (15.000.000); 3: R4, R5
(7.000.000); 4: R2 (no value: √). 5 recommendations, 30.800.000; completion 1/5 = 20%;
finding values 33.000.000; to recover 20.000.000, repaid 6.000.000, balance 14.000.000.
2024-S1: 1: R1, R3 (23.800.000); 2: R5 (2.000.000); 3: R4 (5.000.000); 4: R2. Rate 40%;
repaid 10.000.000, balance 10.000.000.
2023-S1: only report A, nothing reviewed: 3 × R1, R2, R3 (23.800.000); balance 20.000.000.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from tests import factories
from tests.findings.factories import (
    make_finding,
    make_follow_up,
    make_recommendation,
    make_repayment,
    make_report,
    make_review,
)
from tests.findings.matrix_sheet import parse_html, pdf_text, read_workbook
from tracker.extensions import db
from tracker.models import HierarchyRole, Role
from tracker.models.finding import Outcome, ReportKind
from tracker.models.reference import AuditCode, CodeKind
from tracker.services import codes, monitoring

M = 1_000_000

GROUPS = [
    "No.",
    "Temuan",
    None,
    "Sebab",
    None,
    "Nilai temuan (Rp)",
    "Rekomendasi",
    None,
    "Nilai rekomendasi (Rp)",
    "Tindak lanjut",
    "Status",
    None,
    None,
    None,
    "Saldo (Rp)",
    "Keterangan",
    # after the standard columns: what matches a row back when the sheet is imported
    "Nomor laporan",
    "Jenis laporan",
    "No. temuan",
    "No. rekomendasi",
    "OPD",
    "Batas waktu",
    "Semester",
    "Versi",
]
SUBHEADINGS = [
    None,
    "Kode",
    "Uraian",
    "Kode",
    "Uraian",
    None,
    "Kode",
    "Uraian",
    None,
    None,
    "1 Sesuai",
    "2 Belum sesuai",
    "3 Belum ditindaklanjuti",
    "4 Tidak dapat ditindaklanjuti",
    None,
    None,
    *[None] * 8,
]


@pytest.fixture
def data(app):
    codes.seed()
    cause = AuditCode(kind=CodeKind.CAUSE, code="9.99", name="Kode sebab untuk pengujian")
    db.session.add(cause)
    db.session.commit()

    def finding_code(code: str) -> AuditCode:
        found = codes.by_code(CodeKind.FINDING, code)
        assert found is not None
        return found

    def rec_code(code: str) -> AuditCode:
        found = codes.by_code(CodeKind.RECOMMENDATION, code)
        assert found is not None
        return found

    dinkes = factories.make_opd("DINKES", "Dinas Kesehatan", sort_order=1)
    dpu = factories.make_opd("DPUPRPKP", "Dinas Pekerjaan Umum", sort_order=2)
    factories.make_person(
        None, name="Drs. Inspektur Contoh", hierarchy_role=HierarchyRole.INSPEKTUR
    )
    a = make_report(
        kind=ReportKind.LHP_BPK, year=2022, number="LHP-A/2023", received_on=dt.date(2023, 5, 24)
    )
    b = make_report(
        kind=ReportKind.LHP_INSPEKTORAT,
        year=2023,
        number="LHP-B/2023",
        received_on=dt.date(2023, 9, 15),
    )
    f1 = make_finding(
        a,
        [dpu],
        number="1",
        title="Kekurangan volume pekerjaan jalan",
        finding_code=finding_code("1.01.03"),
        cause_code=cause,
        cause="PPK tidak cermat memeriksa hasil pekerjaan",
        value=Decimal(20 * M),
        is_financial=True,
        amount_to_recover=Decimal(20 * M),
    )
    f2 = make_finding(
        a,
        [dinkes],
        number="2",
        title="Pencatatan persediaan obat belum akurat",
        finding_code=finding_code("2.01.01"),
        cause="SOP belum ditetapkan",
        value=Decimal(5 * M),
    )
    f3 = make_finding(
        b,
        [dinkes],
        number="1",
        title="Pengadaan alat kesehatan melebihi kebutuhan",
        finding_code=finding_code("3.01.01"),
        value=Decimal(8 * M),
    )
    r1 = make_recommendation(
        f1, dpu, number="1", text="Setorkan kelebihan pembayaran", code=rec_code("01"),
        value=Decimal(15 * M),
    )  # fmt: skip
    r2 = make_recommendation(f1, dpu, number="2", text="Tegur tertulis PPK", code=rec_code("04"))
    r3 = make_recommendation(
        f2, dinkes, number="1", text="Tetapkan SOP persediaan", value=Decimal("8800000")
    )
    r4 = make_recommendation(f3, dinkes, number="1", text="Manfaatkan alat", value=Decimal(5 * M))
    r5 = make_recommendation(
        f3, dinkes, number="2", text="Susun rencana kebutuhan", value=Decimal(2 * M)
    )
    make_review(r1, Outcome.BELUM_SESUAI, "2023-S2", new_due_on=dt.date(2024, 1, 31))
    make_review(r1, Outcome.SESUAI, "2024-S1")
    make_review(r2, Outcome.TIDAK_DAPAT_DITINDAKLANJUTI, "2023-S2", reason="proses_peradilan")
    make_review(r3, Outcome.SESUAI, "2023-S2")
    make_review(r5, Outcome.BELUM_DITINDAKLANJUTI, "2023-S2")
    make_review(r5, Outcome.BELUM_SESUAI, "2024-S1", new_due_on=dt.date(2024, 9, 30))
    make_follow_up(
        r4,
        description="Alat mulai dipakai di puskesmas",
        progress=80,
        submitted_at=dt.datetime(2023, 10, 10, 3, 0, tzinfo=dt.UTC),
    )
    make_repayment(f1, "6000000", paid_on=dt.date(2023, 8, 1))
    make_repayment(f1, "4000000", paid_on=dt.date(2024, 2, 1))
    return {"a": a, "b": b, "dinkes": dinkes, "dpu": dpu, "f3": f3}


def _xlsx(client, query: str):
    response = client.get(f"/findings/matrix.xlsx?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    sheet, recap = read_workbook(response.data)
    return sheet, recap, response.headers["Content-Disposition"]


def test_xlsx_has_the_standard_columns_rows_and_recap(client, login_as, data):
    login_as("inspektorat")
    sheet, per_opd, disposition = _xlsx(client, "semester=2023-S2")
    assert 'filename="matriks-tindak-lanjut-2023-S2.xlsx"' in disposition
    assert sheet.groups == GROUPS
    assert sheet.headings == SUBHEADINGS
    top = min(int(re.sub(r"\D", "", m.split(":")[0])) for m in sheet.merged_headings)
    t, u = top, top + 1
    assert sheet.merged_headings == {
        f"A{t}:A{u}",
        f"B{t}:C{t}",
        f"D{t}:E{t}",
        f"F{t}:F{u}",
        f"G{t}:H{t}",
        f"I{t}:I{u}",
        f"J{t}:J{u}",
        f"K{t}:N{t}",
        f"O{t}:O{u}",
        f"P{t}:P{u}",
        *(f"{c}{t}:{c}{u}" for c in "QRSTUVWX"),
    }
    assert [r.split(" — ")[0] for r in sheet.reports] == ["LHP BPK 2022", "LHP Inspektorat 2023"]
    assert [r[0] for r in sheet.rows] == ["1.1", "1.2", "2.1", "1.1", "1.2"]

    r1 = sheet.row("Setorkan kelebihan pembayaran")
    assert r1[:9] == [
        "1.1",
        "1.01.03",
        "1. Kekurangan volume pekerjaan jalan",
        "9.99",
        "PPK tidak cermat memeriksa hasil pekerjaan",
        20 * M,
        "01",
        "Setorkan kelebihan pembayaran",
        15 * M,
    ]
    assert r1[10:15] == [None, 15 * M, None, None, 14 * M]  # outcome 2; balance 20 − 6
    assert "DPUPRPKP" in r1[15] and "Batas waktu baru" in r1[15]
    r2 = sheet.row("Tegur tertulis PPK")
    assert r2[1:7:] == [None, None, None, None, None, "04"]  # the finding's cells: 1st row only
    assert r2[8] is None and r2[10:15] == [None, None, None, "√", None]
    r3 = sheet.row("Tetapkan SOP persediaan")
    assert (r3[1], r3[3], r3[4], r3[5], r3[6]) == (
        "2.01.01",
        None,
        "SOP belum ditetapkan",
        5 * M,
        None,
    )
    assert r3[10:15] == [8_800_000, None, None, None, None]
    r4 = sheet.row("Manfaatkan alat")
    assert r4[10:15] == [None, None, 5 * M, None, None]
    assert "Alat mulai dipakai" in r4[9]
    # The OPD's own progress beside the official status (3, not reviewed yet).
    assert "Kemajuan menurut OPD: 80%" in r4[15] and "Belum direviu" in r4[15]
    assert "Terlambat" in r4[15]  # due 14 November 2023
    r5 = sheet.row("Susun rencana kebutuhan")
    assert (r5[5], r5[12]) == (None, 2 * M)

    # Under the columns: the totals (Rp) and the number of recommendations per status.
    assert sheet.total_rp[0] == "Jumlah (Rp)"
    assert sheet.total_rp[5] == 33 * M
    assert sheet.total_rp[8] == 30_800_000
    assert sheet.total_rp[10:15] == [8_800_000, 15 * M, 7 * M, 0, 14 * M]
    assert sheet.total_count[0] == "Jumlah rekomendasi"
    assert sheet.total_count[8] == 5
    assert sheet.total_count[10:14] == [1, 1, 2, 1]
    # The recap per outcome.
    assert sheet.recap == {
        "1. Tindak lanjut sesuai dengan rekomendasi": (1, 8_800_000),
        "2. Tindak lanjut belum sesuai dengan rekomendasi": (1, 15 * M),
        "3. Belum ditindaklanjuti": (2, 7 * M),
        "4. Tidak dapat ditindaklanjuti": (1, 0),
        "Jumlah": (5, 30_800_000),
    }
    assert sheet.recap_values == {
        "Tingkat penyelesaian (%)": 20,
        "Nilai yang harus dipulihkan (Rp)": 20 * M,
        "Setoran (Rp)": 6 * M,
        "Sisa (Rp)": 14 * M,
    }
    # The recap per OPD, as before.
    rows = [list(r) for r in per_opd.iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if r[0] == "OPD")
    by_opd = {r[0]: r for r in rows[header + 1 :]}
    assert by_opd["DINKES"][2:8] == [3, 1, 0, 2, 0, 33.33]
    assert by_opd["DPUPRPKP"][2:11] == [2, 0, 1, 0, 1, 0, 20 * M, 6 * M, 14 * M]
    assert by_opd["Jumlah"][2:8] == [5, 1, 1, 2, 1, 20]


def test_xlsx_of_the_other_semesters(client, login_as, data):
    login_as("pimpinan")
    sheet, _recap, disposition = _xlsx(client, "semester=2024-S1")
    assert "matriks-tindak-lanjut-2024-S1.xlsx" in disposition
    assert sheet.total_rp[10:15] == [23_800_000, 2 * M, 5 * M, 0, 10 * M]
    assert sheet.total_count[10:14] == [2, 1, 1, 1]
    assert sheet.recap["Jumlah"] == (5, 30_800_000)
    assert sheet.recap_values["Tingkat penyelesaian (%)"] == 40
    assert sheet.recap_values["Setoran (Rp)"] == 10 * M
    assert sheet.recap_values["Sisa (Rp)"] == 10 * M
    r5 = sheet.row("Susun rencana kebutuhan")
    assert r5[10:14] == [None, 2 * M, None, None]
    assert "Terlambat" not in r5[15]  # new deadline 30 September 2024

    # The first semester: only report A, nothing reviewed (3 everywhere).
    sheet, _recap, _disposition = _xlsx(client, "semester=2023-S1")
    assert [r[7] for r in sheet.rows] == [
        "Setorkan kelebihan pembayaran",
        "Tegur tertulis PPK",
        "Tetapkan SOP persediaan",
    ]
    assert sheet.total_rp[5] == 25 * M
    assert sheet.total_rp[10:15] == [0, 0, 23_800_000, 0, 20 * M]
    assert sheet.recap["Jumlah"] == (3, 23_800_000)
    assert all("Belum direviu" in r[15] for r in sheet.rows)


def test_xlsx_per_report_and_per_opd(client, login_as, data):
    login_as("inspektorat")
    sheet, _recap, disposition = _xlsx(client, f"semester=2023-S2&report={data['b'].id}")
    assert "matriks-tindak-lanjut-2023-S2-LHP-Inspektorat-LHP-B-2023.xlsx" in disposition
    assert any("LHP-B/2023" in line for line in sheet.title)
    assert [r[7] for r in sheet.rows] == ["Manfaatkan alat", "Susun rencana kebutuhan"]
    assert sheet.total_rp[5] == 8 * M
    assert sheet.total_rp[10:15] == [0, 0, 7 * M, 0, 0]
    assert sheet.recap["Jumlah"] == (2, 7 * M)
    assert sheet.recap_values["Sisa (Rp)"] == 0

    sheet, _recap, disposition = _xlsx(client, f"semester=2023-S2&opd={data['dinkes'].id}")
    assert "matriks-tindak-lanjut-2023-S2-DINKES.xlsx" in disposition
    assert [r[7] for r in sheet.rows] == [
        "Tetapkan SOP persediaan",
        "Manfaatkan alat",
        "Susun rencana kebutuhan",
    ]
    # The numbering of findings is the report's, and so is the finding's first row here.
    assert [r[0] for r in sheet.rows] == ["1.1", "1.1", "1.2"]
    assert sheet.total_rp[5] == 13 * M
    assert sheet.total_rp[10:15] == [8_800_000, 0, 7 * M, 0, 0]

    sheet, _recap, disposition = _xlsx(
        client, f"semester=2023-S2&opd={data['dpu'].id}&report={data['a'].id}"
    )
    assert "-DPUPRPKP-LHP-BPK-LHP-A-2023.xlsx" in disposition
    assert sheet.recap == {
        "1. Tindak lanjut sesuai dengan rekomendasi": (0, 0),
        "2. Tindak lanjut belum sesuai dengan rekomendasi": (1, 15 * M),
        "3. Belum ditindaklanjuti": (0, 0),
        "4. Tidak dapat ditindaklanjuti": (1, 0),
        "Jumlah": (2, 15 * M),
    }
    assert sheet.recap_values["Sisa (Rp)"] == 14 * M
    # An unknown report is a 404.
    assert client.get("/findings/matrix.xlsx?report=999999").status_code == 404


def test_opd_user_sees_only_their_opd_and_reports(client, login, data):
    login(factories.make_user(Role.OPD, opd=data["dpu"]))
    sheet, _recap, _disposition = _xlsx(client, "semester=2023-S2")
    assert [r[7] for r in sheet.rows] == ["Setorkan kelebihan pembayaran", "Tegur tertulis PPK"]
    # Report B has nothing of theirs: not theirs to open.
    assert client.get(f"/findings/matrix?report={data['b'].id}").status_code == 404
    assert client.get(f"/findings/matrix.pdf?report={data['b'].id}").status_code == 404
    page = client.get(f"/findings/matrix?semester=2023-S2&report={data['a'].id}")
    assert page.status_code == 200
    html = parse_html(page.data)
    options = [o.text() for o in html.one("select", id="filter-report").all("option")]
    assert options == ["Semua laporan", "LHP BPK 2022 — LHP-A/2023"]
    assert len(html.all(data_testid="matrix-row")) == 2


def test_pdf_has_the_headings_rows_and_recap(client, login_as, data):
    login_as("inspektorat")
    response = client.get("/findings/matrix.pdf?semester=2023-S2")
    assert response.status_code == 200
    assert 'filename="matriks-tindak-lanjut-2023-S2.pdf"' in response.headers["Content-Disposition"]
    text, lines = pdf_text(response.data)
    for heading in ("Temuan", "Sebab", "Rekomendasi", "Status", "Kode", "Uraian", "Saldo"):
        assert heading in text
    for heading in ("Tindak lanjut", "Keterangan", "Rekapitulasi per status"):
        assert heading in text
    # The group headings in the standard order on the first heading line, the
    # sub-columns on the next ones (the status headings wrap in their narrow columns).
    assert any(
        re.fullmatch(
            r"No\. Temuan Sebab Nilai temuan Rekomendasi Nilai Tindak lanjut Status "
            r"Saldo \(Rp\) Keterangan",
            line,
        )
        for line in lines
    )
    subheadings = r"Kode Uraian Kode Uraian .*Kode Uraian .*1 Sesuai 2 Belum 3 Belum .*4 Tidak.*"
    assert any(re.fullmatch(subheadings, line) for line in lines)
    for cell in (
        "1.01.03",
        "2.01.01",
        "3.01.01",
        "9.99",
        "Setorkan kelebihan",
        "Tegur tertulis PPK",
    ):
        assert cell in text
    assert "√" in text
    # The recap per outcome as printed.
    expected = [
        r"1\. Tindak lanjut sesuai dengan rekomendasi 1 Rp 8\.800\.000",
        r"2\. Tindak lanjut belum sesuai dengan rekomendasi 1 Rp 15\.000\.000",
        r"3\. Belum ditindaklanjuti 2 Rp 7\.000\.000",
        r"4\. Tidak dapat ditindaklanjuti 1 Rp 0",
        r"Jumlah 5 Rp 30\.800\.000",
        r"Tingkat penyelesaian \(%\) 20,00",
        r"Nilai yang harus dipulihkan \(Rp\) Rp 20\.000\.000",
        r"Setoran \(Rp\) Rp 6\.000\.000",
        r"Sisa \(Rp\) Rp 14\.000\.000",
    ]
    for pattern in expected:
        assert any(re.fullmatch(pattern, line.strip()) for line in lines), pattern
    # The totals under the columns: the finding values and the balance.
    assert "33.000.000" in text and "14.000.000" in text
    assert "Drs. Inspektur Contoh" in text

    response = client.get("/findings/matrix.pdf?semester=2024-S1")
    _text, lines = pdf_text(response.data)
    assert any(
        re.fullmatch(r"1\. Tindak lanjut sesuai dengan rekomendasi 2 Rp 23\.800\.000", ln)
        for ln in lines
    )
    assert any(re.fullmatch(r"Sisa \(Rp\) Rp 10\.000\.000", ln) for ln in lines)


def test_pdf_per_report(client, login_as, data):
    login_as("pimpinan")
    response = client.get(f"/findings/matrix.pdf?semester=2023-S2&report={data['b'].id}")
    assert response.status_code == 200
    assert "LHP-B-2023.pdf" in response.headers["Content-Disposition"]
    text, lines = pdf_text(response.data)
    assert "Setorkan kelebihan" not in text
    assert "Manfaatkan alat" in text
    assert any(re.fullmatch(r"Jumlah 2 Rp 7\.000\.000", line.strip()) for line in lines)


@pytest.mark.parametrize("role", ["admin", "inspektorat", "pimpinan", "opd"])
def test_page_renders_for_every_role(client, login, data, role):
    user = factories.make_user(Role(role), opd=data["dinkes"] if role == "opd" else None)
    login(user)
    response = client.get("/findings/matrix?semester=2023-S2")
    assert response.status_code == 200
    html = parse_html(response.data)
    rows = html.all(data_testid="matrix-row")
    assert len(rows) == (3 if role == "opd" else 5)
    heads = [th.text() for th in html.one(data_testid="matrix-table").one("thead").all("th")]
    assert heads[:6] == [
        "No.",
        "Temuan",
        "Sebab",
        "Nilai temuan (Rp)",
        "Rekomendasi",
        "Nilai rekomendasi (Rp)",
    ]
    assert "Saldo (Rp)" in heads and "4 Tidak dapat ditindaklanjuti" in heads
    total = [td.text() for td in html.one(data_testid="outcome-recap-total").all("td")]
    if role == "opd":
        assert total == ["Jumlah", "3", "Rp 15.800.000"]
    else:
        assert total == ["Jumlah", "5", "Rp 30.800.000"]
    progress = html.one(data_testid="matrix-progress").text()
    assert progress == "Kemajuan menurut OPD: 80%"


# --- the dashboard: findings by BPK finding code ---------------------------------------


def _groups(html: bytes) -> dict[str, dict[str, str]]:
    table = parse_html(html).one(data_testid="code-groups-table")
    return {
        tr.attrs["data-code"]: {td.attrs["data-figure"]: td.text() for td in tr.all("td")}
        for tr in table.one("tbody").all("tr", data_code=True)
    }


def _more_findings(data: dict) -> None:
    """A finding without a code, and a second finding of 1.01 (value 1.500.000, its
    recommendation at outcome 1) in report B."""
    plain = make_finding(data["b"], [data["dinkes"]], number="2", title="Tanpa kode")
    make_recommendation(plain, data["dinkes"], number="1", text="Tanpa kode")
    coded = make_finding(
        data["b"],
        [data["dpu"]],
        number="3",
        title="Kelebihan bayar honor",
        finding_code=codes.by_code(CodeKind.FINDING, "1.01.09"),
        value=Decimal("1500000"),
    )
    done = make_recommendation(coded, data["dpu"], number="1")
    make_review(done, Outcome.SESUAI, "2023-S2")


def test_dashboard_groups_findings_by_code(client, login_as, data):
    _more_findings(data)
    groups = {g.code: g for g in monitoring.code_groups("2023-S2")}
    assert list(groups) == ["1.01", "2.01", "3.01", None]
    g = groups["1.01"]
    assert (g.name, g.findings, g.recommendations, g.value, g.open) == (
        "Kerugian negara/daerah atau kerugian negara/daerah yang terjadi pada perusahaan "
        "milik negara/daerah",
        2,
        3,
        Decimal("21500000.00"),
        1,  # R1 (2); R2 is 4 and the honour finding's recommendation 1
    )
    assert (groups["2.01"].findings, groups["2.01"].value, groups["2.01"].open) == (1, 5 * M, 0)
    assert (groups["3.01"].recommendations, groups["3.01"].open) == (2, 2)
    assert (groups[None].findings, groups[None].value, groups[None].open) == (1, 0, 1)
    # The first semester: only report A.
    early = {
        g.code: (g.findings, g.recommendations, g.open) for g in monitoring.code_groups("2023-S1")
    }
    assert early == {"1.01": (1, 2, 2), "2.01": (1, 1, 1)}

    login_as("pimpinan")
    shown = _groups(client.get("/?period=2023-S2").data)
    assert shown["1.01"] == {
        "findings": "2",
        "recommendations": "3",
        "value": "Rp 21.500.000",
        "open": "1",
    }
    assert shown["3.01"] == {
        "findings": "1",
        "recommendations": "2",
        "value": "Rp 8.000.000",
        "open": "2",
    }
    assert shown["none"]["findings"] == "1"


def test_dashboard_code_groups_of_an_opd_user(client, login, data):
    """An OPD user: their OPD's findings only."""
    _more_findings(data)
    login(factories.make_user(Role.OPD, opd=data["dinkes"]))
    response = client.get("/?period=2023-S2")
    assert response.status_code == 200
    shown = _groups(response.data)
    assert set(shown) == {"2.01", "3.01", "none"}
    assert shown["3.01"] == {
        "findings": "1",
        "recommendations": "2",
        "value": "Rp 8.000.000",
        "open": "2",
    }
    mine = {g.code for g in monitoring.code_groups("2023-S2", opd_id=data["dpu"].id)}
    assert mine == {"1.01"}


# --- query counts ----------------------------------------------------------------------


def _grow(data: dict, n: int) -> None:
    """n more coded findings, each with two valued recommendations, reviews, a follow-up
    and a repayment."""
    inspector = factories.make_user(Role.INSPEKTORAT)
    code = codes.by_code(CodeKind.FINDING, "1.02.01")
    rec_code = codes.by_code(CodeKind.RECOMMENDATION, "03")
    for _ in range(n):
        data["n"] = data.get("n", 0) + 1
        i = data["n"]
        report = make_report(number=f"G-{i}", received_on=dt.date(2023, 4, 1))
        finding = make_finding(
            report,
            [data["dinkes"]],
            number="1",
            finding_code=code,
            value=Decimal(M),
            is_financial=True,
            amount_to_recover=Decimal(M),
        )
        for number in ("1", "2"):
            rec = make_recommendation(
                finding, data["dinkes"], number=number, code=rec_code, value=Decimal(M)
            )
            outcome = list(Outcome)[i % 4]
            reason = "keadaan_kahar" if outcome is Outcome.TIDAK_DAPAT_DITINDAKLANJUTI else None
            make_review(rec, outcome, "2023-S2", reviewer=inspector, reason=reason)
            make_follow_up(rec, progress=50)
        make_repayment(finding, "100000", recorded_by=inspector)


@pytest.mark.parametrize(
    "url",
    [
        "/findings/matrix?semester=2023-S2",
        "/findings/matrix.xlsx?semester=2023-S2",
        "/findings/matrix.pdf?semester=2023-S2",
        "/findings/matrix?semester=2023-S2&report={a}",
        "/findings/matrix.xlsx?semester=2023-S2&opd={dinkes}",
    ],
)
@pytest.mark.parametrize("role", ["inspektorat", "opd"])
def test_query_count_is_constant(client, login, count_queries, data, url, role):
    login(factories.make_user(Role(role), opd=data["dinkes"] if role == "opd" else None))
    url = url.format(a=data["a"].id, dinkes=data["dinkes"].id)
    _grow(data, 1)
    client.get(url)  # warm up
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _grow(data, 4)
    with count_queries() as large:
        response = client.get(url)
    assert response.status_code == 200
    assert large.count == small.count, "\n".join(large.statements)


def test_dashboard_query_count_with_code_groups(count_queries, data):
    """The grouping is one query whatever the number of findings and codes."""
    _grow(data, 1)
    with count_queries() as small:
        monitoring.code_groups("2023-S2")
    _grow(data, 4)
    with count_queries() as large:
        monitoring.code_groups("2023-S2")
    assert small.count == large.count == 1
