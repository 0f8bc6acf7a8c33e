"""The card verifier in a real browser, on a phone without a live QR reader: a photo of a
card's QR code is read on the server and answered in the desks' one look."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gonghui.checkins.tests.qr_images import photo_of
from gonghui.checkins.tests.test_views import code_of
from gonghui.core.tests.browser import ARTIFACTS_DIR, CHINESE_VISITOR, PHONE
from gonghui.members import actions as member_actions
from gonghui.members.tests.factories import person

pytestmark = pytest.mark.browser


def test_a_photo_of_a_revoked_card_is_refused_in_red(transactional_db, new_page, tree, operator):
    member = member_actions.import_member(
        actor=operator, org=tree.hlg, joined_on=timezone.localdate(), **person(name="周骑手")
    )
    old_card = code_of(member)
    member_actions.revoke_card(actor=operator, member=member, reason="手机丢失")

    page = new_page(**PHONE, **CHINESE_VISITOR)
    page.goto("/verify/")
    page.locator("#scan-photo-input").set_input_files(
        files=[{"name": "card.jpg", "mimeType": "image/jpeg", "buffer": photo_of(old_card)}]
    )
    page.wait_for_url(re.compile(r"/verify/photo/$"))
    answer = page.locator("#scan-result")
    expect(answer).to_have_class(re.compile(r"\bbad\b"))
    expect(answer).to_have_attribute("role", "alert")
    expect(answer.locator("#scan-title")).to_have_text("✕ 已作废")
    expect(answer.locator("#scan-message")).to_have_text(
        "已作废：该会员卡已被作废，请会员打开当前的会员卡。"
    )
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS_DIR / "card-verifier-photo-revoked-phone.png", full_page=True)

    # A code typed on the same page is checked in the browser; the photo's answer gives way.
    page.locator("#card-code-input").fill(code_of(member))
    page.locator("#verify-form button[type=submit]").click()
    expect(page.locator("#verdict-title")).to_have_text("真实有效")
    expect(answer).to_be_hidden()
