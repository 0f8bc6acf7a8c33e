"""Schemathesis drives every operation of the published OpenAPI document with generated
input, as a stranger, a staff member and a union member, and checks each answer: never a
server error, a status code, content type and body that the document declares.

Bounded in time and reproducible: a fixed seed, derandomized generation, the boundary cases
of the coverage phase and five fuzzed examples per operation, no shrinking. It runs
in-process against the real WSGI handler (CSRF enforced), inside the test's transaction.

It runs once, in the PostgreSQL run of the suite (marker `postgres`): about two and a half
minutes on the 2-core CI machine, and PostgreSQL is the production database and the stricter
of the two (it refuses an out-of-range integer where SQLite would store it).
"""

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from ninja.responses import NinjaJSONEncoder
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gonghui.accounts.actions import create_api_token
from gonghui.accounts.models import User
from gonghui.accounts.roles import Role
from gonghui.api.api import api
from gonghui.benefits.tests.factories import make_member, make_offer, make_provider, make_service

pytestmark = pytest.mark.postgres

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20261207,
        # The tests send real credentials themselves; generated ones (a random session
        # cookie) would only meet the CSRF refusal, which test_bad_input covers, and its
        # warning would log the generated path.
        "generation": {
            "max-examples": 5,
            "deterministic": True,
            "no-shrink": True,
            "with-security-parameters": False,
        },
        "phases": {
            "examples": {"enabled": False},
            "coverage": {"enabled": True},
            "stateful": {"enabled": False},
        },
    }
)


@pytest.fixture(autouse=True)
def _one_connection() -> Iterator[None]:
    """The requests go through the real WSGI handler, which closes the database connection
    after each one; here that connection holds the test's transaction (Django's test client
    keeps it open the same way)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(tree, operator, make_staff, settings) -> dict[str, str]:
    """A small world to hit (orgs, a provider with an offer, a member with an account) and a
    bearer token for each caller; rate limits high enough that generated sign-ins and joins
    are judged on their input, not throttled."""
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, (10**6, 60))
    staff = make_staff(tree.root, Role.ORG_ADMIN)
    provider = make_provider(operator, tree.hlg)
    make_offer(operator, make_service(operator, provider))
    member = make_member(operator, tree.hlg, user=True)
    assert member.user is not None
    member_user = User.objects.get(pk=member.user.pk)
    return {
        "staff": "Bearer " + create_api_token(actor=staff, name="fuzz")[1],
        "member": "Bearer " + create_api_token(actor=member_user, name="fuzz")[1],
    }


# One world per operation, shared by its examples on purpose: the examples only need rows to
# hit, and building the world per example would multiply the run time. No deadline: the first
# request of an operation may be slow while caches warm.
SHARED_WORLD = hypothesis_settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)

# The document as /api/v1/openapi.json serves it (JSON: status codes become strings).
schema = schemathesis.openapi.from_dict(
    json.loads(json.dumps(api.get_openapi_schema(), cls=NinjaJSONEncoder)), config=CONFIG
)
schema.app = WSGIHandler()  # what from_wsgi sets; loading the document needs no request then


def _call(case: Any, authorization: str | None) -> None:
    headers = {"Accept-Language": "en"}
    if authorization:
        headers["Authorization"] = authorization
    case.call_and_validate(headers=headers, checks=CHECKS)


@schema.parametrize()
@SHARED_WORLD
def test_every_operation_answers_a_stranger_as_documented(case: Any, fuzz_world: Any) -> None:
    _call(case, None)


@schema.parametrize()
@SHARED_WORLD
def test_every_operation_answers_staff_as_documented(case: Any, fuzz_world: Any) -> None:
    _call(case, fuzz_world["staff"])


@schema.parametrize()
@SHARED_WORLD
def test_every_operation_answers_a_member_as_documented(case: Any, fuzz_world: Any) -> None:
    _call(case, fuzz_world["member"])
