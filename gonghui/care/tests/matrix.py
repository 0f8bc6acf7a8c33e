"""What the permission matrix (accounts/tests/test_permission_matrix.py) needs for the care
and ledger endpoints: a campaign organised by the target org T, with a site of T, goods in
stock, a delivery signed for, and cash relief to the matrix's member, made on first use."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.care import actions
from gonghui.care.models import Campaign, CareSite, Disclosure, Item, Purchase, Relief, Shipment
from gonghui.ledger.models import Entry, Fund, PeriodClose

TITLE = "被测慰问活动"
SITE = "被测快递网点"


def campaign_of(ctx: Any) -> Campaign:
    campaign: Campaign | None = getattr(ctx, "_care_campaign", None)
    if campaign is not None:
        return campaign
    operator = User.objects.filter(is_superuser=True).earliest("pk")
    today = timezone.localdate()
    site = actions.create_site(actor=operator, org=ctx.target, name=SITE, kind=CareSite.Kind.DEPOT)
    item = actions.create_item(
        actor=operator, org=ctx.target, name="防疫包", unit="份", unit_value=5_000
    )
    campaign = actions.create_campaign(
        actor=operator,
        org=ctx.target,
        details=actions.CampaignDetails(
            title=TITLE,
            starts_on=today - timedelta(days=10),
            ends_on=today + timedelta(days=10),
            budgets={Fund.SPECIAL: 1_000_000},
            cash_allowed=True,
        ),
        sites=[site],
    )
    actions.receive_stock(
        actor=operator,
        campaign=campaign,
        item=item,
        fund=Fund.SPECIAL,
        supplier="华联",
        quantity=10,
        unit_price=5_000,
        day=today,
    )
    shipment = actions.ship(
        actor=operator,
        campaign=campaign,
        site=site,
        item=item,
        fund=Fund.SPECIAL,
        quantity=5,
        day=today,
    )
    actions.confirm_delivery(
        shipment=shipment, receipt=actions.Receipt(received=5, signed_by="李站长")
    )
    actions.hand_out(
        actor=operator,
        campaign=campaign,
        site=site,
        handout=actions.Handout(member=ctx.member, kind="cash", fund=Fund.SPECIAL, amount=20_000),
    )
    ctx._care_campaign = campaign
    return campaign


def after_campaign(ctx: Any, value: str) -> str:
    """`value`, once the campaign exists (for lists and figures that must show it)."""
    campaign_of(ctx)
    return value


def site_of(ctx: Any) -> CareSite:
    return CareSite.objects.get(name=SITE, org=ctx.target)


def item_of(ctx: Any) -> Item:
    return Item.objects.get(name="防疫包", org=ctx.target)


def shipment_of(ctx: Any) -> Shipment:
    return Shipment.objects.get(campaign=campaign_of(ctx))


def relief_entry_of(ctx: Any) -> Entry:
    return Relief.objects.get(campaign=campaign_of(ctx)).entry


def reversed_(ctx: Any) -> bool:
    return Entry.objects.filter(reverses__isnull=False).exists()


def purchases(ctx: Any) -> bool:
    return Purchase.objects.filter(campaign=campaign_of(ctx)).count() == 2


def shipments(ctx: Any) -> bool:
    return Shipment.objects.filter(campaign=campaign_of(ctx)).count() == 2


def goods_relief(ctx: Any) -> bool:
    return Relief.objects.filter(campaign=campaign_of(ctx), kind="goods").exists()


def published(ctx: Any) -> bool:
    return Disclosure.objects.filter(campaign=campaign_of(ctx)).exists()


def closed(ctx: Any) -> bool:
    return PeriodClose.objects.filter(org=ctx.target).exists()


def named(model: Any, name: str, field: str = "name") -> Any:
    return lambda ctx: model.objects.filter(**{field: name}).exists()


def yesterday() -> str:
    return (timezone.localdate() - timedelta(days=1)).isoformat()


def today() -> str:
    return timezone.localdate().isoformat()


def campaign_form(ctx: Any) -> dict[str, Any]:
    return {"org": ctx.target.pk, "title": "新建慰问", "starts_on": today(), "ends_on": today()}


def stock_form(ctx: Any) -> dict[str, Any]:
    return {
        "stock-item": item_of(ctx).pk,
        "stock-fund": "special",
        "stock-supplier": "华联",
        "stock-unit_price": "50.00",
        "stock-quantity": 3,
        "stock-day": today(),
    }
