"""The visits workbook: per station for a period, and per station and day."""

import io

from django.utils.translation import gettext as _

from gonghui.core.periods import Period
from gonghui.core.text import spreadsheet_text
from gonghui.stations.models import Station
from gonghui.stations.queries import StationFigures, daily_rows


def visits_workbook(figures: list[StationFigures], period: Period) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2"})
    period_text = f"{period.start:%Y-%m-%d} – {period.end:%Y-%m-%d}"

    sheet = workbook.add_worksheet(_("Visits by station")[:31])
    sheet.write_string(0, 0, _("Period: %(period)s") % {"period": period_text})
    headers = [
        (_("Station"), 30),
        (_("District"), 10),
        (_("Street or town"), 12),
        (_("Address"), 36),
        (_("Operated by"), 30),
        (_("Active"), 8),
        (_("Visits"), 10),
        (_("Visitors"), 10),
    ]
    for column, (header, width) in enumerate(headers):
        sheet.set_column(column, column, width)
        sheet.write_string(2, column, header, bold)
    yes, no = _("yes"), _("no")
    row = 3
    for row, item in enumerate(figures, 3):
        station = item.station
        for column, value in enumerate(
            [
                station.name,
                station.district,
                station.street,
                station.address,
                station.org.name,
                yes if station.is_active else no,
            ]
        ):
            sheet.write_string(row, column, spreadsheet_text(value))
        sheet.write_number(row, 6, item.visits)
        sheet.write_number(row, 7, item.visitors)
    if figures:
        sheet.write_string(row + 1, 0, _("Total"), bold)
        sheet.write_number(row + 1, 6, sum(item.visits for item in figures), bold)
    sheet.freeze_panes(3, 0)

    stations: dict[int, Station] = {item.station.checkpoint_id: item.station for item in figures}
    daily = workbook.add_worksheet(_("Visits by day")[:31])
    for column, (header, width) in enumerate(
        [(_("Day"), 12), (_("Station"), 30), (_("Street or town"), 12), (_("Visits"), 10)]
    ):
        daily.set_column(column, column, width)
        daily.write_string(0, column, header, bold)
    for index, (checkpoint_id, day, visits) in enumerate(
        daily_rows(list(stations.values()), period), 1
    ):
        station = stations[checkpoint_id]
        daily.write_string(index, 0, f"{day:%Y-%m-%d}")
        daily.write_string(index, 1, spreadsheet_text(station.name))
        daily.write_string(index, 2, spreadsheet_text(station.street))
        daily.write_number(index, 3, visits)
    daily.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()
