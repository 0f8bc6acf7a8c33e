"""Reads of activities, for members (by audience) and for staff (by scope)."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404

from gonghui.accounts.models import AnyUser
from gonghui.checkins.models import CheckIn, Checkpoint, Registration
from gonghui.core.capabilities import Capability
from gonghui.core.tree import ancestor_paths
from gonghui.events.models import Activity, ActivityPhoto, Audience
from gonghui.members.models import Member
from gonghui.orgs.models import Org


def _pk(value: int | str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _open_to(member: Member | None) -> Q:
    """Activities a member (or, with None, the public) may see and join."""
    if member is None or not member.is_active:
        return Q(audience=Audience.PUBLIC)
    paths = [*ancestor_paths(member.org.path), member.org.path]
    return Q(audience__in=[Audience.PUBLIC, Audience.MEMBERS]) | Q(
        audience=Audience.SUBTREE, audience_org__path__in=paths
    )


@dataclass(frozen=True)
class ActivityFilters:
    category: str = ""
    date_from: date | None = None
    date_to: date | None = None
    search: str = ""
    status: str = ""  # draft, published or cancelled; blank for all


def _filtered(activities: QuerySet[Activity], filters: ActivityFilters) -> QuerySet[Activity]:
    if filters.category:
        activities = activities.filter(category=filters.category)
    if filters.status:
        activities = activities.filter(status=filters.status)
    if filters.date_from:
        activities = activities.filter(ends_at__date__gte=filters.date_from)
    if filters.date_to:
        activities = activities.filter(starts_at__date__lte=filters.date_to)
    if filters.search:
        activities = activities.filter(title__icontains=filters.search)
    return activities


def list_open_activities(member: Member | None, *, filters: ActivityFilters) -> QuerySet[Activity]:
    """Published activities open to the member, soonest first."""
    activities = Activity.objects.filter(_open_to(member), status=Activity.Status.PUBLISHED)
    return (
        _filtered(activities, filters)
        .select_related("org", "checkpoint")
        .order_by("starts_at", "pk")
    )


def get_open_activity(member: Member | None, activity_id: int | str) -> Activity:
    """A published (or cancelled, to say so) activity the member may see; else 404."""
    try:
        return (
            Activity.objects.filter(_open_to(member))
            .exclude(status=Activity.Status.DRAFT)
            .select_related("org", "checkpoint", "audience_org")
            .get(pk=_pk(activity_id))
        )
    except Activity.DoesNotExist:
        raise Http404 from None


def is_for_members_only(activity_id: int | str) -> bool:
    """Whether a visible (not draft) activity with this id is open to union members only: a
    non-member who opens it is told so and shown the way in, instead of a 404."""
    return (
        Activity.objects.exclude(status=Activity.Status.DRAFT)
        .exclude(audience=Audience.PUBLIC)
        .filter(pk=_pk(activity_id))
        .exists()
    )


def list_own_registrations(member: Member) -> QuerySet[Registration]:
    return (
        Registration.objects.filter(member=member)
        .exclude(status__in=["cancelled", "expired"])
        .select_related("checkpoint", "checkpoint__activity")
        .annotate(
            checked_in=Exists(
                CheckIn.objects.filter(checkpoint=OuterRef("checkpoint"), member=OuterRef("member"))
            )
        )
        .order_by("-checkpoint__opens_at")
    )


def get_own_registration(member: Member, activity: Activity) -> Registration | None:
    return (
        Registration.objects.filter(member=member, checkpoint_id=activity.checkpoint_id)
        .exclude(status__in=["cancelled", "rejected", "expired"])
        .first()
    )


# --- staff -----------------------------------------------------------------------------------


def list_activities(
    user: AnyUser,
    capability: Capability,
    *,
    filters: ActivityFilters,
    within: Org | None = None,
) -> QuerySet[Activity]:
    activities = Activity.objects.visible_to(user, capability)
    if within is not None:
        activities = activities.in_subtree(within.path)
    return (
        _filtered(activities, filters)
        .select_related("org", "checkpoint")
        .order_by("-starts_at", "pk")
    )


def get_activity_for(user: AnyUser, activity_id: int | str, capability: Capability) -> Activity:
    try:
        return (
            Activity.objects.visible_to(user, capability)
            # The checkpoint's org too: a scan checks the capability there (one query less
            # on the check-in hot path).
            .select_related("org", "checkpoint", "checkpoint__org", "audience_org")
            .get(pk=_pk(activity_id))
        )
    except Activity.DoesNotExist:
        raise Http404 from None


@dataclass(frozen=True)
class Attendance:
    registered: int  # confirmed places
    waitlisted: int
    pending: int
    checked_in: int
    walk_ins: int
    no_shows: int  # confirmed registrations without a check-in (after the start)


def attendance_of(activity: Activity) -> Attendance:
    """Live counts: the checkpoint's exact counters plus one grouped count of registrations."""
    checkpoint = Checkpoint.objects.only("confirmed_places", "checked_in", "walk_ins").get(
        pk=activity.checkpoint_id
    )
    by_status = dict(
        Registration.objects.filter(checkpoint=checkpoint)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    registered_checked_in = checkpoint.checked_in - checkpoint.walk_ins
    return Attendance(
        registered=checkpoint.confirmed_places,
        waitlisted=by_status.get("waitlisted", 0),
        pending=by_status.get("pending", 0),
        checked_in=checkpoint.checked_in,
        walk_ins=checkpoint.walk_ins,
        no_shows=max(by_status.get("confirmed", 0) - registered_checked_in, 0),
    )


def list_attendance(activity: Activity) -> QuerySet[CheckIn]:
    return (
        CheckIn.objects.filter(checkpoint_id=activity.checkpoint_id)
        .select_related("member", "member__org")
        .order_by("checked_in_at", "pk")
    )


def list_registrations(activity: Activity, *, status: str = "") -> QuerySet[Registration]:
    registrations = Registration.objects.filter(checkpoint_id=activity.checkpoint_id)
    if status:
        registrations = registrations.filter(status=status)
    return registrations.select_related("member", "member__org").order_by("created_at", "pk")


@dataclass(frozen=True)
class CategoryFigures:
    category: str
    activities: int
    registered: int
    checked_in: int


def figures_by_category(
    org: Org, *, start: datetime | None, end: datetime | None
) -> list[CategoryFigures]:
    """Per category for a subtree and period: activities, registered places, check-ins."""
    activities = Activity.objects.in_subtree(org.path).filter(status=Activity.Status.PUBLISHED)
    if start:
        activities = activities.filter(starts_at__gte=start)
    if end:
        activities = activities.filter(starts_at__lt=end)
    rows = (
        activities.values("category")
        .annotate(
            n=Count("pk"),
            registered=Sum("checkpoint__confirmed_places", default=0),
            checked_in=Sum("checkpoint__checked_in", default=0),
        )
        .order_by("category")
    )
    return [CategoryFigures(r["category"], r["n"], r["registered"], r["checked_in"]) for r in rows]


# --- members' phone pages --------------------------------------------------------------------


def get_open_activity_by_checkpoint(member: Member | None, checkpoint_id: int) -> Activity:
    """The activity whose big screen showed a check-in code, if the member may see it; else 404
    alike, so a made-up code learns nothing about activities outside the member's audience."""
    try:
        return (
            Activity.objects.filter(_open_to(member), checkpoint_id=checkpoint_id)
            .exclude(status=Activity.Status.DRAFT)
            .select_related("org", "checkpoint")
            .get()
        )
    except Activity.DoesNotExist:
        raise Http404 from None


def _shown_photos(activity: Activity) -> QuerySet[ActivityPhoto]:
    photos = ActivityPhoto.objects.filter(activity_id=activity.pk)
    # The report's photos appear with the report, not while staff are still writing it.
    if activity.report_published_at is None:
        photos = photos.filter(use=ActivityPhoto.Use.DESCRIPTION)
    return photos


def list_shown_photos(activity: Activity) -> list[ActivityPhoto]:
    """The photos a visitor of the activity page sees: the description's, and the report's
    once it is published."""
    return list(_shown_photos(activity).order_by("uploaded_at", "pk"))


def get_shown_photo(activity: Activity, photo_id: int | str) -> ActivityPhoto:
    """One photo of an activity the caller already got through get_open_activity; else 404."""
    try:
        return _shown_photos(activity).get(pk=_pk(photo_id))
    except ActivityPhoto.DoesNotExist:
        raise Http404 from None


def list_own_activity_registrations(member: Member) -> QuerySet[Registration]:
    """The member's live registrations for activities (not stations or shifts), newest first,
    each with `checked_in`."""
    return list_own_registrations(member).filter(checkpoint__activity__isnull=False)


def get_own_check_in(member: Member, activity: Activity) -> CheckIn | None:
    return CheckIn.objects.filter(checkpoint_id=activity.checkpoint_id, member=member).first()


# --- staff pages (activity desk) -------------------------------------------------------------


def list_attendance_rows(activity: Activity) -> QuerySet[CheckIn]:
    """Check-ins with only what the attendance list and its export show: loading whole members
    would decrypt two personal fields per row, 20,000 decryptions for a large activity."""
    return (
        CheckIn.objects.filter(checkpoint_id=activity.checkpoint_id)
        .select_related("member", "member__org")
        .only(
            "checked_in_at",
            "method",
            "walk_in",
            "member__number",
            "member__name",
            "member__org__name",
        )
        .order_by("checked_in_at", "pk")
    )


def list_registration_rows(activity: Activity, *, status: str = "") -> QuerySet[Registration]:
    """Registrations for the staff list, oldest first, without the members' encrypted fields."""
    registrations = Registration.objects.filter(checkpoint_id=activity.checkpoint_id)
    if status:
        registrations = registrations.filter(status=status)
    return (
        registrations.select_related("member", "member__org")
        .only(
            "places",
            "status",
            "offer_expires_at",
            "created_at",
            "checkpoint",
            "member__number",
            "member__name",
            "member__org__name",
        )
        .order_by("created_at", "pk")
    )


def get_registration_of(activity: Activity, registration_id: int | str) -> Registration:
    """A registration of this activity (the caller already holds the activity); else 404."""
    try:
        return Registration.objects.select_related("member").get(
            pk=_pk(registration_id), checkpoint_id=activity.checkpoint_id
        )
    except Registration.DoesNotExist:
        raise Http404 from None


def list_photos(activity: Activity, *, use: str = "") -> QuerySet[ActivityPhoto]:
    photos = ActivityPhoto.objects.filter(activity=activity)
    if use:
        photos = photos.filter(use=use)
    return photos.order_by("uploaded_at", "pk")


def get_photo_for(user: AnyUser, photo_id: int | str, capability: Capability) -> ActivityPhoto:
    """A photo of an activity the user holds `capability` over; 404 alike for missing/forbidden."""
    try:
        return ActivityPhoto.objects.select_related("activity").get(
            pk=_pk(photo_id), activity__in=Activity.objects.visible_to(user, capability)
        )
    except ActivityPhoto.DoesNotExist:
        raise Http404 from None


def registration_state(activity: Activity, now: datetime) -> str:
    """What the register button may do now: open, not_open, closed, not_needed, cancelled."""
    checkpoint = activity.checkpoint
    if activity.status != Activity.Status.PUBLISHED:
        return "cancelled"
    if not checkpoint.requires_registration:
        return "not_needed"
    closes = checkpoint.registration_closes_at
    if activity.ends_at <= now or (closes is not None and now > closes):
        return "closed"
    if checkpoint.registration_opens_at and now < checkpoint.registration_opens_at:
        return "not_open"
    return "open"
