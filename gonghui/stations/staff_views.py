"""Staff pages of stations (stations.manage, scoped to the staff member's subtree): the list
with visit figures for a period and their .xlsx export, create / edit / deactivate, the detail
with visits by day, the printable QR poster and replacing its code."""

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gonghui.accounts.access import staff_required, staff_user
from gonghui.core.capabilities import Capability
from gonghui.core.pages import HtmxRequest, paginate, refusal_on
from gonghui.orgs.models import Org
from gonghui.orgs.queries import get_org_for, home_org_for
from gonghui.stations import actions, codes, hours, queries
from gonghui.stations.exports import visits_workbook
from gonghui.stations.forms import PeriodForm, StationEditForm, StationFilterForm, StationForm
from gonghui.stations.models import Station
from gonghui.stations.poster import render_station_poster

CAPABILITY: Capability = "stations.manage"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _list_org(request: HttpRequest) -> Org:
    """The org chosen with ?org=, or the user's highest one; 404 outside the scope."""
    if request.GET.get("org"):
        return get_org_for(request.user, request.GET["org"], CAPABILITY)
    org = home_org_for(request.user, CAPABILITY)
    if org is None:
        raise Http404
    return org


def _listed(request: HttpRequest, org: Org) -> tuple[Any, StationFilterForm]:
    form = StationFilterForm(request.GET)
    form.is_valid()  # an invalid filter is left out, not refused
    data = form.cleaned_data
    active = {"1": True, "0": False}.get(data.get("active") or "")
    stations = queries.list_stations(
        request.user,
        CAPABILITY,
        within=org,
        filters=queries.StationFilters(search=data.get("q") or ""),
        active=active,
    )
    return stations, form


@staff_required
def station_list(request: HtmxRequest) -> HttpResponse:
    org = _list_org(request)
    stations, form = _listed(request, org)
    period_form = PeriodForm(request.GET)
    period = period_form.period()
    page = paginate(request, stations)
    context = {
        "org": org,
        "form": form,
        "period_form": period_form,
        "period": period,
        "page": page,
        "figures": queries.figures_of(list(page.object_list), period),
        "totals": queries.totals_of(stations, period),
        "query": request.GET.urlencode(),
    }
    if request.htmx and request.htmx.target == "results":
        return render(request, "stations/staff_list.html#results", context)
    return render(request, "stations/staff_list.html", context)


@staff_required
def visits_xlsx(request: HttpRequest) -> HttpResponse:
    """Visits per station (and per station and day) of the listed stations in the period."""
    org = _list_org(request)
    stations, _form = _listed(request, org)
    period = PeriodForm(request.GET).period()
    workbook = visits_workbook(queries.figures_of(list(stations[:5000]), period), period)
    response = HttpResponse(workbook, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True,
        filename=f"station-visits-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx",
    )
    return response


def _form_context(request: HttpRequest, form: StationForm, **extra: Any) -> dict[str, Any]:
    return {
        "form": form,
        "district_names": queries.list_district_names(request.user, CAPABILITY),
        "street_names": queries.list_street_names(request.user, CAPABILITY),
        **extra,
    }


@staff_required
def station_create(request: HttpRequest) -> HttpResponse:
    home = home_org_for(request.user, CAPABILITY)
    if home is None:
        raise Http404
    initial = {"org": request.GET.get("org") or home}
    form = StationForm(
        request.POST or None, request.FILES or None, initial=initial, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            # A refused photo leaves no half-made station behind.
            with transaction.atomic():
                station = actions.create_station(
                    actor=staff_user(request), org=form.cleaned_data["org"], details=form.details()
                )
                if form.cleaned_data["photo"]:
                    actions.set_station_photo(
                        actor=staff_user(request),
                        station=station,
                        upload=form.cleaned_data["photo"],
                    )
            messages.success(
                request, _("“%(name)s” is saved. Print its poster.") % {"name": station.name}
            )
            return redirect("stations:staff_detail", station_id=station.pk)
    return render(request, "stations/staff_form.html", _form_context(request, form, creating=True))


@staff_required
def station_edit(request: HttpRequest, station_id: int) -> HttpResponse:
    station = queries.get_station_for(request.user, station_id, CAPABILITY)
    initial: dict[str, Any] = {
        "org": station.org_id,
        "name": station.name,
        "district": station.district,
        "street": station.street,
        "address": station.address,
        "weekdays": list(station.weekdays),
        "all_day": station.all_day,
        "opens": station.opens,
        "closes": station.closes,
        "hours_note": station.hours_note,
        "amenities": station.amenity_codes,
        "phone": station.phone,
        "description": station.description,
        "version": station.version,
    }
    form = StationEditForm(
        request.POST or None, request.FILES or None, initial=initial, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            with transaction.atomic():
                station = actions.update_station(
                    actor=staff_user(request),
                    station=station,
                    expected_version=form.cleaned_data["version"],
                    org=form.cleaned_data["org"],
                    details=form.details(),
                )
                if form.cleaned_data["photo"]:
                    station = actions.set_station_photo(
                        actor=staff_user(request),
                        station=station,
                        upload=form.cleaned_data["photo"],
                    )
            messages.success(request, _("Changes saved."))
            return redirect("stations:staff_detail", station_id=station.pk)
    context = _form_context(request, form, creating=False, station=station)
    return render(request, "stations/staff_form.html", context)


@staff_required
def station_detail(request: HttpRequest, station_id: int) -> HttpResponse:
    station = queries.get_station_for(request.user, station_id, CAPABILITY)
    period_form = PeriodForm(request.GET)
    period = period_form.period()
    by_day = queries.visits_by_day(station, period)
    context = {
        "station": station,
        "open_state": hours.open_state(station),
        "hours": hours.hours_label(station),
        "period_form": period_form,
        "period": period,
        "figures": queries.figures_of([station], period)[0],
        "by_day": by_day,
        "busiest": max((n for _day, n in by_day), default=0),
        "recent": queries.list_recent_visits(station),
        "visit_url": _visit_url(request, station),
    }
    return render(request, "stations/staff_detail.html", context)


def _set_active(request: HttpRequest, station_id: int, *, active: bool) -> HttpResponse:
    station = queries.get_station_for(request.user, station_id, CAPABILITY)
    with refusal_on(request):
        actions.set_station_active(actor=staff_user(request), station=station, active=active)
        messages.success(
            request,
            _("The station is active again: members see it and its poster records visits.")
            if active
            else _("The station is deactivated: members no longer see it."),
        )
    return redirect("stations:staff_detail", station_id=station.pk)


@staff_required
@require_POST
def station_deactivate(request: HttpRequest, station_id: int) -> HttpResponse:
    return _set_active(request, station_id, active=False)


@staff_required
@require_POST
def station_reactivate(request: HttpRequest, station_id: int) -> HttpResponse:
    return _set_active(request, station_id, active=True)


@staff_required
def staff_photo(request: HttpRequest, station_id: int) -> FileResponse:
    station = queries.get_station_for(request.user, station_id, CAPABILITY)
    if not station.photo:
        raise Http404
    try:
        handle = station.photo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the poster ------------------------------------------------------------------------------


def _visit_url(request: HttpRequest, station: Station) -> str:
    path = reverse("stations:visit", kwargs={"code": codes.poster_code(station)})
    return request.build_absolute_uri(path)


@staff_required
def poster(request: HttpRequest, station_id: int) -> HttpResponse:
    station = queries.get_station_for(request.user, station_id, CAPABILITY)
    url = _visit_url(request, station)
    pdf = render_station_poster(station, visit_url=url, short_url=url)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="station-poster-{station.pk}.pdf"'
    return response


@staff_required
@require_POST
def poster_replace(request: HttpRequest, station_id: int) -> HttpResponse:
    station = queries.get_station_for(request.user, station_id, CAPABILITY)
    with refusal_on(request):
        actions.replace_poster_code(actor=staff_user(request), station=station)
        messages.success(
            request,
            _(
                "The code is replaced: posters printed before no longer record visits. Print the "
                "new poster and put it up."
            ),
        )
    return redirect("stations:staff_detail", station_id=station.pk)
