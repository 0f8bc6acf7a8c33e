"""Stations in the API.

Stations are public information, as on the member pages: anyone may list and read active
stations (no sign-in), because a courier who is not a member yet needs water and a charger
too. Staff create and edit the stations of their subtree and read visit figures
(stations.manage). A signed-in member records a visit with the code of the station's poster.
"""

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from gonghui.api.auth import api_user
from gonghui.api.errors import ERROR_RESPONSES
from gonghui.api.pagination import Pages
from gonghui.api.types import ClockText, ClockTime, Day, Id, Version, clock_text
from gonghui.core.capabilities import Capability
from gonghui.core.errors import ConflictError, DomainError, PermissionDeniedError
from gonghui.members.queries import get_own_member
from gonghui.orgs.queries import get_org_for
from gonghui.stations import actions, codes, hours, queries
from gonghui.stations.actions import StationDetails
from gonghui.stations.forms import PeriodForm
from gonghui.stations.models import Station

router = Router(tags=["stations"])
CAPABILITY: Capability = "stations.manage"


class StationOut(Schema):
    id: int
    name: str
    district: str
    street: str
    address: str
    weekdays: str = Field(description='ISO weekdays it opens on, "1234567" for every day')
    all_day: bool
    opens: ClockText | None
    closes: ClockText | None = Field(description="Earlier than `opens`: open past midnight")
    hours: str = Field(description="The hours in one line, in the request's language")
    hours_note: str
    open_now: bool
    open_state: str = Field(description='e.g. "Open now, until 21:00"')
    amenities: list[str]
    amenity_labels: list[str]
    phone: str
    description: str
    operator_id: int
    operator_name: str
    photo_url: str | None

    @staticmethod
    def resolve_opens(obj: Station) -> str | None:
        return clock_text(obj.opens)

    @staticmethod
    def resolve_closes(obj: Station) -> str | None:
        return clock_text(obj.closes)

    @staticmethod
    def resolve_hours(obj: Station) -> str:
        return hours.hours_label(obj)

    @staticmethod
    def resolve_open_now(obj: Station) -> bool:
        return hours.open_state(obj).is_open

    @staticmethod
    def resolve_open_state(obj: Station) -> str:
        return hours.open_state(obj).message

    @staticmethod
    def resolve_amenities(obj: Station) -> list[str]:
        return obj.amenity_codes

    @staticmethod
    def resolve_operator_id(obj: Station) -> int:
        return obj.org_id

    @staticmethod
    def resolve_operator_name(obj: Station) -> str:
        return obj.org.name

    @staticmethod
    def resolve_photo_url(obj: Station) -> str | None:
        return reverse("stations:photo", args=[obj.pk]) if obj.photo and obj.is_active else None


class StaffStationOut(StationOut):
    is_active: bool
    version: int
    visits_total: int = Field(description="Visits since the station opened")
    visit_code: str = Field(description="The code its poster's QR carries")

    @staticmethod
    def resolve_visits_total(obj: Station) -> int:
        return obj.checkpoint.checked_in

    @staticmethod
    def resolve_visit_code(obj: Station) -> str:
        return codes.poster_code(obj)


class StationFilters(Schema):
    district: str = ""
    street: str = ""
    q: str = Field("", max_length=100)
    amenity: str = Field("", description="Only stations offering this amenity code")


class AreaOut(Schema):
    district: str
    street: str
    stations: int


class StationIn(Schema):
    org_id: Id = Field(description="The union that runs the station")
    name: str = Field(min_length=2, max_length=120)
    district: str = Field(min_length=1, max_length=40)
    street: str = Field(min_length=1, max_length=40)
    address: str = Field(min_length=1, max_length=200)
    weekdays: str = Field("1234567", max_length=7)
    all_day: bool = False
    opens: ClockTime | None = None
    closes: ClockTime | None = None
    hours_note: str = Field("", max_length=200)
    amenities: list[str] = []
    phone: str = Field("", max_length=40)
    description: str = ""


class StationUpdateIn(Schema):
    version: Version
    org_id: Id | None = None
    name: str | None = Field(None, min_length=2, max_length=120)
    district: str | None = Field(None, min_length=1, max_length=40)
    street: str | None = Field(None, min_length=1, max_length=40)
    address: str | None = Field(None, min_length=1, max_length=200)
    weekdays: str | None = Field(None, max_length=7)
    all_day: bool | None = None
    opens: ClockTime | None = None
    closes: ClockTime | None = None
    hours_note: str | None = Field(None, max_length=200)
    amenities: list[str] | None = None
    phone: str | None = Field(None, max_length=40)
    description: str | None = None
    is_active: bool | None = Field(None, description="false deactivates, true reactivates")


class VisitFilters(Schema):
    org_id: Id | None = Field(None, description="Stations run in this subtree (default: all)")
    date_from: Day | None = None
    date_to: Day | None = None


class StationVisitsOut(Schema):
    station_id: int
    name: str
    district: str
    street: str
    operator_name: str
    is_active: bool
    date_from: date
    date_to: date
    visits: int
    visitors: int = Field(description="Different members")


class VisitIn(Schema):
    code: str = Field(min_length=1, max_length=200, description="The code of the poster's QR")


class VisitOut(Schema):
    ok: bool
    code: str = Field(description="checked_in, or already_checked_in with the first time")
    message: str
    station_id: int
    checked_in_at: str


# --- public ----------------------------------------------------------------------------------


@router.get(
    "/stations",
    response={200: list[StationOut], **ERROR_RESPONSES},
    operation_id="list_stations",
    auth=None,
)
@paginate(Pages, page_size=50)
def list_stations(request: HttpRequest, filters: Query[StationFilters]) -> Any:
    """Active stations, by district, street and name; no sign-in needed."""
    return queries.list_public_stations(
        queries.StationFilters(
            district=filters.district.strip(),
            street=filters.street.strip(),
            search=filters.q.strip(),
            amenity=filters.amenity,
        )
    )


@router.get(
    "/stations/areas",
    response={200: list[AreaOut], **ERROR_RESPONSES},
    operation_id="list_station_areas",
    auth=None,
)
def list_station_areas(request: HttpRequest) -> list[queries.Area]:
    """Districts and streets with active stations and how many: what a picker offers."""
    return queries.list_areas()


@router.get(
    "/stations/visits",
    response={200: list[StationVisitsOut], **ERROR_RESPONSES},
    operation_id="list_station_visits",
)
@paginate(Pages, page_size=50)
def list_station_visits(request: HttpRequest, filters: Query[VisitFilters]) -> Any:
    """Visits and different visitors per station of the caller's subtree in a period of whole
    days (default: the last 30 days, at most 400). Needs stations.manage."""
    within = get_org_for(request.user, filters.org_id, CAPABILITY) if filters.org_id else None
    form = PeriodForm(
        {
            "date_from": filters.date_from.isoformat() if filters.date_from else "",
            "date_to": filters.date_to.isoformat() if filters.date_to else "",
        }
    )
    if not form.is_valid():
        errors = [str(e) for messages in form.errors.values() for e in messages]
        message = errors[0] if errors else _("This value is not valid.")
        raise DomainError("invalid_period", message, fields={"date_to": [message]})
    period = form.period()
    stations = list(queries.list_stations(request.user, CAPABILITY, within=within)[:5000])
    return [
        {
            "station_id": item.station.pk,
            "name": item.station.name,
            "district": item.station.district,
            "street": item.station.street,
            "operator_name": item.station.org.name,
            "is_active": item.station.is_active,
            "date_from": period.start,
            "date_to": period.end,
            "visits": item.visits,
            "visitors": item.visitors,
        }
        for item in queries.figures_of(stations, period)
    ]


@router.get(
    "/stations/{id:station_id}",
    response={200: StationOut, **ERROR_RESPONSES},
    operation_id="get_station",
    auth=None,
)
def get_station(request: HttpRequest, station_id: Id) -> Station:
    """An active station; a deactivated one is 404."""
    return queries.get_public_station(station_id)


# --- staff -----------------------------------------------------------------------------------


def _details(values: dict[str, Any]) -> StationDetails:
    return StationDetails(**values)


@router.post(
    "/stations",
    response={201: StaffStationOut, **ERROR_RESPONSES},
    operation_id="create_station",
)
def create_station(request: HttpRequest, payload: StationIn) -> tuple[int, Station]:
    """A new station run by `org_id` (stations.manage there), with its visit code."""
    org = get_org_for(request.user, payload.org_id, CAPABILITY)
    station = actions.create_station(
        actor=api_user(request), org=org, details=_details(payload.dict(exclude={"org_id"}))
    )
    return 201, queries.get_station_for(request.user, station.pk, CAPABILITY)


@router.patch(
    "/stations/{id:station_id}",
    response={200: StaffStationOut, **ERROR_RESPONSES},
    operation_id="update_station",
)
def update_station(request: HttpRequest, station_id: Id, payload: StationUpdateIn) -> Station:
    """Edit a station; `version` must be the one read (a stale one gets 409). Fields left out
    keep their value; `is_active` deactivates or reactivates it."""
    station = queries.get_station_for(request.user, station_id, CAPABILITY)
    changes = payload.dict(exclude={"version", "org_id", "is_active"}, exclude_unset=True)
    current: dict[str, Any] = {name: getattr(station, name) for name in actions.DETAIL_FIELDS}
    current["amenities"] = station.amenity_codes
    touched = bool(changes) or payload.org_id is not None
    if touched:
        org = (
            get_org_for(request.user, payload.org_id, CAPABILITY) if payload.org_id else station.org
        )
        station = actions.update_station(
            actor=api_user(request),
            station=station,
            expected_version=payload.version,
            org=org,
            details=_details({**current, **{k: v for k, v in changes.items() if v is not None}}),
        )
    elif payload.version != station.version:
        raise ConflictError(
            "stale", _("Someone else changed this station meanwhile; reload it and try again.")
        )
    if payload.is_active is not None and payload.is_active != station.is_active:
        station = actions.set_station_active(
            actor=api_user(request), station=station, active=payload.is_active
        )
    return queries.get_station_for(request.user, station.pk, CAPABILITY)


# --- members ---------------------------------------------------------------------------------


@router.post(
    "/stations/{id:station_id}/visits",
    response={201: VisitOut, 200: VisitOut, **ERROR_RESPONSES},
    operation_id="record_station_visit",
)
def record_station_visit(
    request: HttpRequest, station_id: Id, payload: VisitIn
) -> tuple[int, dict[str, Any]]:
    """The signed-in member visits the station whose poster they scanned: 201 when the visit
    is recorded, 200 with `already_checked_in` and the first time when they already visited
    today (one visit a day counts). 400 `code_malformed`, `code_invalid` (forged, or a replaced
    poster), `wrong_station` (the code of another station) or `station_closed`; 403
    `not_a_member` for a caller without an active membership. Send an `Idempotency-Key`: a
    retry returns the first answer."""
    member = get_own_member(request.user)
    if member is None or not member.is_active:
        raise PermissionDeniedError(
            "not_a_member", _("Only active union members can record a visit: join the union first.")
        )
    result = actions.record_visit(member=member, code=payload.code, station_id=station_id)
    if result.code not in {"checked_in", "already_checked_in"}:
        raise DomainError(result.code, result.message)
    answer = {
        "ok": result.ok,
        "code": result.code,
        "message": result.message,
        "station_id": station_id,
        "checked_in_at": result.checked_in_at,
    }
    return (201 if result.ok else 200), answer
