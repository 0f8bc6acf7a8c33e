"""Rate limits on both stores: the database (the default) and Redis (GONGHUI_REDIS_URL).

The Redis tests use the team's Redis at 127.0.0.1:6379 under a key prefix of their own, and
delete their keys afterwards. If Redis does not answer they fail: a store that is offered
must be tested.
"""

import secrets
import threading
import time

import pytest
from django.db import connection
from django.utils import translation

from gonghui.core import ratelimits
from gonghui.core.models import RateCounter
from gonghui.core.ratelimits import RateLimitedError

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_store(settings):
    """The team's Redis, under a key prefix of this test's own, emptied afterwards."""
    prefix = f"gonghui-test-{secrets.token_hex(4)}:"
    settings.RATE_LIMIT_REDIS_URL = REDIS_URL
    settings.RATE_LIMIT_REDIS_PREFIX = prefix
    store = ratelimits.store()
    assert isinstance(store, ratelimits.RedisStore)
    yield store
    for key in store.client.scan_iter(f"{prefix}*"):
        store.client.delete(key)


@pytest.fixture(params=["database", "redis"])
def store(request, settings, db):
    """Each test runs once per store, with a limit of 3 per minute named `test.limit`."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "test.limit": (3, 60)}
    if request.param == "database":
        settings.RATE_LIMIT_REDIS_URL = ""
    else:
        request.getfixturevalue("redis_store")
    return request.param


def test_the_store_follows_the_setting(store):
    expected = ratelimits.RedisStore if store == "redis" else ratelimits.DatabaseStore
    assert isinstance(ratelimits.store(), expected)


def test_take_refuses_exactly_past_the_allowed_count(store):
    for _ in range(3):
        ratelimits.take("test.limit", "203.0.113.7")
    with pytest.raises(RateLimitedError) as caught:
        ratelimits.take("test.limit", "203.0.113.7")
    assert caught.value.code == "rate_limited"
    assert caught.value.status == 429
    assert 59 <= caught.value.retry_after <= 60
    # Another key has its own window.
    ratelimits.take("test.limit", "203.0.113.8")


def test_the_refusal_says_when_to_try_again_in_the_users_language(store):
    for _ in range(3):
        ratelimits.take("test.limit", "k")
    with translation.override("zh-hans"), pytest.raises(RateLimitedError) as chinese:
        ratelimits.take("test.limit", "k")
    assert chinese.value.message == "尝试次数过多。请 1 分钟后再试。"
    with translation.override("en"), pytest.raises(RateLimitedError) as english:
        ratelimits.take("test.limit", "k")
    assert english.value.message == "Too many attempts. Try again in 1 minute."


def test_try_again_rounds_up_to_minutes_then_hours():
    with translation.override("en"):
        assert ratelimits.try_again_in(1) == "Try again in 1 minute."
        assert ratelimits.try_again_in(61) == "Try again in 2 minutes."
        assert ratelimits.try_again_in(90 * 60) == "Try again in 90 minutes."
        assert ratelimits.try_again_in(90 * 60 + 1) == "Try again in 2 hours."
        assert ratelimits.try_again_in(23 * 3600 + 5) == "Try again in 24 hours."
    with translation.override("zh-hans"):
        assert ratelimits.try_again_in(600) == "请 10 分钟后再试。"
        assert ratelimits.try_again_in(5 * 3600) == "请 5 小时后再试。"


def test_recorded_events_block_at_the_allowed_count_and_clear(store):
    for _ in range(2):
        ratelimits.record("test.limit", "user:1")
    assert ratelimits.blocked_for("test.limit", "user:1") == 0
    ratelimits.record("test.limit", "user:1")
    assert 59 <= ratelimits.blocked_for("test.limit", "user:1") <= 60
    ratelimits.clear("test.limit", "user:1")
    assert ratelimits.blocked_for("test.limit", "user:1") == 0


def test_a_closed_window_starts_again_at_one(store, settings):
    for _ in range(3):
        ratelimits.take("test.limit", "k")
    key = ratelimits._key("test.limit", "k")
    # Let the window close: the clock is the one thing these tests move.
    if store == "database":
        RateCounter.objects.filter(key=key).update(expires_at=int(time.time() * 1000) - 1)
    else:
        redis_store = ratelimits.store()
        assert isinstance(redis_store, ratelimits.RedisStore)
        redis_store.client.pexpire(settings.RATE_LIMIT_REDIS_PREFIX + key, 1)
        time.sleep(0.01)
    ratelimits.take("test.limit", "k")
    ratelimits.take("test.limit", "k")
    ratelimits.take("test.limit", "k")
    with pytest.raises(RateLimitedError):
        ratelimits.take("test.limit", "k")


def test_keys_are_stored_hashed_never_as_typed(settings, db):
    settings.RATE_LIMIT_REDIS_URL = ""
    ratelimits.take("join.mobile", "13800138000")
    (stored,) = RateCounter.objects.values_list("key", flat=True)
    assert len(stored) == 64
    assert "13800138000" not in stored


def test_purge_drops_closed_windows_only(settings, db):
    settings.RATE_LIMIT_REDIS_URL = ""
    now = int(time.time() * 1000)
    RateCounter.objects.create(key="closed", count=1, expires_at=now - 1)
    RateCounter.objects.create(key="open", count=1, expires_at=now + 60_000)
    assert ratelimits.purge_expired() == 1
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["open"]


def concurrent_takes(count: int, *, close_connection: bool = False) -> list[bool]:
    """`count` threads take `test.limit` for one key at the same instant: who got through."""
    barrier = threading.Barrier(count)
    outcomes: list[bool] = []
    lock = threading.Lock()

    def attempt() -> None:
        barrier.wait()
        try:
            ratelimits.take("test.limit", "one-key")
            passed = True
        except RateLimitedError:
            passed = False
        finally:
            if close_connection:
                connection.close()
        with lock:
            outcomes.append(passed)

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_takes_on_postgresql_let_exactly_the_allowed_number_through(settings):
    if connection.vendor != "postgresql":
        pytest.fail("run this test with GONGHUI_DATABASE_URL pointing at PostgreSQL")
    settings.RATE_LIMIT_REDIS_URL = ""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "test.limit": (5, 60)}
    assert sorted(concurrent_takes(30, close_connection=True)) == [False] * 25 + [True] * 5
    assert RateCounter.objects.get().count == 30


def test_concurrent_takes_on_redis_let_exactly_the_allowed_number_through(settings, redis_store):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "test.limit": (3, 60)}
    assert sorted(concurrent_takes(30)) == [False] * 27 + [True] * 3
