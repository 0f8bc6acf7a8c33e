"""The import pipeline every spreadsheet import uses: upload, check every row (a dry run that
writes nothing), show the errors by row and column, then import the valid rows on
confirmation. Both passes run as background tasks so a large file never times out a request.

Each app provides an Importer (registered in settings.IMPORTERS by kind) that knows its
columns, checks one row at a time and writes the valid rows in one transaction.
"""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from gonghui.core import audit
from gonghui.core.errors import DomainError
from gonghui.core.models import ImportJob
from gonghui.core.scoping import require
from gonghui.core.spreadsheets import CellValue, Formula, open_sheet, template_workbook
from gonghui.core.uploads import XLSX, check_upload

MAX_ROWS = 300_000
MAX_BYTES = 40 * 1024 * 1024
STORED_ERRORS = 500
PROGRESS_EVERY = 2_000


@dataclass(frozen=True)
class Column:
    field: str
    label: str  # the canonical Chinese header, as in the template file
    aliases: tuple[str, ...] = ()
    required: bool = True


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class RowRefused(Exception):  # noqa: N818 — a refusal, not a programming error
    def __init__(self, column: str, message: str | Promise) -> None:
        super().__init__(str(message))
        self.column = column
        self.message = str(message)


def cell_text(value: CellValue, column: str) -> str:
    """A cell as text; formulas are refused, whole numbers lose Excel's trailing ".0"."""
    if isinstance(value, Formula):
        raise RowRefused(column, _("This cell holds a formula; enter the value itself."))
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def cell_int(value: CellValue, column: str, *, required: bool = True) -> int | None:
    text = cell_text(value, column).replace(",", "")
    if not text:
        if required:
            raise RowRefused(column, _("This cell is required."))
        return None
    if not text.isdigit():
        raise RowRefused(column, _("Enter a whole number of zero or more."))
    return int(text)


@dataclass
class Checked:
    valid: list[Any] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class Importer(Protocol):
    kind: str
    capability: str
    columns: list[Column]

    def check(self, job: ImportJob, rows: Iterator[tuple[int, dict[str, CellValue]]]) -> Checked:
        """Check every row; valid ones come back ready to write, the rest as RowErrors."""
        ...

    def write(self, job: ImportJob, valid: list[Any]) -> dict[str, int]:
        """Write the valid rows (inside the caller's transaction); return counts."""
        ...


def importer_for(kind: str) -> Importer:
    try:
        path = settings.IMPORTERS[kind]
    except KeyError:
        raise DomainError("unknown_import", _("Unknown kind of import.")) from None
    importer: Importer = import_string(path)()
    return importer


def _map_columns(
    importer: Importer, headers: list[str], overrides: dict[str, str]
) -> dict[str, int]:
    positions: dict[str, int] = {}
    for column in importer.columns:
        names = [overrides.get(column.field, ""), column.label, *column.aliases]
        for name in names:
            if name and name in headers:
                positions[column.field] = headers.index(name)
                break
    missing = [c.label for c in importer.columns if c.required and c.field not in positions]
    if missing:
        raise DomainError(
            "missing_columns",
            _("The header row lacks these columns: %(columns)s.") % {"columns": "、".join(missing)},
        )
    return positions


def _records(
    job: ImportJob, importer: Importer, *, on_progress: Callable[[int], None] | None = None
) -> Iterator[tuple[int, dict[str, CellValue]]]:
    sheet = open_sheet(Path(job.file.path), max_rows=MAX_ROWS)
    positions = _map_columns(importer, sheet.headers, job.column_map)
    for count, (number, cells) in enumerate(sheet.rows, start=1):
        record = {
            name: (cells[index] if index < len(cells) else None)
            for name, index in positions.items()
        }
        if on_progress and count % PROGRESS_EVERY == 0:
            on_progress(count)
        yield number, record


@transaction.atomic
def start_import(*, actor: Any, org: Any, kind: str, upload: UploadedFile[Any]) -> ImportJob:
    """Store an uploaded spreadsheet and queue its check (imports.run and the importer's
    capability at `org`)."""
    importer = importer_for(kind)
    require(actor, "imports.run", org.path)
    require(actor, importer.capability, org.path)
    name = upload.name or "upload"
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        if not upload.size:
            raise DomainError("empty_file", _("The file is empty."))
        if upload.size > MAX_BYTES:
            check_upload(upload, kinds=(XLSX,), max_bytes=MAX_BYTES)  # raises the size message
    else:
        check_upload(upload, kinds=(XLSX,), max_bytes=MAX_BYTES)
        suffix = ".xlsx"
    job = ImportJob(kind=kind, org=org, created_by=actor, original_name=name[:200])
    job.file.save(f"{uuid.uuid4().hex}{suffix}", upload, save=False)
    job.save()
    audit.record(
        actor=actor, action="core.import.uploaded", org=org, target=job, changes={"kind": kind}
    )
    from gonghui.core.tasks import check_import_job

    transaction.on_commit(lambda: check_import_job.enqueue(job.pk))
    return job


def _discard_file(job: ImportJob) -> None:
    """Delete the uploaded spreadsheet once it is no longer needed: it holds personal data in
    clear (ID and mobile numbers), which must not outlive the import."""
    if job.file and job.file.name:
        job.file.storage.delete(job.file.name)


def discard_stale_uploads(*, older_than: timedelta = timedelta(days=7)) -> int:
    """Files checked but never confirmed are dropped after a while (run by purge_expired)."""
    cutoff = timezone.now() - older_than
    stale = list(
        ImportJob.objects.filter(
            created_at__lt=cutoff, status__in=[ImportJob.Status.CHECKED, ImportJob.Status.CHECKING]
        )
    )
    for job in stale:
        _discard_file(job)
    ImportJob.objects.filter(pk__in=[job.pk for job in stale]).update(
        status=ImportJob.Status.CANCELLED, finished_at=timezone.now()
    )
    return len(stale)


def _fail_unexpectedly(job_id: int) -> None:
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.FAILED,
        failure=_("The file could not be processed because of an error on our side. Nothing "
                  "was imported; please try again or tell the platform operator."),
        finished_at=timezone.now(),
    )  # fmt: skip


def _save_progress(job_id: int, checked: int) -> None:
    ImportJob.objects.filter(pk=job_id).update(checked_rows=checked)


def check_job(job_id: int) -> ImportJob:
    """The dry run: every row checked, nothing written."""
    job = ImportJob.objects.select_related("org").get(pk=job_id)
    importer = importer_for(job.kind)
    try:
        checked = importer.check(
            job, _records(job, importer, on_progress=lambda n: _save_progress(job.pk, n))
        )
    except DomainError as error:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, failure=str(error.message), finished_at=timezone.now()
        )
        job.refresh_from_db()
        return job
    except Exception:
        _fail_unexpectedly(job.pk)
        raise
    total = len(checked.valid) + len({e.row for e in checked.errors})
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.CHECKED,
        total_rows=total,
        checked_rows=total,
        valid_rows=len(checked.valid),
        error_count=len(checked.errors),
        errors=[e.as_dict() for e in checked.errors[:STORED_ERRORS]],
    )
    job.refresh_from_db()
    return job


@transaction.atomic
def confirm_import(*, actor: Any, job: ImportJob) -> ImportJob:
    """Import the valid rows of a checked file (the person who may start it may confirm it)."""
    importer = importer_for(job.kind)
    require(actor, "imports.run", job.org.path)
    require(actor, importer.capability, job.org.path)
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKED).update(
        status=ImportJob.Status.IMPORTING, checked_rows=0
    )
    if not updated:
        raise DomainError("not_checked", _("This file is not waiting for confirmation."))
    from gonghui.core.tasks import run_import_job

    transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
    job.refresh_from_db()
    return job


def run_job(job_id: int) -> ImportJob:
    """Check the file again (it is the source of truth) and write every valid row at once."""
    job = ImportJob.objects.select_related("org", "created_by").get(pk=job_id)
    importer = importer_for(job.kind)
    try:
        checked = importer.check(
            job, _records(job, importer, on_progress=lambda n: _save_progress(job.pk, n))
        )
        with transaction.atomic():
            summary = importer.write(job, checked.valid)
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.DONE,
                summary=summary,
                valid_rows=len(checked.valid),
                error_count=len(checked.errors),
                errors=[e.as_dict() for e in checked.errors[:STORED_ERRORS]],
                finished_at=timezone.now(),
            )
            audit.record(
                actor=job.created_by,
                action="core.import.completed",
                org=job.org,
                target=job,
                changes=summary,
            )
    except DomainError as error:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, failure=str(error.message), finished_at=timezone.now()
        )
    except Exception:
        # Nothing was written (the write is one transaction); say so instead of polling forever.
        _fail_unexpectedly(job.pk)
        raise
    job.refresh_from_db()
    if job.status in {ImportJob.Status.DONE, ImportJob.Status.FAILED}:
        _discard_file(job)
    return job


@transaction.atomic
def cancel_import(*, actor: Any, job: ImportJob) -> None:
    """Drop a checked file without importing it."""
    require(actor, "imports.run", job.org.path)
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKED).update(
        status=ImportJob.Status.CANCELLED, finished_at=timezone.now()
    )
    audit.record(actor=actor, action="core.import.cancelled", org=job.org, target=job)
    transaction.on_commit(lambda: _discard_file(job))


def get_job_for(user: Any, job_id: int | str) -> ImportJob:
    """An import job of an org where the user may run imports; 404 alike otherwise."""
    try:
        return (
            ImportJob.objects.visible_to(user, "imports.run")
            .select_related("org", "created_by")
            .get(pk=int(job_id))
        )
    except (ImportJob.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def template_for(kind: str) -> bytes:
    """An empty spreadsheet with the columns an importer reads, to fill in and upload."""
    importer = importer_for(kind)
    return template_workbook([c.label for c in importer.columns], sheet_name=kind)
