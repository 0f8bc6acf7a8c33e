"""Stations in the API: public reads, staff writes and figures, members' visits by code."""

import json
from datetime import time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from gonghui.api.api import api
from gonghui.checkins.models import CheckIn
from gonghui.stations import actions, codes
from gonghui.stations.models import Station

EN = {"Accept-Language": "en"}


def post(client: Client, path: str, body: dict[str, Any], **headers) -> Any:
    return client.post(
        path, json.dumps(body), content_type="application/json", headers={**EN, **headers}
    )


def patch(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.patch(path, json.dumps(body), content_type="application/json", headers=EN)


@pytest.fixture
def listed(tree, station, make_station, hlg_staff):
    desheng = make_station(tree.desheng, name="德胜门驿站", district="西城区", street="德胜")
    closed = make_station(tree.hlg, name="已撤站点")
    actions.set_station_active(actor=hlg_staff, station=closed, active=False)
    return station, desheng


def test_anyone_lists_and_reads_active_stations(listed):
    station, _desheng = listed
    client = Client()
    response = client.get("/api/v1/stations", {"district": "昌平区"}, headers=EN)
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["name"] for item in items] == ["龙泽园驿站"]
    item = items[0]
    assert item["amenities"] == ["water", "charging", "rest"]
    assert item["hours"] == "Every day, around the clock"
    assert (item["open_now"], item["open_state"]) == (True, "Open now, around the clock")
    assert (item["operator_name"], item["phone"]) == ("龙泽园驿站", "010-81790001")
    assert "visit_code" not in item
    assert "is_active" not in item
    assert client.get(f"/api/v1/stations/{station.pk}").json()["name"] == "龙泽园驿站"
    closed = Station.objects.get(name="已撤站点")
    assert client.get(f"/api/v1/stations/{closed.pk}").status_code == 404
    areas = client.get("/api/v1/stations/areas").json()
    assert areas == [
        {"district": "昌平区", "street": "回龙观", "stations": 1},
        {"district": "西城区", "street": "德胜", "stations": 1},
    ]
    amenity = client.get("/api/v1/stations", {"amenity": "microwave"}).json()
    assert amenity["count"] == 0


def test_staff_create_and_update_with_versions(tree, hlg_staff, api_client_for):
    client = api_client_for(hlg_staff)
    created = post(
        client,
        "/api/v1/stations",
        {
            "org_id": tree.station.pk,
            "name": "回龙观东大街饿了么骑手站",
            "district": "昌平区",
            "street": "回龙观",
            "address": "回龙观东大街338号院东侧",
            "opens": "10:00",
            "closes": "02:00",
            "amenities": ["water", "microwave"],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    station = Station.objects.get(pk=body["id"])
    assert body["visit_code"] == codes.poster_code(station)
    assert (body["version"], body["is_active"], body["visits_total"]) == (1, True, 0)
    assert body["hours"] == "Every day 10:00–02:00 (past midnight)"
    path = f"/api/v1/stations/{station.pk}"
    updated = patch(client, path, {"version": 1, "hours_note": "午晚高峰免费热饭"})
    assert updated.status_code == 200
    assert (updated.json()["version"], updated.json()["hours_note"]) == (2, "午晚高峰免费热饭")
    assert updated.json()["opens"] == "10:00"
    stale = patch(client, path, {"version": 1, "name": "改名"})
    assert (stale.status_code, stale.json()["code"]) == (409, "stale")
    off = patch(client, path, {"version": 2, "is_active": False})
    assert (off.status_code, off.json()["is_active"]) == (200, False)
    bad = patch(client, path, {"version": 3, "amenities": ["sauna"]})
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_choice")
    assert bad.json()["fields"] == {"amenities": ["Choose amenities from the list."]}


def test_a_write_with_the_same_idempotency_key_creates_one_station(tree, hlg_staff, api_client_for):
    client = api_client_for(hlg_staff)
    body = {
        "org_id": tree.station.pk,
        "name": "龙华园菜鸟驿站",
        "district": "昌平区",
        "street": "回龙观",
        "address": "龙华园一区6号楼底商",
        "all_day": True,
    }
    first = post(client, "/api/v1/stations", body, **{"Idempotency-Key": "station-1"})
    again = post(client, "/api/v1/stations", body, **{"Idempotency-Key": "station-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert Station.objects.count() == 1


def test_visit_figures_for_the_callers_subtree(listed, member, hlg_staff, api_client_for):
    station, _desheng = listed
    actions.record_visit(member=member, code=codes.poster_code(station))
    response = api_client_for(hlg_staff).get("/api/v1/stations/visits")
    assert response.status_code == 200
    items = {item["name"]: item for item in response.json()["items"]}
    assert set(items) == {"龙泽园驿站", "已撤站点"}
    assert (items["龙泽园驿站"]["visits"], items["龙泽园驿站"]["visitors"]) == (1, 1)
    assert items["龙泽园驿站"]["date_to"] == timezone.localdate().isoformat()
    reversed_ = api_client_for(hlg_staff).get(
        "/api/v1/stations/visits", {"date_from": "2026-11-20", "date_to": "2026-11-01"}, headers=EN
    )
    assert (reversed_.status_code, reversed_.json()["code"]) == (400, "invalid_period")


def test_a_member_records_a_visit_once_a_day(station, member, api_client_for):
    client = api_client_for(member.user)
    path = f"/api/v1/stations/{station.pk}/visits"
    code = codes.poster_code(station)
    first = post(client, path, {"code": code}, **{"Idempotency-Key": "visit-1"})
    assert first.status_code == 201
    assert (first.json()["ok"], first.json()["code"]) == (True, "checked_in")
    replay = post(client, path, {"code": code}, **{"Idempotency-Key": "visit-1"})
    assert replay.json() == first.json()
    again = post(client, path, {"code": code}, **{"Idempotency-Key": "visit-2"})
    visit = CheckIn.objects.get()
    time_text = timezone.localtime(visit.checked_in_at).strftime("%H:%M")
    assert again.status_code == 200
    assert again.json()["code"] == "already_checked_in"
    assert again.json()["message"] == f"Already checked in today at {time_text}."


def test_visit_refusals_have_their_codes(tree, station, make_station, member, api_client_for):
    client = api_client_for(member.user)
    path = f"/api/v1/stations/{station.pk}/visits"
    other = make_station(tree.hlg, name="云趣园驿站", opens=time(7), closes=time(21))
    for code, expected in (
        ("nonsense", "code_malformed"),
        (f"GS1.{station.pk}.AAAAAAAAAAAAAAAA", "code_invalid"),
        (codes.poster_code(other), "wrong_station"),
    ):
        response = post(client, path, {"code": code})
        assert (response.status_code, response.json()["code"]) == (400, expected)
    empty = post(client, path, {"code": ""})
    assert (empty.status_code, empty.json()["code"]) == (422, "invalid")
    assert CheckIn.objects.count() == 0


def test_staff_without_a_membership_get_not_a_member(station, hlg_staff, api_client_for):
    response = post(
        api_client_for(hlg_staff),
        f"/api/v1/stations/{station.pk}/visits",
        {"code": codes.poster_code(station)},
    )
    assert (response.status_code, response.json()["code"]) == (403, "not_a_member")


def test_the_schema_documents_the_public_operations():
    schema = api.get_openapi_schema()
    operations = {
        op["operationId"]: op
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/stations")
        for op in item.values()
    }
    assert set(operations) == {
        "list_stations",
        "list_station_areas",
        "get_station",
        "create_station",
        "update_station",
        "list_station_visits",
        "record_station_visit",
    }
    public = {name for name, op in operations.items() if not op.get("security")}
    assert public == {"list_stations", "list_station_areas", "get_station"}
