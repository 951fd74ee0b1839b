"""The two-step review through HTTP: an auditor proposes, an approver approves (several
at once, as one numbered decision letter) or sends back; only approval sets the official
outcome; who may do which; the letter's page and PDF; the approval flag of a login."""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
from typing import Any

import pdfplumber
import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from tests import factories
from tests.findings.factories import (
    make_finding,
    make_follow_up,
    make_recommendation,
    make_report,
)
from tests.test_pdf_layout import layout_problems, read_pdf, signature_problems
from tracker.extensions import db
from tracker.models import HierarchyRole, Role, User
from tracker.models.finding import (
    Outcome,
    ProposalStatus,
    Recommendation,
    RecommendationReview,
    ReportKind,
    ReviewProposal,
)
from tracker.models.letter import Letter
from tracker.models.reference import LetterKind
from tracker.services import reviews
from tracker.services.errors import ConflictError

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

PERIOD = "2023-S2"
TOKEN = "0123456789abcdef0123456789abcdef"
INSPEKTUR = "Dr. Hadi Santoso, S.E., M.Si."
INSPEKTUR_NIP = "197402151999031004"


def _html(response: Any) -> str:
    return response.get_data(as_text=True)


def _count(model: Any, *where: Any) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _approver(**kw: Any) -> User:
    return factories.make_user(Role.INSPEKTORAT, approves_decisions=True, **kw)


@pytest.fixture
def world(app) -> dict[str, Any]:
    dinkes = factories.make_opd("DINKES", "Dinas Kesehatan")
    report = make_report(kind=ReportKind.LHP_BPK, year=2022, number="45.A/LHP/XVIII.SBY/05/2023")
    finding = make_finding(report, [dinkes], number="1", title="Kelebihan pembayaran perjalanan")
    first = make_recommendation(finding, dinkes, number="1", text="Setorkan kelebihan bayar")
    second = make_recommendation(finding, dinkes, number="2", text="Tegur PPK secara tertulis")
    make_follow_up(first, description="Bukti setor STS terlampir.")
    return {
        "dinkes": dinkes,
        "report": report,
        "finding": finding,
        "first": first,
        "second": second,
        "auditor": factories.make_user(Role.INSPEKTORAT, name="Auditor Satu"),
    }


def _proposal_data(rec: Recommendation, **extra: str) -> dict[str, str]:
    p = f"rv{rec.id}-"
    data = {p + "period": PERIOD, p + "outcome": "sesuai", p + "note": "Sudah disetor penuh."}
    data.update({p + k: v for k, v in extra.items()})
    return data


def _propose(client: Any, rec: Recommendation, **extra: str) -> Any:
    return client.post(
        f"/findings/recommendations/{rec.id}/review", data=_proposal_data(rec, **extra)
    )


def _pending(rec: Recommendation) -> ReviewProposal:
    db.session.expire_all()
    return db.session.scalars(
        select(ReviewProposal).where(
            ReviewProposal.recommendation_id == rec.id,
            ReviewProposal.status == ProposalStatus.PENDING,
        )
    ).one()


def _pick(*proposals: ReviewProposal) -> dict[str, list[str]]:
    return {"pick": [f"{p.id}:{p.version}" for p in proposals]}


def _propose_as(
    user: User, rec: Recommendation, outcome: Outcome = Outcome.SESUAI
) -> ReviewProposal:
    proposal = reviews.propose(
        user, rec, period=PERIOD, outcome=outcome, note=f"Catatan {rec.number}", now=_now()
    )
    db.session.commit()
    return proposal


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- proposing ---------------------------------------------------------------------------


def test_a_proposal_does_not_set_the_outcome(client, login, world):
    rec = world["first"]
    login(world["auditor"])
    response = _propose(client, rec)
    assert response.status_code == 302, _html(response)[:3000]
    db.session.expire_all()
    assert db.session.get(Recommendation, rec.id).outcome is None
    assert _count(RecommendationReview) == 0
    proposal = _pending(rec)
    assert (proposal.outcome, proposal.period) == (Outcome.SESUAI, PERIOD)
    assert proposal.proposed_by_id == world["auditor"].id
    page = _html(client.get(response.headers["Location"]))
    assert "It takes effect once" in page
    assert 'data-testid="proposal-pending"' in page
    assert "Auditor Satu" in page and "Sudah disetor penuh." in page
    # While it waits, the page offers no second proposal form for that recommendation.
    assert 'data-testid="review-pending"' in page


def test_a_proposal_is_checked_by_the_review_rules(client, login, world):
    rec = world["first"]
    login(world["auditor"])
    response = _propose(client, rec, outcome="belum_sesuai")
    assert response.status_code == 400
    assert "needs a new deadline" in _html(response)
    response = _propose(client, rec, outcome="tidak_dapat_ditindaklanjuti")
    assert response.status_code == 400
    assert "lawful reasons" in _html(response)
    response = _propose(client, rec, period="2099-S1")
    assert response.status_code == 400
    response = _propose(client, rec, period="2022-S2")  # before the report was received
    assert response.status_code == 400
    assert _count(ReviewProposal) == 0
    new_due = (dt.date.today() + dt.timedelta(days=45)).isoformat()
    response = _propose(client, rec, outcome="belum_sesuai", new_due_on=new_due)
    assert response.status_code == 302
    assert _pending(rec).new_due_on.isoformat() == new_due
    db.session.expire_all()
    assert db.session.get(Recommendation, rec.id).due_on != dt.date.fromisoformat(new_due)


def test_one_proposal_awaits_approval_at_a_time(client, login, world):
    rec = world["first"]
    login(world["auditor"])
    first = client.post(
        f"/findings/recommendations/{rec.id}/review",
        data={**_proposal_data(rec), f"rv{rec.id}-submission_token": TOKEN},
    )
    assert first.status_code == 302
    # A double click: the same form again lands where the first went, one proposal.
    again = client.post(
        f"/findings/recommendations/{rec.id}/review",
        data={**_proposal_data(rec), f"rv{rec.id}-submission_token": TOKEN},
    )
    assert again.status_code == 303
    assert _count(ReviewProposal) == 1
    # Another proposal while one waits: refused, saying why.
    other = factories.make_user(Role.INSPEKTORAT)
    client.post("/logout")
    login(other)
    response = _propose(client, rec, outcome="belum_ditindaklanjuti")
    assert response.status_code == 400
    assert "already awaiting approval" in _html(response)
    assert _count(ReviewProposal) == 1


# --- who may do what ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["opd", "pimpinan"])
def test_opd_and_pimpinan_neither_propose_nor_approve(client, login, world, role):
    proposal = _propose_as(world["auditor"], world["second"])
    user = factories.make_user(Role(role), opd=world["dinkes"] if role == "opd" else None)
    login(user)
    assert _propose(client, world["first"]).status_code == 403
    assert client.get("/findings/decisions").status_code == 403
    assert client.post("/findings/decisions/approve", data=_pick(proposal)).status_code == 403
    assert (
        client.post(
            f"/findings/decisions/{proposal.id}/send-back",
            data={f"sb{proposal.id}-version": "1", f"sb{proposal.id}-note": "x"},
        ).status_code
        == 403
    )
    assert _count(ReviewProposal) == 1 and _count(Letter) == 0


def test_inspektorat_without_the_flag_proposes_but_does_not_approve(client, login, world):
    login(world["auditor"])
    assert _propose(client, world["first"]).status_code == 302
    other = _propose_as(factories.make_user(Role.INSPEKTORAT), world["second"])
    assert client.get("/findings/decisions").status_code == 403
    assert client.post("/findings/decisions/approve", data=_pick(other)).status_code == 403
    assert _count(ReviewProposal, ReviewProposal.status == ProposalStatus.PENDING) == 2
    assert _count(RecommendationReview) == 0


def test_an_approver_approves_others_proposals_not_their_own(client, login, world):
    approver = _approver(name="Inspektur Pembantu")
    others = _propose_as(world["auditor"], world["first"])
    own = _propose_as(approver, world["second"])
    login(approver)
    page = _html(client.get("/findings/decisions"))
    assert "four eyes" in page
    assert 'data-testid="own-proposal"' in page
    response = client.post("/findings/decisions/approve", data=_pick(own))
    assert response.status_code == 400
    assert "another approver decides it" in _html(response)
    response = client.post("/findings/decisions/approve", data=_pick(others, own))
    assert response.status_code == 400
    assert _count(RecommendationReview) == 0 and _count(Letter) == 0
    response = client.post("/findings/decisions/approve", data=_pick(others))
    assert response.status_code == 302, _html(response)[:3000]
    db.session.expire_all()
    assert db.session.get(Recommendation, world["first"].id).outcome is Outcome.SESUAI
    assert db.session.get(Recommendation, world["second"].id).outcome is None
    review = db.session.scalars(select(RecommendationReview)).one()
    assert review.reviewer_id == approver.id  # recorded as the approver's review
    assert review.note == "Catatan 1"


def test_an_administrator_approves(client, login_as, world):
    proposal = _propose_as(world["auditor"], world["first"])
    login_as("admin")
    response = client.post("/findings/decisions/approve", data=_pick(proposal))
    assert response.status_code == 302
    assert _pending_count() == 0
    db.session.expire_all()
    assert db.session.get(Recommendation, world["first"].id).outcome is Outcome.SESUAI


def _pending_count() -> int:
    return _count(ReviewProposal, ReviewProposal.status == ProposalStatus.PENDING)


# --- approving together: one letter --------------------------------------------------------


def test_approved_together_one_numbered_letter_lists_each(client, login, world):
    factories.make_person(
        name=INSPEKTUR,
        position="Inspektur Kota Malang",
        nip=INSPEKTUR_NIP,
        hierarchy_role=HierarchyRole.INSPEKTUR,
    )
    first = _propose_as(world["auditor"], world["first"])
    new_due = dt.date.today() + dt.timedelta(days=60)
    second = reviews.propose(
        world["auditor"],
        world["second"],
        period=PERIOD,
        outcome=Outcome.BELUM_SESUAI,
        new_due_on=new_due,
        note="Teguran belum ditandatangani.",
        now=_now(),
    )
    db.session.commit()
    approver = _approver()
    login(approver)
    page = _html(client.get("/findings/decisions"))
    assert page.count('data-testid="proposal"') == 2
    assert "Bukti setor STS terlampir." in page  # the OPD's latest follow-up
    response = client.post("/findings/decisions/approve", data=_pick(first, second))
    assert response.status_code == 302, _html(response)[:3000]
    db.session.expire_all()
    letter = db.session.scalars(select(Letter)).one()
    year = dt.date.today().year
    assert letter.kind is LetterKind.DECISION
    assert (letter.seq, letter.number) == (1, f"700/1/35.73.401/{year}")
    assert letter.signer_name == INSPEKTUR and letter.signer_nip == INSPEKTUR_NIP
    assert sorted(p.recommendation_id for p in letter.decisions) == sorted(
        [world["first"].id, world["second"].id]
    )
    assert {p.status for p in letter.decisions} == {ProposalStatus.APPROVED}
    assert {p.decided_by_id for p in letter.decisions} == {approver.id}
    rec2 = db.session.get(Recommendation, world["second"].id)
    assert rec2.outcome is Outcome.BELUM_SESUAI and rec2.due_on == new_due
    # The letter's page lists both, the finding page links the decision to the letter.
    html = _html(client.get(response.headers["Location"]))
    assert letter.number in html
    assert html.count('data-testid="letter-decision-row"') == 2
    detail = _html(client.get(f"/findings/{world['finding'].id}"))
    assert 'data-testid="decision-letter"' in detail and letter.number in detail
    # The letters list shows it with its count; a second batch takes the next number.
    listing = _html(client.get("/findings/letters"))
    assert letter.number in listing
    third = make_recommendation(world["finding"], world["dinkes"], number="3")
    proposal = _propose_as(world["auditor"], third)
    assert client.post("/findings/decisions/approve", data=_pick(proposal)).status_code == 302
    numbers = sorted(db.session.scalars(select(Letter.number)))
    assert numbers == [f"700/1/35.73.401/{year}", f"700/2/35.73.401/{year}"]


def test_the_letter_pdf_names_the_number_each_recommendation_and_the_signer(
    client, login_as, world
):
    factories.make_person(
        name=INSPEKTUR,
        position="Inspektur Kota Malang",
        nip=INSPEKTUR_NIP,
        hierarchy_role=HierarchyRole.INSPEKTUR,
    )
    first = _propose_as(world["auditor"], world["first"])
    second = _propose_as(world["auditor"], world["second"], Outcome.BELUM_DITINDAKLANJUTI)
    login_as("admin")
    assert client.post("/findings/decisions/approve", data=_pick(first, second)).status_code == 302
    letter = db.session.scalars(select(Letter)).one()
    response = client.get(f"/findings/letters/{letter.id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    year = dt.date.today().year
    assert f'filename="700-1-35.73.401-{year}.pdf"' in response.headers["Content-Disposition"]
    with pdfplumber.open(io.BytesIO(response.data)) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        rows = [row for page in pdf.pages for table in page.extract_tables() for row in table]
    flat = re.sub(r"\s+", " ", text)
    assert "INSPEKTORAT" in flat  # the letterhead
    assert "KEPUTUSAN HASIL REVIU TINDAK LANJUT" in flat
    assert f"Nomor: 700/1/35.73.401/{year}" in flat
    cells = [[re.sub(r"\s+", " ", cell or "").strip() for cell in row] for row in rows]
    with force_locale("id"):
        labels = {o: f"{o.number}. {o.label}" for o in Outcome}
    for rec, outcome in (
        (world["first"], Outcome.SESUAI),
        (world["second"], Outcome.BELUM_DITINDAKLANJUTI),
    ):
        row = next(r for r in cells if any(f"{rec.number}. {rec.text}" == c for c in r))
        assert "DINKES" in row
        squeezed = [c.replace(" ", "") for c in row]
        assert any(
            c.startswith(labels[outcome].replace(" ", "")) and PERIOD in c for c in squeezed
        ), row
        assert any("45.A/LHP/XVIII.SBY/05/2023" in c.replace(" ", "") for c in row)
        assert any("Kelebihan pembayaran perjalanan" in c for c in row)
        assert any(f"Catatan {rec.number}" in c for c in row)
    assert INSPEKTUR in flat and f"NIP {INSPEKTUR_NIP}" in flat
    # Laid out like every printed document: nothing overlaps, the signature block whole.
    assert not list(layout_problems(response.data))
    assert signature_problems(read_pdf(response.data), f"NIP {INSPEKTUR_NIP}") == []


# --- sending back, stale decisions ---------------------------------------------------------


def test_sending_back_needs_a_note_and_the_proposer_sees_it(client, login, world):
    rec = world["first"]
    proposal = _propose_as(world["auditor"], rec)
    login(_approver())
    url = f"/findings/decisions/{proposal.id}/send-back"
    p = f"sb{proposal.id}-"
    response = client.post(url, data={p + "version": str(proposal.version), p + "note": ""})
    assert response.status_code == 400
    assert _pending_count() == 1
    note = "Lampirkan bukti setor yang sudah divalidasi bank."
    response = client.post(url, data={p + "version": str(proposal.version), p + "note": note})
    assert response.status_code == 302
    db.session.expire_all()
    returned = db.session.get(ReviewProposal, proposal.id)
    assert returned.status is ProposalStatus.RETURNED and returned.decision_note == note
    assert returned.letter_id is None
    assert db.session.get(Recommendation, rec.id).outcome is None
    assert _count(RecommendationReview) == 0
    # The proposer reads the note on the recommendation's page and may propose again.
    client.post("/logout")
    login(world["auditor"])
    page = _html(client.get(f"/findings/{world['finding'].id}"))
    assert 'data-testid="proposal-returned"' in page and note in page
    # ... and in their notifications, which lead to the recommendation.
    notifications = _html(client.get("/notifications/"))
    assert "was sent back by" in notifications and note in notifications
    assert _propose(client, rec).status_code == 302


def test_a_proposal_decided_meanwhile_is_reported_not_decided_twice(client, login, world):
    first = _propose_as(world["auditor"], world["first"])
    second = _propose_as(world["auditor"], world["second"])
    picks = _pick(first, second)  # the versions the approver saw
    other_approver = _approver()
    reviews.send_back(
        other_approver, second, expected_version=second.version, note="Belum lengkap", now=_now()
    )
    db.session.commit()
    login(_approver())
    response = client.post("/findings/decisions/approve", data=picks)
    assert response.status_code == 409
    assert "meanwhile" in _html(response)
    assert _count(Letter) == 0 and _count(RecommendationReview) == 0
    db.session.expire_all()
    assert db.session.get(ReviewProposal, first.id).status is ProposalStatus.PENDING
    assert db.session.get(ReviewProposal, second.id).status is ProposalStatus.RETURNED
    # Approved meanwhile: sending it back is refused too.
    assert client.post("/findings/decisions/approve", data=_pick(first)).status_code == 302
    p = f"sb{first.id}-"
    response = client.post(
        f"/findings/decisions/{first.id}/send-back",
        data={p + "version": str(first.version), p + "note": "Terlambat"},
    )
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(ReviewProposal, first.id).status is ProposalStatus.APPROVED


def test_approve_sent_twice_issues_one_letter(client, login, world):
    proposal = _propose_as(world["auditor"], world["first"])
    login(_approver())
    data = {**_pick(proposal), "submission_token": TOKEN}
    first = client.post("/findings/decisions/approve", data=data)
    assert first.status_code == 302
    again = client.post("/findings/decisions/approve", data=data)
    assert again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert _count(Letter) == 1 and _count(RecommendationReview) == 1


def test_two_approvers_at_once_decide_a_proposal_once(app, backend, world):
    """Two approvers approve the same proposal at the same moment: one letter, one review,
    and the other is told it was decided meanwhile."""
    if backend != "postgresql":
        pytest.skip("simultaneous writers need PostgreSQL (SQLite serialises them)")
    proposal = _propose_as(world["auditor"], world["first"])
    pick = [(proposal.id, proposal.version)]
    approver_ids = [_approver().id, _approver().id]
    start = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def decide(user_id: int) -> None:
        try:
            with app.app_context():
                actor = db.session.get(User, user_id)
                start.wait(timeout=30)
                try:
                    reviews.approve(actor, pick, now=_now())
                    db.session.commit()
                    outcomes.append("approved")
                except ConflictError:
                    db.session.rollback()
                    outcomes.append("conflict")
                db.session.remove()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=decide, args=(i,)) for i in approver_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sorted(outcomes) == ["approved", "conflict"]
    assert _count(Letter) == 1 and _count(RecommendationReview) == 1


def test_nothing_ticked_is_refused(client, login, world):
    login(_approver())
    response = client.post("/findings/decisions/approve", data={})
    assert response.status_code == 400
    assert "Tick at least one proposal" in _html(response)
    response = client.post("/findings/decisions/approve", data={"pick": ["x:1"]})
    assert response.status_code == 400


def test_the_queue_filters_searches_and_sorts_oldest_first(client, login, world):
    kominfo = factories.make_opd("DISKOMINFO", "Dinas Komunikasi dan Informatika")
    other_finding = make_finding(world["report"], [kominfo], number="2", title="Aset tetap")
    other_rec = make_recommendation(other_finding, kominfo, number="1", text="Inventarisasi aset")
    older = _propose_as(world["auditor"], other_rec)
    newer = _propose_as(world["auditor"], world["first"])
    older.proposed_at = _now() - dt.timedelta(days=3)
    db.session.commit()
    login(_approver())
    page = _html(client.get("/findings/decisions"))
    ids = re.findall(r'data-proposal="(\d+)"', page)
    assert ids == [str(older.id), str(newer.id)]
    page = _html(client.get(f"/findings/decisions?opd={kominfo.id}"))
    assert re.findall(r'data-proposal="(\d+)"', page) == [str(older.id)]
    page = _html(client.get("/findings/decisions?q=Setorkan"))
    assert re.findall(r'data-proposal="(\d+)"', page) == [str(newer.id)]
    page = _html(client.get("/findings/decisions?q=tidak+ada"))
    assert 'data-testid="empty-state"' in page


# --- the approval flag of a login --------------------------------------------------------


def test_the_administrator_gives_an_inspektorat_login_the_approval(client, login_as, app):
    from tracker.forms import sign_original

    user = factories.make_user(Role.INSPEKTORAT, name="Wakil Inspektur")
    login_as("admin")
    page = _html(client.get(f"/admin/users/{user.id}/edit"))
    assert 'name="approves_decisions"' in page
    fields = ("name", "role", "opd_id", "person_id", "approves_decisions")
    with app.test_request_context():
        original = sign_original(user, fields)
    data = {
        "name": user.name,
        "role": "inspektorat",
        "opd_id": "",
        "person_id": "",
        "approves_decisions": "y",
        "version": str(user.version),
        "original": original,
    }
    response = client.post(f"/admin/users/{user.id}/edit", data=data)
    assert response.status_code == 302, _html(response)[:3000]
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.approves_decisions is True
    # Only meaningful for Inspektorat logins: refused for a leader.
    leader = factories.make_user(Role.PIMPINAN)
    with app.test_request_context():
        original = sign_original(leader, fields)
    data.update(name=leader.name, role="pimpinan", version=str(leader.version), original=original)
    response = client.post(f"/admin/users/{leader.id}/edit", data=data)
    assert response.status_code == 400
    assert "Only Inspektorat logins" in _html(response)
    db.session.expire_all()
    assert db.session.get(User, leader.id).approves_decisions is False


# --- query counts --------------------------------------------------------------------------


def _grow(world: dict[str, Any], n: int, approver: User) -> None:
    for _ in range(n):
        opd = factories.make_opd()
        finding = make_finding(world["report"], [opd])
        rec = make_recommendation(finding, opd)
        make_follow_up(rec)
        proposal = _propose_as(factories.make_user(Role.INSPEKTORAT), rec)
        done = make_recommendation(finding, opd)
        decided = _propose_as(factories.make_user(Role.INSPEKTORAT), done)
        reviews.approve(approver, [(decided.id, decided.version)], now=_now())
        db.session.commit()
        assert proposal.id


@pytest.mark.parametrize(
    "url",
    ["/findings/decisions", "/findings/letters", "/findings/letters?q=700&sort=number"],
)
def test_query_count_is_constant(client, login, count_queries, world, url):
    approver = _approver()
    login(approver)
    _grow(world, 2, approver)
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _grow(world, 6, approver)
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert large.count == small.count, "\n".join(large.statements)


def test_letter_page_query_count_is_constant(client, login, count_queries, world):
    approver = _approver()
    login(approver)
    small_batch = [_propose_as(world["auditor"], world["first"])]
    reviews.approve(approver, [(p.id, p.version) for p in small_batch], now=_now())
    db.session.commit()
    big_batch = []
    for _ in range(6):
        opd = factories.make_opd()
        rec = make_recommendation(make_finding(world["report"], [opd]), opd)
        big_batch.append(_propose_as(world["auditor"], rec))
    reviews.approve(approver, [(p.id, p.version) for p in big_batch], now=_now())
    db.session.commit()
    small_letter, big_letter = db.session.scalars(select(Letter).order_by(Letter.seq)).all()
    with count_queries() as small:
        assert client.get(f"/findings/letters/{small_letter.id}").status_code == 200
    with count_queries() as large:
        assert client.get(f"/findings/letters/{big_letter.id}").status_code == 200
    assert large.count == small.count, "\n".join(large.statements)
