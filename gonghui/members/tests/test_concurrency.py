"""Joining under concurrency, against PostgreSQL: retries with one Idempotency-Key create
exactly one application, and one person submitting under many keys at once gets exactly the
number of applications the per-number rate limit allows.

Run with GONGHUI_DATABASE_URL pointing at PostgreSQL (pytest -m postgres). The requests go
through the whole stack (middleware, API, action) with Django's test client, one thread per
client released together by a barrier. At most CONNECTIONS of them hold a database
connection at a time, as a server with that many worker threads would: the PostgreSQL
server's max_connections (100 by default) is shared with everything else on it.
"""

import json
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from gonghui.core.models import IdempotencyRecord
from gonghui.members import actions
from gonghui.members.models import Application
from gonghui.members.tests.factories import person

CONNECTIONS = 40

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("tallies_exact"),
]


@pytest.fixture
def event(tree, operator):
    if connection.vendor != "postgresql":
        pytest.fail("run this test with GONGHUI_DATABASE_URL pointing at PostgreSQL")
    now = timezone.now()
    return actions.create_recruitment_event(
        actor=operator,
        org=tree.zgc,
        enterprise=None,
        title="搜狐双沟通活动",
        place="搜狐媒体大厦",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=3),
    )


def burst(path: str, bodies: list[str], keys: list[str]) -> list[tuple[int, bytes]]:
    """Send every body with its key at once; the answers as (status, content)."""
    results: list[tuple[int, bytes]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(bodies))
    slots = threading.BoundedSemaphore(CONNECTIONS)
    lock = threading.Lock()

    def send(body: str, key: str) -> None:
        client = Client(headers={"Idempotency-Key": key, "Accept-Language": "en"})
        barrier.wait()
        try:
            with slots:
                try:
                    response = client.post(path, body, content_type="application/json")
                finally:
                    connection.close()
            with lock:
                results.append((response.status_code, response.content))
        except BaseException as error:  # reported by the main thread
            with lock:
                errors.append(error)

    threads = [
        threading.Thread(target=send, args=(body, key))
        for body, key in zip(bodies, keys, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(results) == len(bodies)
    return results


def form() -> dict[str, object]:
    return {**person(), "consent": True, "consent_version": settings.CONSENT_VERSION}


def test_200_concurrent_retries_with_one_key_create_one_application(event):
    body = json.dumps(form())
    results = burst(f"/api/v1/join/{event.code}", [body] * 200, ["burst-key-1"] * 200)
    assert [status for status, _content in results] == [202] * 200
    assert len({content for _status, content in results}) == 1
    application = Application.objects.get()
    answer = json.loads(results[0][1])
    assert answer["status"] == "received"
    assert answer["org_name"] == "中关村科学城总工会"
    assert application.receipt not in results[0][1].decode()
    assert application.submission_key == "burst-key-1"
    assert IdempotencyRecord.objects.filter(key="burst-key-1").count() == 1


def test_50_concurrent_submissions_for_one_number_store_exactly_the_allowed_three(event):
    assert settings.RATE_LIMITS["join.mobile"] == (3, 3600)
    body = json.dumps(form())
    keys = [f"person-key-{n}" for n in range(50)]
    results = burst(f"/api/v1/join/{event.code}", [body] * 50, keys)
    statuses = sorted(status for status, _content in results)
    assert statuses == [202] * 3 + [429] * 47
    accepted = {content for status, content in results if status == 202}
    assert len(accepted) == 1  # the same answer, whichever three got through
    refused = [json.loads(content) for status, content in results if status == 429]
    assert {answer["code"] for answer in refused} == {"rate_limited"}
    assert Application.objects.count() == 3
    assert set(Application.objects.values_list("submission_key", flat=True)) <= set(keys)
