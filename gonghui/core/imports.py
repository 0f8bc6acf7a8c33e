"""The import pipeline every spreadsheet import uses: upload, check every row (a dry run that
writes nothing), show the errors by row and column, then import the valid rows on
confirmation. Both passes run as background tasks so a large file never times out a request.

Each app provides an Importer (registered in settings.IMPORTERS by kind) that knows its
columns, checks one row at a time and writes the valid rows in one transaction.

The file is read, and each row checked on its own, in a sandboxed child process
(`core/sandbox.py`) held to hard limits on memory, CPU time and wall time; it hands the checked
rows back through a temporary file. The worker then checks them against the database and, on
confirmation, writes them. While a job runs its heartbeat is beaten; `fail_stalled_jobs` fails
a job whose worker died, so that no job shows "checking" for ever.
"""

import hashlib
import logging
import pickle
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, Protocol

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from gonghui.core import audit
from gonghui.core.capabilities import Capability
from gonghui.core.errors import DomainError, NotFoundError
from gonghui.core.models import ImportJob, ImportProblem
from gonghui.core.sandbox import (
    ChildFailedError,
    Interrupted,
    LimitExceeded,
    Limits,
    redeliver,
    run_in_child,
)
from gonghui.core.scoping import ScopeHolder, Viewer, require
from gonghui.core.spreadsheets import (
    CFB_SIGNATURE,
    PROBLEMS_HEADER,
    CellValue,
    Formula,
    NoHeaderRow,
    Sheet,
    annotated_workbook,
    open_sheet,
    template_workbook,
    unreadable,
)
from gonghui.core.text import formula_start, free_text_problem
from gonghui.core.uploads import XLSX, check_upload

logger = logging.getLogger("gonghui.imports")

MAX_ROWS = 300_000
MAX_BYTES = 40 * 1024 * 1024
PROBLEM_BATCH = 2_000
PROGRESS_EVERY = 2_000
HEARTBEAT_EVERY = timedelta(seconds=10)
ITEM_BATCH = 1_000
RUNNING = (ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING)


@dataclass(frozen=True)
class Column:
    field: str
    label: str  # the canonical Chinese header, as in the template file
    aliases: tuple[str, ...] = ()
    required: bool = True


ERROR = ImportProblem.Kind.ERROR.value
WARNING = ImportProblem.Kind.WARNING.value


@dataclass(slots=True)
class RowError:
    """A problem of one row: an error (the row is refused) or a warning (it imports, and the
    clerk sees what was decided). `code` names the reason, for the counts by reason."""

    row: int
    column: str
    message: str
    kind: str = ERROR
    code: str = "invalid"

    @property
    def refuses(self) -> bool:
        return self.kind == ERROR

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "kind": self.kind,
            "code": self.code,
            "message": self.message,
        }


def warning(row: int, column: str, message: str | Promise, code: str) -> RowError:
    return RowError(row, column, str(message), kind=WARNING, code=code)


class RowRefused(Exception):  # noqa: N818 — a refusal, not a programming error
    def __init__(self, column: str, message: str | Promise, code: str = "invalid") -> None:
        super().__init__(str(message))
        self.column = column
        self.message = str(message)
        self.code = code


def reason_labels() -> dict[str, str]:
    """What each problem code means, for the counts of refused rows by reason."""
    return {
        "required": _("A required cell is empty"),
        "formula": _("A formula or formula-like text"),
        "invalid_text": _("Hidden or control characters"),
        "invalid_name": _("Name not valid"),
        "invalid_id_number": _("ID number not valid"),
        "excel_number": _("ID number turned into a number by Excel"),
        "too_young": _("Under the minimum age"),
        "invalid_mobile": _("Mobile number not valid"),
        "unknown_value": _("A value the importer does not know"),
        "invalid_date": _("Date not valid"),
        "invalid_number": _("Number not valid"),
        "duplicate": _("Repeats an earlier row of the file"),
        "already_member": _("Already a member"),
        "other_organisation": _("Registered under another organisation"),
        "gender_from_id": _("Gender taken from the ID number"),
        "job_type_other": _("Job recorded as other"),
        "invalid": _("Other problems"),
    }


def checked_text(text: str, column: str) -> str:
    """Text of a cell, refused when a spreadsheet would run it as a formula or when it holds
    control or invisible characters (core/text.py)."""
    start = formula_start(text)
    if start in ("\t", "\r"):
        raise RowRefused(
            column,
            _(
                "This cell starts with a tab or line break, which hides a formula from the "
                "reader; remove it."
            ),
            "formula",
        )
    if start:
        raise RowRefused(
            column,
            _(
                "This cell starts with “%(start)s”, which a spreadsheet would run as a "
                "formula; remove it or enter the value itself."
            )
            % {"start": start},
            "formula",
        )
    problem = free_text_problem(text)
    if problem is not None:
        raise RowRefused(column, problem, "invalid_text")
    return text.strip()


def cell_text(value: CellValue, column: str) -> str:
    """A cell as text; formulas (and text a spreadsheet would run as one) are refused, whole
    numbers lose Excel's trailing ".0"."""
    if isinstance(value, Formula):
        raise RowRefused(column, _("This cell holds a formula; enter the value itself."), "formula")
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, str):
        return checked_text(value, column)
    return str(value).strip()


def cell_int(value: CellValue, column: str, *, required: bool = True) -> int | None:
    text = cell_text(value, column).replace(",", "")
    if not text:
        if required:
            raise RowRefused(column, _("This cell is required."), "required")
        return None
    if not text.isdigit():
        raise RowRefused(column, _("Enter a whole number of zero or more."), "invalid_number")
    return int(text)


@dataclass
class Checked:
    valid: list[Any] = field(default_factory=list)  # items with a `row`
    errors: list[RowError] = field(default_factory=list)  # every problem, warnings included
    notes: list[str] = field(default_factory=list)
    header_row: int = 1

    def refused(self) -> set[int]:
        return {e.row for e in self.errors if e.refuses}


Records = Iterator[tuple[int, dict[str, CellValue]]]


class Importer(Protocol):
    kind: str
    title: str | Promise  # what the sheet is called (会员信息采集表), for "wrong kind of sheet"
    capability: Capability
    columns: list[Column]

    def prepare(self, job: ImportJob) -> None:
        """In the worker, before the file is read: refuse a job that cannot work (DomainError)
        and load from the database what the row checks need."""
        ...

    def check_rows(self, job: ImportJob, rows: Records, *, absent: set[str]) -> Iterator[Any]:
        """In the sandbox, without the database: each row checked on its own and against the
        file's other rows; yields a RowError per problem (every problem of the row, each with
        its column) and, unless one of them is an error, the item ready to write. `absent`
        holds the fields whose column the file lacks."""
        ...

    def notes(self, absent: set[str]) -> list[str]:
        """What the dry run says about the columns the file lacks."""
        ...

    def check_against_database(self, job: ImportJob, checked: Checked) -> Checked:
        """In the worker: the rows that the database refuses (already there, another
        organisation's) move from the valid rows to the errors."""
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


def _positions(importer: Importer, headers: list[str], overrides: dict[str, str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for column in importer.columns:
        names = [overrides.get(column.field, ""), column.label, *column.aliases]
        for name in names:
            if name and name in headers and name != PROBLEMS_HEADER:
                positions[column.field] = headers.index(name)
                break
    return positions


def _looks_like_header(
    importer: Importer, headers: list[str], overrides: dict[str, str], *, fully: bool = False
) -> bool:
    """A row naming one of the importer's required columns (`fully`: all of them)."""
    found = _positions(importer, headers, overrides)
    named = [c.field in found for c in importer.columns if c.required]
    return all(named) if fully else any(named)


def _other_kind(importer: Importer, rows: list[list[str]]) -> DomainError | None:
    """A sheet whose header row is another importer's (every one of its required columns)."""
    for kind in settings.IMPORTERS:
        other = importer_for(kind)
        if other.kind != importer.kind and any(
            _looks_like_header(other, r, {}, fully=True) for r in rows
        ):
            return DomainError(
                "wrong_kind_of_sheet",
                _(
                    "This file looks like a %(other)s, not a %(this)s: its header row has "
                    "the other sheet's columns. Upload it as that kind of import, or choose "
                    "the right file."
                )
                % {"other": other.title, "this": importer.title},
            )
    return None


def _no_header(importer: Importer, rows: list[list[str]], overrides: dict[str, str]) -> DomainError:
    """Why none of the first rows is the header: another kind of sheet, or no header at all."""
    wrong_kind = _other_kind(importer, rows)
    if wrong_kind is not None:
        return wrong_kind
    required = "、".join(c.label for c in importer.columns if c.required)
    first = "、".join(h for h in rows[0] if h)[:80]
    return DomainError(
        "no_header_row",
        _(
            "No header row found: none of the first %(n)s rows names the columns %(columns)s. "
            "Put the column names in one row above the data (the first row of the file reads "
            "“%(first)s”), or download the template."
        )
        % {"n": len(rows), "columns": required, "first": first},
    )


def _map_columns(
    importer: Importer, headers: list[str], overrides: dict[str, str]
) -> dict[str, int]:
    positions = _positions(importer, headers, overrides)
    missing = [c.label for c in importer.columns if c.required and c.field not in positions]
    if missing and (wrong_kind := _other_kind(importer, [headers])) is not None:
        raise wrong_kind
    if missing:
        raise DomainError(
            "missing_columns",
            _("The header row lacks these columns: %(columns)s.") % {"columns": "、".join(missing)},
        )
    return positions


def _records(
    sheet: Sheet, positions: dict[str, int], *, on_progress: Callable[[int], None]
) -> Records:
    for count, (number, cells) in enumerate(sheet.rows, start=1):
        record = {
            name: (cells[index] if index < len(cells) else None)
            for name, index in positions.items()
        }
        if count % PROGRESS_EVERY == 0:
            on_progress(count)
        yield number, record


@transaction.atomic
def start_import(
    *, actor: ScopeHolder, org: Any, kind: str, upload: UploadedFile[Any]
) -> ImportJob:
    """Store an uploaded spreadsheet and queue its check (imports.run and the importer's
    capability at `org`)."""
    importer = importer_for(kind)
    require(actor, "imports.run", org.path)
    require(actor, importer.capability, org.path)
    name = upload.name or "upload"
    suffix = Path(name).suffix.lower()
    upload.seek(0)
    if upload.read(len(CFB_SIGNATURE)) == CFB_SIGNATURE:
        raise unreadable(encrypted=True)
    upload.seek(0)
    if suffix == ".csv":
        if not upload.size:
            raise DomainError("empty_file", _("The file is empty."))
        if upload.size > MAX_BYTES:
            check_upload(upload, kinds=(XLSX,), max_bytes=MAX_BYTES)  # raises the size message
    else:
        check_upload(upload, kinds=(XLSX,), max_bytes=MAX_BYTES)
        suffix = ".xlsx"
    content_hash = _content_hash(upload)
    _refuse_imported_before(kind=kind, org=org, content_hash=content_hash)
    job = ImportJob(
        kind=kind,
        org=org,
        created_by_id=actor.pk,
        original_name=name[:200],
        content_hash=content_hash,
    )
    job.file.save(f"{uuid.uuid4().hex}{suffix}", upload, save=False)
    job.save()
    audit.record(
        actor=actor, action="core.import.uploaded", org=org, target=job, changes={"kind": kind}
    )
    from gonghui.core.tasks import check_import_job

    transaction.on_commit(lambda: check_import_job.enqueue(job.pk))
    return job


def _content_hash(upload: UploadedFile[Any]) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _refuse_imported_before(*, kind: str, org: Any, content_hash: str) -> None:
    """The very same file imported before into the same organisation: importing it again
    would at best add nothing, so say when it was imported and what to do instead."""
    earlier = (
        ImportJob.objects.filter(
            kind=kind, org=org, content_hash=content_hash, status=ImportJob.Status.DONE
        )
        .order_by("-finished_at")
        .first()
    )
    if earlier is None:
        return
    moment = timezone.localtime(earlier.finished_at or earlier.created_at)
    raise DomainError(
        "already_imported",
        _(
            "This very file was already imported on %(date)s (import no. %(id)s: "
            "%(valid)s rows imported, %(refused)s refused). It is not imported twice. To "
            "import the refused rows, download that import's annotated file, correct those "
            "rows and upload the corrected file."
        )
        % {
            "date": moment.strftime("%Y-%m-%d %H:%M"),
            "id": earlier.pk,
            "valid": f"{earlier.valid_rows:,}",
            "refused": f"{earlier.refused_rows:,}",
        },
    )


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
    # The annotated files hold the same personal data: kept a week for the clerk to correct
    # the refused rows, then deleted with the rest.
    for job in ImportJob.objects.filter(created_at__lt=cutoff).exclude(annotated=""):
        job.annotated.storage.delete(str(job.annotated.name))
        ImportJob.objects.filter(pk=job.pk).update(annotated="")
    return len(stale)


@transaction.atomic
def confirm_import(*, actor: ScopeHolder, job: ImportJob) -> ImportJob:
    """Import the valid rows of a checked file (the person who may start it may confirm it)."""
    importer = importer_for(job.kind)
    require(actor, "imports.run", job.org.path)
    require(actor, importer.capability, job.org.path)
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKED).update(
        status=ImportJob.Status.IMPORTING, checked_rows=0, heartbeat_at=None
    )
    if not updated:
        raise DomainError("not_checked", _("This file is not waiting for confirmation."))
    from gonghui.core.tasks import run_import_job

    transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
    job.refresh_from_db()
    return job


# --- running a job ------------------------------------------------------------------------------


def sandbox_limits() -> Limits:
    return Limits(
        memory_mb=settings.IMPORT_MEMORY_MB,
        cpu_seconds=settings.IMPORT_CPU_SECONDS,
        wall_seconds=settings.IMPORT_WALL_SECONDS,
    )


def _fail(job_id: int, status: str, message: str) -> None:
    """Fail a running job, unless it was given up meanwhile (it keeps that reason)."""
    ImportJob.objects.filter(pk=job_id, status=status).update(
        status=ImportJob.Status.FAILED, failure=message, finished_at=timezone.now()
    )


def _unexpected_message() -> str:
    return _(
        "The file could not be processed because of an error on our side. Nothing was "
        "imported; please try again or tell the platform operator."
    )


def _limit_message(exceeded: LimitExceeded) -> str:
    limits = exceeded.limits
    if exceeded.which == "memory":
        return _(
            "Reading the file needed more than %(limit)s MB of memory; split it into smaller files."
        ) % {"limit": limits.memory_mb}
    if exceeded.which == "cpu":
        return _(
            "Reading the file took more than %(limit)s seconds of processor time; split it "
            "into smaller files."
        ) % {"limit": limits.cpu_seconds}
    return _(
        "Reading the file took more than %(limit)s seconds; split it into smaller files or "
        "try again later."
    ) % {"limit": limits.wall_seconds}


def _interrupted_message() -> str:
    return _(
        "The server was stopped while it was processing this file; nothing was imported. "
        "Upload the file again."
    )


def _stalled_message() -> str:
    return _(
        "The server processing this file stopped responding; nothing was imported. Upload the "
        "file again."
    )


def _beat(job_id: int, status: str) -> bool:
    """Record that the job's worker is alive; False when the job was given up meanwhile."""
    return bool(
        ImportJob.objects.filter(pk=job_id, status=status).update(heartbeat_at=timezone.now())
    )


class _Heart:
    """Beats at most every HEARTBEAT_EVERY, with the progress when there is some."""

    def __init__(self, job_id: int, status: str) -> None:
        self.job_id, self.status = job_id, status
        self.last = timezone.now()

    def tick(self) -> bool:
        if timezone.now() - self.last < HEARTBEAT_EVERY:
            return True
        self.last = timezone.now()
        return _beat(self.job_id, self.status)

    def progress(self, message: dict[str, Any]) -> None:
        self.last = timezone.now()
        ImportJob.objects.filter(pk=self.job_id, status=self.status).update(
            checked_rows=int(message["progress"]), heartbeat_at=self.last
        )


def _save_items(handle: IO[bytes], items: Iterable[Any]) -> None:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == ITEM_BATCH:
            pickle.dump(batch, handle, protocol=pickle.HIGHEST_PROTOCOL)
            batch = []
    pickle.dump(batch, handle, protocol=pickle.HIGHEST_PROTOCOL)
    handle.flush()


def _load_items(handle: IO[bytes], checked: Checked) -> Checked:
    handle.seek(0)
    while True:
        try:
            batch = pickle.load(handle)  # noqa: S301 — written by our own child, just now
        except EOFError:
            return checked
        for item in batch:
            (checked.errors if isinstance(item, RowError) else checked.valid).append(item)


def _check(job: ImportJob, importer: Importer, status: str) -> Checked:
    """Every row of the file checked: read and checked row by row in the sandbox, then
    against the database here."""
    importer.prepare(job)
    path = Path(job.file.path)
    heart = _Heart(job.pk, status)
    # The checked rows come back through a file rather than the pipe: 300,000 of them would
    # otherwise sit in memory twice. It is unlinked at once and holds no more than the upload.
    with tempfile.TemporaryFile() as items:

        def work(send: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
            try:
                sheet = open_sheet(
                    path,
                    max_rows=MAX_ROWS,
                    is_header=lambda h: _looks_like_header(importer, h, job.column_map),
                )
            except NoHeaderRow as none:
                raise _no_header(importer, none.rows, job.column_map) from None
            positions = _map_columns(importer, sheet.headers, job.column_map)
            absent = {c.field for c in importer.columns if c.field not in positions}
            records = _records(sheet, positions, on_progress=lambda n: send({"progress": n}))
            _save_items(items, importer.check_rows(job, records, absent=absent))
            return {
                "notes": [str(note) for note in importer.notes(absent)],
                "header_row": sheet.header_row,
            }

        result, usage = run_in_child(
            work, limits=sandbox_limits(), on_message=heart.progress, on_tick=heart.tick
        )
        checked = _load_items(
            items, Checked(notes=result["notes"], header_row=int(result["header_row"]))
        )
    logger.info(
        "import job %s: %s rows read in %.1f s (%.1f s CPU, peak %.0f MB)",
        job.pk,
        len(checked.valid) + len(checked.refused()),
        usage.seconds,
        usage.cpu_seconds,
        usage.peak_rss_mb,
    )
    final = importer.check_against_database(job, checked)
    final.notes, final.header_row = checked.notes, checked.header_row
    # By row, and within a row in the order of the columns.
    order = {column.label: index for index, column in enumerate(importer.columns)}
    final.errors.sort(key=lambda error: (error.row, order.get(error.column, len(order))))
    return final


def _figures(checked: Checked) -> dict[str, Any]:
    """The job's counts: rows that import, with warnings, refused (and by reason)."""
    refused = checked.refused()
    valid_rows = {item.row for item in checked.valid}
    codes_of: dict[int, set[str]] = {}
    warned: set[int] = set()
    errors = 0
    for problem in checked.errors:
        if problem.refuses:
            errors += 1
            codes_of.setdefault(problem.row, set()).add(problem.code)
        elif problem.row in valid_rows:
            warned.add(problem.row)
    reasons: Counter[str] = Counter()
    for codes in codes_of.values():
        reasons.update(codes)
    return {
        "total_rows": len(valid_rows) + len(refused),
        "valid_rows": len(checked.valid),
        "refused_rows": len(refused),
        "warned_rows": len(warned),
        "error_count": errors,
        "warning_count": len(checked.errors) - errors,
        "reasons": dict(reasons.most_common()),
    }


def _store_problems(job_id: int, problems: list[RowError]) -> None:
    """Every problem, in batches (a file may have hundreds of thousands)."""
    ImportProblem.objects.filter(job_id=job_id).delete()
    for start in range(0, len(problems), PROBLEM_BATCH):
        ImportProblem.objects.bulk_create(
            [
                ImportProblem(
                    job_id=job_id,
                    row=p.row,
                    column=p.column[:60],
                    kind=p.kind,
                    code=p.code[:40],
                    message=p.message,
                )
                for p in problems[start : start + PROBLEM_BATCH]
            ]
        )


def problem_text(problems: Iterable[RowError]) -> str:
    """A row's problems as the annotated file's 问题 cell says them, one a line."""
    lines = []
    for problem in problems:
        kind = _("Error") if problem.refuses else _("Warning")
        where = f"{problem.column}：" if problem.column else ""
        lines.append(f"【{kind}】{where}{problem.message}")
    return "\n".join(lines)


def _annotate(job: ImportJob, checked: Checked) -> None:
    """Write the file back with a 问题 column (in the sandbox: it reads the upload again).
    Nothing to annotate, or a file that cannot be written, leaves the job without one."""
    old = job.annotated.name if job.annotated else ""
    if not checked.errors:
        ImportJob.objects.filter(pk=job.pk).update(annotated="")
        if old:
            job.annotated.storage.delete(old)
        return
    by_row: dict[int, list[RowError]] = {}
    for problem in checked.errors:
        by_row.setdefault(problem.row, []).append(problem)
    notes = {
        row: (any(p.refuses for p in problems), problem_text(problems))
        for row, problems in by_row.items()
    }
    name = f"imports/{uuid.uuid4().hex}-annotated.xlsx"
    storage = job.file.storage
    target = Path(storage.path(name))
    target.parent.mkdir(parents=True, exist_ok=True)
    source = Path(job.file.path)

    def work(send: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        annotated_workbook(source, target, header_row=checked.header_row, notes=notes)
        return {}

    try:
        run_in_child(work, limits=sandbox_limits())
    except (DomainError, LimitExceeded, ChildFailedError):
        logger.warning("import job %s: the annotated file could not be written", job.pk)
        storage.delete(name)
        return
    ImportJob.objects.filter(pk=job.pk).update(annotated=name)
    if old:
        storage.delete(old)


def _run(job: ImportJob, status: str, body: Callable[[], None]) -> None:
    """Run a job's body, turning every way it can end into the job's state: a refusal or a
    limit fails it with its message, a stopped worker with a message saying so (and the
    worker then stops), anything else with a generic message (re-raised for the log)."""
    try:
        body()
    except DomainError as error:
        _fail(job.pk, status, str(error.message))
    except LimitExceeded as exceeded:
        _fail(job.pk, status, _limit_message(exceeded))
    except Interrupted as interrupted:
        _fail(job.pk, status, _interrupted_message())
        _discard_file(job)
        redeliver(interrupted)
        return
    except ChildFailedError:
        _fail(job.pk, status, _unexpected_message())  # the sandbox logged the traceback
    except Exception:
        _fail(job.pk, status, _unexpected_message())
        _discard_file(job)
        raise
    job.refresh_from_db()
    if job.status in {ImportJob.Status.DONE, ImportJob.Status.FAILED}:
        _discard_file(job)


def check_job(job_id: int) -> ImportJob:
    """The dry run: every row checked, nothing written but the job."""
    fail_stalled_jobs()
    job = ImportJob.objects.select_related("org", "created_by").get(pk=job_id)
    if not _beat(job.pk, ImportJob.Status.CHECKING):
        return job  # cancelled, or given up as stalled
    importer = importer_for(job.kind)

    def body() -> None:
        checked = _check(job, importer, ImportJob.Status.CHECKING)
        if not _beat(job.pk, ImportJob.Status.CHECKING):
            return
        figures = _figures(checked)
        _store_problems(job.pk, checked.errors)
        _annotate(job, checked)
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKING).update(
            status=ImportJob.Status.CHECKED,
            checked_rows=figures["total_rows"],
            summary={"notes": checked.notes} if checked.notes else {},
            **figures,
        )

    _run(job, ImportJob.Status.CHECKING, body)
    job.refresh_from_db()
    return job


class _GivenUp(Exception):  # noqa: N818 — rolls the write back
    pass


def run_job(job_id: int) -> ImportJob:
    """Check the file again (it is the source of truth) and write every valid row at once."""
    fail_stalled_jobs()
    job = ImportJob.objects.select_related("org", "created_by").get(pk=job_id)
    if not _beat(job.pk, ImportJob.Status.IMPORTING):
        return job
    importer = importer_for(job.kind)

    def body() -> None:
        checked = _check(job, importer, ImportJob.Status.IMPORTING)
        if not _beat(job.pk, ImportJob.Status.IMPORTING):
            return
        try:
            with transaction.atomic():
                summary = importer.write(job, checked.valid)
                figures = _figures(checked)
                _store_problems(job.pk, checked.errors)
                notes = {"notes": checked.notes} if checked.notes else {}
                done = ImportJob.objects.filter(
                    pk=job.pk, status=ImportJob.Status.IMPORTING
                ).update(
                    status=ImportJob.Status.DONE,
                    summary={**summary, **notes},
                    finished_at=timezone.now(),
                    **figures,
                )
                if not done:
                    raise _GivenUp  # failed as stalled meanwhile: the staff were told so
                audit.record(
                    actor=job.created_by,
                    action="core.import.completed",
                    org=job.org,
                    target=job,
                    changes=summary,
                )
        except _GivenUp:
            return
        _annotate(job, checked)

    _run(job, ImportJob.Status.IMPORTING, body)
    job.refresh_from_db()
    return job


def fail_stalled_jobs(*, now: datetime | None = None) -> int:
    """Fail the jobs whose worker died (killed, out of memory, machine lost): a running job
    beats its heartbeat every few seconds, so one silent for settings.IMPORT_STALLED_MINUTES
    is dead. Run by every import task, by `gonghui worker` as it starts, and by
    `gonghui fail_stalled_imports` from a scheduler."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.IMPORT_STALLED_MINUTES)
    stalled = ImportJob.objects.filter(status__in=RUNNING, heartbeat_at__lt=cutoff)
    failed = 0
    for job in stalled.select_related("org"):
        given_up = ImportJob.objects.filter(
            pk=job.pk, status=job.status, heartbeat_at__lt=cutoff
        ).update(status=ImportJob.Status.FAILED, failure=_stalled_message(), finished_at=now)
        if given_up:
            failed += 1
            _discard_file(job)
            audit.record(
                actor=None,
                action="core.import.stalled",
                org=job.org,
                target=job,
                changes={"status": job.status},
            )
    return failed


@transaction.atomic
def cancel_import(*, actor: ScopeHolder, job: ImportJob) -> ImportJob:
    """Drop a file that is being checked or waits for confirmation, without importing it (a
    check under way stops at its next heartbeat); an import already writing cannot be
    cancelled (`not_cancellable`)."""
    require(actor, "imports.run", job.org.path)
    cancelled = ImportJob.objects.filter(
        pk=job.pk, status__in=[ImportJob.Status.CHECKING, ImportJob.Status.CHECKED]
    ).update(status=ImportJob.Status.CANCELLED, finished_at=timezone.now())
    if not cancelled:
        raise DomainError(
            "not_cancellable",
            _("Only a file being checked or waiting for confirmation can be cancelled."),
        )
    audit.record(actor=actor, action="core.import.cancelled", org=job.org, target=job)
    transaction.on_commit(lambda: _discard_file(job))
    job.refresh_from_db()
    return job


def list_problems(job: ImportJob, *, kind: str = "", column: str = "", code: str = "") -> Any:
    """The job's problems by row (a job from get_job_for), filtered by kind, column or code
    (a NUL, which PostgreSQL refuses in text, matches nothing anyway and is dropped)."""
    column, code = column.replace("\x00", ""), code.replace("\x00", "")
    problems = ImportProblem.objects.filter(job=job)
    if kind:
        problems = problems.filter(kind=kind)
    if column:
        problems = problems.filter(column=column)
    if code:
        problems = problems.filter(code=code)
    return problems.order_by("row", "pk")


def problem_columns(job: ImportJob) -> list[str]:
    """The columns the job's problems name, in the importer's order (for the filter)."""
    labels = [c.label for c in importer_for(job.kind).columns]
    found = set(ImportProblem.objects.filter(job=job).values_list("column", flat=True).distinct())
    return [label for label in labels if label in found] + sorted(found - set(labels) - {""})


@transaction.atomic
def download_annotated(*, actor: ScopeHolder, job: ImportJob) -> tuple[bytes, str]:
    """The annotated file of a job (from get_job_for) and its download name, audited: it holds
    the file's ID and mobile numbers in clear. NotFoundError when there is none (no problems,
    or deleted after a week)."""
    importer = importer_for(job.kind)
    require(actor, "imports.run", job.org.path)
    require(actor, importer.capability, job.org.path)
    if not job.annotated:
        raise NotFoundError(
            "no_annotated_file",
            _("This import has no annotated file: it had no problems, or the file was deleted."),
        )
    with job.annotated.open("rb") as handle:
        content = handle.read()
    audit.record(actor=actor, action="core.import.annotated_downloaded", org=job.org, target=job)
    stem = Path(job.original_name).stem or "import"
    return content, f"{stem}-问题.xlsx"


def get_job_for(user: Viewer, job_id: int | str) -> ImportJob:
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
    """An empty spreadsheet with the columns an importer reads, to fill in and upload;
    NotFoundError for a kind nobody imports (the template's address names it)."""
    if kind not in settings.IMPORTERS:
        raise NotFoundError("unknown_import", _("Unknown kind of import."))
    importer = importer_for(kind)
    return template_workbook([c.label for c in importer.columns], sheet_name=kind)
