"""The scoped-query half of the permission funnel, for every model that belongs to an org.

A tenant model's QuerySet subclasses ScopedQuerySet and names the path of its org. Views and
API code reach tenant rows only through `visible_to(user, capability)`, which asks the user
which subtrees grant that capability. The user model (accounts) answers; core only knows
that the answer is a list of org paths, or None for "everything" (operators).
"""

from typing import Any, Protocol, Self, TypeVar

from django.db import models
from django.utils.translation import gettext as _

from gonghui.core.errors import NotFoundError
from gonghui.core.tree import subtree_q


class ScopeHolder(Protocol):
    def scope_paths(self, capability: str) -> list[str] | None: ...


M = TypeVar("M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[M]):
    #: lookup from this model to its org's materialized path
    org_path_lookup = "org__path"

    def visible_to(self, user: Any, capability: str) -> Self:
        paths_of = getattr(user, "scope_paths", None)
        if paths_of is None:  # anonymous
            return self.none()
        paths: list[str] | None = paths_of(capability)
        if paths is None:
            return self.all()
        if not paths:
            return self.none()
        return self.filter(subtree_q(self.org_path_lookup, paths))

    def in_subtree(self, path: str) -> Self:
        return self.filter(subtree_q(self.org_path_lookup, [path]))


def permits(user: Any, capability: str, path: str) -> bool:
    """Whether the user holds `capability` at the org with this path (grants cover subtrees)."""
    paths_of = getattr(user, "scope_paths", None)
    if paths_of is None:
        return False
    paths: list[str] | None = paths_of(capability)
    if paths is None:
        return True
    return any(path.startswith(granted) for granted in paths)


def require(user: Any, capability: str, path: str) -> None:
    """Raise NotFoundError unless permitted: outside the scope nothing is admitted to exist."""
    if not permits(user, capability, path):
        raise NotFoundError("not_found", _("Not found."))
