"""Staff pages of the dashboards: the dashboard of an org's subtree for a period, the list of
activities behind its figure, the big screen, the Excel summary and the background exports."""

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gonghui.accounts.access import staff_required, staff_user
from gonghui.core.pages import HtmxRequest, paginate, refusal_on
from gonghui.core.periods import PRESETS, Period, parse_period
from gonghui.dashboards import actions, charts, exports, figures, hall, queries
from gonghui.dashboards.models import ExportJob
from gonghui.events.models import Category
from gonghui.orgs.models import Org

# The big screen asks for fresh figures this often (seconds); the export page, its progress.
SCREEN_REFRESH = 5
EXPORT_REFRESH = 1


def _period_of(request: HttpRequest) -> Period:
    return parse_period(request.GET.get("period"), request.GET.get("start"), request.GET.get("end"))


def _query(org: Org, period: Period, **extra: Any) -> str:
    return urlencode({"org": org.pk, **period.query(), **extra})


def _link(name: str, **params: Any) -> str:
    return f"{reverse(name)}?{urlencode(params)}"


def _drill_links(request: HttpRequest, org: Org, period: Period) -> dict[str, Any]:
    """Where each figure leads: the existing list pages, with the same subtree and period."""
    capabilities = staff_user(request).capabilities_at(org.path)
    links: dict[str, Any] = {
        "activities": _link("dashboards:activities", org=org.pk, **period.query()),
    }
    if "enterprises.view" in capabilities:
        links["with_union"] = _link("enterprises:list", org=org.pk, union="yes")
        links["without_union"] = _link("enterprises:list", org=org.pk, union="no")
        links["stage"] = _link("enterprises:list", org=org.pk) + "&stage="
    if "members.view" in capabilities:
        links["members"] = _link("members:members", org=org.pk)
        joined = {"org": org.pk, "status": "", "joined_from": period.start.isoformat()}
        links["joined"] = _link("members:members", **joined, joined_to=period.end.isoformat())
        links["event"] = True  # each event's row opens its page
    return links


def _charts(
    coverage: figures.CoverageTile,
    recruitment: figures.RecruitmentTile,
    membership: figures.MembershipTile,
    activities: figures.ActivitiesTile,
) -> dict[str, Any]:
    month_or_day = "%Y-%m" if membership.monthly else "%m-%d"
    return {
        "stages": charts.bar_chart(
            [(row.label, row.count) for row in coverage.cases_by_stage],
            title=_("Founding cases under way, by stage"),
            label_width=190,
        ),
        "job_types": charts.bar_chart(
            [(row.label, row.count) for row in recruitment.by_job_type],
            title=_("Members joined through the events, by job type"),
        )
        if recruitment.by_job_type
        else None,
        "membership": charts.column_chart(
            [bucket.strftime(month_or_day) for bucket in membership.buckets],
            [
                charts.Series(_("Members joined"), membership.joined_series),
                charts.Series(_("Transferred in"), membership.transferred_in_series),
                charts.Series(_("Transferred out"), membership.transferred_out_series),
                charts.Series(_("Members left"), membership.left_series),
            ],
            title=_("Joins, transfers and leavers over time"),
        ),
        "largest": charts.bar_chart(
            [(row.title, row.checked_in) for row in activities.largest],
            title=_("The largest activities, by check-ins"),
            label_width=200,
        )
        if activities.largest
        else None,
    }


def _picker_context(request: HttpRequest, org: Org) -> dict[str, Any]:
    return {
        "org": org,
        "org_choices": queries.list_org_choices(request.user, org),
        "presets": PRESETS,
        "preset": request.GET.get("period") or ("custom" if request.GET.get("start") else ""),
        "start": request.GET.get("start", ""),
        "end": request.GET.get("end", ""),
    }


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    org = queries.get_dashboard_org(request.user, request.GET.get("org"))
    context = _picker_context(request, org)
    # A period that does not parse is shown beside the picker, not as a flash message.
    with refusal_on(None) as refusal:
        period = _period_of(request)
    if refusal.error is not None:
        context["period_error"] = refusal.message
        return render(request, "dashboards/dashboard.html", context, status=400)
    coverage = figures.coverage(org, period)
    recruitment = figures.recruitment(org, period)
    membership = figures.membership(org, period)
    activities = figures.activities(org, period)
    context.update(
        period=period,
        previous=period.previous(),
        preset=period.preset,
        query=_query(org, period),
        period_start=period.start.isoformat(),
        period_end=period.end.isoformat(),
        coverage=coverage,
        recruitment=recruitment,
        membership=membership,
        activities=activities,
        benefits=figures.benefits(org, period),
        volunteers=figures.volunteer_service(org, period),
        care=figures.care(org, period),
        learning=figures.learning(org, period),
        innovation=figures.innovation(org, period),
        charts=_charts(coverage, recruitment, membership, activities),
        links=_drill_links(request, org, period),
        categories=dict(Category.choices),
        export_kinds=ExportJob.Kind.choices,
    )
    return render(request, "dashboards/dashboard.html", context)


@staff_required
def activity_list(request: HttpRequest) -> HttpResponse:
    """The activities behind the dashboard's figure: published, held in the period, with their
    registrations and check-ins (figures only, so dashboards.view suffices)."""
    org = queries.get_dashboard_org(request.user, request.GET.get("org"))
    with refusal_on(request):
        period = _period_of(request)
        page = paginate(request, figures.held_activities(org, period, largest_first=False))
        capabilities = staff_user(request).capabilities_at(org.path)
        return render(
            request,
            "dashboards/activities.html",
            {
                "org": org,
                "period": period,
                "page": page,
                "rows": [figures.activity_row(values) for values in page],
                "categories": dict(Category.choices),
                "may_open": "events.manage" in capabilities,
                "back": f"{reverse('dashboards:home')}?{_query(org, period)}",
            },
        )
    return redirect(f"{reverse('dashboards:home')}?{urlencode({'org': org.pk})}")


def _screen_charts(today: hall.HallFigures) -> dict[str, Any]:
    hours = [f"{hour:02d}" for hour in range(hall.HOURS)]
    return {
        "applications": charts.column_chart(
            hours,
            [charts.Series(_("Applications"), today.applications_by_hour)],
            title=_("Applications per hour, today"),
            width=600,
            height=190,
        ),
        "checkins": charts.column_chart(
            hours,
            [
                charts.Series(_("Activity check-ins"), today.activity_checkins_by_hour),
                charts.Series(_("Station visits"), today.station_visits_by_hour),
            ],
            title=_("Check-ins per hour, today: activities and stations apart"),
            width=600,
            height=190,
        ),
        "activities": charts.bar_chart(
            [(row.title, row.checked_in) for row in today.busiest_activities],
            title=_("The five busiest activities today, by check-ins"),
            width=380,
            label_width=170,
        )
        if today.busiest_activities
        else None,
        "stations": charts.bar_chart(
            [(row.title, row.checked_in) for row in today.busiest_stations],
            title=_("The five busiest stations today, by visits"),
            width=380,
            label_width=170,
        )
        if today.busiest_stations
        else None,
    }


@staff_required
def screen(request: HtmxRequest) -> HttpResponse:
    """The big screen for an office or an event hall (数据大屏): today's figures, asked for
    again every few seconds by htmx (plain polling works behind any proxy); `?present=1`
    leaves out every control, for a screen no one operates."""
    org = queries.get_dashboard_org(request.user, request.GET.get("org"))
    today = hall.hall(org)
    context = {
        "org": org,
        "figures": today,
        "charts": _screen_charts(today),
        "refresh": SCREEN_REFRESH,
        "updated_at": timezone.localtime(),
        "present": request.GET.get("present") == "1",
    }
    if request.htmx:
        return render(request, "dashboards/screen.html#figures", context)
    return render(request, "dashboards/screen.html", context)


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@staff_required
def summary_xlsx(request: HttpRequest) -> HttpResponse:
    """The one-sheet summary of the period, at once (it is a few dozen rows)."""
    org = queries.get_dashboard_org(request.user, request.GET.get("org"))
    with refusal_on(request):
        period = _period_of(request)
        workbook = exports.summary_workbook(org, period)
        return _xlsx(workbook, exports.file_name("summary", org, period))
    return redirect(f"{reverse('dashboards:home')}?{urlencode({'org': org.pk})}")


@staff_required
@require_POST
def export_start(request: HttpRequest) -> HttpResponse:
    org = queries.get_dashboard_org(request.user, request.POST.get("org"))
    with refusal_on(request):
        period = parse_period(
            request.POST.get("period"), request.POST.get("start"), request.POST.get("end")
        )
        job = actions.start_export(
            actor=staff_user(request), org=org, kind=request.POST.get("kind", ""), period=period
        )
        return redirect("dashboards:export_job", job_id=job.pk)
    return redirect(f"{reverse('dashboards:home')}?{urlencode({'org': org.pk})}")


@staff_required
def export_job(request: HtmxRequest, job_id: int) -> HttpResponse:
    job = queries.get_export_for(request.user, job_id)
    context = {"job": job, "refresh": EXPORT_REFRESH}
    if request.htmx:
        return render(request, "dashboards/export_job.html#status", context)
    return render(request, "dashboards/export_job.html", context)


@staff_required
def export_download(request: HttpRequest, job_id: int) -> FileResponse:
    job = queries.get_export_for(request.user, job_id)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    period = Period(job.period_start, job.period_end)
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=exports.file_name(job.kind, job.org, period),
        content_type=exports.XLSX_CONTENT_TYPE,
    )
