"""A worker joins at an event on a phone in a real browser: scan link → form → "received",
then the status link from the text message; with a typo corrected after the message, and a
submission that survives losing the network.

Run on their own with `pytest -m browser`. They live beside the other browser tests because
the Chromium fixtures (one Playwright per session) are in gonghui/core/tests/browser.py.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from gonghui.core.tests.browser import PHONE
from gonghui.members import actions
from gonghui.members.models import Application
from gonghui.members.tests.factories import id_number

pytestmark = pytest.mark.browser

SAVED_EN = (
    "Saved on this phone. It will be sent by itself when you are back online; keep this page open."
)
TYPO_EN = "The last character does not match the rest of the number; please check for a typo."
RECEIVED_URL = re.compile(r"/j/\w+/received/\?to=139%2A%2A%2A%2A1234$")


@pytest.fixture
def event(tree, operator):
    now = timezone.now()
    return actions.create_recruitment_event(
        actor=operator,
        org=tree.zgc,
        enterprise=None,
        title="搜狐双沟通活动",
        place="搜狐媒体大厦一层食堂",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=3),
        gift_name="入会礼包",
        gift_stock=100,
    )


def fill_form(page: Page, *, id_no: str) -> None:
    page.get_by_label("Full name").fill("王小明")
    page.get_by_label("Male", exact=True).check()
    page.get_by_label("ID number").fill(id_no)
    page.get_by_label("Mobile number").fill("139 0000 1234")
    page.get_by_label("Employer or platform").fill("美团")
    page.get_by_label("My employer has no union").check()
    page.get_by_label("Job type").select_option("rider")
    page.get_by_label("Education").select_option("high_school")
    page.get_by_label("Political status").select_option("masses")
    page.get_by_label("I have read the privacy notice").check()


def drafts(page: Page) -> int:
    return int(
        page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('gonghui-join:')).length")
    )


def test_a_worker_corrects_a_typo_and_gets_the_status_link_by_sms(
    transactional_db, new_page, event, sms_outbox
):
    page = new_page(**PHONE, locale="en-US")
    page.goto(f"/j/{event.code}/")
    expect(page.locator("main h1")).to_have_text("Join the union")
    good = id_number(serial=321)
    typo = good[:-1] + ("0" if good[-1] != "0" else "1")
    fill_form(page, id_no=typo)
    page.get_by_role("button", name="Send my application").click()

    error = page.locator(".has-error .field-error")
    expect(error).to_have_text(TYPO_EN)
    assert Application.objects.count() == 0
    # Everything else the worker typed is still there.
    expect(page.get_by_label("Full name")).to_have_value("王小明")

    page.get_by_label("ID number").fill(good)
    page.get_by_role("button", name="Send my application").click()
    page.wait_for_url(RECEIVED_URL)
    expect(page.locator("main h1")).to_have_text("Application received")
    expect(page.locator("main")).to_contain_text("The text goes to 139****1234.")
    application = Application.objects.get()
    assert application.receipt not in page.content()
    assert (str(application.id_number), str(application.mobile)) == (good, "13900001234")
    assert application.org_id == event.org_id
    assert drafts(page) == 0  # the "received" page forgets the draft
    # The link in the text opens the status page.
    [sms] = sms_outbox
    link = re.search(r"https?://\S+/r/[\w-]+/", sms.text)
    assert link
    page.goto(link.group(0))
    expect(page.locator("#receipt-status")).to_have_text("Received and waiting for review.")


def test_an_application_sent_offline_goes_out_once_back_online(transactional_db, new_page, event):
    page = new_page(**PHONE, locale="en-US")
    page.goto(f"/j/{event.code}/")
    fill_form(page, id_no=id_number(serial=654))
    token = page.locator("input[name=token]").input_value()
    assert drafts(page) == 1

    page.context.set_offline(True)
    page.get_by_role("button", name="Send my application").click()
    expect(page.locator("#join-status")).to_have_text(SAVED_EN)
    assert Application.objects.count() == 0

    page.context.set_offline(False)
    page.wait_for_url(RECEIVED_URL)
    expect(page.locator("main h1")).to_have_text("Application received")
    application = Application.objects.get()
    assert application.submission_key == token
    assert drafts(page) == 0


def test_a_reloaded_page_keeps_the_draft_and_its_token(transactional_db, new_page, event):
    page = new_page(**PHONE, locale="en-US")
    page.goto(f"/j/{event.code}/")
    fill_form(page, id_no=id_number(serial=987))
    token = page.locator("input[name=token]").input_value()
    page.reload()
    expect(page.locator("#join-status")).to_have_text(
        "We filled in what you typed earlier on this phone."
    )
    expect(page.get_by_label("Full name")).to_have_value("王小明")
    expect(page.get_by_label("Male", exact=True)).to_be_checked()
    assert page.locator("input[name=token]").input_value() == token
    page.get_by_role("button", name="Send my application").click()
    page.wait_for_url(RECEIVED_URL)
    assert Application.objects.get().submission_key == token
