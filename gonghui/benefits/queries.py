"""Reads of the service directory: for members (by audience and validity), for provider
accounts (their own provider only) and for staff (by scope), and the usage figures."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from gonghui.accounts.models import AnyUser
from gonghui.benefits.models import (
    BUILT_IN_CATEGORIES,
    Audience,
    Claim,
    Offer,
    OfferQuota,
    Provider,
    ProviderAccount,
    Service,
    ServiceCategory,
    ServiceDay,
    ServicePhoto,
    category_label,
)
from gonghui.core.capabilities import Capability
from gonghui.core.periods import day_start
from gonghui.core.tree import ancestor_paths
from gonghui.members.models import Member
from gonghui.orgs.models import Org


def _pk(value: int | str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


# --- categories ------------------------------------------------------------------------------


def list_added_categories() -> QuerySet[ServiceCategory]:
    return ServiceCategory.objects.select_related("org").order_by("pk")


def category_names() -> dict[str, str]:
    """Every category code with its shown name: the six built-in ones, then those staff added."""
    names = {code: str(label) for code, label in BUILT_IN_CATEGORIES.items()}
    names |= dict(ServiceCategory.objects.filter(is_active=True).values_list("code", "name"))
    return names


def category_choices() -> list[tuple[str, str]]:
    return list(category_names().items())


# --- members' directory ----------------------------------------------------------------------


def _open_to(member: Member | None) -> Q:
    """Services a member (or, with None, the public) may see."""
    if member is None or not member.is_active:
        return Q(audience=Audience.PUBLIC)
    paths = [*ancestor_paths(member.org.path), member.org.path]
    return Q(audience__in=[Audience.PUBLIC, Audience.MEMBERS]) | Q(
        audience=Audience.SUBTREE, audience_org__path__in=paths
    )


def _in_directory(today: date) -> Q:
    return (
        Q(status=Service.Status.PUBLISHED, provider__is_active=True)
        & (Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        & (Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    )


@dataclass(frozen=True)
class ServiceFilters:
    category: str = ""
    district: str = ""
    street: str = ""
    search: str = ""


def _filtered(services: QuerySet[Service], filters: ServiceFilters) -> QuerySet[Service]:
    if filters.category:
        services = services.filter(category=filters.category)
    if filters.district:
        services = services.filter(district=filters.district)
    if filters.street:
        services = services.filter(street=filters.street)
    if filters.search:
        services = services.filter(
            Q(title__icontains=filters.search)
            | Q(summary__icontains=filters.search)
            | Q(provider__name__icontains=filters.search)
        )
    return services


def _open_offers(now: datetime) -> QuerySet[Offer]:
    return Offer.objects.filter(status=Offer.Status.PUBLISHED, claims_close_at__gte=now)


def list_open_services(member: Member | None, *, filters: ServiceFilters) -> QuerySet[Service]:
    """Services in the directory open to the member, by title, each with `open_offers` (offers
    still to be claimed). One query per page: no per-row lookups."""
    now = timezone.now()
    offers = (
        _open_offers(now)
        .filter(service=OuterRef("pk"))
        .values("service")
        .annotate(n=Count("pk"))
        .values("n")
    )
    services = Service.objects.filter(_open_to(member), _in_directory(timezone.localdate(now)))
    return (
        _filtered(services, filters)
        .select_related("provider")
        .only(
            "pk",
            "title",
            "summary",
            "category",
            "district",
            "street",
            "audience",
            "provider__name",
        )
        .annotate(open_offers=Coalesce(Subquery(offers, output_field=IntegerField()), 0))
        .order_by("title", "pk")
    )


def list_places(member: Member | None) -> dict[str, list[str]]:
    """The districts of the directory's services, each with its streets, for the filters."""
    rows = (
        Service.objects.filter(_open_to(member), _in_directory(timezone.localdate()))
        .exclude(district="")
        .values_list("district", "street")
        .distinct()
        .order_by("district", "street")
    )
    places: dict[str, list[str]] = {}
    for district, street in rows:
        streets = places.setdefault(district, [])
        if street:
            streets.append(street)
    return places


def is_open_to(service: Service, member: Member | None, today: date) -> bool:
    """The same rule as the directory's query, for one service already loaded with its
    provider and audience org: published, its provider active, valid today, and open to the
    member (or, with None, to the public)."""
    if service.status != Service.Status.PUBLISHED or not service.provider.is_active:
        return False
    if (service.valid_from and today < service.valid_from) or (
        service.valid_until and today > service.valid_until
    ):
        return False
    if service.audience == Audience.PUBLIC:
        return True
    if member is None or not member.is_active:
        return False
    if service.audience == Audience.MEMBERS:
        return True
    return service.audience_org is not None and member.org.path.startswith(
        service.audience_org.path
    )


def get_open_service(member: Member | None, service_id: int | str) -> Service:
    """A service of the directory the member may see; else 404 (missing, outside the audience,
    not published or out of its validity look alike). One query by key, judged here: the
    phone's hot path."""
    service = (
        Service.objects.select_related("provider", "org", "audience_org")
        .filter(pk=_pk(service_id))
        .first()
    )
    if service is None or not is_open_to(service, member, timezone.localdate()):
        raise Http404
    return service


def is_for_members_only(service_id: int | str) -> bool:
    """Whether a directory service with this id is open to union members only: a non-member
    who opens it is told so and shown the way in, instead of a 404."""
    return (
        Service.objects.filter(_in_directory(timezone.localdate()), pk=_pk(service_id))
        .exclude(audience=Audience.PUBLIC)
        .exists()
    )


def list_service_offers(service: Service) -> list[Offer]:
    """The service's published offers still to be claimed (or opening later), soonest first."""
    return list(
        _open_offers(timezone.now()).filter(service=service).order_by("claims_open_at", "pk")
    )


def get_open_offer(member: Member | None, offer_id: int | str) -> Offer:
    """An offer of a directory service the member may see, with its service, provider and
    audience org loaded (as claiming needs them). Withdrawn offers are found, so that the
    claim can say so; drafts are not. One query by key, judged here: the flash crowd's path."""
    offer = (
        Offer.objects.exclude(status=Offer.Status.DRAFT)
        .select_related("service", "service__provider", "service__audience_org")
        .filter(pk=_pk(offer_id))
        .first()
    )
    if offer is None or not is_open_to(offer.service, member, timezone.localdate()):
        raise Http404
    return offer


def own_claim_counts(member: Member | None, offers: list[Offer]) -> dict[int, int]:
    """How many times the member claimed each of these offers."""
    if member is None or not offers:
        return {}
    return dict(
        Claim.objects.filter(member=member, offer__in=offers)
        .values("offer")
        .annotate(n=Count("pk"))
        .values_list("offer", "n")
    )


def member_shares(offers: list[Offer], member: Member | None) -> dict[int, OfferQuota]:
    """For split offers: the share each one's claims by this member count against."""
    if member is None or not offers:
        return {}
    paths = [*ancestor_paths(member.org.path), member.org.path]
    shares = OfferQuota.objects.filter(offer__in=offers, org__path__in=paths)
    return {share.offer_id: share for share in shares}


def list_shown_photos(service: Service) -> list[ServicePhoto]:
    return list(ServicePhoto.objects.filter(service=service).order_by("uploaded_at", "pk"))


def get_shown_photo(service: Service, photo_id: int | str) -> ServicePhoto:
    """A photo of a service the caller already got through get_open_service; else 404."""
    try:
        return ServicePhoto.objects.get(pk=_pk(photo_id), service=service)
    except ServicePhoto.DoesNotExist:
        raise Http404 from None


def list_own_claims(member: Member) -> QuerySet[Claim]:
    """The member's wallet: their claims, newest first, with offer, service and provider."""
    return (
        Claim.objects.filter(member=member)
        .select_related("offer", "offer__service", "offer__service__provider")
        .order_by("-claimed_at", "-pk")
    )


def get_own_claim(member: Member, claim_id: int | str) -> Claim:
    try:
        return list_own_claims(member).get(pk=_pk(claim_id))
    except Claim.DoesNotExist:
        raise Http404 from None


# --- provider accounts -----------------------------------------------------------------------


def get_provider_account(user: AnyUser) -> ProviderAccount | None:
    """The signed-in user's provider account, if it is one and active."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return ProviderAccount.objects.select_related("provider", "user").filter(user=user).first()


def list_recent_redemptions(provider: Provider, *, limit: int = 20) -> list[Claim]:
    """The provider's latest redemptions, for its desk (members' names are masked there)."""
    return list(
        Claim.objects.filter(offer__service__provider=provider, status=Claim.Status.REDEEMED)
        .select_related("offer", "member")
        .only("pk", "redeemed_at", "method", "offer__title", "member__name")
        .order_by("-redeemed_at", "-pk")[:limit]
    )


def count_redeemed_today(provider: Provider) -> int:
    start = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    return Claim.objects.filter(offer__service__provider=provider, redeemed_at__gte=start).count()


# --- staff -----------------------------------------------------------------------------------


def list_providers(
    user: AnyUser,
    capability: Capability,
    *,
    within: Org | None = None,
    search: str = "",
) -> QuerySet[Provider]:
    providers = Provider.objects.visible_to(user, capability)
    if within is not None:
        providers = providers.in_subtree(within.path)
    if search:
        providers = providers.filter(name__icontains=search)
    return (
        providers.select_related("org")
        .annotate(services_count=Count("services", distinct=True))
        .order_by("name", "pk")
    )


def list_provider_choices(user: AnyUser, capability: Capability) -> list[tuple[int, str]]:
    providers = Provider.objects.visible_to(user, capability).filter(is_active=True)
    return list(providers.order_by("name", "pk").values_list("pk", "name")[:1000])


def get_provider_for(user: AnyUser, provider_id: int | str, capability: Capability) -> Provider:
    try:
        return (
            Provider.objects.visible_to(user, capability)
            .select_related("org")
            .get(pk=_pk(provider_id))
        )
    except Provider.DoesNotExist:
        raise Http404 from None


def list_provider_accounts(provider: Provider) -> QuerySet[ProviderAccount]:
    return ProviderAccount.objects.filter(provider=provider).select_related("user").order_by("pk")


def get_account_for(
    user: AnyUser, account_id: int | str, capability: Capability
) -> ProviderAccount:
    """A provider account whose provider the user holds `capability` over; else 404."""
    try:
        return ProviderAccount.objects.select_related("provider", "provider__org", "user").get(
            pk=_pk(account_id), provider__in=Provider.objects.visible_to(user, capability)
        )
    except ProviderAccount.DoesNotExist:
        raise Http404 from None


def _views_total(start: date | None = None, end: date | None = None) -> Subquery:
    days = ServiceDay.objects.filter(service=OuterRef("pk"))
    if start:
        days = days.filter(day__gte=start)
    if end:
        days = days.filter(day__lte=end)
    total = days.values("service").annotate(n=Sum("views")).values("n")
    return Subquery(total, output_field=IntegerField())


def _offer_sum(counter: str) -> Subquery:
    offers = Offer.objects.filter(service=OuterRef("pk")).values("service")
    return Subquery(offers.annotate(n=Sum(counter)).values("n"), output_field=IntegerField())


def list_services(
    user: AnyUser,
    capability: Capability,
    *,
    within: Org | None = None,
    filters: ServiceFilters,
    provider: Provider | None = None,
    status: str = "",
) -> QuerySet[Service]:
    """Services the user manages, each with `views` (ever), `claimed` and `redeemed` (sums of
    their offers' exact counters)."""
    services = Service.objects.visible_to(user, capability)
    if within is not None:
        services = services.in_subtree(within.path)
    if provider is not None:
        services = services.filter(provider=provider)
    if status:
        services = services.filter(status=status)
    return (
        _filtered(services, filters)
        .select_related("provider", "org")
        .annotate(
            views=Coalesce(_views_total(), 0),
            claimed=Coalesce(_offer_sum("claimed"), 0),
            redeemed=Coalesce(_offer_sum("redeemed"), 0),
        )
        .order_by("title", "pk")
    )


def get_service_for(user: AnyUser, service_id: int | str, capability: Capability) -> Service:
    try:
        return (
            Service.objects.visible_to(user, capability)
            .select_related("provider", "provider__org", "org", "audience_org")
            .get(pk=_pk(service_id))
        )
    except Service.DoesNotExist:
        raise Http404 from None


def list_offers(service: Service) -> list[Offer]:
    return list(Offer.objects.filter(service=service).order_by("claims_open_at", "pk"))


def list_staff_photos(service: Service) -> list[ServicePhoto]:
    return list(ServicePhoto.objects.filter(service=service).order_by("uploaded_at", "pk"))


def get_offer_for(user: AnyUser, offer_id: int | str, capability: Capability) -> Offer:
    try:
        return (
            Offer.objects.visible_to(user, capability)
            .select_related("service", "service__org", "service__provider", "service__audience_org")
            .get(pk=_pk(offer_id))
        )
    except Offer.DoesNotExist:
        raise Http404 from None


def list_shares(offer: Offer) -> list[OfferQuota]:
    return list(OfferQuota.objects.filter(offer=offer).select_related("org").order_by("org__path"))


def list_offer_claims(offer: Offer, *, status: str = "") -> QuerySet[Claim]:
    """Claims of an offer for the staff list, newest first, without the members' encrypted
    fields (names are masked on the page)."""
    claims = Claim.objects.filter(offer=offer)
    if status in Claim.Status.values:
        claims = claims.filter(status=status)
    return (
        claims.select_related("member", "org")
        .only(
            "pk",
            "status",
            "claimed_at",
            "redeemed_at",
            "method",
            "offer_id",
            "member__number",
            "member__name",
            "org__name",
        )
        .order_by("-claimed_at", "-pk")
    )


def get_photo_for(user: AnyUser, photo_id: int | str, capability: Capability) -> ServicePhoto:
    try:
        return ServicePhoto.objects.select_related("service").get(
            pk=_pk(photo_id), service__in=Service.objects.visible_to(user, capability)
        )
    except ServicePhoto.DoesNotExist:
        raise Http404 from None


# --- usage figures ---------------------------------------------------------------------------


def _within(field: str, start: date | None, end: date | None) -> Q:
    """The moments of whole local days from `start` to `end` (inclusive; None: open)."""
    condition = Q()
    if start:
        condition &= Q(**{f"{field}__gte": day_start(start)})
    if end:
        condition &= Q(**{f"{field}__lt": day_start(end + timedelta(days=1))})
    return condition


@dataclass(frozen=True)
class ServiceUsage:
    service_id: int
    title: str
    provider: str
    org: str
    category: str
    views: int
    claims: int
    redemptions: int


@dataclass(frozen=True)
class OfferUsage:
    offer_id: int
    service_title: str
    title: str
    quota: int | None
    claims: int
    redemptions: int


@dataclass(frozen=True)
class UnionUsage:
    org_id: int
    name: str
    claims: int
    redemptions: int


@dataclass(frozen=True)
class Usage:
    services: list[ServiceUsage]
    offers: list[OfferUsage]
    unions: list[UnionUsage]

    @property
    def total_views(self) -> int:
        return sum(row.views for row in self.services)

    @property
    def total_claims(self) -> int:
        return sum(row.claims for row in self.services)

    @property
    def total_redemptions(self) -> int:
        return sum(row.redemptions for row in self.services)


def usage_of(org: Org, *, start: date | None = None, end: date | None = None) -> Usage:
    """Views, claims and redemptions from the day `start` to the day `end` (inclusive; either
    may be open): per service and per offer for the services managed in `org`'s subtree, and
    per union for the claims of members of that subtree (the same figures the dashboards'
    tallies hold, by org)."""
    names = category_names()
    claims_in = Claim.objects.filter(_within("claimed_at", start, end))
    redeemed_in = Claim.objects.filter(
        _within("redeemed_at", start, end), redeemed_at__isnull=False
    )

    def per(queryset: QuerySet[Claim], key: str) -> dict[int, int]:
        return dict(queryset.values(key).annotate(n=Count("pk")).values_list(key, "n"))

    services = list(
        Service.objects.in_subtree(org.path)
        .select_related("provider", "org")
        .annotate(views_in=Coalesce(_views_total(start, end), 0))
        .order_by("title", "pk")
    )
    ids = [s.pk for s in services]
    by_service_claims = per(claims_in.filter(offer__service__in=ids), "offer__service")
    by_service_redemptions = per(redeemed_in.filter(offer__service__in=ids), "offer__service")
    offers = list(
        Offer.objects.filter(service__in=ids).select_related("service").order_by("service", "pk")
    )
    offer_ids = [o.pk for o in offers]
    by_offer_claims = per(claims_in.filter(offer__in=offer_ids), "offer")
    by_offer_redemptions = per(redeemed_in.filter(offer__in=offer_ids), "offer")
    unions_claims = per(claims_in.filter(org__in=Org.objects.in_subtree(org.path)), "org")
    unions_redemptions = per(redeemed_in.filter(org__in=Org.objects.in_subtree(org.path)), "org")
    union_names = dict(
        Org.objects.filter(pk__in=set(unions_claims) | set(unions_redemptions)).values_list(
            "pk", "name"
        )
    )
    return Usage(
        services=[
            ServiceUsage(
                service_id=s.pk,
                title=s.title,
                provider=s.provider.name,
                org=s.org.name,
                category=category_label(s.category, names),
                views=s.views_in,  # type: ignore[attr-defined]
                claims=by_service_claims.get(s.pk, 0),
                redemptions=by_service_redemptions.get(s.pk, 0),
            )
            for s in services
        ],
        offers=[
            OfferUsage(
                offer_id=o.pk,
                service_title=o.service.title,
                title=o.title,
                quota=o.quota,
                claims=by_offer_claims.get(o.pk, 0),
                redemptions=by_offer_redemptions.get(o.pk, 0),
            )
            for o in offers
        ],
        unions=sorted(
            (
                UnionUsage(
                    org_id=pk,
                    name=union_names.get(pk, str(pk)),
                    claims=unions_claims.get(pk, 0),
                    redemptions=unions_redemptions.get(pk, 0),
                )
                for pk in set(unions_claims) | set(unions_redemptions)
            ),
            key=lambda row: (-row.claims, row.name),
        ),
    )
