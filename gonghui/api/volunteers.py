"""Volunteer service: projects and their shifts' coverage (staff, volunteers.manage), open
shifts with sign-up and cancel, reporting for duty with the shift's code and the volunteer's
own hours (members), a site's offline scans of arrivals and departures (checkins.scan), a
shift's attendance and certifying hours (a leader). The same rules as the pages; every write
takes an Idempotency-Key."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from gonghui.api.auth import api_user
from gonghui.api.errors import ERROR_RESPONSES
from gonghui.api.members import own_member
from gonghui.api.pagination import Pages
from gonghui.api.types import Day, Id, Moment
from gonghui.checkins import actions as checkins
from gonghui.core.errors import DomainError, NotFoundError
from gonghui.core.personal import mask_name
from gonghui.members.models import Member
from gonghui.orgs.queries import get_org_for
from gonghui.volunteers import actions, queries
from gonghui.volunteers.forms import MAX_CARD_CODE
from gonghui.volunteers.models import Project, Shift
from gonghui.volunteers.records import RecordRow

router = Router(tags=["volunteers"])


# --- schemas ---


class VolunteerProjectOut(Schema):
    id: int
    title: str
    description: str
    org_id: int
    org_name: str
    status: str
    cutoff_hours: int = Field(description="Sign-ups may be cancelled until this long before.")

    @staticmethod
    def resolve_org_name(obj: Project) -> str:
        return obj.org.name


class VolunteerShiftOut(Schema):
    id: int
    project_id: int
    project_title: str
    group: str
    tasks: str
    site_name: str
    site_address: str
    starts_at: datetime
    ends_at: datetime
    places: int
    taken: int
    checked_in: int

    @staticmethod
    def resolve_project_title(obj: Shift) -> str:
        return obj.project.title

    @staticmethod
    def resolve_site_name(obj: Shift) -> str:
        return obj.site.name

    @staticmethod
    def resolve_site_address(obj: Shift) -> str:
        return obj.site.address

    @staticmethod
    def resolve_taken(obj: Shift) -> int:
        return obj.checkpoint.confirmed_places

    @staticmethod
    def resolve_checked_in(obj: Shift) -> int:
        return obj.checkpoint.checked_in


class ShiftCoverageOut(VolunteerShiftOut):
    team_members: int = Field(description="Places taken by members of the shift's team.")
    gap: int = Field(description="Places still open.")


class VolunteerProjectsQuery(Schema):
    within: Id | None = Field(None, description="Only projects organised in this subtree.")


class OpenShiftsQuery(Schema):
    date_from: Day | None = Field(None, description="Shifts ending on or after; default today.")


class SignUpOut(Schema):
    shift_id: int
    status: str


class SwapIn(Schema):
    to_shift_id: Id = Field(description="The shift to take instead.")


class DutyIn(Schema):
    code: str = Field(max_length=200, description="The shift's rotating code (GC1.…).")
    departure: bool = Field(False, description="True on leaving, false on arrival.")


class DutyOut(Schema):
    ok: bool
    code: str = Field(
        description="checked_in, left, already_checked_in, already_left, not_registered, "
        "wrong_site, not_open, closed, shift_over, not_arrived, left_before_arrival, "
        "code_invalid, code_expired, code_other_checkpoint, not_a_member, not_published."
    )
    message: str
    checked_in_at: str | None = Field(json_schema_extra={"format": "date-time"})
    left_at: str | None = Field(json_schema_extra={"format": "date-time"})


class ReportItemIn(Schema):
    nonce: str = Field(description="Unique per scan on the device, 1–64 characters.")
    card: str = Field(description="The member card's code.")
    scanned_at: Moment = Field(description="ISO 8601 with a time zone.")
    departure: bool = Field(False, description="A departure scan (else an arrival).")


class ReportBatchIn(Schema):
    device: str = Field(description="The scanning device's id, at most 64 characters.")
    items: list[ReportItemIn] = Field(description=f"At most {checkins.MAX_BATCH} scans.")


class ReportItemOut(DutyOut):
    nonce: str
    member_name: str = Field(description="Masked.")
    member_number: str
    replayed: bool


class ReportBatchOut(Schema):
    results: list[ReportItemOut]


class HoursRowOut(Schema):
    shift_id: int
    project_title: str
    organiser: str
    day: date
    arrived_at: datetime | None
    left_at: datetime | None
    minutes: int = Field(description="Credited minutes: certified or corrected, else computed.")
    certified: bool
    certifier: str
    late_minutes: int
    missing_departure: bool


class ShiftAttendanceRowOut(Schema):
    member_id: int
    member_number: str
    member_name: str = Field(description="Masked.")
    signed_up: bool
    no_show: bool
    hours: HoursRowOut | None


class YearOut(Schema):
    year: int
    minutes: int
    shifts: int


class MyHoursOut(Schema):
    years: list[YearOut]
    shifts: list[HoursRowOut]


class CertifyIn(Schema):
    member_id: Id


class CertificationOut(Schema):
    shift_id: int
    member_id: int
    minutes: int
    arrived_at: datetime
    left_at: datetime
    certified_at: datetime


# --- helpers ---


def _member(request: HttpRequest) -> Member:
    member = own_member(request)
    if member is None or not member.is_active:
        raise NotFoundError("no_membership", _("This account has no union membership."))
    return member


def _hours(row: RecordRow) -> dict[str, Any]:
    return {
        "shift_id": row.shift.pk,
        "project_title": row.shift.project.title,
        "organiser": row.shift.project.org.name,
        "day": row.day,
        "arrived_at": row.arrived_at,
        "left_at": row.left_at,
        "minutes": row.minutes,
        "certified": row.certified,
        "certifier": row.certifier,
        "late_minutes": row.late,
        "missing_departure": row.missing_departure,
    }


def _duty(answer: checkins.ScanResult | dict[str, Any]) -> dict[str, Any]:
    data = answer.as_dict() if isinstance(answer, checkins.ScanResult) else dict(answer)
    data["checked_in_at"] = data.get("checked_in_at") or None
    data["left_at"] = data.get("left_at") or None
    return data


# --- staff ---


@router.get(
    "/volunteers/projects",
    response={200: list[VolunteerProjectOut], **ERROR_RESPONSES},
    operation_id="list_volunteer_projects",
)
@paginate(Pages, page_size=50)
def list_projects(request: HttpRequest, query: Query[VolunteerProjectsQuery]) -> Any:
    """Projects organised in the caller's subtree (volunteers.manage), newest first."""
    org = get_org_for(request.user, query.within, "volunteers.manage") if query.within else None
    return queries.list_projects(request.user, org)


@router.get(
    "/volunteers/projects/{id:project_id}/shifts",
    response={200: list[ShiftCoverageOut], **ERROR_RESPONSES},
    operation_id="list_volunteer_project_shifts",
)
def project_shifts(request: HttpRequest, project_id: Id) -> list[Shift]:
    """The project's schedule with its coverage: places, taken, by the team, the gap."""
    project = queries.get_project_for(request.user, project_id, "volunteers.manage")
    shifts = []
    for row in queries.coverage_of(project):
        setattr(row.shift, "team_members", row.team_members)  # noqa: B010 — read by the schema
        setattr(row.shift, "gap", row.gap)  # noqa: B010 — read by the schema
        shifts.append(row.shift)
    return shifts


@router.get(
    "/volunteers/shifts/{id:shift_id}/attendance",
    response={200: list[ShiftAttendanceRowOut], **ERROR_RESPONSES},
    operation_id="get_volunteer_shift_attendance",
)
def shift_attendance(request: HttpRequest, shift_id: Id) -> list[dict[str, Any]]:
    """Everyone signed up or reported: arrival, departure, hours, late minutes, missing
    departures and no-shows."""
    shift = queries.get_shift_for(request.user, shift_id, "volunteers.manage")
    return [
        {
            "member_id": entry.member.pk,
            "member_number": entry.member.number,
            "member_name": mask_name(entry.member.name),
            "signed_up": entry.signed_up,
            "no_show": entry.no_show,
            "hours": _hours(entry.row) if entry.row else None,
        }
        for entry in queries.attendance_of(shift)
    ]


@router.post(
    "/volunteers/shifts/{id:shift_id}/certify",
    response={201: CertificationOut, **ERROR_RESPONSES},
    operation_id="certify_volunteer_hours",
)
def certify(request: HttpRequest, shift_id: Id, payload: CertifyIn) -> tuple[int, Any]:
    """A leader certifies one volunteer's hours from their recorded arrival and departure;
    never their own (403 own_hours), never twice (409), not without a departure (409
    missing_departure)."""
    shift = queries.get_shift_for(request.user, shift_id, "volunteers.manage")
    member = queries.get_member_on_shift(shift, payload.member_id)
    certification = actions.certify_hours(actor=api_user(request), shift=shift, member=member)
    return 201, certification


@router.post(
    "/volunteers/shifts/{id:shift_id}/reports/batch",
    response={200: ReportBatchOut, **ERROR_RESPONSES},
    operation_id="upload_volunteer_reports",
)
def upload_reports(request: HttpRequest, shift_id: Id, payload: ReportBatchIn) -> dict[str, Any]:
    """A site's offline card scans of arrivals and departures (checkins.scan), at most 500;
    each judged at its scan time, answered on its own and kept by (device, nonce): the same
    batch sent again gets the same answers with `replayed: true`."""
    shift = queries.get_shift_for(request.user, shift_id, "checkins.scan")
    if len(payload.items) > checkins.MAX_BATCH:
        message = _("Send at most %(n)d scans at once.") % {"n": checkins.MAX_BATCH}
        raise DomainError("batch_too_large", message, fields={"items": [message]})
    items = []
    for index, item in enumerate(payload.items):
        if timezone.is_naive(item.scanned_at):
            message = _("Each item needs its scan time in ISO 8601 with a time zone.")
            raise DomainError(
                "invalid_time", message, fields={f"items.{index}.scanned_at": [message]}
            )
        items.append(
            checkins.BatchItem(
                nonce=item.nonce,
                card_code=item.card[:MAX_CARD_CODE],
                scanned_at=item.scanned_at,
                departure=item.departure,
            )
        )
    answers = actions.upload_reports(
        actor=api_user(request), shift=shift, device=payload.device.strip(), items=items
    )
    return {"results": [_duty(answer) for answer in answers]}


# --- members ---


@router.get(
    "/volunteers/shifts",
    response={200: list[VolunteerShiftOut], **ERROR_RESPONSES},
    operation_id="list_open_volunteer_shifts",
)
@paginate(Pages, page_size=50)
def open_shifts(request: HttpRequest, query: Query[OpenShiftsQuery]) -> Any:
    """Shifts of published projects an active member may sign up for, by start."""
    _member(request)
    return queries.list_open_shifts(on_or_after=query.date_from or timezone.localdate())


@router.post(
    "/volunteers/shifts/{id:shift_id}/sign-up",
    response={200: SignUpOut, **ERROR_RESPONSES},
    operation_id="sign_up_for_volunteer_shift",
)
def sign_up(request: HttpRequest, shift_id: Id) -> dict[str, Any]:
    """Take a place: 409 `full` (no waiting list), `overlapping`, `over_daily_cap`,
    `already_registered`; nothing is written then."""
    member = _member(request)
    shift = queries.get_open_shift(shift_id)
    registration = actions.sign_up(member=member, shift=shift)
    return {"shift_id": shift.pk, "status": registration.status}


@router.post(
    "/volunteers/shifts/{id:shift_id}/cancel",
    response={200: SignUpOut, **ERROR_RESPONSES},
    operation_id="cancel_volunteer_shift",
)
def cancel(request: HttpRequest, shift_id: Id) -> dict[str, Any]:
    """Give the place back, before the project's cut-off (409 `past_cutoff` after)."""
    member = _member(request)
    shift = queries.get_open_shift(shift_id)
    registration = actions.cancel_sign_up(actor=api_user(request), member=member, shift=shift)
    return {"shift_id": shift.pk, "status": registration.status}


@router.post(
    "/volunteers/shifts/{id:shift_id}/swap",
    response={200: SignUpOut, **ERROR_RESPONSES},
    operation_id="swap_volunteer_shift",
)
def swap(request: HttpRequest, shift_id: Id, payload: SwapIn) -> dict[str, Any]:
    """Give this shift up for another in one step, before this one's cut-off: both happen or
    neither (409 `full`, `overlapping`, `over_daily_cap`, `past_cutoff`)."""
    member = _member(request)
    leaving = queries.get_open_shift(shift_id)
    joining = queries.get_open_shift(payload.to_shift_id)
    registration = actions.swap_shift(
        actor=api_user(request), member=member, leaving=leaving, joining=joining
    )
    return {"shift_id": joining.pk, "status": registration.status}


@router.post(
    "/volunteers/shifts/{id:shift_id}/duty",
    response={200: DutyOut, **ERROR_RESPONSES},
    operation_id="report_for_volunteer_duty",
)
def duty(request: HttpRequest, shift_id: Id, payload: DutyIn) -> dict[str, Any]:
    """Report for duty (or departure) with the code the shift's screen shows. Every answer is
    a 200 with its `code`, as at the site."""
    member = _member(request)
    shift = queries.get_open_shift(shift_id)
    result = actions.report_by_code(
        member=member, shift=shift, code=payload.code, departure=payload.departure
    )
    return _duty(result)


@router.get(
    "/me/volunteering",
    response={200: MyHoursOut, **ERROR_RESPONSES},
    operation_id="get_my_volunteer_hours",
)
def my_hours(request: HttpRequest) -> dict[str, Any]:
    """The caller's own volunteer record: certified hours by year and every shift served."""
    member = own_member(request)
    if member is None:
        raise NotFoundError("no_membership", _("This account has no union membership."))
    rows, years = queries.record_of(member)
    return {
        "years": [{"year": y.year, "minutes": y.minutes, "shifts": y.shifts} for y in years],
        "shifts": [_hours(row) for row in rows],
    }
