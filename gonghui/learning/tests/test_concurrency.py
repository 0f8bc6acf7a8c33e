import threading

import pytest
from django.db import connection
from django.utils import timezone

from gonghui.learning import actions
from gonghui.learning.intervals import merge
from gonghui.learning.models import LessonProgress, ProgressEvent


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_phones_uploading_at_once_merge_exactly_and_count_each_interval_once(member, lesson):
    """Eight phones of one member upload overlapping intervals at once, each upload twice (a
    retry racing the original): the union is exact, no error, each client id stored once."""
    if connection.vendor != "postgresql":
        pytest.fail("run this test with GONGHUI_DATABASE_URL pointing at PostgreSQL")
    uploads = [
        [
            actions.PlayReport(f"p{phone}-{n}", lesson.pk, start, start + 7_000, timezone.now())
            for n, start in enumerate(range(phone * 5_000, phone * 5_000 + 30_000, 7_000))
        ]
        for phone in range(8)
    ]
    barrier = threading.Barrier(16)
    errors: list[str] = []

    def phone(reports: list[actions.PlayReport]) -> None:
        try:
            barrier.wait()
            actions.record_progress(member=member, reports=reports)
        except Exception as error:  # pragma: no cover — reported below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=phone, args=(upload,)) for upload in uploads * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    expected = merge([], [(r.start_ms, min(r.end_ms, 100_000)) for u in uploads for r in u])
    progress = LessonProgress.objects.get(member=member, lesson=lesson)
    assert [tuple(piece) for piece in progress.intervals] == expected
    assert progress.covered_ms == sum(b - a for a, b in expected)
    assert ProgressEvent.objects.count() == sum(len(u) for u in uploads)
    credited = sum(ProgressEvent.objects.values_list("credit_ms", flat=True))
    assert credited == progress.covered_ms
