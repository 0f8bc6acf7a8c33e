"""Materialized-path helpers: "this node and everything below it" as one indexed range filter.

A path is a string of fixed-width decimal steps (STEP digits per level). The subtree of
path P is every path p with P <= p < successor(P). The comparison is a plain range on a
b-tree index on SQLite and PostgreSQL alike; digit-only strings sort the same under every
collation, so no special collation is needed.
"""

from collections.abc import Iterable

from django.db.models import Q

STEP = 5
MAX_CHILDREN = 10**STEP - 1


def step(number: int) -> str:
    if not 1 <= number <= MAX_CHILDREN:
        raise ValueError("step number out of range")
    return str(number).zfill(STEP)


def successor(path: str) -> str | None:
    """The smallest path that sorts after every path below `path`, or None if unbounded."""
    bumped = str(int(path) + 1).zfill(len(path))
    return bumped if len(bumped) == len(path) else None


def ancestor_paths(path: str) -> list[str]:
    """Paths of the ancestors, root first, excluding `path` itself."""
    return [path[:end] for end in range(STEP, len(path), STEP)]


def collapse(paths: Iterable[str]) -> list[str]:
    """Drop paths that lie below another path in the list."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept


def subtree_q(lookup: str, paths: Iterable[str]) -> Q:
    """Q matching rows whose `lookup` path lies in any of the given subtrees.

    An empty list of paths matches nothing.
    """
    condition = Q(pk__in=[])
    for path in collapse(paths):
        upper = successor(path)
        part = Q(**{f"{lookup}__gte": path})
        if upper is not None:
            part &= Q(**{f"{lookup}__lt": upper})
        condition |= part
    return condition


def is_within(path: str, ancestor: str) -> bool:
    return path.startswith(ancestor)
