"""The inbox through HTTP: what waits for verification or review, oldest first, each row
linking to the exact item; the evidence added since the previous visit; the badge in the
navigation; who may open it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.commitments.factories_commitments import make_commitment
from tests.findings.factories import make_finding, make_recommendation, make_report, make_review
from tests.inbox.factories_inbox import (
    AUGUST,
    awaiting,
    commitment_evidence,
    follow_up_evidence,
    reported_done,
)
from tracker.extensions import db
from tracker.models import AuditLog, InboxSeen, Role
from tracker.models.commitment import CommitmentStatus
from tracker.models.finding import Outcome
from tracker.services.inbox_list import INBOX_PER_PAGE

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

HOUR = dt.timedelta(hours=1)


def _rows(html: str, testid: str) -> list[str]:
    return re.findall(rf'<tr data-testid="{testid}".*?</tr>', html, flags=re.S)


def _section(html: str, name: str) -> str:
    start = html.index(f'data-testid="section-{name}"')
    end = html.index("</section>", start)
    return html[start:end]


@pytest.fixture
def queue(app):
    """Two OPDs, commitments in several states, recommendations of one finding in
    several review states."""
    dinkes = factories.make_opd("DINKES", "Dinas Kesehatan")
    bappeda = factories.make_opd("BAPPEDA", "Badan Perencanaan Pembangunan Daerah")
    newer = reported_done(dinkes, AUGUST + 5 * HOUR, statement="Menerbitkan SOP layanan")
    older = reported_done(bappeda, AUGUST, statement="Menyusun Renstra 2025-2029")
    make_commitment(dinkes, status=CommitmentStatus.ACTIVE, statement="Masih berjalan")
    make_commitment(dinkes, status=CommitmentStatus.VERIFIED, statement="Sudah diverifikasi")
    finding = make_finding(make_report(), [dinkes, bappeda], number="1", title="IKU")
    late, late_follow_up = awaiting(finding, dinkes, AUGUST + 2 * HOUR, number="2")
    early, early_follow_up = awaiting(finding, bappeda, AUGUST, number="1")
    reviewed, _ = awaiting(finding, dinkes, AUGUST - 48 * HOUR, number="3")
    make_review(reviewed, Outcome.BELUM_SESUAI, "2023-S2", reviewed_at=AUGUST - HOUR)
    make_recommendation(finding, dinkes, number="4")  # never followed up
    return {
        "commitments": [older, newer],
        "recs": [early, late],
        "follow_ups": [early_follow_up, late_follow_up],
        "reviewed": reviewed,
        "finding": finding,
    }


def test_what_waits_oldest_first_each_row_to_the_exact_item(client, login_as, queue):
    login_as(Role.INSPEKTORAT)
    html = client.get("/inbox/").get_data(as_text=True)

    verify = _section(html, "verify")
    assert 'data-testid="count">2<' in verify
    rows = _rows(verify, "verify-row")
    assert ["Renstra" in rows[0], "SOP layanan" in rows[1]] == [True, True]
    for row, commitment in zip(rows, queue["commitments"], strict=True):
        assert f'href="/commitments/{commitment.id}#review-heading"' in row
    assert "Masih berjalan" not in html and "Sudah diverifikasi" not in html

    review = _section(html, "review")
    assert 'data-testid="count">2<' in review
    rows = _rows(review, "review-row")
    finding_id = queue["finding"].id
    for row, rec in zip(rows, queue["recs"], strict=True):
        assert f'data-rec="{rec.id}"' in row
        assert f'href="/findings/{finding_id}?review={rec.id}#rec-{rec.id}"' in row
    assert f'data-rec="{queue["reviewed"].id}"' not in html


def test_the_finding_page_opens_the_review_form_the_link_names(client, login_as, queue):
    login_as(Role.INSPEKTORAT)
    early, late = queue["recs"]
    html = client.get(f"/findings/{queue['finding'].id}?review={late.id}").get_data(as_text=True)
    assert re.search(rf'<details class="mt-2" id="rec-{late.id}-review"\s+open>', html)
    assert re.search(rf'<details class="mt-2" id="rec-{early.id}-review"\s+>', html)
    # and nothing is opened by a value that names no recommendation of the page
    html = client.get(f"/findings/{queue['finding'].id}?review=x").get_data(as_text=True)
    assert not re.search(r'id="rec-\d+-review"\s+open', html)


def test_new_evidence_is_what_was_added_since_the_previous_visit(client, login_as, queue, app):
    user = login_as(Role.INSPEKTORAT)
    commitment = queue["commitments"][0]
    old_commitment_item = commitment_evidence(commitment, AUGUST, name="renstra-final")
    old_follow_up_item = follow_up_evidence(queue["follow_ups"][1], AUGUST + HOUR, name="sk-iku")

    first = client.get("/inbox/").get_data(as_text=True)
    evidence = _section(first, "evidence")
    assert "Your first visit" in evidence
    rows = _rows(evidence, "evidence-row")
    assert [("renstra-final" in rows[0]), ("sk-iku" in rows[1])] == [True, True]
    assert 'data-kind="commitment"' in rows[0] and 'data-kind="follow_up"' in rows[1]
    assert f'href="/commitments/{commitment.id}"' in rows[0]
    rec = queue["recs"][1]
    assert f'href="/findings/{queue["finding"].id}?review={rec.id}#rec-{rec.id}"' in rows[1]
    seen = db.session.get(InboxSeen, user.id)
    assert seen is not None
    first_seen = seen.seen_at

    # Nothing new since: the section is empty, and says since when.
    second = _section(client.get("/inbox/").get_data(as_text=True), "evidence")
    assert _rows(second, "evidence-row") == []
    assert "No new evidence since your previous visit." in second
    assert "Added since your previous visit" in second

    fresh = follow_up_evidence(queue["follow_ups"][0], name="laporan-baru")
    audit_before = db.session.scalar(select(func.count()).select_from(AuditLog))
    third = _section(client.get("/inbox/").get_data(as_text=True), "evidence")
    rows = _rows(third, "evidence-row")
    assert len(rows) == 1 and "laporan-baru" in rows[0]
    assert 'data-testid="count">1<' in third
    assert old_commitment_item.id and old_follow_up_item.id and fresh.id

    db.session.expire_all()
    assert db.session.get(InboxSeen, user.id).seen_at > first_seen
    # Reading the inbox is not a change of a record: no audit entry.
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == audit_before


def test_each_section_pages_on_its_own_and_keeps_its_window(client, login_as, queue):
    login_as(Role.INSPEKTORAT)
    client.get("/inbox/")  # the visit before
    follow_up = queue["follow_ups"][0]
    for n in range(INBOX_PER_PAGE + 2):
        follow_up_evidence(follow_up, name=f"lampiran-{n:02d}")
    html = client.get("/inbox/").get_data(as_text=True)
    evidence = _section(html, "evidence")
    assert len(_rows(evidence, "evidence-row")) == INBOX_PER_PAGE
    assert f'data-testid="count">{INBOX_PER_PAGE + 2}<' in evidence
    match = re.search(r'href="([^"]*epage=2[^"]*)" rel="next"', evidence)
    assert match, evidence[-1500:]
    next_url = match.group(1).replace("&amp;", "&")
    assert "since=" in next_url
    # The visit above recorded itself as seen: the link keeps the window it showed.
    rows = _rows(_section(client.get(next_url).get_data(as_text=True), "evidence"), "evidence-row")
    assert ["lampiran-10" in rows[0], "lampiran-11" in rows[1], len(rows)] == [True, True, 2]
    # The other sections keep their first page.
    assert len(_rows(_section(html, "review"), "review-row")) == 2


def test_empty_inbox(client, login_as):
    login_as(Role.ADMIN)
    html = client.get("/inbox/").get_data(as_text=True)
    assert "No commitment is awaiting verification." in html
    assert "No follow-up is awaiting review." in html
    assert "No evidence has been added yet." in html
    assert 'data-testid="nav-badge"' not in html


@pytest.mark.parametrize("role", [Role.PIMPINAN, Role.OPD])
def test_only_the_inspektorat_opens_it(client, login_as, queue, role):
    login_as(role)
    assert client.get("/inbox/").status_code == 403
    assert client.get("/inbox/semester").status_code == 403
    page = client.get("/reminders/").get_data(as_text=True)
    assert 'data-testid="nav-inbox-index"' not in page
    assert 'data-testid="nav-badge"' not in page


def test_the_navigation_counts_what_waits(client, login_as, queue, count_queries):
    login_as(Role.INSPEKTORAT)
    page = client.get("/reminders/").get_data(as_text=True)
    badge = re.search(r'data-testid="nav-badge" title="([^"]*)">(\d+)<', page)
    assert badge, page[:3000]
    assert badge.group(2) == "4"
    assert badge.group(1) == (
        "2 commitments awaiting verification, 2 recommendations awaiting review"
    )
    # One aggregated query, whatever the page.
    with count_queries() as queries:
        client.get("/reminders/")
    counted = [
        s for s in queries.statements if "FROM commitment" in s or "last_follow_up_at >" in s
    ]
    assert len(counted) == 1, counted
    assert "FROM commitment" in counted[0] and "last_follow_up_at >" in counted[0]


def test_the_inbox_runs_the_same_number_of_queries_at_two_sizes(
    client, login_as, count_queries, app
):
    login_as(Role.INSPEKTORAT)
    opd = factories.make_opd()
    author = factories.make_user(Role.OPD, opd=opd)
    n = 0

    def grow(count: int) -> None:
        nonlocal n
        for _ in range(count):
            n += 1
            commitment = reported_done(opd, AUGUST + n * HOUR)
            commitment_evidence(commitment, name=f"c{n}")
            finding = make_finding(make_report(), [opd], number=str(n))
            _rec, follow_up = awaiting(finding, opd, AUGUST + n * HOUR, author=author)
            follow_up_evidence(follow_up, name=f"f{n}")

    grow(2)
    client.get("/inbox/")  # warm up (and the first visit)
    with count_queries() as small:
        assert client.get("/inbox/?since=1").status_code == 200
    grow(INBOX_PER_PAGE + 3)
    with count_queries() as large:
        assert client.get("/inbox/?since=1").status_code == 200
    assert large.count == small.count, "\n".join(large.statements)
    with count_queries() as paged:
        assert client.get("/inbox/?since=1&vpage=2&rpage=2&epage=3").status_code == 200
    assert paged.count == small.count


def test_a_link_from_another_moment_is_only_a_window(client, login_as, queue):
    """``since`` only narrows what the page shows; nonsense is ignored."""
    login_as(Role.INSPEKTORAT)
    follow_up_evidence(queue["follow_ups"][0], name="lama")
    for value in ("abc", "-5", "9" * 30, "99999999999999"):
        assert client.get(f"/inbox/?since={value}").status_code == 200
