from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.forms import MobileField
from gonghui.core.pickers import bind_pickers
from gonghui.core.scoping import Viewer
from gonghui.core.text import CheckedTextForm
from gonghui.enterprises.models import Industry
from gonghui.orgs.models import OrgKind
from gonghui.orgs.pickers import OrgPickerField

MAX_PERIOD = timedelta(days=366 * 10)


class DateInput(forms.DateInput):
    """The browser's date picker; it reads and writes ISO dates whatever the language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class EnterpriseForm(CheckedTextForm):
    name_fields = ("name", "district", "street", "contact_name")

    name = forms.CharField(label=_("Enterprise name"), max_length=120)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=30,
        help_text=_("18 characters, as on the business licence."),
    )
    industry = forms.ChoiceField(label=_("Industry"), choices=Industry.choices)
    district = forms.CharField(label=_("District"), max_length=40, required=False)
    street = forms.CharField(label=_("Street"), max_length=40, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    headcount = forms.IntegerField(label=_("Employees"), min_value=0)
    gig_headcount = forms.IntegerField(
        label=_("New-employment-form workers"),
        min_value=0,
        initial=0,
        help_text=_("Couriers, riders, drivers and other platform workers among the employees."),
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=40, required=False)
    contact_mobile = MobileField(label=_("Contact mobile number"), required=False)


# Enterprises are registered under a union that is not itself an enterprise's or a station.
REGISTERING_KINDS_EXCLUDED = [OrgKind.ENTERPRISE, OrgKind.STATION]


class EnterpriseCreateForm(EnterpriseForm):
    org = OrgPickerField(
        "enterprises.manage",
        exclude_kinds=REGISTERING_KINDS_EXCLUDED,
        label=_("Responsible organisation"),
    )
    field_order = ["org"]

    def __init__(self, *args: Any, user: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_pickers(self, user)


class EnterpriseEditForm(EnterpriseForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class StepForm(CheckedTextForm):
    happened_on = forms.DateField(label=_("Date"), widget=DateInput)
    responsible = forms.TypedChoiceField(label=_("Responsible staff member"), coerce=int)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, staff_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("happened_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        field = self.fields["responsible"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = staff_choices


class AdvanceForm(StepForm):
    name_fields = ("union_name",)

    to_stage = forms.IntegerField(widget=forms.HiddenInput)
    union_name = forms.CharField(
        label=_("Name of the new union"),
        max_length=120,
        required=False,
        help_text=_("Only when approving; by default the enterprise name followed by 工会."),
    )
    document = forms.FileField(label=_("Document (PDF or image, optional)"), required=False)


class StepBackForm(CheckedTextForm):
    from_stage = forms.IntegerField(widget=forms.HiddenInput)
    happened_on = forms.DateField(label=_("Date"), widget=DateInput)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("happened_on", timezone.localdate())
        super().__init__(*args, **kwargs)


class DocumentForm(forms.Form):
    document = forms.FileField(label=_("Document (PDF or image)"))


class ImportForm(forms.Form):
    org = OrgPickerField(
        "enterprises.manage", exclude_kinds=REGISTERING_KINDS_EXCLUDED, label=_("Import under")
    )
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args: Any, user: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_pickers(self, user)


class PeriodForm(forms.Form):
    """A reporting period: both ends optional, end not before start, at most ten years."""

    period_start = forms.DateField(label=_("From"), required=False, widget=DateInput)
    period_end = forms.DateField(label=_("To"), required=False, widget=DateInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start: date | None = cleaned.get("period_start")
        end: date | None = cleaned.get("period_end")
        if start and end:
            if end < start:
                self.add_error("period_end", _("The end of the period is before its start."))
            elif end - start > MAX_PERIOD:
                self.add_error("period_end", _("A period can be at most ten years long."))
        return cleaned
