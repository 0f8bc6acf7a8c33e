"""Parsing and validating the station pages' input."""

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.periods import Period
from gonghui.core.pickers import bind_pickers
from gonghui.core.scoping import Viewer
from gonghui.core.text import CheckedTextForm
from gonghui.orgs.pickers import OrgPickerField
from gonghui.stations.actions import StationDetails
from gonghui.stations.hours import WEEKDAYS
from gonghui.stations.models import Amenity

# A figures period longer than this is refused (the page would group years of rows).
MAX_PERIOD_DAYS = 400
DEFAULT_PERIOD_DAYS = 30


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%H:%M")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class StationForm(CheckedTextForm):
    name_fields = ("name", "district", "street")

    org = OrgPickerField("stations.manage", label=_("Operated by"))
    name = forms.CharField(label=_("Name"), max_length=120)
    district = forms.CharField(
        label=_("District"),
        max_length=40,
        help_text=_("As members pick it, e.g. 昌平区."),
        widget=forms.TextInput(attrs={"list": "district-names"}),
    )
    street = forms.CharField(
        label=_("Street or town"),
        max_length=40,
        help_text=_("e.g. 回龙观"),
        widget=forms.TextInput(attrs={"list": "street-names"}),
    )
    address = forms.CharField(label=_("Address"), max_length=200)
    weekdays = forms.MultipleChoiceField(
        label=_("Open on"),
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
        initial=[d for d, _label in WEEKDAYS],
    )
    all_day = forms.BooleanField(label=_("Open around the clock"), required=False)
    opens = forms.TimeField(label=_("Opens at"), required=False, widget=TimeInput)
    closes = forms.TimeField(
        label=_("Closes at"),
        required=False,
        widget=TimeInput,
        help_text=_("Earlier than the opening time means open past midnight."),
    )
    hours_note = forms.CharField(
        label=_("Note on the hours"),
        max_length=200,
        required=False,
        help_text=_("e.g. closed on public holidays; lunch break 12:00–13:00."),
    )
    amenities = forms.MultipleChoiceField(
        label=_("Amenities"),
        choices=Amenity.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    phone = forms.CharField(label=_("Station phone"), max_length=40, required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
        help_text=_("JPEG or PNG; it is resized and its location data is removed."),
    )

    def __init__(self, *args: Any, user: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_pickers(self, user)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("all_day"):
            for name in ("opens", "closes"):
                if name in cleaned and cleaned[name] is None:
                    self.add_error(name, _("Give the time, or tick “open around the clock”."))
        return cleaned

    def details(self) -> StationDetails:
        data = self.cleaned_data
        return StationDetails(
            name=data["name"],
            district=data["district"],
            street=data["street"],
            address=data["address"],
            weekdays="".join(data["weekdays"]),
            all_day=data["all_day"],
            opens=data["opens"],
            closes=data["closes"],
            hours_note=data["hours_note"],
            amenities=data["amenities"],
            phone=data["phone"],
            description=data["description"],
        )


class StationEditForm(StationForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class StationFilterForm(forms.Form):
    """The staff list's filters; an invalid one is ignored rather than refused."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("1", _("Active")), ("0", _("Deactivated"))],
    )


class PeriodForm(forms.Form):
    """A period of whole days for visit figures; the last 30 days when left blank."""

    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first: date | None = cleaned.get("date_from")
        last: date | None = cleaned.get("date_to")
        if first and last and last < first:
            self.add_error("date_to", _("The end comes before the start."))
        elif first and last and (last - first).days >= MAX_PERIOD_DAYS:
            self.add_error("date_to", _("At most %(n)d days at once.") % {"n": MAX_PERIOD_DAYS})
        return cleaned

    def period(self) -> Period:
        """The chosen period, or the last 30 days when the input is blank or invalid."""
        today = timezone.localdate()
        default = Period(today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), today)
        if not self.is_valid():
            return default
        last = self.cleaned_data.get("date_to") or today
        first = self.cleaned_data.get("date_from") or last - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        if last < first or (last - first).days >= MAX_PERIOD_DAYS:
            return default
        return Period(first, last)


class AreaForm(forms.Form):
    """The members' picker: a district, then a street in it (both optional)."""

    district = forms.CharField(required=False, max_length=40)
    street = forms.CharField(required=False, max_length=40)
