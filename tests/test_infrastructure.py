"""Shared infrastructure: working days, uploads, documents, e-mail."""

from __future__ import annotations

import datetime as dt
import io
import stat
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from werkzeug.datastructures import FileStorage

from tracker import documents, uploads
from tracker.mail import Attachment, MailError, send_email
from tracker.workdays import (
    add_working_days,
    is_working_day,
    next_working_day,
    working_days_between,
)

# --- working days -----------------------------------------------------------------------


def test_weekends_and_public_holidays_are_not_working_days():
    assert is_working_day(dt.date(2023, 7, 26))  # a Wednesday
    assert not is_working_day(dt.date(2023, 7, 29))  # Saturday
    assert not is_working_day(dt.date(2023, 8, 17))  # Hari Kemerdekaan, a Thursday
    assert not is_working_day(dt.date(2026, 12, 25))  # Natal, a Friday


def test_counting_working_days_skips_holidays():
    # Wed 16 Aug 2023 + 1 working day: Thu 17 is a holiday → Fri 18
    assert add_working_days(dt.date(2023, 8, 16), 1) == dt.date(2023, 8, 18)
    # Fri 18 Aug + 1 → Mon 21
    assert add_working_days(dt.date(2023, 8, 18), 1) == dt.date(2023, 8, 21)
    assert add_working_days(dt.date(2023, 8, 21), -1) == dt.date(2023, 8, 18)
    assert working_days_between(dt.date(2023, 8, 16), dt.date(2023, 8, 21)) == 2
    assert working_days_between(dt.date(2023, 8, 21), dt.date(2023, 8, 16)) == -2
    assert next_working_day(dt.date(2023, 8, 17)) == dt.date(2023, 8, 18)
    assert next_working_day(dt.date(2023, 8, 18)) == dt.date(2023, 8, 18)


@pytest.mark.app_config(EXTRA_HOLIDAYS=["2023-08-18"])
def test_configured_extra_holidays(app):
    assert not is_working_day(dt.date(2023, 8, 18))
    assert add_working_days(dt.date(2023, 8, 16), 1) == dt.date(2023, 8, 21)


# --- uploads ----------------------------------------------------------------------------

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def test_accepted_files_are_kept_under_generated_names(app):
    today = dt.date(2023, 7, 26)
    for data, name, content_type in [
        (PDF_BYTES, "Laporan Juli.pdf", "application/pdf"),
        (PNG_BYTES, "foto.PNG", "image/png"),
        (_docx_bytes(), "notulen.docx", uploads.DOCX.content_type),
    ]:
        stored = uploads.store_upload(_upload(data, name), today=today)
        assert stored.content_type == content_type
        assert stored.original_name == name
        assert stored.stored_name.startswith("2023/07/")
        assert name.split(".")[0] not in stored.stored_name
        assert uploads.stored_path(stored.stored_name).read_bytes() == data
        assert "uploads" in str(uploads.stored_path(stored.stored_name))


def test_wrong_type_is_refused_by_content(app):
    with pytest.raises(uploads.UploadError, match="tidak diizinkan"):
        uploads.store_upload(
            _upload(b"MZ\x90\x00 not a pdf", "laporan.pdf"), today=dt.date(2023, 7, 26)
        )
    with pytest.raises(uploads.UploadError, match="tidak diizinkan"):
        uploads.store_upload(_upload(b"<html><script>", "x.html"), today=dt.date(2023, 7, 26))


def test_content_must_match_the_extension(app):
    with pytest.raises(uploads.UploadError, match="tidak sesuai dengan ekstensinya"):
        uploads.store_upload(_upload(PDF_BYTES, "gambar.png"), today=dt.date(2023, 7, 26))


@pytest.mark.app_config(UPLOAD_MAX_FILE_SIZE=1000)
def test_too_large_and_empty_files_are_refused_and_not_kept(app):
    with pytest.raises(uploads.UploadError, match="melebihi batas 1 KB"):
        uploads.store_upload(
            _upload(PDF_BYTES + b"0" * 2000, "besar.pdf"), today=dt.date(2023, 7, 26)
        )
    with pytest.raises(uploads.UploadError, match="kosong"):
        uploads.store_upload(_upload(b"", "kosong.pdf"), today=dt.date(2023, 7, 26))
    assert not [p for p in uploads.upload_folder().rglob("*") if p.is_file()]


def test_hostile_file_names_are_neutralised(app):
    stored = uploads.store_upload(
        _upload(PDF_BYTES, "../../etc/pass\x00wd\n.pdf"), today=dt.date(2023, 7, 26)
    )
    assert stored.original_name == "passwd.pdf"
    assert ".." not in stored.stored_name
    with pytest.raises(FileNotFoundError):
        uploads.stored_path("../secret_key")
    assert uploads.clean_filename("C:\\Users\\x\\foto.jpg") == "foto.jpg"
    assert uploads.clean_filename("") == "berkas"
    assert len(uploads.clean_filename("a" * 400 + ".pdf")) <= 150


# --- documents --------------------------------------------------------------------------


def test_pdf_rendering_with_letterhead(app):
    from pypdf import PdfReader

    with app.test_request_context():
        data = documents.render_pdf("pdf/base.html")
    assert data.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "PEMERINTAH KOTA MALANG" in text
    assert "INSPEKTORAT" in text


def test_xlsx_table_round_trip():
    workbook = documents.new_workbook()
    sheet = workbook.create_sheet("Data")
    header = documents.write_table(
        sheet, ["No", "Nama"], [[1, "Dinas Kesehatan"]], title_lines=["Judul"], totals=["Jumlah", 1]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    loaded = load_workbook(io.BytesIO(buffer.getvalue()))["Data"]
    assert loaded.cell(row=1, column=1).value == "Judul"
    assert [c.value for c in loaded[header]] == ["No", "Nama"]
    assert [c.value for c in loaded[header + 1]] == [1, "Dinas Kesehatan"]
    assert [c.value for c in loaded[header + 2]] == ["Jumlah", 1]
    assert (
        documents.safe_filename("Daftar Hadir 26/07/2023", "pdf") == "Daftar-Hadir-26-07-2023.pdf"
    )


def test_xlsx_text_that_looks_like_a_formula_stays_text():
    hostile = ['=HYPERLINK("http://evil.example","klik")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]
    hostile += ["\tTAB", "\rCR"]
    workbook = documents.new_workbook()
    sheet = workbook.create_sheet("Data")
    header = documents.write_table(
        sheet,
        ["Teks", "Angka", "Tanggal"],
        [[text, -5, dt.date(2023, 7, 26)] for text in hostile],
        title_lines=["=1+1"],
        totals=["=SUM(B:B)", -30, None],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    # Read the sheet's XML itself: no cell may carry a formula.
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    loaded = load_workbook(io.BytesIO(buffer.getvalue()))["Data"]
    texts = [loaded.cell(row=header + i, column=1) for i in range(1, len(hostile) + 1)]
    # (XML reads a bare CR back as LF.)
    assert [c.value for c in texts] == [t.replace("\r", "\n") for t in hostile]
    assert all(c.data_type == "s" and c.quotePrefix for c in texts)
    assert loaded.cell(row=1, column=1).value == "=1+1"
    assert loaded.cell(row=1, column=1).data_type == "s"
    # Numbers and dates stay typed.
    assert loaded.cell(row=header + 1, column=2).value == -5
    assert loaded.cell(row=header + 1, column=3).value == dt.datetime(2023, 7, 26)
    assert loaded.cell(row=header + len(hostile) + 1, column=2).value == -30


# --- e-mail -----------------------------------------------------------------------------


@pytest.fixture(autouse=False)
def mail_templates(app):
    from jinja2 import ChoiceLoader, DictLoader

    app.jinja_env.loader = ChoiceLoader(
        [
            DictLoader(
                {
                    "email/test.txt": "Halo, {{ name }}\n{{ config.SITE_NAME }}",
                    "email/test.html": "<p>Halo, <strong>{{ name }}</strong></p>",
                }
            ),
            app.jinja_env.loader,
        ]
    )
    return app


def test_without_smtp_mail_is_written_to_the_outbox(mail_templates, app, outbox):
    with app.test_request_context():
        sent = send_email(
            ["a@example.org"],
            "test",
            subject="Uji coba",
            name="Budi",
            attachments=[
                Attachment("undangan.ics", b"BEGIN:VCALENDAR", "text/calendar; method=REQUEST")
            ],
        )
    assert sent.transport == "file"
    written = Path(sent.location)
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert stat.S_IMODE(written.parent.stat().st_mode) == 0o700
    (message,) = outbox.messages()
    assert message["Subject"] == "Uji coba"
    assert "Budi" in message.get_body(("plain",)).get_content()
    assert "<strong>Budi</strong>" in message.get_body(("html",)).get_content()
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "undangan.ics"
    assert attachment.get_content_type() == "text/calendar"


def test_line_breaks_in_a_subject_never_make_a_header(mail_templates, app, smtp_server):
    sink, port = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    title = "Workshop\r\nBcc: korban@example.org\nX-Evil: 1"
    with app.test_request_context():
        send_email(
            "b@example.org",
            "test",
            subject=f"Undangan: {title}",
            name="Sari",
            attachments=[Attachment(f"{title}.ics", b"BEGIN:VCALENDAR", "text/calendar")],
        )
    (message,) = sink.received
    assert message["Subject"] == "Undangan: Workshop Bcc: korban@example.org X-Evil: 1"
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert sink.envelopes[0][1] == ["b@example.org"]
    (attachment,) = list(message.iter_attachments())
    assert "\n" not in attachment.get_filename()


def test_smtp_delivery_to_a_real_server(mail_templates, app, smtp_server):
    sink, port = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    with app.test_request_context():
        sent = send_email(
            "b@example.org", "test", subject="Halo", cc=["c@example.org"], name="Sari"
        )
    assert sent.transport == "smtp"
    (message,) = sink.received
    assert message["To"] == "b@example.org"
    assert sink.envelopes[0][1] == ["b@example.org", "c@example.org"]


def test_smtp_failure_raises_mail_error(mail_templates, app, smtp_server):
    sink, port = smtp_server
    sink.fail_with = 451
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    with app.test_request_context(), pytest.raises(MailError, match="451"):
        send_email("b@example.org", "test", subject="Halo", name="Sari")


def test_unreachable_smtp_server_raises_mail_error(mail_templates, app):
    from tests.conftest import _free_port

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port(), MAIL_TIMEOUT=2)
    with app.test_request_context(), pytest.raises(MailError):
        send_email("b@example.org", "test", subject="Halo", name="Sari")
