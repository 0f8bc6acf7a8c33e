"""Under the strict Content-Security-Policy the main member and staff pages load in a real
Chromium without a single violation, and their htmx and scripts still work.

Violations are collected twice over: from the console (Chromium reports each refused inline
script or style there) and from the `securitypolicyviolation` event, which an init script
(run by the browser outside the page's policy) records for every page of the context.
"""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from gonghui.core.tests.browser import PHONE, PageFactory, sign_in_staff, sign_in_worker
from gonghui.events.models import Activity
from gonghui.events.tests.factories import seminar
from gonghui.members.models import Member
from gonghui.members.tests.factories import member_with_account

pytestmark = pytest.mark.browser

WORKER_MOBILE = "13800138000"
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture
def activity(tree, make_staff) -> Activity:
    actor = make_staff(tree.zgc, "operator")
    return seminar(actor=actor, org=tree.zgc, starts_at=timezone.now() + timedelta(minutes=30))


@pytest.fixture
def worker(tree, operator) -> Member:
    return member_with_account(actor=operator, org=tree.sohu, mobile=WORKER_MOBILE)


class Watched:
    """A page whose console and policy events are kept."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.context.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def visit(self, url: str) -> list[str]:
        response = self.page.goto(url)
        assert response is not None
        assert response.status == 200, url
        assert "script-src 'self'" in response.headers["content-security-policy"]
        return self.violations()

    def violations(self) -> list[str]:
        return [*self.console, *self.page.evaluate("window.__cspViolations")]


def test_member_pages_load_without_a_policy_violation(
    transactional_db, new_page: PageFactory, activity, worker, sms_outbox
):
    watched = Watched(new_page(**PHONE))
    page = watched.page
    assert watched.visit("/accounts/login/") == []
    sign_in_worker(page, sms_outbox, WORKER_MOBILE)
    page.wait_for_url(re.compile(r"/me/$"))
    assert watched.violations() == []

    assert watched.visit("/me/card/") == []
    expect(page.locator(".member-card .qr svg")).to_be_visible()
    # The card's stylesheet applies (it was an inline <style> before).
    radius = page.locator(".member-card").evaluate("e => getComputedStyle(e).borderRadius")
    assert radius == "14px"

    assert watched.visit("/a/") == []
    page.locator("#activities a.activity-title", has_text="工匠精神研讨会").click()
    page.wait_for_url(re.compile(re.escape(reverse("events:member_detail", args=[activity.pk]))))
    page.locator("#register").click()
    expect(page.locator("#registration-status")).to_be_visible()
    assert watched.violations() == []


def test_staff_pages_load_without_a_policy_violation_and_htmx_works(
    transactional_db, page, tree, make_staff, activity
):
    watched = Watched(page)
    staff = make_staff(tree.root)
    sign_in_staff(page, staff.username)
    assert watched.violations() == []

    assert watched.visit("/staff/dashboard/") == []
    expect(page.locator(".dash-tile").first).to_be_visible()

    # The check-in screen swaps its code in through htmx every few seconds.
    assert watched.visit(reverse("events:screen", args=[activity.pk])) == []
    expect(page.locator("#screen-code svg")).to_be_visible()

    # The org tree loads the units below a union through htmx when it is opened.
    assert watched.visit("/staff/orgs/") == []
    results = page.locator("#results")
    results.locator("details > summary small").first.click()
    expect(results.locator(".subtree a").first).to_be_visible()
    # htmx's indicator rules come from app.css now, not from a <style> htmx inserts.
    assert page.locator("head style").count() == 0
    assert watched.violations() == []
