"""Signatures at check-in: the SVG check, the two routes (by pass token, by staff) and the
signatures in the daftar hadir (PDF and XLSX)."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from dataclasses import dataclass
from typing import Any

import pdfplumber
import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from tests import factories
from tests.test_pdf_layout import layout_problems
from tests.workshops.factories_workshops import invite, make_now_workshop
from tracker.extensions import db
from tracker.models import AttendanceSignature, AttendanceStatus, Invitation, Opd, Role
from tracker.models.base import utcnow
from tracker.services import passes, signatures
from tracker.services import workshops as service
from tracker.services.errors import DomainError

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="id")

SVG = "http://www.w3.org/2000/svg"


def strokes(*paths: str, extra: str = "") -> str:
    inner = "".join(f'<path d="{d}"/>' for d in paths)
    return (
        f'<svg xmlns="{SVG}" viewBox="0 0 600 200" width="600" height="200"{extra}>'
        f'<g fill="none" stroke="#1a237e" stroke-width="3" stroke-linecap="round" '
        f'stroke-linejoin="round">{inner}</g></svg>'
    )


A_SIGNATURE = strokes(
    "M20 150Q60 20 100 120Q140 180 180 60L220 140",
    "M260 100Q300 40 340 110Q380 170 420 80L560 90",
)


def arrived(invitation: Invitation, **kw: Any) -> Invitation:
    invitation.status = kw.pop("status", AttendanceStatus.HADIR)
    invitation.checked_in_at = kw.pop("at", utcnow() - dt.timedelta(minutes=10))
    for key, value in kw.items():
        setattr(invitation, key, value)
    db.session.commit()
    return invitation


# --- the SVG check ------------------------------------------------------------------------


def test_strokes_are_accepted_and_written_again(app: Flask) -> None:
    with app.test_request_context():
        cleaned = signatures.clean_svg(
            '<?xml version="1.0"?>\n' + A_SIGNATURE.replace("<g ", "<!-- pen -->\n<g ")
        )
    assert cleaned.startswith(f'<svg xmlns="{SVG}" viewBox="0 0 600 200"')
    assert cleaned.count("<path ") == 2
    assert "<!--" not in cleaned and "<?xml" not in cleaned


REFUSED = {
    "script": (
        strokes("M1 1L5 5").replace("</g>", "</g><script>alert(1)</script>"),
        "hanya boleh berisi goresan",
    ),
    "foreignObject": (
        strokes("M1 1L5 5").replace("</g>", '</g><foreignObject width="9"/>'),
        "hanya boleh berisi goresan",
    ),
    "event attribute": (strokes("M1 1L5 5", extra=' onload="alert(1)"'), "onload"),
    "event on a path": (strokes("M1 1L5 5").replace("<path ", '<path onclick="x" '), "onclick"),
    "external href": (
        strokes("M1 1L5 5").replace("<path ", '<path href="http://evil.example/x.svg" '),
        "href",
    ),
    "xlink href": (
        strokes("M1 1L5 5").replace(
            f'xmlns="{SVG}"', f'xmlns="{SVG}" xmlns:xlink="http://www.w3.org/1999/xlink"'
        ),
        "xmlns:xlink",
    ),
    "style": (strokes("M1 1L5 5").replace("<path ", '<path style="fill:url(#x)" '), "style"),
    "stroke with url": (strokes("M1 1L5 5").replace("#1a237e", "url(http://x)"), "stroke"),
    "words in the path": (strokes("M1 1 javascript:alert(1)"), "“d”"),
    "doctype": (
        f'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://x/svg11.dtd">{A_SIGNATURE}',
        "deklarasi",
    ),
    "entity": (
        '<!DOCTYPE svg [<!ENTITY lol "lollollol">]>'
        + A_SIGNATURE.replace("</g>", "</g>&lol;&lol;"),
        "deklarasi",
    ),
    "external entity": (
        '<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + A_SIGNATURE.replace("</g>", "</g>&x;"),
        "deklarasi",
    ),
    "undefined entity": (A_SIGNATURE.replace("</g>", "</g>&x;"), "bukan gambar SVG"),
    "text": (A_SIGNATURE.replace("</g>", "</g>Budi"), "bukan teks"),
    "oversize": (strokes(*["M1 1L599 199"] * 6000), "terlalu besar"),
    "empty": ("", "tanda tangan terlebih dahulu"),
    "no strokes": (strokes(), "tanda tangan terlebih dahulu"),
    "empty path": (strokes("", " "), "tanda tangan terlebih dahulu"),
    "not svg": ("<html><body/></html>", "hanya boleh berisi goresan"),
    "broken": ("<svg viewBox='0 0 1 1'><path d='M1 1'>", "bukan gambar SVG"),
    "no viewBox": (f'<svg xmlns="{SVG}"><path d="M1 1L5 5"/></svg>', "viewBox"),
    "two roots": (A_SIGNATURE + A_SIGNATURE, "bukan gambar SVG"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_anything_but_strokes_is_refused_in_indonesian(app: Flask, case: str) -> None:
    svg, message = REFUSED[case]
    with app.test_request_context(), pytest.raises(signatures.SignatureRefused) as refused:
        signatures.clean_svg(svg)
    assert message in str(refused.value)


def test_save_keeps_one_signature_per_invitation(app: Flask) -> None:
    invitation = arrived(invite(make_now_workshop(), factories.make_person(name="Budi Santoso")))
    first_at = utcnow() - dt.timedelta(minutes=5)
    with app.test_request_context():
        signatures.save(invitation, strokes("M1 1L9 9"), "Budi Santoso", first_at)
        db.session.commit()
        later = utcnow()
        signatures.save(invitation, A_SIGNATURE, "Budi Santoso", later)
        db.session.commit()
    stored = db.session.scalars(db.select(AttendanceSignature)).all()
    assert len(stored) == 1
    assert stored[0].svg.count("<path ") == 2
    assert stored[0].signed_at == later


def test_save_needs_an_arrival_and_the_invitee_or_their_representative(app: Flask) -> None:
    workshop = make_now_workshop()
    waiting = invite(workshop, factories.make_person(name="Belum Datang"))
    represented = arrived(
        invite(workshop, factories.make_person(name="Kepala Dinas")),
        status=AttendanceStatus.DIWAKILI,
        representative_name="Ratna Dewi",
        representative_position="Sekretaris Dinas",
    )
    now = utcnow()
    with app.test_request_context():
        with pytest.raises(DomainError, match="setelah hadir"):
            signatures.save(waiting, A_SIGNATURE, "Belum Datang", now)
        with pytest.raises(DomainError, match="mewakilinya"):
            signatures.save(represented, A_SIGNATURE, "Orang Lain", now)
        assert signatures.signer_name(represented) == "Ratna Dewi"
        signatures.save(represented, A_SIGNATURE, "Ratna Dewi", now)
        db.session.commit()
    assert db.session.get(AttendanceSignature, represented.id).signed_by == "Ratna Dewi"


# --- by the personal pass (public) ----------------------------------------------------------


def _pass(**kw: Any) -> tuple[Invitation, str]:
    invitation = invite(make_now_workshop(), factories.make_person(name="Siti Aminah"), **kw)
    token = passes.issue(invitation)
    db.session.commit()
    return invitation, token


JSON = {"Accept": "application/json"}


def test_an_arrived_invitee_signs_with_their_pass(client: FlaskClient) -> None:
    invitation, token = _pass()
    arrived(invitation)
    response = client.post(
        f"/hadir/{token}/signature", data={"signature": A_SIGNATURE}, headers=JSON
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["ok"] is True and body["signed_by"] == "Siti Aminah"
    assert "Tanda tangan tersimpan" in body["message"]
    stored = db.session.get(AttendanceSignature, invitation.id)
    assert stored is not None and stored.svg.count("<path ") == 2
    # a plain form post goes back to the pass page
    again = client.post(f"/hadir/{token}/signature", data={"signature": A_SIGNATURE})
    assert again.status_code == 302
    assert again.headers["Location"].endswith(f"/hadir/{token}")


def test_a_forged_or_revoked_pass_finds_nothing(client: FlaskClient) -> None:
    invitation, token = _pass()
    arrived(invitation)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert (
        client.post(f"/hadir/{forged}/signature", data={"signature": A_SIGNATURE}).status_code
        == 404
    )
    passes.revoke(invitation)
    db.session.commit()
    assert (
        client.post(f"/hadir/{token}/signature", data={"signature": A_SIGNATURE}).status_code == 404
    )
    assert db.session.get(AttendanceSignature, invitation.id) is None


def test_no_signature_before_arrival(client: FlaskClient) -> None:
    invitation, token = _pass()
    response = client.post(
        f"/hadir/{token}/signature", data={"signature": A_SIGNATURE}, headers=JSON
    )
    assert response.status_code == 400
    assert response.get_json()["ok"] is False
    assert "setelah hadir" in response.get_json()["message"]
    page = client.post(f"/hadir/{token}/signature", data={"signature": A_SIGNATURE})
    assert page.status_code == 400
    assert "setelah hadir" in page.get_data(as_text=True)
    assert db.session.get(AttendanceSignature, invitation.id) is None


def test_a_hostile_svg_is_refused_at_the_pass(client: FlaskClient) -> None:
    invitation, token = _pass()
    arrived(invitation)
    svg = A_SIGNATURE.replace("</g>", "</g><script>alert(1)</script>")
    response = client.post(f"/hadir/{token}/signature", data={"signature": svg}, headers=JSON)
    assert response.status_code == 400
    assert "goresan" in response.get_json()["message"]
    assert db.session.get(AttendanceSignature, invitation.id) is None


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_the_pass_route_needs_the_csrf_token(client: FlaskClient) -> None:
    invitation, token = _pass()
    arrived(invitation)
    response = client.post(f"/hadir/{token}/signature", data={"signature": A_SIGNATURE})
    assert response.status_code == 400
    assert db.session.get(AttendanceSignature, invitation.id) is None


# --- by staff (the kiosk, the attendance screen) -----------------------------------------------


def test_staff_collect_a_signature_for_an_arrived_invitee(
    client: FlaskClient, login_as: Any
) -> None:
    workshop = make_now_workshop()
    invitation = arrived(invite(workshop, factories.make_person(name="Agus Salim")))
    waiting = invite(workshop, factories.make_person(name="Belum Datang"))
    login_as(Role.INSPEKTORAT)
    url = f"/workshops/{workshop.id}/door/signature/{invitation.id}"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Agus Salim" in html and "data-signature-pad" in html and "js/signature.js" in html
    response = client.post(url, data={"signature": A_SIGNATURE}, headers=JSON)
    assert response.status_code == 200 and response.get_json()["ok"] is True
    assert db.session.get(AttendanceSignature, invitation.id).signed_by == "Agus Salim"
    # the page now shows it; a plain post goes back to the attendance screen
    assert 'data-testid="signature-current"' in client.get(url).get_data(as_text=True)
    back = client.post(url, data={"signature": A_SIGNATURE})
    assert back.status_code == 302
    assert back.headers["Location"].endswith(f"/workshops/{workshop.id}/attendance")
    # someone not arrived yet
    waiting_url = f"/workshops/{workshop.id}/door/signature/{waiting.id}"
    assert 'data-testid="signature-not-arrived"' in client.get(waiting_url).get_data(as_text=True)
    assert client.post(waiting_url, data={"signature": A_SIGNATURE}).status_code == 400
    # another workshop's invitation is not found through this one
    other = arrived(invite(make_now_workshop(), factories.make_person()))
    assert client.get(f"/workshops/{workshop.id}/door/signature/{other.id}").status_code == 404


@pytest.mark.parametrize("role", [Role.OPD, Role.PIMPINAN])
def test_only_staff_collect_signatures(client: FlaskClient, login_as: Any, role: Role) -> None:
    workshop = make_now_workshop()
    invitation = arrived(invite(workshop, factories.make_person()))
    login_as(role)
    url = f"/workshops/{workshop.id}/door/signature/{invitation.id}"
    assert client.post(url, data={"signature": A_SIGNATURE}).status_code == 403
    assert db.session.get(AttendanceSignature, invitation.id) is None


def test_the_attendance_screen_links_each_present_invitee_to_sign(
    client: FlaskClient, login_as: Any
) -> None:
    workshop = make_now_workshop()
    present = arrived(invite(workshop, factories.make_person()))
    waiting = invite(workshop, factories.make_person())
    login_as(Role.INSPEKTORAT)
    html = client.get(f"/workshops/{workshop.id}/attendance").get_data(as_text=True)
    assert f"/workshops/{workshop.id}/door/signature/{present.id}" in html
    assert f"/workshops/{workshop.id}/door/signature/{waiting.id}" not in html


# --- the daftar hadir -----------------------------------------------------------------------


def _sheet_world() -> tuple[Any, list[Invitation]]:
    dinkes = factories.make_opd("DINKES", "Dinas Kesehatan")
    kominfo = factories.make_opd("DISKOMINFO", "Dinas Komunikasi dan Informatika")
    people = [
        factories.make_person(
            dinkes, name="Kepala Dinas Kesehatan", position="Kepala Dinas Kesehatan"
        ),
        factories.make_person(
            kominfo,
            name="Ir. Bambang Wicaksono",
            position="Kepala Dinas Komunikasi dan Informatika",
        ),
        factories.make_person(dinkes, name="dr. Ratna Dewi", position="Sekretaris Dinas Kesehatan"),
        factories.make_person(kominfo, name="Agus Salim", position="Analis Kebijakan"),
    ]
    workshop = make_now_workshop(invite=people)
    invitations = sorted(workshop.invitations, key=lambda i: i.id)
    for invitation in invitations:
        arrived(invitation)
    invitations[2].walk_in = True
    db.session.commit()
    return workshop, invitations


def _sign_all(app: Flask, invitations: list[Invitation]) -> None:
    with app.test_request_context():
        for invitation in invitations:
            signatures.save(invitation, A_SIGNATURE, invitation.person.name, utcnow())
        db.session.commit()


def _distinct(values: list[float]) -> list[float]:
    found: list[float] = []
    for value in sorted(values):
        if not found or value - found[-1] > 2:
            found.append(value)
    return found


@dataclass
class Grid:
    """The attendance table of a PDF page: its column rules and its rows (header first)."""

    columns: list[float]
    rows: list[tuple[float, float]]

    @classmethod
    def of(cls, page: Any) -> Grid:
        rules = [e for e in page.edges if e["object_type"] == "line"]
        xs = _distinct([e["x0"] for e in rules if e["orientation"] == "v"])
        ys = _distinct(
            [e["top"] for e in rules if e["orientation"] == "h" and abs(e["x0"] - xs[0]) < 2]
        )
        return cls(xs, list(itertools.pairwise(ys)))

    def cells(self, page: Any, row: int) -> list[str]:
        """The text of each column of a row (a merged cell's words go to the columns they
        stand in, in reading order)."""
        top, bottom = self.rows[row]
        texts: list[list[str]] = [[] for _ in self.columns[1:]]
        words = page.within_bbox((self.columns[0], top, self.columns[-1], bottom)).extract_words(
            x_tolerance=1.5
        )
        for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
            centre = (word["x0"] + word["x1"]) / 2
            column = max(i for i, x in enumerate(self.columns[:-1]) if x <= centre)
            texts[column].append(word["text"])
        return [" ".join(t) for t in texts]


def test_the_sheet_places_each_signature_in_its_row_zig_zag(
    app: Flask, client: FlaskClient, login_as: Any
) -> None:
    workshop, invitations = _sheet_world()
    _sign_all(app, invitations[:3])  # the fourth signs on paper
    login_as(Role.INSPEKTORAT)
    response = client.get(f"/workshops/{workshop.id}/daftar-hadir.pdf")
    assert response.status_code == 200
    assert list(layout_problems(response.data)) == []  # no overlapping words, no crossed rules
    order = [i.id for i in service.load_invitations(workshop)]
    signed = {i.id for i in invitations[:3]}
    with pdfplumber.open(io.BytesIO(response.data)) as pdf:
        page = pdf.pages[0]
        grid = Grid.of(page)
        left, right = grid.columns[-2], grid.columns[-1]
        middle = (left + right) / 2
        assert grid.cells(page, 0)[-1] == "Tanda Tangan"
        assert len(grid.rows) == 1 + len(order)
        for number, invitation_id in enumerate(order, start=1):
            top, bottom = grid.rows[number]
            cell = page.within_bbox((left, top, right, bottom))
            drawn = [c for c in cell.curves if c["object_type"] == "curve"]
            label = next(w for w in cell.extract_words() if w["text"] == f"{number}.")
            if invitation_id not in signed:
                assert drawn == [], f"row {number} signs on paper"
                continue
            assert len(drawn) >= 2, f"row {number} has no signature"
            xs = [x for c in drawn for x in (c["x0"], c["x1"])]
            if number % 2:
                assert left <= min(xs) and max(xs) < middle, f"row {number}: left half"
                assert label["x0"] < middle
            else:
                assert middle <= min(xs) and max(xs) <= right, f"row {number}: right half"
                assert label["x0"] >= middle
        assert "Ir. Bambang Wicaksono" in " ".join(
            grid.cells(page, order.index(invitations[1].id) + 1)
        )
    # the blank sheet for signing on paper has no strokes
    blank = client.get(f"/workshops/{workshop.id}/daftar-hadir.pdf?blank=1")
    with pdfplumber.open(io.BytesIO(blank.data)) as pdf:
        assert [c for c in pdf.pages[0].curves if c["object_type"] == "curve"] == []


def test_the_sheet_writes_the_opd_once_per_row(
    app: Flask, client: FlaskClient, login_as: Any
) -> None:
    workshop, _invitations = _sheet_world()
    login_as(Role.INSPEKTORAT)
    response = client.get(f"/workshops/{workshop.id}/daftar-hadir.pdf")
    with pdfplumber.open(io.BytesIO(response.data)) as pdf:
        page = pdf.pages[0]
        grid = Grid.of(page)
        cells = [grid.cells(page, n) for n in range(1, len(grid.rows))]
    keys = ("Kepala", "Bambang", "Ratna", "Agus")
    rows = {key: next(" ".join(c) for c in cells if key in " ".join(c)) for key in keys}
    bambang = next(c for c in cells if "Bambang" in c[1])
    # a position-only official: the position once, the OPD (in it) once
    assert rows["Kepala"].count("Dinas Kesehatan") == 1
    # the OPD once, the position without it
    assert rows["Bambang"].count("Dinas Komunikasi dan Informatika") == 1
    assert bambang[2:4] == ["Kepala", "Dinas Komunikasi dan Informatika"]
    assert rows["Ratna"].count("Dinas Kesehatan") == 1
    assert rows["Agus"].count("Dinas Komunikasi dan Informatika") == 1
    text = " ".join(rows.values())
    assert "tanpa undangan" in text


def test_person_columns_say_nothing_twice(app: Flask) -> None:
    dinkes = Opd(code="DINKES", name="Dinas Kesehatan")
    person = factories.make_person(
        dinkes, name="Kepala Dinas Kesehatan", position="Kepala Dinas Kesehatan"
    )
    from tracker.blueprints.workshops.documents import person_columns

    assert person_columns(person) == ("Kepala Dinas Kesehatan", "", "")
    person.name = "dr. Husnul Muarif"
    assert person_columns(person) == ("dr. Husnul Muarif", "Kepala", "Dinas Kesehatan")
    person.position = "Analis Kebijakan"
    assert person_columns(person) == ("dr. Husnul Muarif", "Analis Kebijakan", "Dinas Kesehatan")
    person.name = person.position = "Sekretaris Inspektorat"
    assert person_columns(person) == ("Sekretaris Inspektorat", "", "Dinas Kesehatan")


def test_the_spreadsheet_notes_the_signatures_and_the_opd_once(
    app: Flask, client: FlaskClient, login_as: Any
) -> None:
    workshop, invitations = _sheet_world()
    signed_at = dt.datetime(2023, 7, 26, 1, 31, tzinfo=dt.UTC)
    with app.test_request_context():
        signatures.save(invitations[1], A_SIGNATURE, invitations[1].person.name, signed_at)
        db.session.commit()
    login_as(Role.INSPEKTORAT)
    data = client.get(f"/workshops/{workshop.id}/daftar-hadir.xlsx").data
    rows = list(load_workbook(io.BytesIO(data))["Daftar Hadir"].iter_rows(values_only=True))
    body = {r[1]: r for r in rows if r and isinstance(r[0], int)}
    assert body["Kepala Dinas Kesehatan"][2:4] == (None, None)
    assert body["Ir. Bambang Wicaksono"][2:4] == ("Kepala", "Dinas Komunikasi dan Informatika")
    assert body["Ir. Bambang Wicaksono"][5] == "ditandatangani 08.31 WIB"
    assert body["Agus Salim"][5] in (None, "")
    assert "tanpa undangan" in body["dr. Ratna Dewi"][4]
