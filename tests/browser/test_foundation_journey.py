"""Journeys through the foundation in a real Chromium: login, language, logout, phone layout."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer

# One worker runs every browser test, so the session starts one Chromium.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# With the Indonesian catalog compiled, the interface text itself is checked as well.
ID_CATALOG = (
    Path(__file__).resolve().parents[2]
    / "tracker"
    / "translations"
    / "id"
    / "LC_MESSAGES"
    / "messages.mo"
)


def _path(live_server: LiveServer, path: str) -> re.Pattern[str]:
    """Matches the page URL for ``path`` on the live server, with or without a query."""
    return re.compile("^" + re.escape(live_server(path)) + r"(\?.*)?$")


def test_login_language_switch_and_logout(
    live_server: LiveServer, browser_page: Any, log_in: Callable[..., Any]
) -> None:
    page = browser_page
    html = page.locator("html")

    # Anonymous visitors are sent to the login form.
    page.goto(live_server("/"))
    expect(page).to_have_url(_path(live_server, "/login"))
    expect(html).to_have_attribute("lang", "id")
    expect(page.locator("input[name=email]")).to_be_visible()
    expect(page.locator("input[name=password]")).to_be_visible()
    expect(page.locator("input[name=csrf_token]").first).to_be_attached()

    account = log_in(page, "admin")

    # The home page, in Indonesian by default.
    expect(page).to_have_url(live_server("/"))
    expect(page.locator("h1")).to_contain_text(account.name)
    expect(html).to_have_attribute("lang", "id")
    navbar = page.get_by_role("navigation").first
    expect(navbar).to_be_visible()
    expect(navbar.locator(".navbar-brand")).to_be_visible()
    expect(navbar.locator("#userMenu")).to_contain_text(account.name)
    expect(page.get_by_role("button", name="ID", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    logout = page.get_by_test_id("logout")
    if ID_CATALOG.exists():
        expect(logout).to_have_text("Keluar")

    # Switch to English and back; the page stays where it was.
    page.get_by_role("button", name="EN", exact=True).click()
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(live_server("/"))
    expect(page.get_by_role("button", name="EN", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator("h1")).to_contain_text(account.name)
    expect(logout).to_have_text("Log out")

    page.get_by_role("button", name="ID", exact=True).click()
    expect(html).to_have_attribute("lang", "id")
    expect(page.get_by_role("button", name="ID", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )

    # Log out through the user menu (once Bootstrap's script, which opens it, has run).
    page.wait_for_load_state("load")
    page.locator("#userMenu").click()
    expect(logout).to_be_visible()
    logout.click()
    expect(page).to_have_url(_path(live_server, "/login"))
    expect(page.locator("input[name=email]")).to_be_visible()
    expect(page.locator("#userMenu")).to_have_count(0)
    expect(html).to_have_attribute("lang", "id")

    # Logged out for real: the home page asks for a login again.
    page.goto(live_server("/"))
    expect(page).to_have_url(_path(live_server, "/login"))


def test_wrong_password_shows_an_error(
    live_server: LiveServer, browser_page: Any, log_in: Callable[..., Any]
) -> None:
    page = browser_page
    page.goto(live_server("/login"))
    log_in(page, "admin", password="Salah-Sandi-999")

    expect(page).to_have_url(_path(live_server, "/login"))
    error = page.locator("main .alert-danger, main .invalid-feedback, main [role=alert]")
    expect(error.first).to_be_visible()
    expect(error.first).not_to_be_empty()
    expect(page.locator("input[name=password]")).to_be_visible()
    expect(page.locator("#userMenu")).to_have_count(0)


def test_opd_user_on_a_phone(
    live_server: LiveServer, new_page: Callable[..., Any], log_in: Callable[..., Any]
) -> None:
    page = new_page(
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )
    page.goto(live_server("/login"))
    _assert_no_horizontal_overflow(page)

    account = log_in(page, "opd")
    expect(page).to_have_url(live_server("/"))
    expect(page.locator("h1")).to_contain_text(account.name)
    _assert_no_horizontal_overflow(page)

    # On a phone the menu is collapsed behind the toggler.
    toggler = page.locator(".navbar-toggler")
    menu = page.locator("#mainNav")
    expect(toggler).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()

    toggler.click()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    expect(menu).to_have_class(re.compile(r"\bshow\b"))
    user_menu = page.locator("#userMenu")
    expect(user_menu).to_be_visible()
    expect(user_menu).to_contain_text(account.name)
    _assert_no_horizontal_overflow(page)

    # The user menu works inside the opened navbar, down to logging out.
    user_menu.click()
    expect(page.get_by_test_id("logout")).to_be_visible()
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(_path(live_server, "/login"))


def _assert_no_horizontal_overflow(page: Any) -> None:
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"], f"page scrolls sideways: {widths}"


def test_a_double_click_on_save_creates_one_record(
    live_server: LiveServer, browser_page: Any, log_in: Callable[..., Any]
) -> None:
    from tracker.extensions import db
    from tracker.models import Opd

    page = browser_page
    log_in(page, "admin")
    expect(page).to_have_url(live_server("/"))
    page.goto(live_server("/admin/opds/new"))
    page.locator("#code").fill("DISPORA")
    page.locator("#name").fill("Dinas Kepemudaan dan Olahraga")
    page.locator("#kind").select_option("dinas")
    save = page.locator("main form button[type=submit]").first
    save.dblclick()
    expect(page).to_have_url(_path(live_server, "/admin/opds"))
    with live_server.app.app_context():
        count = db.session.scalar(
            db.select(db.func.count()).select_from(Opd).where(Opd.code == "DISPORA")
        )
        db.session.remove()
    assert count == 1
