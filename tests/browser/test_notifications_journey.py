"""The OPD secretary's notifications on a phone (390x844) in a real Chromium: the bell in
the navigation shows what is unread, the list leads to the item and marks it read, and
"mark all as read" empties the bell."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.checks import no_sideways_scroll
from tests.browser.conftest import LiveServer
from tests.commitments.factories_commitments import make_commitment
from tests.notifications.factories_notifications import make_notification
from tracker.audit import Actor, acting_as
from tracker.extensions import db
from tracker.models import Opd, User
from tracker.models.notification import NoticeEvent

# One worker runs every browser test, so the session starts one Chromium.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
# English words of these pages that must not show on the Indonesian interface.
ENGLISH = ["Notifications", "Mark as read", "Mark all as read", "Unread", "Commitment returned"]


def _prepare(live_server: LiveServer) -> dict[str, int]:
    """Two unread notifications for the DINKES secretary: a commitment returned by the
    Inspektorat (leading to the commitment's page) and a new commitment for the OPD."""
    with live_server.app.app_context(), acting_as(Actor(None, "browser-test")):
        dinkes = db.session.scalar(select(Opd).where(Opd.code == "DINKES"))
        secretary = db.session.scalar(select(User).where(User.opd_id == dinkes.id))
        returned = make_commitment(dinkes, statement="Menyusun SOP pelayanan puskesmas")
        assigned = make_commitment(dinkes, statement="Menurunkan angka stunting")
        make_notification(
            secretary,
            NoticeEvent.COMMITMENT_ASSIGNED,
            item_id=assigned.id,
            title=assigned.statement,
            url=f"/commitments/{assigned.id}",
            params={"opd": "DINKES", "due_on": "2030-12-31"},
        )
        make_notification(
            secretary,
            NoticeEvent.COMMITMENT_RETURNED,
            item_id=returned.id,
            title=returned.statement,
            url=f"/commitments/{returned.id}",
            params={"by": "Sari Auditor", "note": "Lampirkan SK penetapan SOP."},
        )
        ids = {"returned": returned.id}
        db.session.remove()
    return ids


def _one_row(page: Any) -> None:
    """The brand, the bell and the menu button share the bar's one row, inside the screen."""
    boxes = [
        page.locator(selector).bounding_box()
        for selector in (".navbar-brand", "[data-testid=notification-bell]", ".navbar-toggler")
    ]
    assert all(boxes), boxes
    middles = [box["y"] + box["height"] / 2 for box in boxes]
    assert max(middles) - min(middles) < 8, boxes
    assert all(box["x"] + box["width"] <= 390 for box in boxes), boxes


def _no_english(page: Any) -> None:
    text = page.locator("main").inner_text() + page.locator("header").inner_text()
    found = [word for word in ENGLISH if re.search(rf"\b{re.escape(word)}\b", text)]
    assert not found, f"English on the Indonesian interface: {found}"


def test_the_bell_leads_to_the_item_and_empties(
    live_server: LiveServer, new_page: Callable[..., Any], log_in: Callable[..., Any]
) -> None:
    ids = _prepare(live_server)
    page = new_page(**PHONE)
    log_in(page, "opd")
    bell = page.get_by_test_id("notification-bell")
    count = bell.get_by_test_id("notification-count")

    # On the phone the bell stays in the bar (not behind the menu button).
    expect(bell).to_be_visible()
    expect(count).to_have_text("2")
    expect(bell).to_have_attribute("aria-label", "2 pemberitahuan belum dibaca")
    _one_row(page)

    bell.click()
    expect(page).to_have_url(live_server("/notifications/"))
    expect(page.get_by_role("heading", name="Pemberitahuan")).to_be_visible()
    rows = page.get_by_test_id("notification")
    expect(rows).to_have_count(2)
    first = rows.first
    expect(first).to_have_attribute("data-unread", "1")
    expect(first).to_contain_text("Komitmen dikembalikan")
    expect(first).to_contain_text(
        "Komitmen dikembalikan oleh Sari Auditor: Lampirkan SK penetapan SOP."
    )
    expect(rows.nth(1)).to_contain_text("Komitmen baru untuk DINKES; batas waktu")
    no_sideways_scroll(page)
    _no_english(page)

    # Following the link opens the commitment's page and marks it read.
    first.get_by_test_id("notification-link").click()
    expect(page).to_have_url(live_server(f"/commitments/{ids['returned']}"))
    expect(page.locator("h1")).to_contain_text(f"#{ids['returned']}")
    expect(count).to_have_text("1")

    page.go_back()
    expect(page).to_have_url(live_server("/notifications/"))
    expect(count).to_have_text("1")
    expect(bell).to_have_attribute("aria-label", "1 pemberitahuan belum dibaca")
    expect(rows.first).to_have_attribute("data-unread", "0")
    expect(rows.nth(1)).to_have_attribute("data-unread", "1")

    page.get_by_test_id("notifications-read-all").click()
    expect(page.get_by_role("alert")).to_contain_text("1 pemberitahuan ditandai sudah dibaca.")
    expect(count).to_have_count(0)
    expect(bell).to_be_visible()
    expect(bell).to_have_attribute("aria-label", "Pemberitahuan")
    expect(page.get_by_test_id("notification-read")).to_have_count(0)
    expect(page.get_by_test_id("notifications-read-all")).to_have_count(0)
    no_sideways_scroll(page)
