"""The tallies volunteer service counts (see gonghui.orgs.tallies), named once here, and how
each is recomputed from the rows.

- `volunteers.signups`: `actions.sign_up` and `swap_shift`; every shift registration ever
  made; the shift checkpoint's org (the organiser); created_at.
- `volunteers.minutes`: `certify_hours` and an approved correction (which certifies); every
  Certification's minutes; the project's org; the shift's local start day (the day the hours
  count on).

Shift check-ins are `checkins.shift`, counted by the check-in mechanism. Projects never change
org, so there is nothing to move.
"""

from django.db.models import F, Sum
from django.db.models.functions import TruncDate

from gonghui.checkins.models import Registration
from gonghui.orgs.tallies import Part, Source, grouped
from gonghui.volunteers.models import Certification

SIGN_UPS = "volunteers.signups"
MINUTES = "volunteers.minutes"


def _sign_ups(wanted: set[str]) -> list[Part]:
    rows = Registration.objects.filter(checkpoint__kind="shift")
    org, day = F("checkpoint__org_id"), TruncDate("created_at")
    return [(grouped(rows, org=org, day=day, metric=SIGN_UPS), 1)]


def _minutes(wanted: set[str]) -> list[Part]:
    org, day = F("shift__project__org_id"), TruncDate("shift__starts_at")
    rows = grouped(
        Certification.objects.all(), org=org, day=day, metric=MINUTES, value=Sum("minutes")
    )
    return [(rows, 1)]


SOURCES = [Source((SIGN_UPS,), _sign_ups), Source((MINUTES,), _minutes)]
