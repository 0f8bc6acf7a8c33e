"""In a real browser: a member finds a 心理关怀 service on the phone, claims its offer and gets
a code; the provider's account signs in at its desk, scans the code and redeems it; a second
redemption is refused with the first time. Offline, the desk keeps the scan and redeems it
when the network is back.

Run on their own with `pytest -m browser` (Debian's Chromium through Playwright, against
pytest-django's live server).
"""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import FilePayload, Page, expect

from gonghui.accounts.models import User
from gonghui.benefits import claiming, redeeming
from gonghui.benefits.models import Claim, Offer
from gonghui.benefits.tests.factories import make_member, make_offer, make_service
from gonghui.checkins.tests.qr_images import qr_png
from gonghui.core.tests.browser import (
    ARTIFACTS_DIR,
    CHINESE_VISITOR,
    PHONE,
    PageFactory,
    sign_in_worker,
)
from gonghui.members.models import Member

pytestmark = pytest.mark.browser

WORKER_MOBILE = "13800138000"
ENGLISH = {"locale": "en-US", "timezone_id": "Asia/Shanghai"}
PASSWORD = "Provider-Pass-2026"


@pytest.fixture
def counselling(provider, operator):
    """京心's one-to-one counselling (心理关怀) with a free session for members, and a
    government service in another category."""
    make_service(operator, provider, title="社保绿色通道", category="government")
    service = make_service(operator, provider, title="职工一对一心理咨询", category="mental_care")
    make_offer(operator, service, title="免费心理咨询一次", quota=300)
    return service


@pytest.fixture
def worker(tree, operator) -> Member:
    member = make_member(operator, tree.sohu, name="周骑手", mobile=WORKER_MOBILE)
    user = User.objects.create_user(mobile=WORKER_MOBILE)
    Member.objects.filter(pk=member.pk).update(user=user)
    return member


def sign_in_at_the_desk(page: Page, username: str) -> None:
    page.goto(reverse("benefits:provider_login"))
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("#provider-sign-in").click()
    page.wait_for_url(re.compile(re.escape(reverse("benefits:provider_desk")) + "$"))


def test_a_member_claims_counselling_and_the_provider_redeems_it_once(
    transactional_db, new_page: PageFactory, counselling, worker, account, sms_outbox
):
    phone = new_page(**PHONE, **ENGLISH)
    phone.goto(reverse("benefits:wallet"))
    sign_in_worker(phone, sms_outbox, WORKER_MOBILE)
    phone.wait_for_url(re.compile(re.escape(reverse("benefits:wallet")) + "$"))
    expect(phone.locator("#wallet-empty")).to_be_visible()

    # The directory, by category: 心理关怀 (mental care).
    phone.goto(reverse("benefits:member_list"))
    phone.locator("#categories a[data-category=mental_care]").click()
    expect(phone.locator("#services .service")).to_have_count(1)
    phone.locator("#services a.service-title", has_text="职工一对一心理咨询").click()
    expect(phone.locator("#service-title")).to_have_text("职工一对一心理咨询")
    offer = phone.locator("#offers .offer")
    expect(offer.locator(".left")).to_have_text("300 of 300")
    offer.locator(".claim-button").click()

    # The claim's code page: a QR and the code it holds.
    expect(phone.locator("ul.messages")).to_have_text(
        "Claimed: show this code at the provider to use it."
    )
    expect(phone.locator("#claim-code svg")).to_be_visible()
    code = phone.locator("#code-text").inner_text()
    claim = Claim.objects.get()
    assert code == claiming.code_of(claim)

    # The provider's desk: a scanner types the code and presses Enter.
    desk = new_page(**ENGLISH)
    sign_in_at_the_desk(desk, account.user.username)
    desk.locator("#scan-code").fill(code)
    desk.locator("#scan-code").press("Enter")
    expect(desk.locator("#member-name")).to_have_text("周*手")
    expect(desk.locator("#desk-claims .offer-title")).to_have_text("免费心理咨询一次")
    expect(desk.locator("#desk-claims .claim-state")).to_have_text("Ready to use.")
    # The same scan open at a second counter, about to redeem too.
    other_counter = desk.context.new_page()
    other_counter.goto(reverse("benefits:provider_desk"))
    other_counter.locator("#scan-code").fill(code)
    other_counter.locator("#scan-code").press("Enter")
    expect(other_counter.locator(".redeem-button")).to_be_visible()

    desk.locator(".redeem-button").click()
    expect(desk.locator("#scan-title")).to_have_text("✓ Redeemed")
    claim.refresh_from_db()
    at = timezone.localtime(claim.redeemed_at).strftime("%Y-%m-%d %H:%M")

    # The second counter presses Redeem: refused, with the first time.
    other_counter.locator(".redeem-button").click()
    expect(other_counter.locator("#scan-title")).to_have_text("✕ Already used")
    expect(other_counter.locator("#scan-message")).to_have_text(f"Already used at {at}.")
    # Scanning it again shows it used, in red, with no button.
    desk.locator("#scan-code").fill(code)
    desk.locator("#scan-code").press("Enter")
    expect(desk.locator("#scan-title")).to_have_text("✕ Already used")
    expect(desk.locator("#scan-message")).to_have_text(f"Already used at {at}.")
    expect(desk.locator(".redeem-button")).to_have_count(0)
    assert Claim.objects.get().status == Claim.Status.REDEEMED

    # The member's wallet says so.
    phone.goto(reverse("benefits:wallet"))
    expect(phone.locator("#wallet .claim-state")).to_have_text("Used")


def test_the_desk_keeps_scans_offline_and_redeems_them_when_back_online(
    transactional_db, new_page: PageFactory, offer, account, operator, tree
):
    claim = claiming.claim_offer(member=make_member(operator, tree.zgc, name="赵一鸣"), offer=offer)
    desk = new_page(**ENGLISH)
    sign_in_at_the_desk(desk, account.user.username)
    desk.context.set_offline(True)
    desk.locator("#scan-code").fill(claiming.code_of(claim))
    desk.locator("#scan-code").press("Enter")
    expect(desk.locator("#offline-count")).to_have_text("1")
    assert Claim.objects.get().status == Claim.Status.CLAIMED
    # Kept where earlier versions of the desk kept it, so scans queued before an upgrade go too.
    queue = f"gonghui.provider.{account.provider_id}.queue"
    kept = desk.evaluate(f"JSON.parse(localStorage.getItem('{queue}'))")
    assert [list(scan) for scan in kept] == [["nonce", "code", "scanned_at"]]

    desk.context.set_offline(False)
    expect(desk.locator("#offline-count")).to_have_text("0")
    expect(desk.locator("#offline-results li.ok .message")).to_have_text("Redeemed.")
    expect(desk.locator("#offline-results li.ok .who")).to_have_text("赵*鸣 · 免费心理咨询一次")
    assert Claim.objects.get().status == Claim.Status.REDEEMED
    assert desk.evaluate(f"localStorage.getItem('{queue}')") == "[]"
    assert desk.evaluate("localStorage.getItem('gonghui.provider.device')")


def red_green_blue(page: Page, selector: str) -> tuple[int, int, int]:
    colour = page.locator(selector).evaluate("el => getComputedStyle(el).backgroundColor")
    found = re.fullmatch(r"rgba?\((\d+), (\d+), (\d+)(?:, [\d.]+)?\)", colour)
    assert found is not None, colour
    red, green, blue = (int(part) for part in found.groups())
    return red, green, blue


def test_an_already_used_offer_is_refused_in_red_at_the_desk(
    transactional_db, new_page: PageFactory, counselling, worker, account
):
    claim = claiming.claim_offer(member=worker, offer=Offer.objects.get())
    code = claiming.code_of(claim)
    assert redeeming.redeem_code(account=account, code=code).ok
    claim.refresh_from_db()
    at = timezone.localtime(claim.redeemed_at).strftime("%Y-%m-%d %H:%M")

    desk = new_page(**PHONE, **CHINESE_VISITOR)
    sign_in_at_the_desk(desk, account.user.username)
    # Chromium on Linux has no live QR reader: the photo of the member's code is the way.
    expect(desk.locator("[data-scanner-live]")).to_be_hidden()
    desk.locator("#scan-photo-input").set_input_files(
        files=[FilePayload(name="code.png", mimeType="image/png", buffer=qr_png(code))]
    )
    desk.wait_for_url(re.compile(re.escape(reverse("benefits:provider_scan_photo")) + "$"))
    answer = desk.locator("#scan-result")
    expect(answer).to_have_attribute("role", "alert")
    expect(answer.locator("#scan-title")).to_have_text("✕ 已使用过")
    expect(answer.locator("#scan-message")).to_have_text(f"已于 {at} 使用。")
    # The reason already gives the first time in full: it is not said twice.
    expect(answer.locator("#scan-first")).to_have_count(0)
    expect(answer.locator("#scan-who")).to_have_text("周*手 · 免费心理咨询一次")
    expect(desk.locator(".redeem-button")).to_have_count(0)
    red, green, blue = red_green_blue(desk, "#scan-result")
    assert (red >= 150, green <= 60, blue <= 60) == (True, True, True), (red, green, blue)
    # Large type: the reason is not small print.
    size = answer.locator("#scan-message").evaluate("el => getComputedStyle(el).fontSize")
    assert float(size.removesuffix("px")) >= 24
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    desk.screenshot(path=ARTIFACTS_DIR / "provider-desk-already-used-phone.png", full_page=True)

    # Typed instead of photographed: the same red answer.
    desk.locator("#scan-code").fill(code)
    desk.locator("#scan-code").press("Enter")
    expect(desk.locator("#scan-title")).to_have_text("✕ 已使用过")
    assert red_green_blue(desk, "#scan-result") == (red, green, blue)
