"""The back-office pages of the union tree. They live in accounts, not orgs: they need staff
sign-in and list the role grants held at each union, both of which accounts owns above orgs."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gonghui.accounts.access import staff_required, staff_user
from gonghui.accounts.models import User
from gonghui.accounts.queries import list_grants_at
from gonghui.core import pickers
from gonghui.core.audit import list_audit_entries
from gonghui.core.pages import HtmxRequest, paginate, refusal_on
from gonghui.orgs import actions, queries
from gonghui.orgs.forms import OrgCreateForm, OrgEditForm, OrgMoveForm
from gonghui.orgs.models import OrgKind
from gonghui.orgs.pickers import OrgSource


@staff_required
def org_tree(request: HtmxRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    context: dict[str, object] = {"search": search, "kind": kind, "kinds": OrgKind.choices}
    if search or kind:
        results = queries.list_orgs(request.user, "orgs.view", search=search, kind=kind)
        context["page"] = paginate(request, results)
    else:
        context["top_orgs"] = queries.list_top_orgs(request.user, "orgs.view")
    if request.htmx:
        return render(request, "orgs/tree.html#results", context)
    return render(request, "orgs/tree.html", context)


@staff_required
def org_children(request: HttpRequest, org_id: int) -> HttpResponse:
    org = queries.get_org_for(request.user, org_id, "orgs.view")
    return render(
        request, "orgs/tree.html#children", {"children": queries.list_children(org), "org": org}
    )


@staff_required
def org_detail(request: HttpRequest, org_id: int) -> HttpResponse:
    org = queries.get_org_for(request.user, org_id, "orgs.view")
    assert isinstance(request.user, User)  # staff_required let only signed-in users through
    capabilities = request.user.capabilities_at(org.path)
    context = {
        "org": org,
        "ancestors": queries.list_visible_ancestors(request.user, org, "orgs.view"),
        "children": queries.list_children(org),
        "capabilities": capabilities,
        "subtree_size": queries.count_subtree(org),
        "grants": list_grants_at(request.user, org) if "accounts.view" in capabilities else [],
        "recent_entries": (
            list_audit_entries(request.user, org_path=org.path)[:10]
            if "audit.view" in capabilities
            else []
        ),
    }
    return render(request, "orgs/detail.html", context)


@staff_required
def org_create(request: HttpRequest, org_id: int) -> HttpResponse:
    parent = queries.get_org_for(request.user, org_id, "orgs.manage")
    form = OrgCreateForm(request.POST or None, parent=parent)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            org = actions.create_org(
                actor=staff_user(request),
                parent=parent,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                **form.details(),
            )
            messages.success(request, _("%(name)s was created.") % {"name": org.name})
            return redirect("orgs:detail", org_id=org.pk)
    return render(request, "orgs/form.html", {"form": form, "parent": parent, "creating": True})


@staff_required
def org_edit(request: HttpRequest, org_id: int) -> HttpResponse:
    org = queries.get_org_for(request.user, org_id, "orgs.manage")
    initial = {name: getattr(org, name) for name in actions.EDITABLE_FIELDS}
    initial["name"] = org.name
    initial["version"] = org.version
    form = OrgEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            actions.update_org(
                actor=staff_user(request),
                org=org,
                expected_version=form.cleaned_data["version"],
                name=form.cleaned_data["name"],
                **form.details(),
            )
            messages.success(request, _("Changes saved."))
            return redirect("orgs:detail", org_id=org.pk)
    return render(request, "orgs/form.html", {"form": form, "org": org, "creating": False})


@staff_required
def org_move(request: HtmxRequest, org_id: int) -> HttpResponse:
    org = queries.get_org_for(request.user, org_id, "orgs.move")
    search = request.GET.get("q", "").strip()
    candidates = queries.list_move_targets(request.user, org, search=search) if search else []
    form = OrgMoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            new_parent = queries.get_org_for(
                request.user, form.cleaned_data["new_parent"], "orgs.move"
            )
            actions.move_org(actor=staff_user(request), org=org, new_parent=new_parent)
            messages.success(
                request,
                _("%(name)s now belongs to %(parent)s.")
                % {"name": org.name, "parent": new_parent.name},
            )
            return redirect("orgs:detail", org_id=org.pk)
    context = {"org": org, "form": form, "search": search, "candidates": candidates}
    if request.htmx and request.method == "GET":
        return render(request, "orgs/move.html#candidates", context)
    return render(request, "orgs/move.html", context)


@staff_required
@require_POST
def org_set_active(request: HttpRequest, org_id: int) -> HttpResponse:
    org = queries.get_org_for(request.user, org_id, "orgs.manage")
    active = request.POST.get("active") == "1"
    with refusal_on(request):
        actions.set_org_active(actor=staff_user(request), org=org, active=active)
        messages.success(
            request, _("Reactivated.") if active else _("Deactivated; its history stays.")
        )
    return redirect(reverse("orgs:detail", kwargs={"org_id": org.pk}))


@staff_required
@require_GET
def org_pick(request: HttpRequest) -> HttpResponse:
    """The union picker's suggestions (htmx): orgs in the caller's scope for the capabilities
    the URL names, by name."""
    return pickers.answer(request, OrgSource.from_query(request.GET))
