"""Stations on the phone: find one near a chosen district and street (no location needed),
see its hours and what it offers, and record a visit by scanning the poster that hangs there.

Station pages are public: a courier who is not (yet) a member may still need water and a
charger. Recording a visit needs a signed-in active member.
"""

from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods

from gonghui.checkins.scan_answers import ScanAnswer, scan_answer
from gonghui.core.pages import HtmxRequest, paginate
from gonghui.members.queries import get_own_member
from gonghui.stations import actions, codes, hours, queries
from gonghui.stations.forms import AreaForm
from gonghui.stations.models import Amenity, Station

PAGE_SIZE = 30
# The last district and street a visitor picked, kept a year so the list opens there.
AREA_COOKIE = "gh_station_area"
AREA_COOKIE_AGE = 365 * 24 * 3600
# The answer to a visit, carried across the redirect after the POST (shown once).
VISIT_RESULT_KEY = "stations.visit_result"


@dataclass(frozen=True)
class StationRow:
    station: Station
    open_state: hours.OpenState


def _remembered(request: HttpRequest) -> tuple[str, str]:
    raw = parse_qs(request.COOKIES.get(AREA_COOKIE, ""))
    return raw.get("d", [""])[0], raw.get("s", [""])[0]


def _chosen_area(request: HttpRequest, areas: list[queries.Area]) -> tuple[str, str, bool]:
    """(district, street, picked now): from the address, else the remembered choice, else the
    district of the member's own union. Names that have no active station are dropped."""
    picked = "district" in request.GET
    if picked:
        form = AreaForm(request.GET)
        form.is_valid()
        district = form.cleaned_data.get("district") or ""
        street = form.cleaned_data.get("street") or ""
    else:
        district, street = _remembered(request)
        if not district:
            member = get_own_member(request.user)
            district = member.org.district if member is not None else ""
    if district not in {area.district for area in areas}:
        district, street = "", ""
    if street not in {area.street for area in areas if area.district == district}:
        street = ""
    return district, street, picked


def station_list(request: HtmxRequest) -> HttpResponse:
    areas = queries.list_areas()
    district, street, picked = _chosen_area(request, areas)
    amenity = request.GET.get("amenity", "")
    amenity = amenity if amenity in Amenity.values else ""
    search = request.GET.get("q", "").strip()[:100]
    page = None
    rows: list[StationRow] = []
    if district or search:
        filters = queries.StationFilters(
            district=district, street=street, search=search, amenity=amenity
        )
        page = paginate(request, queries.list_public_stations(filters), per_page=PAGE_SIZE)
        now = timezone.now()
        rows = [StationRow(s, hours.open_state(s, now)) for s in page.object_list]
    districts: dict[str, int] = {}
    for area in areas:
        districts[area.district] = districts.get(area.district, 0) + area.stations
    context = {
        "districts": sorted(districts.items()),
        "streets": [area for area in areas if area.district == district],
        "district": district,
        "street": street,
        "amenity": amenity,
        "amenities": Amenity.choices,
        "search": search,
        "page": page,
        "rows": rows,
    }
    template = "stations/member_list.html"
    if request.htmx and request.htmx.target == "stations":
        template += "#stations"
    response = render(request, template, context)
    if picked and district:
        response.set_cookie(
            AREA_COOKIE,
            urlencode({"d": district, "s": street}),
            max_age=AREA_COOKIE_AGE,
            samesite="Lax",
            httponly=True,
        )
    return response


def station_detail(request: HttpRequest, station_id: int) -> HttpResponse:
    station = queries.get_public_station(station_id)
    member = get_own_member(request.user)
    visit_today = visits = None
    if member is not None:
        visit_today = queries.get_own_visit(member, station, timezone.localdate())
        visits = queries.count_own_visits(member, station)
    context = {
        "station": station,
        "open_state": hours.open_state(station),
        "hours": hours.hours_label(station),
        "member": member,
        "visit_today": visit_today,
        "visits": visits,
    }
    return render(request, "stations/member_detail.html", context)


@require_GET
@cache_control(max_age=3600)
def photo(request: HttpRequest, station_id: int) -> FileResponse:
    """An active station's photo (public, like the station)."""
    station = queries.get_public_station(station_id)
    if not station.photo:
        raise Http404
    try:
        handle = station.photo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, content_type="image/jpeg")


# --- the poster's QR: record a visit ---------------------------------------------------------


def _answer(code: str, message: str, checked_in_at: str = "") -> ScanAnswer:
    titles = {
        "checked_in": ("ok", _("Visit recorded")),
        "already_checked_in": ("warn", _("Already visited today")),
        "code_malformed": ("bad", _("Not a station code")),
        "code_invalid": ("bad", _("Not a valid code")),
        "wrong_station": ("bad", _("Code of another station")),
        "station_closed": ("bad", _("Station closed")),
        "not_a_member": ("bad", _("Not a member")),
    }
    return scan_answer(
        code,
        message,
        titles=titles,
        fallback=_("Visit not recorded"),
        done=_("Welcome! Your visit at %(time)s is recorded."),
        checked_in_at=checked_in_at,
    )


def _visit_page(
    request: HttpRequest,
    *,
    code: str,
    station: Station | None,
    answer: ScanAnswer | None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "code": code,
        "station": station,
        "answer": answer,
        "open_state": hours.open_state(station) if station is not None else None,
    }
    return render(request, "stations/member_visit.html", context, status=status)


def _unknown_code(code: str) -> ScanAnswer:
    if not codes.is_poster_code(code):
        return _answer("code_malformed", str(codes.MALFORMED))
    return _answer(
        "code_invalid",
        _(
            "This code is not valid: the poster may have been replaced. Scan the poster at the "
            "station."
        ),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def visit(request: HttpRequest, code: str) -> HttpResponse:
    """GET shows the station and a button; only the POST records the visit, so a link preview
    or a browser's prefetch of the scanned address records nobody."""
    station = queries.get_station_by_code(code)
    if station is None:
        return _visit_page(request, code=code, station=None, answer=_unknown_code(code), status=400)
    member = get_own_member(request.user)
    if member is None or not member.is_active:
        outsider = _answer(
            "not_a_member", _("Only active union members can record a visit: join the union first.")
        )
        return _visit_page(request, code=code, station=station, answer=outsider, status=403)
    if request.method == "POST":
        result = actions.record_visit(member=member, code=code)
        request.session[VISIT_RESULT_KEY] = {
            "station": station.pk,
            "code": result.code,
            "message": result.message,
            "checked_in_at": result.checked_in_at,
        }
        # Post/redirect/get: a reload shows the page again instead of re-sending the form.
        return redirect("stations:visit", code=code)
    shown = request.session.pop(VISIT_RESULT_KEY, None)
    answer: ScanAnswer | None = None
    if isinstance(shown, dict) and shown.get("station") == station.pk:
        answer = _answer(
            str(shown.get("code", "")),
            str(shown.get("message", "")),
            str(shown.get("checked_in_at", "")),
        )
    elif not station.is_active:
        answer = _answer("station_closed", _("This station is no longer in service."))
    else:
        today = queries.get_own_visit(member, station, timezone.localdate())
        if today is not None:
            answer = _answer(
                "already_checked_in",
                _("Already checked in today at %(time)s.")
                % {"time": timezone.localtime(today.checked_in_at).strftime("%H:%M")},
            )
    return _visit_page(request, code=code, station=station, answer=answer)
