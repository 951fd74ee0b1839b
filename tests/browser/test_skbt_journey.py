"""SKBT on a phone (390x844) in a real browser: the Inspektorat records a request, checks
it and issues the letter; a stranger opens the verification link without logging in and
sees it valid, then revoked once staff revoke it (with the reason kept from them)."""

from __future__ import annotations

import pytest

from tests.browser.checks import no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_on_a_phone_staff_issue_and_a_stranger_verifies(live_server, new_page, log_in):
    from playwright.sync_api import expect

    staff = new_page(**PHONE)
    log_in(staff, "admin")
    staff.goto(live_server("/skbt/new"))
    staff.get_by_label("NIP pejabat").fill("19750312 200003 2 004")
    staff.get_by_label("Nama", exact=True).fill("Siti Rahayu")
    staff.get_by_label("Keperluan", exact=True).fill("Persyaratan mutasi jabatan")
    staff.get_by_test_id("skbt-check").click()
    expect(staff.get_by_test_id("skbt-clear")).to_be_visible()
    no_sideways_scroll(staff)
    staff.get_by_test_id("skbt-save").click()
    expect(staff.get_by_test_id("skbt-issue")).to_be_visible()
    no_sideways_scroll(staff)
    staff.get_by_test_id("skbt-issue").click()
    expect(staff.get_by_test_id("skbt-number")).to_contain_text("/SKBT/")
    detail = staff.url
    number = staff.get_by_test_id("skbt-number").inner_text().strip()
    link = staff.get_by_test_id("skbt-verify-link").get_attribute("href")
    assert link and link.startswith(live_server("/verify/"))
    no_sideways_scroll(staff)
    staff.goto(live_server("/skbt/"))
    expect(staff.get_by_test_id("skbt-cards")).to_contain_text("Siti Rahayu")
    no_sideways_scroll(staff)

    stranger = new_page(**PHONE)  # no login
    stranger.goto(link)
    expect(stranger.get_by_test_id("verify-valid")).to_be_visible()
    expect(stranger.get_by_test_id("verify-number")).to_have_text(number)
    expect(stranger.get_by_test_id("verify-name")).to_have_text("Siti Rahayu")
    no_sideways_scroll(stranger)

    staff.goto(detail)
    staff.get_by_text("Cabut SKBT ini").click()
    staff.get_by_label("Alasan pencabutan").fill("Diterbitkan sebelum setoran tercatat.")
    staff.once("dialog", lambda dialog: dialog.accept())
    staff.get_by_test_id("skbt-revoke").click()
    expect(staff.get_by_test_id("skbt-status")).to_contain_text("Dicabut pada")

    stranger.reload()
    expect(stranger.get_by_test_id("verify-revoked")).to_contain_text("Dicabut pada")
    expect(stranger.locator("main")).not_to_contain_text("setoran")
    no_sideways_scroll(stranger)
