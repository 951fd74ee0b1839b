"""The OPD's own progress (a follow-up's percentage) kept apart from the official outcome
that only a review sets, and shown side by side (Indonesian, the default language)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.findings.factories import (
    make_finding,
    make_follow_up,
    make_link_evidence,
    make_recommendation,
    make_report,
    make_review,
)
from tracker.extensions import db
from tracker.models import Role
from tracker.models.finding import FollowUp, Outcome, Recommendation
from tracker.services import findings as svc
from tracker.services.errors import DomainError


@pytest.fixture
def setup(app):
    opd = factories.make_opd("DINKES", "Dinas Kesehatan")
    finding = make_finding(make_report(), [opd], title="Aset belum tertib")
    rec = make_recommendation(finding, opd, number="1", text="Inventarisasi aset")
    return {
        "opd": opd,
        "finding": finding,
        "rec": rec,
        "user": factories.make_user(Role.OPD, opd=opd),
    }


def _data(rec: Recommendation, **extra: str) -> dict[str, str]:
    p = f"fu{rec.id}-"
    data = {
        p + "description": "Inventarisasi di 16 puskesmas selesai.",
        p + "progress": "80",
        p + "links-0-url": "https://example.org/ba-inventarisasi",
        p + "links-0-label": "BA inventarisasi",
        p + "links-0-refers_to_on": "2023-07-20",
        p + "links-1-url": "https://example.org/foto",
        p + "links-1-refers_to_on": "2023-07-21",
    }
    data.update({p + k: v for k, v in extra.items()})
    return data


def _status(html: str) -> str:
    """The text of the first outcome-and-progress pair on a page."""
    start = html.rindex("<span", 0, html.index('data-testid="status-pair"'))
    depth, pos = 0, start
    for tag in re.finditer(r"<(/?)span\b", html[start:]):
        depth += -1 if tag.group(1) else 1
        pos = start + tag.end()
        if depth == 0:
            break
    return " ".join(html[start:pos].split())


def test_progress_is_stored_and_shown_beside_the_official_outcome(client, login, setup):
    rec = setup["rec"]
    make_review(rec, Outcome.BELUM_DITINDAKLANJUTI, "2023-S1")
    login(setup["user"])
    url = f"/findings/recommendations/{rec.id}/follow-up"
    response = client.post(url, data=_data(rec))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    rec = db.session.get(Recommendation, rec.id)
    assert (rec.progress, rec.outcome) == (80, Outcome.BELUM_DITINDAKLANJUTI)
    assert db.session.scalar(select(FollowUp.progress)) == 80

    detail = client.get(f"/findings/{rec.finding_id}").get_data(as_text=True)
    pair = _status(detail)
    # "80% done but officially 3", plainly.
    assert "Status resmi" in pair and 'data-outcome="belum_ditindaklanjuti"' in pair
    assert "OPD melaporkan 80%" in pair
    assert "sedang diproses" in pair
    assert "2 dokumen" in pair
    assert "kemajuan 80%" in detail  # on the follow-up itself
    listing = client.get("/findings/").get_data(as_text=True)
    pair = _status(listing)
    assert 'data-outcome="belum_ditindaklanjuti"' in pair
    assert "OPD melaporkan 80%" in pair and "sedang diproses" in pair and "2 dokumen" in pair


def test_progress_defaults_to_the_last_one_given(client, login, setup):
    rec = setup["rec"]
    login(setup["user"])
    url = f"/findings/recommendations/{rec.id}/follow-up"
    page = client.get(f"/findings/{rec.finding_id}").get_data(as_text=True)
    assert _value_of(page, f"fu{rec.id}-progress") == ""
    assert client.post(url, data=_data(rec, progress="35")).status_code == 302
    page = client.get(f"/findings/{rec.finding_id}").get_data(as_text=True)
    assert _value_of(page, f"fu{rec.id}-progress") == "35"
    assert "Kemajuan terakhir yang dilaporkan: 35%." in page


def _value_of(html: str, name: str) -> str:
    marker = f'name="{name}"'
    start = html.index(marker)
    tag = html[html.rindex("<", 0, start) : html.index(">", start)]
    if 'value="' not in tag:
        return ""
    return tag.split('value="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize(
    ("progress", "message"),
    [
        ("", "Isian ini wajib diisi."),
        ("101", "100"),
        ("-1", "100"),
        ("delapan puluh", "bilangan bulat"),
    ],
)
def test_progress_refusals(client, login, setup, progress, message):
    rec = setup["rec"]
    login(setup["user"])
    response = client.post(
        f"/findings/recommendations/{rec.id}/follow-up", data=_data(rec, progress=progress)
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 0
    assert db.session.get(Recommendation, rec.id).progress is None


def test_service_rules_for_progress(app, setup):
    rec, user = setup["rec"], setup["user"]
    now = dt.datetime(2023, 8, 1, 3, 0, tzinfo=dt.UTC)
    with pytest.raises(DomainError) as err:
        svc.submit_follow_up(user, rec, description="x", progress=120, now=now)
    assert err.value.field == "progress"
    first = svc.submit_follow_up(user, rec, description="x", progress="60", now=now)
    # Left out: the last progress given; the outcome is untouched.
    second = svc.submit_follow_up(user, rec, description="y", now=now + dt.timedelta(days=1))
    assert (first.progress, second.progress, rec.progress, rec.outcome) == (60, 60, 60, None)


def test_reviewed_after_the_follow_up_is_no_longer_in_process(client, login, setup):
    rec = setup["rec"]
    follow_up = make_follow_up(rec, author=setup["user"], progress=100)
    make_link_evidence(follow_up)
    rec.progress = 100
    db.session.commit()
    make_review(
        rec,
        Outcome.BELUM_SESUAI,
        "2023-S1",
        reviewed_at=dt.datetime(2023, 6, 20, 3, 0, tzinfo=dt.UTC),
    )
    login(setup["user"])
    pair = _status(client.get(f"/findings/{rec.finding_id}").get_data(as_text=True))
    assert 'data-outcome="belum_sesuai"' in pair and "OPD melaporkan 100%" in pair
    assert "sedang diproses" not in pair and "1 dokumen" in pair


def test_no_follow_up_yet(client, login_as, setup):
    login_as(Role.INSPEKTORAT)
    pair = _status(client.get(f"/findings/{setup['finding'].id}").get_data(as_text=True))
    assert 'data-outcome="none"' in pair
    assert "Belum ada tindak lanjut dari OPD" in pair
