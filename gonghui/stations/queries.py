"""Reads of stations: public ones for everybody (stations are public information), the
subtree's for staff (stations.manage), and visit figures."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from gonghui.accounts.models import AnyUser
from gonghui.checkins.models import CheckIn
from gonghui.core.capabilities import Capability
from gonghui.core.errors import DomainError
from gonghui.core.periods import Period
from gonghui.members.models import Member
from gonghui.orgs.models import Org
from gonghui.stations import codes
from gonghui.stations.models import Amenity, Station


def _pk(value: int | str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


# --- public: anyone may look stations up -----------------------------------------------------


@dataclass(frozen=True)
class Area:
    district: str
    street: str
    stations: int


def list_areas() -> list[Area]:
    """Districts and streets that have active stations, with how many: the members' picker."""
    rows = (
        Station.objects.filter(is_active=True)
        .values("district", "street")
        .annotate(n=Count("pk"))
        .order_by("district", "street")
    )
    return [Area(r["district"], r["street"], r["n"]) for r in rows]


@dataclass(frozen=True)
class StationFilters:
    district: str = ""
    street: str = ""
    search: str = ""
    amenity: str = ""


def _filtered(stations: QuerySet[Station], filters: StationFilters) -> QuerySet[Station]:
    if filters.district:
        stations = stations.filter(district=filters.district)
    if filters.street:
        stations = stations.filter(street=filters.street)
    if filters.search:
        stations = stations.filter(
            Q(name__icontains=filters.search) | Q(address__icontains=filters.search)
        )
    if filters.amenity in Amenity.values:
        stations = stations.filter(amenities__contains=f",{filters.amenity},")
    return stations


def list_public_stations(filters: StationFilters) -> QuerySet[Station]:
    """Active stations, by district, street and name."""
    return (
        _filtered(Station.objects.filter(is_active=True), filters)
        .select_related("org")
        .order_by("district", "street", "name", "pk")
    )


def get_public_station(station_id: int | str) -> Station:
    """An active station; 404 for a missing or deactivated one."""
    try:
        return Station.objects.select_related("org").get(pk=_pk(station_id), is_active=True)
    except Station.DoesNotExist:
        raise Http404 from None


def get_station_by_code(code: str) -> Station | None:
    """The station whose poster carries this code, if the code is genuine and current (the
    station may be deactivated: the page says so)."""
    try:
        station_id, signature = codes.read_poster_code(code)
    except DomainError:  # a malformed code is simply no station
        return None
    station = Station.objects.select_related("checkpoint").filter(pk=station_id).first()
    if station is None or not codes.signature_matches(station, signature):
        return None
    return station


def get_own_visit(member: Member, station: Station, day: date) -> CheckIn | None:
    """The member's visit to the station on that day, if any."""
    return CheckIn.objects.filter(
        checkpoint_id=station.checkpoint_id, member=member, day=day
    ).first()


def count_own_visits(member: Member, station: Station) -> int:
    return CheckIn.objects.filter(checkpoint_id=station.checkpoint_id, member=member).count()


# --- staff -----------------------------------------------------------------------------------


def list_stations(
    user: AnyUser,
    capability: Capability,
    *,
    within: Org | None = None,
    filters: StationFilters = StationFilters(),
    active: bool | None = None,
) -> QuerySet[Station]:
    stations = Station.objects.visible_to(user, capability)
    if within is not None:
        stations = stations.in_subtree(within.path)
    if active is not None:
        stations = stations.filter(is_active=active)
    return (
        _filtered(stations, filters)
        .select_related("org", "checkpoint")
        .order_by("district", "street", "name", "pk")
    )


def get_station_for(user: AnyUser, station_id: int | str, capability: Capability) -> Station:
    """A station the user holds `capability` over; 404 alike for missing and forbidden."""
    try:
        return (
            Station.objects.visible_to(user, capability)
            .select_related("org", "checkpoint")
            .get(pk=_pk(station_id))
        )
    except Station.DoesNotExist:
        raise Http404 from None


def list_district_names(user: AnyUser, capability: Capability) -> list[str]:
    """Districts already used in the user's subtree: suggestions for the form."""
    return list(
        Station.objects.visible_to(user, capability)
        .order_by("district")
        .values_list("district", flat=True)
        .distinct()[:200]
    )


def list_street_names(user: AnyUser, capability: Capability) -> list[str]:
    return list(
        Station.objects.visible_to(user, capability)
        .order_by("street")
        .values_list("street", flat=True)
        .distinct()[:500]
    )


# --- visit figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StationFigures:
    station: Station
    visits: int
    visitors: int  # distinct members


def _visits_in(period: Period) -> QuerySet[CheckIn]:
    # By time, not by `day`: the (checkpoint, checked_in_at) index serves the range.
    start, end = period.moments()
    return CheckIn.objects.filter(checked_in_at__gte=start, checked_in_at__lt=end)


def figures_of(stations: list[Station], period: Period) -> list[StationFigures]:
    """Visits and distinct visitors per station in the period: one grouped query."""
    by_checkpoint = {
        row["checkpoint_id"]: row
        for row in _visits_in(period)
        .filter(checkpoint_id__in=[s.checkpoint_id for s in stations])
        .values("checkpoint_id")
        .annotate(visits=Count("pk"), visitors=Count("member_id", distinct=True))
        .order_by()
    }
    empty = {"visits": 0, "visitors": 0}
    return [
        StationFigures(
            station,
            by_checkpoint.get(station.checkpoint_id, empty)["visits"],
            by_checkpoint.get(station.checkpoint_id, empty)["visitors"],
        )
        for station in stations
    ]


@dataclass(frozen=True)
class Totals:
    stations: int
    visits: int
    visitors: int


def totals_of(stations: QuerySet[Station], period: Period) -> Totals:
    """The whole list's figures (not just the page shown): visits and distinct visitors."""
    visits = _visits_in(period).filter(checkpoint__station__in=stations)
    figures = visits.aggregate(visits=Count("pk"), visitors=Count("member_id", distinct=True))
    return Totals(stations.count(), figures["visits"], figures["visitors"])


def visits_by_day(station: Station, period: Period) -> list[tuple[date, int]]:
    """Every day of the period with its visits (0 included), oldest first."""
    counts = dict(
        _visits_in(period)
        .filter(checkpoint_id=station.checkpoint_id)
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("day", "n")
    )
    return [
        (day, counts.get(day, 0))
        for day in (period.start + timedelta(days=i) for i in range(period.days))
    ]


def daily_rows(stations: list[Station], period: Period) -> list[tuple[int, date | None, int]]:
    """(checkpoint id, day, visits) for days with visits, for the export's second sheet."""
    return list(
        _visits_in(period)
        .filter(checkpoint_id__in=[s.checkpoint_id for s in stations])
        .values("checkpoint_id", "day")
        .annotate(n=Count("pk"))
        .order_by("day", "checkpoint_id")
        .values_list("checkpoint_id", "day", "n")
    )


def list_recent_visits(station: Station, *, limit: int = 50) -> list[CheckIn]:
    """The latest visits with only what the page shows: loading whole members would decrypt
    their personal fields for nothing."""
    return list(
        CheckIn.objects.filter(checkpoint_id=station.checkpoint_id)
        .select_related("member", "member__org")
        .only("checked_in_at", "method", "member__number", "member__name", "member__org__name")
        .order_by("-checked_in_at", "-pk")[:limit]
    )
