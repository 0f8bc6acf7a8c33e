"""The one error path for pages (ADR 0015): refusals on the form or the page, 404 and 403 in
the shell the page belongs to, htmx and script answers, and the API left as it was."""

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from gonghui.accounts.models import RoleGrant, User
from gonghui.accounts.roles import Role
from gonghui.enterprises import actions as enterprises
from gonghui.enterprises.models import Stage

pytestmark = pytest.mark.django_db

STAFF_SHELL = '<nav class="sidebar"'
MEMBER_SHELL = '<main class="phone">'
NOT_FOUND = "该页面不存在，或您无权访问。"
NO_ROLE = "您的账号在工会管理后台没有任何角色。"
ROOT_REFUSED = "顶级组织不能停用。"
STALE = "您编辑期间该组织已被他人修改，请刷新后重试。"
HTMX = {"HX-Request": "true"}


def _text(response: Any) -> str:
    return str(response.content.decode())


def _worker(client: Client, signed_in: Callable[[Client, User], Client]) -> Client:
    worker = User.objects.create_user("worker1", mobile="13800138000")
    signed: Client = signed_in(client, worker)
    return signed


# --- a refused action: on the form, or on the page ---------------------------------------------


def test_staff_form_refusal_is_shown_on_the_form(tree, make_staff, client_for):
    admin = make_staff(tree.district)
    response = client_for(admin).post(
        reverse("orgs:edit", kwargs={"org_id": tree.zgc.pk}),
        {"name": "中关村新名", "version": tree.zgc.version - 1},
    )
    text = _text(response)
    assert response.status_code == 200
    assert f'<div class="errors" role="alert"><p>{STALE}</p></div>' in text
    assert STAFF_SHELL in text


def test_staff_button_refusal_is_a_message_on_the_page_it_returns_to(tree, make_staff, client_for):
    admin = make_staff(tree.root)
    client = client_for(admin)
    url = reverse("orgs:set_active", kwargs={"org_id": tree.root.pk})
    response = client.post(url, {"active": "0"})
    detail = reverse("orgs:detail", kwargs={"org_id": tree.root.pk})
    assert (response.status_code, response["Location"]) == (302, detail)
    page = client.get(detail)
    assert page.status_code == 200
    assert f'<li class="msg-error">{ROOT_REFUSED}</li>' in _text(page)
    tree.root.refresh_from_db()
    assert tree.root.is_active is True


def test_member_form_refusal_is_shown_on_the_form(sms_outbox, django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:login"), {"mobile": "13800138000"})
    sent = re.search(r"\b(\d{6})\b", sms_outbox[-1].text)
    assert sent
    wrong = "000000" if sent.group(1) != "000000" else "111111"
    response = client.post(
        reverse("accounts:login_verify"), {"mobile": "13800138000", "code": wrong}
    )
    text = _text(response)
    assert response.status_code == 400
    assert '<div class="errors" role="alert"><p>验证码不正确。</p></div>' in text
    assert MEMBER_SHELL in text
    assert STAFF_SHELL not in text


@pytest.mark.urls("gonghui.web.tests.error_urls")
@pytest.mark.parametrize(
    ("path", "referer", "back"),
    [
        ("/raise/refused/", "http://testserver/a/", "http://testserver/a/"),
        ("/raise/refused/", "https://evil.example/a/", "/"),
        ("/raise/refused/", "", "/"),
    ],
)
def test_an_uncaught_refusal_after_a_post_goes_back_with_the_message(path, referer, back):
    client = Client()
    headers = {"Referer": referer} if referer else {}
    response = client.post(path, headers=headers)
    assert (response.status_code, response["Location"]) == (302, back)
    home = client.get("/")
    assert f'<li class="msg-error">{ROOT_REFUSED}</li>' in _text(home)


@pytest.mark.urls("gonghui.web.tests.error_urls")
def test_an_uncaught_refusal_after_a_post_in_the_back_office_falls_back_to_its_home(
    tree, make_staff, client_for
):
    client = client_for(make_staff(tree.zgc))
    response = client.post("/staff/raise/conflict/", headers={"Referer": "https://evil.example/"})
    assert (response.status_code, response["Location"]) == (302, reverse("web:staff_home"))
    page = client.get(reverse("web:staff_home"))
    assert f'<li class="msg-error">{STALE}</li>' in _text(page)


@pytest.mark.urls("gonghui.web.tests.error_urls")
def test_an_uncaught_refusal_on_a_get_is_a_page_with_its_status(tree, make_staff, client_for):
    response = client_for(make_staff(tree.zgc)).get("/staff/raise/conflict/")
    text = _text(response)
    assert response.status_code == 409
    assert f"<p>{STALE}</p>" in text
    assert STAFF_SHELL in text


# --- 404 and 403 in the right shell ------------------------------------------------------------


def test_not_found_in_the_back_office_is_a_staff_page(tree, make_staff, client_for):
    response = client_for(make_staff(tree.zgc)).get(
        reverse("orgs:detail", kwargs={"org_id": tree.desheng.pk})  # a sibling: outside
    )
    text = _text(response)
    assert response.status_code == 404
    assert NOT_FOUND in text
    assert STAFF_SHELL in text
    assert MEMBER_SHELL not in text
    assert f'<a class="button" href="{reverse("web:staff_home")}">' in text


def test_not_found_on_a_member_page_is_a_member_page():
    response = Client().get(reverse("events:member_detail", kwargs={"activity_id": 999_999}))
    text = _text(response)
    assert response.status_code == 404
    assert NOT_FOUND in text
    assert MEMBER_SHELL in text
    assert STAFF_SHELL not in text


def test_an_address_nothing_answers_sits_in_the_shell_of_its_part(tree, make_staff, client_for):
    staff = client_for(make_staff(tree.zgc)).get("/staff/no-such-page/")
    member = Client().get("/no-such-page/")
    assert (staff.status_code, member.status_code) == (404, 404)
    assert STAFF_SHELL in _text(staff)
    assert MEMBER_SHELL in _text(member)


@pytest.mark.urls("gonghui.web.tests.error_urls")
def test_a_not_found_error_is_a_404_in_either_shell(tree, make_staff, client_for):
    staff = client_for(make_staff(tree.zgc)).get("/staff/raise/not-found/")
    member = Client().get("/raise/not-found/")
    assert (staff.status_code, member.status_code) == (404, 404)
    assert STAFF_SHELL in _text(staff)
    assert NOT_FOUND in _text(staff)
    assert MEMBER_SHELL in _text(member)
    assert NOT_FOUND in _text(member)


@pytest.mark.urls("gonghui.web.tests.error_urls")
def test_a_permission_refusal_is_a_403_with_its_message_in_either_shell(
    tree, make_staff, client_for
):
    staff = client_for(make_staff(tree.zgc)).get("/staff/raise/forbidden/")
    member = Client().get("/raise/forbidden/")
    assert (staff.status_code, member.status_code) == (403, 403)
    assert STAFF_SHELL in _text(staff)
    assert "<p>您无权执行此操作。</p>" in _text(staff)
    assert MEMBER_SHELL in _text(member)
    assert "<p>您无权执行此操作。</p>" in _text(member)


def test_a_worker_in_the_back_office_gets_the_member_shells_403(signed_in):
    response = _worker(Client(), signed_in).get(reverse("orgs:tree"))
    text = _text(response)
    assert response.status_code == 403
    assert NO_ROLE in text
    assert MEMBER_SHELL in text
    assert STAFF_SHELL not in text


def test_approving_a_union_without_orgs_manage_is_a_403_in_the_staff_shell(
    tree, make_staff, make_enterprise, client_for
):
    # Was drawn on the advance form like a typing mistake; a refused capability is a 403 page.
    operator = make_staff(tree.zgc, Role.OPERATOR)
    # An administrator's grant elsewhere lets the operator name themselves as responsible.
    RoleGrant.objects.create(user=operator, org=tree.desheng, role=Role.ORG_ADMIN)
    enterprise = make_enterprise(tree.zgc, name="搜狐集团（北京）有限公司")
    case = enterprises.open_founding_case(
        actor=operator, enterprise=enterprise, happened_on=date(2026, 7, 1), responsible=operator
    )
    for stage in (Stage.RECRUITING, Stage.CONGRESS):
        case = enterprises.advance_founding_case(
            actor=operator,
            case=case,
            to_stage=stage,
            happened_on=date(2026, 7, 1),
            responsible=operator,
        )
    response = client_for(operator).post(
        reverse("enterprises:case_advance", kwargs={"case_id": case.pk}),
        {
            "to_stage": Stage.ESTABLISHED,
            "happened_on": "2026-07-02",
            "responsible": operator.pk,
            "union_name": "搜狐集团（北京）工会",
        },
    )
    text = _text(response)
    assert response.status_code == 403
    assert "<p>批复成立新工会须由 中关村科学城总工会 的管理员操作。</p>" in text
    assert STAFF_SHELL in text
    case.refresh_from_db()
    assert case.stage == Stage.CONGRESS


# --- htmx and scripts ------------------------------------------------------------------------


def test_htmx_gets_the_message_alone_with_the_status(tree, make_staff, client_for):
    response = client_for(make_staff(tree.zgc)).get(
        reverse("orgs:detail", kwargs={"org_id": tree.desheng.pk}), headers=HTMX
    )
    assert response.status_code == 404
    assert _text(response) == '<p class="refusal" role="alert">未找到。</p>\n'


@pytest.mark.urls("gonghui.web.tests.error_urls")
@pytest.mark.parametrize(
    ("kind", "status", "message"),
    [
        ("forbidden", 403, "您无权执行此操作。"),
        ("refused", 400, ROOT_REFUSED),
        ("conflict", 409, STALE),
    ],
)
def test_htmx_refusals_answer_in_place_not_with_a_redirect(kind, status, message):
    response = Client().post(f"/raise/{kind}/", headers=HTMX)
    assert response.status_code == status
    assert _text(response) == f'<p class="refusal" role="alert">{message}</p>\n'


@pytest.mark.urls("gonghui.web.tests.error_urls")
@pytest.mark.parametrize(
    ("kind", "status", "code", "message"),
    [
        ("not-found", 404, "not_found", "未找到。"),
        ("forbidden", 403, "forbidden", "您无权执行此操作。"),
        ("django-forbidden", 403, "permission_denied", "您无权执行此操作。"),
        ("refused", 400, "cannot_deactivate_root", ROOT_REFUSED),
    ],
)
def test_a_script_posting_json_gets_the_api_error_shape(kind, status, code, message):
    response = Client().post(f"/raise/{kind}/", "{}", content_type="application/json")
    assert response.status_code == status
    assert response.json() == {"code": code, "message": message, "fields": {}}


# --- the API keeps its own ---------------------------------------------------------------------


def test_api_errors_keep_their_json_shape(tree, make_staff, api_client_for):
    response = api_client_for(make_staff(tree.zgc)).get(
        f"/api/v1/orgs/{tree.desheng.pk}", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found.", "fields": {}}


@pytest.mark.urls("gonghui.web.tests.error_urls")
def test_the_page_error_path_leaves_api_addresses_alone(tree, make_staff, client_for):
    client = client_for(make_staff(tree.zgc))
    client.raise_request_exception = False
    response = client.get("/api/v1/raise/refused/")
    # Nothing of ours answered: Django's own 500, not a page in a shell nor a redirect.
    assert response.status_code == 500
    assert STAFF_SHELL not in _text(response)
