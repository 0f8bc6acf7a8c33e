"""Helpers for import tests: a job's stored problems as plain dicts."""

from typing import Any

from gonghui.core.models import ImportJob, ImportProblem


def problems_of(job: ImportJob, kind: str = "") -> list[dict[str, Any]]:
    """Every problem of the job by row, as {row, column, kind, code, message}."""
    found = ImportProblem.objects.filter(job=job).order_by("row", "pk")
    if kind:
        found = found.filter(kind=kind)
    return [dict(p) for p in found.values("row", "column", "kind", "code", "message")]


def errors_of(job: ImportJob) -> list[dict[str, Any]]:
    return problems_of(job, ImportProblem.Kind.ERROR)
