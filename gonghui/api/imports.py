"""Spreadsheet imports (members, enterprises): upload, dry-run check, confirm."""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, File, Form, P, Router, Schema, UploadedFile
from ninja.params import FormEx

from gonghui.api.auth import api_user
from gonghui.api.errors import ERROR_RESPONSES
from gonghui.api.types import Id
from gonghui.core import imports
from gonghui.core.models import ImportJob
from gonghui.orgs.queries import get_org_for

router = Router(tags=["imports"])


class ImportErrorOut(Schema):
    row: int
    column: str
    message: str


class ImportJobOut(Schema):
    id: int
    kind: str
    org_id: int
    org_name: str
    original_name: str
    status: str
    status_label: str
    failure: str
    total_rows: int
    checked_rows: int
    valid_rows: int
    error_count: int = Field(description="All errors; `errors` lists the first 500.")
    errors: list[ImportErrorOut]
    summary: dict[str, Any] = Field(
        description="Counts of what the import wrote once done, and notes from the check."
    )
    percent: int
    created_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_org_name(obj: ImportJob) -> str:
        return obj.org.name

    @staticmethod
    def resolve_status_label(obj: ImportJob) -> str:
        return str(obj.get_status_display())


KIND_DESCRIPTION = "What the file holds: " + ", ".join(sorted(settings.IMPORTERS)) + "."


@router.post(
    "/imports",
    response={201: ImportJobOut, **ERROR_RESPONSES},
    operation_id="start_import",
)
def start_import(
    request: HttpRequest,
    kind: FormEx[str, P(max_length=40, description=KIND_DESCRIPTION)],
    org_id: Form[int],
    file: File[UploadedFile],
) -> tuple[int, ImportJob]:
    """Upload a spreadsheet (.xlsx, or .csv in UTF-8 or GBK; at most 40 MB) as a multipart
    form with `kind`, `org_id` and `file`. Every row is then checked in the background and
    nothing is written: poll the job until its status is `checked`, read the errors by row
    and column, then confirm. Needs imports.run and the importer's own capability at the
    organisation."""
    org = get_org_for(request.user, org_id, "imports.run")
    job = imports.start_import(actor=api_user(request), org=org, kind=kind, upload=file)
    return 201, imports.get_job_for(request.user, job.pk)


@router.get(
    "/imports/{id:job_id}",
    response={200: ImportJobOut, **ERROR_RESPONSES},
    operation_id="get_import",
)
def get_import(request: HttpRequest, job_id: Id) -> ImportJob:
    """An import job: its status, progress, row counts and errors by row and column."""
    return imports.get_job_for(request.user, job_id)


@router.post(
    "/imports/{id:job_id}/confirm",
    response={200: ImportJobOut, **ERROR_RESPONSES},
    operation_id="confirm_import",
)
def confirm_import(request: HttpRequest, job_id: Id) -> ImportJob:
    """Import the valid rows of a checked file, in the background and all at once; the file
    is checked again first. A job that is not waiting for confirmation gets 400
    not_checked."""
    job = imports.get_job_for(request.user, job_id)
    imports.confirm_import(actor=api_user(request), job=job)
    return imports.get_job_for(request.user, job_id)
