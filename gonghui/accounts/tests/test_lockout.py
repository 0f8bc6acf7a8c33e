"""The staff lockout counts the account, not the spelling; and the client's IP address.

Issue 11's attack: five wrong passwords under the username, then twenty-five more under the
account's mobile number in other spellings, then the right password. Here every alias of a
locked account is refused, the Django admin's sign-in is the same guarded one, and an
identifier that names nobody is counted and answered exactly alike.
"""

import pytest
from django.test import Client
from django.urls import reverse

from gonghui.accounts.models import User
from gonghui.accounts.roles import Role

pytestmark = pytest.mark.django_db

LOGIN = "/staff/login/"
LOCKED_ZH = "登录失败次数过多。请 15 分钟后再试。"
WRONG_ZH = "用户名或密码不正确。"
ALIASES = (
    "staff1",
    "STAFF1",
    "ｓｔａｆｆ１",  # full-width letters and digit
    "13910000002",
    "139-1000-0002",
    "139 1000 0002",
    "+86 139 1000 0002",
    "+8613910000002",
    "0086 13910000002",
    "１３９１００００００２",  # full-width digits
)


@pytest.fixture
def staff(tree, make_staff):
    user = make_staff(tree.hlg, Role.VIEWER, mobile="13910000002")
    assert user.username == "staff1"
    return user


def attempt(identifier: str, password: str, *, ip: str = "198.51.100.1") -> tuple[int, str]:
    response = Client(REMOTE_ADDR=ip).post(LOGIN, {"username": identifier, "password": password})
    return response.status_code, response.content.decode()


def test_every_alias_resolves_to_the_account_and_signs_in(staff):
    for identifier in ALIASES:
        status, _page = attempt(identifier, "pw-staff")
        assert status == 302, identifier


def test_a_locked_account_is_refused_under_every_alias(staff):
    for _ in range(5):
        assert attempt("staff1", "wrong")[0] == 400
    for identifier in ALIASES:
        status, page = attempt(identifier, "pw-staff")
        assert (status, LOCKED_ZH in page) == (429, True), identifier


def test_failures_under_different_aliases_add_up_to_one_count(staff):
    for identifier in ("staff1", "139-1000-0002", "+8613910000002", "０086 13910000002"):
        status, page = attempt(identifier, "wrong")
        assert (status, WRONG_ZH in page) == (400, True)
    status, page = attempt("１３９１００００００２", "wrong")
    assert status == 400  # the fifth failure is still answered as a wrong password
    status, page = attempt("STAFF1", "pw-staff")
    assert (status, LOCKED_ZH in page) == (429, True)


def test_an_unknown_identifier_is_counted_and_answered_like_an_account(staff):
    answers_unknown = [attempt("nobody", "wrong") for _ in range(6)]
    answers_known = [attempt("staff1", "wrong") for _ in range(6)]
    assert [status for status, _page in answers_unknown] == [400] * 5 + [429]
    assert [status for status, _page in answers_known] == [400] * 5 + [429]
    # The same words, whether or not the account exists.
    assert answers_unknown[0][1].count(WRONG_ZH) == answers_known[0][1].count(WRONG_ZH) == 1
    assert LOCKED_ZH in answers_unknown[5][1]
    assert LOCKED_ZH in answers_known[5][1]


def test_an_unknown_mobile_number_is_counted_once_whatever_its_spelling(staff):
    for spelling in ("13700000009", "137-0000-0009", "+86 137 0000 0009", "0086 13700000009"):
        attempt(spelling, "wrong")
    attempt("１３７０００００００９", "wrong")
    assert attempt("13700000009", "wrong")[0] == 429


def test_one_address_guessing_at_many_accounts_is_locked_out(staff, settings):
    # 30 failures (the default) spread over names that never reach their own limit.
    for n in range(30):
        assert attempt(f"guess{n % 10}", "wrong", ip="203.0.113.9")[0] == 400
    status, page = attempt("staff1", "pw-staff", ip="203.0.113.9")
    assert (status, LOCKED_ZH in page) == (429, True)
    # The account itself is not locked: from another address the right password works.
    assert attempt("staff1", "pw-staff", ip="198.51.100.77")[0] == 302


def test_a_complete_sign_in_clears_the_accounts_count(staff):
    for _ in range(4):
        attempt("staff1", "wrong")
    assert attempt("staff1", "pw-staff")[0] == 302
    for _ in range(4):
        assert attempt("staff1", "wrong")[0] == 400
    assert attempt("staff1", "pw-staff")[0] == 302


def test_the_admin_sign_in_is_the_staff_sign_in(operator):
    client = Client()
    page = client.get("/admin/")
    assert (page.status_code, page["Location"]) == (302, "/admin/login/?next=/admin/")
    page = client.get("/admin/login/?next=/admin/")
    assert (page.status_code, page["Location"]) == (302, "/staff/login/?next=%2Fadmin%2F")
    # The admin's own password form is never served: a POST there checks nothing.
    for _ in range(12):
        response = client.post(
            "/admin/login/?next=/admin/", {"username": "operator", "password": "wrong"}
        )
        assert response.status_code == 302
        assert response["Location"].startswith("/staff/login/")
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "operator", "password": "pw-operator"}
    )
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_the_admin_is_locked_out_with_the_staff_lockout(operator):
    client = Client()
    for _ in range(5):
        response = client.post(
            "/staff/login/?next=/admin/", {"username": "operator", "password": "wrong"}
        )
        assert response.status_code == 400
    response = client.post(
        "/staff/login/?next=/admin/", {"username": "operator", "password": "pw-operator"}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"


def test_signed_in_staff_who_are_not_operators_get_no_admin_and_no_loop(
    tree, client_for, make_staff
):
    client = client_for(make_staff(tree.hlg, Role.VIEWER))
    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_provider_desks_share_the_account_lockout(staff):
    client = Client()
    for _ in range(5):
        response = client.post(
            reverse("benefits:provider_login"), {"username": "139 1000 0002", "password": "x"}
        )
        assert response.status_code == 400
    status, page = attempt("staff1", "pw-staff")
    assert (status, LOCKED_ZH in page) == (429, True)
    response = client.post(
        reverse("benefits:provider_login"), {"username": "staff1", "password": "pw-staff"}
    )
    assert response.status_code == 429


def test_an_inactive_account_is_refused_like_a_wrong_password(staff):
    User.objects.filter(pk=staff.pk).update(is_active=False)
    status, page = attempt("staff1", "pw-staff")
    assert (status, WRONG_ZH in page) == (400, True)
