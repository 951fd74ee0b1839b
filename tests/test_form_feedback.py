"""A form shown again with errors says so where the user looks, the same on every form: a
summary above it (every message, each linking to its field) and the files that were not
kept, by name; a request over MAX_CONTENT_LENGTH comes back the same way."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import pytest
from flask_wtf.file import FileField, MultipleFileField
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from wtforms import FieldList, FormField, StringField
from wtforms.form import Form
from wtforms.validators import InputRequired

from tests import factories
from tests.commitments.factories_commitments import make_commitment, pdf_bytes
from tests.findings.factories import make_finding, make_recommendation, make_report
from tracker.extensions import db
from tracker.form_feedback import error_summary, file_field_note, files_not_kept
from tracker.forms import TrackerForm
from tracker.models import Role
from tracker.models.commitment import CommitmentEvidence, ProgressUpdate
from tracker.models.finding import FindingEvidence, FollowUp, Repayment
from tracker.uploads import NotReceived, UploadError

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

EXE = b"MZ\x90\x00" + b"\x00" * 64


def _html(response: Any) -> str:
    return response.get_data(as_text=True)


def _summary(html: str) -> str:
    """The error summary's markup (exactly one on the page)."""
    found = re.findall(
        r'<div class="alert alert-danger error-summary".*?</ul>\s*</div>', html, re.S
    )
    assert len(found) == 1, html[:3000]
    assert 'role="alert"' in found[0] and "data-error-summary" in found[0]
    return found[0]


def _not_kept(html: str) -> list[str]:
    return re.findall(r'data-testid="file-not-kept">([^<]*)<', html)


@pytest.fixture
def commitment(app: Any, login: Any) -> Any:
    opd = factories.make_opd("DINKES")
    login(factories.make_user(Role.OPD, opd=opd))
    return make_commitment(opd)


def _progress(client: Any, commitment: Any, files: list[tuple[bytes, str]], **extra: str) -> Any:
    data: dict[str, Any] = {
        "progress-version": str(commitment.version),
        "progress-note": "Penimbangan di 57 kelurahan",
        "progress-progress": "40",
        "progress-refers_to_on": "2023-09-01",
        "progress-files": [(io.BytesIO(content), name) for content, name in files],
    }
    data.update({f"progress-{k}": v for k, v in extra.items()})
    return client.post(
        f"/commitments/{commitment.id}/progress", data=data, content_type="multipart/form-data"
    )


def test_a_refused_file_is_named_in_the_summary_and_at_its_field(client, commitment):
    response = _progress(client, commitment, [(pdf_bytes(), "laporan.pdf"), (EXE, "setup.exe")])
    assert response.status_code == 400
    html = _html(response)
    summary = _summary(html)
    # The reason, linking to the file input, in the summary ...
    assert re.search(r'<a [^>]*href="#progress-files">Evidence files: The file setup.exe', summary)
    # ... and every chosen file named as not kept, the good one too.
    assert _not_kept(summary) == ["laporan.pdf", "setup.exe"]
    assert "These files were not kept; choose them again before sending:" in summary
    # At the field: its error, and which files it no longer holds.
    note = re.search(r'data-testid="file-field-note">(.*?)</div>', html, re.S)
    assert note and "Not kept, choose again: laporan.pdf, setup.exe" in note.group(1)
    assert "Penimbangan di 57 kelurahan" in html  # the text typed is kept
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CommitmentEvidence)) == 0


def test_files_are_not_dropped_silently_when_another_field_is_wrong(client, commitment):
    """The files were fine, the note was missing: they are gone all the same, and the
    page says so."""
    response = _progress(client, commitment, [(pdf_bytes(), "laporan.pdf")], note="")
    assert response.status_code == 400
    summary = _summary(_html(response))
    assert re.search(r'<a [^>]*href="#progress-note">What was done: ', summary)
    assert _not_kept(summary) == ["laporan.pdf"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ProgressUpdate)) == 1


def test_a_page_opened_normally_has_no_summary(client, commitment):
    html = _html(client.get(f"/commitments/{commitment.id}"))
    assert "data-error-summary" not in html
    assert 'data-testid="file-not-kept"' not in html
    # The browser is told the limits, to warn before sending (the server checks again).
    form = re.search(r'<form [^>]*data-testid="progress-form"[^>]*>', html, re.S)
    assert form
    assert 'data-max-file-size="10485760"' in form.group(0)
    assert 'data-max-total-size="20971520"' in form.group(0)
    assert 'data-extensions=".pdf .png .jpg .webp .docx' in form.group(0)
    assert 'data-max-files="5"' in form.group(0)


@pytest.fixture
def recommendation(app: Any, login: Any) -> Any:
    opd = factories.make_opd("DINKES")
    rec = make_recommendation(make_finding(make_report(), [opd]), opd)
    login(factories.make_user(Role.OPD, opd=opd))
    return rec


def _follow_up(client: Any, rec: Any, file: tuple[bytes, str] | None, **extra: str) -> Any:
    p = f"fu{rec.id}-"
    data: dict[str, Any] = {
        p + "description": "Kelebihan pembayaran telah disetor.",
        p + "progress": "100",
        p + "files-0-refers_to_on": "2023-08-01",
        p + "files-1-refers_to_on": "",
        p + "files-2-refers_to_on": "",
        p + "links-0-url": "",
        p + "links-0-refers_to_on": "",
        p + "links-1-url": "",
        p + "links-1-refers_to_on": "",
    }
    if file is not None:
        data[p + "files-0-file"] = (io.BytesIO(file[0]), file[1])
    data.update({p + k: v for k, v in extra.items()})
    return client.post(
        f"/findings/recommendations/{rec.id}/follow-up",
        data=data,
        content_type="multipart/form-data",
    )


def test_a_refused_follow_up_file_goes_to_its_row(client, recommendation):
    """The service refuses the file without naming a field: the summary still links to
    the input that held it, and the reason shows there too."""
    rec = recommendation
    response = _follow_up(client, rec, (EXE, "bukti-setor.exe"))
    assert response.status_code == 400
    html = _html(response)
    summary = _summary(html)
    target = f"fu{rec.id}-files-0-file"
    assert re.search(
        rf'<a [^>]*href="#{target}">The file bukti-setor.exe is not an allowed', summary
    )
    assert _not_kept(summary) == ["bukti-setor.exe"]
    note = re.search(r'data-testid="file-field-note">(.*?)</div>\s*</div>', html, re.S)
    assert note
    assert "The file bukti-setor.exe is not an allowed type" in note.group(1)
    assert "Not kept, choose again: bukti-setor.exe" in note.group(1)


def test_an_error_in_a_row_links_to_that_row(client, recommendation):
    rec = recommendation
    response = _follow_up(client, rec, (pdf_bytes(), "sts.pdf"), **{"files-0-refers_to_on": ""})
    assert response.status_code == 400
    summary = _summary(_html(response))
    assert re.search(
        rf'href="#fu{rec.id}-files-0-refers_to_on">Date it refers to \(1\): Enter the date', summary
    )
    assert _not_kept(summary) == ["sts.pdf"]


@pytest.mark.app_config(MAX_CONTENT_LENGTH=50_000)
def test_a_request_over_the_limit_comes_back_as_a_form(client, recommendation):
    """Over MAX_CONTENT_LENGTH the fields are read and the files counted, not kept: the
    form comes back with the text typed, and says the files were not received."""
    rec = recommendation
    response = _follow_up(client, rec, (pdf_bytes() + b"0" * 80_000, "sts-lengkap.pdf"))
    assert response.status_code == 400
    html = _html(response)
    summary = _summary(html)
    assert "The files were not received: together they were larger than 49 KB" in summary
    assert _not_kept(summary) == ["sts-lengkap.pdf"]
    assert "Kelebihan pembayaran telah disetor." in html
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 0
    # Five times over the limit, the request is not read: a 413 page with the limits.
    response = _follow_up(client, rec, (pdf_bytes() + b"0" * 260_000, "sts-lengkap.pdf"))
    assert response.status_code == 413
    assert "larger than 49 KB in all (each file may be at most 10 MB)" in _html(response)


@pytest.mark.app_config(MAX_CONTENT_LENGTH=50_000)
def test_an_oversized_request_still_checks_its_csrf_token(app, client, recommendation):
    app.config["WTF_CSRF_ENABLED"] = True
    response = _follow_up(client, recommendation, (b"0" * 80_000, "besar.pdf"))
    assert response.status_code == 400
    assert "The form has expired or was not sent from this site" in _html(response)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 0


def test_a_request_too_large_that_is_not_an_upload_gets_the_413_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/login", data={"email": "a@b.org", "password": "x" * 5000})
    assert response.status_code == 413
    assert "What you sent is too large." in _html(response)


def test_a_refused_repayment_proof(client, login_as, app):
    opd = factories.make_opd("BPKAD")
    finding = make_finding(
        make_report(), [opd], is_financial=True, amount_to_recover=Decimal("12500000")
    )
    make_recommendation(finding, opd)
    login_as("inspektorat")
    response = client.post(
        f"/findings/{finding.id}/repayments",
        data={"paid_on": "2023-06-03", "amount": "2500000", "file": (io.BytesIO(EXE), "sts.exe")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    html = _html(response)
    summary = _summary(html)
    assert re.search(r'href="#file">The file sts.exe is not an allowed type', summary)
    assert _not_kept(summary) == ["sts.exe"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Repayment)) == 0
    assert db.session.scalar(select(func.count()).select_from(FindingEvidence)) == 0


def test_a_form_error_alone_is_shown_as_it_is(client, app):
    """A refusal without a field (a wrong password) is the summary's only line."""
    factories.make_user(Role.ADMIN, email="admin@malangkota.go.id")
    response = client.post("/login", data={"email": "admin@malangkota.go.id", "password": "x"})
    assert response.status_code in (400, 200)
    html = _html(response)
    box = re.search(
        r'<div class="alert alert-danger error-summary"[^>]*>(.*?)</div>\s*', html, re.S
    )
    assert box and "data-error-summary" in html
    assert "<ul" not in box.group(1)


@pytest.mark.app_config(BABEL_DEFAULT_LOCALE="id")
def test_the_summary_speaks_indonesian(client, commitment):
    response = _progress(client, commitment, [(EXE, "setup.exe")])
    summary = _summary(_html(response))
    assert "Mohon perbaiki hal berikut:" in summary
    assert "Berkas berikut tidak disimpan; pilih lagi sebelum mengirim:" in summary
    assert "Jenis berkas setup.exe tidak diizinkan" in summary


# --- the summary itself ---------------------------------------------------------------


class _Row(Form):
    file = FileField("File")
    note = StringField("Note", validators=[InputRequired()])


class _Sample(TrackerForm):
    class Meta:
        csrf = False

    title = StringField("Title", validators=[InputRequired()])
    files = MultipleFileField("Files")
    rows = FieldList(FormField(_Row), min_entries=2)


def _upload(name: str, stream: Any = None) -> FileStorage:
    return FileStorage(stream or io.BytesIO(b"%PDF-1.4"), filename=name, name="x")


def test_error_summary_walks_rows_and_links_every_field(app):
    data = MultiDict(
        [
            ("title", ""),
            ("files", _upload("a.pdf")),
            ("files", _upload("../../b.pdf")),
            ("rows-0-note", "ok"),
            ("rows-0-file", _upload("c.png")),
            ("rows-1-note", ""),
        ]
    )
    with app.test_request_context(method="POST"):
        form = _Sample(formdata=data)
        assert not form.validate()
        problems = error_summary(form)
        assert [(p.target, p.label) for p in problems] == [
            ("title", "Title"),
            ("rows-1-note", "Note (2)"),
        ]
        assert [(f.name, f.field_id) for f in files_not_kept(form)] == [
            ("a.pdf", "files"),
            ("b.pdf", "files"),  # names are cleaned as the server stores them
            ("c.png", "rows-0-file"),
        ]
        note = file_field_note(form, form.files)
        assert note is not None and note.names == ["a.pdf", "b.pdf"] and note.reason is None

        # A refusal naming one of the files points at the input that held it.
        form.refusal = UploadError("c.png is broken.", filename="c.png")
        form.form_errors.append("c.png is broken.")
        assert error_summary(form)[0].target == "rows-0-file"
        row_note = file_field_note(form, form.rows[0].form.file)
        assert row_note is not None and row_note.reason == "c.png is broken."


def test_no_errors_no_summary_even_with_files(app):
    data = MultiDict([("title", "Judul"), ("files", _upload("a.pdf"))])
    with app.test_request_context(method="POST"):
        form = _Sample(formdata=data)
        form.rows[0].form.note.data = "x"
        form.rows[1].form.note.data = "y"
        assert error_summary(form) == []
        assert files_not_kept(form) == []


def test_files_not_received_are_marked(app):
    stream = NotReceived()
    stream.write(b"x" * 10)
    data = MultiDict([("title", ""), ("files", _upload("besar.pdf", stream))])
    with app.test_request_context(method="POST"):
        form = _Sample(formdata=data)
        form.validate()
        assert [f.received for f in files_not_kept(form)] == [False]
        assert any("were not received" in p.message for p in error_summary(form))
