"""Looking up API bearer tokens (creating and revoking them are actions)."""

import hashlib
from datetime import timedelta

from django.utils import timezone

from gonghui.accounts.models import ApiToken, User


def hash_token(raw: str) -> str:
    # Tokens are 256-bit random values, so an unkeyed hash cannot be brute-forced.
    return hashlib.sha256(raw.encode()).hexdigest()


def authenticate_token(raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw), revoked_at=None, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Touch last use at most once a minute: one write per request would make reads writes.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
