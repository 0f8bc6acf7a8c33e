from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.roles import Role
from gonghui.core.errors import DomainError
from gonghui.core.personal import normalize_mobile
from gonghui.core.pickers import bind_pickers
from gonghui.core.scoping import Viewer
from gonghui.core.text import CheckedTextForm
from gonghui.orgs.pickers import OrgPickerField


class MobileField(forms.CharField):
    """A mainland mobile number, normalised (full-width digits, spaces, +86)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("label", _("Mobile number"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def clean(self, value: object) -> str:
        text: str = super().clean(value)
        if not text:
            return ""
        try:
            return normalize_mobile(text)
        except DomainError as error:
            raise forms.ValidationError(str(error.message), code=error.code) from None


class CodeRequestForm(forms.Form):
    mobile = MobileField()


class CodeVerifyForm(forms.Form):
    mobile = MobileField(widget=forms.HiddenInput)
    code = forms.RegexField(
        label=_("Sign-in code"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("The code has six digits.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 6}
        ),
    )


class StaffLoginForm(forms.Form):
    username = forms.CharField(label=_("Username or mobile number"), max_length=60)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=30,
        help_text=_("The six digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class TwoFactorSetupForm(forms.Form):
    code = forms.RegexField(
        label=_("Code from the app"),
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        error_messages={"invalid": _("The code has six digits.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 7}
        ),
    )
    current_code = forms.CharField(
        label=_("Code from your current authenticator, or a recovery code"),
        max_length=30,
        required=False,
    )

    def __init__(self, *args: Any, replacing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not replacing:
            del self.fields["current_code"]


class StaffCreateForm(CheckedTextForm):
    name_fields = ("name",)

    username = forms.RegexField(
        label=_("Username"),
        regex=r"^[A-Za-z0-9_.-]{3,40}$",
        error_messages={
            "invalid": _("3–40 letters, digits, dots, dashes or underscores."),
        },
    )
    name = forms.CharField(label=_("Full name"), max_length=60)
    mobile = MobileField(required=False)
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class GrantForm(forms.Form):
    org = OrgPickerField("accounts.manage", label=_("Organisation"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args: Any, user: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_pickers(self, user)


class ApiTokenForm(CheckedTextForm):
    name_fields = ("name",)

    name = forms.CharField(label=_("Token name"), max_length=60)
