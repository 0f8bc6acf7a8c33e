"""The demo's care campaigns (demo.care): the dashboard's care figures for 德胜 and 回龙观 are
computed from the ledger the care actions wrote, and the ledger balances."""

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from gonghui.accounts.models import User
from gonghui.care.models import Campaign, Shipment
from gonghui.core.periods import preset_period
from gonghui.dashboards import figures
from gonghui.demo.load import load_demo
from gonghui.ledger.queries import trial_balance
from gonghui.orgs.models import Org

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        load_demo()
        yield
        transaction.set_rollback(True)


def _care(name):
    return figures.care(Org.objects.get(name=name), preset_period("this_year", _demo_day()))


def _demo_day():
    from datetime import date

    return date(2026, 12, 1)


def test_desheng_shows_the_special_fund_and_the_packs(loaded):
    care = _care("德胜街道总工会")
    assert care.money_by_fund == [("special", 4_095_000)]
    assert ("巧克力和苏打饼干套装", "份", 1_236) in care.goods_delivered
    assert care.people_reached == 300
    assert care.sites_served == 4


def test_huilongguan_served_27_sites_with_400_odd_kits(loaded):
    care = _care("回龙观街道总工会")
    assert care.sites_served == 27
    assert care.goods_delivered == [("应急防疫包", "份", 404)]
    shipments = Shipment.objects.filter(campaign__org__name="回龙观街道总工会")
    assert shipments.filter(signed_offline=True).count() == 6
    assert [(s.site.name, s.difference) for s in shipments if s.difference] == [
        ("云趣园韵达快递网点", -1)
    ]


def test_the_ledger_balances_and_desheng_published_its_disclosure(loaded):
    assert set(trial_balance().values()) == {0}
    desheng = Campaign.objects.get(org__name="德胜街道总工会")
    disclosure = desheng.disclosures.get()
    assert len(disclosure.lines) == 300
    assert disclosure.totals["purchases_by_fund"] == {"special": 4_095_000}


def test_the_dashboard_page_shows_them(loaded, client_for):
    fed_admin = User.objects.get(username="fed_admin")
    client = client_for(fed_admin)
    desheng = Org.objects.get(name="德胜街道总工会")
    text = client.get(
        reverse("dashboards:home")
        + f"?org={desheng.pk}&period=custom&start=2026-01-01&end=2026-12-31"
    ).content.decode()
    assert "40,950.00" in text
    assert "1,236 份" in text
