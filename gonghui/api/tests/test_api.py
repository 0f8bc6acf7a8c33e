import json
import threading

import pytest
from django.db import connection
from django.test import Client

from gonghui.accounts.roles import Role
from gonghui.core.models import IdempotencyRecord
from gonghui.orgs.models import Org


def _post(client: Client, path: str, payload: dict[str, object], **headers: str):
    return client.post(path, json.dumps(payload), content_type="application/json", headers=headers)


def test_openapi_schema_is_served_without_auth(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/orgs" in schema["paths"]


def test_docs_page_loads_assets_locally(db):
    page = Client().get("/api/v1/docs").content.decode()
    assert "cdn." not in page
    assert "/static/ninja/" in page


def test_validation_errors_have_the_one_shape_in_chinese(tree, make_staff, api_client_for):
    client = api_client_for(make_staff(tree.hlg))
    response = _post(client, "/api/v1/orgs", {"parent_id": tree.hlg.pk, "kind": "station"})
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid",
        "message": "部分值无效。",
        "fields": {"name": ["此项为必填项。"]},
    }


def test_validation_errors_in_english_when_asked(tree, make_staff, api_client_for):
    client = api_client_for(make_staff(tree.hlg))
    response = _post(
        client,
        "/api/v1/orgs",
        {"parent_id": tree.hlg.pk, "kind": "station", "name": "x"},
        **{"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {"name": ["At least 2 characters."]}


def test_domain_errors_carry_their_code(tree, make_staff, api_client_for):
    client = api_client_for(make_staff(tree.hlg))
    response = _post(
        client,
        "/api/v1/orgs",
        {"parent_id": tree.station.pk, "name": "错放的总工会", "kind": "federation"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "kind_not_allowed"
    assert response.json()["fields"] == {"kind": ["该上级组织下不能设立此类型的组织。"]}


def test_stale_version_is_a_conflict(tree, make_staff, api_client_for):
    client = api_client_for(make_staff(tree.hlg))
    first = client.patch(
        f"/api/v1/orgs/{tree.hlg.pk}",
        json.dumps({"version": 1, "address": "A"}),
        content_type="application/json",
    )
    assert first.status_code == 200
    assert first.json()["version"] == 2
    second = client.patch(
        f"/api/v1/orgs/{tree.hlg.pk}",
        json.dumps({"version": 1, "address": "B"}),
        content_type="application/json",
    )
    assert second.status_code == 409
    assert second.json()["code"] == "stale_version"
    assert Org.objects.get(pk=tree.hlg.pk).address == "A"


def test_retry_with_the_same_idempotency_key_creates_once(tree, make_staff, api_client_for):
    client = api_client_for(make_staff(tree.hlg))
    payload = {"parent_id": tree.hlg.pk, "name": "育知东路驿站", "kind": "station"}
    first = _post(client, "/api/v1/orgs", payload, **{"Idempotency-Key": "k-1"})
    again = _post(client, "/api/v1/orgs", payload, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Org.objects.filter(name="育知东路驿站").count() == 1


def test_same_key_with_a_different_body_is_refused(tree, make_staff, api_client_for):
    client = api_client_for(make_staff(tree.hlg))
    _post(
        client,
        "/api/v1/orgs",
        {"parent_id": tree.hlg.pk, "name": "甲驿站", "kind": "station"},
        **{"Idempotency-Key": "k-2"},
    )
    other = _post(
        client,
        "/api/v1/orgs",
        {"parent_id": tree.hlg.pk, "name": "乙驿站", "kind": "station"},
        **{"Idempotency-Key": "k-2"},
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert not Org.objects.filter(name="乙驿站").exists()


def test_a_failed_first_attempt_leaves_the_key_free(tree, make_staff, api_client_for):
    client = api_client_for(make_staff(tree.hlg))
    bad = _post(
        client,
        "/api/v1/orgs",
        {"parent_id": tree.station.pk, "name": "错放", "kind": "federation"},
        **{"Idempotency-Key": "k-3"},
    )
    assert bad.status_code == 400
    # A 4xx answer is the answer: the same request replays it rather than trying again.
    replay = _post(
        client,
        "/api/v1/orgs",
        {"parent_id": tree.station.pk, "name": "错放", "kind": "federation"},
        **{"Idempotency-Key": "k-3"},
    )
    assert replay.content == bad.content
    assert IdempotencyRecord.objects.filter(key="k-3").count() == 1


def test_keys_are_per_caller(tree, make_staff, api_client_for):
    one = api_client_for(make_staff(tree.hlg))
    two = api_client_for(make_staff(tree.hlg))
    _post(
        one,
        "/api/v1/orgs",
        {"parent_id": tree.hlg.pk, "name": "一号驿站", "kind": "station"},
        **{"Idempotency-Key": "same"},
    )
    _post(
        two,
        "/api/v1/orgs",
        {"parent_id": tree.hlg.pk, "name": "二号驿站", "kind": "station"},
        **{"Idempotency-Key": "same"},
    )
    assert Org.objects.filter(name__in=["一号驿站", "二号驿站"]).count() == 2


def test_revoked_token_is_refused(tree, make_staff):
    from gonghui.accounts.actions import create_api_token, revoke_api_token

    staff = make_staff(tree.hlg)
    token, raw = create_api_token(actor=staff, name="x")
    revoke_api_token(actor=staff, token=token)
    response = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me")
    assert response.status_code == 401


def test_me_lists_grants_and_masks_the_mobile(tree, make_staff, api_client_for):
    staff = make_staff(tree.hlg, Role.REVIEWER, mobile="13911112222")
    body = api_client_for(staff).get("/api/v1/me").json()
    assert body["mobile_masked"] == "139****2222"
    assert [(g["org_name"], g["role"]) for g in body["grants"]] == [
        ("回龙观街道总工会", "reviewer")
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_create_one_org(tree, make_staff):
    if connection.vendor != "postgresql":
        pytest.fail("run this test with GONGHUI_DATABASE_URL pointing at PostgreSQL")
    from gonghui.accounts.actions import create_api_token

    _token, raw = create_api_token(actor=make_staff(tree.hlg), name="burst")
    payload = json.dumps({"parent_id": tree.hlg.pk, "name": "并发驿站", "kind": "station"})
    statuses: list[int] = []
    bodies: list[bytes] = []
    barrier = threading.Barrier(20)

    def send() -> None:
        client = Client(headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": "burst-1"})
        barrier.wait()
        response = client.post("/api/v1/orgs", payload, content_type="application/json")
        statuses.append(response.status_code)
        bodies.append(response.content)
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 20
    assert len(set(bodies)) == 1
    assert Org.objects.filter(name="并发驿站").count() == 1
