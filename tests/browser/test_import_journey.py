"""An import on a phone (390x844) in a real browser: an administrator checks an OPD list
with a mistake, reads "Baris 3, kolom Nama OPD: …" on the dry-run page (no confirm
button), checks the corrected file, confirms and sees what was imported; no page scrolls
sideways."""

from __future__ import annotations

import pytest

from tests.browser.checks import no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
HEADER = "Kode OPD;Nama OPD;Jenis;Urutan tampilan\n"
WITH_ERROR = HEADER + "DINKES;Dinas Kesehatan;;\nBAPPEDA;;;20\n"
FIXED = HEADER + "DINKES;Dinas Kesehatan;;\nBAPPEDA;Badan Perencanaan Pembangunan Daerah;;20\n"


def _check(page, text: str) -> None:
    page.get_by_test_id("import-upload-form").get_by_label("Isi berkas").select_option("opds")
    page.locator("input[type=file][name=file]").set_input_files(
        files=[{"name": "daftar-opd.csv", "mimeType": "text/csv", "buffer": text.encode()}]
    )
    page.get_by_test_id("import-check").click()


def test_on_a_phone_an_admin_fixes_a_file_and_imports_it(live_server, new_page, log_in):
    from playwright.sync_api import expect

    page = new_page(**PHONE)
    log_in(page, "admin")
    page.goto(live_server("/imports/"))
    expect(page.get_by_test_id("template-opds")).to_be_visible()
    no_sideways_scroll(page)

    _check(page, WITH_ERROR)
    expect(page.get_by_test_id("import-problem").first).to_contain_text("Baris 3, kolom Nama OPD:")
    expect(page.get_by_test_id("import-confirm")).to_have_count(0)
    expect(page.get_by_test_id("count-problems")).to_contain_text("1")
    no_sideways_scroll(page)

    page.get_by_test_id("import-again").click()
    _check(page, FIXED)
    expect(page.get_by_test_id("count-create")).to_contain_text("1")
    expect(page.get_by_test_id("count-unchanged")).to_contain_text("1")
    expect(page.get_by_test_id("import-problem")).to_have_count(0)
    no_sideways_scroll(page)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("import-confirm").click()
    expect(page.get_by_role("alert").filter(has_text="Diimpor:")).to_contain_text(
        "Diimpor: 1 dibuat, 0 diperbarui, 1 tidak berubah"
    )
    expect(page.get_by_test_id("import-status")).to_contain_text("Diimpor")
    no_sideways_scroll(page)

    page.goto(live_server("/imports/"))
    expect(page.get_by_test_id("import-cards")).to_contain_text("daftar-opd.csv")
    no_sideways_scroll(page)
