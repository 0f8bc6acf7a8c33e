"""Sessions: staff are signed out when idle and after a maximum age; members on their phones
stay signed in; "sign out everywhere" ends every session of an account.

The clock is the one thing moved here: a session's remembered times are set back.
"""

import pytest
from django.test import Client
from django.urls import reverse

from gonghui.accounts import sessions
from gonghui.accounts.actions import create_api_token
from gonghui.accounts.models import ApiToken, User
from gonghui.accounts.roles import Role
from gonghui.core.models import AuditEntry

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}


def move_back(client: Client, key: str, seconds: float) -> None:
    session = client.session
    session[key] = float(session[key]) - seconds
    session.save()


@pytest.fixture
def staff_client(tree, make_staff):
    viewer = make_staff(tree.hlg, Role.VIEWER)
    client = Client(headers=EN)
    client.post(
        reverse("accounts:staff_login"), {"username": viewer.username, "password": "pw-staff"}
    )
    assert client.get(reverse("web:staff_home")).status_code == 200
    return client


def test_a_staff_session_ends_after_thirty_idle_minutes(staff_client, settings):
    assert settings.STAFF_IDLE_SECONDS == 30 * 60
    move_back(staff_client, sessions.LAST_SEEN, 30 * 60 + 1)
    response = staff_client.get(reverse("web:staff_home"))
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")
    assert "_auth_user_id" not in staff_client.session
    page = staff_client.get(response["Location"]).content.decode()
    assert "You were signed out after 30 minutes without activity." in page


def test_activity_keeps_a_staff_session_alive(staff_client):
    move_back(staff_client, sessions.LAST_SEEN, 29 * 60)
    before = staff_client.session[sessions.LAST_SEEN]
    assert staff_client.get(reverse("web:staff_home")).status_code == 200
    after = staff_client.session[sessions.LAST_SEEN]
    assert after - before >= 29 * 60 - 1
    # Its stored session and cookie lapse with the idle time as well.
    assert staff_client.session.get_expiry_age() == 30 * 60


def test_a_staff_session_ends_twelve_hours_after_sign_in_however_busy(staff_client):
    move_back(staff_client, sessions.SIGNED_IN_AT, 12 * 3600 + 1)
    response = staff_client.get(reverse("web:staff_home"))
    assert response.status_code == 302
    page = staff_client.get(response["Location"]).content.decode()
    assert "Staff sessions last at most 12 hours. Please sign in again." in page


def test_a_members_session_on_their_phone_is_not_cut_short(db, client_for):
    worker = User.objects.create_user(None, None, mobile="13800138000")
    client = client_for(worker)
    move_back(client, sessions.LAST_SEEN, 10 * 24 * 3600)
    move_back(client, sessions.SIGNED_IN_AT, 10 * 24 * 3600)
    assert client.get(reverse("web:me")).status_code == 200
    assert client.session.get_expiry_age() == 14 * 24 * 3600


def test_an_sms_session_ends_once_the_account_becomes_staff(tree, client_for, operator):
    worker = User.objects.create_user(None, None, mobile="13800138000")
    client = client_for(worker)
    from gonghui.accounts.actions import grant_role

    grant_role(actor=operator, user=worker, org=tree.hlg, role=Role.VIEWER)
    response = client.get(reverse("web:staff_home"), headers=EN)
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_sign_out_everywhere_ends_every_session_and_revokes_tokens(tree, make_staff, client_for):
    admin = make_staff(tree.hlg)
    laptop, phone = client_for(admin), client_for(admin)
    create_api_token(actor=admin, name="script")
    response = laptop.post(reverse("accounts:sign_out_everywhere"), headers=EN)
    assert response["Location"] == reverse("accounts:staff_login")
    page = laptop.get(response["Location"]).content.decode()
    assert "Every session of your account has ended, and 1 API token was revoked." in page
    for client in (laptop, phone):
        assert client.get(reverse("web:staff_home"))["Location"].startswith("/staff/login/")
    assert ApiToken.objects.filter(user=admin, revoked_at=None).count() == 0
    entry = AuditEntry.objects.get(action="accounts.sessions.ended")
    assert entry.changes == {"api_tokens_revoked": 1}
    # Signing in again works, and the new session is not ended by the old generation.
    admin.refresh_from_db()
    fresh = client_for(admin)
    assert fresh.get(reverse("web:staff_home")).status_code == 200


def test_the_security_page_says_what_the_limits_are(tree, make_staff, client_for):
    admin = make_staff(tree.hlg)
    page = client_for(admin).get(reverse("accounts:security"), headers=EN).content.decode()
    assert "A staff session ends after 30 minutes without activity" in page
    assert ", and 12 hours after signing in at most." in page
    assert "Off: you sign in with your password only." in page
