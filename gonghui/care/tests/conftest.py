"""A care campaign made through the actions: 德胜's special fund at a vaccination site."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from gonghui.care import actions
from gonghui.care.models import Campaign, CareSite, Item, Shipment
from gonghui.ledger.models import Fund
from gonghui.members import actions as member_actions
from gonghui.members.models import Member
from gonghui.members.tests.factories import person
from gonghui.orgs.models import Org


@pytest.fixture
def staff(tree, make_staff):
    return make_staff(tree.desheng, "operator", name="于兰")


@pytest.fixture
def site(staff, tree) -> CareSite:
    return actions.create_site(
        actor=staff, org=tree.desheng, name="德胜疫苗接种点", kind=CareSite.Kind.VACCINATION
    )


@pytest.fixture
def kit(staff, tree) -> Item:
    return actions.create_item(
        actor=staff, org=tree.desheng, name="食品防护用品包", unit="份", unit_value=13_650
    )


@pytest.fixture
def campaign(staff, tree, site) -> Campaign:
    today = timezone.localdate()
    return actions.create_campaign(
        actor=staff,
        org=tree.desheng,
        details=actions.CampaignDetails(
            title="慰问疫苗接种点一线人员",
            starts_on=today - timedelta(days=30),
            ends_on=today + timedelta(days=30),
            budgets={Fund.SPECIAL: 4_095_000},
            cap_per_visit=300_000,
            cap_per_year=600_000,
            cash_allowed=True,
        ),
        sites=[site],
    )


@pytest.fixture
def stocked(staff, campaign, kit):
    return actions.receive_stock(
        actor=staff,
        campaign=campaign,
        item=kit,
        fund=Fund.SPECIAL,
        supplier="北京华联超市",
        invoice_number="011002100411-00387",
        quantity=300,
        unit_price=13_650,
        day=timezone.localdate(),
    )


@pytest.fixture
def shipment(staff, campaign, site, kit, stocked) -> Shipment:
    return actions.ship(
        actor=staff,
        campaign=campaign,
        site=site,
        item=kit,
        fund=Fund.SPECIAL,
        quantity=75,
        day=timezone.localdate(),
    )


@pytest.fixture
def received(shipment) -> Shipment:
    return actions.confirm_delivery(
        shipment=shipment, receipt=actions.Receipt(received=75, signed_by="王医生")
    )


@pytest.fixture
def make_member(operator) -> Callable[..., Member]:
    def make(org: Org, **overrides: Any) -> Member:
        member: Member = member_actions.import_member(
            actor=operator, org=org, joined_on=timezone.localdate(), **person(**overrides)
        )
        return member

    return make


@pytest.fixture
def member(tree, make_member):
    return make_member(tree.desheng, name="赵建国")
