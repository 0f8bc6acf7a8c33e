"""The worker's own data over the API: JSON and .xlsx, unmasked, audited, rate-limited with
the JSON error shape; nobody else's rows; anonymous callers refused."""

import io

import openpyxl
import pytest
from django.test import Client

from gonghui.core.models import AuditEntry
from gonghui.members.own_data import moment
from gonghui.members.tests.own_data_world import make_world


@pytest.fixture
def world(tree, operator):
    return make_world(operator, tree)


def test_the_json_has_every_group_unmasked_and_is_audited(world, api_client_for):
    worker = world.worker
    response = api_client_for(worker.user).get("/api/v1/me/data", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    groups = {group["key"]: group for group in response.json()["groups"]}
    assert len(groups) == 24
    assert groups["account"] == {
        "key": "account",
        "title": "Account",
        "columns": ["Full name", "Mobile number", "Account created", "Last sign-in"],
        "rows": [["周骑手", "13900001234", moment(worker.user.date_joined), ""]],
    }
    assert groups["membership"]["rows"][0][4] == str(worker.member.id_number)
    # The token the test client authenticates with is the worker's own.
    assert [row[0] for row in groups["api_tokens"]["rows"]] == ["test"]
    assert [row[0] for row in groups["station_visits"]["rows"]] == ["龙泽园驿站"]
    text = response.content.decode()
    assert "吴快递" not in text
    assert "13900005678" not in text
    entry = AuditEntry.objects.get(action="members.personal_data.downloaded")
    assert (entry.actor_id, entry.changes) == (worker.user.pk, {"format": "json"})


def test_the_xlsx_over_the_api(world, api_client_for):
    response = api_client_for(world.worker.user).get("/api/v1/me/data.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="my-personal-data.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert len(book.sheetnames) == 24
    assert book["账号"]["B2"].value == "13900001234"
    assert AuditEntry.objects.get(action="members.personal_data.downloaded").changes == {
        "format": "xlsx"
    }


def test_over_the_limit_is_a_429_in_the_one_error_shape(world, api_client_for, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "personal_data.download": (1, 3600)}
    client = api_client_for(world.worker.user)
    assert client.get("/api/v1/me/data").status_code == 200
    refused = client.get("/api/v1/me/data.xlsx", headers={"Accept-Language": "en"})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert refused.json() == {
        "code": "rate_limited",
        "message": "Too many attempts. Try again in 60 minutes.",
        "fields": {},
    }
    assert AuditEntry.objects.filter(action="members.personal_data.downloaded").count() == 1


def test_anonymous_callers_are_refused(db):
    for path in ("/api/v1/me/data", "/api/v1/me/data.xlsx"):
        response = Client().get(path)
        assert response.status_code == 401
        assert set(response.json()) == {"code", "message", "fields"}


def test_the_operations_are_in_the_openapi_document(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert paths["/api/v1/me/data"]["get"]["operationId"] == "get_my_data"
    assert paths["/api/v1/me/data.xlsx"]["get"]["operationId"] == "download_my_data"
