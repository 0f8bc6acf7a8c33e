"""Reading care campaigns: lists through the funnel, the reconciliation of a subtree (budget,
allocated, shipped, received, handed out — from the ledger), the 公示 as published."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.models import AnyUser
from gonghui.care.models import (
    Allocation,
    Budget,
    Campaign,
    CareSite,
    Disclosure,
    Item,
    Relief,
    Shipment,
)
from gonghui.core.capabilities import Capability
from gonghui.core.errors import DomainError
from gonghui.core.tree import ancestor_paths, subtree_q
from gonghui.ledger.models import Account, Commodity, Posting
from gonghui.members.models import Member
from gonghui.members.queries import check_card
from gonghui.orgs.models import Org


def _pk(value: int | str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < number < 2**63:
        raise Http404
    return number


def list_campaigns(
    user: AnyUser, capability: Capability, *, org: Org | None = None
) -> QuerySet[Campaign]:
    campaigns = Campaign.objects.visible_to(user, capability).select_related("org")
    if org is not None:
        campaigns = campaigns.in_subtree(org.path)
    return campaigns.annotate(
        site_count=Count("sites", distinct=True), relief_count=Count("reliefs", distinct=True)
    )


def get_campaign_for(user: AnyUser, campaign_id: int | str, capability: Capability) -> Campaign:
    try:
        return (
            Campaign.objects.visible_to(user, capability)
            .select_related("org")
            .get(pk=_pk(campaign_id))
        )
    except Campaign.DoesNotExist:
        raise Http404 from None


def get_site_for(user: AnyUser, site_id: int | str, capability: Capability) -> CareSite:
    try:
        return (
            CareSite.objects.visible_to(user, capability).select_related("org").get(pk=_pk(site_id))
        )
    except CareSite.DoesNotExist:
        raise Http404 from None


def get_item_for(user: AnyUser, item_id: int | str, capability: Capability) -> Item:
    try:
        return (
            Item.objects.visible_to(user, capability)
            .select_related("commodity")
            .get(pk=_pk(item_id))
        )
    except Item.DoesNotExist:
        raise Http404 from None


def list_sites(user: AnyUser, capability: Capability) -> QuerySet[CareSite]:
    return CareSite.objects.visible_to(user, capability).select_related("org")


def list_items(user: AnyUser, capability: Capability) -> QuerySet[Item]:
    return Item.objects.visible_to(user, capability).select_related("commodity")


def campaign_sites(campaign: Campaign) -> list[CareSite]:
    return list(campaign.sites.select_related("org").order_by("name"))


def campaign_items(campaign: Campaign) -> list[Item]:
    ids = set(campaign.purchases.values_list("item_id", flat=True))
    return list(Item.objects.filter(pk__in=ids).select_related("commodity").order_by("name"))


def list_shipments(campaign: Campaign) -> QuerySet[Shipment]:
    return campaign.shipments.select_related("site", "item").order_by("site__name", "pk")


def get_shipment_by_token(token: str) -> Shipment:
    """The delivery note's page: the secret in its QR code is the permission."""
    try:
        return Shipment.objects.select_related("campaign__org", "site__org", "item").get(
            token=token[:32]
        )
    except Shipment.DoesNotExist:
        raise Http404 from None


def list_reliefs(campaign: Campaign) -> QuerySet[Relief]:
    return campaign.reliefs.select_related("member", "site", "item").order_by("-handed_at", "-pk")


def find_campaign_member(campaign: Campaign, member_id: int | str) -> Member:
    """A member of the campaign's organiser's subtree (relief by list)."""
    try:
        return Member.objects.in_subtree(campaign.org.path).get(pk=_pk(member_id))
    except Member.DoesNotExist:
        raise Http404 from None


def find_campaign_member_by_number(campaign: Campaign, number: str) -> Member:
    """The member with this number in the campaign organiser's subtree, or a refusal."""
    member = (
        Member.objects.in_subtree(campaign.org.path)
        .select_related("org")
        .filter(number=number.strip()[:24])
        .first()
    )
    if member is None:
        message = _("No member of the campaign's unions has this number.")
        raise DomainError("unknown_member", message, fields={"member_number": [str(message)]})
    return member


def list_items_of_org(org: Org) -> QuerySet[Item]:
    """Goods a campaign of this org may use: its own and those of the unions above it."""
    return Item.objects.filter(org__path__in=[*ancestor_paths(org.path), org.path]).order_by("name")


def get_campaign_shipment(campaign: Campaign, shipment_id: int | str) -> Shipment:
    try:
        return (
            list_shipments(campaign)
            .select_related("campaign__org", "site__org")
            .get(pk=_pk(shipment_id))
        )
    except Shipment.DoesNotExist:
        raise Http404 from None


def latest_disclosure(campaign: Campaign) -> Disclosure | None:
    return campaign.disclosures.order_by("-published_at").first()


def get_published_campaign(campaign_id: int | str) -> tuple[Campaign, Disclosure]:
    """The public 公示: only a campaign with a published disclosure exists here."""
    try:
        campaign = Campaign.objects.select_related("org").get(pk=_pk(campaign_id))
    except Campaign.DoesNotExist:
        raise Http404 from None
    disclosure = latest_disclosure(campaign)
    if disclosure is None:
        raise Http404
    return campaign, disclosure


# --- reconciliation --------------------------------------------------------------------------


@dataclass
class GoodsLine:
    """One campaign × site × item × fund, in units."""

    campaign: Campaign
    site: CareSite
    item: Item
    fund: str
    allocated: int = 0
    shipped: int = 0
    received: int = 0
    in_transit: int = 0
    lost: int = 0
    handed_out: int = 0

    @property
    def on_hand(self) -> int:
        return self.received - self.handed_out


@dataclass
class MoneyLine:
    """One campaign × fund, in fen."""

    campaign: Campaign
    fund: str
    budget: int = 0
    spent: int = 0  # purchases
    cash: int = 0  # handed out as cash

    @property
    def used(self) -> int:
        return self.spent + self.cash


@dataclass(frozen=True)
class Difference:
    kind: str
    campaign: Campaign
    where: str
    amount: int
    unit: str


@dataclass
class Reconciliation:
    goods: list[GoodsLine] = field(default_factory=list)
    money: list[MoneyLine] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)


def reconcile(campaigns: list[Campaign]) -> Reconciliation:
    """Budget vs allocated vs shipped vs received vs handed out for the campaigns, per site,
    item and fund, read from the ledger in one grouped query (plus one each for the plans,
    sites, items and budgets), with every difference to act on."""
    result = Reconciliation()
    if not campaigns:
        return result
    by_key = {campaign.key: campaign for campaign in campaigns}
    rows = (
        Posting.objects.filter(purpose__in=list(by_key))
        .values("purpose", "place", "commodity_id", "fund", "account", "entry__kind")
        .annotate(total=Sum("amount"))
    )
    money_id = Commodity.objects.filter(code=Commodity.MONEY).values_list("pk", flat=True).first()
    sites = {
        site.key: site
        for site in CareSite.objects.filter(
            pk__in=Allocation.objects.filter(campaign__in=campaigns).values("site")
        )
        | CareSite.objects.filter(campaign__in=campaigns)
    }
    items = {
        item.commodity_id: item
        for item in Item.objects.filter(
            commodity_id__in={row["commodity_id"] for row in rows}
            | set(
                Allocation.objects.filter(campaign__in=campaigns).values_list(
                    "item__commodity_id", flat=True
                )
            )
        )
    }
    goods: dict[tuple[str, str, int, str], GoodsLine] = {}
    money: dict[tuple[str, str], MoneyLine] = {}

    def goods_line(purpose: str, place: str, commodity_id: int, fund: str) -> GoodsLine | None:
        site, item = sites.get(place), items.get(commodity_id)
        if site is None or item is None:
            return None
        key = (purpose, place, commodity_id, fund)
        if key not in goods:
            goods[key] = GoodsLine(by_key[purpose], site, item, fund)
        return goods[key]

    def money_line(purpose: str, fund: str) -> MoneyLine:
        if (purpose, fund) not in money:
            money[(purpose, fund)] = MoneyLine(by_key[purpose], fund)
        return money[(purpose, fund)]

    for row in rows:
        purpose, total, account, kind = (
            row["purpose"],
            row["total"],
            row["account"],
            row["entry__kind"],
        )
        if row["commodity_id"] == money_id:
            if account == Account.SPENT:
                money_line(purpose, row["fund"]).spent += total
            elif account == Account.HANDED_OUT:
                money_line(purpose, row["fund"]).cash += total
            continue
        line = goods_line(purpose, row["place"], row["commodity_id"], row["fund"])
        if line is None:
            continue
        if account == Account.IN_TRANSIT:
            line.in_transit += total
            if kind == "care.shipment":
                line.shipped += total
        elif account == Account.STOCK and kind == "care.receipt":
            line.received += total
        elif account == Account.LOSS:
            line.lost += total
        elif account == Account.HANDED_OUT:
            line.handed_out += total
    for budget in Budget.objects.filter(campaign__in=campaigns):
        money_line(
            by_key[f"care.campaign:{budget.campaign_id}"].key, budget.fund
        ).budget += budget.amount
    allocated: dict[tuple[int, int, int], int] = {
        (a.campaign_id, a.site_id, a.item.commodity_id): a.quantity
        for a in Allocation.objects.filter(campaign__in=campaigns).select_related("item")
    }
    seen: set[tuple[int, int, int]] = set()
    for line in goods.values():
        key3 = (line.campaign.pk, line.site.pk, line.item.commodity_id)
        if key3 in allocated and key3 not in seen:
            line.allocated = allocated[key3]
            seen.add(key3)
    for (campaign_id, site_id, commodity_id), quantity in allocated.items():
        if (campaign_id, site_id, commodity_id) not in seen:
            campaign = next(c for c in campaigns if c.pk == campaign_id)
            site, item = sites.get(f"care.site:{site_id}"), items.get(commodity_id)
            if site is not None and item is not None:
                line = GoodsLine(campaign, site, item, "", allocated=quantity)
                goods[(campaign.key, site.key, commodity_id, "")] = line
    result.goods = sorted(goods.values(), key=lambda g: (g.campaign.pk, g.site.name, g.item.name))
    result.money = sorted(money.values(), key=lambda m: (m.campaign.pk, m.fund))
    result.differences = differences_of(result)
    return result


def differences_of(reconciliation: Reconciliation) -> list[Difference]:
    found: list[Difference] = []
    allocated_by: dict[tuple[int, int, int], int] = defaultdict(int)
    shipped_by: dict[tuple[int, int, int], int] = defaultdict(int)
    for line in reconciliation.goods:
        key = (line.campaign.pk, line.site.pk, line.item.pk)
        allocated_by[key] += line.allocated
        shipped_by[key] += line.shipped
        where = f"{line.site.name} · {line.item.name}"
        if line.lost > 0:
            found.append(Difference("lost", line.campaign, where, line.lost, line.item.unit))
        if line.lost < 0:
            found.append(Difference("surplus", line.campaign, where, -line.lost, line.item.unit))
        if line.in_transit > 0:
            found.append(
                Difference("unsigned", line.campaign, where, line.in_transit, line.item.unit)
            )
        if line.on_hand > 0:
            found.append(
                Difference("not_handed_out", line.campaign, where, line.on_hand, line.item.unit)
            )
    for line in reconciliation.goods:
        key = (line.campaign.pk, line.site.pk, line.item.pk)
        if key in allocated_by and allocated_by[key] > shipped_by[key]:
            where = f"{line.site.name} · {line.item.name}"
            found.append(
                Difference(
                    "not_shipped",
                    line.campaign,
                    where,
                    allocated_by[key] - shipped_by[key],
                    line.item.unit,
                )
            )
            del allocated_by[key]
    for money in reconciliation.money:
        if money.budget and money.used > money.budget:
            found.append(
                Difference(
                    "over_budget", money.campaign, money.fund, money.used - money.budget, "fen"
                )
            )
        elif not money.budget and money.used:
            found.append(Difference("no_budget", money.campaign, money.fund, money.used, "fen"))
    return found


# --- dashboard figures -----------------------------------------------------------------------


@dataclass(frozen=True)
class CareFigures:
    people_reached: int
    sites_served: int
    goods_delivered: list[tuple[str, str, int]]  # item, unit, units received at sites
    goods_handed_out: list[tuple[str, str, int]]
    money_by_fund: list[tuple[str, int]]  # fund, fen spent (purchases and cash)

    @property
    def money_total(self) -> int:
        return sum(amount for _fund, amount in self.money_by_fund)


def figures(org: Org, start: date, end: date) -> CareFigures:
    """The care tiles for a subtree and period, straight from the ledger: four grouped
    queries over the postings of the subtree's orgs and the period's days."""
    postings = Posting.objects.filter(
        subtree_q("org__path", [org.path]),
        day__gte=start,
        day__lte=end,
        purpose__startswith="care.",
    )
    people = (
        postings.filter(account=Account.HANDED_OUT, beneficiary__isnull=False)
        .values("beneficiary")
        .annotate(total=Sum("amount"))
        .filter(total__gt=0)
        .count()
    )
    sites = (
        postings.filter(account=Account.STOCK, entry__kind="care.receipt")
        .exclude(place="")
        .values("place")
        .annotate(total=Sum("amount"))
        .filter(total__gt=0)
        .count()
    )

    def goods_by(filter_q: Q) -> list[tuple[str, str, int]]:
        rows = (
            postings.filter(filter_q, commodity__kind=Commodity.Kind.GOODS)
            .values("commodity__name", "commodity__unit")
            .annotate(total=Sum("amount"))
            .order_by("commodity__name")
        )
        return [
            (r["commodity__name"], r["commodity__unit"], r["total"]) for r in rows if r["total"]
        ]

    money = (
        postings.filter(account=Account.SOURCE, commodity__code=Commodity.MONEY)
        .values("fund")
        .annotate(total=Sum("amount"))
        .order_by("fund")
    )
    return CareFigures(
        people_reached=people,
        sites_served=sites,
        goods_delivered=goods_by(Q(account=Account.STOCK, entry__kind="care.receipt")),
        goods_handed_out=goods_by(Q(account=Account.HANDED_OUT)),
        money_by_fund=[(r["fund"], -r["total"]) for r in money if r["total"]],
    )


def relief_rows(campaign: Campaign) -> list[dict[str, Any]]:
    return [
        {
            "relief": relief,
            "reversed": hasattr(relief.entry, "reversed_by"),
        }
        for relief in list_reliefs(campaign).select_related("entry__reversed_by")
    ]


CARD_REFUSALS = {
    "not_genuine": _("This is not a genuine member card."),
    "unknown": _("No member has this card."),
    "left": _("This membership has ended."),
    "revoked": _("This card has been replaced by a newer one."),
    "outdated": _("This card is out of date: ask the member to open their current card."),
}


def member_from_card(campaign: Campaign, code: str) -> tuple[Member | None, str]:
    """The member whose card was scanned, if the card is valid and the member belongs to the
    campaign organiser's subtree; else None and the reason."""
    checked = check_card(code)
    if checked.status != "valid" or checked.member is None:
        return None, str(CARD_REFUSALS.get(checked.status, CARD_REFUSALS["not_genuine"]))
    if not checked.member.org.path.startswith(campaign.org.path):
        return None, str(_("This member does not belong to the campaign's unions."))
    return checked.member, ""
