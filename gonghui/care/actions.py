"""Care campaigns: sites, items, campaigns with budgets and caps, stock received, allocation,
shipments signed for at the site (online or offline, through the check-in mechanism's nonces),
relief to people, and the 公示. Every movement of goods or money is one balanced entry in
gonghui.ledger, written in the same transaction as its document row.
"""

import base64
import binascii
import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from gonghui.accounts.models import User
from gonghui.care.models import (
    Allocation,
    Budget,
    Campaign,
    CareSite,
    Disclosure,
    Item,
    Purchase,
    Relief,
    Shipment,
)
from gonghui.checkins import nonces
from gonghui.core import audit
from gonghui.core.errors import ConflictError, DomainError
from gonghui.core.images import prepare_photo
from gonghui.core.personal import mask_id_number, mask_name
from gonghui.core.scoping import require
from gonghui.core.text import check_free_text, check_name
from gonghui.ledger import journal
from gonghui.ledger.journal import Leg, PayoutClaim, yuan
from gonghui.ledger.models import Account, Commodity, Fund, Posting
from gonghui.members.models import Member
from gonghui.orgs.models import Org

# Every care campaign's purpose starts so; a person's yearly cap counts them all.
PURPOSE_PREFIX = "care.campaign:"
MAX_QUANTITY = 1_000_000
MAX_FEN = 10_000_000_000  # 100 million yuan


def _refuse(field: str, code: str, message: str) -> DomainError:
    return DomainError(code, message, fields={field: [message]})


def _whole(value: int, field: str, *, allow_zero: bool = False, limit: int = MAX_QUANTITY) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _refuse(field, "not_a_number", _("Enter a whole number."))
    if value < 0 or (value == 0 and not allow_zero):
        raise _refuse(field, "not_positive", _("Enter a number greater than 0."))
    if value > limit:
        raise _refuse(field, "too_large", _("At most %(n)s.") % {"n": f"{limit:,}"})
    return value


def _fund(value: str) -> str:
    if value not in Fund.values:
        raise _refuse("fund", "unknown_fund", _("Choose a fund source from the list."))
    return value


def _text(value: str, field: str, *, limit: int, required: bool = True) -> str:
    text = " ".join(value.split())
    if required and not text:
        raise _refuse(field, "required", _("This field is required."))
    if len(text) > limit:
        raise _refuse(field, "too_long", _("At most %(n)d characters.") % {"n": limit})
    if text:
        check_name(text, field=field)
    return text


# --- sites, items, campaigns -----------------------------------------------------------------


@transaction.atomic
def create_site(
    *,
    actor: User,
    org: Org,
    name: str,
    kind: str,
    address: str = "",
    contact_name: str = "",
    station_id: int | None = None,
) -> CareSite:
    require(actor, "care.manage", org.path)
    if kind not in CareSite.Kind.values:
        raise _refuse("kind", "unknown_kind", _("Choose a kind of site from the list."))
    name = _text(name, "name", limit=120)
    if CareSite.objects.filter(org=org, name=name).exists():
        raise _refuse("name", "duplicate_site", _("This union already has a site of this name."))
    site = CareSite.objects.create(
        org=org,
        name=name,
        kind=kind,
        address=_text(address, "address", limit=200, required=False),
        contact_name=_text(contact_name, "contact_name", limit=40, required=False),
        station_id=station_id,
    )
    audit.record(actor=actor, action="care.site.created", org=org, target=site)
    return site


@transaction.atomic
def create_item(*, actor: User, org: Org, name: str, unit: str, unit_value: int = 0) -> Item:
    """A kind of goods counted in whole units; `unit_value` (fen) counts towards the caps."""
    require(actor, "care.manage", org.path)
    name = _text(name, "name", limit=120)
    unit = _text(unit, "unit", limit=20)
    _whole(unit_value, "unit_value", allow_zero=True, limit=MAX_FEN)
    item = Item(org=org, name=name, unit=unit, unit_value=unit_value)
    commodity = Commodity.objects.create(
        code=f"care.item:{org.pk}:{name}"[:64], name=name, unit=unit, kind=Commodity.Kind.GOODS
    )
    item.commodity = commodity
    item.save()
    audit.record(actor=actor, action="care.item.created", org=org, target=item)
    return item


@dataclass(frozen=True)
class CampaignDetails:
    title: str
    starts_on: date
    ends_on: date
    purpose: str = ""
    budgets: Mapping[str, int] | None = None  # fund → fen
    cap_per_visit: int | None = None
    cap_per_year: int | None = None
    cash_allowed: bool = False


@transaction.atomic
def create_campaign(
    *, actor: User, org: Org, details: CampaignDetails, sites: Sequence[CareSite] = ()
) -> Campaign:
    require(actor, "care.manage", org.path)
    title = _text(details.title, "title", limit=120)
    check_free_text(details.purpose, field="purpose")
    if details.ends_on < details.starts_on:
        raise _refuse("ends_on", "dates_out_of_order", _("The end cannot be before the start."))
    for field in ("cap_per_visit", "cap_per_year"):
        cap = getattr(details, field)
        if cap is not None:
            _whole(cap, field, limit=MAX_FEN)
    if (
        details.cap_per_visit is not None
        and details.cap_per_year is not None
        and details.cap_per_visit > details.cap_per_year
    ):
        raise _refuse(
            "cap_per_visit",
            "caps_out_of_order",
            _("The cap per visit cannot be above the cap per year."),
        )
    for site in sites:
        if not (site.org.path.startswith(org.path) or org.path.startswith(site.org.path)):
            raise _refuse(
                "sites", "site_outside", _("%(site)s is not in this union's tree.") % {"site": site}
            )
    campaign = Campaign.objects.create(
        org=org,
        title=title,
        purpose=details.purpose.strip(),
        starts_on=details.starts_on,
        ends_on=details.ends_on,
        cap_per_visit=details.cap_per_visit,
        cap_per_year=details.cap_per_year,
        cash_allowed=details.cash_allowed,
        created_by=actor,
    )
    campaign.sites.set(sites)
    for fund, amount in (details.budgets or {}).items():
        Budget.objects.create(
            campaign=campaign, fund=_fund(fund), amount=_whole(amount, "budget", limit=MAX_FEN)
        )
    audit.record(
        actor=actor,
        action="care.campaign.created",
        org=org,
        target=campaign,
        changes={"budgets": dict(details.budgets or {}), "sites": len(sites)},
    )
    return campaign


def _in_campaign(campaign: Campaign, day: date) -> None:
    if not campaign.starts_on <= day <= campaign.ends_on:
        raise _refuse(
            "day",
            "outside_campaign",
            _("%(day)s is outside the campaign (%(start)s to %(end)s).")
            % {
                "day": day.isoformat(),
                "start": campaign.starts_on.isoformat(),
                "end": campaign.ends_on.isoformat(),
            },
        )


def _lock(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().select_related("org").get(pk=campaign.pk)


def _stock(campaign: Campaign, item: Item, fund: str, place: str) -> int:
    total: int = Posting.objects.filter(
        purpose=campaign.key,
        place=place,
        account=Account.STOCK,
        commodity_id=item.commodity_id,
        fund=fund,
    ).aggregate(total=Sum("amount", default=0))["total"]
    return total


# --- stock, allocation, shipments ------------------------------------------------------------


@transaction.atomic
def receive_stock(
    *,
    actor: User,
    campaign: Campaign,
    item: Item,
    fund: str,
    supplier: str,
    quantity: int,
    unit_price: int,
    invoice_number: str = "",
    day: date,
) -> Purchase:
    """Goods into the campaign's stock (at the organiser); a price spends the fund's money."""
    require(actor, "care.manage", campaign.org.path)
    campaign = _lock(campaign)
    _fund(fund)
    _whole(quantity, "quantity")
    _whole(unit_price, "unit_price", allow_zero=True, limit=MAX_FEN)
    supplier = _text(supplier, "supplier", limit=120)
    invoice_number = _text(invoice_number, "invoice_number", limit=40, required=False)
    _in_campaign(campaign, day)
    org = campaign.org
    legs = [
        Leg(org, Account.SOURCE, item.commodity, -quantity, fund),
        Leg(org, Account.STOCK, item.commodity, quantity, fund),
    ]
    cost = quantity * unit_price
    if cost:
        cash = journal.money()
        legs += [
            Leg(org, Account.SOURCE, cash, -cost, fund),
            Leg(org, Account.SPENT, cash, cost, fund),
        ]
    entry = journal.write_entry(
        actor_id=actor.pk,
        org=org,
        day=day,
        kind="care.purchase",
        purpose=campaign.key,
        memo=f"{supplier} {invoice_number} {item.name} × {quantity}",
        legs=legs,
    )
    purchase = Purchase.objects.create(
        campaign=campaign,
        item=item,
        fund=fund,
        supplier=supplier,
        invoice_number=invoice_number,
        unit_price=unit_price,
        quantity=quantity,
        received_on=day,
        entry=entry,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="care.stock.received",
        org=org,
        target=purchase,
        changes={"quantity": quantity, "unit_price": unit_price, "fund": fund},
    )
    return purchase


@transaction.atomic
def allocate(
    *, actor: User, campaign: Campaign, site: CareSite, item: Item, quantity: int
) -> Allocation:
    """Plan `quantity` units of the item for the site (replaces the previous plan)."""
    require(actor, "care.manage", campaign.org.path)
    _whole(quantity, "quantity", allow_zero=True)
    if not campaign.sites.filter(pk=site.pk).exists():
        raise _refuse("site", "not_a_target", _("This site is not one of the campaign's sites."))
    allocation, _created = Allocation.objects.update_or_create(
        campaign=campaign, site=site, item=item, defaults={"quantity": quantity}
    )
    audit.record(
        actor=actor,
        action="care.allocation.set",
        org=campaign.org,
        target=allocation,
        changes={"quantity": quantity},
    )
    return allocation


@transaction.atomic
def ship(
    *,
    actor: User,
    campaign: Campaign,
    site: CareSite,
    item: Item,
    fund: str,
    quantity: int,
    day: date,
) -> Shipment:
    """Send goods from the campaign's stock towards a site: they are in transit until the site
    signs for them."""
    require(actor, "care.manage", campaign.org.path)
    campaign = _lock(campaign)
    _fund(fund)
    _whole(quantity, "quantity")
    _in_campaign(campaign, day)
    if not campaign.sites.filter(pk=site.pk).exists():
        raise _refuse("site", "not_a_target", _("This site is not one of the campaign's sites."))
    available = _stock(campaign, item, fund, "")
    if quantity > available:
        raise _refuse(
            "quantity",
            "negative_stock",
            _(
                "Only %(n)s %(unit)s of %(item)s (%(fund)s) are in stock; %(q)s cannot be "
                "shipped. Nothing was written."
            )
            % {
                "n": f"{available:,}",
                "unit": item.unit,
                "item": item.name,
                "fund": Fund(fund).label,
                "q": f"{quantity:,}",
            },
        )
    org = campaign.org
    entry = journal.write_entry(
        actor_id=actor.pk,
        org=org,
        day=day,
        kind="care.shipment",
        purpose=campaign.key,
        memo=f"{site.name} {item.name} × {quantity}",
        legs=[
            Leg(org, Account.STOCK, item.commodity, -quantity, fund),
            Leg(org, Account.IN_TRANSIT, item.commodity, quantity, fund, site.key),
        ],
    )
    shipment = Shipment.objects.create(
        campaign=campaign,
        site=site,
        item=item,
        fund=fund,
        quantity_sent=quantity,
        sent_on=day,
        sent_entry=entry,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="care.shipment.sent",
        org=org,
        target=shipment,
        changes={"quantity": quantity, "site": site.pk},
    )
    return shipment


@dataclass(frozen=True)
class Receipt:
    """What the site's contact enters on the delivery note's page."""

    received: int
    signed_by: str
    reason: str = ""
    signature: bytes = b""  # a PNG or JPEG (the canvas, or a photo)
    signed_at: datetime | None = None
    offline: bool = False


def signature_from_data_url(value: str) -> bytes:
    """The bytes of a `data:image/png;base64,…` URL the signing canvas makes ("" → b"")."""
    if not value:
        return b""
    head, _sep, data = value.partition(",")
    if not head.startswith("data:image/") or ";base64" not in head:
        raise _refuse("signature", "invalid_signature", _("The signature is not a picture."))
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise _refuse(
            "signature", "invalid_signature", _("The signature is not a picture.")
        ) from None


@transaction.atomic
def confirm_delivery(*, shipment: Shipment, receipt: Receipt) -> Shipment:
    """The site's contact signs for a delivery (the delivery note's secret is the permission;
    there is no account). The count received is recorded as it is: a shortfall is posted as
    lost in transit, a surplus needs a reason. A second confirmation is refused."""
    received = _whole(receipt.received, "received", allow_zero=True)
    signed_by = _text(receipt.signed_by, "signed_by", limit=40)
    reason = " ".join(receipt.reason.split())
    if len(reason) > 200:
        raise _refuse("reason", "too_long", _("At most %(n)d characters.") % {"n": 200})
    check_free_text(reason, field="reason")
    locked = (
        Shipment.objects.select_for_update()
        .select_related("campaign__org", "site__org", "item__commodity")
        .get(pk=shipment.pk)
    )
    if locked.status == Shipment.Status.RECEIVED:
        assert locked.signed_at is not None
        raise ConflictError(
            "already_confirmed",
            _(
                "This delivery was already signed for by %(who)s at %(when)s (%(n)s received); "
                "it cannot be confirmed twice."
            )
            % {
                "who": locked.signed_by,
                "when": formats.date_format(timezone.localtime(locked.signed_at), "Y-m-d H:i"),
                "n": f"{locked.quantity_received:,}",
            },
        )
    if received > locked.quantity_sent and not reason:
        raise _refuse(
            "reason",
            "surplus_without_reason",
            _(
                "%(received)s received is more than the %(sent)s shipped: say why (for "
                "example, another delivery's goods) or correct the count."
            )
            % {"received": f"{received:,}", "sent": f"{locked.quantity_sent:,}"},
        )
    signed_at = min(receipt.signed_at or timezone.now(), timezone.now())
    day = timezone.localdate(signed_at)
    item, site, campaign = locked.item, locked.site, locked.campaign
    legs = [
        Leg(
            campaign.org,
            Account.IN_TRANSIT,
            item.commodity,
            -locked.quantity_sent,
            locked.fund,
            site.key,
        ),
    ]
    if received:
        legs.append(Leg(site.org, Account.STOCK, item.commodity, received, locked.fund, site.key))
    short = locked.quantity_sent - received
    if short:
        legs.append(Leg(site.org, Account.LOSS, item.commodity, short, locked.fund, site.key))
    entry = journal.write_entry(
        actor_id=None,
        org=site.org,
        day=day,
        kind="care.receipt",
        purpose=campaign.key,
        memo=f"{site.name} {item.name} {received}/{locked.quantity_sent} {reason}",
        legs=legs,
    )
    picture = b""
    if receipt.signature:
        upload = SimpleUploadedFile("signature.png", receipt.signature)
        picture = prepare_photo(upload).content
    updated = Shipment.objects.filter(pk=locked.pk, status=Shipment.Status.SENT).update(
        status=Shipment.Status.RECEIVED,
        quantity_received=received,
        difference_reason=reason,
        signed_by=signed_by,
        signed_at=signed_at,
        signed_offline=receipt.offline,
        received_entry=entry,
    )
    if updated != 1:  # the row lock above makes this unreachable; refuse rather than double
        raise ConflictError("already_confirmed", _("This delivery was already signed for."))
    locked.refresh_from_db()
    if picture:
        locked.signature.save(f"{locked.pk}-{locked.token[:8]}.jpg", ContentFile(picture))
    audit.record(
        actor=None,
        action="care.shipment.received",
        org=site.org,
        target=locked,
        changes={
            "sent": locked.quantity_sent,
            "received": received,
            "reason": reason,
            "offline": receipt.offline,
        },
    )
    return locked


def upload_receipts(
    *, shipment: Shipment, device: str, items: Sequence[tuple[str, Receipt]]
) -> list[dict[str, Any]]:
    """A phone's queued signature(s) for one delivery note, sent when it is back online: each
    `(nonce, receipt)` answered once through the check-in mechanism's nonce store, so a
    repeated upload replays the first answer and signs nothing twice."""
    nonces.check_upload(device, len(items))

    def judge(fresh: list[tuple[str, Receipt]]) -> dict[str, dict[str, Any]]:
        answers: dict[str, dict[str, Any]] = {}
        for nonce, receipt in fresh:
            try:
                with transaction.atomic():
                    done = confirm_delivery(shipment=shipment, receipt=receipt)
                answers[nonce] = {
                    "ok": True,
                    "code": "received",
                    "message": _("Signed for: %(n)s received.")
                    % {"n": f"{done.quantity_received:,}"},
                }
            except DomainError as refusal:
                answers[nonce] = {"ok": False, "code": refusal.code, "message": str(refusal)}
        return answers

    return nonces.answer_once(
        device=f"care.delivery:{shipment.pk}:{device}",
        items=list(items),
        nonce_of=lambda pair: pair[0],
        judge=judge,
        invalid_nonce={
            "ok": False,
            "code": "invalid_nonce",
            "message": _("The signature has no usable nonce."),
        },
    )


# --- relief to people ------------------------------------------------------------------------


@dataclass(frozen=True)
class Handout:
    member: Member
    kind: str  # Relief.Kind
    fund: str
    item: Item | None = None
    quantity: int = 0
    amount: int = 0  # fen, cash only


def _refuse_relief(code: str, message: str) -> DomainError:
    return DomainError(code, message)


def _give(
    *,
    actor: User,
    campaign: Campaign,
    site: CareSite,
    handout: Handout,
    method: str,
    at: datetime,
) -> Relief:
    """One relief, in the caller's transaction, after its permission check."""
    member = handout.member
    _fund(handout.fund)
    day = timezone.localdate(at)
    _in_campaign(campaign, day)
    if member.status != Member.Status.ACTIVE:
        raise _refuse_relief(
            "not_active", _("%(name)s is not an active member.") % {"name": mask_name(member.name)}
        )
    if handout.kind == Relief.Kind.CASH:
        if not campaign.cash_allowed:
            raise _refuse_relief(
                "cash_forbidden",
                _(
                    "This campaign does not allow cash: hand out goods instead. Nothing was "
                    "written."
                ),
            )
        amount = _whole(handout.amount, "amount", limit=MAX_FEN)
        value, kind_key = amount, "cash"
    elif handout.kind == Relief.Kind.GOODS:
        if handout.item is None:
            raise _refuse("item", "required", _("Choose the goods handed out."))
        quantity = _whole(handout.quantity, "quantity")
        value, kind_key = quantity * handout.item.unit_value, f"goods:{handout.item.pk}"
    else:
        raise _refuse("kind", "unknown_kind", _("Hand out goods or cash."))
    if campaign.cap_per_visit is not None and value > campaign.cap_per_visit:
        raise _refuse_relief(
            "over_visit_cap",
            _(
                "%(value)s yuan is over this campaign's cap of %(cap)s yuan per person per "
                "visit. Nothing was written."
            )
            % {"value": yuan(value), "cap": yuan(campaign.cap_per_visit)},
        )
    journal.lock_beneficiary(member.pk)
    if campaign.cap_per_year is not None:
        paid = journal.paid_in_year(member.pk, day.year, purpose_prefix=PURPOSE_PREFIX)
        if paid + value > campaign.cap_per_year:
            raise _refuse_relief(
                "over_year_cap",
                _(
                    "%(name)s has received %(paid)s yuan of care relief in %(year)s; %(value)s "
                    "more would pass the cap of %(cap)s yuan per person per year. Nothing was "
                    "written."
                )
                % {
                    "name": mask_name(member.name),
                    "paid": yuan(paid),
                    "year": day.year,
                    "value": yuan(value),
                    "cap": yuan(campaign.cap_per_year),
                },
            )
    # The payment's unique key first: a second payment is refused as such, before any other
    # check (the stock may be gone by then) could answer for it.
    entry_id = uuid.uuid4()
    journal.claim_payout(
        entry_id=entry_id,
        purpose=campaign.key,
        day=day,
        claim=PayoutClaim(beneficiary_id=member.pk, kind=kind_key, value=value),
    )
    if handout.kind == Relief.Kind.CASH:
        cash = journal.money()
        legs = [
            Leg(campaign.org, Account.SOURCE, cash, -amount, handout.fund),
            Leg(site.org, Account.HANDED_OUT, cash, amount, handout.fund, site.key, member.pk),
        ]
    else:
        assert handout.item is not None
        item = handout.item
        list(CareSite.objects.select_for_update().filter(pk=site.pk).values_list("pk"))
        available = _stock(campaign, item, handout.fund, site.key)
        if quantity > available:
            raise _refuse(
                "quantity",
                "negative_stock",
                _(
                    "%(site)s holds only %(n)s %(unit)s of %(item)s (%(fund)s); %(q)s cannot be "
                    "handed out. Nothing was written."
                )
                % {
                    "site": site.name,
                    "n": f"{available:,}",
                    "unit": item.unit,
                    "item": item.name,
                    "fund": Fund(handout.fund).label,
                    "q": f"{quantity:,}",
                },
            )
        legs = [
            Leg(site.org, Account.STOCK, item.commodity, -quantity, handout.fund, site.key),
            Leg(
                site.org,
                Account.HANDED_OUT,
                item.commodity,
                quantity,
                handout.fund,
                site.key,
                member.pk,
            ),
        ]
    entry = journal.write_entry(
        actor_id=actor.pk,
        org=site.org,
        day=day,
        kind="care.relief",
        purpose=campaign.key,
        memo=f"{site.name} {mask_name(member.name)}",
        legs=legs,
        entry_id=entry_id,
    )
    return Relief.objects.create(
        campaign=campaign,
        site=site,
        member=member,
        kind=handout.kind,
        item=handout.item if handout.kind == Relief.Kind.GOODS else None,
        quantity=handout.quantity if handout.kind == Relief.Kind.GOODS else 0,
        amount=handout.amount if handout.kind == Relief.Kind.CASH else 0,
        fund=handout.fund,
        value=value,
        method=method,
        entry=entry,
        handed_by=actor,
        handed_at=at,
    )


def _check_site(actor: User, campaign: Campaign, site: CareSite) -> None:
    require(actor, "care.manage", site.org.path)
    if not campaign.sites.filter(pk=site.pk).exists():
        raise _refuse("site", "not_a_target", _("This site is not one of the campaign's sites."))


@transaction.atomic
def hand_out(
    *,
    actor: User,
    campaign: Campaign,
    site: CareSite,
    handout: Handout,
    method: str = Relief.Method.LIST,
    at: datetime | None = None,
) -> Relief:
    """Goods or cash to a named member at a site: one ledger entry and one payout, refused
    when the person already had this kind of relief in this campaign, over a cap, cash where
    the campaign forbids it, or more goods than the site holds."""
    _check_site(actor, campaign, site)
    if method not in Relief.Method.values:
        raise _refuse("method", "unknown_method", _("Unknown way of handing out."))
    relief = _give(
        actor=actor,
        campaign=campaign,
        site=site,
        handout=handout,
        method=method,
        at=at or timezone.now(),
    )
    audit.record(
        actor=actor,
        action="care.relief.given",
        org=site.org,
        target=relief,
        changes={"kind": relief.kind, "value": relief.value, "method": method},
    )
    return relief


@dataclass(frozen=True)
class QueuedHandout:
    nonce: str
    handout: Handout | None  # None: the member could not be found (answer `refusal`)
    at: datetime
    refusal: str = ""


def upload_handouts(
    *, actor: User, campaign: Campaign, site: CareSite, device: str, items: Sequence[QueuedHandout]
) -> list[dict[str, Any]]:
    """A staff device's queued handouts, uploaded when it is online again: each answered once
    per (device, nonce) through the check-in mechanism's nonce store, each its own payment
    (one refused does not undo the others), a retry replays."""
    _check_site(actor, campaign, site)
    nonces.check_upload(device, len(items))

    def judge(fresh: list[QueuedHandout]) -> dict[str, dict[str, Any]]:
        answers: dict[str, dict[str, Any]] = {}
        for queued in fresh:
            if queued.handout is None:
                answers[queued.nonce] = {
                    "ok": False,
                    "code": "unknown_member",
                    "message": queued.refusal,
                }
                continue
            try:
                with transaction.atomic():
                    relief = _give(
                        actor=actor,
                        campaign=campaign,
                        site=site,
                        handout=queued.handout,
                        method=Relief.Method.OFFLINE,
                        at=min(queued.at, timezone.now()),
                    )
                answers[queued.nonce] = {"ok": True, "code": "given", "relief": relief.pk}
            except DomainError as refusal:
                answers[queued.nonce] = {
                    "ok": False,
                    "code": refusal.code,
                    "message": str(refusal),
                }
        return answers

    with transaction.atomic():
        answers = nonces.answer_once(
            device=f"care.relief:{actor.pk}:{device}",
            items=list(items),
            nonce_of=lambda queued: queued.nonce,
            judge=judge,
            invalid_nonce={
                "ok": False,
                "code": "invalid_nonce",
                "message": _("The handout has no usable nonce."),
            },
        )
        given = sum(1 for answer in answers if answer["ok"] and not answer["replayed"])
        if given:
            audit.record(
                actor=actor,
                action="care.relief.uploaded",
                org=site.org,
                target=campaign,
                changes={"given": given, "items": len(items)},
            )
    return answers


# --- 公示 --------------------------------------------------------------------------------------


def disclosure_lines(campaign: Campaign) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The masked list of every standing relief of the campaign (reversed ones left out) and
    its totals by fund source and by item."""
    reliefs = (
        Relief.objects.filter(campaign=campaign, entry__reversed_by__isnull=True)
        .select_related("member", "site", "item")
        .order_by("handed_at", "pk")
    )
    lines: list[dict[str, Any]] = []
    money_by_fund: dict[str, int] = {}
    goods: dict[str, int] = {}
    for relief in reliefs:
        what = (
            f"{relief.item.name} × {relief.quantity} {relief.item.unit}"
            if relief.item is not None
            else f"{yuan(relief.amount)} 元"
        )
        lines.append(
            {
                "name": mask_name(relief.member.name),
                "id": mask_id_number(str(relief.member.id_number or "")),
                "site": relief.site.name,
                "what": what,
                "fund": str(Fund(relief.fund).label),
                "value": relief.value,
                "day": timezone.localdate(relief.handed_at).isoformat(),
            }
        )
        if relief.kind == Relief.Kind.CASH:
            money_by_fund[relief.fund] = money_by_fund.get(relief.fund, 0) + relief.amount
        elif relief.item is not None:
            goods[relief.item.name] = goods.get(relief.item.name, 0) + relief.quantity
    purchases: dict[str, int] = {}
    for purchase in Purchase.objects.filter(campaign=campaign, unit_price__gt=0):
        purchases[purchase.fund] = (
            purchases.get(purchase.fund, 0) + purchase.unit_price * purchase.quantity
        )
    totals = {
        "people": len({line["name"] + line["id"] for line in lines}),
        "cash_by_fund": money_by_fund,
        "purchases_by_fund": purchases,
        "goods": goods,
    }
    return lines, totals


def list_hash(lines: list[dict[str, Any]]) -> str:
    """SHA-256 of the list as published: one JSON object per line (keys sorted, no spaces,
    UTF-8), lines joined by a newline. Anyone can recompute it from the public page's JSON."""
    text = "\n".join(
        json.dumps(line, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        for line in lines
    )
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def publish_disclosure(*, actor: User, campaign: Campaign) -> Disclosure:
    """Publish the campaign's 公示 after review: the list as it stands now, dated and hashed.
    A later publication (after corrections) is a new, dated version; the old one stays."""
    require(actor, "care.manage", campaign.org.path)
    lines, totals = disclosure_lines(campaign)
    if not lines:
        raise DomainError(
            "nothing_to_disclose", _("No relief has been handed out in this campaign yet.")
        )
    disclosure = Disclosure.objects.create(
        campaign=campaign,
        lines=lines,
        totals=totals,
        sha256=list_hash(lines),
        published_by=actor,
        published_at=timezone.now(),
    )
    audit.record(
        actor=actor,
        action="care.disclosure.published",
        org=campaign.org,
        target=disclosure,
        changes={"lines": len(lines), "sha256": disclosure.sha256},
    )
    return disclosure
