"""The pass in every invitation: the e-mail (link and QR code), the printable cards, and
revoking a pass from the workshop page."""

from __future__ import annotations

import io
import re

import pypdfium2
import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from tests.factories import make_person
from tests.workshops.factories_workshops import invite, make_city, make_now_workshop
from tests.workshops.helpers import pdf_text
from tracker.extensions import db
from tracker.models import AttendanceStatus, Invitation
from tracker.services import passes

BASE = "https://tracker.malangkota.go.id"
LINK = re.compile(re.escape(BASE) + r"/hadir/[A-Za-z0-9_-]{43}")


def _decode(png: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


@pytest.mark.app_config(BASE_URL=BASE)
def test_the_invitation_email_carries_the_personal_link_and_its_qr_code(
    client, login_as, outbox
) -> None:
    city = make_city(1)
    workshop = make_now_workshop(title="Workshop RB", organiser=city.inspektorat)
    login_as("inspektorat")
    response = client.post(
        f"/workshops/{workshop.id}/invite",
        data={"person_ids": [str(city.sekda.id), str(city.heads[0].id)], "send_emails": "y"},
    )
    assert response.status_code == 302
    messages = outbox.messages()
    assert len(messages) == 2
    links = set()
    for message in messages:
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        (link,) = set(LINK.findall(text))
        assert link in html
        qr = next(a for a in message.iter_attachments() if a.get_content_type() == "image/png")
        assert qr.get_filename() == "kode-qr-hadir.png"
        assert "kode-qr-hadir.png" in text
        assert _decode(qr.get_payload(decode=True)) == [link]
        links.add(link)
        # the link is the invitee's own pass
        invitation = passes.find(link.rsplit("/", 1)[1], workshop_id=workshop.id)
        assert invitation is not None and invitation.person.email == message["To"]
    assert len(links) == 2
    # opening it (anonymous, in the window) checks that invitee in
    client.post("/logout")
    path = next(iter(links)).removeprefix(BASE)
    page = client.get(path, headers={"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"})
    assert 'data-testid="pass-checked-in"' in page.get_data(as_text=True)


@pytest.mark.app_config(BASE_URL=BASE)
def test_the_invitation_cards_carry_name_link_and_qr(client, login_as) -> None:
    city = make_city(2)
    workshop = make_now_workshop(title="Workshop Manajemen Risiko")
    for person in (city.wawali, *city.heads):
        invite(workshop, person)
    login_as("inspektorat")
    detail = client.get(f"/workshops/{workshop.id}").get_data(as_text=True)
    assert f"/workshops/{workshop.id}/cards.pdf" in detail
    invitation = db.session.scalars(
        select(Invitation).where(Invitation.person_id == city.heads[0].id)
    ).one()
    assert f"/workshops/{workshop.id}/invitations/{invitation.id}/card.pdf" in detail

    one = client.get(f"/workshops/{workshop.id}/invitations/{invitation.id}/card.pdf")
    assert one.status_code == 200 and one.mimetype == "application/pdf"
    text = pdf_text(one.data)
    assert city.heads[0].name in text and city.heads[0].position in text
    assert "Dinas Nomor 000" in text and "Workshop Manajemen Risiko" in text
    db.session.expire_all()
    token = passes.token_for(db.session.get(Invitation, invitation.id))
    assert f"{BASE}/hadir/{token}" in text.replace(" ", "")
    assert city.wawali.name not in text
    # the printed QR code scans to that link
    page = pypdfium2.PdfDocument(one.data)[0]
    scanned = [r.text for r in zxingcpp.read_barcodes(page.render(scale=3).to_pil())]
    assert scanned == [f"{BASE}/hadir/{token}"]

    everyone = client.get(f"/workshops/{workshop.id}/cards.pdf")
    assert everyone.status_code == 200
    text = pdf_text(everyone.data)
    for person in (city.wawali, *city.heads):
        assert person.name in text
    # every card's pass is issued and works
    db.session.expire_all()
    for inv in db.session.scalars(select(Invitation).where(Invitation.workshop_id == workshop.id)):
        assert passes.find(passes.token_for(inv)) is not None


def test_an_opd_user_or_a_leader_cannot_print_cards(client, login_as) -> None:
    workshop = make_now_workshop()
    inv = invite(workshop, make_person())
    login_as("pimpinan")
    assert client.get(f"/workshops/{workshop.id}/cards.pdf").status_code == 403
    assert client.get(f"/workshops/{workshop.id}/invitations/{inv.id}/card.pdf").status_code == 403


def test_staff_revoke_a_pass_and_the_old_link_stops_working(client, login_as) -> None:
    workshop = make_now_workshop()
    invitation = invite(workshop, make_person(name="Bu Ratna"))
    old = passes.issue(invitation)
    db.session.commit()
    login_as("inspektorat")
    response = client.post(
        f"/workshops/{workshop.id}/invitations/{invitation.id}/pass/revoke",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Bu Ratna" in response.get_data(as_text=True)
    client.post("/logout")
    gone = client.get(f"/hadir/{old}", headers={"Sec-Fetch-Mode": "navigate"})
    assert gone.status_code == 404
    db.session.expire_all()
    fresh = db.session.get(Invitation, invitation.id)
    assert fresh is not None and fresh.status is AttendanceStatus.INVITED
    assert client.get(f"/hadir/{passes.token_for(fresh)}").status_code == 200
    # another workshop's invitation is not reachable through this workshop's URL
    other = invite(make_now_workshop(), make_person())
    login_as("inspektorat")
    assert (
        client.post(f"/workshops/{workshop.id}/invitations/{other.id}/pass/revoke").status_code
        == 404
    )
