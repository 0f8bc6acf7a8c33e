"""In a real browser on a phone: a worker signs in by SMS, registers for an activity, opens the
address the big screen's QR holds, presses Check in and is checked in; a second press says
"already checked in", and a code older than its window is refused.

Run on their own with `pytest -m browser` (Debian's Chromium through Playwright, against
pytest-django's live server).
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from gonghui.checkins.actions import screen_code
from gonghui.checkins.models import CheckIn
from gonghui.core.tests.browser import PHONE, PageFactory, sign_in_worker
from gonghui.events import actions
from gonghui.events.models import Activity
from gonghui.events.tests.factories import seminar
from gonghui.members.models import Member
from gonghui.members.tests.factories import member_with_account

pytestmark = pytest.mark.browser

WORKER_MOBILE = "13800138000"
ENGLISH = {"locale": "en-US", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def activity(tree, make_staff) -> Activity:
    """A seminar for the 中关村 subtree starting in half an hour: check-in is open."""
    actor = make_staff(tree.zgc, "operator")
    return seminar(actor=actor, org=tree.zgc, starts_at=timezone.now() + timedelta(minutes=30))


@pytest.fixture
def worker(tree, operator) -> Member:
    """A member of 搜狐 whose account signs in with WORKER_MOBILE."""
    return member_with_account(actor=operator, org=tree.sohu, mobile=WORKER_MOBILE)


def test_a_member_registers_and_checks_in_with_the_screen_code(
    transactional_db, new_page: PageFactory, activity, worker, sms_outbox
):
    page = new_page(**PHONE, **ENGLISH)
    detail = reverse("events:member_detail", args=[activity.pk])

    # Signed in by SMS, the worker finds the activity (only for members of 中关村's subtree).
    page.goto("/")
    page.locator("main a.button.block[href='/accounts/login/']").click()
    sign_in_worker(page, sms_outbox, WORKER_MOBILE)
    page.wait_for_url(re.compile(r"/me/$"))
    page.goto("/")
    page.locator("#activities-link").click()
    page.locator("#activities a.activity-title", has_text="工匠精神研讨会").click()
    page.wait_for_url(re.compile(re.escape(detail) + "$"))
    expect(page.locator("dd.places")).to_have_text("100 places left")

    page.locator("#register").click()
    expect(page.locator("ul.messages")).to_have_text("You are registered.")
    expect(page.locator("#registration-status")).to_have_text("Confirmed")
    expect(page.locator("dd.places")).to_have_text("99 places left")

    # The QR on the big screen holds this address; opening it checks nobody in yet.
    checkin = reverse("events:member_checkin", kwargs={"code": screen_code(activity.checkpoint)})
    page.goto(checkin)
    second_tab = page.context.new_page()
    second_tab.goto(checkin)
    expect(page.locator("#checkin-activity")).to_contain_text("工匠精神研讨会")
    assert CheckIn.objects.count() == 0

    page.locator("#checkin-button").click()
    result = page.locator("#checkin-result")
    expect(result.locator(".checkin-title")).to_have_text("Checked in")
    first = CheckIn.objects.get()
    at = timezone.localtime(first.checked_in_at).strftime("%H:%M")
    expect(result.locator(".checkin-message")).to_have_text(f"Checked in at {at}.")

    # The same page open in another tab: pressing again answers with the first time.
    second_tab.locator("#checkin-button").click()
    expect(second_tab.locator("#checkin-result .checkin-title")).to_have_text("Already checked in")
    expect(second_tab.locator("#checkin-result .checkin-message")).to_have_text(
        f"Already checked in at {at}."
    )
    # Reloading shows the button again; submitting it changes nothing.
    page.reload()
    page.locator("#checkin-button").click()
    expect(result.locator(".checkin-title")).to_have_text("Already checked in")
    assert CheckIn.objects.count() == 1

    # A photo of the QR passed around a chat group stops working after its window.
    old = screen_code(activity.checkpoint, at=timezone.now() - timedelta(minutes=2))
    page.goto(reverse("events:member_checkin", kwargs={"code": old}))
    page.locator("#checkin-button").click()
    expect(result.locator(".checkin-title")).to_have_text("Code expired")
    expect(result.locator(".checkin-message")).to_have_text(
        "This code has expired; scan the screen again."
    )
    assert CheckIn.objects.count() == 1

    page.goto(reverse("events:my_activities"))
    expect(page.locator("#registrations dd.checkin")).to_have_text("Checked in")


def test_scanning_while_signed_out_signs_in_and_comes_back_to_check_in(
    transactional_db, new_page: PageFactory, activity, worker, sms_outbox
):
    actions.register_for_activity(member=worker, activity=activity)
    checkin = reverse("events:member_checkin", kwargs={"code": screen_code(activity.checkpoint)})
    page = new_page(**PHONE, **ENGLISH)

    page.goto(checkin)
    page.wait_for_url(re.compile(r"/accounts/login/\?next="))
    sign_in_worker(page, sms_outbox, WORKER_MOBILE)
    page.wait_for_url(re.compile(re.escape(checkin) + "$"))
    assert CheckIn.objects.count() == 0
    page.locator("#checkin-button").click()
    expect(page.locator("#checkin-result .checkin-title")).to_have_text("Checked in")
    assert CheckIn.objects.get().member_id == worker.pk
