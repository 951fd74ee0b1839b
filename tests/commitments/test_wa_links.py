""" "Kirim via WhatsApp" (wa.me links) on a commitment, on a finding's recommendations and
on the reminder preview: whom they write to, what the text says, who sees them."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from tests import factories
from tests.commitments.factories_commitments import make_commitment
from tests.findings.factories import make_finding, make_recommendation
from tracker.models import HierarchyRole, NotifyChannel, Role
from tracker.models.commitment import CommitmentStatus
from tracker.services import reminders, wa_links
from tracker.services.reminders import OpenItem, PlannedDigest, PlannedItem, Recipient

MOBILE = "6281234567890"
OTHER_MOBILE = "6281398765432"
BASE = "http://127.0.0.1:5000"
LINK = re.compile(r'<a\b[^>]*href="([^"]*)"[^>]*data-testid="whatsapp-link"[^>]*>')


def _links(page: str) -> list[tuple[str, str]]:
    """Each WhatsApp button as (its number, its decoded text); checks its attributes."""
    found = []
    for match in LINK.finditer(page):
        tag = match.group(0)
        assert 'target="_blank"' in tag and 'rel="noopener"' in tag
        href = unescape(match.group(1))
        parts = urlsplit(href)
        assert (parts.scheme, parts.netloc) == ("https", "wa.me")
        found.append((parts.path.strip("/"), parse_qs(parts.query)["text"][0]))
    return found


def _hrefs(page: str) -> list[str]:
    return [unescape(m.group(1)) for m in LINK.finditer(page)]


def _secretary(opd, **kw):
    return factories.make_person(
        opd,
        hierarchy_role=HierarchyRole.SEKRETARIS_OPD,
        name=kw.pop("name", f"Sekretaris {opd.name}"),
        **kw,
    )


# --- commitments -------------------------------------------------------------------------


def test_commitment_link_to_the_official_carrying_it_out(client, login_as):
    opd = factories.make_opd(name="Dinas Kesehatan")
    _secretary(opd, phone=OTHER_MOBILE)
    executor = factories.make_person(opd, name="Bu Rina", phone=MOBILE)
    commitment = make_commitment(
        opd,
        carried_out_by=executor,
        statement="Menurunkan angka stunting di lima kelurahan",
        due_on=dt.date(2030, 7, 31),
        progress=40,
    )
    login_as("inspektorat")
    page = client.get(f"/commitments/{commitment.id}").get_data(as_text=True)
    [(number, text)] = _links(page)
    assert number == MOBILE
    assert text.startswith("Yth. Bu Rina,")
    assert f"Komitmen #{commitment.id} · Dinas Kesehatan" in text
    assert "Menurunkan angka stunting di lima kelurahan" in text
    assert "jatuh tempo Rabu, 31 Juli 2030" in text
    assert "Status: Sedang berjalan, kemajuan 40%;" in text
    assert f"{BASE}/commitments/{commitment.id}" in text
    # The link is in the URL encoded, as wa.me needs it.
    [href] = _hrefs(page)
    assert quote(f"{BASE}/commitments/{commitment.id}", safe="") in href
    assert "Kirim via WhatsApp" in page


def test_commitment_without_executor_goes_to_the_active_secretary(client, login_as):
    opd = factories.make_opd()
    _secretary(opd, phone=OTHER_MOBILE, active=False)
    _secretary(opd, phone="0812-3456-7890", name="Pak Sekretaris")  # saved before the check
    commitment = make_commitment(opd)
    login_as("admin")
    [(number, text)] = _links(client.get(f"/commitments/{commitment.id}").get_data(as_text=True))
    assert number == MOBILE
    assert text.startswith("Yth. Pak Sekretaris,")


@pytest.mark.parametrize(
    ("phone", "notify_by"),
    [
        (None, NotifyChannel.BOTH),
        ("62341551234", NotifyChannel.BOTH),  # an office line: WhatsApp cannot reach it
        (MOBILE, NotifyChannel.EMAIL),  # the official asked for e-mail only
    ],
)
def test_without_a_reachable_number_the_sender_picks_the_contact(
    client, login_as, phone, notify_by
):
    opd = factories.make_opd()
    _secretary(opd, phone=phone, notify_by=notify_by)
    commitment = make_commitment(opd)
    login_as("inspektorat")
    page = client.get(f"/commitments/{commitment.id}").get_data(as_text=True)
    [href] = _hrefs(page)
    assert href.startswith("https://wa.me/?text=")
    assert "Nomor ponsel belum dicatat: pilih kontaknya di WhatsApp." in page


def test_long_statement_is_shortened(client, login_as):
    opd = factories.make_opd()
    commitment = make_commitment(opd, statement="kata " * 200)
    login_as("inspektorat")
    [(_number, text)] = _links(client.get(f"/commitments/{commitment.id}").get_data(as_text=True))
    quoted = next(line for line in text.splitlines() if line.startswith("\u201c"))
    assert len(quoted) <= 302 and quoted.endswith("…\u201d")


def test_overdue_state_in_the_text(app):
    opd = factories.make_opd()
    commitment = make_commitment(opd, due_on=dt.date(2023, 7, 31))
    with app.test_request_context():
        state = wa_links.commitment_state(commitment, dt.date(2023, 8, 5))
    assert "terlambat 5 hari" in state


@pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")
def test_text_is_indonesian_on_an_english_screen(client, login_as):
    opd = factories.make_opd()
    commitment = make_commitment(opd, due_on=dt.date(2030, 7, 31))
    login_as("inspektorat")
    page = client.get(f"/commitments/{commitment.id}").get_data(as_text=True)
    assert "Send via WhatsApp" in page
    [(_number, text)] = _links(page)
    assert "jatuh tempo Rabu, 31 Juli 2030" in text


@pytest.mark.parametrize("role", [Role.OPD, Role.PIMPINAN])
def test_no_button_for_roles_that_may_not_manage(client, login, role):
    opd = factories.make_opd()
    _secretary(opd, phone=MOBILE)
    commitment = make_commitment(opd, status=CommitmentStatus.ACTIVE)
    login(factories.make_user(role, opd=opd if role is Role.OPD else None))
    response = client.get(f"/commitments/{commitment.id}")
    assert response.status_code == 200
    assert 'data-testid="whatsapp-link"' not in response.get_data(as_text=True)


# --- recommendations ---------------------------------------------------------------------


def test_recommendation_link_to_the_opd_secretary(client, login_as):
    opd = factories.make_opd(name="Badan Kepegawaian")
    _secretary(opd, phone=MOBILE, name="Sekretaris BKPSDM")
    finding = make_finding(opds=[opd])
    rec = make_recommendation(
        finding,
        opd,
        number="1",
        text="Menyusun peta jabatan sesuai ketentuan",
        due_on=dt.date(2030, 1, 30),
    )
    login_as("inspektorat")
    page = client.get(f"/findings/{finding.id}").get_data(as_text=True)
    [(number, text)] = _links(page)
    assert number == MOBILE
    assert text.startswith("Yth. Sekretaris BKPSDM,")
    assert "Rekomendasi 1 · Badan Kepegawaian" in text
    assert "Menyusun peta jabatan sesuai ketentuan" in text
    assert "jatuh tempo Rabu, 30 Januari 2030" in text
    assert "Belum ditindaklanjuti" in text
    item_link = f"{BASE}/findings/{finding.id}#rec-{rec.id}"
    assert item_link in text
    assert quote(item_link, safe="") in _hrefs(page)[0]


@pytest.mark.parametrize("role", [Role.OPD, Role.PIMPINAN])
def test_no_recommendation_button_for_roles_that_may_not_manage(client, login, role):
    opd = factories.make_opd()
    _secretary(opd, phone=MOBILE)
    finding = make_finding(opds=[opd])
    make_recommendation(finding, opd)
    login(factories.make_user(role, opd=opd if role is Role.OPD else None))
    page = client.get(f"/findings/{finding.id}").get_data(as_text=True)
    assert 'data-testid="recommendation"' in page
    assert 'data-testid="whatsapp-link"' not in page


# --- the reminder preview ------------------------------------------------------------------

MON = dt.date(2023, 8, 21)


def _item(n: int, executor: Recipient) -> OpenItem:
    return OpenItem(
        "commitment",
        n,
        f"Komitmen {n}",
        1,
        "Dinas Kesehatan",
        MON,
        None,
        f"/commitments/{n}",
        executor,
        None,
    )


@pytest.fixture
def source(monkeypatch):
    items: list[OpenItem] = []
    monkeypatch.setattr(reminders, "SOURCES", [lambda _today: list(items)])
    return items


def test_preview_has_a_link_per_digest(client, login_as, source):
    opd = factories.make_opd()
    official = _secretary(opd, phone=OTHER_MOBILE, name="Bu Wati")
    source.append(_item(1, Recipient("rina@example.org", "Bu Rina", phone=MOBILE)))
    # WhatsApp not configured: the digest has no number; the official's own is used.
    source.append(_item(2, Recipient("wati@example.org", "Bu Wati", person_id=official.id)))
    login_as("inspektorat")
    page = client.get(f"/reminders/preview?date={MON.isoformat()}").get_data(as_text=True)
    links = {text.splitlines()[0]: (number, text) for number, text in _links(page)}
    number, text = links["Yth. Bu Rina,"]
    assert number == MOBILE
    assert "Senin, 21 Agustus 2023" in text
    assert "- Komitmen 1 (Dinas Kesehatan, jatuh tempo Senin, 21 Agustus 2023)" in text
    assert f"{BASE}/" in text
    assert links["Yth. Bu Wati,"][0] == OTHER_MOBILE
    assert "+62 812-3456-7890" in page


def test_digest_text_lists_fifteen_items_then_the_rest(app):
    recipient = Recipient("a@example.org", "Pak Budi", phone=MOBILE)
    planned = PlannedDigest(
        recipient,
        [
            PlannedItem(_item(n, recipient), reminders.ReminderReason.DUE_TODAY, "executor")
            for n in range(1, 19)
        ],
    )
    with app.test_request_context():
        text = wa_links.digest_text(planned, MON, link="https://tracker.example/")
    lines = text.splitlines()
    assert lines[0] == "Yth. Pak Budi,"
    assert sum(line.startswith("- ") for line in lines) == 15
    assert "- Komitmen 15 (Dinas Kesehatan, jatuh tempo Senin, 21 Agustus 2023)" in lines
    assert "Komitmen 16" not in text
    assert "dan 3 lainnya" in lines
    assert lines[-1] == "https://tracker.example/"
