"""Parsing and validating the benefits pages' input: staff forms for providers, services and
offers; the members' directory filters; the provider desk's scans and offline uploads."""

from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gonghui.benefits.codes import MAX_CODE
from gonghui.benefits.models import Audience, Claim, Offer, Provider
from gonghui.benefits.redeeming import BatchItem
from gonghui.checkins.batches import BatchFormat
from gonghui.core.capabilities import Capability
from gonghui.core.pickers import bind_pickers
from gonghui.core.scoping import Viewer
from gonghui.core.text import CheckedTextForm
from gonghui.enterprises.forms import DateInput
from gonghui.events.forms import DateTimeLocalInput, MultiplePhotoField
from gonghui.orgs.pickers import OrgPickerField
from gonghui.orgs.queries import find_orgs_named

MAX_SHARE_ROWS = 20
CAP: Capability = "benefits.manage"


def _choices(field: forms.Field) -> forms.ChoiceField:
    assert isinstance(field, forms.ChoiceField)
    return field


# --- staff -------------------------------------------------------------------------------------


class CategoryForm(CheckedTextForm):
    name_fields = ("name",)

    org = OrgPickerField(CAP, label=_("Added by"))
    name = forms.CharField(label=_("Name"), max_length=40)

    def __init__(self, *args: Any, user: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_pickers(self, user)


class ProviderForm(CheckedTextForm):
    name_fields = ("name", "contact_name")

    org = OrgPickerField(CAP, label=_("Managed by"))
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Provider.Kind.choices)
    description = forms.CharField(
        label=_("About the provider"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=40, required=False)
    contact_phone = forms.CharField(
        label=_("Public phone"),
        max_length=40,
        required=False,
        help_text=_("A service line members may call; shown on the service pages."),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    def __init__(self, *args: Any, user: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_pickers(self, user)


class ProviderEditForm(ProviderForm):
    is_active = forms.BooleanField(
        label=_("Active: its services are listed and its accounts redeem"), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ProviderAccountForm(CheckedTextForm):
    name_fields = ("name",)

    username = forms.RegexField(
        label=_("Username"),
        regex=r"^[A-Za-z0-9_.-]{3,40}$",
        error_messages={"invalid": _("3–40 letters, digits, dots, dashes or underscores.")},
    )
    name = forms.CharField(label=_("Full name"), max_length=60)
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput)


class ServiceForm(CheckedTextForm):
    provider = forms.TypedChoiceField(label=_("Provider"), coerce=int)
    org = OrgPickerField(
        CAP,
        label=_("Managed by"),
        help_text=_("Its staff edit the service; its views are counted there."),
    )
    category = forms.ChoiceField(label=_("Category"))
    title = forms.CharField(label=_("Title"), max_length=120)
    summary = forms.CharField(label=_("Summary"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    photos = MultiplePhotoField(
        label=_("Photos"),
        help_text=_("JPEG or PNG; they are resized and their location data is removed."),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    district = forms.CharField(
        label=_("District"), max_length=40, required=False, help_text=_("For example 海淀区.")
    )
    street = forms.CharField(
        label=_("Street or town"),
        max_length=40,
        required=False,
        help_text=_("For example 中关村街道."),
    )
    opening_hours = forms.CharField(label=_("Opening hours"), max_length=200, required=False)
    link = forms.URLField(label=_("Link"), required=False, assume_scheme="https")
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    on_site = forms.CharField(
        label=_("How to use it on site"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Give at least one way to use it: a link, a phone number or this."),
    )
    audience = forms.ChoiceField(
        label=_("Open to"), choices=Audience.choices, widget=forms.RadioSelect
    )
    audience_org = OrgPickerField(
        CAP,
        label=_("Members of"),
        required=False,
        help_text=_("For “members of one organisation”: blank means the managing organisation."),
    )
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DateInput)
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DateInput)

    def __init__(
        self,
        *args: Any,
        provider_choices: list[tuple[int, str]],
        user: Viewer,
        category_choices: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        bind_pickers(self, user)
        _choices(self.fields["provider"]).choices = provider_choices
        _choices(self.fields["category"]).choices = category_choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The service cannot end before it starts."))
        return cleaned

    def service_values(self) -> dict[str, Any]:
        """The cleaned values as the actions take them (the provider still as an id)."""
        data = dict(self.cleaned_data)
        data.pop("photos", None)
        data.pop("version", None)
        return data


class ServiceEditForm(ServiceForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class OfferForm(CheckedTextForm):
    title = forms.CharField(
        label=_("What the member gets"),
        max_length=120,
        help_text=_(
            "For example: a counselling session at half price, a free coffee, a cinema ticket."
        ),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Offer.Kind.choices)
    terms = forms.CharField(
        label=_("Terms"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    quota = forms.IntegerField(
        label=_("Total quota"), min_value=1, required=False, help_text=_("Blank means unlimited.")
    )
    per_member_limit = forms.IntegerField(
        label=_("Claims per member"), min_value=1, max_value=100, initial=1
    )
    claims_open_at = forms.DateTimeField(label=_("Claiming opens"), widget=DateTimeLocalInput)
    claims_close_at = forms.DateTimeField(label=_("Claiming closes"), widget=DateTimeLocalInput)
    redeem_until = forms.DateTimeField(
        label=_("Usable until"),
        required=False,
        widget=DateTimeLocalInput,
        help_text=_("Blank: as long as the offer is not withdrawn and the service is valid."),
    )
    shares = forms.CharField(
        label=_("Shares by organisation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Optional, one per line: an organisation and its share, e.g. “回龙观街道总工会 5000”. "
            "Each member then claims from the share of their union's organisation; members "
            "outside every share cannot claim."
        ),
    )

    def __init__(self, *args: Any, user: Viewer, **kwargs: Any) -> None:
        # Shares go to organisations the user manages offers for, named exactly.
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_shares(self) -> list[tuple[int, int]]:
        text: str = self.cleaned_data.get("shares") or ""
        shares: list[tuple[int, int]] = []
        for number, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line:
                continue
            name, _sep, amount = line.rpartition(" ")
            name = name.strip()
            if not name or not amount.isdigit():
                raise ValidationError(
                    _("Line %(n)d: write the organisation's name, a space and a number.")
                    % {"n": number}
                )
            named = find_orgs_named(self.user, [CAP], name)
            if len(named) != 1:
                raise ValidationError(
                    _("Line %(n)d: “%(name)s” is not an organisation you manage.")
                    % {"n": number, "name": name}
                    if not named
                    else _("Line %(n)d: more than one organisation is called “%(name)s”.")
                    % {"n": number, "name": name}
                )
            shares.append((named[0].pk, int(amount)))
        if len(shares) > MAX_SHARE_ROWS:
            raise ValidationError(_("At most %(n)d shares.") % {"n": MAX_SHARE_ROWS})
        return shares

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        opens: datetime | None = cleaned.get("claims_open_at")
        closes: datetime | None = cleaned.get("claims_close_at")
        if opens and closes and closes <= opens:
            self.add_error("claims_close_at", _("Claiming must close after it opens."))
        return cleaned

    def offer_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("shares", None)
        data.pop("version", None)
        return data


class OfferEditForm(OfferForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=[("published", _("Publish")), ("withdrawn", _("Withdraw"))])


class ServiceFilterForm(forms.Form):
    """The directory's and the staff list's filters; an invalid one is ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.ChoiceField(label=_("Category"), required=False)
    district = forms.CharField(label=_("District"), required=False, max_length=40)
    street = forms.CharField(label=_("Street or town"), required=False, max_length=40)

    def __init__(self, *args: Any, category_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["category"]).choices = [("", _("All categories")), *category_choices]


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DateInput)
    end = forms.DateField(label=_("To"), required=False, widget=DateInput)


CLAIM_STATUSES = [("", _("All")), *Claim.Status.choices]


# --- provider desk -----------------------------------------------------------------------------


class ProviderLoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=60)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)


class ScanForm(forms.Form):
    code = forms.CharField(label=_("Offer code or member card"), max_length=MAX_CODE, strip=True)


class RedeemForm(ScanForm):
    claim = forms.IntegerField(required=False, widget=forms.HiddenInput)


# The desk's offline upload: items {"nonce", "code", "scanned_at"}.
BATCH_FORMAT = BatchFormat(
    code_field="code",
    max_code=MAX_CODE,
    missing_code=_("Each item needs a nonce and a code."),
    item=BatchItem,
)
