"""Staff two-factor sign-in: TOTP (checked against RFC 6238's own test values), enrolment,
the second step, replay, recovery codes, turning off, an administrator's reset, and who must
use it."""

import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from gonghui.accounts import sessions, totp, two_factor
from gonghui.accounts.models import ApiToken, RecoveryCode, TotpDevice, User
from gonghui.accounts.roles import TWO_FACTOR_ROLES, Role
from gonghui.core.errors import DomainError
from gonghui.core.models import AuditEntry

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}
# RFC 6238 appendix B: the SHA-1 key is the ASCII "12345678901234567890".
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


@pytest.mark.parametrize(
    ("unix_time", "eight_digits"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_totp_matches_rfc_6238(unix_time, eight_digits):
    # Authenticator apps show six digits: the same value, modulo 10**6.
    assert totp.code_at(RFC_SECRET, unix_time) == eight_digits[-6:]


def test_a_code_is_accepted_one_step_either_side_and_no_further():
    now = 1_700_000_000.0
    for offset, expected in ((-30, True), (0, True), (30, True), (-60, False), (60, False)):
        code = totp.code_at(RFC_SECRET, now + offset)
        assert (totp.matching_step(RFC_SECRET, code, now) is not None) == expected, offset
    assert totp.matching_step(RFC_SECRET, "12345", now) is None
    assert totp.matching_step(RFC_SECRET, "abcdef", now) is None


def test_the_provisioning_uri_is_what_authenticator_apps_read():
    uri = totp.provisioning_uri("ABCDEFGH", account="fed_admin", issuer="Gonghui")
    assert uri == (
        "otpauth://totp/Gonghui%3Afed_admin?secret=ABCDEFGH&issuer=Gonghui&digits=6&period=30"
    )
    assert len(totp.new_secret()) == 32


def test_the_roles_that_must_use_it():
    assert {
        Role.FEDERATION_ADMIN,
        Role.ORG_ADMIN,
        Role.REVIEWER,
        Role.OPERATOR,
    } == TWO_FACTOR_ROLES


def code_now(user: User, *, later: int = 0) -> str:
    """The code the user's app shows now (or `later` steps on: a fresh code for a second
    sign-in inside one 30-second step)."""
    secret = str(TotpDevice.objects.get(user=user).secret)
    return totp.code_at(secret, time.time() + later * totp.STEP_SECONDS)


def a_wrong_code(user: User) -> str:
    """A six-digit code the user's app shows at no step that would be accepted now."""
    secret = str(TotpDevice.objects.get(user=user).secret)
    near = {totp.code_at(secret, time.time() + s * totp.STEP_SECONDS) for s in (-1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444") if c not in near)


def enrol(user: User) -> list[str]:
    device = two_factor.start_enrolment(actor=user)
    code = totp.code_at(str(device.pending_secret), time.time())
    return two_factor.confirm_enrolment(actor=user, code=code)


def password_step(client: Client, user: User, *, next_url: str = "") -> str:
    data = {"username": user.username, "password": "pw-staff"}
    if next_url:
        data["next"] = next_url
    response = client.post(reverse("accounts:staff_login"), data)
    assert response.status_code == 302
    return str(response["Location"])


def test_a_reviewer_must_set_up_two_factor_sign_in_before_anything_else(tree, make_staff):
    reviewer = make_staff(tree.hlg, Role.REVIEWER)
    client = Client(headers=EN)
    assert password_step(client, reviewer) == reverse("accounts:staff_login_setup")
    assert "_auth_user_id" not in client.session
    # Nothing else opens meanwhile: the back office still asks for a sign-in.
    assert client.get(reverse("members:review"))["Location"].startswith("/staff/login/")
    setup = client.get(reverse("accounts:staff_login_setup")).content.decode()
    shown = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', setup)
    assert shown
    secret = shown.group(1).replace(" ", "")
    assert secret == str(TotpDevice.objects.get(user=reviewer).pending_secret)
    assert re.search(r'id="totp-qr" role="img" aria-label="[^"]+"><svg', setup)
    # A wrong code is refused on the field, and nothing is set up.
    near = {totp.code_at(secret, time.time() + s * 30) for s in (-1, 0, 1, 2)}
    wrong = next(c for c in ("000000", "111111", "222222") if c not in near)
    refused = client.post(reverse("accounts:staff_login_setup"), {"code": wrong})
    assert refused.status_code == 400
    assert "The code is not correct." in refused.content.decode()
    assert TotpDevice.objects.get(user=reviewer).confirmed_at is None
    done = client.post(
        reverse("accounts:staff_login_setup"), {"code": totp.code_at(secret, time.time())}
    )
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", done.content.decode())
    assert len(codes) == 10 == RecoveryCode.objects.filter(user=reviewer, used_at=None).count()
    assert client.session["_auth_user_id"] == str(reviewer.pk)
    assert client.session[sessions.SECOND_FACTOR] is True
    assert client.get(reverse("members:review")).status_code == 200
    entry = AuditEntry.objects.get(action="accounts.two_factor.enabled")
    assert (entry.target_id, entry.org_id) == (str(reviewer.pk), tree.hlg.pk)


def test_sign_in_asks_for_the_code_and_refuses_it_a_second_time(tree, make_staff):
    staff = make_staff(tree.hlg)
    enrol(staff)
    client = Client(headers=EN)
    assert password_step(client, staff, next_url="/staff/orgs/") == reverse(
        "accounts:staff_login_code"
    )
    assert "_auth_user_id" not in client.session
    code = code_now(staff, later=1)
    response = client.post(reverse("accounts:staff_login_code"), {"code": code})
    assert (response.status_code, response["Location"]) == (302, "/staff/orgs/")
    assert client.session[sessions.SECOND_FACTOR] is True
    # The same code again, in another sign-in within its window: refused.
    other = Client(headers=EN)
    password_step(other, staff)
    page = other.post(reverse("accounts:staff_login_code"), {"code": code})
    assert page.status_code == 400
    assert "This code was already used. Wait for the next one." in page.content.decode()
    assert "_auth_user_id" not in other.session
    # An older code than the one used is refused too.
    page = other.post(reverse("accounts:staff_login_code"), {"code": code_now(staff)})
    assert page.status_code == 400
    assert "_auth_user_id" not in other.session


def test_the_second_step_needs_the_first(tree, make_staff):
    staff = make_staff(tree.hlg)
    enrol(staff)
    client = Client(headers=EN)
    response = client.post(reverse("accounts:staff_login_code"), {"code": code_now(staff)})
    assert response["Location"] == reverse("accounts:staff_login")
    assert "_auth_user_id" not in client.session


def test_the_second_step_expires(tree, make_staff, settings):
    staff = make_staff(tree.hlg)
    enrol(staff)
    client = Client(headers=EN)
    password_step(client, staff)
    session = client.session
    session[sessions.PENDING]["at"] -= settings.TWO_FACTOR_PENDING_SECONDS + 1
    session.save()
    response = client.post(reverse("accounts:staff_login_code"), {"code": code_now(staff)})
    assert response["Location"] == reverse("accounts:staff_login")
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_works_once(tree, make_staff):
    staff = make_staff(tree.hlg)
    codes = enrol(staff)
    client = Client(headers=EN)
    password_step(client, staff)
    response = client.post(reverse("accounts:staff_login_code"), {"code": codes[3].upper()})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)
    assert RecoveryCode.objects.filter(user=staff, used_at=None).count() == 9
    entry = AuditEntry.objects.get(action="accounts.two_factor.recovery_code_used")
    assert entry.changes == {"left": 9}
    again = Client(headers=EN)
    password_step(again, staff)
    page = again.post(reverse("accounts:staff_login_code"), {"code": codes[3]})
    assert page.status_code == 400
    assert "The code is not correct." in page.content.decode()
    assert "_auth_user_id" not in again.session


def test_wrong_codes_lock_the_account_and_a_password_does_not_reset_the_count(tree, make_staff):
    staff = make_staff(tree.hlg)
    enrol(staff)
    right = code_now(staff, later=1)
    wrong = a_wrong_code(staff)
    client = Client(headers=EN)
    for _ in range(3):
        password_step(client, staff)
        client.post(reverse("accounts:staff_login_code"), {"code": wrong})
        client.post(reverse("accounts:staff_login_code"), {"code": wrong})
    # Six wrong codes over three password steps: the account is locked, right code or not.
    page = client.post(reverse("accounts:staff_login_code"), {"code": right})
    assert page.status_code == 429
    assert "Too many failed sign-ins. Try again in 15 minutes." in page.content.decode()
    page = client.post(
        reverse("accounts:staff_login"), {"username": staff.username, "password": "pw-staff"}
    )
    assert page.status_code == 429


def test_staff_whose_role_does_not_require_it_sign_in_with_a_password(tree, make_staff):
    viewer = make_staff(tree.hlg, Role.VIEWER)
    client = Client()
    assert password_step(client, viewer) == reverse("web:staff_home")
    assert client.session[sessions.SECOND_FACTOR] is False
    assert client.get(reverse("web:staff_home")).status_code == 200


def test_a_viewer_who_turned_it_on_is_asked_for_the_code(tree, make_staff):
    viewer = make_staff(tree.hlg, Role.VIEWER)
    enrol(viewer)
    assert password_step(Client(), viewer) == reverse("accounts:staff_login_code")


def test_a_role_granted_during_a_password_only_session_ends_it(tree, make_staff, operator):
    viewer = make_staff(tree.hlg, Role.VIEWER)
    client = Client(headers=EN)
    password_step(client, viewer)
    assert client.get(reverse("web:staff_home")).status_code == 200
    from gonghui.accounts.actions import grant_role

    grant_role(actor=operator, user=viewer, org=tree.hlg, role=Role.REVIEWER)
    response = client.get(reverse("web:staff_home"))
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")
    page = client.get(response["Location"]).content.decode()
    assert "Your role requires two-factor sign-in. Please sign in again." in page


def test_required_users_cannot_turn_it_off_others_can_with_a_code(tree, make_staff, client_for):
    admin = make_staff(tree.hlg)
    enrol(admin)
    with pytest.raises(DomainError) as caught:
        two_factor.disable_two_factor(actor=admin, code=code_now(admin))
    assert caught.value.code == "two_factor_required"
    viewer = make_staff(tree.hlg, Role.VIEWER)
    enrol(viewer)
    client = client_for(viewer)
    page = client.post(
        reverse("accounts:two_factor_off"), {"off-code": a_wrong_code(viewer)}, headers=EN
    )
    assert page.status_code == 400
    assert "The code is not correct." in page.content.decode()
    assert TotpDevice.objects.filter(user=viewer).exists()
    response = client.post(
        reverse("accounts:two_factor_off"), {"off-code": code_now(viewer, later=1)}
    )
    assert response.status_code == 302
    assert not TotpDevice.objects.filter(user=viewer).exists()
    assert not RecoveryCode.objects.filter(user=viewer).exists()
    assert AuditEntry.objects.filter(action="accounts.two_factor.disabled").count() == 1


def test_new_recovery_codes_replace_the_old_ones(tree, make_staff, client_for):
    admin = make_staff(tree.hlg)
    old = enrol(admin)
    client = client_for(admin)
    page = client.post(
        reverse("accounts:recovery_codes_new"), {"codes-code": code_now(admin, later=1)}
    )
    new = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", page.content.decode())
    assert len(new) == 10
    assert not set(new) & set(old)
    with pytest.raises(DomainError):
        two_factor.verify_second_factor(user=admin, code=old[0])
    two_factor.verify_second_factor(user=admin, code=new[0])


def test_moving_to_a_new_phone_needs_the_current_code(tree, make_staff, client_for):
    admin = make_staff(tree.hlg)
    enrol(admin)
    old_secret = str(TotpDevice.objects.get(user=admin).secret)
    client = client_for(admin)
    page = client.get(reverse("accounts:two_factor_setup"), headers=EN).content.decode()
    shown = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)
    assert shown
    new_secret = shown.group(1).replace(" ", "")
    assert new_secret != old_secret
    new_code = totp.code_at(new_secret, time.time())
    page = client.post(reverse("accounts:two_factor_setup"), {"code": new_code}, headers=EN)
    assert page.status_code == 400
    assert "Enter a code from your current authenticator app" in page.content.decode()
    response = client.post(
        reverse("accounts:two_factor_setup"),
        {"code": new_code, "current_code": totp.code_at(old_secret, time.time() + 30)},
    )
    assert response.status_code == 200
    assert str(TotpDevice.objects.get(user=admin).secret) == new_secret
    assert AuditEntry.objects.filter(action="accounts.two_factor.replaced").count() == 1


def test_an_administrator_resets_a_lost_phone_and_ends_the_sessions(tree, make_staff, client_for):
    admin = make_staff(tree.root, Role.FEDERATION_ADMIN)
    staff = make_staff(tree.hlg)
    enrol(staff)
    their_client = client_for(staff)
    assert their_client.get(reverse("web:staff_home")).status_code == 200
    response = client_for(admin).post(reverse("accounts:staff_reset_two_factor", args=[staff.pk]))
    assert response.status_code == 302
    assert not TotpDevice.objects.filter(user=staff).exists()
    assert not RecoveryCode.objects.filter(user=staff).exists()
    assert their_client.get(reverse("web:staff_home")).status_code == 302
    entry = AuditEntry.objects.get(action="accounts.two_factor.reset")
    assert (entry.actor_id, entry.target_id, entry.org_id) == (admin.pk, str(staff.pk), tree.hlg.pk)
    # Their role requires it: the next sign-in sets it up again.
    assert password_step(Client(), staff) == reverse("accounts:staff_login_setup")


def test_a_reset_needs_accounts_manage_over_every_role_of_the_person(tree, make_staff):
    hlg_admin = make_staff(tree.hlg)
    fed_admin = make_staff(tree.root, Role.FEDERATION_ADMIN)
    enrol(fed_admin)
    with pytest.raises(DomainError) as caught:
        two_factor.reset_two_factor(actor=hlg_admin, user=fed_admin, org=tree.hlg)
    assert caught.value.code == "user_above_own"
    with pytest.raises(DomainError) as own:
        two_factor.reset_two_factor(actor=fed_admin, user=fed_admin, org=tree.root)
    assert own.value.code == "cannot_reset_own"
    assert TotpDevice.objects.filter(user=fed_admin).exists()


def test_api_tokens_work_without_a_session_and_a_half_sign_in_is_not_one(
    tree, make_staff, api_client_for
):
    admin = make_staff(tree.hlg)
    enrol(admin)
    assert api_client_for(admin).get("/api/v1/me").status_code == 200
    client = Client()
    password_step(client, admin)
    response = client.get("/api/v1/me")
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")
    assert ApiToken.objects.filter(user=admin).count() == 1
