"""The member-facing shell and the staff home."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from gonghui.accounts.models import User
from gonghui.accounts.queries import list_grants_of
from gonghui.core.audit import list_audit_entries
from gonghui.core.health import database_answers
from gonghui.orgs.queries import list_top_orgs
from gonghui.web.access import HtmxRequest, staff_required
from gonghui.web.pagination import paginate


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


@login_required
def me(request: HttpRequest) -> HttpResponse:
    return render(request, "web/me.html")


@staff_required
def staff_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    return render(
        request,
        "web/staff_home.html",
        {"grants": list_grants_of(user), "top_orgs": list_top_orgs(user, "orgs.view")},
    )


@staff_required
def audit_log(request: HtmxRequest) -> HttpResponse:
    action = request.GET.get("action", "").strip()
    page = paginate(request, list_audit_entries(request.user, action=action))
    context = {"page": page, "action": action}
    if request.htmx:
        return render(request, "web/audit_log.html#results", context)
    return render(request, "web/audit_log.html", context)


def healthz(request: HttpRequest) -> HttpResponse:
    if not database_answers():
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
