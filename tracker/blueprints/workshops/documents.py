"""The attendance sheet (daftar hadir) as PDF and XLSX, and the check-in QR code.

The sheet is an official document of the Pemerintah Kota Malang: it is always written in
Indonesian (columns No, Nama, Jabatan, OPD, Keterangan, Tanda Tangan), whatever the
language of the interface.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import segno
from flask import current_app
from flask_babel import force_locale, format_date
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from tracker.documents import new_workbook, put, render_pdf, write_table
from tracker.i18n import time_wib, to_wib
from tracker.models import AttendanceSignature, AttendanceStatus, Invitation, Person, Workshop
from tracker.services import signatures as signatures_service
from tracker.services.workshops import AttendanceSummary, printed_when

SHEET_COLUMNS = ("No", "Nama", "Jabatan", "OPD", "Keterangan", "Tanda Tangan")

#: The statuses as written on the sheet.
STATUS_ID = {
    AttendanceStatus.INVITED: "Belum tercatat",
    AttendanceStatus.HADIR: "Hadir",
    AttendanceStatus.DIWAKILI: "Diwakili",
    AttendanceStatus.IZIN: "Izin",
    AttendanceStatus.TIDAK_HADIR: "Tidak hadir",
}


@dataclass(frozen=True)
class SheetRow:
    number: int
    #: the Nama, Jabatan and OPD columns, each written once: a column that would repeat
    #: what a column before it already says is empty ("")
    name: str
    position: str
    opd: str
    remark: str
    walk_in: bool = False
    #: the signature given at check-in: a data: URI of its SVG, and when it was given
    signature_uri: str | None = None
    signed_at: dt.datetime | None = None

    @property
    def name_span(self) -> int:
        """How many of the Nama, Jabatan, OPD columns the name covers on the PDF."""
        if self.position:
            return 1
        return 2 if self.opd else 3

    @property
    def position_span(self) -> int:
        return 1 if self.opd or not self.position else 2

    @property
    def signature_note(self) -> str:
        """The signature as text, for the spreadsheet: 'ditandatangani 08.31 WIB'."""
        return f"ditandatangani {time_wib(self.signed_at)}" if self.signed_at else ""


def _plain(text: str | None) -> str:
    return " ".join((text or "").split())


def _contains(text: str, part: str) -> bool:
    return bool(part) and part.casefold() in text.casefold()


def person_columns(person: Person) -> tuple[str, str, str]:
    """(Nama, Jabatan, OPD) of an official with nothing said twice in one row.

    An official recorded under their position (name equal to position) shows it once, as
    the name. A position that ends with the OPD's name ("Kepala Dinas Kesehatan" of the
    Dinas Kesehatan) keeps the OPD in the OPD column and only the rest as the position
    ("Kepala"); and when the name already carries the OPD's name (a position-only
    official), the OPD column stays empty."""
    name = _plain(person.name)
    position = _plain(person.position)
    opd = _plain(person.opd.name) if person.opd else ""
    if position.casefold() == name.casefold():
        position = ""
    if opd and position.casefold().endswith(opd.casefold()):
        rest = position[: len(position) - len(opd)].strip(" ,-")
        position = rest if rest else position
    if _contains(name, opd) or _contains(position, opd):
        opd = ""
    return name, position, opd


def _who(name: str | None, position: str | None) -> str:
    name, position = _plain(name), _plain(position)
    if not position or position.casefold() == name.casefold():
        return name
    return ", ".join(p for p in (name, position) if p)


def remark(invitation: Invitation) -> str:
    """The Keterangan column: blank while attendance is not recorded (to sign on paper)."""
    status = invitation.status
    text = ""
    if status is AttendanceStatus.HADIR:
        text = "Hadir"
        if invitation.checked_in_at:
            text = f"Hadir ({time_wib(invitation.checked_in_at)})"
    elif status is AttendanceStatus.DIWAKILI:
        rep = invitation.representative
        if rep is not None:
            who = _who(rep.name, rep.position)
        else:
            who = _who(invitation.representative_name, invitation.representative_position)
        text = f"Diwakili oleh {who}" if who else "Diwakili"
        if invitation.checked_in_at:
            text = f"{text} ({time_wib(invitation.checked_in_at)})"
    elif status is AttendanceStatus.IZIN:
        text = f"Izin: {invitation.excuse_reason}" if invitation.excuse_reason else "Izin"
    elif status is AttendanceStatus.TIDAK_HADIR:
        text = "Tidak hadir"
    if invitation.walk_in:
        text = f"{text}; tanpa undangan" if text else "Tanpa undangan"
    return text


def sheet_rows(
    invitations: Sequence[Invitation],
    signatures: Mapping[int, AttendanceSignature] | None = None,
) -> list[SheetRow]:
    """The rows of the sheet; ``signatures`` (by invitation id) are placed in their rows,
    none for the blank sheet to sign on paper."""
    signatures = signatures or {}
    rows = []
    with force_locale("id"):
        for n, inv in enumerate(invitations, start=1):
            name, position, opd = person_columns(inv.person)
            signature = signatures.get(inv.id)
            rows.append(
                SheetRow(
                    number=n,
                    name=name,
                    position=position,
                    opd=opd,
                    remark=remark(inv),
                    walk_in=inv.walk_in,
                    signature_uri=signatures_service.data_uri(signature.svg) if signature else None,
                    signed_at=signature.signed_at if signature else None,
                )
            )
    return rows


def sheet_pdf(
    workshop: Workshop,
    invitations: Sequence[Invitation],
    signer: Person | None,
    signatures: Mapping[int, AttendanceSignature] | None = None,
) -> bytes:
    """The daftar hadir; with ``signatures`` each one stands in its row, without them the
    sheet is blank for signing on paper."""
    day, hours = printed_when(workshop)
    with force_locale("id"):
        signed_on = format_date(to_wib(workshop.starts_at).date(), "d MMMM y")
        return render_pdf(
            "pdf/attendance_sheet.html",
            workshop=workshop,
            rows=sheet_rows(invitations, signatures),
            columns=SHEET_COLUMNS,
            day=day,
            hours=hours,
            signer=signer,
            signed_on=signed_on,
            cancelled=workshop.is_cancelled,
        )


def sheet_workbook(
    workshop: Workshop,
    invitations: Sequence[Invitation],
    summary: AttendanceSummary,
    signatures: Mapping[int, AttendanceSignature] | None = None,
) -> Workbook:
    day, hours = printed_when(workshop)
    workbook = new_workbook()
    sheet = workbook.create_sheet("Daftar Hadir")
    title_lines = [
        f"{current_app.config['CITY_NAME'].upper()} — INSPEKTORAT",
        "DAFTAR HADIR",
        workshop.title,
        f"Hari/tanggal: {day}",
        f"Waktu: {hours}",
        f"Tempat: {workshop.venue}",
    ]
    if workshop.is_cancelled:
        title_lines.append("DIBATALKAN")
    rows = sheet_rows(invitations, signatures)
    header = write_table(
        sheet,
        SHEET_COLUMNS,
        [(r.number, r.name, r.position, r.opd, r.remark, r.signature_note) for r in rows],
        title_lines=title_lines,
        widths=[6, 34, 38, 34, 34, 22],
    )
    for row_number in range(header + 1, header + 1 + len(rows)):
        sheet.row_dimensions[row_number].height = 30  # room to sign on the printout
    sheet.print_title_rows = f"{header}:{header}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True

    recap = workbook.create_sheet("Rekap")
    overall = summary.overall
    recap.cell(row=1, column=1, value="Rekapitulasi kehadiran").font = Font(bold=True, size=12)
    lines = [("Diundang", overall.invited)]
    lines += [(STATUS_ID[s], overall.count(s)) for s in AttendanceStatus]
    lines.append(("Tingkat kehadiran (hadir + diwakili)", overall.rate))
    for offset, (label, value) in enumerate(lines, start=3):
        put(recap.cell(row=offset, column=1), label)
        cell = recap.cell(row=offset, column=2, value=value)
        if isinstance(value, float):
            cell.number_format = "0.0%"
    recap.column_dimensions["A"].width = 40
    start = len(lines) + 5
    write_opd_table(recap, summary, start)
    return workbook


def write_opd_table(sheet: Worksheet, summary: AttendanceSummary, start: int) -> None:
    headers = ["OPD", "Diundang", "Hadir", "Diwakili", "Izin", "Tidak hadir", "Kehadiran"]
    for col, text in enumerate(headers, start=1):
        cell = sheet.cell(row=start, column=col, value=text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    for row, (opd, tally) in enumerate(summary.by_opd, start=start + 1):
        values = [
            opd.name if opd is not None else "Pimpinan daerah",
            tally.invited,
            tally.count(AttendanceStatus.HADIR),
            tally.count(AttendanceStatus.DIWAKILI),
            tally.count(AttendanceStatus.IZIN),
            tally.count(AttendanceStatus.TIDAK_HADIR),
            tally.rate,
        ]
        for col, value in enumerate(values, start=1):
            cell = put(sheet.cell(row=row, column=col), value)
            if col == len(values):
                cell.number_format = "0.0%"


def qr_svg(url: str, *, title: str) -> bytes:
    """The QR code of ``url`` as a standalone SVG (made locally, no network)."""
    code = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", scale=8, border=2, title=title, dark="#000", light="#fff")
    return buffer.getvalue()
