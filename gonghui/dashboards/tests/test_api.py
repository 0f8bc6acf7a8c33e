"""GET /api/v1/dashboard/{tile}: the same figures as the page, for integrations."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from gonghui.accounts.roles import Role
from gonghui.api.api import api
from gonghui.enterprises.actions import record_existing_union
from gonghui.members import actions as members
from gonghui.members.tests.factories import person
from gonghui.orgs import tallies

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}
TILES = ["coverage", "recruitment", "membership", "activities", "benefits"]


@pytest.fixture
def admin(tree, make_staff):
    return make_staff(tree.root, Role.FEDERATION_ADMIN)


def test_coverage_for_a_subtree_and_period(tree, admin, make_enterprise, api_client_for):
    enterprise = make_enterprise(tree.zgc, headcount=250)
    record_existing_union(
        actor=admin, enterprise=enterprise, union=tree.sohu, established_on=date(2024, 6, 1)
    )
    make_enterprise(tree.zgc, headcount=40)
    client = api_client_for(admin)
    response = client.get(
        "/api/v1/dashboard/coverage",
        {"org": tree.zgc.pk, "start": "2024-01-01", "end": "2024-12-31"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["org"] == {"id": tree.zgc.pk, "name": "中关村科学城总工会"}
    assert body["period"] == {
        "start": "2024-01-01",
        "end": "2024-12-31",
        "previous_start": "2023-01-01",
        "previous_end": "2023-12-31",
    }
    assert body["enterprises"] == 2
    assert body["with_union"] == {"value": 1, "previous": 0, "change": 1, "percent": None}
    assert body["workers_covered"]["value"] == 250
    assert body["unions_founded"]["value"] == 1
    assert [row["count"] for row in body["cases_by_stage"]] == [0, 0, 0]


def test_every_tile_answers_with_its_documented_shape(tree, admin, api_client_for):
    today = timezone.localdate()
    members.import_member(actor=admin, org=tree.zgc, joined_on=today, **person())
    tallies.count(tree.station.pk, "checkins.station", 3, on=today)
    client = api_client_for(admin)
    for tile in TILES:
        response = client.get(f"/api/v1/dashboard/{tile}", {"period": "this_month"})
        assert response.status_code == 200, (tile, response.content)
        assert response.json()["org"]["name"] == "北京市总工会"
    membership = client.get("/api/v1/dashboard/membership", {"period": "this_month"}).json()
    assert membership["members"]["value"] == 1
    assert membership["monthly"] is False
    assert sum(point["joined"] for point in membership["series"]) == 1
    assert membership["series"][today.day - 1] == {
        "start": today.isoformat(),
        "joined": 1,
        "left": 0,
        "transferred_in": 0,
        "transferred_out": 0,
    }
    live = client.get("/api/v1/dashboard/live", {"org": tree.hlg.pk}).json()
    assert live["station_visits_today"] == 3
    assert live["activity_checkins_today"] == 0  # the visits are not check-ins at activities
    assert live["day"] == today.isoformat()
    documented = api.get_openapi_schema()["paths"]
    for tile in [*TILES, "live"]:
        assert f"/api/v1/dashboard/{tile}" in documented


def test_another_subtree_is_not_found(tree, make_staff, api_client_for):
    client = api_client_for(make_staff(tree.hlg, Role.VIEWER))
    response = client.get("/api/v1/dashboard/coverage", {"org": tree.desheng.pk})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert client.get("/api/v1/dashboard/live", {"org": tree.root.pk}).status_code == 404
    own = client.get("/api/v1/dashboard/coverage").json()
    assert own["org"]["name"] == "回龙观街道总工会"


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"start": "2026-05-01", "end": "2026-04-01"}, "invalid_period", "end"),
        ({"start": "2019-01-01", "end": "2026-01-01"}, "period_too_long", "end"),
        ({"start": "2026-05-01"}, "incomplete_period", "end"),
        ({"period": "someday"}, "invalid_preset", "period"),
    ],
)
def test_an_impossible_period_is_refused(tree, admin, api_client_for, params, code, field):
    response = api_client_for(admin).get("/api/v1/dashboard/benefits", params, headers=EN)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    assert list(body["fields"]) == [field]


def test_a_date_that_is_no_date_is_refused(tree, admin, api_client_for):
    response = api_client_for(admin).get(
        "/api/v1/dashboard/benefits", {"start": "31.12.2026", "end": "2026-12-31"}, headers=EN
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_a_period_compares_with_the_one_before(tree, api_client_for, admin):
    today = timezone.localdate()
    tallies.count(tree.zgc.pk, "benefits.redemptions", 4, on=today)
    tallies.count(tree.zgc.pk, "benefits.redemptions", 2, on=today - timedelta(days=1))
    body = (
        api_client_for(admin)
        .get(
            "/api/v1/dashboard/benefits",
            {"org": tree.district.pk, "start": today.isoformat(), "end": today.isoformat()},
        )
        .json()
    )
    assert body["redemptions"] == {"value": 4, "previous": 2, "change": 2, "percent": 100.0}
