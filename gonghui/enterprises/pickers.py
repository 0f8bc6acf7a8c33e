"""The enterprise picker of every staff form: `EnterprisePickerField(capability)`, by name or
unified social credit code (see core.pickers)."""

from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from gonghui.core.capabilities import Capability
from gonghui.core.pickers import PickerField, Suggestion, capabilities_in
from gonghui.core.scoping import Viewer
from gonghui.enterprises import queries
from gonghui.enterprises.models import Enterprise


@dataclass(frozen=True)
class EnterpriseSource:
    """Enterprises in the user's scope for `capability`."""

    capability: Capability

    @classmethod
    def from_query(cls, query: QueryDict) -> "EnterpriseSource":
        return cls(capabilities_in(query)[0])

    def search(self, user: Viewer, text: str, limit: int) -> list[Suggestion]:
        found = queries.search_enterprises(user, self.capability, text, limit=limit)
        return [self.describe(e) for e in found]

    def exact(self, user: Viewer, text: str, limit: int) -> list[Any]:
        return queries.find_enterprises_named(user, self.capability, text, limit=limit)

    def describe(self, obj: Any) -> Suggestion:
        assert isinstance(obj, Enterprise)
        return Suggestion(obj.pk, obj.name, obj.credit_code)

    def get(self, user: Viewer, pk: int) -> Enterprise | None:
        return queries.get_picked_enterprise(user, self.capability, pk)

    def search_url(self) -> str:
        return f"{reverse('enterprises:pick')}?{urlencode({'cap': self.capability})}"


class EnterprisePickerField(PickerField):
    """An enterprise in the user's scope for `capability`: cleaned to the `Enterprise`."""

    default_error_messages = {
        "not_found": _("No enterprise you may choose here is called “%(text)s”."),
        "ambiguous": _(
            "More than one enterprise is called “%(text)s”: choose one, or type its unified "
            "social credit code."
        ),
    }
    placeholder = _("Type part of the name or the credit code")

    def __init__(self, capability: Capability, **kwargs: Any) -> None:
        super().__init__(EnterpriseSource(capability), **kwargs)
