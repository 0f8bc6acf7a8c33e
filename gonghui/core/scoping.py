"""The scoped-query half of the permission funnel, for every model that belongs to an org.

A tenant model's QuerySet subclasses ScopedQuerySet and names the path of its org. Views and
API code reach tenant rows only through `visible_to(user, capability)`, which asks the user
which subtrees grant that capability. The user model (accounts) answers; core only knows
that the answer is a list of org paths, or None for "everything" (operators).
"""

from typing import Any, Protocol, Self, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.utils.translation import gettext as _

from gonghui.core import capabilities
from gonghui.core.capabilities import Capability
from gonghui.core.errors import NotFoundError
from gonghui.core.tree import subtree_q


class ScopeHolder(Protocol):
    """Who the funnel asks (accounts.User, which core may not import): a saved account that
    answers the org paths where it holds a capability."""

    pk: Any

    def scope_paths(self, capability: Capability) -> list[str] | None: ...


#: Whoever makes a request: a signed-in user, or nobody (anonymous sees nothing).
Viewer = ScopeHolder | AnonymousUser


M = TypeVar("M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[M]):
    #: lookup from this model to its org's materialized path
    org_path_lookup = "org__path"

    def visible_to(self, user: Viewer, capability: Capability) -> Self:
        capabilities.check(capability)
        if isinstance(user, AnonymousUser):
            return self.none()
        paths = user.scope_paths(capability)
        if paths is None:
            return self.all()
        if not paths:
            return self.none()
        return self.filter(subtree_q(self.org_path_lookup, paths))

    def in_subtree(self, path: str) -> Self:
        return self.filter(subtree_q(self.org_path_lookup, [path]))


def permits(user: Viewer, capability: Capability, path: str) -> bool:
    """Whether the user holds `capability` at the org with this path (grants cover subtrees)."""
    capabilities.check(capability)
    if isinstance(user, AnonymousUser):
        return False
    paths = user.scope_paths(capability)
    if paths is None:
        return True
    return any(path.startswith(granted) for granted in paths)


def require(user: Viewer, capability: Capability, path: str) -> None:
    """Raise NotFoundError unless permitted: outside the scope nothing is admitted to exist."""
    if not permits(user, capability, path):
        raise NotFoundError("not_found", _("Not found."))
