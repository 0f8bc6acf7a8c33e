"""The security headers of pages and API answers, and whom the server believes about HTTPS."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.cli import gunicorn_args
from gonghui.members import actions as member_actions
from gonghui.members.models import Member
from gonghui.members.tests.factories import person

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
PERMISSIONS = (
    "accelerometer=(), camera=(self), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)


@pytest.fixture
def member_client(tree, operator, client_for):
    member = member_actions.import_member(
        actor=operator, org=tree.hlg, joined_on=timezone.localdate(), **person()
    )
    user = User.objects.create_user(mobile=str(member.mobile))
    Member.objects.filter(pk=member.pk).update(user=user)
    return client_for(user)


def test_a_member_page_is_private_and_under_the_policy(member_client):
    response = member_client.get("/me/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CSP
    assert response["Permissions-Policy"] == PERMISSIONS
    assert response["Cache-Control"] == "no-store"


def test_a_staff_page_is_private_and_under_the_policy(tree, make_staff, client_for):
    response = client_for(make_staff(tree.hlg)).get("/staff/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CSP
    assert response["Permissions-Policy"] == PERMISSIONS
    assert response["Cache-Control"] == "no-store"


def test_every_api_answer_is_private(tree, make_staff, api_client_for):
    answer = api_client_for(make_staff(tree.hlg)).get("/api/v1/me")
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    assert answer["Permissions-Policy"] == PERMISSIONS
    # Even an anonymous one: public station data today, but nobody has to remember that.
    public = Client().get("/api/v1/stations")
    assert public.status_code == 200
    assert public["Cache-Control"] == "no-store"
    missing = Client().get("/api/v1/nothing")
    assert missing["Cache-Control"] == "no-store"


def test_a_public_page_may_be_cached_but_is_under_the_policy(db):
    response = Client().get("/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CSP
    assert response["Permissions-Policy"] == PERMISSIONS
    assert "Cache-Control" not in response


def test_a_view_that_sets_its_own_caching_keeps_it(member_client):
    # never_cache pages keep Django's fuller header; they are not private by accident.
    response = member_client.get("/me/card/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_no_template_holds_inline_script_style_or_handlers():
    # The policy would block them; this says where, before a browser test has to.
    package = Path(__file__).resolve().parents[2]
    offenders = []
    for template in package.glob("*/templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        if "<style" in text or " style=" in text or " onclick=" in text or " onchange=" in text:
            offenders.append(str(template.relative_to(package)))
        for tag in text.split("<script")[1:]:
            opening = tag.split(">", 1)[0]
            if "src=" not in opening and "application/json" not in opening:
                offenders.append(str(template.relative_to(package)))
    assert offenders == []


def test_gunicorn_trusts_forwarded_https_only_behind_a_configured_proxy(monkeypatch):
    monkeypatch.delenv("GONGHUI_BEHIND_TLS_PROXY", raising=False)
    args = gunicorn_args([])
    assert args[args.index("--forwarded-allow-ips") + 1] == ""
    monkeypatch.setenv("GONGHUI_BEHIND_TLS_PROXY", "1")
    args = gunicorn_args([])
    assert args[args.index("--forwarded-allow-ips") + 1] == "127.0.0.1,::1"
    # An operator's own flag wins.
    args = gunicorn_args(["--forwarded-allow-ips", "10.0.0.5"])
    assert args.count("--forwarded-allow-ips") == 1
    assert args[-2:] == ["--forwarded-allow-ips", "10.0.0.5"]


@pytest.mark.parametrize(
    ("behind_proxy", "expected"), [("", "None"), ("1", "('HTTP_X_FORWARDED_PROTO', 'https')")]
)
def test_django_trusts_forwarded_https_only_behind_a_configured_proxy(
    tmp_path, behind_proxy, expected
):
    # The settings module decides at import, so it is read in a fresh production process.
    environment = {
        **os.environ,
        "GONGHUI_MODE": "production",
        "GONGHUI_DATA_DIR": str(tmp_path),
        "GONGHUI_SECRET_KEY": "k" * 40 + "0123456789abcdef",
        "GONGHUI_ENCRYPTION_KEYS": "p1:" + "A" * 43 + "=",
        "GONGHUI_LOOKUP_KEY": "lookup-" + "x" * 30,
        "GONGHUI_CARD_SIGNING_KEY": "B" * 43 + "=",
        "GONGHUI_SMS_SENDER": "gonghui.core.sms.GatewaySmsSender",
        "GONGHUI_BEHIND_TLS_PROXY": behind_proxy,
    }
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "from gonghui import settings; "
            "print(getattr(settings, 'SECURE_PROXY_SSL_HEADER', None))",
        ],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.strip() == expected
