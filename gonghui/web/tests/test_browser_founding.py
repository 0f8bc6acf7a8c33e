"""Union founding in a real browser: a case walked through every stage from the enterprise
page ends with a new enterprise union in the tree, and the coverage figures move at once."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import FilePayload, Page, expect

from gonghui.accounts.roles import Role
from gonghui.core.tests.browser import sign_in_staff

pytestmark = pytest.mark.browser


def figure(page: Page, element_id: str) -> int:
    return int(page.locator(f"#{element_id}").inner_text().replace(",", ""))


def advance(
    page: Page, date: str, *, union_name: str = "", document: FilePayload | None = None
) -> None:
    form = page.locator("form[action*='/advance/']")
    form.locator("input[name=happened_on]").fill(date)
    if union_name:
        form.locator("input[name=union_name]").fill(union_name)
    if document:
        form.locator("input[name=document]").set_input_files(document)
    form.locator("button").click()


def test_a_case_through_every_stage_founds_a_union(
    transactional_db, new_page, tree, make_staff, make_enterprise
):
    admin = make_staff(tree.zgc, Role.ORG_ADMIN, name="陈晓东")
    enterprise = make_enterprise(tree.zgc, name="北京字节未来科技有限公司", headcount=640)
    page = new_page()
    sign_in_staff(page, admin.username)

    page.goto(f"/staff/coverage/?org={tree.zgc.pk}")
    before_unions = figure(page, "enterprises-with-union")
    before_workers = figure(page, "workers-covered")

    page.goto(f"/staff/enterprises/{enterprise.pk}/")
    opening = page.locator("form[action*='/founding/']")
    opening.locator("input[name=happened_on]").fill("2026-07-28")
    opening.locator("textarea[name=notes]").fill("双沟通活动后成立筹备组")
    opening.locator("button").click()
    expect(page.locator(".messages")).to_contain_text("建会")
    advance(page, "2026-08-10")
    advance(
        page,
        "2026-10-19",
        document={
            "name": "成立大会纪要.pdf",
            "mimeType": "application/pdf",
            "buffer": b"%PDF-1.7 minutes",
        },
    )
    expect(page.get_by_role("link", name="成立大会纪要.pdf")).to_be_visible()
    advance(page, "2026-10-19", union_name="北京字节未来科技有限公司工会")

    expect(page.locator(".tag.ok").first).to_be_visible()
    union_link = page.get_by_role("link", name="北京字节未来科技有限公司工会")
    expect(union_link).to_be_visible()
    union_link.click()
    expect(page.locator("nav.breadcrumb")).to_contain_text("中关村科学城总工会")
    union_url = page.url

    # Both figures move at once, on the page and in the API.
    page.goto(f"/staff/coverage/?org={tree.zgc.pk}")
    assert figure(page, "enterprises-with-union") == before_unions + 1
    assert figure(page, "workers-covered") == before_workers + 640
    api = page.request.get(f"/api/v1/orgs/{tree.zgc.pk}/coverage").json()
    assert api["enterprises_with_union"] == before_unions + 1
    assert api["workers_covered"] == before_workers + 640

    # The parent federation's staff see the new union; a sibling street's staff do not.
    parent_staff = make_staff(tree.district, Role.VIEWER)
    sibling_staff = make_staff(tree.hlg, Role.ORG_ADMIN)
    viewer = new_page()
    sign_in_staff(viewer, parent_staff.username)
    response = viewer.goto(union_url)
    assert response is not None
    assert response.status == 200
    expect(viewer.locator("h1")).to_contain_text("北京字节未来科技有限公司工会")
    outsider = new_page()
    sign_in_staff(outsider, sibling_staff.username)
    response = outsider.goto(union_url)
    assert response is not None
    assert response.status == 404
    assert "北京字节未来科技有限公司工会" not in outsider.content()
    outsider.goto("/staff/orgs/?q=字节")
    expect(outsider.locator("#results")).not_to_contain_text("字节")


def test_a_skipped_or_doubled_step_is_refused_with_a_message(
    transactional_db, new_page, tree, make_staff, make_enterprise
):
    admin = make_staff(tree.zgc)
    enterprise = make_enterprise(tree.zgc, name="北京重复提交科技有限公司")
    first, second = new_page(), new_page()
    for page in (first, second):
        sign_in_staff(page, admin.username)
    first.goto(f"/staff/enterprises/{enterprise.pk}/")
    expect(first.locator("form[action*='/founding/'] input[name=happened_on]")).to_have_value(
        timezone.localdate().isoformat()
    )
    first.locator("form[action*='/founding/'] input[name=happened_on]").fill("2026-07-28")
    first.locator("form[action*='/founding/'] button").click()
    # Two tabs open on the same stage; the second submission is stale and says so.
    first.goto(f"/staff/enterprises/{enterprise.pk}/")
    second.goto(f"/staff/enterprises/{enterprise.pk}/")
    advance(first, "2026-08-10")
    expect(first.locator(".messages")).to_be_visible()
    advance(second, "2026-08-11")
    expect(second.locator(".errors")).to_contain_text(re.compile("发展会员|Recruiting"))
    enterprise.founding_case.refresh_from_db()
    assert enterprise.founding_case.steps.count() == 2
