"""The attendance sheet (daftar hadir) as PDF and XLSX, and the check-in QR code.

The sheet is an official document of the Pemerintah Kota Malang: it is always written in
Indonesian (columns No, Nama, Jabatan, OPD, Keterangan, Tanda Tangan), whatever the
language of the interface.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import segno
from flask import current_app
from flask_babel import force_locale, format_date
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from tracker.documents import new_workbook, put, render_pdf, write_table
from tracker.i18n import date_long, time_wib, to_wib
from tracker.models import AttendanceStatus, Invitation, Person, Workshop
from tracker.services.workshops import AttendanceSummary

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
    name: str
    position: str
    opd: str
    remark: str


def remark(invitation: Invitation) -> str:
    """The Keterangan column: blank while attendance is not recorded (to sign on paper)."""
    status = invitation.status
    if status is AttendanceStatus.HADIR:
        if invitation.checked_in_at:
            return f"Hadir ({time_wib(invitation.checked_in_at)})"
        return "Hadir"
    if status is AttendanceStatus.DIWAKILI:
        rep = invitation.representative
        if rep is not None:
            who = f"{rep.name}, {rep.position}"
        else:
            who = ", ".join(
                p for p in (invitation.representative_name, invitation.representative_position) if p
            )
        return f"Diwakili oleh {who}" if who else "Diwakili"
    if status is AttendanceStatus.IZIN:
        return f"Izin: {invitation.excuse_reason}" if invitation.excuse_reason else "Izin"
    if status is AttendanceStatus.TIDAK_HADIR:
        return "Tidak hadir"
    return ""


def sheet_rows(invitations: Sequence[Invitation]) -> list[SheetRow]:
    with force_locale("id"):
        return [
            SheetRow(
                number=n,
                name=inv.person.name,
                position=inv.person.position,
                opd=inv.person.opd.name if inv.person.opd else "",
                remark=remark(inv),
            )
            for n, inv in enumerate(invitations, start=1)
        ]


def _when(workshop: Workshop) -> tuple[str, str]:
    """('Rabu, 26 Juli 2023', '13.00 – 16.00 WIB') in Indonesian."""
    with force_locale("id"):
        start, end = workshop.starts_at, workshop.ends_at
        day = date_long(start)
        if date_long(end) != day:
            day = f"{day} s.d. {date_long(end)}"
        hours = f"{time_wib(start).removesuffix(' WIB')} – {time_wib(end)}"
    return day, hours


def sheet_pdf(
    workshop: Workshop, invitations: Sequence[Invitation], signer: Person | None
) -> bytes:
    day, hours = _when(workshop)
    with force_locale("id"):
        signed_on = format_date(to_wib(workshop.starts_at).date(), "d MMMM y")
        return render_pdf(
            "pdf/attendance_sheet.html",
            workshop=workshop,
            rows=sheet_rows(invitations),
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
) -> Workbook:
    day, hours = _when(workshop)
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
    rows = sheet_rows(invitations)
    header = write_table(
        sheet,
        SHEET_COLUMNS,
        [(r.number, r.name, r.position, r.opd, r.remark, "") for r in rows],
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
