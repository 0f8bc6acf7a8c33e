"""Providers, services, offers and members for benefits tests, made through the real actions."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.benefits import actions
from gonghui.benefits.models import Offer, Provider, ProviderAccount, Service
from gonghui.members import actions as member_actions
from gonghui.members import cards
from gonghui.members.models import Member
from gonghui.members.tests.factories import person
from gonghui.orgs.models import Org


def make_provider(actor: User, org: Org, **values: Any) -> Provider:
    fields: dict[str, Any] = {
        "name": "中关村心理咨询中心",
        "kind": Provider.Kind.ENTERPRISE,
        "contact_phone": "010-62000000",
        "address": "海淀区中关村大街1号",
    }
    fields.update(values)
    return actions.create_provider(actor=actor, org=org, **fields)


def make_service(actor: User, provider: Provider, org: Org | None = None, **values: Any) -> Service:
    fields: dict[str, Any] = {
        "category": "mental_care",
        "title": "职工心理咨询",
        "summary": "一对一心理咨询",
        "description": "专业咨询师，会员免费",
        "address": "海淀区中关村大街1号",
        "district": "海淀区",
        "street": "中关村街道",
        "opening_hours": "周一至周五 9:00-18:00",
        "phone": "010-62000001",
        "audience": "members",
        "publish": True,
    }
    fields.update(values)
    return actions.create_service(actor=actor, provider=provider, org=org or provider.org, **fields)


def make_offer(actor: User, service: Service, **values: Any) -> Offer:
    now = timezone.now()
    fields: dict[str, Any] = {
        "title": "免费心理咨询一次",
        "kind": Offer.Kind.FREE_ITEM,
        "terms": "凭券到店",
        "quota": 100,
        "per_member_limit": 1,
        "claims_open_at": now - timedelta(hours=1),
        "claims_close_at": now + timedelta(days=7),
        "redeem_until": now + timedelta(days=30),
        "publish": True,
    }
    fields.update(values)
    offer = actions.create_offer(actor=actor, service=service, **fields)
    # As the member pages load it: with its service, provider and audience org.
    return Offer.objects.select_related(
        "service", "service__provider", "service__audience_org"
    ).get(pk=offer.pk)


def make_member(actor: User, org: Org, *, user: bool = False, **overrides: Any) -> Member:
    member = member_actions.import_member(
        actor=actor, org=org, joined_on=timezone.localdate(), **person(**overrides)
    )
    if user:
        account = User.objects.create_user(None, None, mobile=str(member.mobile))
        Member.objects.filter(pk=member.pk).update(user=account)
    return Member.objects.select_related("org").get(pk=member.pk)


def make_account(actor: User, provider: Provider, username: str = "provider_1") -> ProviderAccount:
    return actions.create_provider_account(
        actor=actor,
        provider=provider,
        username=username,
        name="核销员",
        password="Provider-Pass-2026",
    )


def card_of(member: Member) -> str:
    return cards.sign_card(
        cards.CardClaims(
            member.number, member.name, member.org.name, member.joined_on, member.card_version
        )
    )
