"""The staff check-in desks in a real browser: a scanner types a member's card code into the
desk's field and presses Enter (green "checked in", then red "already checked in at …"); a
phone without a live QR reader takes a photo of the card instead, read on the server; and
the offline page keeps a scan while the network is gone and uploads it once it is back; the
same scan uploaded again changes nothing.

Run on their own with `pytest -m browser`; they use the shared Chromium fixtures
browser tests (Debian's Chromium through Playwright, against pytest-django's live server).
"""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gonghui.checkins.models import CheckIn
from gonghui.checkins.tests.qr_images import photo_of, qr_png
from gonghui.core.tests.browser import ARTIFACTS_DIR, CHINESE_VISITOR, PHONE, sign_in_staff
from gonghui.events import actions
from gonghui.members import actions as member_actions
from gonghui.members import cards
from gonghui.members.models import Member
from gonghui.members.tests.factories import person

pytestmark = pytest.mark.browser

ENGLISH = {"locale": "en-US", "timezone_id": "Asia/Shanghai"}


def card_of(member: Member) -> str:
    return cards.sign_card(
        cards.CardClaims(
            member.number, member.name, member.org.name, member.joined_on, member.card_version
        )
    )


@pytest.fixture
def clerk(tree, make_staff):
    return make_staff(tree.zgc, "operator")


@pytest.fixture
def activity(clerk, tree):
    """The 五小 showcase, started half an hour ago: check-in is open."""
    start = timezone.now() - timedelta(minutes=30)
    return actions.create_activity(
        actor=clerk,
        org=tree.zgc,
        title="五小成果展示",
        category="showcase",
        description="",
        audience="subtree",
        audience_org=None,
        place="保修分公司一厂",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        publish=True,
        capacity=100,
    )


@pytest.fixture
def member(tree, operator, activity) -> Member:
    registered = member_actions.import_member(
        actor=operator, org=tree.sohu, joined_on=timezone.localdate(), **person(name="赵师傅")
    )
    actions.register_for_activity(member=registered, activity=activity)
    return registered


def test_a_scanner_types_a_card_and_the_desk_answers_in_colour(
    transactional_db, new_page, clerk, activity, member
):
    page = new_page(**ENGLISH)
    sign_in_staff(page, clerk.username)
    page.goto(f"/staff/activities/{activity.pk}/desk/")
    field = page.locator("#card-code")
    expect(field).to_be_focused()
    result = page.locator("#scan-result")

    # A USB scanner is a keyboard: it types the code and presses Enter.
    page.keyboard.type(card_of(member))
    page.keyboard.press("Enter")
    expect(result).to_have_class(re.compile(r"\bok\b"))
    expect(result.locator("#scan-title")).to_contain_text("Checked in")
    expect(result.locator("#scan-message")).to_have_text("Checked in.")
    expect(result.locator("#scan-who")).to_have_text(f"赵*傅 · {member.number}")
    expect(field).to_have_value("")
    expect(field).to_be_focused()
    expect(page).to_have_url(re.compile(r"/desk/$"))  # htmx swapped the result in place

    first = timezone.localtime(CheckIn.objects.get(member=member).checked_in_at)
    page.keyboard.type(card_of(member))
    page.keyboard.press("Enter")
    expect(result).to_have_class(re.compile(r"\bbad\b"))
    expect(result).to_have_attribute("role", "alert")
    expect(result.locator("#scan-message")).to_have_text(f"Already checked in at {first:%H:%M}.")
    expect(result.locator("#scan-first")).to_have_text(f"First scanned: {first:%Y-%m-%d %H:%M}")
    expect(page.locator("#recent-scans li")).to_have_count(2)
    expect(page.locator("#recent-scans li").first).to_have_class("bad")
    assert CheckIn.objects.filter(member=member).count() == 1


def test_a_clerk_checks_a_member_in_by_a_photo_of_the_card(
    transactional_db, new_page, clerk, activity, member
):
    page = new_page(**PHONE, **CHINESE_VISITOR)
    sign_in_staff(page, clerk.username)
    page.goto(f"/staff/activities/{activity.pk}/desk/")
    # Chromium on Linux has no live QR reader (BarcodeDetector), like WeChat and iOS Safari:
    # the live button stays hidden and the photo is the way in.
    assert page.evaluate("'BarcodeDetector' in window") is False
    expect(page.locator("[data-scanner-live]")).to_be_hidden()
    expect(page.locator(".scan-photo-label")).to_have_text("拍照扫码")

    # The phone's camera hands the page a picture of the member's card QR; it goes at once.
    page.locator("#scan-photo-input").set_input_files(
        files=[{"name": "card.png", "mimeType": "image/png", "buffer": qr_png(card_of(member))}]
    )
    page.wait_for_url(re.compile(r"/desk/photo/$"))
    result = page.locator("#scan-result")
    expect(result).to_have_class(re.compile(r"\bok\b"))
    expect(result.locator("#scan-title")).to_have_text("✓ 已签到")
    expect(result.locator("#scan-message")).to_have_text("签到成功。")
    expect(result.locator("#scan-who")).to_have_text(f"赵*傅 · {member.number}")
    assert CheckIn.objects.filter(member=member).count() == 1
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS_DIR / "checkin-desk-photo-phone.png", full_page=True)

    # The same card again, by photo: a red refusal with the first time.
    first = timezone.localtime(CheckIn.objects.get(member=member).checked_in_at)
    page.locator("#scan-photo-input").set_input_files(
        files=[
            {
                "name": "card.jpg",
                "mimeType": "image/jpeg",
                "buffer": photo_of(card_of(member), angle=25),
            }
        ]
    )
    expect(result.locator("#scan-message")).to_have_text(f"已于 {first:%H:%M} 签到。")
    expect(result).to_have_class(re.compile(r"\bbad\b"))
    expect(result.locator("#scan-first")).to_have_text(f"首次扫码：{first:%Y-%m-%d %H:%M}")
    page.screenshot(path=ARTIFACTS_DIR / "checkin-desk-photo-already-phone.png", full_page=True)
    assert CheckIn.objects.filter(member=member).count() == 1


def test_offline_scans_are_kept_then_uploaded_once(
    transactional_db, new_page, clerk, activity, member
):
    page = new_page(**ENGLISH)
    sign_in_staff(page, clerk.username)
    page.goto(f"/staff/activities/{activity.pk}/batch/")
    expect(page.locator("#batch-network")).to_have_text("Online")

    page.context.set_offline(True)
    expect(page.locator("#batch-network")).to_have_text("Offline: scans are kept on this device")
    page.locator("#batch-code").fill(card_of(member))
    page.locator("#batch-code").press("Enter")
    expect(page.locator("#batch-pending li")).to_have_count(1)
    expect(page.locator("#batch-pending-count")).to_have_text("1")
    kept = page.evaluate(f"localStorage.getItem('gonghui.batch.{activity.pk}.queue')")
    assert CheckIn.objects.count() == 0

    page.context.set_offline(False)  # the browser says "online": the page uploads by itself
    expect(page.locator("#batch-results li")).to_have_count(1)
    expect(page.locator("#batch-results li").first).to_have_class("ok")
    expect(page.locator("#batch-results li .message").first).to_have_text("Checked in.")
    expect(page.locator("#batch-pending li")).to_have_count(0)
    assert CheckIn.objects.filter(member=member, method="batch").count() == 1

    # The answer got lost on the way (a timeout): the same scan, same nonce, is sent again.
    page.evaluate(f"localStorage.setItem('gonghui.batch.{activity.pk}.queue', {json.dumps(kept)})")
    page.locator("#batch-upload").click()
    expect(page.locator("#batch-results li")).to_have_count(2)
    expect(page.locator("#batch-results li .message").first).to_have_text("Checked in.")
    expect(page.locator("#batch-pending li")).to_have_count(0)
    assert CheckIn.objects.filter(member=member).count() == 1
