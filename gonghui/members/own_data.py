"""A worker's own personal data: everything the platform holds about them, by group (PIPL
arts. 44–45: the right to see and to copy one's personal data).

Each app that keeps rows about a worker declares its groups in its own `personal_data.py`
with `register(Section(...))`; `MembersConfig.ready()` imports every installed app's
`personal_data` module (`autodiscover_modules`), so members never imports the feature apps
that sit above it. A section names the foreign keys it reports (`covers`); a test fails when a
model holds a key to a member, an application or an account that no section covers and that
`NOT_ABOUT_THE_WORKER` does not explain.
"""

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, TYPE_CHECKING, Any

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone, translation

from gonghui.accounts.models import User
from gonghui.core import audit, ratelimits
from gonghui.core.personal import mask
from gonghui.core.text import spreadsheet_text
from gonghui.members.exports import XLSX_CONTENT_TYPE as XLSX_CONTENT_TYPE  # views read it here
from gonghui.members.models import Application, Member
from gonghui.members.queries import find_own_member

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

DOWNLOAD_LIMIT = "personal_data.download"


@dataclass(frozen=True)
class Personal:
    """A cell the page shows masked until the worker asks to see it (their own number)."""

    kind: str  # "mobile" or "id_number", as core.personal.mask knows them
    value: str

    @property
    def masked(self) -> str:
        return mask(self.kind, self.value)

    def __str__(self) -> str:
        return self.value


Cell = str | Personal


@dataclass(frozen=True)
class Person:
    """Whose data: the signed-in account, its membership (current or former) and every
    application recorded with the account's mobile number or the membership's ID number.

    `proven_application_ids` are the applications that are provably this worker's (linked to
    their membership or carrying its ID number). One matched by the mobile number alone may
    have been typed by a stranger who used this worker's phone number, so its name and ID
    number stay masked, on the page and in the download."""

    user: User
    member: Member | None
    application_ids: tuple[int, ...]
    proven_application_ids: frozenset[int] = frozenset()

    @property
    def applications(self) -> "QuerySet[Application]":
        return (
            Application.objects.filter(pk__in=self.application_ids)
            .select_related("org", "event", "enterprise")
            .order_by("submitted_at", "pk")
        )


@dataclass(frozen=True)
class Section:
    key: str  # the JSON key and the order of sheets; ascii
    title: "_StrOrPromise"
    columns: "tuple[_StrOrPromise, ...]"
    rows: Callable[[Person], list[tuple[Cell, ...]]]
    # The foreign keys ("app_label.Model.field") whose rows this section reports.
    covers: tuple[str, ...] = ()
    order: int = 100


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    columns: list[str]
    rows: list[tuple[Cell, ...]]


SECTIONS: dict[str, Section] = {}

# Keys to an account, a member or an application that hold no personal data of the worker:
# they name the staff member who did something, or belong to staff-only features.
NOT_ABOUT_THE_WORKER: dict[str, str] = {
    "admin.LogEntry.user": "Django admin history: operators only",
    "core.ImportJob.created_by": "the staff member who uploaded a file",
    "accounts.RoleGrant.user": "staff roles; workers hold none",
    "accounts.RoleGrant.granted_by": "the staff member who granted a role",
    "accounts.TotpDevice.user": "staff two-factor devices",
    "accounts.RecoveryCode.user": "staff two-factor recovery codes",
    "enterprises.FoundingStep.responsible": "staff responsible for a founding case",
    "enterprises.FoundingStep.recorded_by": "staff who recorded a founding step",
    "enterprises.FoundingDocument.uploaded_by": "staff who uploaded a founding document",
    "members.RecruitmentEvent.created_by": "staff who created a recruitment event",
    "members.Application.reviewed_by": "the reviewing staff member",
    "members.Transfer.requested_by": "who asked for a transfer (the member's transfers are "
    "reported through Transfer.member)",
    "members.Transfer.decided_by": "the deciding staff member",
    "checkins.CheckIn.recorded_by": "the staff member who scanned a card",
    "members.MemberExport.created_by": "the staff member who asked for a members export",
    "reviews.Call.created_by": "staff who opened a call",
    "reviews.Rubric.created_by": "staff who wrote a rubric version",
    "reviews.Submission.created_by": "the account that typed an entry: the author's own "
    "(reported through Submission.author) or staff entering a nomination",
    "reviews.Conflict.reviewer": "a juror's declared conflict of interest (jurors' work)",
    "reviews.Assignment.reviewer": "a juror's review to do (jurors' work)",
    "reviews.Assignment.assigned_by": "staff who assigned a review",
    "reviews.Ballot.quarantined_by": "staff who set a ballot aside",
    "events.Activity.created_by": "staff who created an activity",
    "events.ActivityPhoto.uploaded_by": "staff who uploaded a photo",
    "care.Campaign.created_by": "staff who created a care campaign",
    "care.Purchase.created_by": "staff who received goods into stock",
    "care.Shipment.created_by": "staff who sent a shipment",
    "care.Relief.handed_by": "the staff member who handed relief out",
    "care.Disclosure.published_by": "staff who published a 公示",
    "ledger.Entry.created_by": "the staff member who wrote a ledger entry",
    "ledger.PeriodClose.closed_by": "staff who closed a ledger period",
    "benefits.ServiceCategory.created_by": "staff who created a category",
    "benefits.Provider.created_by": "staff who created a provider",
    "benefits.ProviderAccount.user": "a provider's desk account, not a worker's",
    "benefits.ProviderAccount.created_by": "staff who created a provider account",
    "benefits.Service.created_by": "staff who created a service",
    "benefits.ServicePhoto.uploaded_by": "staff who uploaded a photo",
    "benefits.Offer.created_by": "staff who created an offer",
    "benefits.Claim.redeemed_by": "the provider's account that redeemed a claim",
    "stations.Station.created_by": "staff who created a station",
    "learning.Course.created_by": "staff who created a course",
    "learning.Campaign.created_by": "staff who created a study campaign",
    "dashboards.ExportJob.created_by": "staff who asked for a figures export",
    "volunteers.Certification.certified_by": "the leader who certified hours",
    "volunteers.Correction.requested_by": "who asked for a correction (the volunteer's "
    "corrections are reported through Correction.member)",
    "volunteers.Correction.decided_by": "the leader who decided a correction",
}


def register(section: Section) -> Section:
    """Declare a group of a worker's data (called at import of an app's personal_data.py)."""
    SECTIONS[section.key] = section
    return section


def covered_keys() -> set[str]:
    return {key for section in SECTIONS.values() for key in section.covers}


# --- reading ---------------------------------------------------------------------------------


def person_of(user: User) -> Person:
    """The signed-in worker as the subject of their data (no capability: their own rows)."""
    member = find_own_member(user)
    if member is not None and member.user_id not in (None, user.pk):
        member = None
    proven = Q(pk__in=[])
    if member is not None:
        proven |= Q(member=member)
        if member.id_number_hash:
            proven |= Q(id_number_hash=member.id_number_hash)
    matches = proven | Q(mobile_hash=user.mobile_hash) if user.mobile_hash else proven
    found = list(
        Application.objects.filter(matches)
        .annotate(proven=ExpressionWrapper(proven, output_field=BooleanField()))
        .order_by("pk")
        .values_list("pk", "proven")
    )
    ids = tuple(pk for pk, _proven in found)
    return Person(
        user=user,
        member=member,
        application_ids=ids,
        proven_application_ids=frozenset(pk for pk, is_proven in found if is_proven),
    )


def collect(person: Person) -> list[Group]:
    """Every group, in order, with its rows as text in the active language."""
    return [
        Group(
            key=section.key,
            title=str(section.title),
            columns=[str(column) for column in section.columns],
            rows=section.rows(person),
        )
        for section in sorted(SECTIONS.values(), key=lambda s: (s.order, s.key))
    ]


def for_screen(groups: Sequence[Group], *, show: bool) -> list[Group]:
    """The groups as the page shows them: ID and mobile numbers masked unless `show`."""

    def shown(cell: Cell) -> str:
        if isinstance(cell, Personal):
            return cell.value if show else cell.masked
        return cell

    return [
        Group(
            key=group.key,
            title=group.title,
            columns=group.columns,
            rows=[tuple(shown(cell) for cell in row) for row in group.rows],
        )
        for group in groups
    ]


def moment(value: datetime | None) -> str:
    """A moment as local time to the minute; "" when there is none."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def day(value: date | None) -> str:
    return value.isoformat() if value else ""


# --- downloading ------------------------------------------------------------------------------


def record_download(*, actor: User, person: Person, file_format: str) -> None:
    """Count a download against the worker's limit (a full copy is heavy to make) and audit
    it; the entry names the format, never any of the data."""
    ratelimits.take(DOWNLOAD_LIMIT, str(actor.pk))
    audit.record(
        actor=actor,
        action="members.personal_data.downloaded",
        org=person.member.org if person.member is not None else None,
        target=actor,
        changes={"format": file_format},
    )


def as_json(groups: Sequence[Group]) -> list[dict[str, Any]]:
    """Groups for the API: unmasked, as the worker's own copy."""
    return [
        {
            "key": group.key,
            "title": group.title,
            "columns": group.columns,
            "rows": [[str(cell) for cell in row] for row in group.rows],
        }
        for group in groups
    ]


def collect_in_chinese(person: Person) -> list[Group]:
    """The groups with Chinese titles, headers and values whatever the page's language: the
    file is a record the worker may hand to anyone, like the roster export."""
    with translation.override("zh-hans"):
        return collect(person)


def write_xlsx(groups: Sequence[Group]) -> IO[bytes]:
    """One sheet per group, Chinese headers, unmasked values (the worker's own), every cell a
    string escaped by `spreadsheet_text` so nothing in it runs as a formula."""
    import xlsxwriter

    handle = tempfile.TemporaryFile()  # noqa: SIM115 — handed to the response, which closes it
    workbook = xlsxwriter.Workbook(handle)
    text = workbook.add_format({"num_format": "@"})
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2"})
    for group in groups:
        # Sheet names: at most 31 characters and none of []:*?/\ (titles are ours).
        sheet = workbook.add_worksheet(group.title[:31])
        for column, header in enumerate(group.columns):
            sheet.set_column(column, column, max(12, len(header) * 2 + 2), text)
            sheet.write_string(0, column, spreadsheet_text(header), bold)
        sheet.freeze_panes(1, 0)
        for index, row in enumerate(group.rows, start=1):
            for column, cell in enumerate(row):
                sheet.write_string(index, column, spreadsheet_text(str(cell)), text)
    workbook.close()
    handle.seek(0)
    return handle
