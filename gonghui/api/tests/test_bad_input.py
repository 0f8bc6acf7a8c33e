"""Bad input to every operation is a 4xx in the one error shape, never a 500 or an HTML page.

The operations are read from the published OpenAPI document, so a new list or a new path with
an id is covered here without anyone adding it.
"""

import json
import re
from typing import Any

import pytest
from django.test import Client

from gonghui.api.api import api
from gonghui.api.pagination import MAX_PAGE, MAX_PAGE_SIZE

SCHEMA: dict[str, Any] = api.get_openapi_schema()
HUGE = "100000000000000000000"  # 10**20: more than any database integer holds
LARGEST_ID = str(2**63 - 1)
EN = {"Accept-Language": "en"}


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in SCHEMA["paths"].items()
        for method, operation in methods.items()
    ]


def _parameters(operation: dict[str, Any], where: str) -> list[dict[str, Any]]:
    return [p for p in operation.get("parameters", []) if p["in"] == where]


def _types(parameter: dict[str, Any]) -> set[str]:
    schema = parameter["schema"]
    return {s.get("type", "") for s in schema.get("anyOf", [schema])}


def _formats(parameter: dict[str, Any]) -> set[str]:
    schema = parameter["schema"]
    return {s.get("format", "") for s in schema.get("anyOf", [schema])}


def _id_params(path: str) -> list[str]:
    return re.findall(r"{(\w+_id)}", path)


def _fill(path: str, **values: str) -> str:
    """The path with every parameter set: `values` where given, else 1 (or "x" for text)."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        return values.get(name, "1" if name.endswith("_id") else "x")

    return re.sub(r"{(\w+)}", one, path)


def _required(operation: dict[str, Any]) -> list[str]:
    return [q["name"] for q in _parameters(operation, "query") if q.get("required")]


LISTS = [(m, p, o) for m, p, o in _operations() if _parameters(o, "query") and m == "GET"]
PAGED = [
    (m, p, o) for m, p, o in LISTS if any(q["name"] == "page" for q in _parameters(o, "query"))
]
WITH_IDS = [(m, p, o) for m, p, o in _operations() if _id_params(p)]
DATE_PARAMS = [
    (p, q["name"], _required(o))
    for m, p, o in LISTS
    for q in _parameters(o, "query")
    if "date" in _formats(q)
]
INT_QUERY_PARAMS = [
    (p, q["name"])
    for m, p, o in LISTS
    for q in _parameters(o, "query")
    if "integer" in _types(q) and q["name"] not in {"page", "page_size"}
]


# A member's own lists and reads: a caller without a membership is told so (404).
MEMBERS_ONLY = {
    "/api/v1/me/registrations",
    "/api/v1/me/claims",
    "/api/v1/me/claims/{claim_id}",
    "/api/v1/volunteers/shifts",
}


def _call(client: Client, method: str, path: str, query: str = "") -> Any:
    url = path + (f"?{query}" if query else "")
    if method == "GET":
        return client.get(url, headers=EN)
    return client.generic(method, url, "{}", content_type="application/json", headers=EN)


def _name(case: tuple[Any, ...]) -> str:
    return " ".join(part for part in case if isinstance(part, str))


@pytest.fixture
def staff_api(tree, operator, api_client_for):
    return api_client_for(operator)


def test_the_enumeration_finds_the_operations_it_means():
    # Guards the generated lists themselves: were the document's shape to change, they could
    # quietly become empty and every test below would pass without checking anything.
    assert len(PAGED) >= 15
    assert len(WITH_IDS) >= 40
    assert ("/api/v1/members", "joined_to", []) in DATE_PARAMS
    assert ("/api/v1/benefits/usage", "end", ["org_id"]) in DATE_PARAMS
    assert ("/api/v1/orgs", "within") in INT_QUERY_PARAMS


@pytest.mark.parametrize(("method", "path", "operation"), PAGED, ids=map(_name, PAGED))
@pytest.mark.parametrize(
    ("page", "message"),
    [
        (HUGE, "The value is too large."),
        (str(MAX_PAGE + 1), "The value is too large."),
        ("0", "The value is too small."),
        ("x", "Enter a whole number."),
    ],
)
def test_every_list_refuses_a_page_out_of_range(staff_api, method, path, operation, page, message):
    response = _call(staff_api, method, _fill(path), f"page={page}")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {
        "code": "invalid",
        "message": "Some values are not valid.",
        "fields": {"page": [message]},
    }


@pytest.mark.parametrize(("method", "path", "operation"), PAGED, ids=map(_name, PAGED))
def test_every_list_refuses_an_oversized_page(staff_api, method, path, operation):
    # Most lists take MAX_PAGE_SIZE; a list may declare its own maximum (attendance does).
    (size,) = [q for q in _parameters(operation, "query") if q["name"] == "page_size"]
    largest = max(s.get("maximum", 0) for s in size["schema"].get("anyOf", [size["schema"]]))
    assert largest >= MAX_PAGE_SIZE
    response = _call(staff_api, method, _fill(path), f"page_size={largest + 1}")
    assert response.status_code == 422
    assert response.json()["fields"] == {"page_size": ["The value is too large."]}


@pytest.mark.parametrize(("method", "path", "operation"), PAGED, ids=map(_name, PAGED))
def test_every_list_answers_an_empty_page_past_its_end(staff_api, method, path, operation):
    response = _call(staff_api, method, _fill(path), f"page={MAX_PAGE}&page_size={MAX_PAGE_SIZE}")
    if path in MEMBERS_ONLY:
        # The caller (an operator) has no membership of their own to list.
        assert response.status_code == 404
        assert response.json()["code"] == "no_membership"
    elif _id_params(path):
        # The list of a row that must exist (activity 1 does not): 404 before paging.
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    else:
        assert response.status_code == 200
        assert response.json()["items"] == []


def test_the_public_station_list_refuses_a_huge_page_to_anyone(db):
    response = Client().get(f"/api/v1/stations?page={HUGE}", headers=EN)
    assert response.status_code == 422
    assert response.json()["fields"] == {"page": ["The value is too large."]}


@pytest.mark.parametrize(("method", "path", "operation"), WITH_IDS, ids=map(_name, WITH_IDS))
def test_every_path_id_that_is_not_a_number_is_the_json_404(staff_api, method, path, operation):
    for name in _id_params(path):
        response = _call(staff_api, method, _fill(path, **{name: "abc"}))
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response.json() == {"code": "not_found", "message": "Not found.", "fields": {}}


@pytest.mark.parametrize(("method", "path", "operation"), WITH_IDS, ids=map(_name, WITH_IDS))
@pytest.mark.parametrize(
    ("value", "message"),
    [
        (HUGE, "The value is too large."),
        ("0", "The value is too small."),
        ("-1", "The value is too small."),
    ],
)
def test_every_path_id_out_of_range_is_refused(staff_api, method, path, operation, value, message):
    for name in _id_params(path):
        response = _call(staff_api, method, _fill(path, **{name: value}))
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "invalid"
        assert body["fields"][name] == [message]


GETS_BY_ID = [(m, p, o) for m, p, o in WITH_IDS if m == "GET"]


@pytest.mark.parametrize(("method", "path", "operation"), GETS_BY_ID, ids=map(_name, GETS_BY_ID))
def test_every_read_by_the_largest_id_is_not_found(staff_api, method, path, operation):
    values = dict.fromkeys(_id_params(path), LARGEST_ID)
    response = _call(staff_api, method, _fill(path, **values))
    assert response.status_code == 404
    # The caller (an operator) has no membership, which a member's own reads say first.
    expected = "no_membership" if path in MEMBERS_ONLY else "not_found"
    assert response.json()["code"] == expected


@pytest.mark.parametrize(("path", "name"), INT_QUERY_PARAMS, ids=map(_name, INT_QUERY_PARAMS))
def test_every_whole_number_filter_out_of_range_is_refused(staff_api, path, name):
    response = staff_api.get(f"{_fill(path)}?{name}={HUGE}", headers=EN)
    assert response.status_code == 422
    assert response.json()["fields"][name] == ["The value is too large."]


@pytest.mark.parametrize(("path", "name", "required"), DATE_PARAMS, ids=map(_name, DATE_PARAMS))
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("20261301", "Enter a date as YYYY-MM-DD."),
        ("2026-13-45", "Enter a date as YYYY-MM-DD."),
        ("1700000000", "Enter a date as YYYY-MM-DD."),
        ("2026-05-01T00:00:00", "Enter a date as YYYY-MM-DD."),
        ("9999-12-31", "Enter a year from 1900 to 2999."),
    ],
)
def test_every_malformed_day_is_refused_with_its_field(
    staff_api, tree, path, name, required, value, message
):
    # Required filters (an org) get a valid value, so that the day is the only error.
    query = "&".join([f"{name}={value}", *(f"{other}={tree.hlg.pk}" for other in required)])
    response = staff_api.get(f"{_fill(path)}?{query}", headers=EN)
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid",
        "message": "Some values are not valid.",
        "fields": {name: [message]},
    }


def test_bulk_approve_refuses_an_id_no_database_holds(staff_api):
    response = staff_api.post(
        "/api/v1/applications/approve",
        '{"ids": [100000000000000000000]}',
        content_type="application/json",
        headers=EN,
    )
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid",
        "message": "Some values are not valid.",
        "fields": {"ids.0": ["The value is too large."]},
    }


def test_integers_in_a_body_are_bounded_by_their_column(staff_api, tree):
    response = staff_api.post(
        "/api/v1/enterprises",
        json.dumps(
            {
                "org_id": tree.hlg.pk,
                "name": "某某公司",
                "credit_code": "x",
                "industry": "I",
                "headcount": 2**31,
            }
        ),
        content_type="application/json",
        headers=EN,
    )
    assert response.status_code == 422
    assert response.json()["fields"]["headcount"] == ["The value is too large."]
    response = staff_api.patch(
        f"/api/v1/orgs/{tree.hlg.pk}",
        json.dumps({"version": 2**31}),
        content_type="application/json",
        headers=EN,
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {"version": ["The value is too large."]}


def test_a_time_written_as_a_number_is_refused(staff_api, tree):
    response = staff_api.post(
        "/api/v1/activities",
        json.dumps(
            {
                "org_id": tree.hlg.pk,
                "title": "读书会",
                "category": "study",
                "audience": "members",
                "place": "会议室",
                "starts_at": 1_800_000_000,
                "ends_at": "2027-01-01T10:00:00+08:00",
            }
        ),
        content_type="application/json",
        headers=EN,
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {
        "starts_at": ["Enter a date and time in ISO 8601, e.g. 2026-05-01T09:30:00+08:00."]
    }


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "DELETE"])
@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here", "/api/v2/orgs", "/api/", "/api/v1/orgs/1/x"]
)
def test_unknown_api_paths_answer_the_json_404(db, method, path):
    response = Client().generic(method, path, headers=EN)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {"code": "not_found", "message": "Not found.", "fields": {}}


def test_the_404_is_in_chinese_by_default(db):
    response = Client().get("/api/v1/orgs/abc")
    assert response.json() == {"code": "not_found", "message": "未找到。", "fields": {}}


def test_a_session_write_without_its_csrf_token_is_refused_in_the_json_shape(
    tree, make_staff, signed_in
):
    client = signed_in(Client(enforce_csrf_checks=True), make_staff(tree.hlg))
    response = client.post(
        "/api/v1/orgs",
        json.dumps({"parent_id": tree.hlg.pk, "name": "新驿站", "kind": "station"}),
        content_type="application/json",
        headers=EN,
    )
    assert response.status_code == 403
    assert response.json() == {
        "code": "csrf_failed",
        "message": "Send the CSRF token with a signed-in session, or use an API token.",
        "fields": {},
    }
