"""Staff pages of volunteer service: projects with their shifts' coverage and gaps, a shift's
attendance with hours to certify and corrections to decide, the shift's rotating code, the card
desk, sites and teams, and the 志愿服务记录 export."""

from typing import Any

import segno
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gonghui.accounts.access import staff_required, staff_user
from gonghui.checkins import actions as checkins
from gonghui.core.pages import refusal_on
from gonghui.orgs.models import Org
from gonghui.orgs.queries import get_org_for, home_org_for
from gonghui.volunteers import actions, exports, queries
from gonghui.volunteers.forms import (
    CardScanForm,
    CorrectionForm,
    ProjectForm,
    ShiftForm,
    SiteForm,
    TeamForm,
    TeamMemberForm,
)
from gonghui.volunteers.models import Project, Shift

SCREEN_REFRESH_SECONDS = 10
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _list_org(request: HttpRequest) -> Org:
    if request.GET.get("org"):
        return get_org_for(request.user, request.GET["org"], "volunteers.manage")
    org = home_org_for(request.user, "volunteers.manage")
    if org is None:
        raise Http404
    return org


@staff_required
def project_list(request: HttpRequest) -> HttpResponse:
    """The projects of the org's subtree; a new one from the form below the list."""
    org = _list_org(request)
    form = ProjectForm(request.POST or None, user=request.user, initial={"org": org})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusal_on(form):
            project = actions.create_project(
                actor=staff_user(request),
                org=data["org"],
                title=data["title"],
                description=data["description"],
                cutoff_hours=data["cutoff_hours"],
                publish=data["publish"],
            )
            return redirect("volunteers:staff_project", project_id=project.pk)
    projects = queries.list_projects(request.user, org)
    return render(
        request,
        "volunteers/staff_projects.html",
        {"org": org, "projects": projects, "form": form},
    )


def _shift_form(request: HttpRequest, data: Any = None) -> ShiftForm:
    sites = [(s.pk, f"{s.name} · {s.org.name}") for s in queries.list_sites(request.user)]
    teams = [(t.pk, f"{t.name} · {t.org.name}") for t in queries.list_teams(request.user)]
    return ShiftForm(data, site_choices=sites, team_choices=teams)


def _project_page(request: HttpRequest, project: Project, form: ShiftForm) -> HttpResponse:
    coverage = queries.coverage_of(project)
    context = {
        "project": project,
        "coverage": coverage,
        "gaps": sum(row.gap for row in coverage),
        "team_hours": queries.hours_by_team(project),
        "form": form,
    }
    return render(request, "volunteers/staff_project.html", context)


@staff_required
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    """The schedule by day and slot: places, taken, by the team, the gaps; a shift is added
    from the form."""
    project = queries.get_project_for(request.user, project_id, "volunteers.manage")
    form = _shift_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        site = queries.get_site_for(request.user, data["site"])
        team = queries.get_team_for(request.user, data["team"]) if data["team"] else None
        starts_at, ends_at = form.times()
        with refusal_on(form):
            actions.add_shift(
                actor=staff_user(request),
                project=project,
                site=site,
                team=team,
                group=data["group"],
                tasks=data["tasks"],
                starts_at=starts_at,
                ends_at=ends_at,
                places=data["places"],
            )
            messages.success(request, _("The shift is added."))
            return redirect("volunteers:staff_project", project_id=project.pk)
    return _project_page(request, project, form)


@staff_required
@require_POST
def project_publish(request: HttpRequest, project_id: int) -> HttpResponse:
    project = queries.get_project_for(request.user, project_id, "volunteers.manage")
    with refusal_on(request):
        actions.publish_project(actor=staff_user(request), project=project)
        messages.success(request, _("Published: volunteers can sign up now."))
    return redirect("volunteers:staff_project", project_id=project.pk)


@staff_required
def records_xlsx(request: HttpRequest, project_id: int) -> HttpResponse:
    """志愿服务记录 of the project; ?ids=1 with full names and ID numbers (audited)."""
    project = queries.get_project_for(request.user, project_id, "volunteers.manage")
    unmasked = request.GET.get("ids") == "1"
    data = exports.records_workbook(actor=staff_user(request), project=project, unmasked=unmasked)
    response = HttpResponse(data, content_type=XLSX)
    disposition = content_disposition_header(True, f"volunteer-records-{project.pk}.xlsx")
    if disposition:
        response["Content-Disposition"] = disposition
    return response


# --- a shift: attendance, certification, corrections, the code and the desk ---


def _shift_page(request: HttpRequest, shift: Shift, **forms: Any) -> HttpResponse:
    context = {
        "shift": shift,
        "rows": queries.attendance_of(shift),
        "corrections": queries.pending_corrections(shift),
        "correction_form": forms.get("correction_form") or CorrectionForm(),
        "scan_form": forms.get("scan_form") or CardScanForm(),
        "answer": forms.get("answer"),
    }
    return render(request, "volunteers/staff_shift.html", context)


@staff_required
def shift_detail(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = queries.get_shift_for(request.user, shift_id, "volunteers.manage")
    return _shift_page(request, shift)


@staff_required
@require_POST
def certify(request: HttpRequest, shift_id: int, member_id: int) -> HttpResponse:
    shift = queries.get_shift_for(request.user, shift_id, "volunteers.manage")
    member = queries.get_member_on_shift(shift, member_id)
    with refusal_on(request):
        certification = actions.certify_hours(actor=staff_user(request), shift=shift, member=member)
        messages.success(
            request,
            _("Certified: %(minutes)d minutes.") % {"minutes": certification.minutes},
        )
    return redirect("volunteers:staff_shift", shift_id=shift.pk)


@staff_required
@require_POST
def correction_request(request: HttpRequest, shift_id: int, member_id: int) -> HttpResponse:
    shift = queries.get_shift_for(request.user, shift_id, "volunteers.manage")
    member = queries.get_member_on_shift(shift, member_id)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        with refusal_on(form):
            actions.request_correction(
                actor=staff_user(request),
                shift=shift,
                member=member,
                arrived_at=data["arrived_at"],
                left_at=data["left_at"],
                reason=data["reason"],
            )
            messages.success(request, _("The correction waits for another leader's decision."))
            return redirect("volunteers:staff_shift", shift_id=shift.pk)
    return _shift_page(request, shift, correction_form=form)


@staff_required
@require_POST
def correction_decide(request: HttpRequest, shift_id: int, correction_id: int) -> HttpResponse:
    shift = queries.get_shift_for(request.user, shift_id, "volunteers.manage")
    correction = queries.get_correction(shift, correction_id)
    with refusal_on(request):
        decided = actions.decide_correction(
            actor=staff_user(request),
            correction=correction,
            approve=request.POST.get("decision") == "approve",
        )
        messages.success(request, decided.get_status_display())
    return redirect("volunteers:staff_shift", shift_id=shift.pk)


@staff_required
@require_POST
def card_scan(request: HttpRequest, shift_id: int) -> HttpResponse:
    """The leader scans a volunteer's member card on arrival or departure."""
    shift = queries.get_shift_for(request.user, shift_id, "checkins.scan")
    form = CardScanForm(request.POST)
    answer = None
    if form.is_valid():
        answer = actions.report_by_card(
            actor=staff_user(request),
            shift=shift,
            card_code=form.cleaned_data["card"],
            departure=form.cleaned_data["direction"] == "leave",
        )
        form = CardScanForm(initial={"direction": form.cleaned_data["direction"]})
    return _shift_page(request, shift, scan_form=form, answer=answer)


def _qr_svg(text: str) -> SafeString:
    qr = segno.make(text, error="m")
    # segno draws the matrix as one <path>; nothing from the text itself is in the markup.
    return mark_safe(qr.svg_inline(scale=1, border=2, omitsize=True, light="#fff"))  # noqa: S308


def _screen_context(request: HttpRequest, shift: Shift) -> dict[str, Any]:
    code = checkins.screen_code(shift.checkpoint)
    url = request.build_absolute_uri(reverse("volunteers:duty", kwargs={"code": code}))
    shift.checkpoint.refresh_from_db(fields=["checked_in"])
    return {
        "shift": shift,
        "code": code,
        "url": url,
        "qr": _qr_svg(url),
        "checked_in": shift.checkpoint.checked_in,
        "refresh_seconds": SCREEN_REFRESH_SECONDS,
    }


@staff_required
@never_cache
def screen(request: HttpRequest, shift_id: int) -> HttpResponse:
    """The shift's rotating code on the leader's phone or a screen at the site: volunteers
    scan it on arrival and again on leaving."""
    shift = queries.get_shift_for(request.user, shift_id, "checkins.scan")
    return render(request, "volunteers/staff_screen.html", _screen_context(request, shift))


@staff_required
@never_cache
def screen_code(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = queries.get_shift_for(request.user, shift_id, "checkins.scan")
    return render(request, "volunteers/staff_screen.html#code", _screen_context(request, shift))


# --- sites and teams ---


@staff_required
def sites_and_teams(request: HttpRequest) -> HttpResponse:
    home = home_org_for(request.user, "volunteers.manage")
    if home is None:
        raise Http404
    posted = request.POST.get("form")
    site_form = SiteForm(
        request.POST if posted == "site" else None,
        user=request.user,
        initial={"org": home},
        prefix="site",
    )
    team_form = TeamForm(
        request.POST if posted == "team" else None,
        user=request.user,
        initial={"org": home},
        prefix="team",
    )
    if posted == "site" and site_form.is_valid():
        data = site_form.cleaned_data
        with refusal_on(site_form):
            actions.create_site(
                actor=staff_user(request),
                org=data["org"],
                name=data["name"],
                kind=data["kind"],
                address=data["address"],
                contact=data["contact"],
            )
            return redirect("volunteers:staff_sites")
    if posted == "team" and team_form.is_valid():
        data = team_form.cleaned_data
        with refusal_on(team_form):
            team = actions.create_team(
                actor=staff_user(request), org=data["org"], name=data["name"], kind=data["kind"]
            )
            return redirect("volunteers:staff_team", team_id=team.pk)
    context = {
        "sites": queries.list_sites(request.user),
        "teams": queries.list_teams(request.user),
        "site_form": site_form,
        "team_form": team_form,
    }
    return render(request, "volunteers/staff_sites.html", context)


@staff_required
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    team = queries.get_team_for(request.user, team_id)
    form = TeamMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        member = queries.find_member_by_number(request.user, form.cleaned_data["number"])
        if member is None:
            form.add_error("number", _("No member with this number in your organisations."))
        else:
            with refusal_on(form):
                actions.add_team_member(
                    actor=staff_user(request),
                    team=team,
                    member=member,
                    leader=form.cleaned_data["leader"],
                )
                return redirect("volunteers:staff_team", team_id=team.pk)
    context = {"team": team, "members": queries.list_team_members(team), "form": form}
    return render(request, "volunteers/staff_team.html", context)
