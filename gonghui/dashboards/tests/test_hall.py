"""The big screen's figures (dashboards.hall) with exact values, and its page and update
endpoint: activities and stations apart, the busiest five, the latest joins masked, the
scope and the number of queries per refresh."""

import re
from datetime import datetime, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gonghui.accounts.roles import Role
from gonghui.checkins import actions as checkins
from gonghui.checkins.models import Checkpoint
from gonghui.dashboards import hall
from gonghui.dashboards.tests.test_tallies import card_of
from gonghui.enterprises.actions import record_existing_union
from gonghui.members import actions as members
from gonghui.members.tests.factories import person

pytestmark = pytest.mark.django_db

SCREEN = reverse("dashboards:screen")


@pytest.fixture
def admin(tree, make_staff):
    return make_staff(tree.root, Role.FEDERATION_ADMIN)


def _today_at(hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time(hour, minute)))


def _member(admin, org, name: str | None = None):
    fields = person(name=name) if name else person()
    return members.import_member(actor=admin, org=org, joined_on=timezone.localdate(), **fields)


def _checkpoint(org, kind: str, title: str) -> Checkpoint:
    return Checkpoint.objects.create(
        org=org, kind=kind, title=title, requires_registration=False, allows_walk_ins=True
    )


def _scan(clerk, checkpoint, member, at) -> None:
    result = checkins.check_in_by_card(
        actor=clerk, checkpoint=checkpoint, card_code=card_of(member), at=at
    )
    assert result.ok, result.message


@pytest.fixture
def busy_day(tree, admin):
    """Six activities and a station at 回龙观/中关村, scanned at 09:xx and 10:xx today."""
    people = [_member(admin, tree.zgc) for _ in range(7)]
    activities = [_checkpoint(tree.zgc, "activity", f"活动{n}") for n in range(6)]
    # 活动0 has 6 check-ins, 活动1 5, … 活动5 1: the busiest five leave 活动5 out.
    for index, activity in enumerate(activities):
        for member in people[: 6 - index]:
            _scan(admin, activity, member, _today_at(9, 10))
    station = _checkpoint(tree.station, "station", "龙泽园驿站")
    for member in people[:4]:
        _scan(admin, station, member, _today_at(10, 20))
    return people


def test_activities_and_station_visits_are_apart_never_summed(tree, admin, busy_day):
    today = hall.hall(tree.root)
    assert today.activity_checkins_today == 6 + 5 + 4 + 3 + 2 + 1
    assert today.station_visits_today == 4
    assert today.activity_checkins_by_hour[9] == 21
    assert today.station_visits_by_hour[10] == 4
    assert sum(today.activity_checkins_by_hour) == 21
    assert sum(today.station_visits_by_hour) == 4
    assert [(b.title, b.checked_in) for b in today.busiest_activities] == [
        ("活动0", 6),
        ("活动1", 5),
        ("活动2", 4),
        ("活动3", 3),
        ("活动4", 2),
    ]
    assert [(b.title, b.checked_in) for b in today.busiest_stations] == [("龙泽园驿站", 4)]
    # The street's subtree holds the station only.
    street = hall.hall(tree.hlg)
    assert (street.activity_checkins_today, street.station_visits_today) == (0, 4)


def test_joins_applications_coverage_and_the_latest_joins_masked(tree, admin, make_enterprise):
    for name in ["王小明", "李雷", "欧阳娜娜"]:
        _member(admin, tree.zgc, name=name)
    record_existing_union(
        actor=admin,
        enterprise=make_enterprise(tree.zgc, headcount=300),
        union=tree.sohu,
        established_on=timezone.localdate(),
    )
    make_enterprise(tree.zgc, headcount=100)
    today = hall.hall(tree.zgc)
    assert (today.joined_today, today.members) == (3, 3)
    assert [join.name for join in today.latest_joins] == ["欧**娜", "李*", "王*明"]
    assert {join.union for join in today.latest_joins} == {tree.zgc.name}
    assert (today.enterprises, today.enterprises_with_union) == (2, 1)
    assert today.coverage_percent == 50.0
    assert (today.workers, today.workers_covered) == (400, 300)
    assert hall.hall(tree.hlg).latest_joins == []
    assert hall.hall(tree.hlg).coverage_percent is None


def test_the_screen_shows_the_figures_apart_and_the_names_masked(tree, admin, busy_day, client_for):
    _member(admin, tree.zgc, name="欧阳娜娜")
    page = client_for(admin).get(SCREEN, {"org": tree.root.pk}).content.decode()
    assert re.search(r'id="screen-activity-checkins">21<', page)
    assert re.search(r'id="screen-stations">4<', page)
    assert re.search(r'id="screen-joined-today">8<', page)
    assert "欧**娜" in page
    assert "欧阳娜娜" not in page
    assert "<title>活动0</title>" not in page  # short titles are not cut
    assert 'id="screen-fullscreen"' in page
    assert "screen.js" in page
    present = client_for(admin).get(SCREEN, {"org": tree.root.pk, "present": "1"})
    text = present.content.decode()
    assert 'class="screen present"' in text
    assert 'id="screen-fullscreen"' not in text
    poll = re.search(r'hx-get="([^"]+)"', text)
    assert poll
    assert "present=1" in poll[1]


def test_the_update_endpoint_is_a_partial_in_a_fixed_number_of_queries(
    tree, admin, busy_day, client_for
):
    client = client_for(admin)
    url = reverse("dashboards:screen")
    page = client.get(url, {"org": tree.root.pk}).content.decode()
    assert 'hx-trigger="every 5s"' in page
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"org": tree.root.pk}, headers={"HX-Request": "true"})
    _member(admin, tree.sohu)
    for _ in range(5):
        _member(admin, tree.zgc)
    with CaptureQueriesContext(connection) as more:
        partial = client.get(url, {"org": tree.root.pk}, headers={"HX-Request": "true"})
    text = partial.content.decode()
    assert "<html" not in text
    assert re.search(r'id="screen-joined-today">13<', text)
    # Session, user, roles, the org, then the figures: the same count however much data.
    assert len(more.captured_queries) == len(few.captured_queries) <= 16


def test_a_street_clerk_sees_only_their_subtree(tree, admin, busy_day, make_staff, client_for):
    clerk = client_for(make_staff(tree.hlg, Role.VIEWER))
    own = clerk.get(SCREEN, headers={"HX-Request": "true"}).content.decode()
    assert re.search(r'id="screen-activity-checkins">0<', own)
    assert re.search(r'id="screen-stations">4<', own)
    assert clerk.get(SCREEN, {"org": tree.zgc.pk}).status_code == 404
    assert (
        clerk.get(SCREEN, {"org": tree.root.pk}, headers={"HX-Request": "true"}).status_code == 404
    )
