"""/imports/: the list, the templates, the upload (refused files with the reason), the
dry-run page and the confirmation, for each role."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests import factories
from tracker.extensions import db
from tracker.imports.kinds import planner
from tracker.models import Opd, Role
from tracker.models.import_batch import ImportBatch, ImportStatus
from tracker.services import imports as svc

NOW = dt.datetime(2023, 8, 1, 3, 0, tzinfo=dt.UTC)
HEADER = "Kode OPD;Nama OPD;Jenis;Urutan tampilan\n"


def opd_csv(*rows: str) -> bytes:
    return (HEADER + "".join(f"{row}\n" for row in rows)).encode()


GOOD = opd_csv("DINKES;Dinas Kesehatan;;10", "BAPPEDA;Badan Perencanaan Pembangunan Daerah;;20")
BAD = opd_csv("DINKES;Dinas Kesehatan;;10", "BAPPEDA;;;20")


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def _upload(client, kind: str, data: bytes, name: str):
    return client.post(
        "/imports/upload",
        data={"kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _opds() -> int:
    return db.session.scalar(select(func.count()).select_from(Opd)) or 0


@pytest.mark.parametrize("role", [Role.OPD, Role.PIMPINAN])
def test_opd_users_and_the_leadership_may_not_import(client, login_as, role):
    opd = factories.make_opd("DINKES", "Dinas Kesehatan") if role is Role.OPD else None
    login_as(role, opd=opd)
    assert client.get("/imports/").status_code == 403
    assert client.get("/imports/template/commitments.xlsx").status_code == 403
    assert _upload(client, "opds", GOOD, "opd.csv").status_code == 403
    assert _opds() == (1 if opd else 0)


def test_administrators_may_import_every_kind(client, login_as):
    login_as(Role.ADMIN)
    page = client.get("/imports/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for kind in ("opds", "officials", "commitments", "findings"):
        assert f'data-testid="template-{kind}"' in html
    assert "Belum ada impor" in _text(page)


def test_staff_import_commitments_and_findings_only(client, login_as):
    login_as(Role.INSPEKTORAT)
    html = client.get("/imports/").get_data(as_text=True)
    assert 'data-testid="template-opds"' not in html
    assert 'data-testid="template-officials"' not in html
    assert 'data-testid="template-commitments"' in html
    assert 'value="opds"' not in html
    assert client.get("/imports/template/opds.xlsx").status_code == 403
    assert client.get("/imports/template/nothing.xlsx").status_code == 404
    refused = _upload(client, "opds", GOOD, "opd.csv")
    assert refused.status_code == 400
    assert _opds() == 0


def test_the_template_downloads_with_headings_and_explanations(client, login_as):
    login_as(Role.ADMIN)
    response = client.get("/imports/template/opds.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "templat-impor-opds.xlsx" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    first, explained = workbook.worksheets
    columns = planner("opds").COLUMNS
    assert list(next(first.iter_rows(values_only=True))) == [c.heading for c in columns]
    assert explained.title == "Penjelasan"
    lines = list(explained.iter_rows(values_only=True))
    assert [line[0] for line in lines[1:]] == [c.heading for c in columns]
    assert lines[1][1] == "Ya"  # Kode OPD is required


def test_the_template_is_a_file_the_import_reads(client, login_as):
    login_as(Role.ADMIN)
    data = client.get("/imports/template/opds.xlsx").data
    response = _upload(client, "opds", data, "templat.xlsx")
    assert response.status_code == 302
    detail = client.get(response.headers["Location"])
    assert 'data-testid="import-confirm"' in detail.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"%PDF-1.4\n%%EOF\n", "opd.pdf", "jenis"),
        (b"", "kosong.csv", ""),
        (b"Nama;Alamat\nA;B\n", "lain.csv", "Kode OPD"),
    ],
)
def test_a_refused_file_is_shown_with_the_reason(client, login_as, data, name, reason):
    login_as(Role.ADMIN)
    response = _upload(client, "opds", data, name)
    assert response.status_code == 400
    errors = re.search(
        r'data-testid="form-errors">(.*?)</div>', response.get_data(as_text=True), re.S
    )
    assert errors, "the refusal is shown above the form"
    assert reason in _text(response)
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0


@pytest.mark.app_config(IMPORT_MAX_BYTES=200)
def test_a_file_too_large_is_refused_with_the_reason(client, login_as):
    login_as(Role.ADMIN)
    data = opd_csv(*(f"OPD{i};Dinas Nomor {i};;{i}" for i in range(20)))
    response = _upload(client, "opds", data, "besar.csv")
    assert response.status_code == 400
    assert "terlalu besar" in _text(response)


def test_no_file_chosen(client, login_as):
    login_as(Role.ADMIN)
    response = client.post("/imports/upload", data={"kind": "opds"})
    assert response.status_code == 400
    assert "Belum ada berkas yang dipilih" in _text(response)


def test_dry_run_then_confirm(client, login_as):
    admin = login_as(Role.ADMIN)
    response = _upload(client, "opds", GOOD, "opd.csv")
    assert response.status_code == 302
    batch = db.session.scalar(select(ImportBatch))
    assert response.headers["Location"].endswith(f"/imports/{batch.id}")
    assert _opds() == 0
    page = client.get(f"/imports/{batch.id}")
    html = page.get_data(as_text=True)
    text = _text(page)
    assert page.status_code == 200
    assert 'data-testid="import-confirm"' in html
    assert "data-confirm=" in html
    assert html.count('data-action="create"') == 2
    assert "DINKES — Dinas Kesehatan" in text
    confirmed = client.post(f"/imports/{batch.id}/confirm", follow_redirects=True)
    assert confirmed.status_code == 200
    assert "Diimpor: 2 dibuat, 0 diperbarui, 0 tidak berubah" in _text(confirmed)
    assert _opds() == 2
    db.session.expire_all()
    assert batch.status is ImportStatus.IMPORTED and batch.imported_by_id == admin.id
    # A second click imports nothing more.
    again = client.post(f"/imports/{batch.id}/confirm", follow_redirects=True)
    assert "sudah diimpor" in _text(again)
    assert _opds() == 2
    listing = _text(client.get("/imports/"))
    assert "opd.csv" in listing
    assert "2 dibuat" in listing
    assert client.get(f"/imports/{batch.id}/file").data == GOOD


def test_a_file_with_errors_shows_each_problem_and_no_confirm_button(client, login_as):
    login_as(Role.ADMIN)
    response = _upload(client, "opds", BAD, "opd.csv")
    batch = db.session.scalar(select(ImportBatch))
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert "Baris 3, kolom Nama OPD: " in _text(page)
    assert 'data-testid="import-confirm"' not in html
    assert 'data-testid="import-blocked"' in html
    forced = client.post(f"/imports/{batch.id}/confirm", follow_redirects=True)
    assert "tidak ada yang diimpor" in _text(forced)
    assert _opds() == 0


def test_a_long_dry_run_is_paged(client, login_as):
    login_as(Role.ADMIN)
    rows = [f"OPD{i:03d};Dinas Nomor {i:03d};;{i}" for i in range(150)]
    response = _upload(client, "opds", opd_csv(*rows), "panjang.csv")
    url = response.headers["Location"]
    first = client.get(url).get_data(as_text=True)
    assert first.count('data-testid="import-row"') == 100
    second = client.get(url + "?page=2").get_data(as_text=True)
    assert second.count('data-testid="import-row"') == 50
    assert "OPD149" in second


def test_staff_do_not_see_the_organisation_imports(client, login_as, login):
    admin = factories.make_user(Role.ADMIN)
    batch, _plan = svc.check("opds", GOOD, "opd.csv", actor=admin, now=NOW)
    db.session.commit()
    login_as(Role.INSPEKTORAT)
    assert client.get(f"/imports/{batch.id}").status_code == 403
    assert client.post(f"/imports/{batch.id}/confirm").status_code == 403
    assert client.get(f"/imports/{batch.id}/file").status_code == 403
    assert "opd.csv" not in _text(client.get("/imports/"))
    assert client.get("/imports/999999").status_code == 404


def test_the_list_filters_by_kind(client, login_as):
    admin = login_as(Role.ADMIN)
    svc.check("opds", GOOD, "opd.csv", actor=admin, now=NOW)
    db.session.commit()
    assert "opd.csv" in _text(client.get("/imports/?kind=opds"))
    filtered = _text(client.get("/imports/?kind=commitments"))
    assert "opd.csv" not in filtered
    assert "Tidak ada impor yang cocok" in filtered


def _make_batches(admin, count: int) -> None:
    for i in range(count):
        svc.check("opds", GOOD, f"opd-{i}.csv", actor=admin, now=NOW)
    db.session.commit()


def test_the_list_page_queries_stay_constant(client, login_as, count_queries):
    admin = login_as(Role.ADMIN)
    _make_batches(admin, 2)
    with count_queries() as small:
        assert client.get("/imports/").status_code == 200
    _make_batches(admin, 12)
    with count_queries() as large:
        assert client.get("/imports/").status_code == 200
    assert large.count == small.count


def test_staff_import_commitments_from_the_page(client, login_as):
    from tracker.models import Commitment

    factories.make_opd("DINKES", "Dinas Kesehatan")
    staff = login_as(Role.INSPEKTORAT)
    data = (
        b"Kode OPD;Komitmen;Indikator;Target;Batas waktu\n"
        b"DINKES;Menurunkan prevalensi stunting;Prevalensi stunting;14%;31/12/2023\n"
    )
    response = _upload(client, "commitments", data, "komitmen.csv")
    assert response.status_code == 302, _text(response)
    page = client.get(response.headers["Location"])
    assert 'data-testid="import-confirm"' in page.get_data(as_text=True), _text(page)
    batch = db.session.scalar(select(ImportBatch))
    confirmed = client.post(f"/imports/{batch.id}/confirm", follow_redirects=True)
    assert "Diimpor: 1 dibuat, 0 diperbarui, 0 tidak berubah" in _text(confirmed)
    commitment = db.session.scalar(select(Commitment))
    assert commitment.statement == "Menurunkan prevalensi stunting"
    assert commitment.created_by_id == staff.id


def test_the_dry_run_page_queries_stay_constant(client, login_as, count_queries):
    admin = login_as(Role.ADMIN)
    pages = []
    for size in (2, 60):
        rows = [f"OPD{i:03d};Dinas Nomor {i:03d};;{i}" for i in range(size)]
        batch, _plan = svc.check("opds", opd_csv(*rows), f"opd-{size}.csv", actor=admin, now=NOW)
        db.session.commit()
        with count_queries() as counted:
            assert client.get(f"/imports/{batch.id}").status_code == 200
        pages.append(counted.count)
    assert pages[0] == pages[1]
