"""Accounts, role grants, sign-in codes and API tokens."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts import lockout, two_factor
from gonghui.accounts.models import ApiToken, LoginCode, RoleGrant, User
from gonghui.accounts.roles import ROLE_CAPABILITIES
from gonghui.accounts.signals import worker_signed_in
from gonghui.accounts.tokens import hash_token
from gonghui.core import audit, ratelimits
from gonghui.core.errors import DomainError, NotFoundError, PermissionDeniedError
from gonghui.core.fields import lookup_value
from gonghui.core.personal import mask_mobile, normalize_mobile
from gonghui.core.ratelimits import RateLimitedError
from gonghui.core.request_context import current_ip
from gonghui.core.scoping import require
from gonghui.core.sms import send_sms_on_commit
from gonghui.orgs.models import Org


def _check_may_grant(actor: User, org: Org, role: str) -> None:
    """Staff may grant only roles whose capabilities they hold themselves at that org."""
    require(actor, "accounts.manage", org.path)
    if role not in ROLE_CAPABILITIES:
        raise DomainError("invalid_role", _("Unknown role."))
    if not ROLE_CAPABILITIES[role] <= actor.capabilities_at(org.path):
        raise PermissionDeniedError(
            "role_above_own",
            _("You cannot grant a role with more rights than your own."),
            fields={"role": [_("This role has rights you do not hold here.")]},
        )


@transaction.atomic
def create_staff_user(
    *,
    actor: User,
    username: str,
    name: str,
    mobile: str,
    password: str,
    org: Org,
    role: str,
) -> User:
    """Create a staff account with a first role grant at `org` (accounts.manage there)."""
    _check_may_grant(actor, org, role)
    username = username.strip()
    mobile = normalize_mobile(mobile) if mobile else ""
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(
            "username_taken",
            _("This username is taken."),
            fields={"username": [_("This username is taken.")]},
        )
    if mobile and User.objects.filter(mobile_hash=lookup_value("mobile", mobile)).exists():
        raise DomainError(
            "mobile_taken",
            _("An account with this mobile number exists."),
            fields={"mobile": [_("An account with this mobile number exists.")]},
        )
    user = User(username=username, name=name.strip(), mobile=mobile)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise DomainError(
            "weak_password", " ".join(error.messages), fields={"password": error.messages}
        ) from None
    user.set_password(password)
    user.save()
    RoleGrant.objects.create(user=user, org=org, role=role, granted_by=actor)
    audit.record(
        actor=actor,
        action="accounts.staff.created",
        org=org,
        target=user,
        changes={
            "username": username,
            "mobile": mask_mobile(mobile) if mobile else "",
            "role": role,
        },
    )
    return user


@transaction.atomic
def grant_role(*, actor: User, user: User, org: Org, role: str) -> RoleGrant:
    """Give `user` a role on `org` and its subtree."""
    _check_may_grant(actor, org, role)
    try:
        with transaction.atomic():
            grant = RoleGrant.objects.create(user=user, org=org, role=role, granted_by=actor)
    except IntegrityError:
        raise DomainError(
            "already_granted", _("This person already holds this role here.")
        ) from None
    audit.record(
        actor=actor, action="accounts.grant.created", org=org, target=user, changes={"role": role}
    )
    return grant


@transaction.atomic
def revoke_grant(*, actor: User, grant: RoleGrant) -> None:
    """Remove a role grant. Nobody removes their own roles: another administrator must."""
    _check_may_grant(actor, grant.org, grant.role)
    if grant.user_id == actor.pk:
        raise DomainError("cannot_revoke_own", _("You cannot remove your own role."))
    grant.delete()
    audit.record(
        actor=actor,
        action="accounts.grant.revoked",
        org=grant.org,
        target=grant.user,
        changes={"role": grant.role},
    )


@transaction.atomic
def set_user_active(*, actor: User, user: User, org: Org, active: bool) -> User:
    """Lock or unlock a staff account; `org` is where the actor manages them."""
    require(actor, "accounts.manage", org.path)
    if user.pk == actor.pk:
        raise DomainError("cannot_lock_self", _("You cannot lock your own account."))
    two_factor.check_holds_roles_of(actor, user)
    User.objects.filter(pk=user.pk).update(is_active=active)
    user.is_active = active
    audit.record(
        actor=actor,
        action="accounts.staff.reactivated" if active else "accounts.staff.locked",
        org=org,
        target=user,
    )
    return user


@transaction.atomic
def reveal_mobile(*, actor: User, user: User, org: Org) -> str:
    """Show a staff member's full mobile number to someone allowed to; the read is audited."""
    require(actor, "personal_data.view", org.path)
    audit.record(
        actor=actor,
        action="accounts.personal_data.viewed",
        org=org,
        target=user,
        changes={"field": "mobile"},
    )
    return str(user.mobile)


# --- sign-in ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PasswordChecked:
    user: User
    # What must follow before the user is signed in: nothing, their authenticator's code,
    # or setting an authenticator up (their role requires one and they have none yet).
    second_step: Literal["", "code", "setup"]


def sign_in_with_password(*, identifier: str, password: str) -> PasswordChecked:
    """Check a password sign-in (staff, provider desks, operators) within the lockout:
    failures count per account, under whichever alias named it, and per client IP."""
    ip = current_ip()
    user = lockout.find_account(identifier)
    account = lockout.account_key(identifier, user)
    wait = lockout.locked_for(account=account, ip=ip)
    if wait:
        raise RateLimitedError(wait, _("Too many failed sign-ins."))
    if not lockout.password_matches(user, password):
        lockout.record_failure(account=account, ip=ip)
        raise DomainError("wrong_credentials", _("The username or password is not correct."))
    assert user is not None  # password_matches is False without a user
    if two_factor.confirmed_device(user) is not None:
        return PasswordChecked(user, "code")
    if user.requires_two_factor:
        return PasswordChecked(user, "setup")
    # Cleared only when nothing follows: a password alone must not reset the count of wrong
    # authenticator codes.
    lockout.clear_failures(account=account)
    return PasswordChecked(user, "")


@transaction.atomic
def sign_out_everywhere(*, actor: User) -> int:
    """End every session of the actor's account, this one included, and revoke their API
    tokens (a token may have been made in a session they no longer trust). Returns how many
    tokens were revoked."""
    User.objects.filter(pk=actor.pk).update(session_generation=F("session_generation") + 1)
    revoked = ApiToken.objects.filter(user=actor, revoked_at=None).update(revoked_at=timezone.now())
    audit.record(
        actor=actor,
        action="accounts.sessions.ended",
        org=two_factor.home_org(actor),
        target=actor,
        changes={"api_tokens_revoked": revoked},
    )
    return revoked


@transaction.atomic
def set_large_text(*, actor: User, on: bool) -> None:
    """Switch the actor's large-text mode (适老化) on or off for every device they sign in on."""
    User.objects.filter(pk=actor.pk).update(large_text=on)
    actor.large_text = on
    audit.record(
        actor=actor,
        action="accounts.large_text.changed",
        org=two_factor.home_org(actor),
        target=actor,
        changes={"large_text": on},
    )


def _code_hash(mobile_hash: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{mobile_hash}:{code}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def request_login_code(*, mobile: str) -> None:
    """Send a six-digit sign-in code to a mainland mobile number: at most one a minute, and
    within the rate limits per client IP, overall, and per number per day."""
    mobile = normalize_mobile(mobile)
    mobile_hash = lookup_value("mobile", mobile)
    ip = current_ip()
    if ip:
        ratelimits.take("sms_code.ip", ip)
    ratelimits.take("sms_code.global", "all")
    now = timezone.now()
    recent = LoginCode.objects.filter(
        mobile_hash=mobile_hash,
        created_at__gte=now - timedelta(seconds=settings.LOGIN_CODE_RESEND_SECONDS),
    )
    if recent.exists():
        raise DomainError(
            "code_recently_sent",
            _("A code was sent less than a minute ago. Please wait before asking again."),
        )
    ratelimits.take("sms.mobile", mobile)
    code = f"{secrets.randbelow(10**6):06d}"
    LoginCode.objects.create(
        mobile_hash=mobile_hash,
        code_hash=_code_hash(mobile_hash, code),
        expires_at=now + timedelta(seconds=settings.LOGIN_CODE_TTL_SECONDS),
    )
    minutes = settings.LOGIN_CODE_TTL_SECONDS // 60
    send_sms_on_commit(
        mobile=mobile,
        text=_("Your Gonghui sign-in code is %(code)s. It is valid for %(minutes)d minutes.")
        % {"code": code, "minutes": minutes},
    )


def verify_login_code(*, mobile: str, code: str) -> User:
    """The worker's account (created at first sign-in) if the code is right and fresh. Each
    code allows a few guesses, and each number a few more a day whatever the codes."""
    mobile = normalize_mobile(mobile)
    mobile_hash = lookup_value("mobile", mobile)
    code = code.strip()
    wait = ratelimits.blocked_for("sms_code.guesses", mobile)
    if wait:
        raise RateLimitedError(wait, _("Too many wrong codes for this number."))
    with transaction.atomic():
        login_code = (
            LoginCode.objects.select_for_update()
            .filter(mobile_hash=mobile_hash, used_at=None, expires_at__gt=timezone.now())
            .order_by("-created_at")
            .first()
        )
        if login_code is None:
            raise DomainError(
                "code_expired", _("This code has expired or was never sent. Ask for a new one.")
            )
        if login_code.attempts >= settings.LOGIN_CODE_MAX_ATTEMPTS:
            raise DomainError("too_many_attempts", _("Too many wrong codes. Ask for a new code."))
        if not hmac.compare_digest(login_code.code_hash, _code_hash(mobile_hash, code)):
            LoginCode.objects.filter(pk=login_code.pk).update(attempts=login_code.attempts + 1)
            wrong = DomainError("wrong_code", _("The code is not correct."))
        else:
            wrong = None
            login_code.used_at = timezone.now()
            login_code.save(update_fields=["used_at"])
    # The failed attempt above is committed before we refuse, so guessing stays bounded.
    if wrong is not None:
        ratelimits.record("sms_code.guesses", mobile)
        raise wrong
    try:
        with transaction.atomic():
            user, created = User.objects.get_or_create(
                mobile_hash=mobile_hash, defaults={"mobile": mobile}
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                audit.record(actor=user, action="accounts.worker.registered", target=user)
    except IntegrityError:
        user = User.objects.get(mobile_hash=mobile_hash)
    if not user.is_active:
        raise DomainError("account_locked", _("This account is locked."))
    if user.is_union_staff:
        # A text message alone must not open the back office: staff use their password.
        raise DomainError(
            "staff_use_password",
            _("This number belongs to a union staff account. Please sign in with your password."),
        )
    worker_signed_in.send(sender=User, user=user)
    return user


# --- API tokens ------------------------------------------------------------------------------


@transaction.atomic
def create_api_token(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """A new bearer token for the actor's own account; the raw value is returned once."""
    if not name.strip():
        raise DomainError(
            "name_required", _("Give the token a name."), fields={"name": [_("Required.")]}
        )
    raw = "gh_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor, name=name.strip(), prefix=raw[:8], token_hash=hash_token(raw)
    )
    audit.record(actor=actor, action="accounts.api_token.created", target=token)
    return token, raw


@transaction.atomic
def revoke_api_token(*, actor: User, token: ApiToken) -> None:
    """Revoke one of the actor's own tokens."""
    if token.user_id != actor.pk:
        raise NotFoundError("not_found", _("Not found."))
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    audit.record(actor=actor, action="accounts.api_token.revoked", target=token)
