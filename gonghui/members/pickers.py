"""The receiving union of a transfer, chosen with the picker (see core.pickers): any active
union but a station, whoever asks, since a membership may move anywhere and union names are
public; the receiving union then accepts or declines."""

from dataclasses import dataclass
from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gonghui.core.pickers import PickerField, Suggestion
from gonghui.core.scoping import Viewer
from gonghui.members import queries
from gonghui.orgs.models import Org


@dataclass(frozen=True)
class ReceivingUnionSource:
    def search(self, user: Viewer, text: str, limit: int) -> list[Suggestion]:
        return [self.describe(org) for org in queries.search_receiving_unions(text, limit=limit)]

    def exact(self, user: Viewer, text: str, limit: int) -> list[Any]:
        return queries.find_receiving_unions_named(text, limit=limit)

    def describe(self, obj: Any) -> Suggestion:
        assert isinstance(obj, Org)
        return Suggestion(obj.pk, obj.name, obj.parent.name if obj.parent else "")

    def get(self, user: Viewer, pk: int) -> Org | None:
        try:
            return queries.get_receiving_union(pk)
        except Http404:
            return None

    def search_url(self) -> str:
        return reverse("members:union_pick")


class ReceivingUnionPickerField(PickerField):
    default_error_messages = {
        "not_found": _("No union is called “%(text)s”."),
        "ambiguous": _("More than one union is called “%(text)s”: choose one."),
    }
    placeholder = _("Type a few characters of the union's name")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(ReceivingUnionSource(), **kwargs)
