"""The tallies the learning app counts (see gonghui.orgs.tallies), named once here.

- `learning.listened_ms`: record_progress; the milliseconds each report newly added to a
  member's union of played intervals (ProgressEvent.credit_ms); at the member's union when
  they first played the lesson (ProgressEvent.org); the day the server received it.
- `learning.completions`: record_progress, read_article; lessons completed (LessonProgress with
  completed_at); LessonProgress.org; completed_at.

Both count at the org stored on the row, which never changes, so nothing moves with a transfer.
"""

from django.db.models import F, Sum
from django.db.models.functions import TruncDate

from gonghui.learning.models import LessonProgress, ProgressEvent
from gonghui.orgs.tallies import Part, Source, grouped

LISTENED_MS = "learning.listened_ms"
COMPLETIONS = "learning.completions"


def _parts(wanted: set[str]) -> list[Part]:
    parts: list[Part] = []
    if LISTENED_MS in wanted:
        credited = ProgressEvent.objects.filter(credit_ms__gt=0)
        day = TruncDate("received_at")
        parts.append(
            (
                grouped(
                    credited, org=F("org_id"), day=day, metric=LISTENED_MS, value=Sum("credit_ms")
                ),
                1,
            )
        )
    if COMPLETIONS in wanted:
        done = LessonProgress.objects.filter(completed_at__isnull=False)
        day = TruncDate("completed_at")
        parts.append((grouped(done, org=F("org_id"), day=day, metric=COMPLETIONS), 1))
    return parts


SOURCES = [Source((LISTENED_MS, COMPLETIONS), _parts)]
