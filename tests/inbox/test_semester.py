"""The semester review through HTTP: which recommendations are due, saving the outcomes of
several rows at once (all or nothing, with the errors at their row), a recommendation
changed meanwhile, the form sent twice, "apply to the selected rows" without JavaScript,
and the rules directly."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

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
from tracker.models.base import utcnow
from tracker.models.finding import (
    Outcome,
    Recommendation,
    ReviewProposal,
    UnfollowableReason,
)
from tracker.services import findings as findings_svc
from tracker.services import reviews
from tracker.services import semester_review as svc
from tracker.services.errors import DomainError, NotAllowed

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

URL = "/inbox/semester?semester=2023-S2"
TOKEN = "c0ffee" * 5 + "00"


@pytest.fixture
def recs(app) -> dict[str, Any]:
    """Recommendations of reports received in 2023-S1 in every state, and one of a report
    received after the semester."""
    dinkes = factories.make_opd("DINKES", "Dinas Kesehatan")
    bappeda = factories.make_opd("BAPPEDA", "Badan Perencanaan Pembangunan Daerah")
    report = make_report(number="700/01/2023", received_on=dt.date(2023, 3, 1))
    finding = make_finding(report, [dinkes, bappeda], number="1", title="Aset belum dicatat")
    fresh = make_recommendation(finding, dinkes, number="1", text="Mencatat aset tetap")
    followed = make_recommendation(finding, bappeda, number="2", text="Menyusun SOP aset")
    make_link_evidence(make_follow_up(followed, description="SOP telah disusun."))
    pending = make_recommendation(finding, dinkes, number="3", text="Menegur pejabat")
    make_review(pending, Outcome.BELUM_SESUAI, "2023-S1")
    settled = make_recommendation(finding, dinkes, number="4", text="Sudah sesuai")
    make_review(settled, Outcome.SESUAI, "2023-S1")
    later_report = make_report(number="900/02/2024", received_on=dt.date(2024, 2, 1))
    later = make_recommendation(
        make_finding(later_report, [dinkes], number="1"), dinkes, number="1", text="Nanti"
    )
    return {
        "fresh": fresh,
        "followed": followed,
        "pending": pending,
        "settled": settled,
        "later": later,
        "dinkes": dinkes,
    }


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-testid="semester-row".*?</tr>', html, flags=re.S)


def _row_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-testid="semester-row" data-rec="(\d+)"', html)]


def _form(html: str) -> dict[str, str]:
    """The values the page's form would send (hidden fields and the rows' ids/versions)."""
    data = dict(
        re.findall(r'<input[^>]*name="(rows-\d+-(?:rec_id|version))"[^>]*value="(\d+)"', html)
    )
    token = re.search(r'name="submission_token" type="hidden" value="([0-9a-f]+)"', html)
    assert token, "the form carries a one-time token"
    data["submission_token"] = token.group(1)
    return data


def _index_of(html: str, rec: Recommendation) -> int:
    match = re.search(rf'name="rows-(\d+)-rec_id" type="hidden" value="{rec.id}"', html)
    assert match, f"recommendation {rec.id} is not on the page"
    return int(match.group(1))


def _reviews() -> int:
    """The reviews proposed (each awaits approval before it sets an outcome)."""
    return int(db.session.scalar(select(func.count()).select_from(ReviewProposal)) or 0)


def test_every_recommendation_due_in_the_semester_in_one_table(client, login_as, recs):
    login_as(Role.INSPEKTORAT)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _row_ids(html) == [recs["fresh"].id, recs["followed"].id, recs["pending"].id]
    rows = _rows(html)
    assert "Mencatat aset tetap" in rows[0] and "DINKES" in rows[0]
    assert "None yet" in rows[0]  # no follow-up
    assert "SOP telah disusun." in rows[1] and "1 piece of evidence" in rows[1]
    assert 'data-outcome="belum_sesuai"' in rows[2] and "2023-S1" in rows[2]
    assert "Semester II 2023" in html
    # Each row links to the finding page at the recommendation, its review form open.
    fresh = recs["fresh"]
    assert f'href="/findings/{fresh.finding_id}?review={fresh.id}#rec-{fresh.id}"' in rows[0]

    # The report received after the semester is due from 2024-S1 on; filters narrow.
    html = client.get("/inbox/semester?semester=2024-S1").get_data(as_text=True)
    assert recs["later"].id in _row_ids(html)
    html = client.get(f"{URL}&opd={recs['dinkes'].id}").get_data(as_text=True)
    assert _row_ids(html) == [recs["fresh"].id, recs["pending"].id]
    html = client.get(f"{URL}&q=SOP").get_data(as_text=True)
    assert _row_ids(html) == [recs["followed"].id]


def test_a_semester_reviewed_is_left_out_by_the_pending_filter(client, login_as, recs):
    login_as(Role.INSPEKTORAT)
    make_review(recs["fresh"], Outcome.BELUM_DITINDAKLANJUTI, "2023-S2")
    html = client.get(f"{URL}&pending=1").get_data(as_text=True)
    assert _row_ids(html) == [recs["followed"].id, recs["pending"].id]
    html = client.get(URL).get_data(as_text=True)
    assert "this semester" in _rows(html)[0]


@pytest.mark.parametrize("semester", ["2023-S3", "abc", "1999-S1", "2999-S1"])
def test_a_semester_that_is_not_one_is_a_bad_request(client, login_as, recs, semester):
    login_as(Role.INSPEKTORAT)
    assert client.get(f"/inbox/semester?semester={semester}").status_code == 400


def test_no_recommendation_due(client, login_as):
    login_as(Role.INSPEKTORAT)
    html = client.get(URL).get_data(as_text=True)
    assert "No recommendation is due for review in this semester." in html
    assert 'data-testid="semester-form"' not in html


def test_the_rows_set_are_proposed_together_and_set_the_outcome_once_approved(
    client, login_as, recs, app
):
    user = login_as(Role.INSPEKTORAT)
    html = client.get(URL).get_data(as_text=True)
    data = _form(html)
    fresh, followed, pending = (_index_of(html, recs[k]) for k in ("fresh", "followed", "pending"))
    data.update(
        {
            f"rows-{fresh}-outcome": "belum_sesuai",
            f"rows-{fresh}-new_due_on": "2023-12-31",
            f"rows-{fresh}-note": "Inventarisasi baru 60%.",
            f"rows-{followed}-outcome": "tidak_dapat_ditindaklanjuti",
            f"rows-{followed}-reason": "tidak_efektif",
            "save": "1",
        }
    )
    response = client.post(URL, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    assert response.headers["Location"].endswith(URL)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 reviews for Semester II 2023 proposed; they await the Inspektur" in page
    assert page.count('data-testid="pending-proposal"') == 2

    db.session.expire_all()
    first = db.session.get(Recommendation, recs["fresh"].id)
    second = db.session.get(Recommendation, recs["followed"].id)
    assert first.outcome is None and second.outcome is None  # nothing official yet
    proposals = list(db.session.scalars(select(ReviewProposal).order_by(ReviewProposal.id)))
    assert [(p.recommendation_id, p.outcome, p.proposed_by_id) for p in proposals] == [
        (first.id, Outcome.BELUM_SESUAI, user.id),
        (second.id, Outcome.TIDAK_DAPAT_DITINDAKLANJUTI, user.id),
    ]
    assert proposals[0].new_due_on == dt.date(2023, 12, 31)
    assert proposals[0].note == "Inventarisasi baru 60%."

    approver = factories.make_user(Role.ADMIN)
    reviews.approve(approver, [(p.id, p.version) for p in proposals], now=utcnow())
    db.session.commit()
    db.session.expire_all()
    today = findings_svc.today_of(utcnow())
    first = db.session.get(Recommendation, recs["fresh"].id)
    second = db.session.get(Recommendation, recs["followed"].id)
    untouched = db.session.get(Recommendation, recs["pending"].id)
    assert (first.outcome, first.outcome_period, first.due_on) == (
        Outcome.BELUM_SESUAI,
        "2023-S2",
        dt.date(2023, 12, 31),
    )
    (review,) = first.reviews
    assert review.note == "Inventarisasi baru 60%."
    assert review.reviewer_id == approver.id
    assert findings_svc.today_of(review.reviewed_at) == today
    assert second.outcome is Outcome.TIDAK_DAPAT_DITINDAKLANJUTI
    assert second.reviews[0].reason is UnfollowableReason.NOT_EFFECTIVE
    assert untouched.outcome is Outcome.BELUM_SESUAI and untouched.outcome_period == "2023-S1"
    assert pending is not None


def test_a_row_in_error_saves_nothing_and_says_where(client, login_as, recs):
    login_as(Role.INSPEKTORAT)
    html = client.get(URL).get_data(as_text=True)
    data = _form(html)
    fresh, followed, pending = (_index_of(html, recs[k]) for k in ("fresh", "followed", "pending"))
    data.update(
        {
            f"rows-{fresh}-outcome": "belum_ditindaklanjuti",
            f"rows-{followed}-outcome": "belum_sesuai",  # no new deadline
            f"rows-{pending}-note": "Catatan tanpa hasil reviu",  # a note, no outcome
            "save": "1",
        }
    )
    before = _reviews()
    response = client.post(URL, data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "2 rows have errors; nothing was saved." in html
    rows = _rows(html)
    assert "Outcome 2 (not yet matching) needs a new deadline." in rows[followed]
    assert "Choose an outcome for this row, or clear its other fields." in rows[pending]
    assert "table-danger" in rows[followed] and "table-danger" not in rows[fresh]
    # What was typed is kept on the page.
    assert 'selected value="belum_ditindaklanjuti"' in rows[fresh]
    assert "Catatan tanpa hasil reviu" in rows[pending]
    assert _reviews() == before

    # Corrected, the same form (and token) saves.
    data[f"rows-{followed}-new_due_on"] = "2024-03-31"
    data[f"rows-{pending}-note"] = ""
    assert client.post(URL, data=data).status_code == 302
    assert _reviews() == before + 2


def test_nothing_set_is_refused(client, login_as, recs):
    login_as(Role.INSPEKTORAT)
    html = client.get(URL).get_data(as_text=True)
    response = client.post(URL, data={**_form(html), "save": "1"})
    assert response.status_code == 400
    assert "Set the outcome of at least one recommendation; nothing was saved." in (
        response.get_data(as_text=True)
    )


def test_a_recommendation_reviewed_meanwhile_is_reported_not_overwritten(client, login_as, recs):
    login_as(Role.INSPEKTORAT)
    html = client.get(URL).get_data(as_text=True)
    data = _form(html)
    fresh, followed = _index_of(html, recs["fresh"]), _index_of(html, recs["followed"])
    data.update(
        {
            f"rows-{fresh}-outcome": "belum_ditindaklanjuti",
            f"rows-{followed}-outcome": "sesuai",
            f"rows-{followed}-note": "Bukti lengkap",
            "save": "1",
        }
    )
    # Meanwhile a colleague rates the second one (another screen, the same semester).
    colleague = factories.make_user(Role.INSPEKTORAT, name="Rekan Auditor")
    other = db.session.get(Recommendation, recs["followed"].id)
    findings_svc.record_review(
        colleague,
        other,
        period="2023-S2",
        outcome="belum_sesuai",
        new_due_on=dt.date(2024, 1, 31),
        now=utcnow(),
    )
    db.session.commit()
    before = _reviews()

    response = client.post(URL, data=data)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    rows = _rows(html)
    assert "was changed by someone else since this screen was opened" in rows[followed]
    assert 'data-outcome="belum_sesuai"' in rows[followed]  # its current outcome
    assert _reviews() == before
    db.session.expire_all()
    stored = db.session.get(Recommendation, recs["followed"].id)
    assert stored.outcome is Outcome.BELUM_SESUAI and stored.reviews[0].reviewer_id == colleague.id

    # The row now carries the current version: saving again is a deliberate overwrite.
    version = re.search(rf'name="rows-{followed}-version" type="hidden" value="(\d+)"', html)
    assert version and int(version.group(1)) == stored.version
    data[f"rows-{followed}-version"] = version.group(1)
    assert client.post(URL, data=data).status_code == 302
    db.session.expire_all()
    proposed = db.session.scalar(
        select(ReviewProposal).where(ReviewProposal.recommendation_id == recs["followed"].id)
    )
    assert proposed.outcome is Outcome.SESUAI


def test_the_form_sent_twice_is_saved_once(client, login_as, recs):
    login_as(Role.INSPEKTORAT)
    html = client.get(URL).get_data(as_text=True)
    data = {
        **_form(html),
        "submission_token": TOKEN,
        f"rows-{_index_of(html, recs['fresh'])}-outcome": "belum_ditindaklanjuti",
        "save": "1",
    }
    first = client.post(URL, data=data)
    assert first.status_code == 302
    second = client.post(URL, data=data)
    assert second.status_code == 303  # sent where the first went, not a conflict
    assert second.headers["Location"] == first.headers["Location"]
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "This form had already been sent" in page
    assert len(db.session.get(Recommendation, recs["fresh"].id).proposals) == 1


def test_apply_to_the_selected_rows_without_javascript(client, login_as, recs):
    login_as(Role.INSPEKTORAT)
    html = client.get(URL).get_data(as_text=True)
    fresh, followed, pending = (_index_of(html, recs[k]) for k in ("fresh", "followed", "pending"))
    data = {
        **_form(html),
        f"rows-{fresh}-selected": "y",
        f"rows-{pending}-selected": "y",
        f"rows-{pending}-note": "tetap",
        "bulk_outcome": "belum_sesuai",
        "bulk_new_due_on": "2024-06-30",
        "bulk_note": "Tindak lanjut belum lengkap.",
        "apply": "1",
    }
    before = _reviews()
    response = client.post(URL, data=data)
    assert response.status_code == 200
    rows = _rows(response.get_data(as_text=True))
    for index in (fresh, pending):
        assert 'selected value="belum_sesuai"' in rows[index]
        assert 'value="2024-06-30"' in rows[index]
        assert "Tindak lanjut belum lengkap." in rows[index]
    assert 'selected value="belum_sesuai"' not in rows[followed]
    assert "Applied to 2 selected rows; check and save." in response.get_data(as_text=True)
    assert _reviews() == before  # nothing saved yet


# --- the rules, directly -------------------------------------------------------------------


def _row(index: int, rec: Recommendation | None, **kw: Any) -> svc.RowReview:
    return svc.RowReview(index=index, rec=rec, version=rec.version if rec else 1, **kw)


def test_only_the_inspektorat_reviews(app, recs):
    reader = factories.make_user(Role.PIMPINAN)
    with pytest.raises(NotAllowed):
        svc.review_semester(
            reader, "2023-S2", [_row(0, recs["fresh"], outcome="sesuai")], now=utcnow()
        )


def test_rows_not_found_or_listed_twice_are_refused(app, recs):
    inspector = factories.make_user(Role.INSPEKTORAT)
    fresh = recs["fresh"]
    with pytest.raises(svc.InvalidRows) as refused:
        svc.review_semester(
            inspector,
            "2023-S2",
            [
                _row(0, fresh, outcome="sesuai"),
                _row(1, fresh, outcome="belum_ditindaklanjuti"),
                _row(2, None, outcome="sesuai"),
                _row(3, None),  # an empty row of nothing: ignored
            ],
            now=utcnow(),
        )
    assert sorted(refused.value.rows) == [1, 2]
    assert refused.value.message == "2 rows have errors; nothing was saved."


def test_a_semester_is_required_and_not_in_the_future(app, recs):
    inspector = factories.make_user(Role.INSPEKTORAT)
    with pytest.raises(DomainError) as refused:
        svc.review_semester(
            inspector, "2023", [_row(0, recs["fresh"], outcome="sesuai")], now=utcnow()
        )
    assert refused.value.field == "semester"
    future = f"{utcnow().year + 1}-S1"
    with pytest.raises(svc.InvalidRows) as refused_rows:
        svc.review_semester(
            inspector, future, [_row(0, recs["fresh"], outcome="sesuai")], now=utcnow()
        )
    assert refused_rows.value.rows[0][0].message == "The semester cannot be in the future."


def test_the_screen_runs_the_same_number_of_queries_at_two_sizes(
    client, login_as, count_queries, app
):
    login_as(Role.INSPEKTORAT)
    opd = factories.make_opd()
    author = factories.make_user(Role.OPD, opd=opd)
    reviewer = factories.make_user(Role.INSPEKTORAT)
    report = make_report(received_on=dt.date(2023, 3, 1))

    def grow(count: int) -> None:
        for _ in range(count):
            finding = make_finding(report, [opd])
            rec = make_recommendation(finding, opd)
            make_review(rec, Outcome.BELUM_DITINDAKLANJUTI, "2023-S1", reviewer=reviewer)
            for _ in range(2):
                make_link_evidence(make_follow_up(rec, author=author))

    grow(2)
    client.get(URL)  # warm up
    with count_queries() as small:
        assert client.get(URL).status_code == 200
    grow(12)
    opd_id = opd.id
    with count_queries() as large:
        assert client.get(URL).status_code == 200
    assert large.count == small.count, "\n".join(large.statements)
    with count_queries() as filtered:
        assert client.get(f"{URL}&opd={opd_id}&pending=1&q=Rekomendasi&sort=opd").status_code == 200
    assert filtered.count == small.count, "\n".join(filtered.statements)
