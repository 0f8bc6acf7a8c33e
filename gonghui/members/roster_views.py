"""Staff pages for rosters: upload a 会员信息采集表 for import, export the members in scope."""

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from gonghui.accounts.access import staff_required, staff_user
from gonghui.accounts.models import AnyUser
from gonghui.core.capabilities import Capability
from gonghui.core.pages import HtmxRequest, refusal_on
from gonghui.core.pickers import bind_pickers
from gonghui.members import actions, exports, queries
from gonghui.members.imports import COLUMNS
from gonghui.members.queries import MemberFilters
from gonghui.members.review_forms import MemberFilterForm
from gonghui.orgs.models import OrgKind
from gonghui.orgs.pickers import OrgPickerField
from gonghui.orgs.queries import get_org_for


class RosterImportForm(forms.Form):
    org = OrgPickerField(
        "members.manage", "imports.run", exclude_kinds=[OrgKind.STATION], label=_("Import into")
    )
    file = forms.FileField(
        label=_("Roster (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_pickers(self, user)
        # Headers the importer does not know by itself: staff name them here.
        for column in COLUMNS:
            self.fields[f"map_{column.field}"] = forms.CharField(
                label=column.label, required=False, max_length=40
            )

    def mapping_fields(self) -> list[Any]:
        return [self[f"map_{column.field}"] for column in COLUMNS]

    def column_map(self) -> dict[str, str]:
        return {
            column.field: self.cleaned_data[f"map_{column.field}"]
            for column in COLUMNS
            if self.cleaned_data.get(f"map_{column.field}", "").strip()
        }


@staff_required
def roster_import(request: HttpRequest) -> HttpResponse:
    home = queries.home_roster_import_org(request.user)
    if home is None:
        raise Http404
    form = RosterImportForm(
        request.POST or None,
        request.FILES or None,
        initial={"org": request.GET.get("org") or home},
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        org = form.cleaned_data["org"]
        with refusal_on(form):
            job = actions.start_roster_import(
                actor=staff_user(request),
                org=org,
                upload=form.cleaned_data["file"],
                column_map=form.column_map(),
            )
            return redirect("web:import_job", job_id=job.pk)
    return render(request, "members/roster_import.html", {"form": form})


def _export_request(request: HttpRequest, data: Any) -> tuple[bool, Any, MemberFilters]:
    """What an export asks for: unmasked (?unmasked=1, 403 without members.export_personal),
    within an org (?org=, 404 outside the scope) and the list's filters; a search by a whole
    mobile or ID number is audited, as on the list."""
    unmasked = data.get("unmasked") == "1"
    if unmasked and not exports.may_export_unmasked(request.user):
        raise PermissionDenied
    capability: Capability = exports.UNMASKED_CAPABILITY if unmasked else "members.view"
    within = get_org_for(request.user, data["org"], capability) if data.get("org") else None
    filters = MemberFilterForm(data).filters()
    if queries.number_in(filters.search):  # the answer proves membership: audited
        actions.record_number_search(
            actor=staff_user(request), search=filters.search, listing="export", within=within
        )
    return unmasked, within, filters


@staff_required
def roster_export(request: HttpRequest) -> FileResponse:
    """The members list as .xlsx: same scope, same filters (?status=, job_type=, q=, org=).
    ?unmasked=1 needs members.export_personal (403 without it) and is audited."""
    unmasked, within, filters = _export_request(request, request.GET)
    export = exports.export_members(
        actor=staff_user(request), filters=filters, within=within, unmasked=unmasked
    )
    name = f"members-{timezone.localdate():%Y%m%d}{'-unmasked' if unmasked else ''}.xlsx"
    response = FileResponse(
        export.file, as_attachment=True, filename=name, content_type=exports.XLSX_CONTENT_TYPE
    )
    response["Cache-Control"] = "no-store"
    return response


@staff_required
@require_POST
def roster_export_start(request: HttpRequest) -> HttpResponse:
    """Queue the members list (the list page's filters, posted) as .xlsx, written in the
    background; the next page shows its progress and the file once written."""
    unmasked, within, filters = _export_request(request, request.POST)
    with refusal_on(request):
        export = actions.start_member_export(
            actor=staff_user(request), filters=filters, within=within, unmasked=unmasked
        )
        return redirect("members:roster_export_job", export_id=export.pk)
    return redirect("members:members")


@staff_required
def roster_export_job(request: HtmxRequest, export_id: int) -> HttpResponse:
    export = queries.get_member_export_for(request.user, export_id)
    template = "members/export_job.html#status" if request.htmx else "members/export_job.html"
    return render(request, template, {"export": export})


@staff_required
def roster_export_file(request: HttpRequest, export_id: int) -> FileResponse:
    export = queries.get_member_export_for(request.user, export_id)
    if export.status != export.Status.DONE or not export.file:
        raise Http404
    try:
        handle = export.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=exports.export_file_name(export),
        content_type=exports.XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "no-store"
    return response
