"""Excel files of the dashboard: a one-sheet summary of a period, ready to send upward, and one
workbook per table (events, job types, membership over time, activities, figures by
organisation), written in the background with progress (ExportJob).

They hold figures and the names of events, activities and organisations, never personal
data, so no masking applies. Text that a spreadsheet would run as a formula is written with
a leading apostrophe.
"""

import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from django.core.files import File
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gonghui.core.errors import DomainError
from gonghui.core.periods import Period
from gonghui.core.text import spreadsheet_text
from gonghui.dashboards import figures
from gonghui.dashboards.models import ExportJob
from gonghui.events.models import Category
from gonghui.orgs.models import Org, OrgKind

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROGRESS_EVERY = 200
# Steps of a job before its rows are written (the queries behind the table).
QUERY_STEPS = 4


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _percent(compared: figures.Compared) -> str:
    percent = compared.percent
    return "—" if percent is None else f"{percent:+.1f}%"


@dataclass(frozen=True)
class SummaryRow:
    section: str
    label: str
    value: int | str
    previous: int | str = ""
    change: int | str = ""
    percent: str = ""


def _compared_row(section: str, label: str, compared: figures.Compared) -> SummaryRow:
    return SummaryRow(
        section, label, compared.value, compared.previous, compared.change, _percent(compared)
    )


def summary_rows(org: Org, period: Period) -> list[SummaryRow]:
    """Every headline figure of the dashboard, in the order the page shows them."""
    coverage = figures.coverage(org, period)
    recruitment = figures.recruitment(org, period)
    membership = figures.membership(org, period)
    activities = figures.activities(org, period)
    benefits = figures.benefits(org, period)
    volunteers = figures.volunteer_service(org, period)
    section = _("Coverage")
    rows = [
        _compared_row(section, _("Enterprises with an established union"), coverage.with_union),
        SummaryRow(section, _("Enterprises registered"), coverage.enterprises),
        SummaryRow(section, _("Enterprises without a union"), coverage.without_union),
        _compared_row(section, _("Workers covered"), coverage.workers_covered),
        SummaryRow(section, _("Employees of registered enterprises"), coverage.workers),
        SummaryRow(section, _("New-employment-form workers covered"), coverage.gig_workers_covered),
        _compared_row(section, _("Unions founded in the period"), coverage.unions_founded),
    ]
    rows += [
        SummaryRow(section, _("Founding cases: %(stage)s") % {"stage": s.label}, s.count)
        for s in coverage.cases_by_stage
    ]
    section = _("Recruitment")
    rows += [
        _compared_row(section, _("Recruitment events"), recruitment.events),
        _compared_row(section, _("Members joined through the events"), recruitment.recruited),
        _compared_row(section, _("Applications received"), recruitment.applications),
        _compared_row(section, _("Applications approved"), recruitment.approved),
        SummaryRow(
            section,
            _("Share in new forms of employment"),
            f"{100 * recruitment.gig_share:.1f}%",
        ),
    ]
    section = _("Membership")
    rows += [
        _compared_row(section, _("Members"), membership.members),
        _compared_row(section, _("Members joined"), membership.joined),
        _compared_row(section, _("Members left"), membership.left),
        _compared_row(section, _("Transferred in"), membership.transferred_in),
        _compared_row(section, _("Transferred out"), membership.transferred_out),
    ]
    section = _("Activities")
    rows += [
        _compared_row(section, _("Activities held"), activities.activities),
        _compared_row(section, _("Registrations made"), activities.registrations),
        _compared_row(section, _("Check-ins at activities"), activities.checkins),
    ]
    section = _("Benefits and stations")
    rows += [
        _compared_row(section, _("Benefits claimed"), benefits.claims),
        _compared_row(section, _("Benefits redeemed"), benefits.redemptions),
        _compared_row(section, _("Station visits"), benefits.station_visits),
    ]
    section = _("Volunteer service")
    rows += [
        _compared_row(section, _("Shift places taken"), volunteers.sign_ups),
        _compared_row(section, _("Reports for duty"), volunteers.reported),
        _compared_row(section, _("Service hours certified"), volunteers.hours),
    ]
    return rows


def _heading(org: Org, period: Period, title: str) -> list[str]:
    previous = period.previous()
    return [
        f"{org.name} · {title}",
        _("Period %(start)s to %(end)s, compared with %(previous_start)s to %(previous_end)s")
        % {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "previous_start": previous.start.isoformat(),
            "previous_end": previous.end.isoformat(),
        },
        _("Made on %(day)s; the figures cover the organisation and every unit below it.")
        % {"day": timezone.localdate().isoformat()},
    ]


class _Sheet:
    """One worksheet with a heading, a header row and rows of text or whole numbers."""

    def __init__(self, book: Any, name: str, heading: list[str], columns: list[tuple[str, int]]):
        self.sheet = book.add_worksheet(name[:31])
        self.bold = book.add_format({"bold": True})
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.number = book.add_format({"num_format": "#,##0"})
        for index, line in enumerate(heading):
            self.sheet.write_string(
                index, 0, spreadsheet_text(line), self.title if index == 0 else None
            )
        self.row = len(heading) + 1
        for column, (label, width) in enumerate(columns):
            self.sheet.set_column(column, column, width)
            self.sheet.write_string(self.row, column, label, self.bold)
        self.row += 1

    def add(self, values: list[Any]) -> None:
        for column, value in enumerate(values):
            if isinstance(value, bool):
                self.sheet.write_string(self.row, column, _("Yes") if value else _("No"))
            elif isinstance(value, int):
                self.sheet.write_number(self.row, column, value, self.number)
            else:
                self.sheet.write_string(self.row, column, spreadsheet_text(str(value)))
        self.row += 1


def summary_workbook(org: Org, period: Period) -> bytes:
    """The one-sheet summary of a period: every headline figure with the previous period."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = _Sheet(
        book,
        _("Summary"),
        _heading(org, period, _("Dashboard summary")),
        [
            (_("Section"), 16),
            (_("Figure"), 40),
            (_("This period"), 14),
            (_("Previous period"), 16),
            (_("Difference"), 12),
            (_("Difference in %"), 12),
        ],
    )
    for row in summary_rows(org, period):
        sheet.add([row.section, row.label, row.value, row.previous, row.change, row.percent])
    book.close()
    return buffer.getvalue()


# --- tables ----------------------------------------------------------------------------------

Rows = list[list[Any]]
Columns = list[tuple[str, int]]


def _events_table(org: Org, period: Period) -> tuple[Columns, Rows]:
    columns = [
        (_("Event"), 36),
        (_("Enterprise"), 30),
        (_("Place"), 24),
        (_("Starts"), 17),
        (_("Poster scans"), 12),
        (_("Applications"), 12),
        (_("Approved"), 10),
        (_("Waiting"), 10),
        (_("Rejected"), 10),
        (_("Peak per minute"), 14),
    ]
    rows = [
        [
            *(e.title, e.enterprise, e.place, _when(e.starts_at), e.scans, e.applications),
            *(e.approved, e.pending, e.rejected, e.peak_per_minute),
        ]
        for e in figures.event_rows(org, period, limit=None)
    ]
    return columns, rows


def _job_types_table(org: Org, period: Period) -> tuple[Columns, Rows]:
    columns = [(_("Job type"), 28), (_("New form of employment"), 22), (_("Members"), 12)]
    rows: Rows = [
        [row.label, row.is_gig, row.count] for row in figures.job_type_counts(org, period)
    ]
    return columns, rows


def _series_table(org: Org, period: Period) -> tuple[Columns, Rows]:
    tile = figures.membership(org, period)
    columns = [
        (_("Month") if tile.monthly else _("Day"), 12),
        (_("Members joined"), 10),
        (_("Members left"), 10),
        (_("Transferred in"), 14),
        (_("Transferred out"), 14),
    ]
    rows: Rows = [
        [
            bucket.strftime("%Y-%m") if tile.monthly else bucket.isoformat(),
            tile.joined_series[n],
            tile.left_series[n],
            tile.transferred_in_series[n],
            tile.transferred_out_series[n],
        ]
        for n, bucket in enumerate(tile.buckets)
    ]
    return columns, rows


def _activities_table(org: Org, period: Period) -> tuple[Columns, Rows]:
    categories = dict(Category.choices)
    columns = [
        (_("Activity"), 36),
        (_("Organiser"), 28),
        (_("Category"), 14),
        (_("Starts"), 17),
        (_("Places registered"), 16),
        (_("Checked in"), 12),
    ]
    rows: Rows = [
        [
            *(row.title, row.org, str(categories.get(row.category, row.category))),
            *(_when(row.starts_at), row.registered, row.checked_in),
        ]
        for row in figures.activity_rows(org, period, limit=None, largest_first=False)
    ]
    return columns, rows


def _orgs_table(org: Org, period: Period, on_step: Callable[[int], None]) -> tuple[Columns, Rows]:
    kinds = dict(OrgKind.choices)
    columns = [
        (_("Organisation"), 36),
        (_("Kind"), 18),
        (_("Enterprises with an established union"), 16),
        (_("Workers covered"), 14),
        (_("Members"), 12),
        (_("Members joined"), 10),
        (_("Members left"), 10),
        (_("Applications received"), 14),
        (_("Applications approved"), 14),
        (_("Activities held"), 12),
        (_("Check-ins at activities"), 14),
        (_("Station visits"), 12),
        (_("Benefits claimed"), 12),
        (_("Benefits redeemed"), 12),
    ]
    rows: Rows = []
    for row in figures.children_breakdown(org, period, on_step=on_step):
        name = (
            _("%(org)s (recorded at it directly)") % {"org": row.name} if row.is_self else row.name
        )
        rows.append(
            [
                *(name, str(kinds.get(row.kind, row.kind)), row.enterprises_with_union),
                *(row.workers_covered, row.members, row.joined, row.left, row.applications),
                *(row.approved, row.activities, row.activity_checkins, row.station_visits),
                *(row.claims, row.redemptions),
            ]
        )
    return columns, rows


def _table(
    kind: str, org: Org, period: Period, on_step: Callable[[int], None]
) -> tuple[Columns, Rows]:
    if kind == ExportJob.Kind.ORGS:
        return _orgs_table(org, period, on_step)
    builders = {
        ExportJob.Kind.EVENTS: _events_table,
        ExportJob.Kind.JOB_TYPES: _job_types_table,
        ExportJob.Kind.SERIES: _series_table,
        ExportJob.Kind.ACTIVITIES: _activities_table,
    }
    columns, rows = builders[ExportJob.Kind(kind)](org, period)
    on_step(QUERY_STEPS)
    return columns, rows


def write_table(
    kind: str, org: Org, period: Period, target: Any, *, on_progress: Callable[[int, int], None]
) -> int:
    """Write one table's workbook to `target` (a path or file); returns its number of rows.
    `on_progress(done, total)` is called after the queries and every PROGRESS_EVERY rows."""
    columns, rows = _table(kind, org, period, lambda n: on_progress(n, QUERY_STEPS + 1))
    total = QUERY_STEPS + len(rows)
    on_progress(QUERY_STEPS, total)
    book = xlsxwriter.Workbook(target, {"constant_memory": True})
    title = str(ExportJob.Kind(kind).label)
    sheet = _Sheet(book, title, _heading(org, period, title), columns)
    for number, values in enumerate(rows, start=1):
        sheet.add(values)
        if number % PROGRESS_EVERY == 0:
            on_progress(QUERY_STEPS + number, total)
    book.close()
    return len(rows)


def file_name(kind: str, org: Org, period: Period) -> str:
    return f"{kind}-{org.pk}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"


def run_job(job_id: int) -> ExportJob:
    """Write the job's workbook, saving progress as it goes; a failure is recorded, not
    retried (the staff member asks again)."""
    job = ExportJob.objects.select_related("org").get(pk=job_id)
    if job.status != ExportJob.Status.QUEUED:
        return job
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING)
    period = Period(job.period_start, job.period_end)

    def progress(done: int, total: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(done=done, total=total)

    try:
        with translation.override(job.language), tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "export.xlsx"
            rows = write_table(job.kind, job.org, period, str(path), on_progress=progress)
            with path.open("rb") as written:
                job.file.save(file_name(job.kind, job.org, period), File(written), save=False)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.DONE,
            file=job.file.name,
            rows=rows,
            done=F("total"),
            finished_at=timezone.now(),
        )
    except DomainError as error:
        _fail(job, str(error.message))
    except Exception:
        with translation.override(job.language):
            _fail(job, _("The file could not be written because of an error on our side."))
        raise
    job.refresh_from_db()
    return job


def _fail(job: ExportJob, message: str) -> None:
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.FAILED, failure=message, finished_at=timezone.now()
    )
