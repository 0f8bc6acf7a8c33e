"""In a real browser on a phone: a courier plays an audio lesson, stops, opens it again on
"another phone" (a new browser context), resumes at the same second and hears it to the end;
the campaign's table of participation by unit, open on a staff screen, counts them.

The intervals come from the real player (static/learning/player.js): the test only presses
play and pause and speeds playback up, through the audio element, as a user's taps would.
"""

import re
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from gonghui.accounts.models import User
from gonghui.conftest import sign_in
from gonghui.core.tests.browser import PHONE, PageFactory, axe_problems, sign_in_staff
from gonghui.learning import actions
from gonghui.learning.models import LessonProgress
from gonghui.learning.tests.conftest import audio
from gonghui.members import actions as member_actions
from gonghui.members.models import Member
from gonghui.members.tests.factories import person

pytestmark = pytest.mark.browser

MOBILE = "13800138011"


@pytest.fixture
def courier(tree, operator) -> Member:
    member = member_actions.import_member(
        actor=operator,
        org=tree.station,
        joined_on=timezone.localdate(),
        **person(name="周骑手", mobile=MOBILE),
    )
    user = User.objects.create_user(mobile=MOBILE)
    Member.objects.filter(pk=member.pk).update(user=user)
    member.refresh_from_db()
    return member


@pytest.fixture
def story(tree, operator):
    course = actions.create_course(
        actor=operator, org=tree.hlg, title="红色领队团微党课", audience="subtree", publish=True
    )
    lesson = actions.add_lesson(
        actor=operator, course=course, title="快递小哥的一课", kind="audio", media=audio(24)
    )
    today = timezone.localdate()
    campaign = actions.create_campaign(
        actor=operator,
        org=tree.root,
        title="学习《重要论述》",
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=30),
        lessons=[lesson],
        min_lessons=1,
    )
    return lesson, campaign


def sign_in_by_sms(page: Page, sms_outbox, next_path: str) -> None:
    page.goto(f"/accounts/login/?next={next_path}")
    page.locator("input[name=mobile]").fill(MOBILE)
    page.locator("main form.form button").click()
    expect(page.locator("input[name=code]")).to_be_visible()
    found = re.findall(r"(?<!\d)\d{6}(?!\d)", sms_outbox[-1].text)
    page.locator("input[name=code]").fill(found[0])
    page.locator("main form.form button").click()
    page.wait_for_url(f"**{next_path}")


def wait_until(page: Page, expression: str, timeout: float = 20) -> None:
    """Poll `expression` in the page (wait_for_function would evaluate a string, which the
    pages' CSP forbids; evaluate runs in Playwright's own world)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        time.sleep(0.1)


def current_time(page: Page) -> float:
    return float(page.evaluate("document.querySelector('#player audio').currentTime"))


def test_a_courier_stops_resumes_on_another_phone_and_completes(
    transactional_db,
    live_server,
    new_page: PageFactory,
    story,
    courier,
    sms_outbox,
    tree,
    make_staff,
):
    lesson, campaign = story
    path = f"/learn/l/{lesson.pk}/"
    staff = make_staff(tree.root, "org_admin")
    desk = new_page()
    sign_in_staff(desk, staff.username)
    desk.goto(f"/staff/learning/campaigns/{campaign.pk}/")
    hlg_row = desk.locator(f"tr[data-org='{tree.hlg.pk}'] td.participants")
    expect(hlg_row).to_have_text("0")

    phone = new_page(**PHONE)
    sign_in_by_sms(phone, sms_outbox, path)
    wait_until(phone, "document.querySelector('#player audio').readyState >= 1")
    phone.evaluate(
        "() => { const a = document.querySelector('#player audio'); a.playbackRate = 2; a.play(); }"
    )
    wait_until(phone, "document.querySelector('#player audio').currentTime >= 7.3")
    phone.evaluate("document.querySelector('#player audio').pause()")
    stopped = current_time(phone)
    # The pause cut the interval and uploaded it: the server holds the resume point.
    wait_until(
        phone, "JSON.parse(localStorage.getItem('gonghui.learning.queue') || '[]').length === 0"
    )
    progress = LessonProgress.objects.get(member=courier, lesson=lesson)
    assert progress.position_ms // 1000 == int(stopped)
    assert progress.completed_at is None
    assert progress.intervals[0][0] == 0

    # The second phone: a session made as a complete SMS sign-in leaves it (a second code
    # for the same number within the resend pause would not be sent).
    other = new_page(**PHONE)
    session = sign_in(Client(), courier.user).cookies[settings.SESSION_COOKIE_NAME].value
    other.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    other.goto(path)
    expect(other.locator("#resume-at")).to_contain_text(str(int(stopped)))
    wait_until(other, f"document.querySelector('#player audio').currentTime === {int(stopped)}")
    other.evaluate(
        "() => { const a = document.querySelector('#player audio'); a.playbackRate = 4; a.play(); }"
    )
    expect(other.locator("#lesson-status")).to_have_text("已完成", timeout=20_000)
    progress.refresh_from_db()
    assert progress.completed_at is not None
    assert progress.covered_ms >= 0.9 * lesson.duration_ms
    # What was heard, and nothing more: the jump to the resume point credited nothing.
    assert progress.intervals[0][0] == 0

    desk.reload()
    expect(desk.locator(f"tr[data-org='{tree.hlg.pk}'] td.participants")).to_have_text("1")
    expect(desk.locator(f"tr[data-org='{tree.hlg.pk}'] td.completed")).to_have_text("1")


def test_the_learning_pages_pass_axe_on_a_phone(
    transactional_db, live_server, new_page: PageFactory, story, courier
):
    lesson, _campaign = story
    phone = new_page(**PHONE, bypass_csp=True)
    session = sign_in(Client(), courier.user).cookies[settings.SESSION_COOKIE_NAME].value
    phone.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    found = {}
    for url in (
        "/learn/",
        f"/learn/c/{lesson.course_id}/",
        f"/learn/l/{lesson.pk}/",
        "/me/learning/",
    ):
        response = phone.goto(url)
        assert response is not None
        assert response.status == 200, url
        problems = axe_problems(phone)
        if problems:
            found[url] = problems
    assert not found, found
