"""The staff check-in desks in a real browser: a scanner types a member's card code into the
desk's field and presses Enter (green "checked in", then amber "already checked in at …"), and
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
from gonghui.core.tests.browser import sign_in_staff
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
    expect(result.locator(".scan-message")).to_have_text("Checked in.")
    expect(result.locator(".scan-member")).to_contain_text(member.number)
    expect(result.locator(".scan-member")).to_contain_text("赵*傅")
    expect(field).to_have_value("")
    expect(field).to_be_focused()
    expect(page).to_have_url(re.compile(r"/desk/$"))  # htmx swapped the result in place

    first = timezone.localtime(CheckIn.objects.get(member=member).checked_in_at)
    page.keyboard.type(card_of(member))
    page.keyboard.press("Enter")
    expect(result).to_have_class(re.compile(r"\bwarn\b"))
    expect(result.locator(".scan-message")).to_have_text(f"Already checked in at {first:%H:%M}.")
    expect(page.locator("#recent-scans li")).to_have_count(2)
    expect(page.locator("#recent-scans li").first).to_have_class("warn")
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
