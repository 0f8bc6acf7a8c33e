"""The tallies the check-in mechanism counts (see gonghui.orgs.tallies), named once here, and
how each is recomputed from the rows and moved with a checkpoint handed to another org.

Each metric: who counts it; the rows that recompute it; the org and the day it counts at.

- `activities.registrations`: register; every registration ever created; the checkpoint's
  org; created_at.
- `checkins.<kind>` (activity, station, shift): every way in; every check-in; the
  checkpoint's org; checked_in_at.

Both count at the checkpoint's org, so `actions.move_checkpoint` carries a checkpoint's share
(`share_of`) to its new org with it.
"""

from django.db.models import CharField, F, Value
from django.db.models.functions import Concat, TruncDate

from gonghui.checkins.models import CheckIn, Checkpoint, Registration
from gonghui.orgs.tallies import Part, Share, Source, grouped, share

# The name predates the mechanism: registrations were the activities' first.
REGISTRATIONS = "activities.registrations"
CHECKINS_PREFIX = "checkins."


def checkins(kind: str) -> str:
    """Check-ins at checkpoints of this kind (`Checkpoint.Kind`)."""
    return f"{CHECKINS_PREFIX}{kind}"


CHECKINS = {checkins(kind): kind for kind in Checkpoint.Kind.values}
ACTIVITY_CHECKINS = checkins(Checkpoint.Kind.ACTIVITY)
STATION_CHECKINS = checkins(Checkpoint.Kind.STATION)
SHIFT_CHECKINS = checkins(Checkpoint.Kind.SHIFT)


def share_of(checkpoint: Checkpoint) -> Share:
    """What the checkpoint's registrations and check-ins add to its org's tallies, per day
    (two queries)."""
    registrations = Registration.objects.filter(checkpoint=checkpoint)
    visits = CheckIn.objects.filter(checkpoint=checkpoint)
    return share(registrations, metric=REGISTRATIONS, day="created_at") + share(
        visits, metric=checkins(checkpoint.kind), day="checked_in_at"
    )


def _registrations(wanted: set[str]) -> list[Part]:
    org, day = F("checkpoint__org_id"), TruncDate("created_at")
    return [(grouped(Registration.objects.all(), org=org, day=day, metric=REGISTRATIONS), 1)]


def _checkins(wanted: set[str]) -> list[Part]:
    # One pass over the check-ins for every kind asked for: it is the largest table.
    kinds = sorted(CHECKINS[m] for m in wanted)
    rows = CheckIn.objects.all()
    if len(kinds) < len(CHECKINS):
        rows = rows.filter(checkpoint__kind__in=kinds)
    metric = Concat(Value(CHECKINS_PREFIX), F("checkpoint__kind"), output_field=CharField())
    org, day = F("checkpoint__org_id"), TruncDate("checked_in_at")
    return [(grouped(rows, org=org, day=day, metric=metric), 1)]


SOURCES = [
    Source((REGISTRATIONS,), _registrations),
    Source(tuple(CHECKINS), _checkins),
]
