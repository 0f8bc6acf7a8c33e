"""The demo's web application answers "loading" until the demo data is there, then is the
ordinary application."""

from collections.abc import Iterable

import pytest
from django.test import RequestFactory

from gonghui.demo import wsgi
from gonghui.orgs.models import Org, OrgKind

# The gate closes its database connection after each look, which a test's transaction would
# not survive: these tests commit.
pytestmark = pytest.mark.django_db(transaction=True)


def _get(path: str) -> tuple[str, dict[str, str], str]:
    statuses: list[str] = []
    headers: dict[str, str] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        statuses.append(status)
        headers.update(response_headers)

    environ = RequestFactory().get(path, HTTP_HOST="127.0.0.1:8000").environ
    body: Iterable[bytes] = wsgi.application(environ, start_response)
    return statuses[0], headers, b"".join(body).decode()


@pytest.fixture(autouse=True)
def _gate_closed(settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    wsgi._loaded = False
    yield
    wsgi._loaded = False


def test_while_the_data_loads_every_page_answers_loading_in_chinese():
    status, headers, text = _get("/")
    assert status == "503 Service Unavailable"
    assert headers["Retry-After"] == "2"
    assert headers["Cache-Control"] == "no-store"
    assert "正在载入演示数据……准备好后本页会自动刷新。" in text
    assert '<meta http-equiv="refresh" content="2">' in text
    assert _get("/staff/login/")[0] == "503 Service Unavailable"


def test_once_a_union_exists_the_pages_are_the_applications():
    assert _get("/")[0] == "503 Service Unavailable"
    Org.objects.create(name="北京市总工会", kind=OrgKind.FEDERATION, path="00001")
    status, _headers, text = _get("/")
    assert status == "200 OK"
    assert "正在载入演示数据" not in text
    Org.objects.all().delete()
    assert _get("/")[0] == "200 OK"  # once open, the gate stays open in this process
