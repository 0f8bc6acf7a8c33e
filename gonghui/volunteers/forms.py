"""Parsing the staff volunteer pages' input."""

from datetime import date, datetime, time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.pickers import bind_pickers
from gonghui.core.scoping import Viewer
from gonghui.core.text import CheckedTextForm
from gonghui.enterprises.forms import DateInput
from gonghui.orgs.pickers import OrgPickerField
from gonghui.volunteers.models import Site, Team

MAX_PLACES = 10_000
MAX_CARD_CODE = 2000


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M")


class ProjectForm(CheckedTextForm):
    name_fields = ("title",)
    org = OrgPickerField("volunteers.manage", label=_("Organiser"))
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    cutoff_hours = forms.IntegerField(
        label=_("Cancel or swap until (hours before)"), min_value=0, max_value=168, initial=24
    )
    publish = forms.BooleanField(label=_("Publish now"), required=False)

    def __init__(self, *args: Any, user: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_pickers(self, user)


class ShiftForm(CheckedTextForm):
    site = forms.TypedChoiceField(label=_("Site"), coerce=int)
    team = forms.TypedChoiceField(label=_("Team"), coerce=int, required=False, empty_value=None)
    group = forms.CharField(label=_("Group"), max_length=60)
    tasks = forms.CharField(label=_("Tasks"), max_length=200)
    day = forms.DateField(label=_("Date"), widget=DateInput())
    start = forms.TimeField(label=_("From"), widget=TimeInput())
    end = forms.TimeField(label=_("To"), widget=TimeInput())
    places = forms.IntegerField(label=_("Places"), min_value=1, max_value=MAX_PLACES)

    def __init__(
        self,
        *args: Any,
        site_choices: list[tuple[int, str]],
        team_choices: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = site_choices  # type: ignore[attr-defined]  # ChoiceField
        self.fields["team"].choices = [("", "—"), *team_choices]  # type: ignore[attr-defined]  # ChoiceField

    def times(self) -> tuple[datetime, datetime]:
        """The slot as aware datetimes; an end at or before the start is the next day's (a
        night shift across midnight)."""
        day: date = self.cleaned_data["day"]
        start: time = self.cleaned_data["start"]
        end: time = self.cleaned_data["end"]
        starts_at = timezone.make_aware(datetime.combine(day, start))
        end_day = day if end > start else date.fromordinal(day.toordinal() + 1)
        return starts_at, timezone.make_aware(datetime.combine(end_day, end))


class SiteForm(CheckedTextForm):
    name_fields = ("name",)
    org = OrgPickerField("volunteers.manage", label=_("Organisation"))
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Site.Kind.choices)
    address = forms.CharField(label=_("Address"), max_length=200)
    contact = forms.CharField(label=_("Contact"), max_length=120, required=False)

    def __init__(self, *args: Any, user: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_pickers(self, user)


class TeamForm(CheckedTextForm):
    name_fields = ("name",)
    org = OrgPickerField("volunteers.manage", label=_("Organisation"))
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Team.Kind.choices)

    def __init__(self, *args: Any, user: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_pickers(self, user)


class TeamMemberForm(forms.Form):
    number = forms.CharField(label=_("Member number"), max_length=32)
    leader = forms.BooleanField(label=_("Leader"), required=False)


class CorrectionForm(CheckedTextForm):
    arrived_at = forms.DateTimeField(label=_("Arrival"))
    left_at = forms.DateTimeField(label=_("Departure"))
    reason = forms.CharField(label=_("Reason"), max_length=200)


class CardScanForm(forms.Form):
    card = forms.CharField(label=_("Member card"), max_length=MAX_CARD_CODE)
    direction = forms.ChoiceField(
        label=_("Scan"), choices=[("arrive", _("Arrival")), ("leave", _("Departure"))]
    )
