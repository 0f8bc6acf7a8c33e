"""志愿服务记录: a project's certified hours in the columns volunteer registries ask for — name,
ID number, project, organiser, date, site, hours, certifier. Names and ID numbers are masked
unless the registry needs them in full, which takes members.export_personal and is audited."""

import io

from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.core import audit
from gonghui.core.personal import mask_id_number, mask_name
from gonghui.core.scoping import require
from gonghui.core.text import spreadsheet_text
from gonghui.members.models import Member
from gonghui.volunteers.certificates import hours_text
from gonghui.volunteers.models import Project
from gonghui.volunteers.queries import attendance_of, list_shifts

# The registries' own column names (Chinese whatever the staff's language).
HEADERS = [
    ("序号", 6),
    ("姓名", 10),
    ("身份证号", 22),
    ("服务项目", 24),
    ("组织单位", 28),
    ("服务日期", 12),
    ("服务地点", 20),
    ("服务时长（小时）", 14),
    ("记录人/证明人", 12),
]


def records_workbook(*, actor: User, project: Project, unmasked: bool = False) -> bytes:
    """The certified records of the project's shifts as .xlsx; the caller fetched the project
    with volunteers.manage. Unmasked needs members.export_personal at the organiser."""
    import xlsxwriter

    if unmasked:
        require(actor, "members.export_personal", project.org.path)
    lines = []
    for shift in list_shifts(project):
        for entry in attendance_of(shift):
            if entry.row is not None and entry.row.certified:
                lines.append((shift, entry.member.pk, entry.row))
    people = {
        m.pk: m for m in Member.objects.filter(pk__in={member_id for _s, member_id, _r in lines})
    }
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2"})
    sheet = workbook.add_worksheet("志愿服务记录")
    for column, (header, width) in enumerate(HEADERS):
        sheet.set_column(column, column, width)
        sheet.write_string(0, column, header, bold)
    for index, (shift, member_id, row) in enumerate(lines, 1):
        person = people[member_id]
        name = person.name if unmasked else mask_name(person.name)
        id_number = str(person.id_number or "")
        cells = [
            str(index),
            name,
            id_number if unmasked else mask_id_number(id_number),
            project.title,
            project.org.name,
            f"{row.day:%Y-%m-%d}",
            shift.site.name,
            hours_text(row.minutes),
            row.certifier,
        ]
        for column, value in enumerate(cells):
            sheet.write_string(index, column, spreadsheet_text(value))
    sheet.freeze_panes(1, 0)
    workbook.close()
    if unmasked:
        audit.record(
            actor=actor,
            action="volunteers.export.unmasked",
            org=project.org,
            target=project,
            changes={"count": len(lines), "at": timezone.now().isoformat()},
        )
    return buffer.getvalue()
