"""The semester monitoring matrix: the page, the XLSX parsed back, the PDF read back."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from tests import factories
from tests.findings.factories import (
    make_finding,
    make_follow_up,
    make_recommendation,
    make_repayment,
    make_report,
    make_review,
)
from tests.findings.matrix_sheet import read_workbook
from tracker.models import HierarchyRole, Role
from tracker.models.finding import Outcome, ReportKind

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

GROUPS = [
    "No.",
    "Finding",
    None,
    "Cause",
    None,
    "Finding value (Rp)",
    "Recommendation",
    None,
    "Recommendation value (Rp)",
    "Follow-up",
    "Status",
    None,
    None,
    None,
    "Outstanding balance (Rp)",
    "Remarks",
    "Report number",
    "Report kind",
    "Finding number",
    "Recommendation number",
    "OPD",
    "Due date",
    "Semester",
    "Version",
]
SUBHEADINGS = [
    None,
    "Code",
    "Description",
    "Code",
    "Description",
    None,
    "Code",
    "Description",
    None,
    None,
    "1 Matches",
    "2 Not yet matching",
    "3 Not followed up",
    "4 Cannot be followed up",
    None,
    None,
    *[None] * 8,
]


@pytest.fixture
def data(app):
    dinkes = factories.make_opd("DINKES", "Dinas Kesehatan", sort_order=1)
    dpu = factories.make_opd("DPUPRPKP", "Dinas Pekerjaan Umum", sort_order=2)
    factories.make_person(
        None, name="Drs. Inspektur Contoh", hierarchy_role=HierarchyRole.INSPEKTUR
    )
    lhe = make_report(
        kind=ReportKind.LHE_SAKIP, number="LHE-SAKIP-2022", received_on=dt.date(2023, 2, 1)
    )
    notes = make_finding(lhe, [dinkes, dpu], number="1", title="IKU belum berorientasi hasil")
    r1 = make_recommendation(notes, dinkes, number="1", text="Revisi IKU Dinkes")
    r2 = make_recommendation(notes, dpu, number="2", text="Revisi IKU DPU")
    lhp = make_report(
        kind=ReportKind.LHP_BPK, number="LHP-BPK-2022", received_on=dt.date(2023, 5, 24)
    )
    money = make_finding(
        lhp,
        [dpu],
        number="1",
        title="Kelebihan pembayaran",
        is_financial=True,
        amount_to_recover=Decimal("12500000"),
    )
    r3 = make_recommendation(money, dpu, number="1", text="Setorkan kelebihan pembayaran")
    r4 = make_recommendation(money, dpu, number="2", text="Tegur PPK")
    make_review(r1, Outcome.SESUAI, "2023-S2")
    make_review(r2, Outcome.BELUM_SESUAI, "2023-S2", new_due_on=dt.date(2024, 1, 31))
    make_review(r3, Outcome.BELUM_SESUAI, "2023-S2", new_due_on=dt.date(2024, 2, 29))
    make_review(r4, Outcome.TIDAK_DAPAT_DITINDAKLANJUTI, "2023-S2", reason="proses_peradilan")
    make_follow_up(
        r1, description="IKU direviu", submitted_at=dt.datetime(2023, 9, 1, tzinfo=dt.UTC)
    )
    make_repayment(money, "5000000", paid_on=dt.date(2023, 8, 1))
    make_repayment(money, "2500000", paid_on=dt.date(2023, 11, 1))
    make_repayment(money, "1000000", paid_on=dt.date(2024, 2, 1))  # after the semester
    # A report received after the semester is not in it.
    later = make_report(number="LHE-2023", year=2023, received_on=dt.date(2024, 1, 15))
    make_recommendation(make_finding(later, [dinkes]), dinkes, text="Tidak termasuk")
    return {"dinkes": dinkes, "dpu": dpu}


def test_matrix_xlsx_parsed_back(client, login_as, data):
    login_as("inspektorat")
    response = client.get("/findings/matrix.xlsx?semester=2023-S2")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "matriks-tindak-lanjut-2023-S2.xlsx" in response.headers["Content-Disposition"]
    matrix, recap = read_workbook(response.data)
    assert (matrix.groups, matrix.headings) == (GROUPS, SUBHEADINGS)
    assert any("Semester II 2023" in t for t in matrix.title)
    assert [r.split(" — ")[0] for r in matrix.reports] == ["LHE SAKIP 2022", "LHP BPK 2022"]
    recs = {r[7]: r for r in matrix.rows}
    assert set(recs) == {
        "Revisi IKU Dinkes",
        "Revisi IKU DPU",
        "Setorkan kelebihan pembayaran",
        "Tegur PPK",
    }
    dinkes = recs["Revisi IKU Dinkes"]
    assert dinkes[0] == "1.1"
    assert dinkes[2].startswith("1. IKU belum")
    assert "OPD: DINKES" in dinkes[15]
    assert "IKU direviu" in dinkes[9]
    assert dinkes[10:14] == ["√", None, None, None]  # outcome 1, no value
    money = recs["Setorkan kelebihan pembayaran"]
    assert money[10:14] == [None, "√", None, None]
    assert money[14] == 5000000  # 12.500.000 − the repayments up to the end of the semester
    assert "New deadline" in money[15]
    assert recs["Tegur PPK"][14] is None  # the balance is on the finding's first row only
    assert recs["Tegur PPK"][13] == "√"
    assert "court proceedings" in recs["Tegur PPK"][15]
    assert matrix.total_rp[0] == "Total (Rp)"
    assert matrix.total_rp[14] == 5000000
    assert matrix.total_count[8] == 4
    assert matrix.total_count[10:14] == [1, 2, 0, 1]
    assert matrix.recap["Total"] == (4, 0)
    assert matrix.recap_values == {
        "Completion rate (%)": 25,
        "Value to recover (Rp)": 12500000,
        "Repaid (Rp)": 7500000,
        "Balance (Rp)": 5000000,
    }

    rows = [list(r) for r in recap.iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if r[0] == "OPD")
    assert rows[header][:3] == ["OPD", "Name", "Recommendations"]
    rows = rows[header + 1 :]
    per_opd = {r[0]: r for r in rows[:-1]}
    assert per_opd["DINKES"][2:8] == [1, 1, 0, 0, 0, 100]
    assert per_opd["DPUPRPKP"][2:8] == [3, 0, 2, 0, 1, 0]
    assert per_opd["DPUPRPKP"][8:] == [12500000, 7500000, 5000000]
    overall = rows[-1]
    assert overall[0] == "Total"
    assert overall[2:8] == [4, 1, 2, 0, 1, 25]


def test_matrix_per_opd_and_first_semester(client, login_as, data):
    login_as("pimpinan")
    response = client.get(f"/findings/matrix.xlsx?semester=2023-S2&opd={data['dinkes'].id}")
    matrix, _recap = read_workbook(response.data)
    assert [r[7] for r in matrix.rows] == ["Revisi IKU Dinkes"]
    # In the first semester nothing was reviewed yet: every recommendation counts as 3.
    response = client.get("/findings/matrix.xlsx?semester=2023-S1")
    matrix, _recap = read_workbook(response.data)
    assert matrix.rows and all(r[12] == "√" for r in matrix.rows)
    assert all("Not reviewed yet" in r[15] for r in matrix.rows)
    assert matrix.recap_values["Completion rate (%)"] == 0
    assert matrix.total_count[10:14] == [0, 0, 4, 0]
    # The repayments of the second semester are not in the first one.
    assert matrix.recap_values["Repaid (Rp)"] == 0


def test_opd_user_matrix_is_their_opd_only(client, login, data):
    login(factories.make_user(Role.OPD, opd=data["dinkes"]))
    response = client.get("/findings/matrix.xlsx?semester=2023-S2")
    matrix, _recap = read_workbook(response.data)
    assert [r[7] for r in matrix.rows] == ["Revisi IKU Dinkes"]
    assert client.get(f"/findings/matrix?opd={data['dpu'].id}").status_code == 404
    page = client.get("/findings/matrix?semester=2023-S2").get_data(as_text=True)
    assert "Revisi IKU DPU" not in page


def test_matrix_pdf_has_letterhead_columns_and_totals(client, login_as, data):
    login_as("inspektorat")
    response = client.get("/findings/matrix.pdf?semester=2023-S2")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "INSPEKTORAT" in text
    for header in ("No.", "Finding", "Cause", "Recommendation", "Follow-up", "Status", "Remarks"):
        assert header in text
    assert "Revisi IKU" in text
    assert "Value (Rp)" in text and "12,500,000" in text  # the amounts under "(Rp)" headings
    assert "Completion rate (%) 25.00" in text
    assert "Balance (Rp) Rp 5,000,000" in text
    assert "Drs. Inspektur Contoh" in text
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape


def test_matrix_page_and_bad_semesters(client, login_as, data):
    login_as("inspektorat")
    page = client.get("/findings/matrix?semester=2023-S2")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('data-testid="matrix-row"') == 4
    assert 'data-testid="overall-rate">25.00%' in html
    assert "/findings/matrix.xlsx?semester=2023-S2" in html
    for bad in ("2023-S3", "x", "2999-S1"):
        assert client.get(f"/findings/matrix?semester={bad}").status_code == 400
        assert client.get(f"/findings/matrix.xlsx?semester={bad}").status_code == 400
    # The 400 says what was wrong.
    assert "e.g. 2023-S2" in client.get("/findings/matrix?semester=x").get_data(as_text=True)
    future = client.get("/findings/matrix?semester=2099-S1")
    assert future.status_code == 400
    assert "Semester 2099-S1 has not begun yet." in future.get_data(as_text=True)
    assert client.get("/findings/matrix?opd=99999").status_code == 404
    assert client.get("/findings/matrix").status_code == 200  # the current semester
