"""Opening hours: open now, past midnight, around the clock, and how they read."""

from datetime import datetime, time

import pytest
from django.utils import timezone

from gonghui.stations.hours import hours_label, is_open, open_state, weekdays_label
from gonghui.stations.models import Station

pytestmark = pytest.mark.usefixtures("english")

# 2026-11-23 is a Monday.
MONDAY = (2026, 11, 23)


def local(day_offset: int, hour: int, minute: int = 0) -> datetime:
    year, month, day = MONDAY
    naive = datetime(year, month, day + day_offset, hour, minute)  # noqa: DTZ001 — made aware
    return timezone.make_aware(naive)


def station(**fields) -> Station:
    values = {"weekdays": "12345", "all_day": False, "opens": time(7, 0), "closes": time(21, 0)}
    values.update(fields)
    return Station(**values)


def test_a_day_span_on_weekdays():
    depot = station()
    assert not is_open(depot, local(0, 6, 59))
    assert is_open(depot, local(0, 7, 0))
    assert is_open(depot, local(0, 20, 59))
    assert not is_open(depot, local(0, 21, 0))
    assert not is_open(depot, local(5, 12, 0))  # Saturday
    assert hours_label(depot) == "Mon–Fri 07:00–21:00"


def test_a_span_past_midnight_belongs_to_the_day_it_opened():
    riders = station(weekdays="5", opens=time(18, 0), closes=time(2, 0))
    assert is_open(riders, local(4, 23, 0))  # Friday night
    assert is_open(riders, local(5, 1, 30))  # early Saturday
    assert not is_open(riders, local(5, 2, 0))
    assert not is_open(riders, local(0, 1, 0))  # early Monday: Sunday was closed
    assert hours_label(riders) == "Fri 18:00–02:00 (past midnight)"


def test_around_the_clock_on_its_days():
    always = station(weekdays="1234567", all_day=True, opens=None, closes=None)
    assert is_open(always, local(6, 3, 0))
    assert hours_label(always) == "Every day, around the clock"
    assert open_state(always, local(2, 4, 0)).message == "Open now, around the clock"


def test_open_now_says_until_and_closed_says_when_it_opens():
    depot = station()
    assert open_state(depot, local(0, 12, 0)).message == "Open now, until 21:00"
    assert open_state(depot, local(0, 6, 0)).message == "Closed now, opens at 07:00"
    assert open_state(depot, local(0, 22, 0)).message == "Closed now, opens tomorrow at 07:00"
    assert open_state(depot, local(4, 22, 0)).message == "Closed now, opens Mon at 07:00"
    assert open_state(depot, local(0, 22, 0)).is_open is False


@pytest.mark.parametrize(
    ("weekdays", "label"),
    [("1234567", "Every day"), ("123456", "Mon–Sat"), ("135", "Mon, Wed, Fri"), ("67", "Sat, Sun")],
)
def test_weekday_labels(weekdays, label):
    assert weekdays_label(weekdays) == label
