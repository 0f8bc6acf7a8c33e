"""In a real browser, on the demo data: the staff member of 回龙观街道总工会 sees their own
street's figures, cannot pick another street, and gets "not found" when forcing one in the
address.

Run on their own with `pytest -m browser` (Debian's Chromium through Playwright, against
pytest-django's live server)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from gonghui.core.periods import preset_period
from gonghui.core.tests.browser import sign_in_staff
from gonghui.dashboards.tallies import rebuild
from gonghui.demo.load import load_demo
from gonghui.demo.logins import DEMO_PASSWORD
from gonghui.enterprises.models import Enterprise
from gonghui.members.models import Member
from gonghui.orgs.models import Org

pytestmark = pytest.mark.browser


def figure(page: Page, name: str) -> int:
    return int(re.sub(r"[^0-9]", "", page.locator(f"#fig-{name} .value").inner_text()))


def test_street_staff_see_their_own_figures_and_no_other_street(transactional_db, page: Page):
    load_demo()
    rebuild()
    hlg = Org.objects.get(name="回龙观街道总工会")
    desheng = Org.objects.get(name="德胜街道总工会")
    members = Member.objects.filter(org__path__startswith=hlg.path, status="active").count()
    enterprises = Enterprise.objects.filter(org=hlg).count()
    assert members >= 30
    assert enterprises == 6

    sign_in_staff(page, "hlg_staff", DEMO_PASSWORD)
    page.goto(reverse("dashboards:home"))
    expect(page.locator("h1")).to_contain_text("回龙观街道总工会")
    assert figure(page, "members") == members
    assert figure(page, "with-union") == 0
    assert figure(page, "without-union") == enterprises
    expect(page.locator("#tile-membership svg.chart")).to_be_visible()

    # The picker holds their street only: no other street, no district above.
    picker = page.locator("#pick-org option")
    expect(picker).to_have_count(1)
    expect(picker).to_have_text("回龙观街道总工会")
    assert "德胜街道总工会" not in page.locator("#pick-org").inner_html()

    # Another period keeps their street: its members at the end of last month.
    page.locator("#pick-period").select_option("last_month")
    page.locator("#dashboard-filters button").click()
    expect(page.locator("#pick-period")).to_have_value("last_month")
    expect(page.locator("h1")).to_contain_text("回龙观街道总工会")
    last_month = preset_period("last_month")
    joined_by_then = Member.objects.filter(
        org__path__startswith=hlg.path, status="active", joined_on__lte=last_month.end
    ).count()
    assert figure(page, "members") == joined_by_then

    # The members figure opens the street's members list.
    page.locator("#fig-members a.value").click()
    page.wait_for_url(re.compile(r"/staff/members/"))
    expect(page.locator("h1")).to_contain_text("回龙观街道总工会")

    # Forcing another street into the address is "not found".
    response = page.goto(f"{reverse('dashboards:home')}?org={desheng.pk}")
    assert response is not None
    assert response.status == 404
    assert "德胜街道总工会" not in page.content()
