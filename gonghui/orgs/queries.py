"""Reads of the union tree. Everything here is scoped by the caller's grants."""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.http import Http404

from gonghui.core import capabilities
from gonghui.core.capabilities import Capability
from gonghui.core.scoping import Viewer
from gonghui.core.tree import subtree_q
from gonghui.orgs.models import CHILD_KINDS, Org


def scope_of(user: Viewer, capability: Capability) -> list[str] | None:
    """The paths of the subtrees where the user holds `capability`: None for everywhere (a
    superuser), [] for nobody signed in."""
    if isinstance(user, AnonymousUser):
        capabilities.check(capability)
        return []
    return user.scope_paths(capability)


def home_org_for(
    user: Viewer, capability: Capability, *also: Capability, exclude_kinds: Iterable[str] = ()
) -> Org | None:
    """The highest organisation where the user holds `capability` (and every one of `also`):
    where their lists and dashboards start, and the default of their forms. With
    `exclude_kinds`, the highest active one of the other kinds (a form's default union)."""
    if also or exclude_kinds:
        return _picker_orgs(user, (capability, *also), exclude_kinds).order_by("path").first()
    paths = scope_of(user, capability)
    if paths is None:
        return Org.objects.filter(parent=None).order_by("path").first()
    return Org.objects.filter(path__in=paths).order_by("path").first()


def list_orgs(
    user: Viewer,
    capability: Capability,
    *,
    search: str = "",
    kind: str = "",
    within: Org | None = None,
) -> QuerySet[Org]:
    orgs = Org.objects.visible_to(user, capability)
    if within is not None:
        orgs = orgs.in_subtree(within.path)
    if search:
        orgs = orgs.filter(Q(name__icontains=search) | Q(short_name__icontains=search))
    if kind:
        orgs = orgs.filter(kind=kind)
    return orgs.select_related("parent")


def get_org_for(user: Viewer, org_id: int | str, capability: Capability) -> Org:
    """The org if the user holds `capability` there; 404 alike for missing and forbidden."""
    try:
        return Org.objects.visible_to(user, capability).get(pk=int(org_id))
    except (Org.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def list_top_orgs(user: Viewer, capability: Capability) -> QuerySet[Org]:
    """The highest orgs the user sees: the roots of their visible forest."""
    paths = scope_of(user, capability)
    if paths is None:
        return Org.objects.filter(parent=None).annotate(child_count=Count("children"))
    return Org.objects.filter(path__in=paths).annotate(child_count=Count("children"))


def list_children(parent: Org) -> QuerySet[Org]:
    return parent.children.annotate(child_count=Count("children")).order_by("path")


def list_visible_ancestors(user: Viewer, org: Org, capability: Capability) -> list[Org]:
    """The breadcrumb: ancestors of `org` the user may also see, root first."""
    if not org.ancestor_paths:
        return []
    return list(
        Org.objects.visible_to(user, capability)
        .filter(path__in=org.ancestor_paths)
        .order_by("path")
    )


def count_subtree(org: Org) -> int:
    return Org.objects.filter(subtree_q("path", [org.path])).count()


def list_move_targets(user: Viewer, org: Org, *, search: str) -> QuerySet[Org]:
    """Where `org` could move: orgs the user may move things into, outside its own subtree."""
    candidates = list_orgs(user, "orgs.move", search=search).exclude(subtree_q("path", [org.path]))
    if org.parent_id is not None:
        candidates = candidates.exclude(pk=org.parent_id)
    return candidates.filter(kind__in=[k for k in CHILD_KINDS if org.kind in CHILD_KINDS[k]])[:30]


def _picker_orgs(
    user: Viewer, needed: Iterable[Capability], exclude_kinds: Iterable[str]
) -> QuerySet[Org]:
    orgs = Org.objects.filter(is_active=True)
    for capability in needed:
        orgs = orgs.visible_to(user, capability)
    return orgs.exclude(kind__in=list(exclude_kinds))


def search_orgs(
    user: Viewer,
    needed: Iterable[Capability],
    text: str,
    *,
    exclude_kinds: Iterable[str] = (),
    limit: int,
) -> list[Org]:
    """Active orgs where the user holds every capability in `needed`, whose name or short name
    contains `text`: the exact name first, then names starting with it, then the rest, each in
    tree order. One query, whatever the size of the scope (the picker's search)."""
    return rank_by_name(_picker_orgs(user, needed, exclude_kinds), text, limit=limit)


def rank_by_name(orgs: QuerySet[Org], text: str, *, limit: int) -> list[Org]:
    """The orgs whose name or short name contains `text`: the exact name first, then names
    starting with it, then the rest, each in tree order; with their parents. One query."""
    rank = Case(
        When(Q(name=text) | Q(short_name=text), then=Value(0)),
        When(Q(name__startswith=text) | Q(short_name__startswith=text), then=Value(1)),
        default=Value(2),
    )
    return list(
        orgs.filter(Q(name__icontains=text) | Q(short_name__icontains=text))
        .annotate(rank=rank)
        .select_related("parent")
        .order_by("rank", "path")[:limit]
    )


def find_orgs_named(
    user: Viewer,
    needed: Iterable[Capability],
    text: str,
    *,
    exclude_kinds: Iterable[str] = (),
    limit: int = 2,
) -> list[Org]:
    """Active orgs in scope whose name or short name is exactly `text` (at most `limit`),
    with their parents."""
    orgs = _picker_orgs(user, needed, exclude_kinds)
    named = orgs.filter(Q(name=text) | Q(short_name=text)).select_related("parent")
    return list(named.order_by("path")[:limit])


def get_picked_org(
    user: Viewer, needed: Iterable[Capability], pk: int, *, exclude_kinds: Iterable[str] = ()
) -> Org | None:
    """The active org with this id if the user holds every capability in `needed` there."""
    return _picker_orgs(user, needed, exclude_kinds).filter(pk=pk).first()
