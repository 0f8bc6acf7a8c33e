"""Staff two-factor sign-in: an authenticator app (TOTP) and single-use recovery codes.

Who must use it: `User.requires_two_factor` (roles holding a capability in
`roles.TWO_FACTOR_CAPABILITIES`, and superusers). Anyone with a password may turn it on.
Every change is audited; a code is checked against the lockout of `accounts.lockout` (the
same per-account and per-IP counts as the password), so the second step cannot be guessed
faster than the first.
"""

import secrets
import time
import unicodedata

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts import lockout, totp
from gonghui.accounts.models import RecoveryCode, RoleGrant, TotpDevice, User
from gonghui.accounts.roles import ROLE_CAPABILITIES
from gonghui.core import audit
from gonghui.core.crypto import lookup_hash
from gonghui.core.errors import DomainError, PermissionDeniedError
from gonghui.core.ratelimits import RateLimitedError
from gonghui.core.request_context import current_ip
from gonghui.core.scoping import require
from gonghui.orgs.models import Org

RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 10
# No 0/o, 1/l/i: the codes are read off paper. 31 symbols, 10 of them: ~49.5 bits each.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _code_error(code: str, message: str) -> DomainError:
    return DomainError(code, message, fields={"code": [message]})


def home_org(user: User) -> Org | None:
    """Where the user's administrators read the audit entries of their own changes."""
    grant = RoleGrant.objects.filter(user=user).select_related("org").order_by("org__path").first()
    return grant.org if grant is not None else None


def confirmed_device(user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def unused_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at=None).count()


def _normalized_recovery_code(code: str) -> str:
    text = unicodedata.normalize("NFKC", code).lower()
    return "".join(ch for ch in text if ch.isalnum())


def _recovery_hash(user: User, code: str) -> str:
    return lookup_hash("recovery_code", f"{user.pk}\x00{_normalized_recovery_code(code)}")


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; the new ones are returned to be shown once."""
    RecoveryCode.objects.filter(user=user).delete()
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=_recovery_hash(user, code)) for code in codes
    )
    half = RECOVERY_CODE_LENGTH // 2
    return [f"{code[:half]}-{code[half:]}" for code in codes]


def _accept_totp(device: TotpDevice, code: str) -> bool | None:
    """True for a fresh right code (recorded, so it works once), False for a replayed one,
    None for a wrong one."""
    step = totp.matching_step(str(device.secret), code, time.time())
    if step is None:
        return None
    # One conditional UPDATE: of two requests carrying the same code, one wins.
    return bool(TotpDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step))


def _accept_recovery_code(user: User, code: str) -> bool:
    used = RecoveryCode.objects.filter(
        user=user, code_hash=_recovery_hash(user, code), used_at=None
    ).update(used_at=timezone.now())
    if used:
        left = unused_recovery_codes(user)
        audit.record(
            actor=user,
            action="accounts.two_factor.recovery_code_used",
            org=home_org(user),
            target=user,
            changes={"left": left},
        )
    return bool(used)


def _check_code(user: User, code: str) -> None:
    """Accept an authenticator code or a recovery code of `user`, within the lockout."""
    account = lockout.account_key("", user)
    ip = current_ip()
    wait = lockout.locked_for(account=account, ip=ip)
    if wait:
        raise RateLimitedError(wait, _("Too many failed sign-ins."))
    device = confirmed_device(user)
    with transaction.atomic():
        accepted = _accept_totp(device, code) if device is not None else None
        if accepted is None:
            accepted = _accept_recovery_code(user, code) or None
    if accepted:
        return
    lockout.record_failure(account=account, ip=ip)
    if accepted is False:
        raise _code_error("code_used", _("This code was already used. Wait for the next one."))
    raise _code_error("wrong_code", _("The code is not correct."))


def verify_second_factor(*, user: User, code: str) -> None:
    """The second sign-in step: a fresh authenticator code (a code is accepted once) or an
    unused recovery code. A success clears the account's failed sign-ins."""
    _check_code(user, code)
    lockout.clear_failures(account=lockout.account_key("", user))


@transaction.atomic
def start_enrolment(*, actor: User) -> TotpDevice:
    """Give the actor a new authenticator secret to scan (kept until a code confirms it, so a
    reloaded page shows the same QR code)."""
    device, _created = TotpDevice.objects.select_for_update().get_or_create(user=actor)
    if not device.pending_secret:
        device.pending_secret = totp.new_secret()
        device.save(update_fields=["pending_secret"])
    return device


def confirm_enrolment(*, actor: User, code: str, current_code: str = "") -> list[str]:
    """Switch the actor's authenticator to the scanned secret once a code from it is right;
    returns ten new recovery codes to show once. Replacing a working authenticator (a new
    phone) needs a code of the current one, or a recovery code, as well."""
    replacing = confirmed_device(actor) is not None
    if replacing:
        # Checked before the transaction below: a wrong code must stay counted.
        if not current_code.strip():
            message = _("Enter a code from your current authenticator app, or a recovery code.")
            raise DomainError("current_code_required", message, fields={"current_code": [message]})
        try:
            _check_code(actor, current_code)
        except DomainError as error:
            raise DomainError(
                error.code, error.message, fields={"current_code": [str(error.message)]}
            ) from None
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=actor).first()
        if device is None or not device.pending_secret:
            raise _code_error("no_enrolment", _("Start the set-up again: this page has expired."))
        step = totp.matching_step(str(device.pending_secret), code, time.time())
        if step is None:
            raise _code_error(
                "wrong_code",
                _(
                    "The code is not correct. Check that the phone's clock is right and enter "
                    "the newest code."
                ),
            )
        device.secret = device.pending_secret
        device.pending_secret = ""
        device.confirmed_at = timezone.now()
        device.last_step = step
        device.save(update_fields=["secret", "pending_secret", "confirmed_at", "last_step"])
        codes = _new_recovery_codes(actor)
        audit.record(
            actor=actor,
            action="accounts.two_factor.replaced" if replacing else "accounts.two_factor.enabled",
            org=home_org(actor),
            target=actor,
        )
    return codes


def replace_recovery_codes(*, actor: User, code: str) -> list[str]:
    """Ten new recovery codes for the actor (the old ones stop working); needs a current
    authenticator code or recovery code."""
    if confirmed_device(actor) is None:
        raise DomainError("two_factor_off", _("Two-factor sign-in is not on."))
    _check_code(actor, code)  # outside the transaction: a wrong code must stay counted
    with transaction.atomic():
        codes = _new_recovery_codes(actor)
        audit.record(
            actor=actor,
            action="accounts.two_factor.recovery_codes_replaced",
            org=home_org(actor),
            target=actor,
        )
    return codes


def disable_two_factor(*, actor: User, code: str) -> None:
    """The actor turns two-factor sign-in off (not allowed where their role requires it)."""
    if actor.requires_two_factor:
        raise DomainError(
            "two_factor_required",
            _("Your role requires two-factor sign-in. To use another phone, set it up again."),
        )
    if confirmed_device(actor) is None:
        raise DomainError("two_factor_off", _("Two-factor sign-in is not on."))
    _check_code(actor, code)  # outside the transaction: a wrong code must stay counted
    with transaction.atomic():
        TotpDevice.objects.filter(user=actor).delete()
        RecoveryCode.objects.filter(user=actor).delete()
        audit.record(
            actor=actor, action="accounts.two_factor.disabled", org=home_org(actor), target=actor
        )


def check_holds_roles_of(actor: User, user: User) -> None:
    """Administrators act on accounts whose every role they hold themselves there."""
    for grant in user.grants.select_related("org"):
        if not ROLE_CAPABILITIES[grant.role] <= actor.capabilities_at(grant.org.path):
            raise PermissionDeniedError(
                "user_above_own",
                _("This person holds roles beyond your own; ask a higher-level administrator."),
            )


@transaction.atomic
def reset_two_factor(*, actor: User, user: User, org: Org) -> User:
    """An administrator (accounts.manage at `org`) removes a staff member's authenticator and
    recovery codes (a lost phone) and ends their sessions; at their next sign-in they set it
    up again if their role requires it."""
    require(actor, "accounts.manage", org.path)
    if user.pk == actor.pk:
        raise DomainError(
            "cannot_reset_own", _("Use your own security page to change your two-factor sign-in.")
        )
    check_holds_roles_of(actor, user)
    TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    audit.record(actor=actor, action="accounts.two_factor.reset", org=org, target=user)
    return user
