"""Once ever at an activity, once a day at a station: the two partial unique constraints on
CheckIn and the `day` the actions stamp."""

from datetime import datetime, time, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from gonghui.checkins import actions
from gonghui.checkins.models import CheckIn, Checkpoint
from gonghui.members import actions as member_actions
from gonghui.members.tests.factories import person

# Every action test here leaves the dashboard tallies exact (see gonghui/conftest.py).
pytestmark = pytest.mark.usefixtures("tallies_exact")


def moment(day_offset: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=day_offset)
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


@pytest.fixture
def member(tree, operator):
    return member_actions.import_member(
        actor=operator, org=tree.zgc, joined_on=timezone.localdate(), **person()
    )


@pytest.fixture
def activity(tree) -> Checkpoint:
    """A two-day activity open to walk-ins."""
    return Checkpoint.objects.create(
        org=tree.zgc,
        kind="activity",
        title="两天的技能大赛",
        requires_registration=False,
        opens_at=moment(-1, 0),
        closes_at=moment(1, 23),
    )


@pytest.fixture
def station(tree) -> Checkpoint:
    return Checkpoint.objects.create(
        org=tree.station,
        kind="station",
        title="龙泽园驿站",
        requires_registration=False,
        allows_walk_ins=True,
        once_a_day=True,
    )


def test_an_activity_still_takes_one_check_in_ever_even_on_its_second_day(
    activity, member, english
):
    first = actions.check_in_by_poster(member=member, checkpoint=activity, at=moment(-1, 9))
    assert first.code == "checked_in"
    second_day = actions.check_in_by_poster(member=member, checkpoint=activity, at=moment(0, 9))
    assert (second_day.code, second_day.message) == (
        "already_checked_in",
        "Already checked in at 09:00.",
    )
    assert CheckIn.objects.get().day is None
    assert Checkpoint.objects.get(pk=activity.pk).checked_in == 1


def test_a_station_takes_one_check_in_a_day(station, member, english):
    assert actions.check_in_by_poster(member=member, checkpoint=station, at=moment(-1, 9)).ok
    same_day = actions.check_in_by_poster(member=member, checkpoint=station, at=moment(-1, 20))
    assert (same_day.code, same_day.message) == (
        "already_checked_in",
        "Already checked in today at 09:00.",
    )
    assert actions.check_in_by_poster(member=member, checkpoint=station, at=moment(0, 9)).ok
    assert list(CheckIn.objects.order_by("day").values_list("day", flat=True)) == [
        timezone.localdate() - timedelta(days=1),
        timezone.localdate(),
    ]
    assert Checkpoint.objects.get(pk=station.pk).checked_in == 2


@pytest.mark.tallies_bypassed  # writes check-in rows without the actions, on purpose
def test_the_database_refuses_a_second_row_whatever_the_caller(activity, station, member):
    """The constraints hold without the actions: NULL days (activities) may not repeat a member,
    and a station may not have two rows for a member on one day."""
    at = moment(0, 9)
    CheckIn.objects.create(checkpoint=activity, member=member, checked_in_at=at, method="card")
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(checkpoint=activity, member=member, checked_in_at=at, method="card")
    day = timezone.localdate()
    CheckIn.objects.create(
        checkpoint=station, member=member, checked_in_at=at, day=day, method="poster"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(
            checkpoint=station, member=member, checked_in_at=at, day=day, method="poster"
        )
    CheckIn.objects.create(
        checkpoint=station,
        member=member,
        checked_in_at=at,
        day=day - timedelta(days=1),
        method="poster",
    )
    assert CheckIn.objects.filter(checkpoint=station).count() == 2


def test_a_poster_scan_needs_an_active_member(station):
    result = actions.check_in_by_poster(member=None, checkpoint=station)
    assert (result.ok, result.code) == (False, "not_a_member")
