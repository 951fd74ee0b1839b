"""Officials' phone numbers: normalised to E.164 (without "+") when saved, shown the
Indonesian way, checked against the channel the official chose; the demo's numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import render_template_string
from sqlalchemy import func, select

from tests.admin.factories_admin import form_data
from tests.factories import make_opd, make_person
from tracker import phones
from tracker.demo import data
from tracker.demo.seed import load_demo
from tracker.extensions import db
from tracker.models import AuditLog, HierarchyRole, NotifyChannel, Person

MOBILE = "6281234567890"


@pytest.mark.parametrize(
    "raw",
    [
        "0812-3456-7890",
        "081234567890",
        "0812 3456 7890",
        "0812.3456.7890",
        " 0812-3456-7890 ",
        "+62 812-3456-7890",
        "+62 812 3456 7890",
        "+6281234567890",
        "6281234567890",
        "62812.3456.7890",
        "+62 (0)812-3456-7890",
        "0062 812 3456 7890",
        "0062-812-3456-7890",
    ],
)
def test_mobile_spellings_become_e164_without_plus(plain_app, raw):
    assert phones.normalise(raw) == MOBILE


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("(0341) 551234", "62341551234"),
        ("0341-551234", "62341551234"),
        ("+62 341 551234", "62341551234"),
        ("021 5551234", "62215551234"),
        ("+1 202 555 0123", "12025550123"),
    ],
)
def test_landlines_and_foreign_numbers(plain_app, raw, expected):
    assert phones.normalise(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_blank_is_none(plain_app, raw):
    assert phones.normalise(raw) is None
    assert phones.safe_normalise(raw) is None


@pytest.mark.parametrize(
    "raw",
    [
        "08123",  # too short
        "0812",
        "0812-3456-789012345",  # too long
        "0812-3456-ABCD",  # letters are not vanity digits
        "telepon kantor",
        "+999 1234 5678",  # no such country
        "+00 000",
        "++",
        "0812\x003456",
    ],
)
def test_invalid_numbers_are_refused_with_an_indonesian_message(plain_app, raw):
    with plain_app.test_request_context():
        with pytest.raises(phones.InvalidPhone) as refused:
            phones.normalise(raw)
        message = str(refused.value)
        assert message in {
            "Nomor telepon tidak valid. Tulis seperti 0812-3456-7890 atau +62 812-3456-7890.",
            "Gunakan hanya angka, tanda +, spasi, dan tanda hubung.",
        }
        assert phones.safe_normalise(raw) is None
        assert isinstance(refused.value, ValueError)


def test_the_message_for_a_malformed_number_shows_how_to_write_one(plain_app):
    with (
        plain_app.test_request_context(),
        pytest.raises(phones.InvalidPhone, match="0812-3456-7890"),
    ):
        phones.normalise("08123")


def test_is_mobile(plain_app):
    assert phones.is_mobile(MOBILE)
    assert phones.is_mobile("0812-3456-7890")  # a value saved before numbers were checked
    assert not phones.is_mobile("62341551234")  # an office line in Malang
    assert phones.is_mobile("12025550123")  # fixed line or mobile: WhatsApp may reach it
    assert not phones.is_mobile(None)
    assert not phones.is_mobile("")
    assert not phones.is_mobile("123")


def test_display_the_indonesian_way(plain_app):
    assert phones.display(MOBILE) == "+62 812-3456-7890"
    assert phones.display("62341551234") == "+62 341 551234"
    assert phones.display("+62 341-406878") == "+62 341 406878"  # saved before the check
    assert phones.display("0812 3456 7890") == "+62 812-3456-7890"
    assert phones.display("nomor lama") == "nomor lama"  # shown as it was saved
    assert phones.display(None) == ""


def test_phone_filter_in_templates(plain_app):
    with plain_app.test_request_context():
        assert render_template_string("{{ p|phone }}", p=MOBILE) == "+62 812-3456-7890"


def test_wa_me_url(plain_app):
    assert (
        phones.wa_me_url(MOBILE, "Halo & selamat pagi?\nhttps://x.example/a?b=1")
        == "https://wa.me/6281234567890?text=Halo%20%26%20selamat%20pagi%3F%0A"
        "https%3A%2F%2Fx.example%2Fa%3Fb%3D1"
    )
    assert phones.wa_me_url(None, "Halo") == "https://wa.me/?text=Halo"
    assert phones.wa_me_url("", "a b") == "https://wa.me/?text=a%20b"


# --- saving an official through the admin form -----------------------------------------


def _form(**overrides: str) -> dict[str, str]:
    values = {
        "name": "Sekretaris Dinas Kesehatan",
        "nip": "",
        "position": "Sekretaris Dinas Kesehatan",
        "hierarchy_role": "sekretaris_opd",
        "opd_id": "",
        "email": "sekretaris.dinkes@example.org",
        "phone": "0812-3456-7890",
        "notify_by": "both",
        "notes": "",
    }
    values.update(overrides)
    return values


def _people() -> list[Person]:
    db.session.expire_all()
    return list(db.session.scalars(select(Person).order_by(Person.id)))


@pytest.mark.parametrize(
    ("typed", "channel", "stored"),
    [
        ("0812.3456.7890", "whatsapp", MOBILE),
        ("+62 (0)812 3456 7890", "both", MOBILE),
        ("(0341) 551234", "email", "62341551234"),
        ("", "both", None),
        ("", "email", None),
    ],
)
def test_saved_normalised(client, login_as, typed, channel, stored):
    login_as("inspektorat")
    response = client.post("/admin/people/new", data=_form(phone=typed, notify_by=channel))
    assert response.status_code == 302, response.get_data(as_text=True)
    (person,) = _people()
    assert person.phone == stored
    assert person.notify_by is NotifyChannel(channel)
    entry = db.session.scalar(select(AuditLog).where(AuditLog.entity_type == "Person"))
    assert entry.changes.get("phone", [None, None]) == [None, stored]


@pytest.mark.parametrize(
    ("typed", "channel", "message"),
    [
        (
            "08123",
            "both",
            "Nomor telepon tidak valid. Tulis seperti 0812-3456-7890 atau +62 812-3456-7890.",
        ),
        ("0812-ABCD-7890", "email", "Gunakan hanya angka, tanda +, spasi, dan tanda hubung."),
        ("+999 1234 5678", "email", "Nomor telepon tidak valid."),
        ("", "whatsapp", "Isikan nomor ponsel untuk pengiriman lewat WhatsApp"),
        ("(0341) 551234", "whatsapp", "WhatsApp memerlukan nomor ponsel"),
        ("(0341) 551234", "both", "WhatsApp memerlukan nomor ponsel"),
    ],
)
def test_refused_at_the_phone_field(client, login_as, typed, channel, message):
    login_as("admin")
    response = client.post("/admin/people/new", data=_form(phone=typed, notify_by=channel))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'name="phone"' in page and "is-invalid" in page  # the form again, at the field
    assert _people() == []


def test_unknown_channel_is_refused(client, login_as):
    login_as("admin")
    response = client.post("/admin/people/new", data=_form(notify_by="sms"))
    assert response.status_code == 400
    assert _people() == []


def test_channel_defaults_to_both(client, login_as):
    login_as("admin")
    data = _form()
    del data["notify_by"]
    assert client.post("/admin/people/new", data=data).status_code == 302
    (person,) = _people()
    assert person.notify_by is NotifyChannel.BOTH


def test_edit_shows_the_number_as_written_and_saves_the_channel(client, login_as):
    opd = make_opd()
    person = make_person(opd, phone="+62 341-406878")  # saved before numbers were checked
    login_as("inspektorat")
    page = client.get(f"/admin/people/{person.id}/edit").get_data(as_text=True)
    data = form_data(page)
    assert data["phone"] == "+62 341 406878"
    assert data["notify_by"] == "both"

    # An office line cannot be reached by WhatsApp: the official must choose e-mail.
    response = client.post(f"/admin/people/{person.id}/edit", data=data)
    assert response.status_code == 400
    assert "WhatsApp memerlukan nomor ponsel" in response.get_data(as_text=True)

    data.update(notify_by="email")
    assert client.post(f"/admin/people/{person.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    assert (person.phone, person.notify_by) == ("62341406878", NotifyChannel.EMAIL)
    entry = db.session.scalars(
        select(AuditLog).where(AuditLog.entity_type == "Person").order_by(AuditLog.id.desc())
    ).first()
    assert entry.changes["notify_by"] == ["both", "email"]


def test_list_shows_number_and_channel(client, login_as):
    make_person(phone=MOBILE, notify_by=NotifyChannel.WHATSAPP, name="Bu Sekretaris")
    login_as("pimpinan")
    page = client.get("/admin/people").get_data(as_text=True)
    assert "+62 812-3456-7890" in page
    assert 'href="tel:+62812-3456-7890"' in page
    assert "Dihubungi lewat: Hanya WhatsApp" in page


# --- demo data ---------------------------------------------------------------------------


def _seed() -> list[Person]:
    load_demo(now=dt.datetime(2023, 7, 20, 2, 0, tzinfo=dt.UTC), core_only=True)
    db.session.commit()
    return list(db.session.scalars(select(Person).order_by(Person.id)))


def test_demo_officials_have_example_mobile_numbers(app):
    people = _seed()
    assert len(people) == len(data.PEOPLE)
    numbers = [p.phone for p in people]
    assert all(n is not None and phones.is_mobile(n) for n in numbers)
    assert all(n == phones.normalise(n) for n in numbers)  # stored normalised
    assert len(set(numbers)) == len(numbers)
    assert {spec.phone for spec in data.PEOPLE} >= {"0812-3000-0001", "0812-3000-0002"}

    channels = {p.notify_by for p in people}
    assert channels == set(NotifyChannel)
    assert sum(p.notify_by is NotifyChannel.WHATSAPP for p in people) == 1
    assert sum(p.notify_by is NotifyChannel.EMAIL for p in people) >= 2
    only_whatsapp = next(p for p in people if p.notify_by is NotifyChannel.WHATSAPP)
    assert only_whatsapp.hierarchy_role is HierarchyRole.SEKRETARIS_OPD

    # Deterministic and idempotent: a second run adds nobody and changes no number.
    before = {p.id: (p.phone, p.notify_by) for p in people}
    again = _seed()
    assert {p.id: (p.phone, p.notify_by) for p in again} == before
    assert db.session.scalar(select(func.count()).select_from(Person)) == len(people)
