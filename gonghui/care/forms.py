"""Parsing the care pages' input. Money is typed in yuan (at most two decimals) and becomes
whole fen here; the actions check the rest."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.care.actions import CampaignDetails
from gonghui.care.models import CareSite, Relief
from gonghui.core.pickers import bind_pickers
from gonghui.core.scoping import Viewer
from gonghui.core.text import CheckedTextForm
from gonghui.ledger.models import Fund
from gonghui.orgs.pickers import OrgPickerField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class YuanField(forms.DecimalField):
    """Yuan with at most two decimals, cleaned to whole fen (an int)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", Decimal(0))
        super().__init__(max_digits=12, decimal_places=2, **kwargs)

    def clean(self, value: Any) -> int | None:
        cleaned = super().clean(value)
        return None if cleaned is None else int(cleaned * 100)


def set_choices(form: forms.BaseForm, name: str, choices: list[tuple[Any, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _today() -> Any:
    return timezone.localdate()


class _PickedOrgForm(CheckedTextForm):
    """A form whose `org` is a union picker bound to the caller."""

    def __init__(self, *args: Any, user: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_pickers(self, user)


class SiteForm(_PickedOrgForm):
    name_fields = ("name", "contact_name")

    org = OrgPickerField("care.manage", label=_("Union"))
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=CareSite.Kind.choices)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=40, required=False)


class ItemForm(_PickedOrgForm):
    name_fields = ("name", "unit")

    org = OrgPickerField("care.manage", label=_("Union"))
    name = forms.CharField(label=_("Item"), max_length=120)
    unit = forms.CharField(label=_("Unit"), max_length=20, initial="份")
    unit_value = YuanField(label=_("Value of one unit (yuan)"), initial=Decimal(0))


class CampaignForm(_PickedOrgForm):
    name_fields = ("title",)

    org = OrgPickerField("care.manage", label=_("Organiser"))
    title = forms.CharField(label=_("Title"), max_length=120)
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea, required=False)
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput(), initial=_today)
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput())
    cap_per_visit = YuanField(label=_("Cap per person per visit (yuan)"), required=False)
    cap_per_year = YuanField(label=_("Cap per person per year (yuan)"), required=False)
    cash_allowed = forms.BooleanField(label=_("Cash may be handed out"), required=False)
    sites = forms.TypedMultipleChoiceField(label=_("Target sites"), coerce=int, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for fund, label in Fund.choices:
            self.fields[f"budget_{fund}"] = YuanField(
                label=_("Budget: %(fund)s (yuan)") % {"fund": label}, required=False
            )

    def details(self) -> CampaignDetails:
        data = self.cleaned_data
        return CampaignDetails(
            title=data["title"],
            purpose=data["purpose"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            budgets={
                fund: data[f"budget_{fund}"] for fund in Fund.values if data.get(f"budget_{fund}")
            },
            cap_per_visit=data["cap_per_visit"],
            cap_per_year=data["cap_per_year"],
            cash_allowed=data["cash_allowed"],
        )


class StockForm(CheckedTextForm):
    name_fields = ("supplier", "invoice_number")

    item = forms.TypedChoiceField(label=_("Item"), coerce=int)
    fund = forms.ChoiceField(label=_("Fund source"), choices=Fund.choices)
    supplier = forms.CharField(label=_("Supplier"), max_length=120)
    invoice_number = forms.CharField(label=_("Invoice number"), max_length=40, required=False)
    unit_price = YuanField(label=_("Unit price (yuan)"))
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=1_000_000)
    day = forms.DateField(label=_("Received on"), widget=DateInput(), initial=_today)


class ShipForm(forms.Form):
    site = forms.TypedChoiceField(label=_("Site"), coerce=int)
    item = forms.TypedChoiceField(label=_("Item"), coerce=int)
    fund = forms.ChoiceField(label=_("Fund source"), choices=Fund.choices)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=1_000_000)
    day = forms.DateField(label=_("Sent on"), widget=DateInput(), initial=_today)


class AllocateForm(forms.Form):
    site = forms.TypedChoiceField(label=_("Site"), coerce=int)
    item = forms.TypedChoiceField(label=_("Item"), coerce=int)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=0, max_value=1_000_000)


class ReliefForm(CheckedTextForm):
    """Relief to one member, found by the member number typed from the list or by a scanned
    member card code."""

    site = forms.TypedChoiceField(label=_("Site"), coerce=int)
    member_number = forms.CharField(label=_("Member number"), max_length=24, required=False)
    card = forms.CharField(label=_("Or scan the member card"), max_length=600, required=False)
    kind = forms.ChoiceField(label=_("Relief"), choices=Relief.Kind.choices)
    fund = forms.ChoiceField(label=_("Fund source"), choices=Fund.choices)
    item = forms.TypedChoiceField(label=_("Item"), coerce=int, required=False, empty_value=None)
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=10_000, required=False
    )
    amount = YuanField(label=_("Amount (yuan)"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("member_number") and not data.get("card"):
            self.add_error("member_number", _("Type the member number or scan the card."))
        if data.get("kind") == Relief.Kind.GOODS and not (
            data.get("item") and data.get("quantity")
        ):
            self.add_error("quantity", _("Choose the goods and how many."))
        if data.get("kind") == Relief.Kind.CASH and not data.get("amount"):
            self.add_error("amount", _("Enter the amount."))
        return data


class ReverseForm(CheckedTextForm):
    reason = forms.CharField(label=_("Why is it reversed?"), max_length=200)


class CloseForm(_PickedOrgForm):
    org = OrgPickerField("ledger.close", label=_("Union"))
    through = forms.DateField(label=_("Close the books through"), widget=DateInput())


class ReceiptForm(CheckedTextForm):
    """The delivery note's page, when the phone is online (the offline queue posts JSON)."""

    person_name_fields = ("signed_by",)

    received = forms.IntegerField(label=_("Count received"), min_value=0, max_value=1_000_000)
    reason = forms.CharField(label=_("Reason for a difference"), max_length=200, required=False)
    signed_by = forms.CharField(label=_("Your name"), max_length=40)
    photo = forms.ImageField(label=_("Or a photo of the signed note"), required=False)
