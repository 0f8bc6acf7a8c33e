"""Parsing and validating the innovation pages' input."""

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.pickers import bind_pickers
from gonghui.core.scoping import Viewer
from gonghui.core.text import CheckedTextForm
from gonghui.innovation import kinds
from gonghui.orgs.pickers import OrgPickerField
from gonghui.reviews.actions import CallDetails, CriterionSpec
from gonghui.reviews.models import Attachment, Call, Criterion, Submission


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def _end_of(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def _start_of(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0, 0)))


class CallForm(CheckedTextForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=kinds.KIND_CHOICES)
    org = OrgPickerField("reviews.manage", label=_("Run by"))
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    opens = forms.DateField(label=_("Submissions open"), widget=DateInput)
    closes = forms.DateField(label=_("Submissions close"), widget=DateInput)
    review_closes = forms.DateField(label=_("Review closes"), widget=DateInput)
    results_on = forms.DateField(label=_("Results announced on"), widget=DateInput)
    attachment_kinds = forms.MultipleChoiceField(
        label=_("Attachments allowed"),
        choices=Attachment.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=["photo", "document"],
        required=False,
    )
    max_attachments = forms.IntegerField(
        label=_("Attachments per entry"), min_value=0, max_value=20, initial=6
    )
    max_megabytes = forms.IntegerField(
        label=_("Largest attachment (MB)"), min_value=1, max_value=200, initial=20
    )
    anonymous_review = forms.BooleanField(
        label=_("Hide authors from jurors (blind review)"), required=False
    )
    extra_fields = forms.CharField(
        label=_("Extra questions on the entry form"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One a line: question | required (yes or no), e.g. 年经济效益（万元） | yes"),
    )

    def clean_extra_fields(self) -> list[dict[str, object]]:
        fields: list[dict[str, object]] = []
        for number, line in enumerate(self.cleaned_data["extra_fields"].splitlines(), start=1):
            if not line.strip():
                continue
            label, _sep, required = (part.strip() for part in line.partition("|"))
            if not label or len(label) > 80:
                raise forms.ValidationError(
                    _("Line %(n)d: a question of at most 80 characters."), params={"n": number}
                )
            fields.append(
                {
                    "name": f"q{number}",
                    "label": label,
                    "required": required.lower() in {"yes", "y", "是"},
                }
            )
        return fields[:10]

    def __init__(self, *args: Any, user: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_pickers(self, user)

    def details(self) -> CallDetails:
        data = self.cleaned_data
        kind = data["kind"]
        return CallDetails(
            kind=kind,
            title=data["title"],
            description=data["description"],
            submissions_open=_start_of(data["opens"]),
            submissions_close=_end_of(data["closes"]),
            review_closes=_end_of(data["review_closes"]),
            results_on=data["results_on"],
            audience=Call.Audience.UNITS if kind == kinds.CRAFTSMAN else Call.Audience.MEMBERS,
            categories=kinds.WUXIAO_CATEGORIES if kind == kinds.WUXIAO else (),
            attachment_kinds=tuple(data["attachment_kinds"]),
            max_attachments=data["max_attachments"],
            max_attachment_bytes=data["max_megabytes"] * 1024 * 1024,
            anonymous_review=data["anonymous_review"],
            form_fields=tuple(data["extra_fields"]),
        )


class RubricForm(forms.Form):
    criteria = forms.CharField(
        label=_("Criteria"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "One a line: name | weight | lowest score | highest score | description, "
            "e.g. 技术水平 | 30 | 0 | 10 | 技术难度与创新程度"
        ),
    )

    def clean_criteria(self) -> list[CriterionSpec]:
        specs = []
        for number, line in enumerate(self.cleaned_data["criteria"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            try:
                name, weight, low, high = parts[0], int(parts[1]), int(parts[2]), int(parts[3])
            except (IndexError, ValueError):
                raise forms.ValidationError(
                    _("Line %(n)d: write name | weight | lowest | highest | description."),
                    params={"n": number},
                ) from None
            description = parts[4] if len(parts) > 4 else ""
            specs.append(
                CriterionSpec(
                    name, weight=weight, min_score=low, max_score=high, description=description
                )
            )
        return specs


def rubric_text(criteria: list[Criterion]) -> str:
    return "\n".join(
        f"{c.name} | {c.weight} | {c.min_score} | {c.max_score} | {c.description}" for c in criteria
    )


class EntryForm(CheckedTextForm):
    title = forms.CharField(label=_("Title"), max_length=120)
    category = forms.ChoiceField(label=_("Category"), required=False)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 5}))
    co_authors = forms.CharField(
        label=_("Co-authors"),
        required=False,
        help_text=_("Their member numbers, separated by commas."),
    )
    upload = forms.FileField(label=_("Add a photo, PDF or video"), required=False)

    def __init__(self, *args: Any, call: Call, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if call.categories:
            self.fields["category"].choices = [(v, label) for v, label in call.categories]  # type: ignore[attr-defined]  # a ChoiceField
            self.fields["category"].required = True
        else:
            del self.fields["category"]
        if not call.attachment_kinds:
            del self.fields["upload"]
        # The call's own questions, answered into Submission.answers.
        for question in call.form_fields:
            self.fields[f"answer_{question['name']}"] = forms.CharField(
                label=question["label"], required=bool(question.get("required")), max_length=500
            )
        self.questions = list(call.form_fields)

    def answers(self) -> dict[str, str]:
        return {
            q["name"]: (self.cleaned_data.get(f"answer_{q['name']}") or "").strip()
            for q in self.questions
        }

    def co_author_numbers(self) -> list[str]:
        raw = self.cleaned_data.get("co_authors") or ""
        return [n.strip() for n in raw.replace("，", ",").split(",") if n.strip()][:10]


class NominationForm(CheckedTextForm):
    person_name_fields = ("nominee",)

    unit = OrgPickerField("reviews.manage", label=_("Nominating union"))
    nominee = forms.CharField(label=_("Nominee"), max_length=40)
    title = forms.CharField(label=_("Title of the nomination"), max_length=120)
    summary = forms.CharField(label=_("Deeds"), widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args: Any, user: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_pickers(self, user)


class ScoreForm(CheckedTextForm):
    comment = forms.CharField(
        label=_("Overall comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, criteria: list[Criterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for c in criteria:
            # The range is checked by the action too, so a form posted around this still fails.
            self.fields[f"c{c.pk}"] = forms.IntegerField(
                label=c.name,
                help_text=c.description,
                widget=forms.NumberInput(
                    attrs={"min": c.min_score, "max": c.max_score, "inputmode": "numeric"}
                ),
            )
            self.fields[f"note{c.pk}"] = forms.CharField(
                label=_("Comment"), required=False, max_length=500
            )

    def values(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"c{c.pk}"] for c in self.criteria}

    def notes(self) -> dict[int, str]:
        return {c.pk: self.cleaned_data.get(f"note{c.pk}") or "" for c in self.criteria}

    def rows(self) -> list[tuple[Criterion, Any, Any]]:
        return [(c, self[f"c{c.pk}"], self[f"note{c.pk}"]) for c in self.criteria]


class DecisionForm(CheckedTextForm):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[c for c in Submission.Decision.choices if c[0]]
    )
    award_level = forms.CharField(label=_("Award level"), max_length=40, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class AssignForm(forms.Form):
    reviewer = forms.CharField(label=_("Juror (account name or mobile number)"), max_length=60)


class BalancedForm(forms.Form):
    jurors = forms.CharField(
        label=_("Jurors"),
        help_text=_("Account names or mobile numbers, separated by commas."),
        max_length=2000,
    )
    per_entry = forms.IntegerField(label=_("Jurors per entry"), min_value=1, max_value=9, initial=3)

    def names(self) -> list[str]:
        raw = self.cleaned_data["jurors"].replace("，", ",")
        return [n.strip() for n in raw.split(",") if n.strip()][:50]


class ConflictForm(CheckedTextForm):
    reviewer = forms.CharField(label=_("Juror (account name or mobile number)"), max_length=60)
    unit = OrgPickerField("reviews.manage", label=_("Union"))
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args: Any, user: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_pickers(self, user)


class PollForm(CheckedTextForm):
    title = forms.CharField(label=_("Title"), max_length=120)
    electorate = OrgPickerField("reviews.manage", label=_("Electorate: active members of"))
    opens = forms.DateField(label=_("Opens"), widget=DateInput)
    closes = forms.DateField(label=_("Closes"), widget=DateInput)
    jury_weight = forms.IntegerField(
        label=_("Jury weight (%)"), min_value=0, max_value=100, initial=70
    )
    vote_weight = forms.IntegerField(
        label=_("Public vote weight (%)"), min_value=0, max_value=100, initial=30
    )

    def __init__(self, *args: Any, user: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_pickers(self, user)
        today = timezone.localdate()
        self.fields["opens"].initial = today
        self.fields["closes"].initial = today + timedelta(days=7)

    def window(self) -> tuple[datetime, datetime]:
        opens = self.cleaned_data["opens"]
        start = timezone.now() if opens == timezone.localdate() else _start_of(opens)
        return start, _end_of(self.cleaned_data["closes"])


class QuarantineForm(CheckedTextForm):
    signal = forms.ChoiceField(choices=[("network", "network"), ("device", "device")])
    value = forms.CharField(max_length=64)
    reason = forms.CharField(label=_("Reason (published with the result)"), max_length=200)


class ReceiptForm(forms.Form):
    receipt = forms.CharField(label=_("Your receipt"), max_length=16)
