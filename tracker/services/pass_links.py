"""The personal pass as it leaves the application: its absolute link and its QR code
(PNG for e-mail, data URI for the printable invitation card), made locally with segno."""

from __future__ import annotations

import base64
import io

import segno

from tracker.links import external_url
from tracker.mail import Attachment

#: The name of the QR code attached to the invitation e-mail.
QR_FILENAME = "kode-qr-hadir.png"


def pass_url(token: str) -> str:
    """The absolute personal link (under BASE_URL)."""
    return external_url("passes.show", token=token)


def qr_code(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)


def qr_png(url: str, *, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    qr_code(url).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def qr_data_uri(url: str) -> str:
    """An SVG data URI of the code, for a PDF (WeasyPrint fetches nothing else)."""
    buffer = io.BytesIO()
    qr_code(url).save(buffer, kind="svg", scale=4, border=2, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def qr_attachment(url: str) -> Attachment:
    return Attachment(QR_FILENAME, qr_png(url), "image/png")
