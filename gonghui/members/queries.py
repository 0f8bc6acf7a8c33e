"""Reads of recruitment and membership, scoped through the funnel."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMinute
from django.http import Http404
from django.utils import timezone

from gonghui.accounts.models import AnyUser, User
from gonghui.core.capabilities import Capability
from gonghui.core.errors import DomainError
from gonghui.core.fields import lookup_value
from gonghui.core.personal import normalize_id_number, normalize_mobile
from gonghui.enterprises.models import Enterprise
from gonghui.members import cards
from gonghui.members.models import Application, Member, RecruitmentEvent, Transfer
from gonghui.members.review_warnings import ReviewWarning, annotate_warnings, warnings_of
from gonghui.orgs.models import Org, OrgKind
from gonghui.orgs.queries import home_org_for, rank_by_name, scope_of


def _pk(value: int | str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


# --- events ----------------------------------------------------------------------------------


def list_events(
    user: AnyUser, capability: Capability, *, within: Org | None = None
) -> QuerySet[RecruitmentEvent]:
    events = RecruitmentEvent.objects.visible_to(user, capability)
    if within is not None:
        events = events.in_subtree(within.path)
    return (
        events.select_related("org", "enterprise")
        .annotate(
            application_count=Count("applications"),
            approved_count=Count("applications", filter=Q(applications__status="approved")),
        )
        .order_by("-starts_at", "pk")
    )


def get_event_for(user: AnyUser, event_id: int | str, capability: Capability) -> RecruitmentEvent:
    try:
        return (
            RecruitmentEvent.objects.visible_to(user, capability)
            .select_related("org", "enterprise", "enterprise__union")
            .get(pk=_pk(event_id))
        )
    except RecruitmentEvent.DoesNotExist:
        raise Http404 from None


def get_event_by_code(code: str) -> RecruitmentEvent:
    """The event behind a poster's link: public, since anyone may scan the poster."""
    try:
        return RecruitmentEvent.objects.select_related(
            "org", "enterprise", "enterprise__union"
        ).get(code=code.strip().lower())
    except RecruitmentEvent.DoesNotExist:
        raise Http404 from None


def list_joinable_unions() -> list[tuple[int, str]]:
    """The unions a worker may apply to online without an event: the street federations and
    industry unions (public, as the posters that name them are)."""
    unions = Org.objects.filter(kind__in=[OrgKind.STREET, OrgKind.INDUSTRY], is_active=True)
    return list(unions.order_by("kind", "name", "pk").values_list("pk", "name"))


def get_joinable_union(org_id: int | str) -> Org:
    """One of `list_joinable_unions`; else 404."""
    try:
        return Org.objects.get(
            pk=_pk(org_id), kind__in=[OrgKind.STREET, OrgKind.INDUSTRY], is_active=True
        )
    except Org.DoesNotExist:
        raise Http404 from None


def find_employer(name: str, credit_code: str = "") -> Enterprise | None:
    """The employer an online applicant names, from the enterprise register: by unified social
    credit code when given, else by its exact name when only one enterprise has it."""
    if credit_code:
        return (
            Enterprise.objects.select_related("union")
            .filter(credit_code=credit_code.strip().upper())
            .first()
        )
    matches = list(Enterprise.objects.select_related("union").filter(name=name.strip())[:2])
    return matches[0] if len(matches) == 1 else None


@dataclass(frozen=True)
class EventFigures:
    scans: int
    applications: int
    pending: int
    approved: int
    rejected: int
    members: int
    gifts_given: int
    gifts_left: int
    last_minutes: int  # applications in the last RATE_WINDOW minutes
    peak_per_minute: int
    by_enterprise: list[tuple[str, int, int]]  # (employer, applications, approved)


RATE_WINDOW = 10


def event_figures(event: RecruitmentEvent) -> EventFigures:
    """The funnel of one event: scans → applications → approved → still members."""
    applications = Application.objects.filter(event=event)
    counts = applications.aggregate(
        total=Count("pk"),
        pending=Count("pk", filter=Q(status="pending")),
        approved=Count("pk", filter=Q(status="approved")),
        rejected=Count("pk", filter=Q(status="rejected")),
        recent=Count(
            "pk", filter=Q(submitted_at__gte=timezone.now() - timedelta(minutes=RATE_WINDOW))
        ),
    )
    peak = (
        applications.annotate(minute=TruncMinute("submitted_at"))
        .values("minute")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("n", flat=True)
        .first()
    )
    by_employer = list(
        applications.values("employer_name")
        .annotate(n=Count("pk"), approved=Count("pk", filter=Q(status="approved")))
        .order_by("-n")
        .values_list("employer_name", "n", "approved")[:20]
    )
    return EventFigures(
        scans=event.scans,
        applications=counts["total"],
        pending=counts["pending"],
        approved=counts["approved"],
        rejected=counts["rejected"],
        members=Member.objects.filter(recruitment_event=event, status="active").count(),
        gifts_given=event.gifts_given,
        gifts_left=max(event.gift_stock - event.gifts_given, 0),
        last_minutes=counts["recent"],
        peak_per_minute=peak or 0,
        by_enterprise=[(name or "—", n, approved) for name, n, approved in by_employer],
    )


# --- applications ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationFilters:
    status: str = Application.Status.PENDING
    event: int | None = None
    search: str = ""
    waiting_only: bool = False


def waiting_cutoff() -> Any:
    return timezone.now() - timedelta(days=settings.REVIEW_WAITING_DAYS)


def number_in(search: str) -> tuple[str, str] | None:
    """(field, normalised value) when a staff search is a whole mobile or ID number: it is
    then looked up by its hash (the clear value cannot be searched), and audited by
    `actions.record_number_search`. Anything else searches names as before."""
    for field, normalize in (("mobile", normalize_mobile), ("id_number", normalize_id_number)):
        try:
            return field, normalize(search)
        except DomainError:
            continue
    return None


def number_q(number: tuple[str, str]) -> Q:
    field, value = number
    return Q(**{f"{field}_hash": lookup_value(field, value)})


def list_applications(
    user: AnyUser,
    capability: Capability,
    *,
    filters: ApplicationFilters,
    within: Org | None = None,
) -> QuerySet[Application]:
    """The review queue, oldest first, each flagged when the person is already a member or
    has another application waiting (joining answers everyone alike, so both can happen)."""
    applications = Application.objects.visible_to(user, capability)
    if within is not None:
        applications = applications.in_subtree(within.path)
    if filters.status:
        applications = applications.filter(status=filters.status)
    if filters.event:
        applications = applications.filter(event_id=filters.event)
    number = number_in(filters.search)
    if number is not None:
        applications = applications.filter(number_q(number))
    elif filters.search:
        applications = applications.filter(
            Q(name__icontains=filters.search) | Q(employer_name__icontains=filters.search)
        )
    if filters.waiting_only:
        applications = applications.filter(submitted_at__lt=waiting_cutoff())
    return (
        annotate_warnings(applications.select_related("org", "event"))
        .annotate(
            is_member_already=Exists(
                Member.objects.filter(id_number_hash=OuterRef("id_number_hash"))
            ),
            also_applied=Exists(
                Application.objects.filter(
                    id_number_hash=OuterRef("id_number_hash"), status="pending"
                ).exclude(pk=OuterRef("pk"))
            ),
        )
        .order_by("submitted_at", "pk")
    )


def get_application_for(
    user: AnyUser, application_id: int | str, capability: Capability
) -> Application:
    try:
        return (
            Application.objects.visible_to(user, capability)
            .select_related("org", "event", "enterprise", "member")
            .get(pk=_pk(application_id))
        )
    except Application.DoesNotExist:
        raise Http404 from None


def get_applications_for(
    user: AnyUser, ids: list[int], capability: Capability
) -> list[Application]:
    """The listed applications the user may act on; ids outside the scope are left out."""
    return list(
        Application.objects.visible_to(user, capability)
        .filter(pk__in=ids)
        .select_related("org")
        .order_by("submitted_at", "pk")
    )


def get_application_by_receipt(receipt: str) -> Application:
    """The applicant's own status page: the receipt is the secret in their status link."""
    try:
        return Application.objects.select_related("org", "member").get(receipt=receipt)
    except Application.DoesNotExist:
        raise Http404 from None


def count_waiting(user: AnyUser, capability: Capability) -> int:
    return (
        Application.objects.visible_to(user, capability)
        .filter(status="pending", submitted_at__lt=waiting_cutoff())
        .count()
    )


# --- members ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberFilters:
    search: str = ""
    status: str = Member.Status.ACTIVE
    job_type: str = ""
    joined_from: date | None = None
    joined_to: date | None = None


def list_members(
    user: AnyUser,
    capability: Capability,
    *,
    filters: MemberFilters,
    within: Org | None = None,
) -> QuerySet[Member]:
    members = Member.objects.visible_to(user, capability)
    if within is not None:
        members = members.in_subtree(within.path)
    if filters.status:
        members = members.filter(status=filters.status)
    if filters.job_type:
        members = members.filter(job_type=filters.job_type)
    number = number_in(filters.search)
    if number is not None:
        members = members.filter(number_q(number))
    elif filters.search:
        members = members.filter(
            Q(name__icontains=filters.search)
            | Q(number__iexact=filters.search)
            | Q(employer_name__icontains=filters.search)
        )
    if filters.joined_from:
        members = members.filter(joined_on__gte=filters.joined_from)
    if filters.joined_to:
        members = members.filter(joined_on__lte=filters.joined_to)
    return members.select_related("org").order_by("number")


def get_member_for(user: AnyUser, member_id: int | str, capability: Capability) -> Member:
    try:
        return (
            Member.objects.visible_to(user, capability)
            .select_related("org", "enterprise", "user")
            .get(pk=_pk(member_id))
        )
    except Member.DoesNotExist:
        raise Http404 from None


def get_own_member(user: AnyUser) -> Member | None:
    """The signed-in worker's membership, if they have one."""
    if not isinstance(user, User):
        return None
    return Member.objects.select_related("org").filter(user=user).first()


@dataclass(frozen=True)
class CardCheck:
    """The online check of a scanned card code: `status` is valid, revoked (an older card
    version), left (the membership ended), outdated (the union or name changed: the phone
    shows a newer card), unknown (genuine, no such member) or not_genuine."""

    status: str
    claims: cards.CardClaims | None = None
    member: Member | None = None


def check_card(code: str) -> CardCheck:
    """Whether a card code is genuine and still current, for the verifier page and the API.
    Unscoped: it answers only about the card shown, nothing beyond what the card says. Only
    the canonical spelling of a code is genuine: base64 decoding ignores the unused bits of a
    last character, and Ed25519 is deterministic, so the genuine spelling is exactly what
    signing the claims again gives."""
    code = code.strip()
    try:
        claims = cards.verify_card(code)
    except cards.CardCodeError:
        return CardCheck("not_genuine")
    if cards.sign_card(claims) != code:
        return CardCheck("not_genuine")
    member = Member.objects.select_related("org").filter(number=claims.number).first()
    if member is None:
        status = "unknown"
    elif not member.is_active:
        status = "left"
    elif member.card_version != claims.version:
        status = "revoked"
    elif member.org.name != claims.union or member.name != claims.name:
        status = "outdated"  # e.g. moved to another union: the phone shows a newer card
    else:
        status = "valid"
    return CardCheck(status, claims, member)


def list_episodes(member: Member) -> list[Any]:
    return list(member.episodes.select_related("org").order_by("started_on", "pk"))


def list_transfers(
    user: AnyUser, capability: Capability, *, status: str = "pending"
) -> QuerySet[Transfer]:
    transfers = Transfer.objects.visible_to(user, capability)
    if status:
        transfers = transfers.filter(status=status)
    return transfers.select_related("member", "from_org", "to_org", "requested_by")


def get_transfer_for(user: AnyUser, transfer_id: int | str, capability: Capability) -> Transfer:
    try:
        return (
            Transfer.objects.visible_to(user, capability)
            .select_related("member", "from_org", "to_org")
            .get(pk=_pk(transfer_id))
        )
    except Transfer.DoesNotExist:
        raise Http404 from None


def list_member_transfers(member: Member) -> list[Transfer]:
    return list(member.transfers.select_related("from_org", "to_org").order_by("-requested_at"))


def list_receiving_unions(search: str) -> QuerySet[Org]:
    """Unions a member may ask to move to: public names, searchable by anyone signed in."""
    orgs = Org.objects.filter(is_active=True).exclude(kind="station")
    if search:
        orgs = orgs.filter(name__icontains=search)
    return orgs.order_by("path")[:20]


# --- recruitment pages -----------------------------------------------------------------------


def home_recruiting_union(user: AnyUser) -> Org | None:
    """The highest union the user may run recruitment events for (the form's default); None
    when there is none."""
    return home_org_for(user, "members.recruit", exclude_kinds=[OrgKind.STATION])


def search_event_applications(
    user: AnyUser,
    capability: Capability,
    *,
    event: RecruitmentEvent,
    search: str,
    limit: int = 20,
) -> list[Application]:
    """The gift desk's lookup: an event's applications by name, by the last four digits of
    the mobile number, or by the whole number. Mobile numbers are encrypted, so the last
    digits are compared after decryption, within the one event only."""
    from gonghui.core.fields import lookup_value

    applications = Application.objects.visible_to(user, capability).filter(event=event)
    search = "".join(search.split())
    if not search:
        return list(applications.select_related("org").order_by("-submitted_at", "-pk")[:limit])
    if search.isdigit() and len(search) == 11:
        found = applications.filter(mobile_hash=lookup_value("mobile", search))
    elif search.isdigit() and len(search) == 4:
        ids = [
            pk
            for pk, mobile in applications.values_list("pk", "mobile")
            if str(mobile).endswith(search)
        ]
        found = applications.filter(pk__in=ids)
    else:
        found = applications.filter(name__icontains=search)
    return list(found.select_related("org").order_by("name", "pk")[:limit])


# --- membership pages: review, members, transfers, the worker's card -------------------------


def list_event_choices(user: AnyUser, capability: Capability) -> list[tuple[int, str]]:
    """(id, title) of the events the user sees, newest first, for a filter menu."""
    return list(
        RecruitmentEvent.objects.visible_to(user, capability)
        .order_by("-starts_at", "-pk")
        .values_list("pk", "title")[:200]
    )


def list_application_warnings(application: Application) -> list[ReviewWarning]:
    """The review warnings of one application (one query)."""
    return warnings_of(annotate_warnings(Application.objects.filter(pk=application.pk)).get())


def is_already_member(application: Application) -> bool:
    """Whether someone with the applicant's ID number is a member anywhere (a duplicate)."""
    return Member.objects.filter(id_number_hash=application.id_number_hash).exists()


def is_the_members_own_number(application: Application) -> bool:
    """Whether the member with the applicant's ID number has the applicant's mobile number
    too: then the texts of this application reach the member themselves."""
    return Member.objects.filter(
        id_number_hash=application.id_number_hash, mobile_hash=application.mobile_hash
    ).exists()


def count_other_pending(application: Application) -> int:
    """Other applications of the same person waiting for review, wherever they are (one of
    them can be approved; the others are duplicates)."""
    return (
        Application.objects.filter(id_number_hash=application.id_number_hash, status="pending")
        .exclude(pk=application.pk)
        .count()
    )


def list_incoming_transfers(
    user: AnyUser, capability: Capability, *, status: str = Transfer.Status.PENDING
) -> QuerySet[Transfer]:
    """Transfers to a union in the user's scope: the ones they accept or decline."""
    from gonghui.core.tree import subtree_q

    paths = scope_of(user, capability)
    transfers = Transfer.objects.all()
    if paths is not None:
        transfers = transfers.filter(subtree_q("to_org__path", paths))
    if status:
        transfers = transfers.filter(status=status)
    return transfers.select_related("member", "from_org", "to_org").order_by("requested_at", "pk")


def list_outgoing_transfers(user: AnyUser, capability: Capability) -> QuerySet[Transfer]:
    """Transfers from the user's unions to unions outside their scope, newest first."""
    from gonghui.core.tree import subtree_q

    paths = scope_of(user, capability)
    if paths is None:
        return Transfer.objects.none()  # everything is "incoming" for an operator
    return (
        Transfer.objects.filter(subtree_q("from_org__path", paths))
        .exclude(subtree_q("to_org__path", paths))
        .select_related("member", "from_org", "to_org")
        .order_by("-requested_at", "-pk")
    )


def search_receiving_unions(text: str, *, limit: int) -> list[Org]:
    """Unions a membership may move to whose name contains `text`, best first (the staff
    transfer form's picker; the names are public)."""
    return rank_by_name(_receiving_unions(), text, limit=limit)


def find_receiving_unions_named(text: str, *, limit: int) -> list[Org]:
    """Unions a membership may move to whose name or short name is exactly `text`."""
    named = _receiving_unions().filter(Q(name=text) | Q(short_name=text))
    return list(named.select_related("parent").order_by("path")[:limit])


def _receiving_unions() -> QuerySet[Org]:
    return Org.objects.filter(is_active=True).exclude(kind=OrgKind.STATION)


def get_receiving_union(org_id: int | str) -> Org:
    """A union a membership may move to (public names, as list_receiving_unions); 404 if not."""
    try:
        return Org.objects.filter(is_active=True).exclude(kind="station").get(pk=_pk(org_id))
    except Org.DoesNotExist:
        raise Http404 from None


def find_own_member(user: AnyUser) -> Member | None:
    """The worker's membership: linked to the account, or else the one unlinked membership
    recorded with the mobile number the account signed in with (to be linked on first use)."""
    own = get_own_member(user)
    if own is not None or not isinstance(user, User) or not user.mobile_hash:
        return own
    candidates = list(
        Member.objects.select_related("org").filter(user=None, mobile_hash=user.mobile_hash)[:2]
    )
    return candidates[0] if len(candidates) == 1 else None


# --- roster import and export ----------------------------------------------------------------


def home_roster_import_org(user: AnyUser) -> Org | None:
    """The highest union the user may import a roster into (members.manage and imports.run):
    the form's default; None when there is none."""
    return home_org_for(user, "members.manage", "imports.run", exclude_kinds=[OrgKind.STATION])


def members_for_export(
    user: AnyUser,
    capability: Capability,
    *,
    filters: MemberFilters,
    within: Org | None = None,
) -> QuerySet[Member]:
    """The members list's rows (same scope and filters), with only what an export writes."""
    return list_members(user, capability, filters=filters, within=within).only(
        "number",
        "name",
        "gender",
        "ethnicity",
        "id_number",
        "mobile",
        "employer_name",
        "job_type",
        "job_type_text",
        "education",
        "political_status",
        "joined_on",
        "status",
        "org__name",
    )


def among(values: list[str]) -> Any:
    """The right-hand side of a `field__in=` lookup over many values (hashes, mostly). On
    PostgreSQL it is one array parameter, IN (SELECT unnest(…)), where a list would send a
    placeholder per value that the driver parses one by one; elsewhere, the list itself."""
    from django.db import connection
    from django.db.models.expressions import RawSQL

    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::text[])", (list(values),))
    return list(values)


def get_member_export_for(user: AnyUser, export_id: int | str) -> Any:
    """A members export the user asked for (nobody else's: it holds the list's personal
    data); 404 otherwise."""
    from gonghui.members.models import MemberExport

    try:
        return MemberExport.objects.select_related("within").get(
            pk=int(export_id), created_by_id=getattr(user, "pk", None)
        )
    except (MemberExport.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
