"""Spreadsheet imports (members, enterprises): upload, dry-run check, confirm."""

from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from ninja import Field, File, Form, P, Query, Router, Schema, UploadedFile
from ninja.pagination import paginate
from ninja.params import FormEx

from gonghui.api.auth import api_user
from gonghui.api.errors import ERROR_RESPONSES
from gonghui.api.pagination import Pages
from gonghui.api.types import Id
from gonghui.core import imports
from gonghui.core.models import ImportJob
from gonghui.orgs.queries import get_org_for

router = Router(tags=["imports"])
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportProblemOut(Schema):
    row: int = Field(description="The row as Excel numbers it.")
    column: str = Field(description="The header of the column, or empty for the whole row.")
    kind: str = Field(description="`error` (the row is refused) or `warning` (it imports).")
    code: str = Field(description="The reason, e.g. duplicate, invalid_id_number.")
    message: str


class ProblemFilters(Schema):
    kind: Literal["", "error", "warning"] = ""
    column: str = Field("", max_length=60)
    code: str = Field("", max_length=40)


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
    refused_rows: int
    warned_rows: int = Field(description="Rows that import with a warning.")
    error_count: int
    warning_count: int
    reasons: dict[str, int] = Field(
        description="Refused rows by reason code (a row counts under each of its reasons); "
        "the problems themselves: GET /imports/{id}/problems."
    )
    has_annotated_file: bool
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

    @staticmethod
    def resolve_has_annotated_file(obj: ImportJob) -> bool:
        return bool(obj.annotated)


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


@router.post(
    "/imports/{id:job_id}/cancel",
    response={200: ImportJobOut, **ERROR_RESPONSES},
    operation_id="cancel_import",
)
def cancel_import(request: HttpRequest, job_id: Id) -> ImportJob:
    """Cancel a job that is being checked or waits for confirmation: nothing is imported and
    the upload is deleted. An import already writing, or a finished job, gets 400
    not_cancellable."""
    job = imports.get_job_for(request.user, job_id)
    imports.cancel_import(actor=api_user(request), job=job)
    return imports.get_job_for(request.user, job_id)


@router.get(
    "/imports/{id:job_id}/problems",
    response={200: list[ImportProblemOut], **ERROR_RESPONSES},
    operation_id="list_import_problems",
)
@paginate(Pages, page_size=100)
def list_import_problems(request: HttpRequest, job_id: Id, filters: Query[ProblemFilters]) -> Any:
    """Every problem of the job by row, paged: each row's errors and warnings with their
    column, filtered by kind, column header or reason code."""
    job = imports.get_job_for(request.user, job_id)
    return imports.list_problems(
        job, kind=filters.kind, column=filters.column.strip(), code=filters.code.strip()
    )


@router.get(
    "/imports/{id:job_id}/annotated",
    response={200: None, **ERROR_RESPONSES},
    operation_id="download_annotated_import",
    openapi_extra={
        "responses": {
            200: {
                "description": "The uploaded sheet with a 问题 column, as .xlsx.",
                "content": {XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download_annotated_import(request: HttpRequest, job_id: Id) -> HttpResponse:
    """The uploaded sheet written back (same columns, same order) with a 问题 column: refused
    rows filled red, rows with warnings yellow, each row's problems in its 问题 cell. Correct
    it and upload it again. 404 no_annotated_file when the check found no problem (or after
    a week). The download is audited: the file holds ID and mobile numbers."""
    job = imports.get_job_for(request.user, job_id)
    content, name = imports.download_annotated(actor=api_user(request), job=job)
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response
