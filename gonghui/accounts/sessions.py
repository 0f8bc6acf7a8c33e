"""What a session remembers about its sign-in, and the middleware that ends sessions.

A session made by a password sign-in (union staff, provider desks, operators) ends after
`STAFF_IDLE_SECONDS` without a request and `STAFF_SESSION_MAX_SECONDS` after the sign-in.
A session made by an SMS code (a member on their own phone) lasts `SESSION_COOKIE_AGE`.
Either ends when its user's `session_generation` moves on (sign out everywhere, a reset of
two-factor sign-in): Django compares the session's auth hash on every request.

Between the password and the second step, the session holds only a pending sign-in (who, since
when, where to go next); the user is not signed in until the step is done.
"""

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gonghui.accounts.models import User

if TYPE_CHECKING:
    from gonghui.accounts.actions import PasswordChecked

KIND = "gonghui.signin"  # "password" or "sms"
SECOND_FACTOR = "gonghui.second_factor"  # True once an authenticator or recovery code was given
SIGNED_IN_AT = "gonghui.signed_in_at"  # Unix time
LAST_SEEN = "gonghui.last_seen"  # Unix time, refreshed at most once a TOUCH_SECONDS
PENDING = "gonghui.pending_signin"
# Writing the session on every request would make every read a write; a minute is precise
# enough for a 30-minute idle limit.
TOUCH_SECONDS = 60
BACKEND = "gonghui.accounts.backends.StaffPasswordBackend"

SignInKind = Literal["password", "sms"]


def complete_sign_in(
    request: HttpRequest, user: User, *, kind: SignInKind, second_factor: bool
) -> None:
    """Sign `user` in (a new session key) and remember how."""
    login(request, user, backend=BACKEND)
    now = time.time()
    session = request.session
    session.pop(PENDING, None)
    session[KIND] = kind
    session[SECOND_FACTOR] = second_factor
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN] = now
    if kind == "password":
        # The cookie and the stored session lapse with the idle time too; LAST_SEEN decides.
        session.set_expiry(settings.STAFF_IDLE_SECONDS)


def mark_second_factor(request: HttpRequest) -> None:
    """The signed-in user has just given a right code (setting up their authenticator): the
    session counts as a two-factor sign-in from now on."""
    request.session[SECOND_FACTOR] = True


def continue_after_password(
    request: HttpRequest, checked: "PasswordChecked", next_url: str
) -> HttpResponse:
    """After a right password: the second step, setting an authenticator up, or straight
    to `next_url` when neither is needed."""
    if checked.second_step:
        start_pending(request, checked.user, next_url)
        if checked.second_step == "code":
            return redirect("accounts:staff_login_code")
        return redirect("accounts:staff_login_setup")
    complete_sign_in(request, checked.user, kind="password", second_factor=False)
    return redirect(next_url)


def start_pending(request: HttpRequest, user: User, next_url: str) -> None:
    """The password was right; remember who, until the second step or its time runs out."""
    request.session[PENDING] = {
        "user": user.pk,
        "at": time.time(),
        "hash": user.get_session_auth_hash(),
        "next": next_url,
    }


def pending_sign_in(request: HttpRequest) -> tuple[User, str] | None:
    """The user half-way through signing in and where they go next, if still in time."""
    pending: dict[str, Any] | None = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > settings.TWO_FACTOR_PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    # A password changed (or sessions ended) since the first step voids the pending sign-in.
    if user is None or user.get_session_auth_hash() != pending["hash"]:
        return None
    return user, str(pending["next"])


def drop_pending(request: HttpRequest) -> None:
    request.session.pop(PENDING, None)


def _ending_reason(request: HttpRequest, user: User) -> str | None:
    session = request.session
    now = time.time()
    kind = session.get(KIND)
    if kind is None:
        # A session from before these markers existed: start watching it now.
        kind = "password" if user.has_usable_password() else "sms"
        session.update({KIND: kind, SIGNED_IN_AT: now, LAST_SEEN: now})
    if kind == "sms":
        if user.is_union_staff:
            # Granted a role since signing in by SMS: the back office needs the password.
            return _("This account now belongs to union staff. Sign in with your password.")
        return None
    idle = settings.STAFF_IDLE_SECONDS
    if now - float(session.get(LAST_SEEN, 0)) > idle:
        minutes = idle // 60
        return ngettext(
            "You were signed out after %(count)d minute without activity.",
            "You were signed out after %(count)d minutes without activity.",
            minutes,
        ) % {"count": minutes}
    longest = settings.STAFF_SESSION_MAX_SECONDS
    if now - float(session.get(SIGNED_IN_AT, 0)) > longest:
        hours = longest // 3600
        return ngettext(
            "Staff sessions last at most %(count)d hour. Please sign in again.",
            "Staff sessions last at most %(count)d hours. Please sign in again.",
            hours,
        ) % {"count": hours}
    if not session.get(SECOND_FACTOR) and user.requires_two_factor:
        # Granted a role that needs two-factor sign-in since signing in with a password only.
        return _("Your role requires two-factor sign-in. Please sign in again.")
    if now - float(session[LAST_SEEN]) >= TOUCH_SECONDS:
        session[LAST_SEEN] = now
    return None


class SessionGuardMiddleware:
    """Ends a session that is idle or too old, or no longer fits its user's roles; the request
    then goes on as anonymous (a staff page redirects to the sign-in, the API answers 401)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and isinstance(user, User):
            reason = _ending_reason(request, user)
            if reason is not None:
                logout(request)
                messages.info(request, reason)
        return self.get_response(request)
