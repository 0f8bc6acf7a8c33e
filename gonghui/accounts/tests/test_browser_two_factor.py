"""A real browser: a reviewer's first sign-in sets up an authenticator app (the test reads
the key off the page and computes the codes, as the phone would), then a later sign-in asks
for a code. Run with the other browser tests (`pytest -m browser`)."""

import re
import time

import pytest
from playwright.sync_api import Page, expect

from gonghui.accounts import totp
from gonghui.accounts.models import TotpDevice
from gonghui.accounts.roles import Role

pytestmark = pytest.mark.browser


def password(page: Page, username: str) -> None:
    page.goto("/staff/login/")
    page.get_by_label("Username or mobile number").fill(username)
    page.get_by_label("Password").fill("pw-staff")
    page.get_by_role("button", name="Sign in").click()


def test_a_reviewer_sets_up_an_authenticator_and_signs_in_with_its_code(
    transactional_db, new_page, tree, make_staff
):
    reviewer = make_staff(tree.hlg, Role.REVIEWER)
    page = new_page(locale="en-US")
    password(page, reviewer.username)

    page.wait_for_url(re.compile(r"/staff/login/setup/$"))
    expect(page.locator("main h1")).to_have_text("Set up two-factor sign-in")
    expect(page.locator("#totp-qr svg")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.get_by_label("Code from the app").fill(totp.code_at(secret, time.time()))
    page.get_by_role("button", name="Confirm").click()

    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    assert re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", codes.first.inner_text())
    page.get_by_role("link", name="I have saved them — continue").click()
    page.wait_for_url(re.compile(r"/staff/$"))
    expect(page.locator(".sidebar")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    password(page, reviewer.username)
    page.wait_for_url(re.compile(r"/staff/login/code/$"))
    device = TotpDevice.objects.get(user=reviewer)
    assert str(device.secret) == secret
    # The code of the next step: the one used to set up is refused as a replay.
    fresh = totp.hotp(secret, max(totp.step_at(time.time()), device.last_step + 1))
    page.get_by_label("Code").fill(fresh)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/staff/$"))
    page.goto("/staff/members/applications/")
    expect(page.locator("main h1")).to_be_visible()
    assert "/staff/login/" not in page.url
