"""The participation-by-unit workbook of a study campaign."""

import io

from django.utils.translation import gettext as _

from gonghui.core.periods import Period
from gonghui.core.text import spreadsheet_text
from gonghui.learning.models import Campaign
from gonghui.learning.queries import UnitTable


def participation_workbook(campaign: Campaign, table: UnitTable, period: Period | None) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2"})
    sheet = workbook.add_worksheet(_("Participation by unit")[:31])
    sheet.write_string(0, 0, spreadsheet_text(campaign.title), bold)
    when = (
        f"{period.start:%Y-%m-%d} – {period.end:%Y-%m-%d}"
        if period
        else f"{campaign.starts_on:%Y-%m-%d} – {campaign.ends_on:%Y-%m-%d}"
    )
    sheet.write_string(1, 0, _("Period: %(period)s") % {"period": when})
    sheet.write_string(2, 0, spreadsheet_text(table.org.name))
    headers = [
        (_("Unit"), 36),
        (_("Participants"), 14),
        (_("Completed"), 14),
        (_("Completion rate"), 16),
    ]
    for column, (header, width) in enumerate(headers):
        sheet.set_column(column, column, width)
        sheet.write_string(4, column, header, bold)
    percent = workbook.add_format({"num_format": "0.0%"})
    row = 4
    for row, unit in enumerate(table.rows, 5):
        name = unit.name if not unit.is_self else _("%(org)s itself") % {"org": unit.name}
        sheet.write_string(row, 0, spreadsheet_text(name))
        sheet.write_number(row, 1, unit.participants)
        sheet.write_number(row, 2, unit.completed)
        if unit.participants:
            sheet.write_number(row, 3, unit.completed / unit.participants, percent)
    sheet.write_string(row + 1, 0, _("Total"), bold)
    sheet.write_number(row + 1, 1, table.participants, bold)
    sheet.write_number(row + 1, 2, table.completed, bold)
    sheet.freeze_panes(5, 0)
    workbook.close()
    return buffer.getvalue()
