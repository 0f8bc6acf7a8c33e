"""The member-facing shell and the staff home."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from gonghui.accounts.models import User
from gonghui.accounts.queries import list_grants_of
from gonghui.core.audit import list_audit_entries
from gonghui.orgs.queries import list_top_orgs
from gonghui.web.access import staff_required
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
def audit_log(request: HttpRequest) -> HttpResponse:
    action = request.GET.get("action", "").strip()
    page = paginate(request, list_audit_entries(request.user, action=action))
    context = {"page": page, "action": action}
    if request.htmx:
        return render(request, "web/audit_log.html#results", context)
    return render(request, "web/audit_log.html", context)


def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
