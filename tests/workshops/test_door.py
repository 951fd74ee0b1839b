"""The door kiosk through HTTP (scans, taps, the queue's replays) and the walk-in rules."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.workshops.factories_workshops import invite, make_now_workshop, make_workshop
from tracker.extensions import db
from tracker.links import base_url
from tracker.models import AttendanceStatus, Invitation, Workshop, WorkshopStatus
from tracker.models.base import utcnow
from tracker.services import door, passes
from tracker.services.errors import DomainError
from tracker.services.workshops import checkin_window

# The messages asserted below are the English msgids.
pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _ms(moment: dt.datetime) -> int:
    """The moment as the device sends it: milliseconds since the epoch."""
    return (moment - EPOCH) // dt.timedelta(milliseconds=1)


def _to_ms(moment: dt.datetime) -> dt.datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _reload(invitation: Invitation) -> Invitation:
    db.session.expire_all()
    found = db.session.get(Invitation, invitation.id)
    assert found is not None
    return found


def _scan(client, workshop: Workshop, **payload):
    return client.post(f"/workshops/{workshop.id}/door/scan", json=payload)


def _pass_url(app, token: str) -> str:
    """The personal link as printed on the invitation."""
    with app.test_request_context():
        return f"{base_url()}/hadir/{token}"


@pytest.fixture
def staff(login_as):
    return login_as("inspektorat")


# --- scanning a pass ----------------------------------------------------------------------------


def test_a_valid_pass_records_the_arrival_at_the_time_of_the_scan(app, client, staff):
    opd = factories.make_opd("DINKES", "Dinas Kesehatan")
    person = factories.make_person(opd, name="dr. Husnul Muarif", position="Kepala Dinas")
    workshop = make_now_workshop()
    invitation = invite(workshop, person)
    token = passes.issue(invitation)
    db.session.commit()
    scanned = utcnow() - dt.timedelta(seconds=40)

    response = _scan(
        client, workshop, text=_pass_url(app, token), scanned_at=_ms(scanned), client_id="c-1"
    )

    assert response.status_code == 200
    answer = response.get_json()
    assert answer["ok"] and answer["outcome"] == "recorded"
    assert answer["name"] == "dr. Husnul Muarif"
    assert answer["position"] == "Kepala Dinas"
    assert answer["opd"] == "Dinas Kesehatan"
    assert answer["client_id"] == "c-1"
    assert answer["representative"] is None
    stored = _reload(invitation)
    assert stored.status is AttendanceStatus.HADIR
    assert stored.checked_in_via == "door"
    assert stored.checked_in_at == _to_ms(scanned)
    assert answer["time"].endswith("WIB")


def test_a_bare_token_is_accepted(client, staff):
    workshop = make_now_workshop()
    invitation = invite(workshop, factories.make_person())
    token = passes.issue(invitation)
    db.session.commit()
    assert _scan(client, workshop, text=token).get_json()["outcome"] == "recorded"


def test_a_second_scan_changes_nothing_and_says_when(client, staff):
    workshop = make_now_workshop()
    invitation = invite(workshop, factories.make_person())
    token = passes.issue(invitation)
    db.session.commit()
    first_time = utcnow() - dt.timedelta(minutes=3)
    first = _scan(client, workshop, text=token, scanned_at=_ms(first_time), client_id="a")
    second = _scan(client, workshop, text=token, scanned_at=_ms(utcnow()), client_id="b")
    assert first.get_json()["outcome"] == "recorded"
    assert second.status_code == 200
    assert second.get_json()["outcome"] == "already"
    assert second.get_json()["time"] == first.get_json()["time"]
    assert _reload(invitation).checked_in_at == _to_ms(first_time)


def test_a_replay_of_the_same_scan_answers_as_the_first(client, staff):
    """The answer to a queued scan was lost; the device sends it again."""
    workshop = make_now_workshop()
    invitation = invite(workshop, factories.make_person())
    token = passes.issue(invitation)
    db.session.commit()
    scanned = _ms(utcnow() - dt.timedelta(minutes=2))
    first = _scan(client, workshop, text=token, scanned_at=scanned, client_id="same")
    replay = _scan(client, workshop, text=token, scanned_at=scanned, client_id="same")
    assert first.get_json() == replay.get_json()
    assert replay.get_json()["outcome"] == "recorded"
    # A different scan of the same pass (another moment) is a second scan.
    later = _scan(client, workshop, text=token, scanned_at=scanned + 1, client_id="new")
    assert later.get_json()["outcome"] == "already"
    stored = _reload(invitation)
    assert stored.checked_in_at is not None and _ms(stored.checked_in_at) == scanned


def test_a_queued_scan_keeps_its_earlier_time(client, staff):
    workshop = make_now_workshop()  # started 30 minutes ago
    invitation = invite(workshop, factories.make_person())
    token = passes.issue(invitation)
    db.session.commit()
    scanned = utcnow() - dt.timedelta(minutes=25)
    assert _scan(client, workshop, text=token, scanned_at=_ms(scanned)).status_code == 200
    assert _reload(invitation).checked_in_at == _to_ms(scanned)


def test_the_scan_time_is_clamped_to_the_window_and_to_now(app, client, staff):
    workshop = make_now_workshop()
    early = invite(workshop, factories.make_person())
    future = invite(workshop, factories.make_person())
    tokens = passes.issue_all([early, future])
    db.session.commit()
    before = utcnow()
    _scan(client, workshop, text=tokens[early.id], scanned_at=_ms(before - dt.timedelta(hours=5)))
    _scan(client, workshop, text=tokens[future.id], scanned_at=_ms(before + dt.timedelta(hours=1)))
    with app.test_request_context():
        opens, _closes = checkin_window(db.session.get(Workshop, workshop.id))
    assert _reload(early).checked_in_at == opens
    recorded = _reload(future).checked_in_at
    assert recorded is not None and before <= recorded <= utcnow()


def test_another_workshops_pass_is_refused_by_name(client, staff):
    here = make_now_workshop(title="Rapat Koordinasi SAKIP")
    elsewhere = make_now_workshop(title="Bimtek Pengadaan Barang dan Jasa")
    invitation = invite(elsewhere, factories.make_person())
    token = passes.issue(invitation)
    db.session.commit()
    response = _scan(client, here, text=token, client_id="x")
    assert response.status_code == 400
    answer = response.get_json()
    assert answer["ok"] is False and answer["outcome"] == "refused"
    assert "another workshop" in answer["message"]
    assert "Bimtek Pengadaan Barang dan Jasa" in answer["message"]
    assert answer["client_id"] == "x"
    assert _reload(invitation).status is AttendanceStatus.INVITED


@pytest.mark.parametrize(
    "text", ["", "https://example.org/hadir/", "not a pass at all", "A" * 43, "x" * 5000]
)
def test_a_forged_or_garbled_code_is_refused(client, staff, text):
    workshop = make_now_workshop()
    invitation = invite(workshop, factories.make_person())
    passes.issue(invitation)
    db.session.commit()
    response = _scan(client, workshop, text=text)
    assert response.status_code == 400
    assert "not a valid pass" in response.get_json()["message"]
    assert _reload(invitation).status is AttendanceStatus.INVITED


def test_a_revoked_pass_is_refused_and_the_new_one_works(client, staff):
    workshop = make_now_workshop()
    invitation = invite(workshop, factories.make_person())
    old = passes.issue(invitation)
    new = passes.revoke(invitation)
    db.session.commit()
    assert _scan(client, workshop, text=old).status_code == 400
    assert _scan(client, workshop, text=new).get_json()["outcome"] == "recorded"


def test_no_arrival_outside_the_window(client, staff):
    workshop = make_workshop()  # in a week
    invitation = invite(workshop, factories.make_person())
    token = passes.issue(invitation)
    db.session.commit()
    response = _scan(client, workshop, text=token, scanned_at=_ms(utcnow()))
    assert response.status_code == 400
    assert "Check-in opens at" in response.get_json()["message"]
    assert _reload(invitation).checked_in_at is None


def test_a_cancelled_workshop_takes_no_arrival(client, staff):
    workshop = make_now_workshop()
    invitation = invite(workshop, factories.make_person())
    token = passes.issue(invitation)
    workshop.status = WorkshopStatus.CANCELLED
    db.session.commit()
    response = _scan(client, workshop, text=token)
    assert response.status_code == 400
    assert "cancelled" in response.get_json()["message"]
    assert _reload(invitation).checked_in_at is None


def test_a_representative_is_shown(client, staff):
    workshop = make_now_workshop()
    invitation = invite(
        workshop,
        factories.make_person(),
        representative_name="Drs. Wahyu Hidayat",
        representative_position="Sekretaris Dinas",
    )
    token = passes.issue(invitation)
    db.session.commit()
    answer = _scan(client, workshop, text=token).get_json()
    assert answer["representative"] == {
        "name": "Drs. Wahyu Hidayat",
        "position": "Sekretaris Dinas",
    }
    assert _reload(invitation).status is AttendanceStatus.DIWAKILI


# --- search and tap -----------------------------------------------------------------------------


def test_a_tap_records_the_arrival_by_invitation(client, staff):
    workshop = make_now_workshop()
    invitation = invite(workshop, factories.make_person(name="Ir. Diah Ayu"))
    answer = _scan(client, workshop, invitation_id=invitation.id).get_json()
    assert answer["outcome"] == "recorded" and answer["name"] == "Ir. Diah Ayu"
    assert _reload(invitation).checked_in_via == "door"


def test_a_tap_is_scoped_to_the_workshop(client, staff):
    workshop = make_now_workshop()
    other = invite(make_now_workshop(), factories.make_person())
    response = _scan(client, workshop, invitation_id=other.id)
    assert response.status_code == 400
    assert _reload(other).status is AttendanceStatus.INVITED


@pytest.mark.parametrize(
    "payload",
    [{}, {"invitation_id": "99999999999999999999"}, {"invitation_id": True}, {"text": 5}],
)
def test_nonsense_is_refused_without_a_server_error(client, staff, payload):
    workshop = make_now_workshop()
    assert _scan(client, workshop, **payload).status_code == 400
    response = client.post(f"/workshops/{workshop.id}/door/scan", data="{", content_type="text")
    assert response.status_code == 400


def test_the_kiosk_page_lists_invitees_and_officials_not_invited(client, staff, count_queries):
    workshop = make_now_workshop()
    invited = factories.make_person(factories.make_opd(), name="Kepala Bappeda")
    invite(workshop, invited)
    factories.make_person(factories.make_opd(), name="Camat Klojen")
    gone = factories.make_person(name="Pensiunan")
    gone.active = False
    db.session.commit()
    page = client.get(f"/workshops/{workshop.id}/door")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="door-invitee"' in html and "Kepala Bappeda" in html
    candidates = html.split('id="door-candidates"')[1]
    assert "Camat Klojen" in candidates
    assert "Kepala Bappeda" not in candidates and "Pensiunan" not in candidates
    assert "/static/vendor/jsqr/jsQR.js" in html
    url = f"/workshops/{workshop.id}/door"
    with count_queries() as few:
        client.get(url)
    for _ in range(5):
        invite(workshop, factories.make_person(factories.make_opd()))
        factories.make_person(factories.make_opd())
    with count_queries() as more:
        client.get(url)
    assert more.count == few.count, "\n\n".join(more.statements)


def test_the_vendored_decoder_is_served_with_its_licence(client, staff):
    script = client.get("/static/vendor/jsqr/jsQR.js")
    assert script.status_code == 200 and b"jsQR" in script.data
    assert b"Apache License" in client.get("/static/vendor/jsqr/LICENSE").data


# --- walk-ins -----------------------------------------------------------------------------------


def test_a_walk_in_is_invited_and_checked_in_in_one_tap(client, staff):
    workshop = make_now_workshop()
    person = factories.make_person(name="Lurah Kauman")
    tapped = _ms(utcnow())
    response = client.post(
        f"/workshops/{workshop.id}/door/walk-in",
        json={"person_id": person.id, "client_id": "w1", "scanned_at": tapped},
    )
    answer = response.get_json()
    assert response.status_code == 200 and answer["outcome"] == "recorded"
    assert answer["walk_in"] is True and answer["name"] == "Lurah Kauman"
    db.session.expire_all()
    invitation = db.session.scalar(
        select(Invitation).where(
            Invitation.workshop_id == workshop.id, Invitation.person_id == person.id
        )
    )
    assert invitation is not None and invitation.walk_in
    assert invitation.status is AttendanceStatus.HADIR and invitation.checked_in_via == "door"
    # Sent again from the queue: the same answer, still one invitation.
    again = client.post(
        f"/workshops/{workshop.id}/door/walk-in",
        json={"person_id": person.id, "client_id": "w1", "scanned_at": tapped},
    )
    assert again.status_code == 200 and again.get_json() == answer
    count = db.session.scalar(
        select(func.count()).select_from(Invitation).where(Invitation.workshop_id == workshop.id)
    )
    assert count == 1
    # The invitee lists say it.
    for page in (f"/workshops/{workshop.id}", f"/workshops/{workshop.id}/attendance"):
        assert "without invitation" in client.get(page).get_data(as_text=True)


def test_the_attendance_screen_adds_a_walk_in(client, staff):
    workshop = make_now_workshop()
    person = factories.make_person(name="Camat Blimbing")
    attendance = client.get(f"/workshops/{workshop.id}/attendance").get_data(as_text=True)
    assert f"/workshops/{workshop.id}/walk-ins" in attendance
    page = client.get(f"/workshops/{workshop.id}/walk-ins")
    assert page.status_code == 200 and "Camat Blimbing" in page.get_data(as_text=True)
    response = client.post(f"/workshops/{workshop.id}/walk-ins", data={"person_id": person.id})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/workshops/{workshop.id}/attendance")
    db.session.expire_all()
    invitation = db.session.scalar(select(Invitation).where(Invitation.person_id == person.id))
    assert invitation is not None and invitation.walk_in
    assert invitation.status is AttendanceStatus.HADIR
    flashed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Camat Blimbing has been added without an invitation" in flashed
    assert "Camat Blimbing" not in client.get(f"/workshops/{workshop.id}/walk-ins").get_data(
        as_text=True
    )


def test_walk_in_rules(app):
    workshop = make_now_workshop()
    now = utcnow()
    invited = factories.make_person()
    invite(workshop, invited)
    inactive = factories.make_person()
    inactive.active = False
    closed_opd = factories.make_opd("LAMA", "Dinas Lama")
    closed_opd.active = False
    of_closed_opd = factories.make_person(closed_opd)
    db.session.commit()

    with pytest.raises(DomainError, match="already invited"):
        door.add_walk_in(workshop, invited.id, actor=None, scanned_at=None, now=now)
    for person in (inactive, of_closed_opd):
        with pytest.raises(DomainError, match="no longer active"):
            door.add_walk_in(workshop, person.id, actor=None, scanned_at=None, now=now)
    with pytest.raises(DomainError, match="no longer active"):
        door.add_walk_in(workshop, 987654, actor=None, scanned_at=None, now=now)
    candidates = door.walk_in_candidates(workshop)
    assert invited not in candidates and inactive not in candidates
    assert of_closed_opd not in candidates


def test_no_walk_in_outside_the_window(client, staff):
    workshop = make_workshop()  # in a week
    person = factories.make_person()
    response = client.post(f"/workshops/{workshop.id}/door/walk-in", json={"person_id": person.id})
    assert response.status_code == 400
    assert "Check-in opens at" in response.get_json()["message"]
    db.session.expire_all()
    assert db.session.scalar(select(Invitation).where(Invitation.person_id == person.id)) is None


def test_reading_the_token_from_a_scan():
    token = "Ab-_" + "x" * 39
    assert door.token_from_scan(f"https://presensi.malangkota.go.id/hadir/{token}") == token
    assert door.token_from_scan(f"http://127.0.0.1:5000/hadir/{token}/?utm=1") == token
    assert door.token_from_scan(f"  {token} ") == token
    assert door.token_from_scan("https://example.org/other/page") == ""
    assert door.token_from_scan("x" * 3000) == ""
