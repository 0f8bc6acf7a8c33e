"""Hours of service from the actual times (ADR 0020): the rule, printed on every certificate.

- Counted from the arrival, but never before the shift starts (waiting and travel before it
  are not service); an arrival up to GRACE after the start counts from the start.
- Counted to the departure, but never after the shift ends (travel home is not service); a
  departure up to GRACE before the end counts to the end.
- No departure recorded: nothing is counted and the record is flagged until a correction
  with the departure is approved.
- Rounded per shift to half hours: up to 15 minutes of a half-hour unit count nothing, 16 to
  30 count the half hour (志愿山城's rule: ≤15 min → 0 h, ≤45 min → 0.5 h, ≤60 min → 1 h).
- Capped per day: at most DAILY_CAP_MINUTES credited on one local day (the shift's start
  day), which sign-up enforces on the schedule already.

Pure functions over aware datetimes: no query, no write. Integer minutes, never floats.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

GRACE = timedelta(minutes=10)
DAILY_CAP_MINUTES = 8 * 60
HALF_HOUR = 30
# The first minutes of a half-hour unit that count nothing.
ROUND_DOWN_MINUTES = 15
# Reporting for duty opens this long before the shift; departures are taken until this long
# after its end (the check-in window of the shift's checkpoint).
OPENS_BEFORE = timedelta(minutes=30)
CLOSES_AFTER = timedelta(hours=2)


@dataclass(frozen=True)
class Hours:
    served: int  # minutes inside the shift, before rounding
    credited: int  # minutes credited: rounded to half hours
    late: int  # minutes late beyond the grace (0: on time)
    missing_departure: bool


def rounded(minutes: int) -> int:
    """Minutes rounded to half hours by the rule: 15 → 0, 16 → 30, 45 → 30, 46 → 60."""
    return (minutes + HALF_HOUR - ROUND_DOWN_MINUTES - 1) // HALF_HOUR * HALF_HOUR


def of_stay(
    *, starts_at: datetime, ends_at: datetime, arrived_at: datetime, left_at: datetime | None
) -> Hours:
    """The hours of one stay at a shift from its actual arrival and departure."""
    late = arrived_at - starts_at
    late_minutes = int(late.total_seconds() // 60) if late > GRACE else 0
    if left_at is None:
        return Hours(served=0, credited=0, late=late_minutes, missing_departure=True)
    begin = starts_at if arrived_at <= starts_at + GRACE else arrived_at
    end = ends_at if left_at >= ends_at - GRACE else left_at
    served = max(0, int((end - begin).total_seconds() // 60))
    return Hours(
        served=served, credited=rounded(served), late=late_minutes, missing_departure=False
    )


def capped(credited: int, *, already_that_day: int) -> int:
    """What may still be credited on a day that has `already_that_day` minutes credited."""
    return max(0, min(credited, DAILY_CAP_MINUTES - already_that_day))
