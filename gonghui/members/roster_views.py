"""Staff pages for rosters: upload a 会员信息采集表 for import, export the members in scope."""

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.access import staff_required, staff_user
from gonghui.core.capabilities import Capability
from gonghui.core.pages import refusal_on
from gonghui.members import actions, exports, queries
from gonghui.members.imports import COLUMNS
from gonghui.members.review_forms import MemberFilterForm
from gonghui.orgs.queries import get_org_for


class RosterImportForm(forms.Form):
    org = forms.TypedChoiceField(label=_("Import into"), coerce=int)
    file = forms.FileField(
        label=_("Roster (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args: Any, org_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["org"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = org_choices
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
    choices = queries.list_roster_import_orgs(request.user)
    if not choices:
        raise Http404
    if request.method == "POST" and request.POST.get("org", "") not in {
        str(pk) for pk, _name in choices
    }:
        raise Http404  # an org outside the scope is not admitted to exist
    form = RosterImportForm(request.POST or None, request.FILES or None, org_choices=choices)
    if request.method == "POST" and form.is_valid():
        org = get_org_for(request.user, form.cleaned_data["org"], "members.manage")
        with refusal_on(form):
            job = actions.start_roster_import(
                actor=staff_user(request),
                org=org,
                upload=form.cleaned_data["file"],
                column_map=form.column_map(),
            )
            return redirect("web:import_job", job_id=job.pk)
    return render(request, "members/roster_import.html", {"form": form})


@staff_required
def roster_export(request: HttpRequest) -> FileResponse:
    """The members list as .xlsx: same scope, same filters (?status=, job_type=, q=, org=).
    ?unmasked=1 needs members.export_personal (403 without it) and is audited."""
    unmasked = request.GET.get("unmasked") == "1"
    if unmasked and not exports.may_export_unmasked(request.user):
        raise PermissionDenied
    capability: Capability = exports.UNMASKED_CAPABILITY if unmasked else "members.view"
    within = (
        get_org_for(request.user, request.GET["org"], capability)
        if request.GET.get("org")
        else None
    )
    filters = MemberFilterForm(request.GET).filters()
    export = exports.export_members(
        actor=staff_user(request), filters=filters, within=within, unmasked=unmasked
    )
    name = f"members-{timezone.localdate():%Y%m%d}{'-unmasked' if unmasked else ''}.xlsx"
    response = FileResponse(
        export.file, as_attachment=True, filename=name, content_type=exports.XLSX_CONTENT_TYPE
    )
    response["Cache-Control"] = "no-store"
    return response
