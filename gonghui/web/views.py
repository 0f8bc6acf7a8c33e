"""The member-facing shell and the staff home."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gonghui.accounts.access import staff_required, staff_user
from gonghui.accounts.actions import set_large_text
from gonghui.accounts.models import User
from gonghui.accounts.queries import list_grants_of
from gonghui.core import imports
from gonghui.core.audit import list_audit_entries
from gonghui.core.health import database_answers
from gonghui.core.models import ImportProblem
from gonghui.core.pages import HtmxRequest, paginate, refusal_on
from gonghui.orgs.queries import list_top_orgs

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


@login_required
def me(request: HttpRequest) -> HttpResponse:
    return render(request, "web/me.html")


# The large-text mode (适老化) in a cookie, read by web/base.html: the pages before sign-in
# follow it too; a signed-in user's own setting wins (it is on their account).
TEXT_SIZE_COOKIE = "gonghui_text"
LARGE = "large"


@require_POST
def text_size(request: HttpRequest) -> HttpResponse:
    """Switch large text on or off: in this browser, and on the account when signed in."""
    large = request.POST.get("size") == LARGE
    if isinstance(request.user, User):
        set_large_text(actor=request.user, on=large)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = "/me/"
    response = redirect(back)
    response.set_cookie(
        TEXT_SIZE_COOKIE,
        LARGE if large else "normal",
        max_age=5 * 365 * 24 * 3600,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    return response


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


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and bookmarks ask for /favicon.ico whatever the page links; send them to the
    icon in static (not permanently: its hashed name changes with its content)."""
    return redirect(static("gonghui/favicon.svg"))


def healthz(request: HttpRequest) -> HttpResponse:
    if not database_answers():
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


PROBLEMS_PER_PAGE = 100


def _problem_filters(request: HttpRequest) -> dict[str, str]:
    kinds = {k for k, _label in ImportProblem.Kind.choices}
    kind = request.GET.get("kind", "")
    return {
        "kind": kind if kind in kinds else "",
        "column": request.GET.get("column", "")[:60],
        "code": request.GET.get("code", "")[:40],
    }


@staff_required
def import_job(request: HtmxRequest, job_id: int) -> HttpResponse:
    job = imports.get_job_for(request.user, job_id)
    context: dict[str, Any] = {"job": job, "importer": imports.importer_for(job.kind)}
    if not job.is_running:
        filters = _problem_filters(request)
        labels = imports.reason_labels()
        context |= {
            "filters": filters,
            "page": paginate(request, imports.list_problems(job, **filters), PROBLEMS_PER_PAGE),
            "columns": imports.problem_columns(job),
            "kinds": ImportProblem.Kind.choices,
            "reasons": [
                (code, labels.get(code, labels["invalid"]), n) for code, n in job.reasons.items()
            ],
            "reason_labels": labels,
        }
    if request.htmx:
        target = request.headers.get("HX-Target", "")
        part = "problems" if target == "problems" else "status"
        return render(request, f"web/import_job.html#{part}", context)
    return render(request, "web/import_job.html", context)


@staff_required
def import_job_annotated(request: HttpRequest, job_id: int) -> HttpResponse:
    """The clerk's own file back with a 问题 column (audited: it holds personal data)."""
    job = imports.get_job_for(request.user, job_id)
    content, name = imports.download_annotated(actor=staff_user(request), job=job)
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response


@staff_required
@require_POST
def import_job_confirm(request: HttpRequest, job_id: int) -> HttpResponse:
    job = imports.get_job_for(request.user, job_id)
    with refusal_on(request):
        imports.confirm_import(actor=staff_user(request), job=job)
    return redirect("web:import_job", job_id=job.pk)


@staff_required
@require_POST
def import_job_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    job = imports.get_job_for(request.user, job_id)
    with refusal_on(request) as refusal:
        imports.cancel_import(actor=staff_user(request), job=job)
    if refusal.error is None:
        messages.info(request, _("The file was set aside; nothing was imported."))
    return redirect("web:import_job", job_id=job.pk)


@staff_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    content = imports.template_for(kind)
    response = HttpResponse(
        content,
        content_type=XLSX_TYPE,
    )
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.xlsx"'
    return response
