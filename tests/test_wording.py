"""Small things users read: names with degrees, NIPs typed with spaces, one name per
official, one word for a due date, the findings heading, and reminder wording that fits
the recipient's part (carry out, see to it, or escalate)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import load_workbook
from sqlalchemy import select

from tests import factories
from tests.commitments.factories_commitments import make_commitment
from tests.workshops.factories_workshops import make_workshop
from tracker import jobs
from tracker.blueprints.auth.routes import welcome
from tracker.extensions import db
from tracker.models import HierarchyRole, Person, Role
from tracker.models.reminder import ReminderDigest
from tracker.services import organisation, reminders
from tracker.services.errors import DomainError
from tracker.services.reminders import OpenItem, Recipient

CATALOG = "tracker/translations/id/LC_MESSAGES/messages.po"


def _text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


# --- names ---------------------------------------------------------------------------------


def test_a_name_ending_with_a_degree_gets_one_full_stop(app, client, login):
    user = factories.make_user(Role.INSPEKTORAT, name="Drs. Bambang Wijaya, S.E.")
    response = client.post(
        "/login",
        data={"email": user.email, "password": factories.DEFAULT_PASSWORD},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Selamat datang, Drs. Bambang Wijaya, S.E." in page
    assert "S.E.." not in page
    with app.test_request_context():
        assert welcome("Siti Aminah") == "Selamat datang, Siti Aminah."


def test_an_official_without_a_personal_name_is_listed_once(client, login_as):
    opd = factories.make_opd("DINKES", "Dinas Kesehatan")
    head = factories.make_person(
        opd,
        name="Kepala Dinas Kesehatan",
        position="Kepala Dinas Kesehatan",
        hierarchy_role=HierarchyRole.KEPALA_OPD,
    )
    named = factories.make_person(opd, name="dr. Husnul Muarif", position="Sekretaris Dinas")
    workshop = make_workshop(invite=[head, named])
    login_as("admin")
    page = client.get(f"/workshops/{workshop.id}").get_data(as_text=True)
    rows = re.findall(r'<tr data-testid="invitee-row".*?</tr>', page, re.S)
    texts = [_text(row) for row in rows]
    assert any("dr. Husnul Muarif Sekretaris Dinas" in t for t in texts)
    (row,) = [t for t in texts if "Kepala Dinas Kesehatan" in t]
    assert row.count("Kepala Dinas Kesehatan") == 1, row


@pytest.mark.parametrize("locale", ["id", "en"])
def test_a_workshop_title_is_not_preceded_by_the_word_workshop(app, locale):
    title = "Workshop Penguatan Kapasitas Perangkat Daerah"
    with app.test_request_context(), force_locale(locale):
        messages = [
            _("“%(title)s” has been planned.", title=title),
            _("“%(title)s” has been saved.", title=title),
            _("“%(title)s” has been cancelled.", title=title),
            _("Cancel “%(title)s”?", title=title),
        ]
    assert all(title in m and "Workshop Workshop" not in m.title() for m in messages), messages
    if locale == "id":  # translated, not the English text passed through
        assert all("has been" not in m and "Cancel" not in m for m in messages), messages


# --- NIP -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["19750312 200003 2 004", "19750312.200003.2.004", " 19750312-200003-2-004 "]
)
def test_a_nip_typed_with_separators_is_stored_as_18_digits(client, login_as, typed):
    login_as("admin")
    response = client.post(
        "/admin/people/new",
        data={"name": "Sri Wahyuni", "nip": typed, "position": "Kepala Bidang"},
    )
    assert response.status_code == 302, _text(response.get_data(as_text=True))[:600]
    person = db.session.scalar(select(Person).where(Person.name == "Sri Wahyuni"))
    assert person.nip == "197503122000032004"


def test_a_nip_that_is_not_18_digits_is_refused(client, login_as, app):
    login_as("admin")
    for typed in ("19750312 200003 2", "19750312 200003 2 00A"):
        response = client.post(
            "/admin/people/new", data={"name": "X", "nip": typed, "position": "Y"}
        )
        assert response.status_code == 400, typed
        assert "NIP harus tepat 18 digit" in response.get_data(as_text=True)
    with app.test_request_context():
        person = organisation.create_person(
            name="Rudi", position="Kepala Seksi", nip="19800101 200501 1 002"
        )
        assert person.nip == "198001012005011002"
        with pytest.raises(DomainError) as refused:
            organisation.create_person(name="Tono", position="Staf", nip="1980 0101")
        assert refused.value.field == "nip"
        db.session.rollback()


# --- one word for a due date -----------------------------------------------------------------


def test_due_dates_have_one_name_in_indonesian():
    with open(CATALOG, "rb") as handle:
        catalog = read_po(handle, locale="id")
    tenggat = [
        m.id for m in catalog if m.id and "tenggat" in str(m.string).lower() and not m.obsolete
    ]
    assert tenggat == []


def test_the_commitment_export_names_the_due_date_once(client, login_as):
    make_commitment(due_on=dt.date(2023, 12, 31))
    login_as("inspektorat")
    response = client.get("/commitments/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[-1]
    headers = [cell.value for row in sheet.iter_rows(max_row=10) for cell in row if cell.value]
    header_text = " | ".join(str(h) for h in headers)
    assert "Batas waktu" in headers, header_text
    assert "Tenggat" not in header_text
    assert "Status batas waktu" in headers


def test_the_findings_heading_is_the_menu_label(client, login_as):
    login_as("inspektorat")
    page = client.get("/findings/").get_data(as_text=True)
    (heading,) = re.findall(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert heading.strip() == "Temuan"
    assert ">Temuan<" in page.split("<main")[0]  # the menu entry


# --- reminder wording by the recipient's part ------------------------------------------------

MON = dt.date(2023, 8, 21)
NOW = dt.datetime(2023, 8, 21, 0, 0, tzinfo=dt.UTC)
UPLOAD = "Mohon unggah perkembangan dan bukti dukung"
SECRETARY = Recipient("sekretaris.dinkes@example.org", "Sekretaris Dinkes")
HEAD = Recipient("kepala.dinkes@example.org", "Kepala Dinkes")


def _item(item_id: int, due: dt.date, opd: str) -> OpenItem:
    return OpenItem(
        "commitment",
        item_id,
        f"Komitmen {item_id}",
        1,
        opd,
        due,
        None,
        f"/commitments/{item_id}",
        SECRETARY,
        HEAD,
    )


@pytest.fixture
def digests(app, monkeypatch) -> dict[str, tuple[str, str, str]]:
    """(subject, text, HTML) of each recipient's digest: one item long overdue, one due."""
    factories.make_person(None, hierarchy_role=HierarchyRole.SEKDA, email="sekda@example.org")
    factories.make_person(
        None, hierarchy_role=HierarchyRole.INSPEKTUR, email="inspektur@example.org"
    )
    items = [
        _item(1, MON - dt.timedelta(days=45), "Dinas Kesehatan"),
        _item(2, MON - dt.timedelta(days=40), "Dinas Pendidikan"),
        _item(3, MON, "Dinas Kesehatan"),
    ]
    monkeypatch.setattr(reminders, "SOURCES", [lambda _today: list(items)])
    reminders.queue_digests(MON, now=NOW)
    db.session.commit()
    found = {}
    with app.test_request_context():
        for digest in db.session.scalars(select(ReminderDigest)):
            text, html = jobs.render_digest(digest)
            found[digest.recipient_email] = (digest.subject, text, html)
    return found


def test_the_secretary_is_asked_to_upload(digests):
    subject, text, html = digests[SECRETARY.email]
    assert subject.startswith("Pengingat")
    assert UPLOAD in text and UPLOAD in html
    assert "Selaku kepala OPD" not in text
    assert "kepala OPD terkait" not in text


def test_the_head_is_asked_to_see_to_it(digests):
    _subject, text, html = digests[HEAD.email]
    assert UPLOAD not in text and UPLOAD not in html
    assert "Selaku kepala OPD, mohon pastikan" in text
    assert "Selaku kepala OPD, mohon pastikan" in html


@pytest.mark.parametrize("leader", ["sekda@example.org", "inspektur@example.org"])
def test_leaders_get_an_escalation_by_opd(digests, leader):
    subject, text, html = digests[leader]
    assert subject.startswith("Eskalasi")
    assert UPLOAD not in text and UPLOAD not in html
    assert "di bawah pengawasan Bapak/Ibu telah terlambat lebih dari 30 hari" in text
    assert "Mohon Bapak/Ibu meminta kepala OPD terkait" in text
    assert "Mohon Bapak/Ibu meminta kepala OPD terkait" in html
    # What is late, by OPD; only the long-overdue items.
    assert "== Dinas Kesehatan (1) ==" in text
    assert "== Dinas Pendidikan (1) ==" in text
    assert "Komitmen 3" not in text
