"""Care campaigns and the ledger in the API (care.manage to change, ledger.view to read,
ledger.correct / ledger.close for corrections and closing). Every write takes an
`Idempotency-Key` (core.idempotency): a retried request replays the first answer. Relief is
also unique in the database per campaign, person and kind, whatever the keys.
"""

from typing import Any, Literal
from uuid import UUID

from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from gonghui.api.auth import api_user
from gonghui.api.errors import ERROR_RESPONSES
from gonghui.api.pagination import Pages
from gonghui.api.types import Day, Id, Moment
from gonghui.care import actions, queries
from gonghui.care.models import Campaign, CareSite, Item, Relief
from gonghui.core.capabilities import Capability
from gonghui.core.errors import DomainError
from gonghui.core.periods import custom_period
from gonghui.ledger import actions as ledger_actions
from gonghui.ledger import queries as ledger_queries
from gonghui.orgs.queries import get_org_for

router = Router(tags=["care"])
MANAGE: Capability = "care.manage"
VIEW: Capability = "ledger.view"


def fen(default: int | None = 0) -> Any:
    return Field(default, ge=0, le=actions.MAX_FEN, description="Money in fen (1 yuan = 100 fen)")


FundCode = Literal["upper_grant", "own_budget", "special", "donation", "fiscal", "employer"]


class BudgetOut(Schema):
    fund: str
    amount: int


class CampaignFields(Schema):
    id: int
    title: str
    purpose: str
    org_id: int
    org_name: str
    starts_on: Day
    ends_on: Day
    cap_per_visit: int | None
    cap_per_year: int | None
    cash_allowed: bool
    budgets: list[BudgetOut]
    site_ids: list[int]


class CareCampaignOut(CampaignFields):
    @staticmethod
    def resolve_org_name(obj: Campaign) -> str:
        return obj.org.name

    @staticmethod
    def resolve_budgets(obj: Campaign) -> list[dict[str, Any]]:
        return [{"fund": b.fund, "amount": b.amount} for b in obj.budgets.order_by("fund")]

    @staticmethod
    def resolve_site_ids(obj: Campaign) -> list[int]:
        return sorted(obj.sites.values_list("pk", flat=True))


class GoodsLineOut(Schema):
    site_id: int
    site_name: str
    item_id: int
    item_name: str
    fund: str
    allocated: int
    shipped: int
    received: int
    lost: int
    handed_out: int
    on_hand: int


class MoneyLineOut(Schema):
    fund: str
    budget: int
    spent: int
    cash: int


class DifferenceOut(Schema):
    kind: str
    where: str
    amount: int
    unit: str


class CampaignDetailOut(CampaignFields):
    goods: list[GoodsLineOut]
    money: list[MoneyLineOut]
    differences: list[DifferenceOut]


class CampaignIn(Schema):
    org_id: Id
    title: str = Field(max_length=120)
    purpose: str = Field("", max_length=2000)
    starts_on: Day
    ends_on: Day
    budgets: dict[FundCode, int] = Field(default_factory=dict)
    cap_per_visit: int | None = fen(None)
    cap_per_year: int | None = fen(None)
    cash_allowed: bool = False
    site_ids: list[Id] = Field(default_factory=list, max_length=500)


class SiteIn(Schema):
    org_id: Id
    name: str = Field(max_length=120)
    kind: Literal["depot", "station", "vaccination", "other"]
    address: str = Field("", max_length=200)
    contact_name: str = Field("", max_length=40)
    station_id: Id | None = None


class SiteOut(Schema):
    id: int
    org_id: int
    name: str
    kind: str
    station_id: int | None


class ItemIn(Schema):
    org_id: Id
    name: str = Field(max_length=120)
    unit: str = Field(max_length=20)
    unit_value: int = fen()


class ItemOut(Schema):
    id: int
    org_id: int
    name: str
    unit: str
    unit_value: int


class StockIn(Schema):
    item_id: Id
    fund: FundCode
    supplier: str = Field(max_length=120)
    invoice_number: str = Field("", max_length=40)
    unit_price: int = Field(ge=0, le=actions.MAX_FEN, description="Fen per unit")
    quantity: int = Field(ge=1, le=actions.MAX_QUANTITY)
    day: Day


class ShipmentIn(Schema):
    site_id: Id
    item_id: Id
    fund: FundCode
    quantity: int = Field(ge=1, le=actions.MAX_QUANTITY)
    day: Day


class ShipmentOut(Schema):
    id: int
    site_id: int
    item_id: int
    quantity_sent: int
    status: str
    delivery_url: str

    @staticmethod
    def resolve_delivery_url(obj: Any) -> str:
        return f"/care/d/{obj.token}/"


class ReliefIn(Schema):
    site_id: Id
    member_id: Id | None = Field(None, description="The member, from the list")
    card: str | None = Field(None, max_length=600, description="Or a scanned member card code")
    kind: Literal["goods", "cash"]
    fund: FundCode
    item_id: Id | None = None
    quantity: int = Field(0, ge=0, le=10_000)
    amount: int = fen()


class ReliefOut(Schema):
    id: int
    member_id: int
    kind: str
    value: int
    entry_id: UUID


class QueuedReliefIn(Schema):
    nonce: str = Field(max_length=64)
    member_id: Id
    kind: Literal["goods", "cash"]
    fund: FundCode
    item_id: Id | None = None
    quantity: int = Field(0, ge=0, le=10_000)
    amount: int = fen()
    handed_at: Moment


class ReliefBatchIn(Schema):
    site_id: Id
    device: str = Field(max_length=64)
    items: list[QueuedReliefIn] = Field(max_length=500)


class BatchAnswerOut(Schema):
    nonce: str
    ok: bool
    code: str
    message: str = ""
    replayed: bool


class DisclosureOut(Schema):
    campaign_id: int
    sha256: str
    published_at: Moment
    lines: int
    url: str


class BalanceQuery(Schema):
    org_id: Id
    date_from: Day | None = None
    date_to: Day | None = None


class BalanceOut(Schema):
    account: str
    commodity: str
    fund: str
    amount: int


class BalancesOut(Schema):
    org_id: int
    balances: list[BalanceOut]
    trial_balance: dict[str, int]


class ReversalIn(Schema):
    reason: str = Field(max_length=200)


class LedgerEntryOut(Schema):
    id: UUID
    day: Day
    kind: str
    reverses_id: UUID | None


class CloseIn(Schema):
    org_id: Id
    through: Day


class CloseOut(Schema):
    org_id: int
    through: Day


def _site(request: HttpRequest, site_id: int) -> CareSite:
    return queries.get_site_for(request.user, site_id, VIEW)


def _item(request: HttpRequest, item_id: int) -> Item:
    return queries.get_item_for(request.user, item_id, VIEW)


@router.get(
    "/care/campaigns",
    response={200: list[CareCampaignOut], **ERROR_RESPONSES},
    operation_id="list_care_campaigns",
)
@paginate(Pages, page_size=50)
def list_care_campaigns(request: HttpRequest) -> Any:
    """Campaigns of the caller's subtree (ledger.view), newest first."""
    return queries.list_campaigns(request.user, VIEW).order_by("-starts_on", "-pk")


@router.get(
    "/care/campaigns/{id:campaign_id}",
    response={200: CampaignDetailOut, **ERROR_RESPONSES},
    operation_id="get_care_campaign",
)
def get_care_campaign(request: HttpRequest, campaign_id: Id) -> dict[str, Any]:
    """A campaign with its reconciliation: goods per site, item and fund; money per fund;
    every difference to act on."""
    campaign = queries.get_campaign_for(request.user, campaign_id, VIEW)
    report = queries.reconcile([campaign])
    return {
        "id": campaign.pk,
        "title": campaign.title,
        "purpose": campaign.purpose,
        "org_id": campaign.org_id,
        "org_name": campaign.org.name,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "cap_per_visit": campaign.cap_per_visit,
        "cap_per_year": campaign.cap_per_year,
        "cash_allowed": campaign.cash_allowed,
        "budgets": CareCampaignOut.resolve_budgets(campaign),
        "site_ids": CareCampaignOut.resolve_site_ids(campaign),
        "goods": [
            {
                "site_id": g.site.pk,
                "site_name": g.site.name,
                "item_id": g.item.pk,
                "item_name": g.item.name,
                "fund": g.fund,
                "allocated": g.allocated,
                "shipped": g.shipped,
                "received": g.received,
                "lost": g.lost,
                "handed_out": g.handed_out,
                "on_hand": g.on_hand,
            }
            for g in report.goods
        ],
        "money": [
            {"fund": m.fund, "budget": m.budget, "spent": m.spent, "cash": m.cash}
            for m in report.money
        ],
        "differences": [
            {"kind": d.kind, "where": d.where, "amount": d.amount, "unit": d.unit}
            for d in report.differences
        ],
    }


@router.post(
    "/care/campaigns",
    response={201: CareCampaignOut, **ERROR_RESPONSES},
    operation_id="create_care_campaign",
)
def create_care_campaign(request: HttpRequest, payload: CampaignIn) -> tuple[int, Campaign]:
    org = get_org_for(request.user, payload.org_id, MANAGE)
    campaign = actions.create_campaign(
        actor=api_user(request),
        org=org,
        details=actions.CampaignDetails(
            title=payload.title,
            purpose=payload.purpose,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
            budgets={str(fund): fen for fund, fen in payload.budgets.items()},
            cap_per_visit=payload.cap_per_visit,
            cap_per_year=payload.cap_per_year,
            cash_allowed=payload.cash_allowed,
        ),
        sites=[_site(request, pk) for pk in payload.site_ids],
    )
    return 201, campaign


@router.post(
    "/care/sites",
    response={201: SiteOut, **ERROR_RESPONSES},
    operation_id="create_care_site",
)
def create_care_site(request: HttpRequest, payload: SiteIn) -> tuple[int, CareSite]:
    org = get_org_for(request.user, payload.org_id, MANAGE)
    values = payload.dict(exclude={"org_id"})
    return 201, actions.create_site(actor=api_user(request), org=org, **values)


@router.post(
    "/care/items",
    response={201: ItemOut, **ERROR_RESPONSES},
    operation_id="create_care_item",
)
def create_care_item(request: HttpRequest, payload: ItemIn) -> tuple[int, Item]:
    org = get_org_for(request.user, payload.org_id, MANAGE)
    return 201, actions.create_item(
        actor=api_user(request),
        org=org,
        name=payload.name,
        unit=payload.unit,
        unit_value=payload.unit_value,
    )


@router.post(
    "/care/campaigns/{id:campaign_id}/stock",
    response={201: CareCampaignOut, **ERROR_RESPONSES},
    operation_id="receive_care_stock",
)
def receive_care_stock(
    request: HttpRequest, campaign_id: Id, payload: StockIn
) -> tuple[int, Campaign]:
    """Goods received into the campaign's stock (supplier, invoice, unit price in fen)."""
    campaign = queries.get_campaign_for(request.user, campaign_id, MANAGE)
    actions.receive_stock(
        actor=api_user(request),
        campaign=campaign,
        item=_item(request, payload.item_id),
        fund=payload.fund,
        supplier=payload.supplier,
        invoice_number=payload.invoice_number,
        unit_price=payload.unit_price,
        quantity=payload.quantity,
        day=payload.day,
    )
    return 201, campaign


@router.post(
    "/care/campaigns/{id:campaign_id}/shipments",
    response={201: ShipmentOut, **ERROR_RESPONSES},
    operation_id="ship_care_goods",
)
def ship_care_goods(request: HttpRequest, campaign_id: Id, payload: ShipmentIn) -> tuple[int, Any]:
    """Goods sent to a site; `delivery_url` is what the delivery note's QR code opens."""
    campaign = queries.get_campaign_for(request.user, campaign_id, MANAGE)
    shipment = actions.ship(
        actor=api_user(request),
        campaign=campaign,
        site=_site(request, payload.site_id),
        item=_item(request, payload.item_id),
        fund=payload.fund,
        quantity=payload.quantity,
        day=payload.day,
    )
    return 201, shipment


def _handout(request: HttpRequest, campaign: Campaign, values: Any, member: Any) -> actions.Handout:
    return actions.Handout(
        member=member,
        kind=values.kind,
        fund=values.fund,
        item=_item(request, values.item_id) if values.item_id else None,
        quantity=values.quantity,
        amount=values.amount,
    )


@router.post(
    "/care/campaigns/{id:campaign_id}/relief",
    response={201: ReliefOut, **ERROR_RESPONSES},
    operation_id="give_care_relief",
)
def give_care_relief(
    request: HttpRequest, campaign_id: Id, payload: ReliefIn
) -> tuple[int, Relief]:
    """Goods or cash to one member (by id, or by a scanned card code). A second relief of
    the same kind to the same person in the same campaign is refused (409 already_paid)."""
    campaign = queries.get_campaign_for(request.user, campaign_id, MANAGE)
    method = Relief.Method.LIST
    if payload.card:
        member, refusal = queries.member_from_card(campaign, payload.card)
        if member is None:
            raise DomainError("invalid_card", refusal, fields={"card": [refusal]})
        method = Relief.Method.CARD
    elif payload.member_id:
        member = queries.find_campaign_member(campaign, payload.member_id)
    else:
        message = str(_("Give the member's id or a card code."))
        raise DomainError("member_required", message, fields={"member_id": [message]})
    relief = actions.hand_out(
        actor=api_user(request),
        campaign=campaign,
        site=_site(request, payload.site_id),
        handout=_handout(request, campaign, payload, member),
        method=method,
    )
    return 201, relief


@router.post(
    "/care/campaigns/{id:campaign_id}/relief/batch",
    response={200: list[BatchAnswerOut], **ERROR_RESPONSES},
    operation_id="upload_care_relief",
)
def upload_care_relief(
    request: HttpRequest, campaign_id: Id, payload: ReliefBatchIn
) -> list[dict[str, Any]]:
    """A device's queued handouts (offline), each with its own nonce: answered once per
    device and nonce, a repeated upload gets the same answers (`replayed`)."""
    campaign = queries.get_campaign_for(request.user, campaign_id, MANAGE)
    site = _site(request, payload.site_id)
    queued: list[actions.QueuedHandout] = []
    for item in payload.items:
        try:
            member = queries.find_campaign_member(campaign, item.member_id)
        except Http404:  # answered for this item only
            queued.append(
                actions.QueuedHandout(
                    item.nonce, None, item.handed_at, str(_("No such member in this campaign."))
                )
            )
            continue
        queued.append(
            actions.QueuedHandout(
                item.nonce, _handout(request, campaign, item, member), item.handed_at
            )
        )
    answers = actions.upload_handouts(
        actor=api_user(request), campaign=campaign, site=site, device=payload.device, items=queued
    )
    return [{"message": "", **answer} for answer in answers]


@router.post(
    "/care/campaigns/{id:campaign_id}/disclosure",
    response={201: DisclosureOut, **ERROR_RESPONSES},
    operation_id="publish_care_disclosure",
)
def publish_care_disclosure(request: HttpRequest, campaign_id: Id) -> tuple[int, dict[str, Any]]:
    """Publish the campaign's 公示: the masked list as it stands, dated, with its SHA-256."""
    campaign = queries.get_campaign_for(request.user, campaign_id, MANAGE)
    published = actions.publish_disclosure(actor=api_user(request), campaign=campaign)
    return 201, {
        "campaign_id": campaign.pk,
        "sha256": published.sha256,
        "published_at": published.published_at,
        "lines": len(published.lines),
        "url": f"/care/disclosure/{campaign.pk}/",
    }


@router.get(
    "/ledger/balances",
    response={200: BalancesOut, **ERROR_RESPONSES},
    operation_id="get_ledger_balances",
)
def get_ledger_balances(request: HttpRequest, params: Query[BalanceQuery]) -> dict[str, Any]:
    """Balances per account, commodity and fund of an org and its whole subtree, for a period
    of whole days or all time, with the subtree's sum per commodity."""
    org = get_org_for(request.user, params.org_id, VIEW)
    period = None
    if params.date_from or params.date_to:
        period = custom_period(params.date_from, params.date_to)
    found = ledger_queries.balances(org, period)
    names = ledger_queries.commodities_by_id({b.commodity_id for b in found})
    return {
        "org_id": org.pk,
        "balances": [
            {
                "account": b.account,
                "commodity": names[b.commodity_id].code,
                "fund": b.fund,
                "amount": b.amount,
            }
            for b in found
        ],
        "trial_balance": ledger_queries.trial_balance(org, period),
    }


@router.post(
    "/ledger/entries/{uuid:entry}/reversal",
    response={201: LedgerEntryOut, **ERROR_RESPONSES},
    operation_id="reverse_ledger_entry",
)
def reverse_ledger_entry(request: HttpRequest, entry: UUID, payload: ReversalIn) -> tuple[int, Any]:
    """Correct an entry with its mirror image dated today (ledger.correct); a payment it made
    is released."""
    found = ledger_queries.get_entry_for(request.user, str(entry), "ledger.correct")
    return 201, ledger_actions.reverse_entry(
        actor=api_user(request), entry=found, reason=payload.reason
    )


@router.post(
    "/ledger/closes",
    response={201: CloseOut, **ERROR_RESPONSES},
    operation_id="close_ledger_period",
)
def close_ledger_period(request: HttpRequest, payload: CloseIn) -> tuple[int, Any]:
    """Close the books of an org's subtree through a day (ledger.close)."""
    org = get_org_for(request.user, payload.org_id, "ledger.close")
    return 201, ledger_actions.close_period(
        actor=api_user(request), org=org, through=payload.through
    )
