"""Notices and digests on every channel: e-mail (a real SMTP server on loopback) and
WhatsApp (a Cloud API double on loopback), driven through the real client code."""

from __future__ import annotations

import datetime as dt
import threading
from email.message import Message
from typing import Any

import pytest

from tests import factories
from tests.commitments.factories_commitments import make_commitment
from tests.whatsapp_double import callback, signed, status
from tracker import jobs
from tracker.extensions import db
from tracker.models import HierarchyRole, NotifyChannel, Role
from tracker.models.commitment import CommitmentStatus
from tracker.models.notification import NoticeEvent, Notification
from tracker.models.reminder import Channel, DigestState, MessageKind, ReminderDigest
from tracker.services import commitments, notices

DAY = dt.date(2026, 11, 30)  # a Monday
NOW = dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.UTC)  # 10.00 WIB
WINDOW = dt.timedelta(minutes=5)
SECRETARY_PHONE = "6281234567001"


@pytest.fixture
def mail(app, smtp_server):
    sink, port = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=5)
    return sink


@pytest.fixture
def world(app, whatsapp_api):
    """An OPD with its secretary (e-mail and WhatsApp), its head (e-mail only) and an
    Inspektorat reviewer."""
    opd = factories.make_opd("DINKES", "Dinas Kesehatan")
    secretary = factories.make_person(
        opd,
        name="Sri Wahyuni",
        hierarchy_role=HierarchyRole.SEKRETARIS_OPD,
        email="sekretaris@dinkes.example.org",
        phone=SECRETARY_PHONE,
    )
    head = factories.make_person(
        opd,
        name="Dr. Bambang",
        hierarchy_role=HierarchyRole.KEPALA_OPD,
        email="kepala@dinkes.example.org",
        phone="6281234567002",
        notify_by=NotifyChannel.EMAIL,
    )
    reviewer = factories.make_user(Role.INSPEKTORAT, name="Andi Auditor")
    return {"opd": opd, "secretary": secretary, "head": head, "reviewer": reviewer}


def _reported_done(world: dict[str, Any], statement: str = "Menyusun SOP layanan digital"):
    return make_commitment(
        world["opd"],
        status=CommitmentStatus.REPORTED_DONE,
        evidence=True,
        progress=100,
        statement=statement,
        carried_out_by=world["secretary"],
        made_by=world["head"],
        due_on=dt.date(2026, 12, 31),
    )


def _return(commitment, world, note: str, now: dt.datetime = NOW) -> None:
    commitments.change_status(
        commitment,
        CommitmentStatus.ACTIVE,
        actor=world["reviewer"],
        now=now,
        expected_version=commitment.version,
        note=note,
    )
    db.session.commit()


def _sent_whatsapp(double) -> list[dict[str, Any]]:
    return [r.json for r in double.requests if r.path == double.messages_path]


def _params(body: dict[str, Any]) -> list[str]:
    return [p["text"] for p in body["template"]["components"][0]["parameters"]]


def _text(message: Message) -> str:
    part = message.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
    return part.get_content()


def _emails(sink) -> list[Message]:
    return list(sink.received)


# --- done means --------------------------------------------------------------------------


@pytest.mark.app_config(WHATSAPP_QUIET_HOURS="")
def test_daily_run_sends_one_whatsapp_and_one_email_digest_and_a_rerun_none(
    app, world, whatsapp_api, mail
):
    make_commitment(
        world["opd"],
        statement="Memperbarui standar pelayanan puskesmas",
        due_on=dt.date(2026, 11, 20),  # overdue on the day
        carried_out_by=world["secretary"],
        made_by=world["head"],
    )
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reminders", "run", "--date", DAY.isoformat()])
    assert result.exit_code == 0, result.output

    sent = _sent_whatsapp(whatsapp_api)
    assert [body["to"] for body in sent] == [SECRETARY_PHONE]  # the head chose e-mail
    body = sent[0]
    assert body["type"] == "template" and body["template"]["language"]["code"] == "id"
    name, date, summary, link = _params(body)
    assert (name, date) == ("Sri Wahyuni", "Senin, 30 November 2026")
    assert "1 terlambat" in summary.lower()
    assert link.endswith("/commitments/1")
    recipients = sorted(m["To"] for m in _emails(mail))
    assert recipients == ["kepala@dinkes.example.org", "sekretaris@dinkes.example.org"]

    again = runner.invoke(args=["reminders", "run", "--date", DAY.isoformat()])
    assert again.exit_code == 0, again.output
    assert len(_sent_whatsapp(whatsapp_api)) == 1
    assert len(mail.received) == 2
    rows = db.session.scalars(db.select(ReminderDigest)).all()
    assert sorted((r.channel.value, r.state.value) for r in rows) == [
        ("email", "sent"),
        ("email", "sent"),
        ("whatsapp", "sent"),
    ]


def test_returning_a_commitment_tells_its_secretary_on_both_channels_with_the_note(
    app, world, whatsapp_api, mail
):
    commitment = _reported_done(world)
    _return(commitment, world, "Foto kegiatan belum dilampirkan")

    told = db.session.scalars(db.select(Notification)).all()
    assert [(n.event, n.person_id) for n in told] == [
        (NoticeEvent.COMMITMENT_RETURNED, world["secretary"].id)
    ]
    assert told[0].params["note"] == "Foto kegiatan belum dilampirkan"
    # coalescing: nothing leaves before the window has passed
    assert jobs.deliver_pending(NOW + WINDOW - dt.timedelta(seconds=1)) == (0, 0)
    assert jobs.deliver_pending(NOW + WINDOW) == (2, 0)

    (body,) = _sent_whatsapp(whatsapp_api)
    assert body["to"] == SECRETARY_PHONE
    name, what, link = _params(body)
    assert name == "Sri Wahyuni"
    assert "Foto kegiatan belum dilampirkan" in what
    assert link.endswith(f"/commitments/{commitment.id}")
    (email,) = _emails(mail)
    assert email["To"] == "sekretaris@dinkes.example.org"
    assert "Foto kegiatan belum dilampirkan" in _text(email)
    assert jobs.deliver_pending(NOW + 3 * WINDOW) == (0, 0)  # never twice


def test_a_burst_makes_one_message_per_person_and_channel(app, world, whatsapp_api, mail):
    first = _reported_done(world, "Komitmen pertama")
    second = _reported_done(world, "Komitmen kedua")
    _return(first, world, "Catatan satu")
    _return(second, world, "Catatan dua", now=NOW + dt.timedelta(minutes=2))
    notices_rows = db.session.scalars(
        db.select(ReminderDigest).where(ReminderDigest.kind == MessageKind.NOTICE)
    ).all()
    assert sorted(r.channel.value for r in notices_rows) == ["email", "whatsapp"]

    assert jobs.deliver_pending(NOW + WINDOW) == (2, 0)
    (body,) = _sent_whatsapp(whatsapp_api)
    assert "Catatan satu" in _params(body)[1] and "Catatan dua" in _params(body)[1]
    assert _params(body)[2].endswith("/notifications/")
    (email,) = _emails(mail)
    assert "Catatan satu" in _text(email) and "Catatan dua" in _text(email)

    # after the message went, a new event opens a new one
    third = _reported_done(world, "Komitmen ketiga")
    _return(third, world, "Catatan tiga", now=NOW + 2 * WINDOW)
    assert jobs.deliver_pending(NOW + 3 * WINDOW) == (2, 0)
    assert len(_sent_whatsapp(whatsapp_api)) == 2


def test_no_whatsapp_in_the_quiet_hours(app, world, whatsapp_api, mail):
    late = dt.datetime(2026, 11, 30, 15, 30, tzinfo=dt.UTC)  # 22.30 WIB
    _return(_reported_done(world), world, "Lengkapi bukti", now=late)
    rows = {r.channel: r for r in db.session.scalars(db.select(ReminderDigest))}
    morning = dt.datetime(2026, 11, 30, 23, 0, tzinfo=dt.UTC)  # 06.00 WIB on Tuesday
    assert rows[Channel.WHATSAPP].not_before == morning
    assert rows[Channel.EMAIL].not_before == late + WINDOW
    assert jobs.deliver_pending(late + WINDOW) == (1, 0)  # the e-mail only
    assert _sent_whatsapp(whatsapp_api) == []
    assert jobs.deliver_pending(morning) == (1, 0)
    assert len(_sent_whatsapp(whatsapp_api)) == 1


@pytest.mark.parametrize(
    ("hours", "at", "held"),
    [
        ("21:00-06:00", "20:59", None),
        ("21:00-06:00", "21:00", "2026-12-01 06:00"),
        ("21:00-06:00", "05:59", "2026-11-30 06:00"),
        ("21:00-06:00", "06:00", None),
        ("12:00-13:00", "12:30", "2026-11-30 13:00"),
        ("", "23:00", None),
    ],
)
def test_quiet_hours(plain_app, hours, at, held):
    from tracker.i18n import WIB

    plain_app.config["WHATSAPP_QUIET_HOURS"] = hours
    local = dt.datetime.combine(DAY, dt.time.fromisoformat(at), tzinfo=WIB)
    until = notices.quiet_until(local.astimezone(dt.UTC))
    if held is None:
        assert until is None
    else:
        expected = dt.datetime.fromisoformat(held).replace(tzinfo=WIB)
        assert until == expected


# --- exactly once ------------------------------------------------------------------------


def _one_whatsapp_notice(world) -> ReminderDigest:
    commitment = _reported_done(world)
    world["head"].notify_by = NotifyChannel.EMAIL
    world["secretary"].notify_by = NotifyChannel.WHATSAPP
    db.session.commit()
    _return(commitment, world, "Lengkapi bukti")
    return db.session.scalars(db.select(ReminderDigest)).one()


def test_an_outage_is_retried_with_backoff_and_sends_once(app, world, whatsapp_api):
    message = _one_whatsapp_notice(world)
    whatsapp_api.script("500", "429")
    at = NOW + WINDOW
    assert jobs.deliver_pending(at) == (0, 1)
    db.session.refresh(message)
    assert message.state is DigestState.PENDING and "131000" in message.last_error
    assert message.not_before == at + dt.timedelta(minutes=5)
    assert jobs.deliver_pending(at + dt.timedelta(minutes=4)) == (0, 0)  # backing off
    assert jobs.deliver_pending(at + dt.timedelta(minutes=5)) == (0, 1)  # 429
    db.session.refresh(message)
    assert message.not_before == at + dt.timedelta(minutes=15)  # doubled
    assert jobs.deliver_pending(at + dt.timedelta(minutes=15)) == (1, 0)
    assert jobs.deliver_pending(at + dt.timedelta(hours=5)) == (0, 0)
    accepted = [r for r in whatsapp_api.requests if r.path == whatsapp_api.messages_path]
    assert len(accepted) == 3  # two refused, one accepted
    db.session.refresh(message)
    assert message.state is DigestState.SENT and message.message_id.startswith("wamid.")


def test_a_hanging_api_times_out_and_is_retried(app, world, whatsapp_api):
    message = _one_whatsapp_notice(world)
    whatsapp_api.script("hang")
    assert jobs.deliver_pending(NOW + WINDOW) == (0, 1)
    db.session.refresh(message)
    assert message.state is DigestState.PENDING
    assert jobs.deliver_pending(NOW + 3 * WINDOW) == (1, 0)


def test_an_invalid_number_fails_at_once(app, world, whatsapp_api):
    message = _one_whatsapp_notice(world)
    whatsapp_api.script("400")
    assert jobs.deliver_pending(NOW + WINDOW) == (0, 1)
    db.session.refresh(message)
    assert (message.state, message.attempts) == (DigestState.FAILED, 1)
    assert "131026" in message.last_error
    assert jobs.deliver_pending(NOW + dt.timedelta(days=1)) == (0, 0)


def test_a_crash_between_send_and_commit_is_settled_by_the_status_callback(
    app, client, world, whatsapp_api
):
    """The process hands the message over and dies before recording it: the row stays
    "sending". WhatsApp's status callback names the outbox row (the message carries its
    reference), so the row is marked sent and never sent again."""
    from tracker import whatsapp
    from tracker.services import messages

    message = _one_whatsapp_notice(world)
    at = NOW + WINDOW
    assert jobs._claim(message.id, at)
    db.session.refresh(message)
    kind, params = messages.whatsapp_notice(message, messages.notifications_of(message))
    wamid = whatsapp.send_template(SECRETARY_PHONE, kind, params, reference=f"outbox:{message.id}")
    db.session.rollback()  # the crash: nothing after the send is recorded
    body, headers = signed(
        callback(
            status(
                wamid, "sent", int(at.timestamp()), biz_opaque_callback_data=f"outbox:{message.id}"
            )
        )
    )
    assert client.post("/webhooks/whatsapp", data=body, headers=headers).status_code == 200
    db.session.expire_all()
    message = db.session.get(ReminderDigest, message.id)
    assert message.state is DigestState.SENT and message.message_id == wamid
    assert jobs.deliver_pending(at + dt.timedelta(hours=1)) == (0, 0)
    assert len(_sent_whatsapp(whatsapp_api)) == 1


def test_two_parallel_runs_send_each_digest_once(app, world, whatsapp_api, mail, backend):
    if backend != "postgresql":
        pytest.skip("parallel schedulers need PostgreSQL's locks")
    app.config["WHATSAPP_QUIET_HOURS"] = ""
    for n in range(3):
        make_commitment(
            world["opd"],
            statement=f"Komitmen {n}",
            due_on=dt.date(2026, 11, 20),
            carried_out_by=world["secretary"],
            made_by=world["head"],
        )
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with app.app_context():
                start.wait()
                jobs.run_reminders(DAY, now=NOW)
                db.session.remove()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    jobs.run_reminders(DAY, now=NOW)  # and a rerun after both
    assert [b["to"] for b in _sent_whatsapp(whatsapp_api)] == [SECRETARY_PHONE]
    assert len(mail.received) == 2


# --- wording -----------------------------------------------------------------------------


@pytest.mark.app_config(WHATSAPP_QUIET_HOURS="")
def test_a_returned_commitment_is_labelled_returned_in_the_digest(app, world, whatsapp_api, mail):
    commitment = _reported_done(world)
    _return(commitment, world, "Foto kegiatan belum ada", now=NOW - dt.timedelta(days=3))
    jobs.run_reminders(DAY, now=NOW)
    digest_mail = [m for m in _emails(mail) if "Pengingat" in str(m["Subject"])]
    (to_secretary,) = [m for m in digest_mail if m["To"] == "sekretaris@dinkes.example.org"]
    text = _text(to_secretary)
    assert "Dikembalikan" in text and "Foto kegiatan belum ada" in text
    assert "Tanpa perkembangan" not in text
    digest = db.session.scalars(
        db.select(ReminderDigest).where(
            ReminderDigest.kind == MessageKind.DIGEST, ReminderDigest.channel == Channel.WHATSAPP
        )
    ).one()
    assert "1 dikembalikan" in messages_summary(digest)


def messages_summary(digest: ReminderDigest) -> str:
    from flask_babel import force_locale

    from tracker.services import messages

    with force_locale("id"):
        return messages.digest_summary(digest).lower()


@pytest.mark.app_config(WHATSAPP_QUIET_HOURS="")
def test_each_reader_gets_their_own_digest(app, world, whatsapp_api, mail):
    """The secretary is told what to do, the head what the OPD has open, the Inspektur
    which OPDs are long overdue (never asked to post evidence)."""
    factories.make_person(
        None,
        name="Inspektur Kota",
        hierarchy_role=HierarchyRole.INSPEKTUR,
        email="inspektur@example.org",
        notify_by=NotifyChannel.EMAIL,
    )
    make_commitment(
        world["opd"],
        statement="Menyusun SOP layanan digital",
        due_on=dt.date(2026, 9, 1),  # long overdue: escalated
        carried_out_by=world["secretary"],
        made_by=world["head"],
    )
    jobs.run_reminders(DAY, now=NOW)
    texts = {m["To"]: (str(m["Subject"]), _text(m)) for m in _emails(mail)}
    _subject, secretary = texts["sekretaris@dinkes.example.org"]
    assert "Mohon unggah perkembangan dan bukti dukung" in secretary
    head_subject, head = texts["kepala@dinkes.example.org"]
    assert "OPD Anda" in head_subject and "masih terbuka" in head
    assert "unggah" not in head.lower()
    leader_subject, leader = texts["inspektur@example.org"]
    assert "Eskalasi" in leader_subject and "Dinas Kesehatan" in leader
    assert "bukti" not in leader.lower() and "unggah" not in leader.lower()
    (whatsapp_body,) = _sent_whatsapp(whatsapp_api)
    assert (
        whatsapp_body["template"]["name"]
        == app.config["WHATSAPP_TEMPLATES"]["digest_executor"]["name"]
    )


@pytest.mark.app_config(WHATSAPP_QUIET_HOURS="")
def test_an_invitee_without_email_gets_the_invitation_and_the_change_by_whatsapp(
    app, world, whatsapp_api
):
    """A leader with no e-mail (and no login) is invited by WhatsApp with the personal
    check-in link, counts as invited, and is told of a change of date."""
    from tracker.models import Invitation, Workshop, WorkshopStatus
    from tracker.services import workshop_notices
    from tracker.services import workshops as workshop_service

    leader = factories.make_person(None, name="Wakil Wali Kota", email=None, phone="0812-3456-7099")
    start = dt.datetime(2026, 12, 10, 1, 0, tzinfo=dt.UTC)
    workshop = Workshop(
        title="Workshop SAKIP",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=4),
        venue="Balai Kota",
    )
    db.session.add(workshop)
    db.session.flush()
    db.session.add(Invitation(workshop_id=workshop.id, person_id=leader.id))
    db.session.commit()
    with app.test_request_context():
        outcome = workshop_service.send_invitations(
            workshop, workshop.invitations, now=NOW, url="http://localhost/workshops/1"
        )
        db.session.commit()
    assert (outcome.sent, outcome.by_whatsapp, outcome.without_email) == (0, 1, [])
    assert workshop.invitations[0].invitation_sent_at is not None
    assert jobs.deliver_pending(NOW + WINDOW) == (1, 0)
    (invitation,) = _sent_whatsapp(whatsapp_api)
    assert invitation["to"] == "6281234567099"
    (told,) = db.session.scalars(db.select(Notification)).all()
    name, what, link = _params(invitation)
    assert name == "Wakil Wali Kota" and "Workshop SAKIP" in what
    assert link == told.params["pass_url"]  # the personal check-in link: no login needed
    assert client_opens(app, link) == 200

    values = {
        "title": workshop.title,
        "starts_at": start + dt.timedelta(days=1),
        "ends_at": start + dt.timedelta(days=1, hours=4),
        "venue": workshop.venue,
        "kind": workshop.kind,
        "theme": None,
        "organiser_opd_id": None,
        "description": None,
        "agenda": None,
        "thematic_area_ids": [],
        "status": WorkshopStatus.PLANNED,
        "expected_version": workshop.version,
    }
    later = NOW + 2 * WINDOW
    with app.test_request_context():
        result = workshop_notices.update_and_notify(
            workshop,
            actor=None,
            now=later,
            url="http://localhost/workshops/1",
            confirmed=True,
            **values,
        )
        db.session.commit()
    assert result.notice is not None and result.notice.by_whatsapp == 1
    assert jobs.deliver_pending(later + WINDOW) == (1, 0)
    assert len(_sent_whatsapp(whatsapp_api)) == 2
    events = [
        n.event for n in db.session.scalars(db.select(Notification).order_by(Notification.id))
    ]
    assert events == [NoticeEvent.WORKSHOP_INVITATION, NoticeEvent.WORKSHOP_UPDATE]


def client_opens(app, url: str) -> int:
    """The status of a GET of an absolute link of the app, by a visitor without a login."""
    from urllib.parse import urlsplit

    return app.test_client().get(urlsplit(url).path).status_code


def test_two_simultaneous_events_for_one_person_share_one_message(app, world, backend):
    """Two requests telling the same person at the same moment (two reviewers returning
    two commitments): one message per channel carries both."""
    if backend != "postgresql":
        pytest.skip("simultaneous writers need PostgreSQL (SQLite serialises them)")
    from tracker.models import Person

    person_id = world["secretary"].id
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def tell(n: int) -> None:
        try:
            with app.app_context():
                person = db.session.get(Person, person_id)
                start.wait()
                notices.notify(
                    NoticeEvent.COMMITMENT_VERIFIED,
                    item_type="commitment",
                    item_id=n,
                    title=f"Komitmen {n}",
                    url=f"/commitments/{n}",
                    now=NOW,
                    people=[person],
                )
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=tell, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    messages = db.session.scalars(db.select(ReminderDigest)).all()
    assert sorted(m.channel.value for m in messages) == ["email", "whatsapp"]
    told = db.session.scalars(db.select(Notification)).all()
    assert len(told) == 2
    assert len({n.email_message_id for n in told}) == 1
    assert len({n.whatsapp_message_id for n in told}) == 1
