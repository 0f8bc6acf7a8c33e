from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.core.text import CheckedTextForm
from gonghui.orgs.models import Org, OrgKind


class OrgDetailsForm(CheckedTextForm):
    name_fields = ("name", "short_name", "district", "contact_name")

    name = forms.CharField(label=_("Name"), max_length=120)
    short_name = forms.CharField(label=_("Short name"), max_length=40, required=False)
    district = forms.CharField(label=_("District"), max_length=40, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("Office phone"), max_length=40, required=False)

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if len(name) < 2:
            raise forms.ValidationError(_("A name has at least two characters."))
        return name

    def details(self) -> dict[str, str]:
        return {k: v for k, v in self.cleaned_data.items() if k not in {"name", "kind", "version"}}


class OrgCreateForm(OrgDetailsForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=OrgKind.choices)
    field_order = ["name", "kind"]

    def __init__(self, *args: Any, parent: Org, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = [(value, label) for value, label in OrgKind.choices if parent.may_hold(value)]
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.ChoiceField)
        kind_field.choices = allowed


class OrgEditForm(OrgDetailsForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class OrgMoveForm(forms.Form):
    new_parent = forms.IntegerField(label=_("New parent organisation"))
