#!/usr/bin/env python3
"""Fail when a view or API module reads tenant data around the permission funnel.

Views (views.py and every *_views.py) and API modules (gonghui/api/) reach data only through
`queries` (the `visible_to(user, capability)` / `get_*_for` funnel) and `actions`. So in those
modules any `<Model>.objects`, `_default_manager`, `get_object_or_404`/`get_list_or_404` or raw
SQL is an error.

Usage: check_funnel.py [PATH ...]   (default: the gonghui package next to this script)
"""

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

FORBIDDEN_ATTRIBUTES = {"objects", "_default_manager", "_base_manager"}
FORBIDDEN_CALLS = {"get_object_or_404", "get_list_or_404"}
FORBIDDEN_METHODS = {"raw", "extra"}


def is_view_or_api_module(path: Path) -> bool:
    return (
        path.name == "views.py"
        or path.name.endswith("_views.py")
        or ("api" in path.parts and "tests" not in path.parts and path.suffix == ".py")
    )


def violations(source: str, filename: str) -> Iterator[str]:
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            yield f"{filename}:{node.lineno}: `.{node.attr}` — go through queries/actions"
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in FORBIDDEN_CALLS:
                yield f"{filename}:{node.lineno}: `{name}` — use a get_*_for(user, id, capability)"
            elif isinstance(func, ast.Attribute) and func.attr in FORBIDDEN_METHODS:
                yield f"{filename}:{node.lineno}: `.{func.attr}()` — raw SQL bypasses the scope"
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module == "django.db"
            and any(alias.name == "connection" for alias in node.names)
        ):
            yield f"{filename}:{node.lineno}: direct database connection in a view module"


def check(paths: list[Path]) -> list[str]:
    found: list[str] = []
    for root in paths:
        files = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for path in files:
            if "tests" in path.parts or not is_view_or_api_module(path):
                continue
            found.extend(violations(path.read_text(encoding="utf-8"), str(path)))
    return found


def main() -> int:
    default = Path(__file__).resolve().parent.parent / "gonghui"
    paths = [Path(arg) for arg in sys.argv[1:]] or [default]
    found = check(paths)
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} funnel violation(s).", file=sys.stderr)
        return 1
    print("Funnel check: every view and API module reads through queries and actions.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
