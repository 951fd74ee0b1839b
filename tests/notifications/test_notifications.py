"""The in-app notifications: each user's own list, opening an item, marking read, the bell
in the navigation, and the one-line wording of every event (also used by e-mail and
WhatsApp)."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from tests import factories
from tests.notifications.factories_notifications import make_notification
from tracker.extensions import db
from tracker.models import Role
from tracker.models.finding import Outcome
from tracker.models.notification import NoticeEvent, Notification
from tracker.services import notification_list
from tracker.services.notification_text import describe, headline

NOW = dt.datetime(2026, 11, 30, 1, 30, tzinfo=dt.UTC)  # Senin, 30 November 2026 08.30 WIB


def _read_at(notification_id: int) -> dt.datetime | None:
    db.session.expire_all()
    return db.session.get(Notification, notification_id).read_at


def _rows(html: str) -> list[str]:
    """The titles of the notifications listed, in order."""
    return [
        unescape(t)
        for t in re.findall(r'data-testid="notification-link">([^<]*)</a>', html, flags=re.S)
    ]


def _bell(html: str) -> str:
    match = re.search(r'<a [^>]*data-testid="notification-bell"[^>]*>.*?</a>', html, flags=re.S)
    assert match, "no bell in the page"
    return match.group(0)


# --- the list ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_only_their_own(client, login, role):
    user = factories.make_user(role)
    someone = factories.make_user(role, opd=user.opd)
    make_notification(user, title="Milik saya")
    make_notification(someone, title="Milik orang lain")
    make_notification(None, title="Hanya untuk pejabat")
    login(user)
    response = client.get("/notifications/")
    assert response.status_code == 200
    assert _rows(response.get_data(as_text=True)) == ["Milik saya"]


def test_the_list_shows_what_happened_newest_first(client, login):
    user = factories.make_user(Role.OPD)
    make_notification(user, title="Lama", created_at=NOW - dt.timedelta(days=2), read_at=NOW)
    make_notification(
        user,
        NoticeEvent.FOLLOW_UP_REVIEWED,
        title="Rekomendasi 1",
        created_at=NOW,
        params={"outcome": "belum_sesuai", "note": "Lengkapi bukti.", "new_due_on": "2023-07-26"},
    )
    login(user)
    html = client.get("/notifications/").get_data(as_text=True)
    assert _rows(html) == ["Rekomendasi 1", "Lama"]
    assert "Tindak lanjut ditinjau" in html
    assert (
        "Tindak lanjut ditinjau: Belum sesuai (2) — Lengkapi bukti.; batas baru Rabu, 26 Juli 2023"
        in unescape(html)
    )
    assert "Senin, 30 November 2026 08.30 WIB" in html
    unread = re.findall(r'data-unread="(\d)"', html)
    assert unread == ["1", "0"]
    # the unread row carries its button, the read one does not
    assert html.count('data-testid="notification-read"') == 1
    assert "Tandai semua sudah dibaca" in html


def test_the_unread_filter(client, login):
    user = factories.make_user(Role.INSPEKTORAT)
    make_notification(user, title="Sudah dibaca", read_at=NOW)
    make_notification(user, title="Belum dibaca")
    login(user)
    assert _rows(client.get("/notifications/?status=unread").get_data(as_text=True)) == [
        "Belum dibaca"
    ]
    assert len(_rows(client.get("/notifications/?status=all").get_data(as_text=True))) == 2
    assert len(_rows(client.get("/notifications/?status=bogus").get_data(as_text=True))) == 2


def test_the_list_is_paginated(client, login):
    user = factories.make_user(Role.OPD)
    for i in range(notification_list.PER_PAGE + 3):
        make_notification(
            user, title=f"Komitmen {i:02d}", created_at=NOW + dt.timedelta(minutes=i), commit=False
        )
    db.session.commit()
    login(user)
    first = client.get("/notifications/").get_data(as_text=True)
    assert len(_rows(first)) == notification_list.PER_PAGE
    assert _rows(first)[0] == f"Komitmen {notification_list.PER_PAGE + 2:02d}"
    second = client.get("/notifications/?page=2").get_data(as_text=True)
    assert _rows(second) == ["Komitmen 02", "Komitmen 01", "Komitmen 00"]


def test_the_empty_state(client, login):
    user = factories.make_user(Role.PIMPINAN)
    login(user)
    html = client.get("/notifications/").get_data(as_text=True)
    assert 'data-testid="empty-state"' in html
    assert "Anda belum memiliki pemberitahuan." in html
    assert "Tandai semua sudah dibaca" not in html
    make_notification(user, read_at=NOW)
    html = client.get("/notifications/?status=unread").get_data(as_text=True)
    assert "Tidak ada pemberitahuan yang belum dibaca." in html


def test_the_page_speaks_indonesian(client, login):
    from tests.test_form_language import english_in

    user = factories.make_user(Role.OPD)
    for event, (params, _id, _en) in FULL.items():
        make_notification(user, event, params=params, commit=False)
    make_notification(user, read_at=NOW, commit=False)
    db.session.commit()
    login(user)
    html = client.get("/notifications/").get_data(as_text=True)
    assert english_in(html) == []
    read = db.session.scalars(select(Notification.id).where(Notification.read_at.is_(None)))
    client.post(f"/notifications/{next(iter(read))}/read")
    client.post("/notifications/read-all")
    html = client.get("/notifications/").get_data(as_text=True)
    assert "ditandai sudah dibaca" in html
    assert english_in(html) == []


def test_what_people_wrote_is_shown_as_text(client, login):
    user = factories.make_user(Role.OPD)
    make_notification(
        user, title="<b>judul</b>", params={"note": "<script>alert(1)</script>", "by": "Budi"}
    )
    login(user)
    html = client.get("/notifications/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>judul</b>" not in html


def test_the_personal_pass_link_only_when_it_is_a_web_address(client, login):
    user = factories.make_user(Role.OPD)
    params = {"starts_at": "2023-07-26T01:30:00+00:00", "place": "Aula"}
    make_notification(
        user,
        NoticeEvent.WORKSHOP_INVITATION,
        params={**params, "pass_url": "https://tracker.example/p/abc"},
        title="Bimtek SAKIP",
    )
    make_notification(
        user,
        NoticeEvent.WORKSHOP_INVITATION,
        params={**params, "pass_url": "javascript:alert(1)"},
        title="Bimtek lain",
    )
    login(user)
    html = client.get("/notifications/").get_data(as_text=True)
    assert 'href="https://tracker.example/p/abc"' in html
    assert "javascript:" not in html
    assert html.count('data-testid="notification-pass"') == 1


# --- opening and marking read -----------------------------------------------------------


def test_opening_marks_read_and_goes_to_the_item(client, login):
    user = factories.make_user(Role.OPD)
    n = make_notification(user, url="/commitments/12?tab=history#h-3")
    login(user)
    html = client.get("/notifications/").get_data(as_text=True)
    assert f'href="/notifications/{n.id}/open"' in html
    response = client.get(f"/notifications/{n.id}/open")
    assert response.status_code == 302
    assert response.headers["Location"] == "/commitments/12?tab=history#h-3"
    assert _read_at(n.id) is not None


@pytest.mark.parametrize(
    "url",
    [
        "//evil.example/x",
        "/\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "commitments/1",
        "",
        "/commitments/1\r\nSet-Cookie: x=1",
    ],
)
def test_a_link_that_leads_elsewhere_is_refused(client, login, url):
    user = factories.make_user(Role.OPD)
    n = make_notification(user, url=url)
    login(user)
    response = client.get(f"/notifications/{n.id}/open")
    assert response.status_code == 302
    assert response.headers["Location"] == "/notifications/"
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Tautan pemberitahuan ini tidak dapat dibuka." in page


def test_mark_one_read(client, login):
    user = factories.make_user(Role.OPD)
    n = make_notification(user)
    other = make_notification(user)
    login(user)
    response = client.post(f"/notifications/{n.id}/read", data={"status": "unread"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/notifications/?status=unread"
    assert _read_at(n.id) is not None
    assert _read_at(other.id) is None
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Pemberitahuan telah ditandai sudah dibaca." in page


def test_mark_one_read_keeps_its_first_reading(client, login):
    user = factories.make_user(Role.OPD)
    n = make_notification(user, read_at=NOW)
    login(user)
    assert client.post(f"/notifications/{n.id}/read").status_code == 302
    assert _read_at(n.id) == NOW


def test_mark_all_read_marks_only_ones_own(client, login):
    user = factories.make_user(Role.INSPEKTORAT)
    someone = factories.make_user(Role.INSPEKTORAT)
    mine = [make_notification(user) for _ in range(3)]
    theirs = make_notification(someone)
    login(user)
    response = client.post("/notifications/read-all")
    assert response.status_code == 302
    assert response.headers["Location"] == "/notifications/"
    assert all(_read_at(n.id) is not None for n in mine)
    assert _read_at(theirs.id) is None
    page = client.get("/notifications/").get_data(as_text=True)
    assert "3 pemberitahuan ditandai sudah dibaca." in page
    client.post("/notifications/read-all")
    assert "Tidak ada pemberitahuan yang belum dibaca." in client.get("/notifications/").get_data(
        as_text=True
    )


def test_another_users_notification_is_not_found(client, login):
    user = factories.make_user(Role.ADMIN)
    theirs = make_notification(factories.make_user(Role.OPD))
    login(user)
    assert client.get(f"/notifications/{theirs.id}/open").status_code == 404
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert client.get("/notifications/999999/open").status_code == 404
    assert _read_at(theirs.id) is None


def test_mark_read_flushes_and_ignores_others(app):
    user = factories.make_user(Role.OPD)
    someone = factories.make_user(Role.OPD)
    mine, theirs = make_notification(user), make_notification(someone)
    with app.test_request_context():
        assert notification_list.mark_read(user, [mine.id, theirs.id, 2**40, -1], NOW) == 1
        assert notification_list.unread_count(user) == 0
        assert notification_list.unread_count(someone) == 1
        db.session.rollback()  # it flushed, the caller commits
    assert _read_at(mine.id) is None
    assert _read_at(theirs.id) is None


def test_the_unread_count_is_one_query(app, count_queries):
    user = factories.make_user(Role.OPD)
    for _ in range(3):
        make_notification(user)
    make_notification(user, read_at=NOW)
    assert user.id  # loaded before counting
    with count_queries() as counted:
        assert notification_list.unread_count(user) == 3
    assert counted.count == 1


# --- the bell ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_the_bell_counts_the_unread_ones(client, login, role):
    user = factories.make_user(role)
    make_notification(user)
    make_notification(user)
    make_notification(user, read_at=NOW)
    make_notification(factories.make_user(role))
    login(user)
    bell = _bell(client.get("/commitments/").get_data(as_text=True))
    assert 'aria-label="2 pemberitahuan belum dibaca"' in bell
    assert 'href="/notifications/"' in bell
    assert re.search(r'data-testid="notification-count">2<', bell)


def test_the_bell_has_no_badge_when_everything_is_read(client, login):
    user = factories.make_user(Role.OPD)
    make_notification(user, read_at=NOW)
    login(user)
    bell = _bell(client.get("/notifications/").get_data(as_text=True))
    assert 'data-testid="notification-count"' not in bell
    assert 'aria-label="Pemberitahuan"' in bell
    assert 'aria-current="page"' in bell


def test_the_bell_follows_marking_read(client, login):
    user = factories.make_user(Role.OPD)
    first, _second = make_notification(user), make_notification(user)
    login(user)
    client.get(f"/notifications/{first.id}/open")
    bell = _bell(client.get("/commitments/").get_data(as_text=True))
    assert 'aria-label="1 pemberitahuan belum dibaca"' in bell
    client.post("/notifications/read-all")
    assert 'data-testid="notification-count"' not in _bell(
        client.get("/commitments/").get_data(as_text=True)
    )


def test_the_bell_is_one_query_per_page(client, login, count_queries):
    user = factories.make_user(Role.INSPEKTORAT)
    make_notification(user)
    login(user)
    for url in ("/commitments/", "/reminders/", "/inbox/", "/notifications/"):
        with count_queries() as queries:
            assert client.get(url).status_code == 200
        counted = [
            s for s in queries.statements if "FROM notification" in s and "read_at IS NULL" in s
        ]
        assert len(counted) == 1, (url, counted)


def test_the_bell_shortens_a_large_count(client, login):
    user = factories.make_user(Role.OPD)
    for _ in range(100):
        make_notification(user, commit=False)
    db.session.commit()
    login(user)
    bell = _bell(client.get("/commitments/").get_data(as_text=True))
    assert 'aria-label="100 pemberitahuan belum dibaca"' in bell
    assert re.search(r'data-testid="notification-count">99\+<', bell)


def test_no_bell_for_visitors(client):
    assert 'data-testid="notification-bell"' not in client.get("/login").get_data(as_text=True)


# --- queries ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/notifications/", "/notifications/?status=unread"])
def test_query_count_is_constant(client, login, count_queries, url):
    user = factories.make_user(Role.OPD)

    def grow(n: int) -> None:
        for i in range(n):
            make_notification(
                user,
                list(NoticeEvent)[i % len(NoticeEvent)],
                read_at=NOW if i % 3 else None,
                created_at=NOW - dt.timedelta(hours=i),
                commit=False,
            )
        db.session.commit()

    login(user)
    grow(2)
    client.get(url)  # warm up
    with count_queries() as small:
        assert client.get(url).status_code == 200
    grow(40)
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert large.count == small.count, "\n".join(large.statements)


# --- the words --------------------------------------------------------------------------


def _n(event: NoticeEvent, params: object, title: str = "Bimtek SAKIP") -> Notification:
    return Notification(event=event, title=title, url="/", params=params, item_type="x", item_id=1)


FULL = {
    NoticeEvent.COMMITMENT_RETURNED: (
        {"note": "Lampirkan SK.", "by": "Budi"},
        "Komitmen dikembalikan oleh Budi: Lampirkan SK.",
        "Commitment returned by Budi: Lampirkan SK.",
    ),
    NoticeEvent.COMMITMENT_VERIFIED: (
        {"by": "Sari"},
        "Komitmen diverifikasi oleh Sari",
        "Commitment verified by Sari",
    ),
    NoticeEvent.COMMITMENT_CANCELLED: (
        {"reason": "Program dihentikan."},
        "Komitmen dibatalkan: Program dihentikan.",
        "Commitment cancelled: Program dihentikan.",
    ),
    NoticeEvent.COMMITMENT_ASSIGNED: (
        {"due_on": "2023-07-26", "opd": "DINKES"},
        "Komitmen baru untuk DINKES; batas waktu Rabu, 26 Juli 2023",
        "New commitment for DINKES; due Wednesday, 26 July 2023",
    ),
    NoticeEvent.RECOMMENDATION_ASSIGNED: (
        {"due_on": "2023-07-26", "opd": "DINKES", "report": "LHP 23.A/2023"},
        "Rekomendasi baru untuk DINKES, laporan LHP 23.A/2023; batas waktu Rabu, 26 Juli 2023",
        "New recommendation for DINKES, report LHP 23.A/2023; due Wednesday, 26 July 2023",
    ),
    NoticeEvent.FOLLOW_UP_REVIEWED: (
        {"outcome": Outcome.BELUM_SESUAI.value, "note": "Lengkapi.", "new_due_on": "2023-07-26"},
        "Tindak lanjut ditinjau: Belum sesuai (2) — Lengkapi.; batas baru Rabu, 26 Juli 2023",
        "Follow-up reviewed: Not yet matching (2) — Lengkapi.; "
        "new due date Wednesday, 26 July 2023",
    ),
    NoticeEvent.WORKSHOP_INVITATION: (
        {
            "starts_at": "2023-07-26T01:30:00+00:00",
            "place": "Aula Balai Kota",
            "pass_url": "https://x.example/p/1",
        },
        "Undangan: Bimtek SAKIP — Rabu, 26 Juli 2023 08.30 WIB, Aula Balai Kota",
        "Invitation: Bimtek SAKIP — Wednesday, 26 July 2023 08:30 WIB, Aula Balai Kota",
    ),
    NoticeEvent.WORKSHOP_UPDATE: (
        {"starts_at": "2023-07-26T01:30:00Z", "place": "Ruang Rapat"},
        "Workshop diubah: Bimtek SAKIP — Rabu, 26 Juli 2023 08.30 WIB, Ruang Rapat",
        "Workshop changed: Bimtek SAKIP — Wednesday, 26 July 2023 08:30 WIB, Ruang Rapat",
    ),
    NoticeEvent.WORKSHOP_CANCELLED: (
        {"reason": "Narasumber berhalangan."},
        "Workshop dibatalkan: Bimtek SAKIP — Narasumber berhalangan.",
        "Workshop cancelled: Bimtek SAKIP — Narasumber berhalangan.",
    ),
    NoticeEvent.PROPOSAL_RETURNED: (
        {"outcome": Outcome.BELUM_SESUAI.value, "note": "Lengkapi bukti.", "by": "Budi"},
        "Usulan status 2 (Belum sesuai) Anda dikembalikan oleh Budi — Lengkapi bukti.",
        "Your proposed outcome 2 (Not yet matching) was sent back by Budi — Lengkapi bukti.",
    ),
}

BARE = {
    NoticeEvent.COMMITMENT_RETURNED: "Komitmen dikembalikan",
    NoticeEvent.COMMITMENT_VERIFIED: "Komitmen diverifikasi",
    NoticeEvent.COMMITMENT_CANCELLED: "Komitmen dibatalkan",
    NoticeEvent.COMMITMENT_ASSIGNED: "Komitmen baru untuk OPD Anda",
    NoticeEvent.RECOMMENDATION_ASSIGNED: "Rekomendasi baru untuk OPD Anda",
    NoticeEvent.FOLLOW_UP_REVIEWED: "Tindak lanjut ditinjau",
    NoticeEvent.WORKSHOP_INVITATION: "Undangan: Bimtek SAKIP",
    NoticeEvent.WORKSHOP_UPDATE: "Workshop diubah: Bimtek SAKIP",
    NoticeEvent.WORKSHOP_CANCELLED: "Workshop dibatalkan: Bimtek SAKIP",
    NoticeEvent.PROPOSAL_RETURNED: "Usulan hasil reviu dikembalikan",
}

HEADLINES = {
    NoticeEvent.COMMITMENT_RETURNED: "Komitmen dikembalikan",
    NoticeEvent.COMMITMENT_VERIFIED: "Komitmen diverifikasi",
    NoticeEvent.COMMITMENT_CANCELLED: "Komitmen dibatalkan",
    NoticeEvent.COMMITMENT_ASSIGNED: "Komitmen baru untuk OPD Anda",
    NoticeEvent.RECOMMENDATION_ASSIGNED: "Rekomendasi baru untuk OPD Anda",
    NoticeEvent.FOLLOW_UP_REVIEWED: "Tindak lanjut ditinjau",
    NoticeEvent.WORKSHOP_INVITATION: "Undangan workshop",
    NoticeEvent.WORKSHOP_UPDATE: "Workshop diubah",
    NoticeEvent.WORKSHOP_CANCELLED: "Workshop dibatalkan",
    NoticeEvent.PROPOSAL_RETURNED: "Usulan hasil reviu dikembalikan",
}


def test_every_event_is_worded():
    assert set(FULL) == set(BARE) == set(HEADLINES) == set(NoticeEvent)


@pytest.mark.parametrize("event", list(NoticeEvent), ids=str)
def test_describe_with_every_parameter(plain_app, event):
    params, indonesian, english = FULL[event]
    with force_locale("id"):
        assert describe(_n(event, params)) == indonesian
        assert headline(_n(event, params)) == HEADLINES[event]
    with force_locale("en"):
        assert describe(_n(event, params)) == english


@pytest.mark.parametrize("event", list(NoticeEvent), ids=str)
@pytest.mark.parametrize("params", [{}, None, {"note": "", "by": None, "due_on": "   "}])
def test_describe_without_parameters(plain_app, event, params):
    with force_locale("id"):
        assert describe(_n(event, params)) == BARE[event]


@pytest.mark.parametrize(
    ("event", "params", "expected"),
    [
        (
            NoticeEvent.COMMITMENT_RETURNED,
            {"note": "Lampirkan SK."},
            "Komitmen dikembalikan: Lampirkan SK.",
        ),
        (NoticeEvent.COMMITMENT_RETURNED, {"by": "Budi"}, "Komitmen dikembalikan oleh Budi"),
        (
            NoticeEvent.COMMITMENT_ASSIGNED,
            {"due_on": "2023-02-30", "opd": "DINKES"},
            "Komitmen baru untuk DINKES",
        ),
        (
            NoticeEvent.COMMITMENT_ASSIGNED,
            {"due_on": "2023-07-26"},
            "Komitmen baru untuk OPD Anda; batas waktu Rabu, 26 Juli 2023",
        ),
        (
            NoticeEvent.FOLLOW_UP_REVIEWED,
            {"outcome": "sesuai"},
            "Tindak lanjut ditinjau: Sesuai (1)",
        ),
        (
            NoticeEvent.FOLLOW_UP_REVIEWED,
            {"outcome": "unknown", "note": "Cek lagi."},
            "Tindak lanjut ditinjau — Cek lagi.",
        ),
        (
            NoticeEvent.FOLLOW_UP_REVIEWED,
            {"new_due_on": "2023-07-26"},
            "Tindak lanjut ditinjau; batas baru Rabu, 26 Juli 2023",
        ),
        (
            NoticeEvent.WORKSHOP_INVITATION,
            {"place": "Aula", "starts_at": "besok"},
            "Undangan: Bimtek SAKIP — Aula",
        ),
        (
            NoticeEvent.WORKSHOP_UPDATE,
            {"starts_at": "2023-07-26T01:30:00"},
            "Workshop diubah: Bimtek SAKIP — Rabu, 26 Juli 2023 08.30 WIB",
        ),
        (
            NoticeEvent.RECOMMENDATION_ASSIGNED,
            {"report": "LHP 1", "opd": ["not", "text"]},
            "Rekomendasi baru untuk OPD Anda, laporan LHP 1",
        ),
        (
            NoticeEvent.COMMITMENT_CANCELLED,
            {"reason": "  dua\n baris  "},
            "Komitmen dibatalkan: dua baris",
        ),
    ],
)
def test_describe_with_some_parameters(plain_app, event, params, expected):
    with force_locale("id"):
        assert describe(_n(event, params)) == expected


def test_describe_needs_no_request(plain_app):
    from flask import has_request_context

    assert not has_request_context()
    with force_locale("id"):
        line = describe(_n(NoticeEvent.COMMITMENT_VERIFIED, {"by": "Sari"}))
    assert line == "Komitmen diverifikasi oleh Sari"
