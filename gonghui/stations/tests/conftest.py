"""Fixtures for the station tests: stations made through the actions, members who can sign in."""

from collections.abc import Callable
from datetime import time
from typing import Any

import pytest
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.members import actions as member_actions
from gonghui.members.models import Member
from gonghui.members.tests.factories import person
from gonghui.orgs.models import Org
from gonghui.stations.actions import StationDetails, create_station
from gonghui.stations.models import Station


@pytest.fixture
def hlg_staff(tree, make_staff):
    return make_staff(tree.hlg, "operator", name="刘芳")


@pytest.fixture
def make_station(operator) -> Callable[..., Station]:
    def make(org: Org, **overrides: Any) -> Station:
        values: dict[str, Any] = {
            "name": "龙泽园驿站",
            "district": "昌平区",
            "street": "回龙观",
            "address": "龙泽园小区西门南侧",
            "weekdays": "1234567",
            "opens": time(7, 0),
            "closes": time(21, 0),
            "amenities": ["water", "charging", "rest"],
            "phone": "010-81790001",
        }
        actor = overrides.pop("actor", operator)
        values.update(overrides)
        return create_station(actor=actor, org=org, details=StationDetails(**values))

    return make


@pytest.fixture
def station(tree, make_station):
    """Open every day around the clock, so tests never depend on the hour they run at."""
    return make_station(tree.station, all_day=True, opens=None, closes=None)


@pytest.fixture
def make_member(operator) -> Callable[..., Member]:
    def make(org: Org, *, mobile: str | None = None, **overrides: Any) -> Member:
        values = person(**overrides)
        if mobile:
            values["mobile"] = mobile
        member = member_actions.import_member(
            actor=operator, org=org, joined_on=timezone.localdate(), **values
        )
        user = User.objects.create_user(None, None, mobile=str(member.mobile))
        Member.objects.filter(pk=member.pk).update(user=user)
        member.refresh_from_db()
        return member

    return make


@pytest.fixture
def member(tree, make_member):
    return make_member(tree.hlg, name="李建军")


@pytest.fixture
def member_client(member, client_for):
    return client_for(member.user)
