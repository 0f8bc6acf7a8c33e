"""Exporting the members in scope to .xlsx, in the shape of the roster (会员信息采集表).

The file is written row by row (xlsxwriter's constant_memory mode, members read in chunks), so
memory stays flat for any number of members. ID and mobile numbers are masked unless the user
holds members.export_personal, and every unmasked export is audited. Text that a spreadsheet
would run as a formula is written as a string with a leading apostrophe.
"""

import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.core.files import File
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gonghui.accounts.models import AnyUser, User
from gonghui.core import audit
from gonghui.core.capabilities import Capability
from gonghui.core.errors import DomainError
from gonghui.core.personal import mask_id_number, mask_mobile
from gonghui.core.text import spreadsheet_text
from gonghui.members.choices import ETHNICITY_NAMES
from gonghui.members.models import MemberExport
from gonghui.members.queries import MemberFilters, members_for_export
from gonghui.orgs.models import Org
from gonghui.orgs.queries import scope_of

UNMASKED_CAPABILITY: Capability = "members.export_personal"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The roster's words for the stored values: the file is a 会员信息采集表 in Chinese whatever the
# interface language, and these are exactly the words the importer reads back.
CHINESE_NAMES: dict[str, dict[str, str]] = {
    "gender": {"M": "男", "F": "女"},
    "job_type": {
        "courier": "快递员",
        "rider": "外卖骑手",
        "ride_hailing": "网约车司机",
        "truck": "货车司机",
        "domestic": "家政服务员",
        "content": "网络内容从业者",
        "employee": "企业职工",
        "other": "其他",
    },
    "education": {
        "graduate": "研究生",
        "bachelor": "大学本科",
        "college": "大专",
        "vocational": "中专",
        "high_school": "高中",
        "middle_school": "初中及以下",
    },
    "political_status": {
        "cpc": "中共党员",
        "cpc_probationary": "中共预备党员",
        "league": "共青团员",
        "democratic": "民主党派",
        "non_partisan": "无党派人士",
        "masses": "群众",
    },
    "status": {
        "active": "正常",
        "transferred_out": "已转出",
        "lapsed": "已失效",
        "withdrawn": "已退会",
        "deceased": "已故",
    },
}
HEADERS = [
    ("会员编号", 16),
    ("姓名", 10),
    ("性别", 6),
    ("民族", 10),
    ("身份证号", 22),
    ("手机号", 14),
    ("工作单位", 28),
    ("岗位类型", 14),
    ("学历", 12),
    ("政治面貌", 14),
    ("所属工会", 28),
    ("入会时间", 12),
    ("状态", 8),
]
ID_COLUMN, MOBILE_COLUMN, JOINED_COLUMN = 4, 5, 11


def may_export_unmasked(user: AnyUser) -> bool:
    """Whether the user holds members.export_personal anywhere."""
    paths = scope_of(user, UNMASKED_CAPABILITY)
    return paths is None or bool(paths)


@dataclass(frozen=True)
class Export:
    file: IO[bytes]  # positioned at the start; closing it deletes it
    count: int


def export_members(
    *, actor: User, filters: MemberFilters, within: Org | None, unmasked: bool = False
) -> Export:
    """The members the actor sees (members.view, or members.export_personal when unmasked)
    that match the filters, as an .xlsx file. An unmasked export is audited with its count."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 — handed to the response, which closes it
    count = write_members(handle, actor=actor, filters=filters, within=within, unmasked=unmasked)
    handle.seek(0)
    return Export(handle, count)


def write_members(
    target: IO[bytes] | str,
    *,
    actor: User,
    filters: MemberFilters,
    within: Org | None,
    unmasked: bool,
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the members list to `target` (a file or a path); `on_progress(done, total)`
    every PROGRESS_EVERY members. Returns the count; an unmasked export is audited."""
    import xlsxwriter

    capability = UNMASKED_CAPABILITY if unmasked else "members.view"
    members = members_for_export(actor, capability, filters=filters, within=within)
    total = members.count() if on_progress is not None else 0
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
    sheet = workbook.add_worksheet("会员信息")
    text = workbook.add_format({"num_format": "@"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2"})
    for index, (_header, width) in enumerate(HEADERS):
        column_format = day if index == JOINED_COLUMN else text
        sheet.set_column(index, index, width, column_format)
    sheet.write_row(0, 0, [header for header, _width in HEADERS], bold)
    sheet.freeze_panes(1, 0)
    names = CHINESE_NAMES
    count = 0
    for count, member in enumerate(members.iterator(chunk_size=2_000), start=1):
        id_number, mobile = str(member.id_number), str(member.mobile)
        if not unmasked:
            id_number, mobile = mask_id_number(id_number), mask_mobile(mobile)
        job = names["job_type"].get(member.job_type, member.job_type)
        cells = [
            member.number,
            member.name,
            names["gender"].get(member.gender, member.gender),
            ETHNICITY_NAMES.get(member.ethnicity, member.ethnicity),
            id_number,
            mobile,
            member.employer_name,
            member.job_type_text or job,  # the roster's own words when none matched
            names["education"].get(member.education, member.education),
            names["political_status"].get(member.political_status, member.political_status),
            member.org.name,
            None,
            names["status"].get(member.status, member.status),
        ]
        for column, value in enumerate(cells):
            if value:  # an unknown value (a roster without the column) stays empty
                sheet.write_string(count, column, spreadsheet_text(str(value)), text)
        sheet.write_datetime(count, JOINED_COLUMN, member.joined_on, day)
        if on_progress is not None and count % PROGRESS_EVERY == 0:
            on_progress(count, total)
    workbook.close()
    if unmasked:
        audit.record(
            actor=actor,
            action="members.export.unmasked",
            org=within,
            changes={
                "count": count,
                "status": filters.status,
                "job_type": filters.job_type,
                "search": bool(filters.search),
            },
        )
    return count


# --- in the background ------------------------------------------------------------------------

PROGRESS_EVERY = 2_000
KEPT_FOR = timedelta(days=1)


def filters_to_json(filters: MemberFilters) -> dict[str, Any]:
    data = asdict(filters)
    for name in ("joined_from", "joined_to"):
        data[name] = data[name].isoformat() if data[name] else None
    return data


def filters_from_json(data: dict[str, Any]) -> MemberFilters:
    values = dict(data)
    for name in ("joined_from", "joined_to"):
        values[name] = date.fromisoformat(values[name]) if values.get(name) else None
    return MemberFilters(**values)


def export_file_name(export: MemberExport) -> str:
    day = timezone.localtime(export.created_at).date()
    return f"members-{day:%Y%m%d}{'-unmasked' if export.unmasked else ''}.xlsx"


def run_export(export_id: int) -> MemberExport:
    """Write a queued export, saving progress as it goes; with the requester's scope as it is
    now. A failure is recorded, not retried (the staff member asks again)."""
    export = MemberExport.objects.select_related("created_by", "within").get(pk=export_id)
    if export.status != MemberExport.Status.QUEUED:
        return export
    MemberExport.objects.filter(pk=export.pk).update(status=MemberExport.Status.RUNNING)

    def progress(done: int, total: int) -> None:
        MemberExport.objects.filter(pk=export.pk).update(done=done, total=total)

    try:
        with translation.override(export.language), tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "export.xlsx"
            count = write_members(
                str(path),
                actor=export.created_by,
                filters=filters_from_json(export.filters),
                within=export.within,
                unmasked=export.unmasked,
                on_progress=progress,
            )
            with path.open("rb") as written:
                export.file.save(export_file_name(export), File(written), save=False)
        MemberExport.objects.filter(pk=export.pk).update(
            status=MemberExport.Status.DONE,
            file=export.file.name,
            total=count,
            done=count,
            finished_at=timezone.now(),
        )
    except DomainError as error:
        _fail_export(export, str(error.message))
    except Exception:
        with translation.override(export.language):
            _fail_export(
                export, _("The file could not be written because of an error on our side.")
            )
        raise
    export.refresh_from_db()
    return export


def _fail_export(export: MemberExport, message: str) -> None:
    MemberExport.objects.filter(pk=export.pk).update(
        status=MemberExport.Status.FAILED, failure=message, finished_at=timezone.now()
    )


def discard_stale_exports(*, now: datetime | None = None) -> int:
    """Delete the files of exports older than a day: they hold personal data."""
    cutoff = (now or timezone.now()) - KEPT_FOR
    stale = list(MemberExport.objects.filter(created_at__lt=cutoff))
    for export in stale:
        if export.file:
            export.file.storage.delete(str(export.file.name))
    MemberExport.objects.filter(pk__in=[e.pk for e in stale]).delete()
    return len(stale)
