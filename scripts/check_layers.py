#!/usr/bin/env python3
"""Fail when a domain module imports upward.

The domain layer depends one way: core ← orgs ← accounts ← enterprises ← members ←
checkins (the one check-in mechanism) ← the feature apps ← dashboards. A module may import
its own app and any app of a lower rank. Feature apps share a rank and may not import each
other's actions. View modules (views.py, *_views.py, urls.py, *_urls.py, templatetags) and the
web and api apps sit on top and may import any domain module.

Usage: check_layers.py [PACKAGE_DIR]
"""

import ast
import sys
from pathlib import Path

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
RANK = {"core": 0, "orgs": 1, "accounts": 2, "enterprises": 3, "members": 4, "checkins": 5}
RANK |= dict.fromkeys(FEATURES, 6) | {"dashboards": 7, "web": 8, "api": 8}


def is_view_module(name: str) -> bool:
    return name in {"views.py", "urls.py"} or name.endswith(("_views.py", "_urls.py"))


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def problems_in(path: Path, app: str, source: str) -> list[str]:
    found: list[str] = []
    for lineno, module in imported_modules(ast.parse(source, str(path))):
        parts = module.split(".")
        if parts[0] != "gonghui" or len(parts) < 2 or parts[1] not in RANK:
            continue
        other = parts[1]
        if other == app:
            continue
        if RANK[other] > RANK[app]:
            found.append(f"{path}:{lineno}: {app} (rank {RANK[app]}) imports {module} (higher)")
        elif RANK[other] == RANK[app] and "actions" in parts[2:]:
            found.append(f"{path}:{lineno}: feature app {app} imports {other}'s actions")
    return found


def check(package: Path) -> list[str]:
    found: list[str] = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        if len(relative.parts) < 2 or relative.parts[0] not in RANK:
            continue
        app = relative.parts[0]
        if (
            "tests" in relative.parts
            or "migrations" in relative.parts
            or "templatetags" in relative.parts
            or is_view_module(path.name)
            or RANK[app] == RANK["web"]
        ):
            continue
        found += problems_in(path, app, path.read_text(encoding="utf-8"))
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
        print(f"{len(found)} upward import(s).", file=sys.stderr)
        return 1
    print("Layer check: every domain module imports downward.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
