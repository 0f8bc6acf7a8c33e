"""From approval to a card checked offline, in a real browser: a reviewer approves in the queue;
the worker signs in by SMS on a phone and opens the e-member card; the verifier page, with the
network switched off after it loaded, accepts the card's code and refuses it once altered.

Run on their own with `pytest -m browser` (Debian's Chromium through Playwright, against
pytest-django's live server).
"""

import re
import string
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from gonghui.core.tests.browser import DESKTOP, PHONE, TIMEOUT_MS, sign_in_staff
from gonghui.members import actions, cards
from gonghui.members.models import Application, Member
from gonghui.members.tests.factories import person

pytestmark = pytest.mark.browser

ENGLISH = {"locale": "en-US", "timezone_id": "Asia/Shanghai"}
WORKER_MOBILE = "13900001234"


@pytest.fixture
def open_page(browser: Browser, live_server: Any) -> Iterator[Callable[..., Page]]:
    """A page in a fresh English-speaking context; JavaScript errors fail the test."""
    contexts: list[BrowserContext] = []
    js_errors: list[str] = []

    def make(**options: Any) -> Page:
        context = browser.new_context(
            **{**DESKTOP, **ENGLISH, "base_url": live_server.url, **options}
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: js_errors.append(str(error)))
        return page

    yield make
    for context in contexts:
        context.close()
    if js_errors:
        pytest.fail("JavaScript errors in the page: " + "; ".join(js_errors), pytrace=False)


@pytest.fixture
def application(tree, operator) -> Application:
    now = timezone.now()
    event = actions.create_recruitment_event(
        actor=operator,
        org=tree.hlg,
        enterprise=None,
        title="回龙观快递员入会活动",
        place="龙泽园驿站",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=3),
    )
    return actions.submit_application(
        event=event,
        submission_key="browser-1",
        consent=True,
        consent_version=settings.CONSENT_VERSION,
        **person(name="周骑手", mobile=WORKER_MOBILE),
    ).application


def sign_in_worker(page: Page, sms_outbox: list[Any]) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=mobile]").fill(WORKER_MOBILE)
    page.locator("main form.form button").click()
    expect(page.locator("input[name=code]")).to_be_visible()
    found = re.findall(r"(?<!\d)\d{6}(?!\d)", sms_outbox[-1].text)
    assert len(found) == 1, sms_outbox[-1].text
    page.locator("input[name=code]").fill(found[0])
    page.locator("main form.form button").click()
    page.wait_for_url(re.compile(r"/me/$"))


def altered(code: str) -> str:
    """The code with one character of the signed payload changed."""
    position = code.index(".") + 12
    return code[:position] + ("B" if code[position] != "B" else "C") + code[position + 1 :]


BASE64URL = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


def respelled(code: str) -> str:
    """The code with its last character changed in bits that base64 decoding ignores: the
    same bytes, spelled differently. A strict verifier refuses it as altered."""
    position = BASE64URL.index(code[-1])
    return code[:-1] + BASE64URL[position ^ 1]


def test_approved_worker_shows_a_card_that_the_offline_verifier_checks(
    transactional_db, open_page, tree, make_staff, application, sms_outbox
):
    # The reviewer approves the application in the queue.
    staff_page = open_page()
    sign_in_staff(staff_page, make_staff(tree.hlg, "reviewer").username)
    staff_page.goto("/staff/members/applications/")
    row = staff_page.locator(f"#application-{application.pk}")
    expect(row).to_contain_text("周骑手")
    expect(row).to_contain_text("139****1234")
    row.get_by_role("button", name="Approve").click()
    expect(staff_page.locator(".messages")).to_contain_text("周骑手 is now a member")
    member = Member.objects.get()
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED

    # The worker signs in with an SMS code on a phone and opens the card.
    phone = open_page(**PHONE)
    sign_in_worker(phone, sms_outbox)
    phone.get_by_role("link", name="My union card").click()
    phone.wait_for_url(re.compile(r"/me/card/$"))
    card = phone.locator("#member-card")
    expect(card.locator(".member-name")).to_have_text("周骑手")
    expect(card.locator(".member-union")).to_have_text("回龙观街道总工会")
    expect(card.locator(".member-number")).to_have_text(member.number)
    qr = card.locator("#card-qr")
    expect(qr.locator("svg")).to_be_visible()
    box = qr.bounding_box()
    assert box is not None
    assert box["width"] >= 200
    code = qr.get_attribute("data-code")
    assert code is not None
    assert cards.verify_card(code).number == member.number
    phone.get_by_text("Show the code as text").click()
    expect(phone.locator("#card-code")).to_have_text(code)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # The verifier: loaded once, then used with no network at all.
    verifier = open_page(**PHONE)
    verifier.goto("/verify/")
    # Everything the page loads, the browser's own favicon fetch included, before going offline.
    verifier.wait_for_load_state("networkidle")
    requests: list[str] = []
    verifier.on("request", lambda request: requests.append(request.url))
    verifier.context.set_offline(True)

    field = verifier.locator("#card-code-input")
    verdict = verifier.locator("#verdict")
    field.fill(code)
    field.press("Enter")
    expect(verdict).to_have_class(re.compile(r"\bgenuine\b"))
    expect(verifier.locator("#verdict-title")).to_have_text("Genuine card")
    expect(verifier.locator("#claim-name")).to_have_text("周骑手")
    expect(verifier.locator("#claim-union")).to_have_text("回龙观街道总工会")
    expect(verifier.locator("#claim-number")).to_have_text(member.number)
    expect(verifier.locator("#claim-joined")).to_have_text(member.joined_on.isoformat())
    expect(verdict).to_have_attribute("data-online", "offline")

    field.fill(altered(code))
    field.press("Enter")
    expect(verdict).to_have_class(re.compile(r"\bnot-genuine\b"))
    expect(verifier.locator("#verdict-title")).to_have_text("NOT GENUINE")
    expect(verifier.locator("#verdict-claims")).to_be_hidden()

    field.fill(respelled(code))
    field.press("Enter")
    expect(verifier.locator("#verdict-title")).to_have_text("NOT GENUINE")
    assert requests == []


def test_online_the_verifier_tells_a_revoked_card(
    transactional_db, open_page, tree, operator, application
):
    member = actions.approve_application(actor=operator, application=application)
    code = cards.sign_card(
        cards.CardClaims(member.number, member.name, member.org.name, member.joined_on, 1)
    )
    page = open_page(**PHONE)
    page.goto("/verify/")
    field = page.locator("#card-code-input")
    verdict = page.locator("#verdict")
    field.fill(code)
    field.press("Enter")
    expect(verdict).to_have_attribute("data-online", "valid")
    expect(page.locator("#verdict-online")).to_have_text("Confirmed online: the card is valid.")

    actions.revoke_card(actor=operator, member=member, reason="手机丢失")
    page.reload()
    page.locator("#card-code-input").fill(code)
    page.locator("#card-code-input").press("Enter")
    expect(verdict).to_have_attribute("data-online", "revoked")
    # Still a genuine signature, but shown in red with the revocation.
    expect(page.locator("#verdict-title")).to_have_text("Genuine card")
    expect(verdict).to_have_class(re.compile(r"\brevoked\b"))
    expect(page.locator("#verdict-online")).to_have_text(
        "REVOKED: this card was cancelled. Ask the member to open their current card."
    )


def test_reviewer_bulk_approves_and_sees_the_refused_duplicate(
    transactional_db, open_page, tree, operator, make_staff, application
):
    def apply(key: str, **fields: Any) -> Application:
        return actions.submit_application(
            event=application.event,
            submission_key=key,
            consent=True,
            consent_version=settings.CONSENT_VERSION,
            **person(**fields),
        ).application

    duplicate = apply("browser-2", name="孙重复")
    apply("browser-3", name="吴司机")
    actions.import_member(
        actor=operator,
        org=tree.desheng,
        joined_on=timezone.localdate(),
        **{**person(), "id_number": str(duplicate.id_number), "mobile": str(duplicate.mobile)},
    )
    page = open_page()
    sign_in_staff(page, make_staff(tree.hlg, "reviewer").username)
    page.goto("/staff/members/applications/")
    expect(page.locator(f"#application-{duplicate.pk} .duplicate")).to_have_text("Already a member")
    # Filtering swaps the rows in place; ticking a row does not reload them.
    page.locator("#review-q").press_sequentially("吴")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    page.locator("#review-q").fill("")
    expect(page.locator("#results tbody tr")).to_have_count(3)
    page.get_by_label("Tick all").check()
    page.wait_for_timeout(500)
    expect(page.locator("input[name=ids]:checked")).to_have_count(3)

    page.locator("#bulk-approve").click()
    expect(page.locator("#approved h2")).to_have_text("2 approved")
    expect(page.locator("#approved tbody td:first-child")).to_have_text(["周骑手", "吴司机"])
    expect(page.locator("#refused .reason")).to_have_text(
        ["孙重复 is already a member (same ID number); reject this application."]
    )
