"""Parsing and validating the staff activity pages' input."""

from datetime import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.checkins.actions import BatchItem
from gonghui.checkins.batches import BatchFormat
from gonghui.checkins.models import Registration
from gonghui.core.pickers import bind_pickers
from gonghui.core.scoping import Viewer
from gonghui.core.text import CheckedTextForm
from gonghui.enterprises.forms import DateInput
from gonghui.events.models import Audience, Category
from gonghui.orgs.pickers import OrgPickerField

MAX_PLACES_PER_PERSON = 20
# A card code is a few hundred characters; anything far longer is not a card.
MAX_CARD_CODE = 2000


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date-and-time picker; it reads and writes "2026-05-01T09:30" whatever the
    language (Django parses that ISO form in the current time zone)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several pictures in one input; each is checked and re-encoded by the action."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png", "multiple": True})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ActivityForm(CheckedTextForm):
    org = OrgPickerField("events.manage", label=_("Organiser"))
    title = forms.CharField(label=_("Title"), max_length=120)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    photos = MultiplePhotoField(
        label=_("Photos for the description"),
        help_text=_("JPEG or PNG; they are resized and their location data is removed."),
    )
    audience = forms.ChoiceField(
        label=_("Open to"), choices=Audience.choices, widget=forms.RadioSelect
    )
    audience_org = OrgPickerField(
        "events.manage",
        label=_("Members of"),
        required=False,
        help_text=_("For “members of one organisation”: blank means the organiser."),
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DateTimeLocalInput)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DateTimeLocalInput)
    registration_opens_at = forms.DateTimeField(
        label=_("Registration opens"),
        widget=DateTimeLocalInput,
        required=False,
        help_text=_("Blank: as soon as the activity is published."),
    )
    registration_closes_at = forms.DateTimeField(
        label=_("Registration closes"),
        widget=DateTimeLocalInput,
        required=False,
        help_text=_("Blank: until the activity ends."),
    )
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        required=False,
        help_text=_("Blank means unlimited."),
    )
    per_person_limit = forms.IntegerField(
        label=_("Places per person"), min_value=1, max_value=MAX_PLACES_PER_PERSON, initial=1
    )
    approval_required = forms.BooleanField(
        label=_("Registrations need approval by staff"), required=False
    )
    allows_walk_ins = forms.BooleanField(
        label=_("Members who did not register may check in (walk-ins)"), required=False
    )

    def __init__(self, *args: Any, user: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_pickers(self, user)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts: datetime | None = cleaned.get("starts_at")
        ends: datetime | None = cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The activity must end after it starts."))
        return cleaned

    def activity_values(self) -> dict[str, Any]:
        """The cleaned values as the actions take them."""
        data = dict(self.cleaned_data)
        data.pop("photos", None)
        return data


class ActivityEditForm(ActivityForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class CancelForm(CheckedTextForm):
    reason = forms.CharField(
        label=_("Why is it cancelled?"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Sent by SMS to everyone registered."),
    )


class ReportForm(CheckedTextForm):
    text = forms.CharField(label=_("Report"), widget=forms.Textarea(attrs={"rows": 8}))
    photos = MultiplePhotoField(
        label=_("Photos"),
        help_text=_("JPEG or PNG; they are resized and their location data is removed."),
    )
    caption = forms.CharField(label=_("Caption for the new photos"), max_length=200, required=False)


class ScanForm(forms.Form):
    card_code = forms.CharField(label=_("Member card"), max_length=MAX_CARD_CODE, strip=True)


class ActivityFilterForm(forms.Form):
    """The list's filters; an invalid one is ignored rather than refused."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All")), *Category.choices], required=False
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput)


REGISTRATION_STATUSES = [("", _("All")), *Registration.Status.choices]


def registration_status(value: str) -> str:
    return value if value in Registration.Status.values else ""


# The offline page's upload: items {"nonce", "card_code", "scanned_at"}.
BATCH_FORMAT = BatchFormat(
    code_field="card_code",
    max_code=MAX_CARD_CODE,
    missing_code=_("Each item needs a nonce and a card code."),
    item=BatchItem,
)
