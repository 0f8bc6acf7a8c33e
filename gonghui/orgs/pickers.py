"""The union picker of every staff form: `OrgPickerField(capability, …)` (see core.pickers)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.http import Http404, QueryDict
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from gonghui.core.capabilities import Capability
from gonghui.core.pickers import PickerField, Suggestion, capabilities_in
from gonghui.core.scoping import Viewer
from gonghui.orgs import queries
from gonghui.orgs.models import Org, OrgKind


@dataclass(frozen=True)
class OrgSource:
    """Active orgs where the user holds every one of `needed`, less the kinds excluded."""

    needed: tuple[Capability, ...]
    exclude_kinds: tuple[str, ...] = ()

    @classmethod
    def from_query(cls, query: QueryDict) -> "OrgSource":
        """The source a search URL names; an unknown capability or kind is a 404."""
        needed = capabilities_in(query)
        kinds = query.getlist("exclude")
        if any(kind not in OrgKind.values for kind in kinds):
            raise Http404
        return cls(needed, tuple(kinds))

    def search(self, user: Viewer, text: str, limit: int) -> list[Suggestion]:
        found = queries.search_orgs(
            user, self.needed, text, exclude_kinds=self.exclude_kinds, limit=limit
        )
        return [self.describe(org) for org in found]

    def exact(self, user: Viewer, text: str, limit: int) -> list[Any]:
        return queries.find_orgs_named(
            user, self.needed, text, exclude_kinds=self.exclude_kinds, limit=limit
        )

    def describe(self, obj: Any) -> Suggestion:
        assert isinstance(obj, Org)
        return Suggestion(obj.pk, obj.name, obj.parent.name if obj.parent else "")

    def get(self, user: Viewer, pk: int) -> Org | None:
        return queries.get_picked_org(user, self.needed, pk, exclude_kinds=self.exclude_kinds)

    def search_url(self) -> str:
        query = urlencode({"cap": self.needed, "exclude": self.exclude_kinds}, doseq=True)
        return f"{reverse('orgs:pick')}?{query}"


class OrgPickerField(PickerField):
    """A union in the user's scope for `capability` (and every one of `also`): cleaned to the
    `Org`, or a form error; never a 404."""

    default_error_messages = {
        "not_found": _("No union you may choose here is called “%(text)s”."),
        "ambiguous": _("More than one union is called “%(text)s”: choose one."),
    }
    placeholder = _("Type a few characters of the union's name")

    def __init__(
        self,
        capability: Capability,
        *also: Capability,
        exclude_kinds: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(OrgSource((capability, *also), tuple(exclude_kinds)), **kwargs)
