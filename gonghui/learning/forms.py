"""Parsing and validating the learning pages' input."""

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.periods import Period
from gonghui.core.pickers import bind_pickers
from gonghui.core.scoping import Viewer
from gonghui.core.text import CheckedTextForm
from gonghui.learning.models import Audience, Lesson
from gonghui.orgs.pickers import OrgPickerField

MAX_PERIOD_DAYS = 400


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class CourseForm(CheckedTextForm):
    org = OrgPickerField("learning.manage", label=_("Publisher"))
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    audience = forms.ChoiceField(
        label=_("Open to"), choices=Audience.choices, widget=forms.RadioSelect
    )
    tags = forms.CharField(
        label=_("Tags"), max_length=200, required=False, help_text=_("Separated by commas.")
    )
    completion_percent = forms.IntegerField(
        label=_("Completed when heard (%)"), min_value=1, max_value=100, initial=90
    )
    publish = forms.BooleanField(label=_("Publish now"), required=False)

    def __init__(self, *args: Any, user: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_pickers(self, user)


class LessonForm(CheckedTextForm):
    title = forms.CharField(label=_("Title"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Lesson.Kind.choices)
    upload = forms.FileField(
        label=_("Audio or video file"),
        required=False,
        help_text=_("Audio: MP3, M4A, Ogg or WAV up to 192 kbit/s; video: MP4 up to 1.2 Mbit/s."),
    )
    text = forms.CharField(
        label=_("Transcript or text"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )


class CampaignForm(CheckedTextForm):
    org = OrgPickerField("learning.manage", label=_("Organiser"))
    title = forms.CharField(label=_("Title"), max_length=120)
    book = forms.CharField(label=_("Book"), max_length=120, required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput)
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput)
    lessons = forms.TypedMultipleChoiceField(
        label=_("Lessons"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    min_lessons = forms.IntegerField(label=_("Lessons to complete"), min_value=0, initial=1)
    quiz_size = forms.IntegerField(
        label=_("Questions per quiz"),
        min_value=0,
        max_value=50,
        initial=0,
        help_text=_("0: no quiz. Add the questions on the campaign's page."),
    )
    quiz_pass_percent = forms.IntegerField(
        label=_("Pass mark (%)"), min_value=1, max_value=100, initial=60
    )
    quiz_attempts_per_day = forms.IntegerField(
        label=_("Tries a day"), min_value=1, max_value=20, initial=2
    )

    def __init__(
        self, *args: Any, user: Viewer, lessons: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lessons"].choices = lessons  # type: ignore[attr-defined]  # a ChoiceField
        bind_pickers(self, user)


class QuestionForm(CheckedTextForm):
    text = forms.CharField(label=_("Question"), max_length=300)
    choices = forms.CharField(
        label=_("Choices"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One a line, 2 to 6."),
    )
    answer = forms.IntegerField(label=_("Right choice (its line number)"), min_value=1, max_value=6)


class PeriodForm(forms.Form):
    """An optional period of whole days: blank means the whole campaign."""

    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput)

    def period(self) -> Period | None:
        """The chosen days, or None (all of them) when blank or invalid."""
        if not self.is_valid():
            return None
        first = self.cleaned_data.get("date_from")
        last = self.cleaned_data.get("date_to")
        if first is None and last is None:
            return None
        first = first or date(1900, 1, 1)
        last = last or timezone.localdate()
        if last < first:
            return None
        return Period(first, last)
