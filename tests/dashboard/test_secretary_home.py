"""An OPD secretary's home never shows a rank or a completion rate that the list of overdue
items above it contradicts: by default it counts every item (all time), the overdue list
comes first, and a period that leaves overdue items out says so instead of ranking."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests import factories
from tests.dashboard.factories_dashboard import make_commitment
from tracker.extensions import db
from tracker.i18n import today_wib
from tracker.models import Role
from tracker.models.commitment import CommitmentStatus

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")
S = CommitmentStatus


@pytest.fixture
def world(app):
    today = today_wib()
    this_year = dt.date(today.year, 1, 1)
    dinkes = factories.make_opd("DINKES", "Dinas Kesehatan", sort_order=1)
    bappeda = factories.make_opd("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", sort_order=2)
    # DINKES: everything due this year is verified, but last year's commitment is overdue.
    make_commitment(dinkes, S.VERIFIED, this_year, progress=100, statement="Selesai tahun ini")
    make_commitment(
        dinkes,
        S.ACTIVE,
        this_year - dt.timedelta(days=30),
        progress=40,
        statement="Tertunda dari tahun lalu",
    )
    # BAPPEDA: one verified, nothing overdue.
    make_commitment(bappeda, S.VERIFIED, this_year, progress=100)
    db.session.commit()
    return {"dinkes": dinkes, "bappeda": bappeda, "year": today.year}


def _text(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</', html, re.S)
    assert match, testid
    return " ".join(match.group(1).split())


def test_the_home_counts_every_item_and_lists_the_overdue_first(world, client, login):
    login(factories.make_user(Role.OPD, opd=world["dinkes"]))
    html = client.get("/").get_data(as_text=True)
    assert "All time" in _text(html, "dashboard-period")
    overdue = html.index('data-testid="overdue-block"')
    assert overdue < html.index('data-testid="opd-rank"') < html.index('id="key-figures"')
    assert "Tertunda dari tahun lalu" in html[overdue:]
    # 1 of 2 verified: not "100%" beside an overdue commitment.
    assert _text(html, "stat-completion") == "50.00%"
    # BAPPEDA has nothing overdue: it ranks first, DINKES after it, and the page says why.
    rank = _text(html, "opd-rank")
    assert rank.startswith("Rank 2 of 2 OPDs: overdue items of this OPD: 1")
    assert "Rank 1" not in html
    assert 'data-testid="overdue-elsewhere"' not in html


def test_a_period_that_leaves_overdue_items_out_shows_no_rank(world, client, login):
    login(factories.make_user(Role.OPD, opd=world["dinkes"]))
    html = client.get(f"/?period={world['year']}").get_data(as_text=True)
    # This year's figures alone: 100 %, and DINKES would tie for rank 1 ...
    assert _text(html, "stat-completion") == "100.00%"
    # ... so the rank is not shown beside the overdue list, and the figures say why.
    assert "Rank" not in _text(html, "opd-rank")
    assert "is not shown: 1 overdue items listed above fall outside this period" in html
    assert "fall outside Year" in _text(html, "overdue-elsewhere")


def test_a_clean_opd_sees_its_rank(world, client, login):
    login(factories.make_user(Role.OPD, opd=world["bappeda"]))
    html = client.get("/").get_data(as_text=True)
    assert _text(html, "opd-rank") == (
        "Rank 1 of 2 OPDs: nothing overdue, ranked by completion rate."
    )
    assert 'data-testid="overdue-commitments"' not in html


def test_the_home_in_indonesian(world, client, login):
    login(factories.make_user(Role.OPD, opd=world["dinkes"]))
    client.post("/language", data={"lang": "id"})
    html = client.get("/").get_data(as_text=True)
    assert "Seluruh waktu" in _text(html, "dashboard-period")
    assert _text(html, "stat-completion") == "50,00%"
    assert _text(html, "opd-rank").startswith("Peringkat 2 dari 2 OPD")
