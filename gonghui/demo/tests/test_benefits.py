"""The demo's service directory, loaded into a small tree with the org names it expects."""

from datetime import date

import pytest
from django.db.models import Count, Sum
from django.test import Client
from django.urls import reverse

from gonghui.accounts.models import User
from gonghui.benefits.models import BUILT_IN_CATEGORIES, Claim, Offer, OfferQuota, Service
from gonghui.demo.benefits import PROVIDER_DEMO, load_benefits
from gonghui.demo.logins import DEMO_PASSWORD
from gonghui.members import actions as member_actions
from gonghui.members.models import Member
from gonghui.members.tests.factories import person
from gonghui.orgs.actions import create_org
from gonghui.orgs.models import Tally

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(operator):
    def make(name, kind, parent):
        return create_org(actor=operator, parent=parent, name=name, kind=kind)

    root = make("北京市总工会", "federation", None)
    haidian = make("海淀区总工会", "federation", root)
    zgc = make("中关村科学城总工会", "federation", haidian)
    changping = make("昌平区总工会", "federation", root)
    hlg = make("回龙观街道总工会", "street", changping)
    make("北京公交集团工会", "industry", root)
    for org in (zgc, hlg, haidian):
        for _ in range(15):
            member_actions.import_member(
                actor=operator, org=org, joined_on=date(2025, 1, 1), **person()
            )
    worker = User.objects.create_user(None, None, name="李师傅", mobile="13800138000")
    member = member_actions.import_member(
        actor=operator, org=hlg, joined_on=date(2025, 3, 1), **person(mobile="13800138000")
    )
    Member.objects.filter(pk=member.pk).update(user=worker)
    load_benefits(staff={}, worker=worker)
    return worker


def test_every_category_has_services_and_the_scarce_offer_is_split(loaded):
    categories = set(Service.objects.values_list("category", flat=True))
    assert categories == set(BUILT_IN_CATEGORIES)
    scarce = Offer.objects.get(quota=12500)
    shares = dict(OfferQuota.objects.filter(offer=scarce).values_list("org__name", "quota"))
    assert shares == {"海淀区总工会": 7500, "昌平区总工会": 5000}


def test_the_counters_and_tallies_agree_with_the_rows(loaded):
    rows = dict(Offer.objects.annotate(n=Count("claims")).values_list("pk", "n"))
    for offer in Offer.objects.all():
        assert offer.claimed == rows[offer.pk]
        assert offer.redeemed == Claim.objects.filter(offer=offer, status="redeemed").count()
    claims = Claim.objects.count()
    assert claims > 100
    tallied = Tally.objects.filter(metric="benefits.claims").aggregate(n=Sum("value"))["n"]
    assert tallied == claims
    redeemed = Tally.objects.filter(metric="benefits.redemptions").aggregate(n=Sum("value"))["n"]
    assert redeemed == Claim.objects.filter(status="redeemed").count() > 0
    views = Tally.objects.filter(metric="benefits.views").aggregate(n=Sum("value"))["n"]
    assert views == Service.objects.aggregate(n=Sum("days__views"))["n"] > 0


def test_the_worker_holds_a_bike_month_ready_to_use(loaded):
    claims = dict(Claim.objects.filter(member__user=loaded).values_list("offer__title", "status"))
    assert claims == {"免费骑行月卡（前12,500名会员）": "claimed", "工装免费清洗一次": "redeemed"}


def test_the_provider_demo_account_signs_in_at_the_desk(loaded):
    client = Client()
    response = client.post(
        reverse("benefits:provider_login"), {"username": PROVIDER_DEMO, "password": DEMO_PASSWORD}
    )
    assert response["Location"] == reverse("benefits:provider_desk")
    assert "京心心理咨询中心" in client.get(reverse("benefits:provider_desk")).content.decode()
