import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gonghui.accounts.models import LoginCode, User
from gonghui.accounts.roles import Role
from gonghui.members.tests.factories import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_code(django_capture_on_commit_callbacks):
    """POST the mobile number and run the on-commit SMS send, as a real commit would."""

    def send(client: Client, mobile: str):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("accounts:login"), {"mobile": mobile})

    return send


def _code_from(outbox) -> str:
    match = re.search(r"\b(\d{6})\b", outbox[-1].text)
    assert match
    return match.group(1)


def test_worker_signs_in_with_an_sms_code(sms_outbox, request_code):
    client = Client()
    page = request_code(client, "１３８ ００１３ ８０００")
    assert page.status_code == 200
    assert "138****8000" in page.content.decode()
    assert [m.mobile for m in sms_outbox] == ["13800138000"]
    code = _code_from(sms_outbox)
    response = client.post(
        reverse("accounts:login_verify"), {"mobile": "13800138000", "code": code}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("web:me")
    me = client.get(reverse("web:me")).content.decode()
    assert "138****8000" in me
    assert "13800138000" not in me
    assert User.objects.get_by_mobile("13800138000").has_usable_password() is False


def test_wrong_code_is_refused_in_chinese_and_counted(sms_outbox, request_code):
    client = Client()
    request_code(client, "13800138000")
    right = _code_from(sms_outbox)
    wrong = "000000" if right != "000000" else "111111"
    page = client.post(reverse("accounts:login_verify"), {"mobile": "13800138000", "code": wrong})
    assert page.status_code == 400
    assert "验证码不正确" in page.content.decode()
    assert LoginCode.objects.get().attempts == 1
    assert "_auth_user_id" not in client.session


def test_code_stops_working_after_five_wrong_tries(sms_outbox, settings, request_code):
    client = Client()
    request_code(client, "13800138000")
    right = _code_from(sms_outbox)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(settings.LOGIN_CODE_MAX_ATTEMPTS):
        client.post(reverse("accounts:login_verify"), {"mobile": "13800138000", "code": wrong})
    page = client.post(reverse("accounts:login_verify"), {"mobile": "13800138000", "code": right})
    assert "_auth_user_id" not in client.session
    assert page.status_code == 400


def test_a_second_code_within_a_minute_is_not_sent(sms_outbox, request_code):
    client = Client()
    request_code(client, "13800138000")
    request_code(client, "13800138000")
    assert len(sms_outbox) == 1
    assert LoginCode.objects.count() == 1


def test_invalid_mobile_gets_a_field_message_in_the_browser_language():
    page = Client(headers={"Accept-Language": "en"}).post(
        reverse("accounts:login"), {"mobile": "12345"}
    )
    assert "A mobile number has 11 digits; this one has 5." in page.content.decode()
    page = Client().post(reverse("accounts:login"), {"mobile": "12345"})
    assert "手机号应为 11 位，当前为 5 位。" in page.content.decode()


def test_staff_without_a_second_factor_role_sign_in_with_username_or_mobile(tree, make_staff):
    staff = make_staff(tree.hlg, Role.VIEWER, mobile="13911110000")
    for identifier in (staff.username, "139 1111 0000"):
        client = Client()
        response = client.post(
            reverse("accounts:staff_login"), {"username": identifier, "password": "pw-staff"}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("web:staff_home")
        assert client.get(reverse("web:staff_home")).status_code == 200


def test_staff_is_locked_out_after_five_failures(tree, make_staff):
    staff = make_staff(tree.hlg, Role.VIEWER)
    client = Client()
    for _ in range(5):
        client.post(reverse("accounts:staff_login"), {"username": staff.username, "password": "x"})
    page = client.post(
        reverse("accounts:staff_login"), {"username": staff.username, "password": "pw-staff"}
    )
    assert page.status_code == 429
    assert "登录失败次数过多。请 15 分钟后再试。" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_development_sender_writes_the_text_to_the_terminal_never_to_the_log(
    caplog, capsys, settings, request_code
):
    settings.SMS_SENDER = "gonghui.core.sms.ConsoleSmsSender"
    with caplog.at_level("DEBUG"):
        request_code(Client(), "13800138000")
    terminal = capsys.readouterr().err
    code = re.search(r"\b(\d{6})\b", terminal)
    assert code
    assert terminal.startswith("SMS to 138****8000: ")
    assert "13800138000" not in terminal
    assert "13800138000" not in caplog.text
    assert code.group(1) not in caplog.text


def test_a_text_message_alone_does_not_open_the_back_office(
    tree, make_staff, request_code, sms_outbox
):
    make_staff(tree.hlg, mobile="13911110000")
    client = Client()
    request_code(client, "13911110000")
    page = client.post(
        reverse("accounts:login_verify"), {"mobile": "13911110000", "code": _code_from(sms_outbox)}
    )
    assert page.status_code == 400
    assert "该手机号属于工会工作人员账号，请使用密码登录。" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_in_codes_are_rate_limited_per_address(settings, sms_outbox, request_code):
    assert settings.RATE_LIMITS["sms_code.ip"] == (20, 3600)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sms_code.ip": (3, 3600)}
    client = Client(REMOTE_ADDR="203.0.113.20")
    pages = [request_code(client, f"1380013800{n}") for n in range(4)]
    assert [page.status_code for page in pages] == [200, 200, 200, 429]
    assert "尝试次数过多。请 60 分钟后再试。" in pages[3].content.decode()
    assert len(sms_outbox) == 3
    assert request_code(Client(REMOTE_ADDR="198.51.100.20"), "13800138009").status_code == 200


def test_sign_in_codes_to_one_number_are_capped_per_day(settings, sms_outbox, request_code):
    assert settings.RATE_LIMITS["sms.mobile"] == (10, 24 * 3600)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sms.mobile": (2, 24 * 3600)}
    for _ in range(2):
        assert request_code(Client(), "13800138000").status_code == 200
        LoginCode.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    page = request_code(Client(headers={"Accept-Language": "en"}), "13800138000")
    assert page.status_code == 429
    assert "Too many attempts. Try again in 24 hours." in page.content.decode()
    assert len(sms_outbox) == 2


def test_sign_in_codes_overall_are_capped(settings, sms_outbox, request_code):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sms_code.global": (2, 60)}
    statuses = [
        request_code(Client(REMOTE_ADDR=f"198.51.100.{n}"), f"1380013800{n}").status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_wrong_codes_for_one_number_are_capped_per_day_whatever_the_codes(
    settings, sms_outbox, request_code
):
    """Each new code allows five guesses; the number allows ten a day, however many codes."""
    assert settings.RATE_LIMITS["sms_code.guesses"] == (10, 24 * 3600)
    client = Client()
    for _round in range(2):
        request_code(client, "13800138000")
        right = _code_from(sms_outbox)
        wrong = "000000" if right != "000000" else "111111"
        for _ in range(5):
            page = client.post(
                reverse("accounts:login_verify"), {"mobile": "13800138000", "code": wrong}
            )
            assert page.status_code == 400
        LoginCode.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    request_code(client, "13800138000")
    page = client.post(
        reverse("accounts:login_verify"),
        {"mobile": "13800138000", "code": _code_from(sms_outbox)},
        headers={"Accept-Language": "en"},
    )
    assert page.status_code == 429
    assert "Too many wrong codes for this number. Try again in 24 hours." in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_worker_signing_in_meets_their_membership_through_the_members_app(
    tree, operator, sms_outbox, request_code
):
    """Accounts announces the proven number (accounts.signals.worker_signed_in); the members
    app, above it, links the membership recorded with it. Accounts imports nothing of members."""
    from gonghui.accounts.signals import worker_signed_in
    from gonghui.members.actions import import_member

    receivers = [key[0][0] for key in worker_signed_in.receivers]
    assert receivers == ["members.link_membership"]
    member = import_member(
        actor=operator,
        org=tree.hlg,
        joined_on=timezone.localdate(),
        **{**person(), "mobile": "13800138000"},
    )
    assert member.user_id is None
    client = Client()
    request_code(client, "13800138000")
    client.post(
        reverse("accounts:login_verify"), {"mobile": "13800138000", "code": _code_from(sms_outbox)}
    )
    member.refresh_from_db()
    assert member.user_id == User.objects.get_by_mobile("13800138000").pk
    import ast
    from pathlib import Path

    accounts = Path(__file__).resolve().parents[1]
    for module in accounts.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("gonghui.members"), module.name
