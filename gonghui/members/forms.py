"""Forms of the members app: parsing what staff and workers type, never saving it."""

from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.forms import MobileField
from gonghui.core.errors import DomainError
from gonghui.core.personal import normalize_id_number
from gonghui.core.pickers import bind_pickers
from gonghui.core.scoping import Viewer
from gonghui.core.text import CheckedTextForm
from gonghui.enterprises.pickers import EnterprisePickerField
from gonghui.members.choices import ETHNICITIES, Education, Gender, JobType, PoliticalStatus
from gonghui.orgs.models import OrgKind
from gonghui.orgs.pickers import OrgPickerField

# Suggestions for the employer field; the names are brands and are shown as written.
PLATFORMS = [
    "美团",
    "饿了么",
    "顺丰速运",
    "京东物流",
    "中通快递",
    "圆通速递",
    "韵达快递",
    "申通快递",
    "极兔速递",
    "邮政EMS",
    "滴滴出行",
    "货拉拉",
    "闪送",
    "达达快送",
    "曹操出行",
    "T3出行",
]
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date-and-time picker; it reads and writes ISO values in any language."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=DATETIME_LOCAL)


def _set_choices(form: forms.Form, name: str, choices: list[tuple[Any, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class EventForm(CheckedTextForm):
    org = OrgPickerField(
        "members.recruit",
        exclude_kinds=[OrgKind.STATION],
        label=_("Receiving union"),
        help_text=_("Applications from this event are reviewed here."),
    )
    enterprise = EnterprisePickerField(
        "members.recruit",
        label=_("Enterprise (optional)"),
        required=False,
        help_text=_(
            "When the event is held at one enterprise. Applicants go to its union if it has one."
        ),
    )
    title = forms.CharField(label=_("Title"), max_length=120)
    place = forms.CharField(label=_("Place"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Starts"), input_formats=[DATETIME_LOCAL], widget=DateTimeLocalInput
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"), input_formats=[DATETIME_LOCAL], widget=DateTimeLocalInput
    )
    target = forms.IntegerField(
        label=_("Target number of applications"), min_value=0, initial=0, required=False
    )
    gift_name = forms.CharField(
        label=_("Welcome gift"),
        max_length=60,
        required=False,
        help_text=_("What each applicant receives at the gift desk, e.g. a rain jacket."),
    )
    gift_stock = forms.IntegerField(
        label=_("Welcome gifts in stock"), min_value=0, initial=0, required=False
    )

    def __init__(self, *args: Any, user: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_pickers(self, user)
        self.fields["title"].widget.attrs["placeholder"] = _("e.g. Joining day at Sohu")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["target"] = data.get("target") or 0
        data["gift_stock"] = data.get("gift_stock") or 0
        starts: datetime | None = data.get("starts_at")
        ends: datetime | None = data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The event must end after it starts."))
        return data


class RestockForm(forms.Form):
    added = forms.IntegerField(label=_("Gifts to add"), min_value=1, max_value=100_000)


class IdNumberField(forms.CharField):
    """A resident ID or residence-permit number; checked here so that every wrong field shows
    at once, and checked again (and normalised) by the action that stores it."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        )

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value:
            try:
                normalize_id_number(str(value))
            except DomainError as error:
                raise forms.ValidationError(str(error.message), code=error.code) from None


class JoinForm(CheckedTextForm):
    """The phone form a worker fills in after scanning a poster (会员信息采集表)."""

    name_fields = ("employer_name",)
    person_name_fields = ("name",)

    # The form's one-time token: a resubmission with it returns the first result.
    token = forms.CharField(max_length=64, widget=forms.HiddenInput)
    consent_version = forms.CharField(max_length=20, widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("Full name"),
        max_length=40,
        help_text=_("As on your ID card."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, widget=forms.RadioSelect)
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), choices=ETHNICITIES, initial="01")
    id_number = IdNumberField(
        label=_("ID number"),
        help_text=_(
            "18 characters, on your ID card or residence permit for Hong Kong, Macao "
            "and Taiwan residents."
        ),
    )
    mobile = MobileField(label=_("Mobile number"))
    employer_name = forms.CharField(
        label=_("Employer or platform"),
        max_length=120,
        help_text=_("The company or app you work for, e.g. 美团 or 顺丰速运."),
        widget=forms.TextInput(attrs={"list": "platforms", "autocomplete": "organization"}),
    )
    no_employer_union = forms.BooleanField(
        label=_("My employer has no union (or I do not know of one)"), required=False
    )
    job_type = forms.ChoiceField(label=_("Job type"), choices=JobType.choices)
    education = forms.ChoiceField(label=_("Education"), choices=Education.choices)
    political_status = forms.ChoiceField(
        label=_("Political status"), choices=PoliticalStatus.choices
    )
    consent = forms.BooleanField(
        label=_("I have read the privacy notice above and agree to it."),
        error_messages={"required": _("Please read and agree to the privacy notice.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("consent_version", settings.CONSENT_VERSION)
        super().__init__(*args, **kwargs)
        # No preselected answer: a worker in a hurry must not send someone else's defaults.
        for name, options in (
            ("job_type", JobType.choices),
            ("education", Education.choices),
            ("political_status", PoliticalStatus.choices),
        ):
            _set_choices(self, name, [("", _("Choose…")), *options])

    def person(self) -> dict[str, Any]:
        """What submit_application takes about the person, from the cleaned form."""
        data = self.cleaned_data
        person = {
            name: data[name]
            for name in (
                "name",
                "gender",
                "ethnicity",
                "id_number",
                "mobile",
                "employer_name",
                "job_type",
                "education",
                "political_status",
            )
        }
        person["has_employer_union"] = not data["no_employer_union"]
        return person


class OnlineJoinForm(JoinForm):
    """Joining online, without an event: the worker also says where they work or live, so the
    application reaches a union (the employer's own when the register knows it has one)."""

    union = forms.TypedChoiceField(
        label=_("Street or industry union where you work or live"),
        coerce=int,
        help_text=_(
            "Your application goes to your employer's union when it has one; otherwise to "
            "the union you choose here."
        ),
    )
    credit_code = forms.RegexField(
        label=_("Employer's unified social credit code (optional)"),
        regex=r"^[0-9A-Za-z]{18}$",
        required=False,
        max_length=18,
        help_text=_("18 characters, on the employer's business licence. Leave empty if unsure."),
        error_messages={"invalid": _("The code has 18 letters and digits.")},
    )

    field_order = ["name", "gender", "ethnicity", "id_number", "mobile", "employer_name"]

    def __init__(self, *args: Any, union_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "union", [("", _("Choose…")), *union_choices])
        self.order_fields(
            [*self.field_order, "credit_code", "no_employer_union", "union", "job_type"]
        )
