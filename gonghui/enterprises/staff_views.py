"""Staff pages: the enterprise register, union founding and coverage."""

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gonghui.accounts.access import staff_required, staff_user
from gonghui.accounts.models import User
from gonghui.accounts.queries import get_staff_for
from gonghui.core import pickers
from gonghui.core.capabilities import Capability
from gonghui.core.imports import start_import
from gonghui.core.pages import HtmxRequest, paginate, refusal_on
from gonghui.enterprises import actions, queries
from gonghui.enterprises.forms import (
    REGISTERING_KINDS_EXCLUDED,
    AdvanceForm,
    DocumentForm,
    EnterpriseCreateForm,
    EnterpriseEditForm,
    ImportForm,
    PeriodForm,
    StepBackForm,
    StepForm,
)
from gonghui.enterprises.models import Industry, Stage
from gonghui.enterprises.pickers import EnterpriseSource
from gonghui.orgs.models import Org
from gonghui.orgs.queries import get_org_for, home_org_for

BOARD_SHOWS_ESTABLISHED_DAYS = 90


def _picked_org(request: HttpRequest, capability: Capability) -> Org:
    """The org chosen with ?org=, or the user's highest org; 404 outside the scope."""
    if request.GET.get("org"):
        return get_org_for(request.user, request.GET["org"], capability)
    org = home_org_for(request.user, capability)
    if org is None:
        raise Http404
    return org


def _filters(request: HttpRequest) -> queries.EnterpriseFilters:
    union = request.GET.get("union", "")
    stage = request.GET.get("stage", "")
    return queries.EnterpriseFilters(
        search=request.GET.get("q", "").strip(),
        industry=request.GET.get("industry", "")
        if request.GET.get("industry") in Industry.values
        else "",
        street=request.GET.get("street", "").strip(),
        has_union={"yes": True, "no": False}.get(union),
        stage=int(stage) if stage.isdigit() and int(stage) in {0, *Stage.values} else None,
    )


@staff_required
def enterprise_list(request: HtmxRequest) -> HttpResponse:
    org = _picked_org(request, "enterprises.view")
    filters = _filters(request)
    page = paginate(
        request,
        queries.list_enterprises(request.user, "enterprises.view", within=org, filters=filters),
    )
    context = {
        "org": org,
        "page": page,
        "filters": filters,
        "industries": Industry.choices,
        "stages": Stage.choices,
        "streets": queries.list_streets(request.user, "enterprises.view", within=org),
        "capabilities": staff_user(request).capabilities_at(org.path),
    }
    if request.htmx:
        return render(request, "enterprises/list.html#results", context)
    return render(request, "enterprises/list.html", context)


@staff_required
def enterprise_create(request: HttpRequest) -> HttpResponse:
    home = home_org_for(
        request.user, "enterprises.manage", exclude_kinds=REGISTERING_KINDS_EXCLUDED
    )
    if home is None:
        raise Http404
    initial = {"org": request.GET.get("org") or home}
    form = EnterpriseCreateForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        with refusal_on(form):
            enterprise = actions.create_enterprise(
                actor=staff_user(request), org=data.pop("org"), **data
            )
            messages.success(request, _("%(name)s is registered.") % {"name": enterprise.name})
            return redirect("enterprises:detail", enterprise_id=enterprise.pk)
    return render(request, "enterprises/form.html", {"form": form, "creating": True})


@staff_required
def enterprise_edit(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = queries.get_enterprise_for(request.user, enterprise_id, "enterprises.manage")
    initial = {name: getattr(enterprise, name) for name in actions.ENTERPRISE_FIELDS}
    initial["version"] = enterprise.version
    form = EnterpriseEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        with refusal_on(form):
            actions.update_enterprise(
                actor=staff_user(request), enterprise=enterprise, expected_version=version, **data
            )
            messages.success(request, _("Changes saved."))
            return redirect("enterprises:detail", enterprise_id=enterprise.pk)
    return render(
        request,
        "enterprises/form.html",
        {"form": form, "enterprise": enterprise, "creating": False},
    )


def _detail_context(request: HttpRequest, enterprise: Any, **forms: Any) -> dict[str, Any]:
    actor = staff_user(request)
    case = queries.get_case_of(enterprise)
    capabilities = actor.capabilities_at(enterprise.org.path)
    staff_choices = queries.list_staff_choices(actor) if "founding.manage" in capabilities else []
    context: dict[str, Any] = {
        "enterprise": enterprise,
        "case": case,
        "steps": queries.list_case_steps(case) if case else [],
        "capabilities": capabilities,
        "stages": Stage.choices,
    }
    if "founding.manage" in capabilities:
        initial = {"responsible": actor.pk}
        if case is None and enterprise.union_id is None:
            context["open_form"] = forms.get("open_form") or StepForm(
                initial=initial, staff_choices=staff_choices
            )
        elif case is not None and not case.is_established:
            context["next_stage"] = Stage(case.stage + 1)
            context["advance_form"] = forms.get("advance_form") or AdvanceForm(
                initial={**initial, "to_stage": case.stage + 1}, staff_choices=staff_choices
            )
            if case.stage > Stage.PREPARING:
                context["previous_stage"] = Stage(case.stage - 1)
                context["step_back_form"] = forms.get("step_back_form") or StepBackForm(
                    initial={"from_stage": case.stage}
                )
            context["document_form"] = forms.get("document_form") or DocumentForm()
    return context


@staff_required
def enterprise_detail(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = queries.get_enterprise_for(request.user, enterprise_id, "enterprises.view")
    return render(request, "enterprises/detail.html", _detail_context(request, enterprise))


@staff_required
@require_POST
def enterprise_reveal_contact(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = queries.get_enterprise_for(request.user, enterprise_id, "personal_data.view")
    mobile = actions.reveal_contact_mobile(actor=staff_user(request), enterprise=enterprise)
    return render(
        request, "enterprises/detail.html#contact", {"enterprise": enterprise, "mobile": mobile}
    )


def _responsible(request: HttpRequest, staff_id: int) -> User:
    staff, _org = get_staff_for(request.user, staff_id, "accounts.view")
    return staff


@staff_required
@require_POST
def case_open(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = queries.get_enterprise_for(request.user, enterprise_id, "founding.manage")
    form = StepForm(request.POST, staff_choices=queries.list_staff_choices(staff_user(request)))
    if form.is_valid():
        with refusal_on(form):
            actions.open_founding_case(
                actor=staff_user(request),
                enterprise=enterprise,
                happened_on=form.cleaned_data["happened_on"],
                responsible=_responsible(request, form.cleaned_data["responsible"]),
                notes=form.cleaned_data["notes"],
            )
            messages.success(request, _("The founding case is opened."))
            return redirect("enterprises:detail", enterprise_id=enterprise.pk)
    context = _detail_context(request, enterprise, open_form=form)
    return render(request, "enterprises/detail.html", context, status=400)


@staff_required
@require_POST
def case_advance(request: HttpRequest, case_id: int) -> HttpResponse:
    case = queries.get_case_for(request.user, case_id, "founding.manage")
    form = AdvanceForm(
        request.POST, request.FILES, staff_choices=queries.list_staff_choices(staff_user(request))
    )
    if form.is_valid():
        data = form.cleaned_data
        with refusal_on(form):
            case = actions.advance_founding_case(
                actor=staff_user(request),
                case=case,
                to_stage=data["to_stage"],
                happened_on=data["happened_on"],
                responsible=_responsible(request, data["responsible"]),
                notes=data["notes"],
                union_name=data["union_name"],
            )
            if data.get("document"):
                actions.attach_founding_document(
                    actor=staff_user(request), case=case, upload=data["document"]
                )
            messages.success(
                request, _("Moved to “%(stage)s”.") % {"stage": case.get_stage_display()}
            )
            return redirect("enterprises:detail", enterprise_id=case.enterprise_id)
    context = _detail_context(request, case.enterprise, advance_form=form)
    return render(request, "enterprises/detail.html", context, status=400)


@staff_required
@require_POST
def case_step_back(request: HttpRequest, case_id: int) -> HttpResponse:
    case = queries.get_case_for(request.user, case_id, "founding.manage")
    form = StepBackForm(request.POST)
    if form.is_valid():
        with refusal_on(form):
            case = actions.step_back_founding_case(
                actor=staff_user(request), case=case, **form.cleaned_data
            )
            messages.success(
                request, _("Moved back to “%(stage)s”.") % {"stage": case.get_stage_display()}
            )
            return redirect("enterprises:detail", enterprise_id=case.enterprise_id)
    context = _detail_context(request, case.enterprise, step_back_form=form)
    return render(request, "enterprises/detail.html", context, status=400)


@staff_required
@require_POST
def case_attach(request: HttpRequest, case_id: int) -> HttpResponse:
    case = queries.get_case_for(request.user, case_id, "founding.manage")
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        with refusal_on(form):
            actions.attach_founding_document(
                actor=staff_user(request), case=case, upload=form.cleaned_data["document"]
            )
            messages.success(request, _("Document attached."))
            return redirect("enterprises:detail", enterprise_id=case.enterprise_id)
    context = _detail_context(request, case.enterprise, document_form=form)
    return render(request, "enterprises/detail.html", context, status=400)


@staff_required
def document_download(request: HttpRequest, document_id: int) -> FileResponse:
    document = queries.get_document_for(request.user, document_id, "enterprises.view")
    response = FileResponse(
        document.file.open("rb"),
        content_type=document.content_type,
        as_attachment=document.content_type == "application/pdf",
        filename=document.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_required
def founding_board(request: HttpRequest) -> HttpResponse:
    org = _picked_org(request, "enterprises.view")
    board = queries.list_cases_by_stage(
        request.user,
        "enterprises.view",
        within=org,
        established_since=timezone.localdate() - timedelta(days=BOARD_SHOWS_ESTABLISHED_DAYS),
    )
    columns = [(Stage(stage), cases) for stage, cases in board.items()]
    return render(
        request,
        "enterprises/board.html",
        {"org": org, "columns": columns, "recent_days": BOARD_SHOWS_ESTABLISHED_DAYS},
    )


@staff_required
def coverage(request: HttpRequest) -> HttpResponse:
    org = _picked_org(request, "enterprises.view")
    form = PeriodForm(request.GET or None)
    figures = None
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        figures = queries.coverage_of(
            org, period_start=data.get("period_start"), period_end=data.get("period_end")
        )
    return render(
        request,
        "enterprises/coverage.html",
        {"org": org, "form": form, "figures": figures, "stages": Stage.choices},
    )


@staff_required
def enterprise_import(request: HttpRequest) -> HttpResponse:
    home = home_org_for(
        request.user, "enterprises.manage", exclude_kinds=REGISTERING_KINDS_EXCLUDED
    )
    if home is None:
        raise Http404
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        initial={"org": request.GET.get("org") or home},
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            job = start_import(
                actor=staff_user(request),
                org=form.cleaned_data["org"],
                kind="enterprises",
                upload=form.cleaned_data["file"],
            )
            return redirect("web:import_job", job_id=job.pk)
    return render(request, "enterprises/import.html", {"form": form})


@staff_required
@require_GET
def enterprise_pick(request: HttpRequest) -> HttpResponse:
    """The enterprise picker's suggestions (htmx): enterprises in the caller's scope for the
    capability the URL names, by name or credit code."""
    return pickers.answer(request, EnterpriseSource.from_query(request.GET))
