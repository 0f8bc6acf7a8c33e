"""In a real browser: a volunteer signs in on their phone, signs up for a shift at 幸福东社区,
opens the address the shift's rotating QR holds and reports for duty; when the shift is over
they scan again and report departure; the leader, on the back office, certifies the hours from
those times; the volunteer's certificate PDF shows them.

Run on their own with `pytest -m browser` (Debian's Chromium through Playwright, against
pytest-django's live server).
"""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from gonghui.checkins.actions import screen_code
from gonghui.core.tests.browser import (
    PHONE,
    PageFactory,
    axe_problems,
    sign_in_staff,
    sign_in_worker,
)
from gonghui.core.tests.pdf import pdf_lines
from gonghui.volunteers import actions
from gonghui.volunteers.models import Certificate, Certification
from gonghui.volunteers.tests.factories import setting, shift, volunteer
from gonghui.volunteers.tests.test_views import pass_time

pytestmark = pytest.mark.browser

ENGLISH = {"locale": "en-US", "timezone_id": "Asia/Shanghai"}


def sign_in_by_sms(page: Page, mobile: str, sms_outbox: list[Any]) -> None:
    page.goto("/accounts/login/")
    sign_in_worker(page, sms_outbox, mobile)
    page.wait_for_url(re.compile(r"/me/$"))


def test_a_volunteer_reports_for_duty_and_leaves_and_the_leader_certifies(
    transactional_db, new_page: PageFactory, tree, operator, make_staff, sms_outbox
):
    leader = make_staff(tree.hlg, "operator", name="张队长")
    place = setting(leader, tree.hlg)
    start = timezone.now() + timedelta(minutes=20)
    cleaning = shift(place, start, start + timedelta(hours=2), places=5, group="第一组")
    member = volunteer(operator, tree.hlg, name="王志愿")
    phone = new_page(**PHONE, **ENGLISH)
    sign_in_by_sms(phone, str(member.mobile), sms_outbox)

    phone.locator("#my-volunteering").click()
    card = phone.locator(f"li.shift[data-shift='{cleaning.pk}']")
    expect(card).to_contain_text("幸福东社区")
    expect(card.locator("dd.places")).to_have_text("0 of 5 taken")
    card.locator("button.sign-up").click()
    expect(phone.locator("ul.messages")).to_contain_text("You are signed up: 幸福东社区")
    expect(card.locator("dd.places")).to_have_text("1 of 5 taken")

    # The leader's screen shows the code; the phone opens the address it holds.
    phone.goto(reverse("volunteers:duty", kwargs={"code": screen_code(cleaning.checkpoint)}))
    expect(phone.locator("#duty-shift")).to_contain_text("月末清洁日 · 第一组")
    phone.locator("#arrive-button").click()
    expect(phone.locator("#checkin-result .checkin-title")).to_have_text("Reported for duty")

    # Two hours and twenty minutes later the shift is over; the volunteer scans again.
    pass_time(cleaning, timedelta(minutes=140))
    phone.goto(reverse("volunteers:duty", kwargs={"code": screen_code(cleaning.checkpoint)}))
    phone.locator("#leave-button").click()
    expect(phone.locator("#checkin-result .checkin-title")).to_have_text("Departure recorded")
    expect(phone.locator("#leave-button")).to_have_count(0)

    desk = new_page(**ENGLISH)
    sign_in_staff(desk, str(leader.username))
    desk.goto(reverse("volunteers:staff_shift", args=[cleaning.pk]))
    row = desk.locator(f"#attendance tr[data-member='{member.pk}']")
    expect(row.locator("td.minutes")).to_have_text("120")
    row.locator("button.certify").click()
    expect(desk.locator("ul.messages")).to_contain_text("Certified: 120 minutes.")
    expect(row).to_contain_text("Certified by 张队长")
    assert Certification.objects.get().minutes == 120

    phone.goto(reverse("volunteers:record"))
    year = timezone.localdate(cleaning.starts_at).year
    expect(phone.locator(f"#years li[data-year='{year}'] .hours")).to_have_text(
        "2 hours on 1 shift"
    )
    with phone.expect_response(re.compile(r"\.pdf$")):
        phone.locator(f"#certificate-{year}").click()
    serial = Certificate.objects.get().serial
    pdf = phone.request.get(reverse("volunteers:certificate_pdf", args=[serial])).body()
    assert f"{year}年：志愿服务 2 小时，共 1 个班次" in pdf_lines(pdf)
    assert "志愿者：王志愿" in pdf_lines(pdf)


def test_the_volunteer_pages_pass_axe(
    transactional_db, new_page: PageFactory, tree, operator, make_staff, sms_outbox
):
    leader = make_staff(tree.hlg, "operator", name="张队长")
    place = setting(leader, tree.hlg)
    start = timezone.now() + timedelta(minutes=20)
    cleaning = shift(place, start, start + timedelta(hours=2), places=5)
    member = volunteer(operator, tree.hlg, name="王志愿")
    actions.sign_up(member=member, shift=cleaning)
    problems: dict[str, list[str]] = {}

    def check(page: Page, url: str) -> None:
        response = page.goto(url)
        assert response is not None
        assert response.status == 200, url
        found = axe_problems(page)
        if found:
            problems[url] = found

    phone = new_page(**PHONE, bypass_csp=True)
    sign_in_by_sms(phone, str(member.mobile), sms_outbox)
    for url in (
        reverse("volunteers:shifts"),
        reverse("volunteers:duty", kwargs={"code": screen_code(cleaning.checkpoint)}),
        reverse("volunteers:record"),
        reverse("volunteers:lead"),
    ):
        check(phone, url)
    desk = new_page(bypass_csp=True)
    sign_in_staff(desk, str(leader.username))
    for url in (
        reverse("volunteers:staff_projects"),
        reverse("volunteers:staff_project", args=[cleaning.project_id]),
        reverse("volunteers:staff_shift", args=[cleaning.pk]),
        reverse("volunteers:staff_sites"),
        reverse("volunteers:staff_team", args=[place.team.pk]),
        reverse("volunteers:staff_screen", args=[cleaning.pk]),
    ):
        check(desk, url)
    assert not problems, problems
