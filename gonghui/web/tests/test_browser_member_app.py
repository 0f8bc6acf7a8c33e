"""The member app in a real browser on a phone, in Chinese: a worker who is not a member joins
from the home page without an event, staff approve the application in the review queue, and
the worker signs in and finds the card; the bottom navigation marks where they are. The
member home and card are saved as screenshots (390×844) in ARTIFACTS_DIR, not committed.

Run on their own with `pytest -m browser` (fixtures in gonghui/core/tests/browser.py)."""

import re

import pytest
from playwright.sync_api import Page, expect

from gonghui.core.tests.browser import (
    ARTIFACTS_DIR,
    CHINESE_VISITOR,
    PHONE,
    sign_in_staff,
    sign_in_worker,
)
from gonghui.members.models import Application, Member
from gonghui.members.tests.factories import id_number

pytestmark = pytest.mark.browser

MOBILE = "13900001234"


def fill_online_form(page: Page, union: str) -> None:
    page.locator("input[name=name]").fill("王小明")
    page.locator("input[name=gender][value=M]").check()
    page.locator("input[name=id_number]").fill(id_number(serial=777))
    page.locator("input[name=mobile]").fill("139 0000 1234")
    page.locator("input[name=employer_name]").fill("美团")
    page.locator("input[name=no_employer_union]").check()
    page.locator("select[name=union]").select_option(label=union)
    page.locator("select[name=job_type]").select_option("rider")
    page.locator("select[name=education]").select_option("high_school")
    page.locator("select[name=political_status]").select_option("masses")
    page.locator("input[name=consent]").check()


def test_a_non_member_joins_from_home_is_approved_and_finds_the_card(
    transactional_db, new_page, tree, make_staff, sms_outbox
):
    phone = new_page(**PHONE, **CHINESE_VISITOR)
    phone.goto("/")
    expect(phone.locator("main h1")).to_have_text("工会就在您身边")
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=ARTIFACTS_DIR / "member-app-home-390x844.png")
    phone.locator("#join-link").click()
    phone.wait_for_url(re.compile(r"/join/$"))
    expect(phone.locator("main h1")).to_have_text("加入工会")
    fill_online_form(phone, "回龙观街道总工会")
    phone.locator("#join-form button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/join/received/\?to=139%2A%2A%2A%2A1234$"))
    expect(phone.locator("main h1")).to_have_text("已收到入会申请")
    application = Application.objects.get()
    assert (application.org, application.channel, application.event) == (tree.hlg, "online", None)

    desk = new_page()
    sign_in_staff(desk, make_staff(tree.hlg).username)
    desk.goto("/staff/members/applications/")
    row = desk.locator(f"#application-{application.pk}")
    expect(row.locator(".self-service")).to_have_text("自助申请")
    row.locator("button[name=approve]").click()
    expect(desk.locator(f"#application-{application.pk}")).to_have_count(0)
    member = Member.objects.get()
    assert (member.org, member.name, str(member.mobile)) == (tree.hlg, "王小明", MOBILE)

    phone.goto("/me/card/")
    phone.wait_for_url(re.compile(r"/accounts/login/\?next=/me/card/$"))
    sign_in_worker(phone, sms_outbox, MOBILE)
    phone.wait_for_url(re.compile(r"/me/card/$"))
    card = phone.locator("#member-card")
    expect(card.locator(".member-name")).to_have_text("王小明")
    expect(card.locator(".member-union")).to_have_text("回龙观街道总工会")
    expect(card.locator(".member-number code")).to_have_text(member.number)
    nav = phone.locator("#member-nav")
    expect(nav.locator("a[aria-current=page]")).to_have_text("会员卡")
    expect(nav.locator("a")).to_have_text(["会员卡", "活动", "服务项目", "驿站", "我的"])
    # The fixed navigation never covers the end of the page: the last content ends above it.
    phone.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    content_bottom = phone.evaluate(
        "document.querySelector('main.phone').lastElementChild.getBoundingClientRect().bottom"
    )
    nav_top = phone.evaluate("document.querySelector('#member-nav').getBoundingClientRect().top")
    assert content_bottom <= nav_top
    # Thumb-sized targets (48 CSS pixels or more).
    heights = phone.evaluate(
        "[...document.querySelectorAll('#member-nav a')].map(a => a.getBoundingClientRect().height)"
    )
    assert min(heights) >= 48
    phone.evaluate("window.scrollTo(0, 0)")
    phone.screenshot(path=ARTIFACTS_DIR / "member-app-card-390x844.png")

    phone.locator("#member-nav a", has_text="我的").click()
    phone.wait_for_url(re.compile(r"/me/$"))
    expect(phone.locator("#member-nav a[aria-current=page]")).to_have_text("我的")
    expect(phone.locator("#my-card")).to_have_attribute("href", "/me/card/")
    expect(phone.locator("#join-link")).to_have_count(0)
