"""Every member page at phone size, and the staff dashboard at desktop size, pass axe-core with
no serious or critical violation (axe-core from the npm registry, installed at test time).

Run on their own with `pytest -m browser`.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page

from gonghui.accounts.models import User
from gonghui.benefits import claiming, redeeming
from gonghui.benefits.tests.factories import make_account, make_offer, make_provider, make_service
from gonghui.core.tests.browser import (
    PHONE,
    PageFactory,
    axe_problems,
    sign_in_staff,
    sign_in_worker,
)
from gonghui.events.tests.factories import seminar
from gonghui.members import actions as member_actions
from gonghui.members.tests.factories import member_with_account
from gonghui.stations.actions import StationDetails, create_station

pytestmark = pytest.mark.browser

WORKER_MOBILE = "13800138000"


@pytest.fixture
def world(tree, operator, make_staff):
    """A member with a claimed offer, an activity, a service, a station and an open
    recruitment event: something on every member page."""
    staff = make_staff(tree.zgc, "operator")
    start = timezone.now() + timedelta(days=2)
    activity = seminar(actor=staff, org=tree.zgc, starts_at=start)
    provider = make_provider(operator, tree.zgc)
    service = make_service(operator, provider)
    offer = make_offer(operator, service)
    spent = make_offer(operator, service, title="免费体检一次")
    station = create_station(
        actor=operator,
        org=tree.station,
        details=StationDetails(
            name="龙泽园驿站",
            district="昌平区",
            street="回龙观",
            address="龙泽园小区西门南侧",
            weekdays="1234567",
            opens=None,
            closes=None,
            all_day=True,
            amenities=["water", "charging"],
            phone="010-81790001",
        ),
    )
    event = member_actions.create_recruitment_event(
        actor=staff,
        org=tree.zgc,
        enterprise=None,
        title="中关村·外卖骑手入会日",
        place="中关村广场",
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(hours=3),
    )
    member = member_with_account(actor=operator, org=tree.sohu, mobile=WORKER_MOBILE)
    claim = claiming.claim_offer(member=member, offer=offer)
    # A used offer in the wallet too: spent items once faded below readable contrast.
    used = claiming.claim_offer(member=member, offer=spent)
    account = make_account(operator, provider)
    assert redeeming.redeem_code(account=account, code=claiming.code_of(used)).ok
    return {
        "activity": activity,
        "service": service,
        "station": station,
        "event": event,
        "claim": claim,
    }


def sign_in_by_sms(page: Page, sms_outbox) -> None:
    page.goto(reverse("accounts:login"))
    sign_in_worker(page, sms_outbox, WORKER_MOBILE)
    page.wait_for_url(re.compile(r"/me/$"))


def check(page: Page, url: str, found: dict[str, list[str]]) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, url
    problems = axe_problems(page)
    if problems:
        found[url] = problems


def report(found: dict[str, list[str]]) -> str:
    return "axe-core found serious or critical violations:\n" + "\n".join(
        f"{url}\n  " + "\n  ".join(problems) for url, problems in found.items()
    )


def test_member_pages_pass_axe_on_a_phone(
    transactional_db, new_page: PageFactory, world, sms_outbox
):
    found: dict[str, list[str]] = {}
    # Anonymous: what a worker sees before signing in.
    anonymous = new_page(**PHONE, bypass_csp=True)
    for url in (
        reverse("web:home"),
        reverse("accounts:login"),
        reverse("events:member_list"),
        reverse("benefits:member_list"),
        reverse("stations:member_list"),
        reverse("members:join", args=[world["event"].code]),
        reverse("members:join_online"),
        reverse("members:verify"),
    ):
        check(anonymous, url, found)
    # Signed in as a member.
    phone = new_page(**PHONE, bypass_csp=True)
    sign_in_by_sms(phone, sms_outbox)
    for url in (
        reverse("web:home"),
        reverse("web:me"),
        reverse("members:card"),
        reverse("events:member_list"),
        reverse("events:member_detail", args=[world["activity"].pk]),
        reverse("benefits:member_list"),
        reverse("benefits:member_detail", args=[world["service"].pk]),
        reverse("benefits:wallet"),
        reverse("benefits:wallet_claim", args=[world["claim"].pk]),
        reverse("stations:member_list"),
        reverse("stations:member_detail", args=[world["station"].pk]),
        reverse("members:my_transfer"),
        reverse("members:my_data"),
    ):
        check(phone, url, found)
    assert not found, report(found)


def test_the_staff_dashboard_passes_axe_on_a_desktop(
    transactional_db, new_page: PageFactory, tree, make_staff
):
    page = new_page(bypass_csp=True)
    sign_in_staff(page, make_staff(tree.root).username)
    found: dict[str, list[str]] = {}
    check(page, reverse("dashboards:home"), found)
    assert not found, report(found)


def root_font_size(page: Page) -> str:
    return str(page.evaluate("getComputedStyle(document.documentElement).fontSize"))


def test_large_text_survives_signing_out_and_in_on_another_phone(
    transactional_db, new_page: PageFactory, world, sms_outbox, settings
):
    settings.LOGIN_CODE_RESEND_SECONDS = 0  # the member signs in twice within a minute
    phone = new_page(**PHONE)
    sign_in_by_sms(phone, sms_outbox)
    assert root_font_size(phone) == "16px"
    phone.locator("#text-size button").click()
    phone.wait_for_url(re.compile(r"/me/$"))
    assert root_font_size(phone) == "20px"
    assert User.objects.get(username=None).large_text is True

    # Signed out, this phone keeps large text (the cookie).
    phone.locator("form[action='/accounts/logout/'] button").click()
    phone.goto(reverse("web:home"))
    assert root_font_size(phone) == "20px"

    # A phone that never switched it: large once the member signs in (the account).
    other = new_page(**PHONE, bypass_csp=True)
    other.goto(reverse("web:home"))
    assert root_font_size(other) == "16px"
    sign_in_by_sms(other, sms_outbox)
    assert root_font_size(other) == "20px"
    assert axe_problems(other) == []

    # Switched off again, on the account too.
    other.locator("#text-size button").click()
    other.wait_for_url(re.compile(r"/me/$"))
    assert root_font_size(other) == "16px"
    assert User.objects.get(username=None).large_text is False
