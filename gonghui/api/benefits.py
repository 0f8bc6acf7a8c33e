"""Services and benefits: the member service directory and its offers, members' claims and
wallet, redemption by provider accounts (single and offline batch), and for staff the
providers, services, offers and usage figures."""

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from gonghui.api.auth import api_user
from gonghui.api.errors import ERROR_RESPONSES
from gonghui.api.pagination import Pages
from gonghui.api.types import MAX_INT, Day, Id, Moment
from gonghui.benefits import actions, claiming, queries, redeeming
from gonghui.benefits.models import Claim, Offer, Provider, Service
from gonghui.core.errors import NotFoundError
from gonghui.members.models import Member
from gonghui.members.queries import get_own_member
from gonghui.orgs.queries import get_org_for

router = Router(tags=["benefits"])


# --- schemas: the directory --------------------------------------------------------------------


class CategoryOut(Schema):
    code: str
    name: str


class ServiceListOut(Schema):
    id: int
    title: str
    summary: str
    category: str
    category_label: str
    district: str
    street: str
    provider_name: str
    open_offers: int = Field(description="Offers of the service that can still be claimed.")

    @staticmethod
    def resolve_provider_name(obj: Service) -> str:
        return obj.provider.name


class ProviderBriefOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    contact_phone: str
    address: str
    website: str

    @staticmethod
    def resolve_kind_label(obj: Provider) -> str:
        return str(obj.get_kind_display())


class OfferOut(Schema):
    id: int
    service_id: int
    title: str
    kind: str
    kind_label: str
    terms: str
    quota: int | None = Field(description="Total quota; null means unlimited.")
    left: int | None = Field(description="How many can still be claimed; null if unlimited.")
    per_member_limit: int
    claims_open_at: datetime
    claims_close_at: datetime
    redeem_until: datetime | None = Field(description="Claims are usable until then.")
    status: str


class MemberOfferOut(OfferOut):
    claimed_by_me: int = Field(description="How many times the signed-in member claimed it.")


class ServiceOut(Schema):
    id: int
    title: str
    summary: str
    description: str
    category: str
    category_label: str
    provider: ProviderBriefOut
    address: str
    district: str
    street: str
    opening_hours: str
    link: str
    phone: str
    on_site: str = Field(description="How to use it on site.")
    audience: str
    audience_org_name: str
    valid_from: date | None
    valid_until: date | None
    photo_urls: list[str]
    offers: list[MemberOfferOut]


class ClaimOut(Schema):
    id: int
    offer_id: int
    offer_title: str
    service_id: int
    service_title: str
    provider_name: str
    status: str
    status_label: str
    code: str = Field(description="What the claim's QR holds: the provider scans it.")
    claimed_at: datetime
    redeemed_at: datetime | None
    usable_until: datetime | None

    @staticmethod
    def resolve_offer_title(obj: Claim) -> str:
        return obj.offer.title

    @staticmethod
    def resolve_service_id(obj: Claim) -> int:
        return obj.offer.service_id

    @staticmethod
    def resolve_service_title(obj: Claim) -> str:
        return obj.offer.service.title

    @staticmethod
    def resolve_provider_name(obj: Claim) -> str:
        return obj.offer.service.provider.name

    @staticmethod
    def resolve_status_label(obj: Claim) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_code(obj: Claim) -> str:
        return claiming.code_of(obj)

    @staticmethod
    def resolve_usable_until(obj: Claim) -> datetime | None:
        return redeeming.usable_until(obj)


class ServiceFilters(Schema):
    category: str = Field("", max_length=40)
    district: str = Field("", max_length=40)
    street: str = Field("", max_length=40)
    q: str = Field("", max_length=100, description="Words in the title, summary or provider.")


# --- schemas: redemption -------------------------------------------------------------------


class CodeIn(Schema):
    code: str = Field(
        min_length=1, max_length=2000, description="A claim code (GB1.…) or a member card code."
    )


class RedeemIn(CodeIn):
    claim_id: Id | None = Field(
        None, description="With a member card: which of the member's claims to redeem."
    )


class RedemptionOut(Schema):
    ok: bool
    code: str = Field(
        description="redeemed, or why not: already_redeemed, other_provider, expired, "
        "offer_withdrawn, service_withdrawn, membership_ended, outside_audience, code_invalid, "
        "card_unknown, card_revoked, choose_claim, no_claim, several_claims, provider_inactive"
    )
    message: str
    member_name: str = Field(description="The member's name, masked (张*丰).")
    offer_title: str
    claim_id: int | None
    usable_until: str
    redeemed_at: str = Field(description="ISO time of the (first) redemption.")


class ClaimStateOut(Schema):
    claim_id: int
    offer_title: str
    status: str
    redeemable: bool
    code: str
    message: str
    usable_until: str
    redeemed_at: str


class InspectionOut(Schema):
    ok: bool
    code: str = Field(description="claim, card, or a refusal code as in RedemptionOut.")
    message: str
    kind: str
    member_name: str
    claims: list[ClaimStateOut]


class RedemptionBatchItemIn(Schema):
    nonce: str = Field(max_length=200, description="Made by the device, unique per scan.")
    code: str = Field(max_length=2000)
    scanned_at: Moment = Field(description="When it was scanned, with a time zone.")


class RedemptionBatchIn(Schema):
    device: str = Field(max_length=200, description="The device's own id (≤ 64 characters).")
    items: list[RedemptionBatchItemIn] = Field(max_length=redeeming.MAX_BATCH)


class RedemptionBatchAnswerOut(RedemptionOut):
    nonce: str
    replayed: bool = Field(description="True when this answers an earlier upload.")


class RedemptionBatchOut(Schema):
    results: list[RedemptionBatchAnswerOut]


# --- schemas: staff ----------------------------------------------------------------------------


# The values of benefits' choices, written out: as enums they would share their OpenAPI names
# with one another (Provider.Kind, Offer.Kind) or with the activities' Audience, and one
# description would silently replace the other (test_openapi checks these stay in step).
ServiceAudience = Literal["public", "members", "subtree"]
ProviderKind = Literal["enterprise", "government", "union"]
OfferKind = Literal["discount", "free_item", "ticket", "coupon"]


class ProviderIn(Schema):
    org_id: Id = Field(description="The managing organisation.")
    name: str = Field(max_length=120)
    kind: ProviderKind
    description: str = ""
    contact_name: str = Field("", max_length=40)
    contact_phone: str = Field("", max_length=40, description="A public phone line.")
    address: str = Field("", max_length=200)
    website: str = Field("", max_length=200)


class ProviderOut(ProviderBriefOut):
    org_id: int
    org_name: str
    description: str
    contact_name: str
    is_active: bool
    version: int

    @staticmethod
    def resolve_org_name(obj: Provider) -> str:
        return obj.org.name


class ServiceIn(Schema):
    provider_id: Id
    org_id: Id | None = Field(None, description="Managing org; the provider's when null.")
    category: str = Field(max_length=40, description="A code from /service-categories.")
    title: str = Field(max_length=120)
    summary: str = Field("", max_length=200)
    description: str = ""
    address: str = Field("", max_length=200)
    district: str = Field("", max_length=40)
    street: str = Field("", max_length=40)
    opening_hours: str = Field("", max_length=200)
    link: str = Field("", max_length=200)
    phone: str = Field("", max_length=40)
    on_site: str = ""
    audience: ServiceAudience
    audience_org_id: Id | None = None
    valid_from: Day | None = None
    valid_until: Day | None = None
    publish: bool = False


class StaffServiceOut(Schema):
    id: int
    title: str
    category: str
    category_label: str
    provider_id: int
    provider_name: str
    org_id: int
    org_name: str
    status: str
    audience: str
    valid_from: date | None
    valid_until: date | None
    views: int = Field(0, description="Page views ever.")
    claimed: int = Field(0, description="Claims of all its offers.")
    redeemed: int = Field(0, description="Redemptions of all its offers.")

    @staticmethod
    def resolve_provider_name(obj: Service) -> str:
        return obj.provider.name

    @staticmethod
    def resolve_org_name(obj: Service) -> str:
        return obj.org.name


class ShareIn(Schema):
    org_id: Id
    quota: int = Field(ge=1, le=MAX_INT)


class OfferIn(Schema):
    service_id: Id
    title: str = Field(max_length=120)
    kind: OfferKind
    terms: str = ""
    quota: int | None = Field(None, ge=1, le=MAX_INT, description="Null: unlimited.")
    per_member_limit: int = Field(1, ge=1, le=100)
    claims_open_at: Moment
    claims_close_at: Moment
    redeem_until: Moment | None = None
    shares: list[ShareIn] = Field(
        default_factory=list,
        description="Split the quota: each member claims from the share of their union's "
        "subtree; members outside every share cannot claim.",
    )
    publish: bool = False


class ShareOut(Schema):
    org_id: int
    org_name: str
    quota: int
    claimed: int


class StaffOfferOut(OfferOut):
    claimed: int
    redeemed: int
    shares: list[ShareOut]


class UsageQuery(Schema):
    org_id: Id
    start: Day | None = Field(None, description="First day (inclusive).")
    end: Day | None = Field(None, description="Last day (inclusive).")


class ServiceUsageOut(Schema):
    service_id: int
    title: str
    provider: str
    org: str
    category: str
    views: int
    claims: int
    redemptions: int


class OfferUsageOut(Schema):
    offer_id: int
    service_title: str
    title: str
    quota: int | None
    claims: int
    redemptions: int


class UnionUsageOut(Schema):
    org_id: int
    name: str
    claims: int
    redemptions: int


class UsageOut(Schema):
    org_id: int
    start: date | None
    end: date | None
    views: int
    claims: int
    redemptions: int
    services: list[ServiceUsageOut]
    offers: list[OfferUsageOut]
    unions: list[UnionUsageOut] = Field(
        description="Claims and redemptions by the claiming members' unions in the subtree."
    )


# --- helpers -----------------------------------------------------------------------------------


def _member(request: HttpRequest) -> Member | None:
    return get_own_member(request.user)


def _offer_fields(offer: Offer) -> dict[str, Any]:
    names = (
        "id",
        "service_id",
        "title",
        "kind",
        "terms",
        "quota",
        "left",
        "per_member_limit",
        "claims_open_at",
        "claims_close_at",
        "redeem_until",
        "status",
    )
    return {
        **{name: getattr(offer, name) for name in names},
        "kind_label": str(offer.get_kind_display()),
    }


def _member_offer(offer: Offer, claimed: dict[int, int]) -> dict[str, Any]:
    return {**_offer_fields(offer), "claimed_by_me": claimed.get(offer.pk, 0)}


def _service_out(service: Service, member: Member | None) -> dict[str, Any]:
    offers = queries.list_service_offers(service)
    claimed = queries.own_claim_counts(member, offers)
    return {
        **{name: getattr(service, name) for name in ("id", *actions.SERVICE_FIELDS)},
        "category_label": service.category_label,
        "provider": service.provider,
        "audience_org_name": service.audience_org.name if service.audience_org else "",
        "photo_urls": [
            reverse("benefits:photo", kwargs={"service_id": service.pk, "photo_id": photo.pk})
            for photo in queries.list_shown_photos(service)
        ],
        "offers": [_member_offer(offer, claimed) for offer in offers],
    }


def _account(request: HttpRequest) -> Any:
    account = queries.get_provider_account(request.user)
    if account is None:
        raise NotFoundError("not_a_provider", _("This account is not a provider's account."))
    return account


def _no_membership() -> NotFoundError:
    return NotFoundError("no_membership", _("This account has no active union membership."))


# --- the directory -----------------------------------------------------------------------------


@router.get(
    "/service-categories",
    response={200: list[CategoryOut], **ERROR_RESPONSES},
    operation_id="list_service_categories",
)
def list_service_categories(request: HttpRequest) -> list[dict[str, str]]:
    """The six built-in categories (政务服务 government, 交通出行 transport, 餐饮美食 dining,
    同城生活 city life, 休闲社交 leisure and social, 心理关怀 mental care) and those staff added."""
    return [{"code": code, "name": name} for code, name in queries.category_choices()]


@router.get(
    "/services",
    response={200: list[ServiceListOut], **ERROR_RESPONSES},
    operation_id="list_directory_services",
)
@paginate(Pages, page_size=50)
def list_directory_services(request: HttpRequest, filters: Query[ServiceFilters]) -> Any:
    """The member service directory: published, valid services open to the caller (public
    ones for anyone; members' ones for the caller's membership), by title."""
    return queries.list_open_services(
        _member(request),
        filters=queries.ServiceFilters(
            category=filters.category.strip(),
            district=filters.district.strip(),
            street=filters.street.strip(),
            search=filters.q.strip(),
        ),
    )


@router.get(
    "/services/{id:service_id}",
    response={200: ServiceOut, **ERROR_RESPONSES},
    operation_id="get_directory_service",
)
def get_directory_service(request: HttpRequest, service_id: Id) -> dict[str, Any]:
    """One service of the directory with its offers still to be claimed (and how often the
    caller claimed each). Counts as a view. 404 outside the caller's audience."""
    member = _member(request)
    service = queries.get_open_service(member, service_id)
    actions.record_view(service=service)
    return _service_out(service, member)


@router.post(
    "/offers/{id:offer_id}/claim",
    response={201: ClaimOut, **ERROR_RESPONSES},
    operation_id="claim_offer",
)
def claim_offer(request: HttpRequest, offer_id: Id) -> tuple[int, Claim]:
    """Claim an offer for the signed-in member: 201 with the claim and its code, or a refusal
    with its code — 403 not_a_member / outside_share, 409 sold_out / share_sold_out /
    limit_reached, 400 not_open / closed / offer_withdrawn / service_expired. Safe to retry
    with the same Idempotency-Key."""
    member = _member(request)
    offer = queries.get_open_offer(member, offer_id)
    # The claim comes back with the offer, service and provider already loaded: nothing more
    # is read while the offer's counter row is locked (until the request's transaction ends).
    return 201, claiming.claim_offer(member=member, offer=offer)


@router.get(
    "/me/claims",
    response={200: list[ClaimOut], **ERROR_RESPONSES},
    operation_id="list_my_claims",
)
@paginate(Pages, page_size=50)
def list_my_claims(request: HttpRequest) -> Any:
    """The signed-in member's wallet, newest first: each claim with its code. 404
    no_membership without a membership."""
    member = _member(request)
    if member is None:
        raise _no_membership()
    return queries.list_own_claims(member)


@router.get(
    "/me/claims/{id:claim_id}",
    response={200: ClaimOut, **ERROR_RESPONSES},
    operation_id="get_my_claim",
)
def get_my_claim(request: HttpRequest, claim_id: Id) -> Claim:
    """One claim of the signed-in member's wallet."""
    member = _member(request)
    if member is None:
        raise _no_membership()
    return queries.get_own_claim(member, claim_id)


# --- redemption at the provider ----------------------------------------------------------------


@router.post(
    "/provider/lookup",
    response={200: InspectionOut, **ERROR_RESPONSES},
    operation_id="inspect_redemption_code",
)
def inspect_redemption_code(request: HttpRequest, payload: CodeIn) -> dict[str, Any]:
    """For a provider account: what a scanned code is before redeeming — the claim, or for a
    member card the member's claims at this provider — with each one's validity and the
    member's masked name. Changes nothing. 404 not_a_provider for other accounts."""
    return redeeming.inspect_code(account=_account(request), code=payload.code).as_dict()


@router.post(
    "/provider/redemptions",
    response={200: RedemptionOut, **ERROR_RESPONSES},
    operation_id="redeem_claim",
)
def redeem_claim(request: HttpRequest, payload: RedeemIn) -> dict[str, Any]:
    """For a provider account: redeem the scanned claim code (or the member card and
    `claim_id`). Always 200 with `ok` and a `code`: a refusal (already_redeemed with the first
    time, other_provider, expired, …) is an answer to show, not a failure."""
    account = _account(request)
    return redeeming.redeem_code(
        account=account, code=payload.code, claim_id=payload.claim_id
    ).as_dict()


@router.post(
    "/provider/redemptions/batch",
    response={200: RedemptionBatchOut, **ERROR_RESPONSES},
    operation_id="upload_redemptions",
)
def upload_redemptions(request: HttpRequest, payload: RedemptionBatchIn) -> dict[str, Any]:
    """For a provider account: scans kept on a device while offline (≤ 500), each judged at
    its scan time and answered on its own. The same (device, nonce) sent again replays the
    first answer and redeems nothing."""
    items = [
        redeeming.BatchItem(nonce=i.nonce, code=i.code, scanned_at=i.scanned_at)
        for i in payload.items
    ]
    answers = redeeming.upload_redemptions(
        account=_account(request), device=payload.device.strip(), items=items
    )
    return {"results": answers}


# --- staff: providers, services, offers, usage -------------------------------------------------


@router.get(
    "/benefits/providers",
    response={200: list[ProviderOut], **ERROR_RESPONSES},
    operation_id="list_benefit_providers",
)
@paginate(Pages, page_size=50)
def list_benefit_providers(request: HttpRequest, q: str = "") -> Any:
    """Providers managed in the caller's subtree (benefits.manage), by name."""
    return queries.list_providers(request.user, "benefits.manage", search=q.strip()[:100])


@router.post(
    "/benefits/providers",
    response={201: ProviderOut, **ERROR_RESPONSES},
    operation_id="create_benefit_provider",
)
def create_benefit_provider(request: HttpRequest, payload: ProviderIn) -> tuple[int, Provider]:
    """Register a provider (a regional enterprise, a government office or the union itself)
    managed by an organisation where the caller holds benefits.manage."""
    org = get_org_for(request.user, payload.org_id, "benefits.manage")
    fields = payload.model_dump(mode="json", exclude={"org_id"})
    provider = actions.create_provider(actor=api_user(request), org=org, **fields)
    return 201, queries.get_provider_for(request.user, provider.pk, "benefits.manage")


@router.get(
    "/benefits/services",
    response={200: list[StaffServiceOut], **ERROR_RESPONSES},
    operation_id="list_managed_services",
)
@paginate(Pages, page_size=50)
def list_managed_services(
    request: HttpRequest,
    filters: Query[ServiceFilters],
    status: Literal["", "draft", "published", "withdrawn"] = "",
) -> Any:
    """Services managed in the caller's subtree (benefits.manage), in any state, with their
    views, claims and redemptions ever."""
    return queries.list_services(
        request.user,
        "benefits.manage",
        status=status,
        filters=queries.ServiceFilters(
            category=filters.category.strip(),
            district=filters.district.strip(),
            street=filters.street.strip(),
            search=filters.q.strip(),
        ),
    )


@router.post(
    "/benefits/services",
    response={201: StaffServiceOut, **ERROR_RESPONSES},
    operation_id="create_benefit_service",
)
def create_benefit_service(request: HttpRequest, payload: ServiceIn) -> tuple[int, Service]:
    """Add a service of a provider the caller manages. `audience` subtree with no
    `audience_org_id` means the members of the managing org's subtree."""
    provider = queries.get_provider_for(request.user, payload.provider_id, "benefits.manage")
    org = (
        get_org_for(request.user, payload.org_id, "benefits.manage")
        if payload.org_id
        else provider.org
    )
    audience_org = (
        get_org_for(request.user, payload.audience_org_id, "benefits.manage")
        if payload.audience_org_id
        else None
    )
    fields = payload.model_dump(
        exclude={"provider_id", "org_id", "audience_org_id", "publish"}, mode="python"
    )
    fields["audience"] = payload.audience
    service = actions.create_service(
        actor=api_user(request),
        provider=provider,
        org=org,
        audience_org=audience_org,
        publish=payload.publish,
        **fields,
    )
    return 201, queries.list_services(
        request.user, "benefits.manage", filters=queries.ServiceFilters()
    ).get(pk=service.pk)


def _staff_offer(offer: Offer) -> dict[str, Any]:
    return {
        **_offer_fields(offer),
        "claimed": offer.claimed,
        "redeemed": offer.redeemed,
        "shares": [
            {"org_id": s.org_id, "org_name": s.org.name, "quota": s.quota, "claimed": s.claimed}
            for s in queries.list_shares(offer)
        ],
    }


@router.post(
    "/benefits/offers",
    response={201: StaffOfferOut, **ERROR_RESPONSES},
    operation_id="create_benefit_offer",
)
def create_benefit_offer(request: HttpRequest, payload: OfferIn) -> tuple[int, dict[str, Any]]:
    """Add a member offer to a service the caller manages, optionally split into shares."""
    service = queries.get_service_for(request.user, payload.service_id, "benefits.manage")
    shares = [
        (get_org_for(request.user, share.org_id, "benefits.manage"), share.quota)
        for share in payload.shares
    ]
    fields = payload.model_dump(exclude={"service_id", "shares", "publish"}, mode="python")
    fields["kind"] = payload.kind
    offer = actions.create_offer(
        actor=api_user(request), service=service, shares=shares, publish=payload.publish, **fields
    )
    return 201, _staff_offer(queries.get_offer_for(request.user, offer.pk, "benefits.manage"))


@router.get(
    "/benefits/offers/{id:offer_id}",
    response={200: StaffOfferOut, **ERROR_RESPONSES},
    operation_id="get_benefit_offer",
)
def get_benefit_offer(request: HttpRequest, offer_id: Id) -> dict[str, Any]:
    """One offer with its exact counters (claimed, redeemed) and its shares."""
    return _staff_offer(queries.get_offer_for(request.user, offer_id, "benefits.manage"))


@router.get(
    "/benefits/usage",
    response={200: UsageOut, **ERROR_RESPONSES},
    operation_id="get_benefit_usage",
)
def get_benefit_usage(request: HttpRequest, query: Query[UsageQuery]) -> dict[str, Any]:
    """Usage figures for an organisation's subtree and a period: views, claims and
    redemptions per service and offer managed there, and claims and redemptions by the
    claiming members' unions there."""
    org = get_org_for(request.user, query.org_id, "benefits.manage")
    usage = queries.usage_of(org, start=query.start, end=query.end)
    return {
        "org_id": org.pk,
        "start": query.start,
        "end": query.end,
        "views": usage.total_views,
        "claims": usage.total_claims,
        "redemptions": usage.total_redemptions,
        "services": usage.services,
        "offers": usage.offers,
        "unions": usage.unions,
    }
