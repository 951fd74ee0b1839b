"""First login in a real Chromium: an administrator at a desk creates a login for an OPD
secretary; the secretary, on a phone, logs in with the password she was given and must
choose her own before any other page opens. The form answers in Indonesian, with every
broken password rule at once."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer

# One worker runs every browser test, so the session starts one Chromium.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

DESK = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
EMAIL = "sekretaris.dispendik@malangkota.go.id"
OWN_PASSWORD = "Pilihan-Sendiri-2024"


def _at(live_server: LiveServer, path: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(live_server(path)) + r"(\?.*)?$")


def _feedback(page: Any, name: str) -> list[str]:
    """The messages shown under the field ``name``."""
    field = page.locator(f"[name={name}]")
    return [
        text.strip()
        for text in field.locator("xpath=..").locator(".invalid-feedback").all_inner_texts()
    ]


def test_a_new_login_chooses_its_own_password_first(
    live_server: LiveServer, new_page: Callable[..., Any], log_in: Callable[..., Any]
) -> None:
    # At a desk: the administrator creates the login and is shown its password once.
    desk = new_page(viewport=DESK)
    log_in(desk, "admin")
    expect(desk).to_have_url(live_server("/"))
    desk.goto(live_server("/admin/users/new"))
    form = desk.get_by_test_id("edit-form")
    form.locator("[name=email]").fill(EMAIL)
    form.locator("[name=name]").fill("Sekretaris Dinas Pendidikan dan Kebudayaan")
    form.locator("[name=role]").select_option("opd")
    form.locator("[name=opd_id]").select_option(label="DINKES — Dinas Kesehatan")
    form.locator("button[type=submit]").click()
    given = desk.get_by_test_id("new-password").inner_text().strip()
    assert len(given) >= 10
    expect(desk.locator("main")).to_contain_text("login pertama")

    # On a phone: the secretary logs in and lands on the change-password page.
    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    phone.goto(live_server("/login"))
    phone.locator("input[name=email]").fill(EMAIL)
    phone.locator("input[name=password]").fill(given)
    phone.locator("main form button[type=submit]").click()
    expect(phone).to_have_url(_at(live_server, "/account"))
    notice = phone.get_by_test_id("must-change-password")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Buat kata sandi Anda sendiri terlebih dahulu.")

    # Any other page sends her back, whatever she opens.
    for path in ("/", "/commitments/", "/reminders/"):
        phone.goto(live_server(path))
        expect(phone).to_have_url(_at(live_server, "/account"))

    # An empty form: every field says so, in Indonesian.
    submit = phone.locator("main form").filter(has=phone.locator("[name=new_password]"))
    submit.locator("button[type=submit]").click()
    for name in ("current_password", "new_password", "confirm"):
        assert _feedback(phone, name) == ["Isian ini wajib diisi."], name

    # A weak new password that does not match its repetition: every rule at once.
    phone.locator("[name=current_password]").fill(given)
    phone.locator("[name=new_password]").fill("pendek")
    phone.locator("[name=confirm]").fill("pendek-lain")
    submit.locator("button[type=submit]").click()
    assert _feedback(phone, "new_password") == [
        "Kata sandi minimal 10 karakter.",
        "Kata sandi harus memadukan huruf dan angka.",
    ]
    assert _feedback(phone, "confirm") == ["Kedua kata sandi tidak sama."]
    assert _feedback(phone, "current_password") == []

    # Her own password: the other pages open.
    phone.locator("[name=current_password]").fill(given)
    phone.locator("[name=new_password]").fill(OWN_PASSWORD)
    phone.locator("[name=confirm]").fill(OWN_PASSWORD)
    submit.locator("button[type=submit]").click()
    expect(phone).to_have_url(_at(live_server, "/reminders/"))
    expect(phone.locator(".alert-success")).to_contain_text("Kata sandi Anda telah diganti.")
    phone.goto(live_server("/commitments/"))
    expect(phone).to_have_url(_at(live_server, "/commitments/"))
    phone.goto(live_server("/account"))
    expect(phone.get_by_test_id("must-change-password")).to_have_count(0)

    # The next login takes her own password, and only that one.
    phone.locator(".navbar-toggler").click()
    expect(phone.locator(".navbar-collapse.show")).to_be_visible()  # opened, not opening
    phone.locator("#userMenu").click()
    expect(phone.get_by_test_id("logout")).to_be_visible()
    phone.get_by_test_id("logout").click()
    expect(phone).to_have_url(_at(live_server, "/login"))
    phone.locator("input[name=email]").fill(EMAIL)
    phone.locator("input[name=password]").fill(given)
    phone.locator("main form button[type=submit]").click()
    expect(phone.locator("main .alert-danger")).to_be_visible()
    phone.locator("input[name=email]").fill(EMAIL)
    phone.locator("input[name=password]").fill(OWN_PASSWORD)
    phone.locator("main form button[type=submit]").click()
    expect(phone).to_have_url(live_server("/"))
