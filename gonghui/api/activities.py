"""Activities (普惠活动, seminars, drills …): publishing, registrations with capacity and a
waiting list, check-in (a scanned member card, one at a time or as an offline batch, and the
member's own scan of the big screen's code) and attendance. The same rules as the staff and
member pages: staff act with events.manage (activities, registrations, attendance, figures) or
checkins.scan (check-in) over the organiser; members act on activities open to them."""

from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from gonghui.api.auth import api_user
from gonghui.api.errors import ERROR_RESPONSES
from gonghui.api.members import own_member
from gonghui.api.pagination import MAX_PAGE, Pages
from gonghui.api.types import MAX_INT, Day, Id, Moment, Version
from gonghui.checkins import actions as checkins
from gonghui.checkins.models import CheckIn, Registration
from gonghui.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from gonghui.core.personal import mask_name
from gonghui.events import actions, queries
from gonghui.events.forms import MAX_CARD_CODE, MAX_PLACES_PER_PERSON
from gonghui.events.models import Activity, Audience, Category
from gonghui.members.models import Member
from gonghui.orgs.models import Org
from gonghui.orgs.queries import get_org_for, home_org_for

router = Router(tags=["activities"])

ATTENDANCE_PAGE_SIZE = 50
MAX_ATTENDANCE_PAGE_SIZE = 500


# --- schemas: activities ---------------------------------------------------------------------


class _ActivityResolvers(Schema):
    """What the staff and the member views of an activity both show from its checkpoint and
    labels. No fields of its own, so each schema keeps its own fields, in its own order."""

    @staticmethod
    def resolve_category_label(obj: Activity) -> str:
        return str(obj.get_category_display())

    @staticmethod
    def resolve_org_name(obj: Activity) -> str:
        return obj.org.name

    @staticmethod
    def resolve_registration_opens_at(obj: Activity) -> datetime | None:
        return obj.checkpoint.registration_opens_at

    @staticmethod
    def resolve_registration_closes_at(obj: Activity) -> datetime | None:
        return obj.checkpoint.registration_closes_at

    @staticmethod
    def resolve_requires_registration(obj: Activity) -> bool:
        return obj.checkpoint.requires_registration

    @staticmethod
    def resolve_allows_walk_ins(obj: Activity) -> bool:
        return obj.checkpoint.allows_walk_ins

    @staticmethod
    def resolve_capacity(obj: Activity) -> int | None:
        return obj.checkpoint.capacity

    @staticmethod
    def resolve_places_left(obj: Activity) -> int | None:
        checkpoint = obj.checkpoint
        if checkpoint.capacity is None:
            return None
        return max(checkpoint.capacity - checkpoint.confirmed_places, 0)

    @staticmethod
    def resolve_per_person_limit(obj: Activity) -> int:
        return obj.checkpoint.per_person_limit

    @staticmethod
    def resolve_approval_required(obj: Activity) -> bool:
        return obj.checkpoint.approval_required


class ActivityOut(_ActivityResolvers):
    id: int
    title: str
    category: str
    category_label: str
    description: str
    org_id: int
    org_name: str
    audience: str
    audience_label: str
    audience_org_id: int | None = Field(description="For audience `subtree`: whose members.")
    place: str
    starts_at: datetime
    ends_at: datetime
    status: str
    status_label: str
    published_at: datetime | None
    checkin_opens_at: datetime | None = Field(description="An hour before the start.")
    checkin_closes_at: datetime | None = Field(description="The end (or the cancellation).")
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    requires_registration: bool
    allows_walk_ins: bool
    capacity: int | None = Field(description="Null: unlimited.")
    per_person_limit: int
    approval_required: bool
    confirmed_places: int
    places_left: int | None = Field(description="Null when there is no capacity limit.")
    checked_in: int
    walk_ins: int
    version: int = Field(description="Send it back with a PATCH.")
    created_at: datetime

    @staticmethod
    def resolve_audience_label(obj: Activity) -> str:
        return str(obj.get_audience_display())

    @staticmethod
    def resolve_status_label(obj: Activity) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_checkin_opens_at(obj: Activity) -> datetime | None:
        return obj.checkpoint.opens_at

    @staticmethod
    def resolve_checkin_closes_at(obj: Activity) -> datetime | None:
        return obj.checkpoint.closes_at

    @staticmethod
    def resolve_confirmed_places(obj: Activity) -> int:
        return obj.checkpoint.confirmed_places

    @staticmethod
    def resolve_checked_in(obj: Activity) -> int:
        return obj.checkpoint.checked_in

    @staticmethod
    def resolve_walk_ins(obj: Activity) -> int:
        return obj.checkpoint.walk_ins


class CountsOut(Schema):
    registered: int = Field(description="Confirmed places (offered places included).")
    waitlisted: int
    pending: int = Field(description="Registrations waiting for the organiser's approval.")
    checked_in: int
    walk_ins: int
    no_shows: int = Field(
        description="Confirmed registrations without a check-in; before the start, those not "
        "checked in yet."
    )
    started: bool


class ActivityDetailOut(ActivityOut):
    audience_org_name: str
    report: str
    report_published_at: datetime | None
    counts: CountsOut

    @staticmethod
    def resolve_audience_org_name(obj: Activity) -> str:
        audience_org: Org | None = obj.audience_org
        return audience_org.name if audience_org is not None else ""

    @staticmethod
    def resolve_counts(obj: Activity) -> dict[str, Any]:
        return _counts(obj)


class ActivityFilters(Schema):
    category: Category | None = None
    status: Literal["draft", "published", "cancelled"] | None = None
    date_from: Day | None = Field(None, description="Only activities ending on or after.")
    date_to: Day | None = Field(None, description="Only activities starting on or before.")
    q: str = Field("", max_length=100, description="Part of the title.")
    within: Id | None = Field(None, description="Only activities organised in this subtree.")


class ActivityCreateIn(Schema):
    org_id: Id = Field(description="The organiser; the caller needs events.manage there.")
    title: str = Field(min_length=1, max_length=120)
    category: Category
    description: str = Field("", max_length=20_000)
    audience: Audience = Field(
        description="`subtree`: members of `audience_org_id` (default the organiser) and the "
        "units below it; `members`: every active member; `public`: anyone may see it "
        "(registering still needs an active membership)."
    )
    audience_org_id: Id | None = None
    place: str = Field(min_length=1, max_length=200)
    starts_at: Moment = Field(description="ISO 8601; without an offset, China time.")
    ends_at: Moment
    registration_opens_at: Moment | None = Field(
        None, description="Null: as soon as it is published."
    )
    registration_closes_at: Moment | None = Field(None, description="Null: at the end.")
    capacity: int | None = Field(None, ge=1, le=MAX_INT, description="Null: unlimited.")
    per_person_limit: int = Field(1, ge=1, le=MAX_PLACES_PER_PERSON)
    approval_required: bool = False
    allows_walk_ins: bool = Field(False, description="Members who did not register may check in.")
    publish: bool = Field(False, description="Publish at once instead of keeping a draft.")


class ActivityUpdateIn(Schema):
    version: Version = Field(description="The version read; a stale one gets 409 stale.")
    org_id: Id | None = None
    title: str | None = Field(None, min_length=1, max_length=120)
    category: Category | None = None
    description: str | None = Field(None, max_length=20_000)
    audience: Audience | None = None
    audience_org_id: Id | None = None
    place: str | None = Field(None, min_length=1, max_length=200)
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    registration_opens_at: Moment | None = None
    registration_closes_at: Moment | None = None
    capacity: int | None = Field(None, ge=1, le=MAX_INT, description="Send null for unlimited.")
    per_person_limit: int | None = Field(None, ge=1, le=MAX_PLACES_PER_PERSON)
    approval_required: bool | None = None
    allows_walk_ins: bool | None = None


class CancelIn(Schema):
    reason: str = Field(max_length=200, description="Sent by SMS to everyone registered.")


class CategoryFigureOut(Schema):
    category: str
    category_label: str
    activities: int
    registered: int = Field(description="Confirmed places.")
    checked_in: int


class FiguresOut(Schema):
    org_id: int
    org_name: str
    date_from: date | None
    date_to: date | None
    categories: list[CategoryFigureOut]


class FiguresQuery(Schema):
    within: Id | None = Field(
        None, description="The subtree; default the highest org where the caller manages events."
    )
    date_from: Day | None = Field(None, description="Activities starting on or after.")
    date_to: Day | None = Field(None, description="Activities starting on or before.")


# --- schemas: registrations and attendance ---------------------------------------------------


class _MemberRowResolvers(Schema):
    """Who a registration or a check-in is: the member's number, masked name and union."""

    @staticmethod
    def resolve_member_number(obj: Registration | CheckIn) -> str:
        return obj.member.number

    @staticmethod
    def resolve_member_name(obj: Registration | CheckIn) -> str:
        return mask_name(obj.member.name)

    @staticmethod
    def resolve_member_org_name(obj: Registration | CheckIn) -> str:
        return obj.member.org.name


class RegistrationOut(_MemberRowResolvers):
    id: int
    member_id: int
    member_number: str
    member_name: str = Field(description="Masked (张*三).")
    member_org_name: str
    places: int
    status: str
    status_label: str
    offer_expires_at: datetime | None = Field(description="An offered place must be confirmed.")
    created_at: datetime = Field(description="The waiting list goes in this order.")

    @staticmethod
    def resolve_status_label(obj: Registration) -> str:
        return str(obj.get_status_display())


class RegistrationFilters(Schema):
    status: (
        Literal["pending", "confirmed", "waitlisted", "offered", "cancelled", "rejected", "expired"]
        | None
    ) = Field(None, description="`waitlisted` gives the waiting list, first in line first.")


class DecideIn(Schema):
    approve: bool = Field(description="True: into a place (or the waiting list when full).")


class AttendanceRowOut(_MemberRowResolvers):
    member_number: str
    member_name: str = Field(description="Masked (张*三).")
    member_org_name: str
    checked_in_at: datetime
    method: str
    method_label: str
    walk_in: bool

    @staticmethod
    def resolve_method_label(obj: CheckIn) -> str:
        return str(obj.get_method_display())


class AttendanceOut(Schema):
    counts: CountsOut
    count: int = Field(description="Check-ins in the whole list.")
    items: list[AttendanceRowOut]


class AttendanceQuery(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(ATTENDANCE_PAGE_SIZE, ge=1, le=MAX_ATTENDANCE_PAGE_SIZE)


# --- schemas: check-in -----------------------------------------------------------------------


class ScanOut(Schema):
    ok: bool = Field(description="True only when this scan checked the member in.")
    code: str = Field(
        description="checked_in, already_checked_in (with the first time), not_registered, "
        "card_invalid (not genuine), card_unknown, card_revoked, membership_ended, not_open, "
        "closed, not_published, activity_cancelled; for the screen code also code_invalid, "
        "code_expired, code_other_checkpoint, not_a_member."
    )
    message: str
    member_name: str = Field(description="Masked (张*三); blank when no member was found.")
    member_number: str
    checked_in_at: str | None = Field(
        description="The (first) check-in's time, ISO 8601 in China time.",
        json_schema_extra={"format": "date-time"},
    )
    walk_in: bool
    replayed: bool = Field(description="The stored answer to the same nonce sent before.")


class CardScanIn(Schema):
    card: str = Field(max_length=MAX_CARD_CODE, description="The member card's code (GH1.…).")
    nonce: str | None = Field(
        None,
        max_length=64,
        description="Optional, a fresh random value per scan: a retry with the same nonce gets "
        "the first answer back and checks nobody in again.",
    )


class BatchItemIn(Schema):
    nonce: str = Field(description="Unique per scan on the device, 1–64 characters.")
    card: str = Field(description="The member card's code.")
    scanned_at: Moment = Field(description="ISO 8601 with a time zone.")


class BatchIn(Schema):
    device: str = Field(description="The scanning device's id, at most 64 characters.")
    items: list[BatchItemIn] = Field(description=f"At most {checkins.MAX_BATCH} scans.")


class BatchItemOut(ScanOut):
    nonce: str


class BatchOut(Schema):
    results: list[BatchItemOut] = Field(description="One answer per item, in the items' order.")


class ScreenCheckinIn(Schema):
    code: str = Field(max_length=200, description="The big screen's code (GC1.…).")
    activity_id: Id | None = Field(
        None,
        description="The activity the member means to check in at; a code from another "
        "activity's screen then answers code_other_checkpoint.",
    )


# --- schemas: members ------------------------------------------------------------------------


class OpenActivityOut(_ActivityResolvers):
    id: int
    title: str
    category: str
    category_label: str
    description: str
    org_name: str
    audience: str
    place: str
    starts_at: datetime
    ends_at: datetime
    status: str = Field(description="published, or cancelled.")
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    requires_registration: bool
    allows_walk_ins: bool
    capacity: int | None
    places_left: int | None = Field(description="Null when there is no capacity limit.")
    per_person_limit: int
    approval_required: bool
    registration_state: Literal["open", "not_open", "closed", "not_needed", "cancelled"]

    @staticmethod
    def resolve_registration_state(obj: Activity) -> str:
        return queries.registration_state(obj, timezone.now())


class OpenActivityFilters(Schema):
    category: Category | None = None
    date_from: Day | None = Field(None, description="Activities ending on or after; default today.")
    date_to: Day | None = Field(None, description="Activities starting on or before.")


class MyRegistrationOut(Schema):
    id: int
    activity_id: int
    activity_title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    places: int
    status: str
    status_label: str
    offer_expires_at: datetime | None = Field(description="Confirm an offered place by then.")
    checked_in: bool
    created_at: datetime


class MyActivityOut(OpenActivityOut):
    report: str = Field(description="The report after the event, once published.")
    registration: MyRegistrationOut | None = Field(description="The caller's live registration.")
    checked_in_at: datetime | None = Field(description="When the caller checked in.")

    @staticmethod
    def resolve_report(obj: Activity) -> str:
        return obj.report if obj.report_published_at else ""

    @staticmethod
    def resolve_registration(obj: Activity) -> dict[str, Any] | None:
        registration: dict[str, Any] | None = getattr(obj, OWN_REGISTRATION)
        return registration

    @staticmethod
    def resolve_checked_in_at(obj: Activity) -> datetime | None:
        check_in: CheckIn | None = getattr(obj, OWN_CHECK_IN)
        return check_in.checked_in_at if check_in is not None else None


# Where get_my_activity puts the caller's own registration and check-in on the activity.
OWN_REGISTRATION = "_own_registration"
OWN_CHECK_IN = "_own_check_in"


class RegisterIn(Schema):
    places: int = Field(1, description="Places for the caller (and companions).")


# --- helpers ---------------------------------------------------------------------------------


def _counts(activity: Activity) -> dict[str, Any]:
    counts = queries.attendance_of(activity)
    return {
        "registered": counts.registered,
        "waitlisted": counts.waitlisted,
        "pending": counts.pending,
        "checked_in": counts.checked_in,
        "walk_ins": counts.walk_ins,
        "no_shows": counts.no_shows,
        "started": activity.starts_at <= timezone.now(),
    }


def _aware(moment: datetime | None) -> datetime | None:
    """A time without an offset is read in the platform's zone, as the staff form reads it."""
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return moment


def _choice(value: Any) -> str:
    """A choice as the actions take it: its plain value, not the enum member."""
    return str(getattr(value, "value", value))


def _day_start(day: date | None) -> datetime | None:
    return timezone.make_aware(datetime.combine(day, time.min)) if day is not None else None


def _organiser(request: HttpRequest, org_id: Id, field: str) -> Org:
    """An org the caller manages events at (404 outside the scope, as the staff form); a
    deactivated one cannot organise, as it is not among the form's choices."""
    org = get_org_for(request.user, org_id, "events.manage")
    if not org.is_active:
        message = _("This organisation is deactivated.")
        raise DomainError("org_inactive", message, fields={field: [message]})
    return org


def _staff_activity(request: HttpRequest, activity_id: Id) -> Activity:
    """An activity the caller manages events for (404 otherwise). The writes call it again
    for their answer: actions change the checkpoint with update(), and an edit may move the
    activity out of the caller's scope (then 404, as for any read)."""
    return queries.get_activity_for(request.user, activity_id, "events.manage")


def _scan(
    result: checkins.ScanResult | dict[str, Any], *, replayed: bool = False
) -> dict[str, Any]:
    """A scan's result, or the answer stored for its nonce, as a ScanOut."""
    answer = result.as_dict() if isinstance(result, checkins.ScanResult) else result
    return {**answer, "checked_in_at": answer.get("checked_in_at") or None, "replayed": replayed}


def _member(request: HttpRequest) -> Member | None:
    member = own_member(request)
    return member if member is not None and member.is_active else None


def _require_member(request: HttpRequest) -> Member:
    member = own_member(request)
    if member is None:
        raise NotFoundError("no_membership", _("This account has no union membership."))
    return member


def _registration_out(registration: Registration, activity: Activity) -> dict[str, Any]:
    checked_in = getattr(registration, "checked_in", None)
    return {
        "id": registration.pk,
        "activity_id": activity.pk,
        "activity_title": activity.title,
        "starts_at": activity.starts_at,
        "ends_at": activity.ends_at,
        "place": activity.place,
        "places": registration.places,
        "status": registration.status,
        "status_label": str(registration.get_status_display()),
        "offer_expires_at": registration.offer_expires_at,
        "checked_in": bool(checked_in),
        "created_at": registration.created_at,
    }


# --- check-in by staff (checkins.scan) -------------------------------------------------------


@router.post(
    "/activities/{id:activity_id}/checkins",
    response={200: ScanOut, **ERROR_RESPONSES},
    operation_id="check_in_card",
)
def check_in_card(request: HttpRequest, activity_id: Id, payload: CardScanIn) -> dict[str, Any]:
    """Check a member in by their scanned e-member card, as the staff desk does
    (checkins.scan over the organiser). Every scan's result is a 200 answer with its `code`:
    `checked_in` (ok), `already_checked_in` with the first time, `not_registered`,
    `card_revoked`, `not_open`, `closed` …, because the scanning staff must see it at once;
    only an activity outside the caller's scope is a 404. With a `nonce`, a retry of the same
    scan gets the first answer back (`replayed: true`) and checks nobody in again."""
    activity = queries.get_activity_for(request.user, activity_id, "checkins.scan")
    if payload.nonce:
        result, replayed = actions.scan_card_once(
            actor=api_user(request), activity=activity, card_code=payload.card, nonce=payload.nonce
        )
        return _scan(result, replayed=replayed)
    return _scan(
        actions.scan_card(actor=api_user(request), activity=activity, card_code=payload.card)
    )


@router.post(
    "/activities/{id:activity_id}/checkins/batch",
    response={200: BatchOut, **ERROR_RESPONSES},
    operation_id="upload_checkins",
)
def upload_checkins(request: HttpRequest, activity_id: Id, payload: BatchIn) -> dict[str, Any]:
    """Upload the scans a device kept while offline (checkins.scan), at most 500 at once.
    Each item is judged at its scan time (capped at now) and answers on its own, in the
    items' order. The answers are kept by `(device, nonce)`: the same batch sent again gets
    the same answers with `replayed: true` and checks nobody in twice. A malformed batch
    (a scan time without a time zone, too many items, no device) is refused whole."""
    activity = queries.get_activity_for(request.user, activity_id, "checkins.scan")
    if len(payload.items) > checkins.MAX_BATCH:
        message = _("Send at most %(n)d scans at once.") % {"n": checkins.MAX_BATCH}
        raise DomainError("batch_too_large", message, fields={"items": [message]})
    items: list[checkins.BatchItem] = []
    for index, item in enumerate(payload.items):
        if timezone.is_naive(item.scanned_at):
            message = _("Each item needs its scan time in ISO 8601 with a time zone.")
            raise DomainError(
                "invalid_time", message, fields={f"items.{index}.scanned_at": [message]}
            )
        # As the offline page's upload: an overlong code is no card, and answers so.
        card = item.card[:MAX_CARD_CODE]
        items.append(
            checkins.BatchItem(nonce=item.nonce, card_code=card, scanned_at=item.scanned_at)
        )
    answers = actions.upload_scans(
        actor=api_user(request), activity=activity, device=payload.device.strip(), items=items
    )
    return {"results": [_scan(answer, replayed=bool(answer["replayed"])) for answer in answers]}


# --- activities (events.manage) --------------------------------------------------------------


@router.get(
    "/activities",
    response={200: list[ActivityOut], **ERROR_RESPONSES},
    operation_id="list_activities",
)
@paginate(Pages, page_size=50)
def list_activities(request: HttpRequest, filters: Query[ActivityFilters]) -> Any:
    """Activities organised in the caller's subtree (events.manage), latest start first.
    `date_from`/`date_to` keep those overlapping the period; `within` narrows to a subtree."""
    within = get_org_for(request.user, filters.within, "events.manage") if filters.within else None
    return queries.list_activities(
        request.user,
        "events.manage",
        within=within,
        filters=queries.ActivityFilters(
            category=filters.category.value if filters.category else "",
            status=filters.status or "",
            date_from=filters.date_from,
            date_to=filters.date_to,
            search=filters.q.strip(),
        ),
    )


@router.post(
    "/activities",
    response={201: ActivityDetailOut, **ERROR_RESPONSES},
    operation_id="create_activity",
)
def create_activity(request: HttpRequest, payload: ActivityCreateIn) -> tuple[int, Activity]:
    """Create an activity as a draft, or published at once with `publish`. The organiser and
    the audience org must be where the caller manages events (404 otherwise). Refusals:
    `ends_before_start`, `registration_window` (registration must close after it opens and
    no later than the end), `org_inactive`; field errors 422."""
    org = _organiser(request, payload.org_id, "org_id")
    audience_org = (
        _organiser(request, payload.audience_org_id, "audience_org_id")
        if payload.audience_org_id
        else None
    )
    starts_at, ends_at = _aware(payload.starts_at), _aware(payload.ends_at)
    assert starts_at is not None
    assert ends_at is not None
    activity = actions.create_activity(
        actor=api_user(request),
        org=org,
        title=payload.title,
        category=payload.category.value,
        description=payload.description,
        audience=payload.audience.value,
        audience_org=audience_org,
        place=payload.place,
        starts_at=starts_at,
        ends_at=ends_at,
        publish=payload.publish,
        registration_opens_at=_aware(payload.registration_opens_at),
        registration_closes_at=_aware(payload.registration_closes_at),
        capacity=payload.capacity,
        per_person_limit=payload.per_person_limit,
        approval_required=payload.approval_required,
        allows_walk_ins=payload.allows_walk_ins,
    )
    return 201, _staff_activity(request, activity.pk)


@router.get(
    "/activities/{id:activity_id}",
    response={200: ActivityDetailOut, **ERROR_RESPONSES},
    operation_id="get_activity",
)
def get_activity(request: HttpRequest, activity_id: Id) -> Activity:
    """One activity with its live counts: registered places, waiting list, pending approvals,
    check-ins, walk-ins and no-shows."""
    return _staff_activity(request, activity_id)


CHECKPOINT_FIELDS = (
    "registration_opens_at",
    "registration_closes_at",
    "capacity",
    "per_person_limit",
    "approval_required",
    "allows_walk_ins",
)
# Nullable: a null sent clears them; other fields sent as null stay as they are.
NULLABLE_FIELDS = {"audience_org_id", "registration_opens_at", "registration_closes_at", "capacity"}


@router.patch(
    "/activities/{id:activity_id}",
    response={200: ActivityDetailOut, **ERROR_RESPONSES},
    operation_id="update_activity",
)
def update_activity(request: HttpRequest, activity_id: Id, payload: ActivityUpdateIn) -> Activity:
    """Edit an activity; only the fields sent change (null clears `capacity`,
    `audience_org_id` and the registration times). `version` must be the one read (409
    `stale` otherwise). The capacity cannot drop below the places taken
    (`capacity_below_taken`); places a larger capacity frees go to the waiting list. A
    cancelled activity cannot change (409 `cancelled`)."""
    activity = _staff_activity(request, activity_id)
    checkpoint = activity.checkpoint
    sent = {
        name: value
        for name, value in payload.model_dump(exclude_unset=True, exclude={"version"}).items()
        if value is not None or name in NULLABLE_FIELDS
    }
    org = _organiser(request, sent["org_id"], "org_id") if "org_id" in sent else activity.org
    if "audience_org_id" in sent:
        audience_org_id = sent["audience_org_id"]
        audience_org = (
            _organiser(request, audience_org_id, "audience_org_id") if audience_org_id else None
        )
    else:
        audience_org = activity.audience_org
    values: dict[str, Any] = {
        "title": sent.get("title", activity.title),
        "category": _choice(sent.get("category", activity.category)),
        "description": sent.get("description", activity.description),
        "audience": _choice(sent.get("audience", activity.audience)),
        "place": sent.get("place", activity.place),
        "starts_at": _aware(sent.get("starts_at")) or activity.starts_at,
        "ends_at": _aware(sent.get("ends_at")) or activity.ends_at,
    }
    for name in CHECKPOINT_FIELDS:
        value = sent[name] if name in sent else getattr(checkpoint, name)
        values[name] = _aware(value) if isinstance(value, datetime) else value
    actions.update_activity(
        actor=api_user(request),
        activity=activity,
        expected_version=payload.version,
        org=org,
        audience_org=audience_org,
        **values,
    )
    return _staff_activity(request, activity_id)


@router.post(
    "/activities/{id:activity_id}/publish",
    response={200: ActivityDetailOut, **ERROR_RESPONSES},
    operation_id="publish_activity",
)
def publish_activity(request: HttpRequest, activity_id: Id) -> Activity:
    """Publish a draft: members it is open to see it and may register. Anything but a draft
    gets 409 `not_draft`."""
    activity = _staff_activity(request, activity_id)
    actions.publish_activity(actor=api_user(request), activity=activity)
    return _staff_activity(request, activity_id)


@router.post(
    "/activities/{id:activity_id}/cancel",
    response={200: ActivityDetailOut, **ERROR_RESPONSES},
    operation_id="cancel_activity",
)
def cancel_activity(request: HttpRequest, activity_id: Id, payload: CancelIn) -> Activity:
    """Cancel with a reason (400 `reason_required` when blank): every live registration is
    cancelled and told by SMS, and check-in closes every way. Twice gets 409
    `already_cancelled`."""
    activity = _staff_activity(request, activity_id)
    actions.cancel_activity(actor=api_user(request), activity=activity, reason=payload.reason)
    return _staff_activity(request, activity_id)


@router.get(
    "/activity-figures",
    response={200: FiguresOut, **ERROR_RESPONSES},
    operation_id="get_activity_figures",
)
def get_activity_figures(request: HttpRequest, query: Query[FiguresQuery]) -> dict[str, Any]:
    """Per category, for a subtree and a period (by start): published activities, confirmed
    places and check-ins, as the staff list shows them."""
    if query.within is not None:
        org = get_org_for(request.user, query.within, "events.manage")
    else:
        home = home_org_for(request.user, "events.manage")
        if home is None:
            raise Http404
        org = home
    labels = dict(Category.choices)
    end = _day_start(query.date_to + timedelta(days=1)) if query.date_to else None
    rows = queries.figures_by_category(org, start=_day_start(query.date_from), end=end)
    return {
        "org_id": org.pk,
        "org_name": org.name,
        "date_from": query.date_from,
        "date_to": query.date_to,
        "categories": [
            {
                "category": row.category,
                "category_label": str(labels.get(row.category, row.category)),
                "activities": row.activities,
                "registered": row.registered,
                "checked_in": row.checked_in,
            }
            for row in rows
        ],
    }


# --- registrations and attendance (events.manage) --------------------------------------------


@router.get(
    "/activities/{id:activity_id}/registrations",
    response={200: list[RegistrationOut], **ERROR_RESPONSES},
    operation_id="list_registrations",
)
@paginate(Pages, page_size=50)
def list_registrations(
    request: HttpRequest, activity_id: Id, filters: Query[RegistrationFilters]
) -> Any:
    """The activity's registrations, oldest first: with `status=waitlisted` that is the
    waiting list in its order, with `pending` the approvals to decide. Names are masked."""
    activity = _staff_activity(request, activity_id)
    return queries.list_registration_rows(activity, status=filters.status or "")


def _staff_registration(request: HttpRequest, activity_id: Id, registration_id: Id) -> Any:
    activity = _staff_activity(request, activity_id)
    return activity, queries.get_registration_of(activity, registration_id)


@router.post(
    "/activities/{id:activity_id}/registrations/{id:registration_id}/decide",
    response={200: RegistrationOut, **ERROR_RESPONSES},
    operation_id="decide_registration",
)
def decide_registration(
    request: HttpRequest, activity_id: Id, registration_id: Id, payload: DecideIn
) -> Registration:
    """Approve a pending registration into a place (onto the waiting list when full) or turn
    it down. A registration already decided gets 409 `already_decided`."""
    activity, registration = _staff_registration(request, activity_id, registration_id)
    checkins.decide_registration(
        actor=api_user(request), registration=registration, approve=payload.approve
    )
    return queries.get_registration_of(activity, registration_id)


@router.post(
    "/activities/{id:activity_id}/registrations/{id:registration_id}/cancel",
    response={200: RegistrationOut, **ERROR_RESPONSES},
    operation_id="cancel_registration",
)
def cancel_registration(request: HttpRequest, activity_id: Id, registration_id: Id) -> Registration:
    """Cancel a member's registration; a freed place is offered to the next on the waiting
    list, who is told by SMS. One no longer live gets 409 `not_live`."""
    activity, registration = _staff_registration(request, activity_id, registration_id)
    checkins.cancel_registration(actor=api_user(request), registration=registration)
    return queries.get_registration_of(activity, registration_id)


@router.get(
    "/activities/{id:activity_id}/attendance",
    response={200: AttendanceOut, **ERROR_RESPONSES},
    operation_id="get_attendance",
)
def get_attendance(
    request: HttpRequest, activity_id: Id, query: Query[AttendanceQuery]
) -> dict[str, Any]:
    """Live counts (registered, checked in, walk-ins, no-shows, waiting list, pending) and the
    attendance list in check-in order, a page at a time. Names are masked."""
    activity = _staff_activity(request, activity_id)
    rows = queries.list_attendance_rows(activity)
    offset = (query.page - 1) * query.page_size
    return {
        "counts": _counts(activity),
        "count": rows.count(),
        "items": list(rows[offset : offset + query.page_size]),
    }


# --- members: activities open to them, registering, checking in ------------------------------


@router.get(
    "/me/activities",
    response={200: list[OpenActivityOut], **ERROR_RESPONSES},
    operation_id="list_my_activities",
)
@paginate(Pages, page_size=20)
def list_my_activities(request: HttpRequest, filters: Query[OpenActivityFilters]) -> Any:
    """Published activities open to the signed-in worker, soonest first: those for every
    member and for their union's subtree when they are an active member, public ones for
    anyone. `date_from` defaults to today (upcoming ones)."""
    return queries.list_open_activities(
        _member(request),
        filters=queries.ActivityFilters(
            category=filters.category.value if filters.category else "",
            date_from=filters.date_from or timezone.localdate(),
            date_to=filters.date_to,
        ),
    )


def _open_activity(request: HttpRequest, activity_id: Id) -> tuple[Member | None, Activity]:
    member = _member(request)
    return member, queries.get_open_activity(member, activity_id)


@router.get(
    "/me/activities/{id:activity_id}",
    response={200: MyActivityOut, **ERROR_RESPONSES},
    operation_id="get_my_activity",
)
def get_my_activity(request: HttpRequest, activity_id: Id) -> Activity:
    """One activity open to the caller (404 otherwise), with their registration and
    check-in. A cancelled one still shows, to say so."""
    member, activity = _open_activity(request, activity_id)
    registration = queries.get_own_registration(member, activity) if member else None
    check_in = queries.get_own_check_in(member, activity) if member else None
    own = (
        _registration_out(registration, activity) | {"checked_in": check_in is not None}
        if registration is not None
        else None
    )
    setattr(activity, OWN_REGISTRATION, own)
    setattr(activity, OWN_CHECK_IN, check_in)
    return activity


@router.get(
    "/me/registrations",
    response={200: list[MyRegistrationOut], **ERROR_RESPONSES},
    operation_id="list_my_registrations",
)
@paginate(Pages, page_size=50)
def list_my_registrations(request: HttpRequest) -> list[dict[str, Any]]:
    """The caller's live registrations for activities, the latest first, each saying whether
    they checked in. 404 `no_membership` without a membership."""
    member = _require_member(request)
    return [
        _registration_out(registration, registration.checkpoint.activity)
        for registration in queries.list_own_activity_registrations(member)
    ]


def _participant(request: HttpRequest, activity_id: Id) -> tuple[Member, Activity]:
    """The caller's active membership and an activity open to them, for the member writes."""
    member, activity = _open_activity(request, activity_id)
    if member is None:
        raise PermissionDeniedError(
            "not_a_member", _("Only union members can register: join the union first.")
        )
    return member, activity


def _own_registration(
    request: HttpRequest, activity_id: Id, *, missing: DomainError
) -> tuple[Member, Activity, Registration]:
    """The caller's live registration for an activity open to them; `missing` is the refusal
    when there is none, which differs by operation."""
    member, activity = _participant(request, activity_id)
    registration = queries.get_own_registration(member, activity)
    if registration is None:
        raise missing
    return member, activity, registration


@router.post(
    "/activities/{id:activity_id}/register",
    response={201: MyRegistrationOut, **ERROR_RESPONSES},
    operation_id="register_for_activity",
)
def register_for_activity(
    request: HttpRequest, activity_id: Id, payload: RegisterIn
) -> tuple[int, dict[str, Any]]:
    """Register the signed-in member: `confirmed` while places last, then `waitlisted`
    (offered a freed place by SMS later); `pending` when the organiser approves
    registrations. Refusals: `registration_not_open`, `registration_closed` (past the
    deadline), `over_limit` (more places than allowed per person), `not_published`,
    409 `already_registered`, 403 `not_a_member`; an activity not open to the caller is 404.
    Send an `Idempotency-Key` so a retry does not look like a second registration."""
    member, activity = _participant(request, activity_id)
    registration = actions.register_for_activity(
        member=member, activity=activity, places=payload.places
    )
    return 201, _registration_out(registration, activity)


@router.post(
    "/activities/{id:activity_id}/registration/cancel",
    response={200: MyRegistrationOut, **ERROR_RESPONSES},
    operation_id="cancel_my_registration",
)
def cancel_my_registration(request: HttpRequest, activity_id: Id) -> dict[str, Any]:
    """Cancel the caller's own registration; a freed place goes to the next on the waiting
    list. 404 `not_registered` when there is none."""
    _caller, activity, registration = _own_registration(
        request,
        activity_id,
        missing=NotFoundError("not_registered", _("You are not registered for this activity.")),
    )
    cancelled = checkins.cancel_registration(actor=api_user(request), registration=registration)
    return _registration_out(cancelled, activity)


@router.post(
    "/activities/{id:activity_id}/registration/confirm",
    response={200: MyRegistrationOut, **ERROR_RESPONSES},
    operation_id="confirm_my_place",
)
def confirm_my_place(request: HttpRequest, activity_id: Id) -> dict[str, Any]:
    """Take the place offered from the waiting list before the offer expires. 409 `no_offer`
    without an offer, 409 `offer_expired` too late."""
    member, activity, registration = _own_registration(
        request,
        activity_id,
        missing=ConflictError("no_offer", _("There is no place waiting for you.")),
    )
    confirmed = checkins.confirm_offer(member=member, registration=registration)
    return _registration_out(confirmed, activity)


@router.post(
    "/checkin",
    response={200: ScanOut, **ERROR_RESPONSES},
    operation_id="check_in_with_code",
)
def check_in_with_code(request: HttpRequest, payload: ScreenCheckinIn) -> dict[str, Any]:
    """The signed-in member checks in with the code the activity's big screen shows, as the
    page the QR opens does. Not a check-in code at all: 400 `code_invalid`; no active
    membership: 403 `not_a_member`; an activity not open to the caller: 404. Otherwise the
    scan's result, a 200 answer with its `code`: `checked_in`, `already_checked_in` (with
    the first time), `code_expired` (older than a minute: scan the screen again),
    `code_invalid` (altered or forged), `code_other_checkpoint` (another activity's screen,
    with `activity_id`), `not_registered`, `not_open`, `closed`, `activity_cancelled`."""
    checkpoint_id, _window, _signature = checkins.parse_screen_code(payload.code)
    member = _member(request)
    if member is None:
        raise PermissionDeniedError(
            "not_a_member", _("Only active union members can check in: join the union first.")
        )
    if payload.activity_id is not None:
        activity = queries.get_open_activity(member, payload.activity_id)
    else:
        activity = queries.get_open_activity_by_checkpoint(member, checkpoint_id)
    return _scan(actions.check_in_at_activity(member=member, activity=activity, code=payload.code))
