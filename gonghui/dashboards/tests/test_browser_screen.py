"""The big screen in a real browser at 1920×1080: its join counter moves when a reviewer
approves an application in another browser, without the screen reloading; and the review
queue at 1366×768 keeps its status, date and number cells on one line.

Screenshots of both go to test-artifacts/ (not committed). Run on their own with
`pytest -m browser` (Debian's Chromium through Playwright, against the live server)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from gonghui.core.tests.browser import ARTIFACTS_DIR, sign_in_staff
from gonghui.members import actions
from gonghui.members.models import Application
from gonghui.members.tests.factories import person

pytestmark = pytest.mark.browser

BIG_SCREEN = {"viewport": {"width": 1920, "height": 1080}}
LAPTOP = {"viewport": {"width": 1366, "height": 768}}
# A line box: a cell whose first line of text takes more than one rectangle has wrapped.
ONE_LINE_CELLS = """
(cells) => cells.map((cell) => {
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => n.textContent.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP,
  });
  const text = walker.nextNode();
  const range = document.createRange();
  range.selectNodeContents(text);
  const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0);
  const style = getComputedStyle(text.parentElement);
  const lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.6;
  return {text: text.textContent.trim(), lines: rects.length,
          height: range.getBoundingClientRect().height, lineHeight: lineHeight};
})
"""


@pytest.fixture
def applications(tree, operator) -> list[Application]:
    now = timezone.now()
    event = actions.create_recruitment_event(
        actor=operator,
        org=tree.hlg,
        enterprise=None,
        title="回龙观快递员、外卖骑手和网约车司机集中入会服务日",
        place="龙泽园驿站",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=3),
    )
    return [
        actions.submit_application(
            event=event,
            submission_key=f"screen-{n}",
            consent=True,
            consent_version=settings.CONSENT_VERSION,
            **person(employer_name="北京同城速递物流有限公司回龙观第二分拣中心"),
        ).application
        for n in range(3)
    ]


def test_the_join_counter_moves_without_a_reload_when_an_application_is_approved(
    transactional_db, new_page, tree, make_staff, applications
):
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    reviewer = make_staff(tree.hlg, "reviewer").username

    screen = new_page(**BIG_SCREEN)
    sign_in_staff(screen, reviewer)
    screen.goto("/staff/dashboard/screen/?present=1")
    expect(screen.locator("#screen-joined-today")).to_have_text("0")
    expect(screen.locator("#screen-applications")).to_have_text("3")
    expect(screen.locator("#screen-fullscreen")).to_have_count(0)  # presentation: no controls
    # A mark on the window: a reload would wipe it.
    screen.evaluate("window.stillTheSamePage = true")

    desk = new_page(**LAPTOP)
    sign_in_staff(desk, reviewer)
    desk.goto("/staff/members/applications/")
    row = desk.locator(f"#application-{applications[0].pk}")
    expect(row).to_be_visible()
    cells = desk.locator("table.review tbody td.nowrap").all()
    assert len(cells) == 3 * 5  # name, ID number, mobile, submitted, status in each row
    measured = desk.locator("table.review tbody td.nowrap").evaluate_all(ONE_LINE_CELLS)
    for cell in measured:
        assert cell["lines"] == 1, cell
        assert cell["height"] < 1.5 * cell["lineHeight"], cell
    desk.screenshot(path=ARTIFACTS_DIR / "review-queue-1366x768.png")

    row.locator("button[name=approve]").click()
    expect(desk.locator(".messages")).to_be_visible()
    assert Application.objects.filter(status=Application.Status.APPROVED).count() == 1

    # The screen asks again every few seconds: the counter moves, the page stays.
    expect(screen.locator("#screen-joined-today")).to_have_text("1", timeout=15_000)
    assert screen.evaluate("window.stillTheSamePage") is True
    expect(screen.locator("#screen-joins li")).to_have_count(1)
    screen.screenshot(path=ARTIFACTS_DIR / "big-screen-1920x1080.png")
