"""The monitoring report opens with a page of sentences made from the figures: the RB
priority areas first, what improved, what is late, which OPDs need attention."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests import factories
from tests.dashboard.factories_dashboard import known_city
from tracker.extensions import db
from tracker.models import HierarchyRole, Role

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


@pytest.fixture
def city(app):
    return known_city()


def _pages(client, query: str) -> list[str]:
    response = client.get(f"/dashboard.pdf?{query}")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def test_the_first_page_says_the_figures_in_sentences(city, client, login_as):
    login_as(Role.PIMPINAN)
    pages = _pages(client, "period=2023")
    first = pages[0]
    assert "Summary" in first
    assert "1. Key figures" not in first  # the tables start on the next page
    assert "1. Key figures" in pages[1]
    # The RB priority areas come first, with their traffic lights.
    assert first.index("RB priority areas") < first.index("Commitments")
    assert (
        "Average progress of the commitments due in Year 2023 per RB priority area: "
        "Percepatan Penurunan Stunting 100.0% and Digitalisasi Administrasi Pemerintahan 80.0%."
    ) in first
    assert "Behind: Digitalisasi Administrasi Pemerintahan." in first
    assert "On track: Percepatan Penurunan Stunting." in first
    # Commitments, against the year before (a7, verified, was due in 2022).
    assert "In Year 2023, 7 commitments are in force; 3 verified by the Inspektorat" in first
    assert "Against Year 2022 (100.00%) the completion rate is down 57.1 points." in first
    # Follow-up: the monitoring of the year's second semester, against the year before's.
    assert "At the monitoring of Semester II 2023 (as of 31 December 2023), 2 of 8" in first
    assert "3 have not been reviewed yet" in first
    assert "Against the monitoring of Semester II 2022 (0.00%) the rate is up 25.0 points." in first
    # What is late, and who: the rule is stated.
    assert "Overdue: 3 commitments" in first
    assert "and 5 recommendations" in first
    assert (
        "Needing attention: Dinas Komunikasi dan Informatika (4 overdue, completion 33.33%) "
        "and Dinas Kesehatan (4 overdue, completion 50.00%)."
    ) in first
    assert "Rule: the OPDs with overdue commitments or recommendations" in first


def test_the_summary_in_indonesian_and_the_signature(city, client, login_as):
    factories.make_person(
        city.bappeda,
        hierarchy_role=HierarchyRole.INSPEKTUR,
        name="Dr. Dewi Inspektur",
        nip="197001011990032001",
    )
    db.session.commit()
    login_as(Role.PIMPINAN)
    client.post("/language", data={"lang": "id"})
    pages = _pages(client, "period=2023")
    first = pages[0]
    assert "Ringkasan" in first
    assert "Pada Tahun 2023 terdapat 7 komitmen yang berlaku" in first
    assert "tingkat penyelesaian 42,86%" in first
    assert "Dibandingkan Tahun 2022 (100,00%), tingkat penyelesaian turun 57,1 poin." in first
    assert "Perlu perhatian: Dinas Komunikasi dan Informatika (4 terlambat" in first
    last = pages[-1]
    assert "Demikian laporan ini disusun" in last
    assert "Inspektur Kota Malang" in last
    assert "Dr. Dewi Inspektur" in last
    assert "NIP 197001011990032001" in last


def test_all_time_has_nothing_to_compare_with(city, client, login_as):
    login_as(Role.ADMIN)
    first = _pages(client, "period=all")[0]
    assert "Summary" in first
    assert "Against" not in first
    assert "Improved since" not in first
