"""The XLSX and the PDF report, parsed back (openpyxl, pypdf)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from flask_babel import format_date
from openpyxl import load_workbook
from pypdf import PdfReader

from tests import factories
from tests.dashboard.factories_dashboard import known_city
from tracker.extensions import db
from tracker.i18n import today_wib
from tracker.models import HierarchyRole, Role

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


@pytest.fixture
def city(app):
    return known_city()


def _table(sheet, first_header: str) -> tuple[list[str], list[tuple]]:
    rows = list(sheet.iter_rows(values_only=True))
    at = next(i for i, r in enumerate(rows) if r and r[0] == first_header)
    return list(rows[at]), [r for r in rows[at + 1 :] if any(v is not None for v in r)]


def test_xlsx_has_one_sheet_per_table(city, client, login_as):
    login_as(Role.INSPEKTORAT)
    response = client.get("/dashboard.xlsx?period=2023&sort=opd&dir=asc")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert 'filename="dasbor-pemantauan-2023.xlsx"' in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [
        "Summary",
        "RB priorities",
        "Status",
        "Thematic areas",
        "OPD ranking",
        "Monthly trend",
        "Follow-up outcomes",
        "Amounts recovered",
        "Grades",
        "Definitions",
    ]
    summary = book["Summary"]
    titles = [summary.cell(row=i, column=1).value for i in range(1, 7)]
    assert "Period: Year 2023" in titles
    _headers, rows = _table(summary, "Figure")
    figures = dict(rows)
    assert figures["Commitments in force"] == 7
    assert Decimal(str(figures["Completion rate"])) == Decimal("42.86")
    # The monitoring of 2023-S2: r1–r8, 2 at outcome 1.
    assert Decimal(str(figures["Follow-up completion rate"])) == Decimal("25.00")
    assert Decimal(str(figures["Value to recover (Rp)"])) == Decimal("15000000")
    assert Decimal(str(figures["Balance (Rp)"])) == Decimal("10500000")

    headers, ranking = _table(book["OPD ranking"], "Rank")
    assert headers[:3] == ["Rank", "OPD code", "OPD"]
    by_code = {r[1]: dict(zip(headers, r, strict=True)) for r in ranking}
    assert [r[1] for r in ranking] == ["BAPPEDA", "DINKES", "DISKOMINFO"]  # the sort is kept
    assert by_code["DINKES"]["Rank"] == 1
    assert Decimal(str(by_code["DINKES"]["Completion rate"])) == Decimal("50")
    assert by_code["BAPPEDA"]["Rank"] is None

    headers, trend = _table(book["Monthly trend"], "Month")
    assert len(trend) == 12
    assert trend[1][:3] == ("February 2023", 1, 1)

    _headers, outcomes = _table(book["Follow-up outcomes"], "Outcome")
    assert outcomes[0] == ("1. Matches", 2)
    assert outcomes[-1] == ("Total", 8)

    headers, priorities = _table(book["RB priorities"], "RB priority area")
    assert [p[0] for p in priorities] == [
        "Percepatan Penurunan Stunting",
        "Digitalisasi Administrasi Pemerintahan",
        "Peningkatan Investasi",
    ]
    stunting = dict(zip(headers, priorities[0], strict=True))
    assert stunting["Commitments in force"] == 2
    assert Decimal(str(stunting["Average progress"])) == Decimal("100")
    assert stunting["Traffic light"] == "On track"

    _headers, areas = _table(book["Thematic areas"], "Year")
    assert [a[1] for a in areas][:2] == [
        "Percepatan Penurunan Stunting",
        "Digitalisasi Administrasi Pemerintahan",
    ]

    _headers, grades = _table(book["Grades"], "Instrument")
    assert ("SAKIP", 2022, "Kota Malang", "A") in [g[:4] for g in grades]


def test_pdf_report_with_letterhead_charts_and_signature(city, client, login_as):
    inspektur = factories.make_person(
        city.bappeda,
        hierarchy_role=HierarchyRole.INSPEKTUR,
        name="Dr. Dewi Inspektur",
        nip="197001011990032001",
    )
    db.session.commit()
    login_as(Role.PIMPINAN)
    response = client.get("/dashboard.pdf?period=2023-S2")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert 'filename="laporan-pemantauan-2023-S2.pdf"' in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    assert reader.pages[0].mediabox.width == pytest.approx(595.3, abs=1)  # A4 portrait
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    assert "PEMERINTAH KOTA MALANG" in flat
    assert "INSPEKTORAT" in flat
    assert "REPORT ON THE MONITORING OF COMMITMENTS AND FOLLOW-UPS" in flat
    assert "Period: Semester II 2023" in flat
    assert "OPD ranking" in flat and "DINKES" in flat and "DISKOMINFO" in flat
    # The charts are drawn: their axis labels (the tables show 100.00%).
    assert "100%" in flat.replace("100.00%", "")
    assert "Cumulative completion rate" in flat
    assert f"Malang, {format_date(today_wib(), 'd MMMM y')}" in flat
    assert "Inspector of Kota Malang" in flat
    assert inspektur.name in flat
    assert "NIP 197001011990032001" in flat


def test_pdf_without_an_inspektur_leaves_the_name_blank(city, client, login_as):
    login_as(Role.ADMIN)
    response = client.get("/dashboard.pdf?period=all")
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages).split()
    )
    assert "Period: All time" in text
    assert "Inspector of Kota Malang" in text
    assert "NIP …" in text


def test_exports_honour_the_filters_and_ignore_bad_values(city, client, login_as):
    login_as(Role.ADMIN)
    area = city.areas["digital"]
    response = client.get(f"/dashboard.xlsx?period=2023&area={area.id}")
    book = load_workbook(io.BytesIO(response.data))
    _headers, rows = _table(book["Summary"], "Figure")
    assert dict(rows)["Commitments in force"] == 3
    assert (
        'filename="dasbor-pemantauan-2023-DIGITAL.xlsx"' in response.headers["Content-Disposition"]
    )
    assert client.get("/dashboard.xlsx?period=garbage&area=x").status_code == 200
    assert client.get("/dashboard.pdf?year=abcd").status_code == 200
