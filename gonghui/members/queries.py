"""Reads of recruitment and membership, scoped through the funnel."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMinute
from django.http import Http404
from django.utils import timezone

from gonghui.members.models import Application, Member, RecruitmentEvent, Transfer
from gonghui.orgs.models import Org


def _pk(value: int | str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


# --- events ----------------------------------------------------------------------------------


def list_events(
    user: Any, capability: str, *, within: Org | None = None
) -> QuerySet[RecruitmentEvent]:
    events = RecruitmentEvent.objects.visible_to(user, capability)
    if within is not None:
        events = events.in_subtree(within.path)
    return events.select_related("org", "enterprise").annotate(
        application_count=Count("applications"),
        approved_count=Count("applications", filter=Q(applications__status="approved")),
    )


def get_event_for(user: Any, event_id: int | str, capability: str) -> RecruitmentEvent:
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


def list_applications(
    user: Any, capability: str, *, filters: ApplicationFilters, within: Org | None = None
) -> QuerySet[Application]:
    """The review queue, oldest first, each flagged when the person is already a member."""
    applications = Application.objects.visible_to(user, capability)
    if within is not None:
        applications = applications.in_subtree(within.path)
    if filters.status:
        applications = applications.filter(status=filters.status)
    if filters.event:
        applications = applications.filter(event_id=filters.event)
    if filters.search:
        applications = applications.filter(
            Q(name__icontains=filters.search) | Q(employer_name__icontains=filters.search)
        )
    if filters.waiting_only:
        applications = applications.filter(submitted_at__lt=waiting_cutoff())
    return (
        applications.select_related("org", "event")
        .annotate(
            is_member_already=Exists(
                Member.objects.filter(id_number_hash=OuterRef("id_number_hash"))
            )
        )
        .order_by("submitted_at", "pk")
    )


def get_application_for(user: Any, application_id: int | str, capability: str) -> Application:
    try:
        return (
            Application.objects.visible_to(user, capability)
            .select_related("org", "event", "enterprise", "member")
            .get(pk=_pk(application_id))
        )
    except Application.DoesNotExist:
        raise Http404 from None


def get_applications_for(user: Any, ids: list[int], capability: str) -> list[Application]:
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


def count_waiting(user: Any, capability: str) -> int:
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
    user: Any, capability: str, *, filters: MemberFilters, within: Org | None = None
) -> QuerySet[Member]:
    members = Member.objects.visible_to(user, capability)
    if within is not None:
        members = members.in_subtree(within.path)
    if filters.status:
        members = members.filter(status=filters.status)
    if filters.job_type:
        members = members.filter(job_type=filters.job_type)
    if filters.search:
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


def get_member_for(user: Any, member_id: int | str, capability: str) -> Member:
    try:
        return (
            Member.objects.visible_to(user, capability)
            .select_related("org", "enterprise", "user")
            .get(pk=_pk(member_id))
        )
    except Member.DoesNotExist:
        raise Http404 from None


def get_own_member(user: Any) -> Member | None:
    """The signed-in worker's membership, if they have one."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.select_related("org").filter(user=user).first()


def get_member_by_number(number: str) -> Member | None:
    """For the online card check: unscoped, and it answers only validity (see cards)."""
    return Member.objects.select_related("org").filter(number=number).first()


def list_episodes(member: Member) -> list[Any]:
    return list(member.episodes.select_related("org").order_by("started_on", "pk"))


def list_transfers(user: Any, capability: str, *, status: str = "pending") -> QuerySet[Transfer]:
    transfers = Transfer.objects.visible_to(user, capability)
    if status:
        transfers = transfers.filter(status=status)
    return transfers.select_related("member", "from_org", "to_org", "requested_by")


def get_transfer_for(user: Any, transfer_id: int | str, capability: str) -> Transfer:
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
