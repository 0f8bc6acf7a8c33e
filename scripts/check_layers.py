#!/usr/bin/env python3
"""Fail when a module imports upward, or when the apps import each other in a cycle.

Every package under gonghui/ has a rank, and the house depends one way:

    core ← orgs ← accounts ← enterprises ← members ← checkins, ledger, reviews (the shared
    mechanisms) ← the feature apps ← dashboards ← web, api, housekeeping ← demo

- A domain module (anything but a view module) may import its own app and any app of a lower
  rank; an app of its own rank too, but never that app's actions (feature apps do not call
  each other's actions: the action that causes an event calls both, explicitly).
- A view module (views.py, *_views.py, urls.py, *_urls.py, templatetags/) may import any
  domain module of its own or a lower rank and the queries of an app of its own rank; never
  anything above (so no domain view imports web, api or demo).
- demo, at the top, may import anything; nothing may import it.
- The modules directly in gonghui/ (settings, urls, cli, wsgi, conftest) assemble the
  project: nothing in an app imports them.
- Over all modules, views included, the graph "app A imports app B" has no cycle; a cycle is
  reported with its path and one import for each step.

Tests and migrations are not part of the running house and are not checked: a test may load
the demo to have data. A package that has no rank here is an error, so a new app is ranked
when it is added.

Usage: check_layers.py [PACKAGE_DIR]
"""

import ast
import sys
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

MECHANISMS = ["checkins", "ledger", "reviews"]
FEATURES = [
    "events",
    "benefits",
    "stations",
    "care",
    "learning",
    "innovation",
    "safety",
    "volunteers",
]
RANK = {"core": 0, "orgs": 1, "accounts": 2, "enterprises": 3, "members": 4}
RANK |= dict.fromkeys(MECHANISMS, 5) | dict.fromkeys(FEATURES, 6) | {"dashboards": 7}
RANK |= {"web": 8, "api": 8, "housekeeping": 8, "demo": 9}
PROJECT = "the project"  # the modules directly in gonghui/
PROJECT_RANK = 10


@dataclass(frozen=True)
class Import:
    path: Path
    lineno: int
    app: str  # the importing module's app
    target: str  # the imported module, dotted, from gonghui
    other: str  # the imported module's app


def is_view_module(relative: Path) -> bool:
    name = relative.name
    return (
        "templatetags" in relative.parts
        or name in {"views.py", "urls.py"}
        or name.endswith(("_views.py", "_urls.py"))
    )


def _module_parts(relative: Path) -> list[str]:
    parts = ["gonghui", *relative.with_suffix("").parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def imported_modules(tree: ast.AST, relative: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of every import in the module, at any depth (a lazy import inside
    a function is an import too); relative imports resolved against the module's package."""
    package = _module_parts(relative)
    if relative.name != "__init__.py":
        package = package[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def _app_of(dotted: str, apps: set[str]) -> str | None:
    parts = dotted.split(".")
    if parts[0] != "gonghui" or len(parts) < 2:
        return None
    if parts[1] in apps or parts[1] in RANK:
        return parts[1]
    return PROJECT


def imports_in(path: Path, relative: Path, source: str, apps: set[str]) -> list[Import]:
    app = relative.parts[0] if len(relative.parts) > 1 else PROJECT
    found = []
    for lineno, dotted in imported_modules(ast.parse(source, str(path)), relative):
        other = _app_of(dotted, apps)
        if other is not None and other != app:
            found.append(Import(path, lineno, app, dotted, other))
    return found


def _rank(app: str) -> int:
    return PROJECT_RANK if app == PROJECT else RANK[app]


def problem_of(found: Import, *, view: bool) -> str | None:
    """Why this import breaks the layers, or None."""
    app, other, parts = found.app, found.other, found.target.split(".")
    where = f"{found.path}:{found.lineno}"
    if app == PROJECT or app == "demo" or (other != PROJECT and other not in RANK):
        return None  # an unranked package is reported once, as such
    if other == PROJECT:
        return f"{where}: {app} imports {found.target} (the project's own modules sit on top)"
    if _rank(other) > _rank(app):
        kind = "view module of " if view else ""
        return f"{where}: {kind}{app} (rank {RANK[app]}) imports {found.target} (higher)"
    if _rank(other) == _rank(app):
        if view and "queries" not in parts[2:3]:
            return f"{where}: view module of {app} imports {found.target} (same rank, not queries)"
        if "actions" in parts[2:]:
            return f"{where}: {app} imports {other}'s actions (same rank)"
    return None


def _modules(package: Path) -> list[tuple[Path, Path]]:
    found = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        if "tests" in relative.parts or "migrations" in relative.parts:
            continue
        found.append((path, relative))
    return found


def _packages(package: Path) -> set[str]:
    return {child.name for child in package.iterdir() if (child / "__init__.py").is_file()}


def cycles_in(edges: dict[str, dict[str, Import]]) -> list[tuple[list[str], list[str]]]:
    """Each group of apps that import each other in a cycle (Tarjan's strongly connected
    components), with one shortest cycle through its first app, as a path back to it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(app: str) -> None:
        index[app] = low[app] = len(index)
        stack.append(app)
        on_stack.add(app)
        for other in sorted(edges.get(app, {})):
            if other not in index:
                connect(other)
                low[app] = min(low[app], low[other])
            elif other in on_stack:
                low[app] = min(low[app], index[other])
        if low[app] == index[app]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == app:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for app in sorted(edges):
        if app not in index:
            connect(app)
    cycles = []
    for component in sorted(components):
        start, inside = component[0], set(component)
        # Breadth-first from start back to start, within the component.
        paths = {start: [start]}
        queue = [start]
        cycle: list[str] | None = None
        while queue and cycle is None:
            app = queue.pop(0)
            for other in sorted(edges.get(app, {})):
                if other == start:
                    cycle = [*paths[app], start]
                    break
                if other in inside and other not in paths:
                    paths[other] = [*paths[app], other]
                    queue.append(other)
        assert cycle is not None
        cycles.append((component, cycle))
    return cycles


def check(package: Path) -> list[str]:
    found: list[str] = []
    apps = _packages(package)
    found += [f"{package / app}: package {app} has no rank" for app in sorted(apps - set(RANK))]
    edges: dict[str, dict[str, Import]] = {}
    for path, relative in _modules(package):
        if len(relative.parts) > 1 and relative.parts[0] not in RANK:
            continue  # reported above
        for imported in imports_in(path, relative, path.read_text(encoding="utf-8"), apps):
            # Views of the shells (web, api) are the shells themselves: their modules follow
            # the domain rule; views of a domain app sit just above it.
            view = is_view_module(relative) and imported.app in RANK and RANK[imported.app] < 8
            problem = problem_of(imported, view=view)
            if problem is not None:
                found.append(problem)
            edges.setdefault(imported.app, {}).setdefault(imported.other, imported)
    for component, cycle in cycles_in(edges):
        steps = [edges[a][b] for a, b in pairwise(cycle)]
        found.append(
            f"import cycle among {', '.join(component)}: "
            + " → ".join(cycle)
            + " ("
            + "; ".join(f"{s.path}:{s.lineno} imports {s.target}" for s in steps)
            + ")"
        )
    return found


def main() -> int:
    package = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parent.parent / "gonghui"
    )
    found = check(package)
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} layer problem(s).", file=sys.stderr)
        return 1
    print("Layer check: every module imports downward, and no apps import each other in a cycle.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
