"""Forms of the membership pages: review, members, transfers, leaving, the worker's requests."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gonghui.members.choices import JobType
from gonghui.members.models import Application, Member
from gonghui.members.pickers import ReceivingUnionPickerField
from gonghui.members.queries import ApplicationFilters, MemberFilters

REASON_MAX = 200
# The bulk form never asks for more than a page of rows; more ids than this is not a person.
BULK_MAX = 200


def _reason(label: Any = None, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label or _("Reason"),
        max_length=REASON_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": REASON_MAX}),
    )


class ReviewFilterForm(forms.Form):
    """The review queue's filters, read from the query string."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *Application.Status.choices],
    )
    event = forms.TypedChoiceField(label=_("Recruitment event"), required=False, coerce=int)
    q = forms.CharField(label=_("Search"), required=False, max_length=60)
    waiting = forms.BooleanField(required=False)

    def __init__(self, *args: Any, event_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["event"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("All")), *event_choices]
        self.fields["waiting"].label = _("Waiting longer than %(days)d days") % {
            "days": settings.REVIEW_WAITING_DAYS
        }

    def filters(self) -> ApplicationFilters:
        """The filters asked for; without a status in the query, the pending queue."""
        if not self.is_valid():
            return ApplicationFilters()
        data = self.cleaned_data
        return ApplicationFilters(
            status=data["status"] if "status" in self.data else Application.Status.PENDING,
            event=data["event"] or None,
            search=data["q"].strip(),
            waiting_only=data["waiting"],
        )


class MemberFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Member.Status.choices]
    )
    job_type = forms.ChoiceField(
        label=_("Job type"), required=False, choices=[("", _("All")), *JobType.choices]
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=60)
    # Dates of joining, for the dashboard's "joined in the period" (both ends inclusive).
    joined_from = forms.DateField(
        label=_("Joined from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    joined_to = forms.DateField(
        label=_("Joined until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def filters(self) -> MemberFilters:
        """The filters asked for; without a status in the query, the active members."""
        if not self.is_valid():
            return MemberFilters()
        data = self.cleaned_data
        return MemberFilters(
            search=data["q"].strip(),
            status=data["status"] if "status" in self.data else Member.Status.ACTIVE,
            job_type=data["job_type"],
            joined_from=data["joined_from"],
            joined_to=data["joined_to"],
        )


def parse_ids(values: list[str]) -> list[int]:
    """The ticked rows of a bulk form: whole numbers only, each once, in the order given."""
    ids: list[int] = []
    for value in values[:BULK_MAX]:
        if value.isdigit() and int(value) not in ids:
            ids.append(int(value))
    return ids


class RejectForm(forms.Form):
    reason = _reason(help_text=_("The applicant receives this by text message."))


class DeclineForm(forms.Form):
    reason = _reason()


class RevokeCardForm(forms.Form):
    reason = _reason(help_text=_("For example: phone lost, card misused."))


LEAVING_STATUSES = [
    ("", _("Choose…")),
    (Member.Status.WITHDRAWN, Member.Status.WITHDRAWN.label),
    (Member.Status.LAPSED, Member.Status.LAPSED.label),
    (Member.Status.DECEASED, Member.Status.DECEASED.label),
    (Member.Status.TRANSFERRED_OUT, Member.Status.TRANSFERRED_OUT.label),
]


class LeavingForm(forms.Form):
    status = forms.ChoiceField(label=_("How the membership ends"), choices=LEAVING_STATUSES)
    reason = _reason()


class TransferForm(forms.Form):
    """Move a membership: the receiving union's id comes from the union search."""

    to_org = forms.IntegerField(
        label=_("Receiving union"),
        widget=forms.HiddenInput,
        error_messages={"required": _("Search for the receiving union and choose it.")},
    )
    new_employer_name = forms.CharField(label=_("New employer or platform"), max_length=120)


class StaffTransferForm(forms.Form):
    """Move a membership from the staff pages: the receiving union chosen with the picker."""

    to_org = ReceivingUnionPickerField(label=_("Receiving union"))
    new_employer_name = forms.CharField(label=_("New employer or platform"), max_length=120)


class WithdrawForm(forms.Form):
    reason = _reason(label=_("Why do you want to leave?"))
    confirm = forms.BooleanField(
        label=_("I understand that my membership and my e-member card end today."),
        error_messages={"required": _("Tick the box to confirm.")},
    )


class WithdrawConsentForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I understand that my membership ends today, my pending applications and my places "
            "at coming activities are cancelled, and I am signed out everywhere."
        ),
        error_messages={"required": _("Tick the box to confirm.")},
    )
