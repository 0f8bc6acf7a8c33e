"""Rate limits on a store that every app server shares: the database by default, Redis when
GONGHUI_REDIS_URL is set (see docs/decisions/0012-rate-limit-store.md).

A limit is a name in `settings.RATE_LIMITS` with `(allowed, seconds)`. Each key (an IP
address, a mobile number, an account) gets a window that opens at its first count and lasts
`seconds`; within it the key may be counted `allowed` times. The counter is one atomic
statement on either store (an upsert, or INCR in a MULTI), so two app servers counting the
same key at the same instant never both get the last allowed place.

Keys are stored as keyed hashes (`lookup_hash`), never as the IP address or number itself.
"""

import math
import time
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gonghui.core.crypto import lookup_hash
from gonghui.core.errors import DomainError
from gonghui.core.models import RateCounter


@dataclass(frozen=True)
class Window:
    count: int
    expires_at_ms: int

    def seconds_left(self, now_ms: int) -> int:
        return max(1, math.ceil((self.expires_at_ms - now_ms) / 1000))


def try_again_in(seconds: int) -> str:
    """ "Try again in N minutes." (hours past an hour and a half), rounded up."""
    minutes = max(1, math.ceil(seconds / 60))
    if minutes <= 90:
        return ngettext(
            "Try again in %(count)d minute.", "Try again in %(count)d minutes.", minutes
        ) % {"count": minutes}
    hours = math.ceil(minutes / 60)
    return ngettext("Try again in %(count)d hour.", "Try again in %(count)d hours.", hours) % {
        "count": hours
    }


class RateLimitedError(DomainError):
    """Over a rate limit: HTTP 429 with `Retry-After`, code `rate_limited`; the message says
    why (`reason`) and when to try again."""

    status = 429

    def __init__(self, retry_after: int, reason: str | None = None) -> None:
        self.retry_after = max(1, retry_after)
        message = _("%(reason)s %(try_again)s") % {
            "reason": reason or _("Too many attempts."),
            "try_again": try_again_in(self.retry_after),
        }
        super().__init__("rate_limited", message)


class Store(Protocol):
    def incr(self, key: str, seconds: int, now_ms: int) -> Window: ...

    def peek(self, key: str, now_ms: int) -> Window | None: ...

    def delete(self, key: str) -> None: ...


class DatabaseStore:
    """One `core.RateCounter` row per key, counted by one upsert (SQLite ≥ 3.35, PostgreSQL)."""

    def __init__(self) -> None:
        table = connection.ops.quote_name(RateCounter._meta.db_table)
        # Every expression on the right reads the row as it was before this statement, so an
        # expired window restarts at 1 and a live one counts on, atomically. Only the table
        # name (from the model) is formatted in; every value is a parameter.
        self.upsert = (
            f'INSERT INTO {table} ("key", "count", "expires_at") VALUES (%s, 1, %s) '  # noqa: S608
            f'ON CONFLICT ("key") DO UPDATE SET '
            f'"count" = CASE WHEN {table}."expires_at" <= %s THEN 1 '
            f'ELSE {table}."count" + 1 END, '
            f'"expires_at" = CASE WHEN {table}."expires_at" <= %s THEN excluded."expires_at" '
            f'ELSE {table}."expires_at" END '
            f'RETURNING "count", "expires_at"'
        )

    def incr(self, key: str, seconds: int, now_ms: int) -> Window:
        with connection.cursor() as cursor:
            cursor.execute(self.upsert, [key, now_ms + seconds * 1000, now_ms, now_ms])
            count, expires_at = cursor.fetchone()
        return Window(int(count), int(expires_at))

    def peek(self, key: str, now_ms: int) -> Window | None:
        row = (
            RateCounter.objects.filter(key=key, expires_at__gt=now_ms)
            .values_list("count", "expires_at")
            .first()
        )
        return Window(*row) if row else None

    def delete(self, key: str) -> None:
        RateCounter.objects.filter(key=key).delete()


class RedisStore:
    """One Redis string per key with the window as its expiry: SET NX EX, then INCR."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis  # optional dependency: only deployments that configure Redis need it

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix

    def incr(self, key: str, seconds: int, now_ms: int) -> Window:
        name = self.prefix + key
        pipe = self.client.pipeline(transaction=True)
        pipe.set(name, 0, ex=seconds, nx=True)
        pipe.incr(name)
        pipe.pttl(name)
        _created, count, ttl_ms = pipe.execute()
        return Window(int(count), now_ms + max(int(ttl_ms), 0))

    def peek(self, key: str, now_ms: int) -> Window | None:
        name = self.prefix + key
        pipe = self.client.pipeline(transaction=True)
        pipe.get(name)
        pipe.pttl(name)
        count, ttl_ms = pipe.execute()
        if count is None or int(ttl_ms) <= 0:
            return None
        return Window(int(count), now_ms + int(ttl_ms))

    def delete(self, key: str) -> None:
        self.client.delete(self.prefix + key)


@cache
def _store_for(redis_url: str, prefix: str) -> Store:
    if redis_url:
        return RedisStore(redis_url, prefix)
    return DatabaseStore()


def store() -> Store:
    return _store_for(settings.RATE_LIMIT_REDIS_URL, settings.RATE_LIMIT_REDIS_PREFIX)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _limit(name: str) -> tuple[int, int]:
    allowed, seconds = settings.RATE_LIMITS[name]
    return int(allowed), int(seconds)


def _key(name: str, key: str) -> str:
    return lookup_hash("rate", f"{name}\x00{key}")


def take(name: str, key: str, *, reason: str | None = None) -> None:
    """Count one request under limit `name` for `key`; refuse it (RateLimitedError) when the
    window already holds the allowed number."""
    allowed, seconds = _limit(name)
    now = _now_ms()
    window = store().incr(_key(name, key), seconds, now)
    if window.count > allowed:
        raise RateLimitedError(window.seconds_left(now), reason)


def record(name: str, key: str) -> None:
    """Count an event (a failed sign-in) without refusing anything; see `blocked_for`."""
    _allowed, seconds = _limit(name)
    store().incr(_key(name, key), seconds, _now_ms())


def blocked_for(name: str, key: str) -> int:
    """Seconds until `key` may try again under `name`: 0 while fewer than the allowed number
    of events were recorded in its window."""
    allowed, _seconds = _limit(name)
    now = _now_ms()
    window = store().peek(_key(name, key), now)
    if window is None or window.count < allowed:
        return 0
    return window.seconds_left(now)


def clear(name: str, key: str) -> None:
    store().delete(_key(name, key))


def purge_expired() -> int:
    """Drop the database store's closed windows (Redis expires its own keys)."""
    deleted, _count = RateCounter.objects.filter(expires_at__lte=_now_ms()).delete()
    return deleted
