"""Password sign-in: which account an identifier names, and the lockout.

Failures are counted per account and per client IP on the shared rate-limit store
(`core.ratelimits`, limits `signin.account` and `signin.ip`). Every identifier that resolves
to an account (its username in any letter case or width, its mobile number in any spelling:
`139-1000-0002`, `+86…`, `0086 …`, full-width digits) counts against that account, because
it is resolved exactly as sign-in resolves it. An identifier that names no account counts
against its normalised form, so the answers never tell whether an account exists.
"""

import unicodedata

from gonghui.accounts.models import User
from gonghui.core import ratelimits
from gonghui.core.errors import DomainError
from gonghui.core.fields import lookup_value
from gonghui.core.personal import normalize_mobile

ACCOUNT_LIMIT = "signin.account"
IP_LIMIT = "signin.ip"


def _normalized(identifier: str) -> tuple[str, str | None]:
    """The identifier as a username (NFKC, trimmed) and as a mobile number, if it is one."""
    text = unicodedata.normalize("NFKC", identifier).strip()
    try:
        return text, normalize_mobile(text)
    except DomainError:
        return text, None


def find_account(identifier: str) -> User | None:
    """The account a sign-in identifier names: a username (any case), else a mobile number."""
    username, mobile = _normalized(identifier)
    if not username:
        return None
    user = User.objects.filter(username__iexact=username).first()
    if user is None and mobile is not None:
        user = User.objects.filter(mobile_hash=lookup_value("mobile", mobile)).first()
    return user


def password_matches(user: User | None, password: str) -> bool:
    """Whether `user` is active and `password` is theirs; as slow for no user as for one."""
    if user is None:
        # Spend the same time as a real check so timing does not reveal accounts.
        User().set_password(password)
        return False
    return user.check_password(password) and user.is_active


def account_key(identifier: str, user: User | None) -> str:
    if user is not None:
        return f"user:{user.pk}"
    username, mobile = _normalized(identifier)
    return f"mobile:{mobile}" if mobile is not None else f"name:{username.casefold()}"


def locked_for(*, account: str, ip: str | None) -> int:
    """Seconds until sign-in may be tried again for this account or from this IP (0: now)."""
    waits = [ratelimits.blocked_for(ACCOUNT_LIMIT, account)]
    if ip:
        waits.append(ratelimits.blocked_for(IP_LIMIT, ip))
    return max(waits)


def record_failure(*, account: str, ip: str | None) -> None:
    ratelimits.record(ACCOUNT_LIMIT, account)
    if ip:
        ratelimits.record(IP_LIMIT, ip)


def clear_failures(*, account: str) -> None:
    """After a complete sign-in: the account's count starts again. The IP's does not, or one
    valid account would let its holder reset the count of a whole office's guesses."""
    ratelimits.clear(ACCOUNT_LIMIT, account)
