"""Staff password sign-in lockout: too many failures for one identifier in a window."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from gonghui.accounts.models import LoginFailure
from gonghui.core.crypto import lookup_hash


def _identifier_hash(identifier: str) -> str:
    # Keyed: the identifier may be a mobile number, which a plain hash would not protect.
    return lookup_hash("login", identifier.strip().lower())


def is_locked_out(identifier: str) -> bool:
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    failures = LoginFailure.objects.filter(
        identifier_hash=_identifier_hash(identifier), created_at__gte=since
    )
    return failures.count() >= settings.LOGIN_FAILURE_LIMIT


def record_login_failure(identifier: str) -> None:
    LoginFailure.objects.create(identifier_hash=_identifier_hash(identifier))


def clear_login_failures(identifier: str) -> None:
    LoginFailure.objects.filter(identifier_hash=_identifier_hash(identifier)).delete()
