"""The fast reader (a scan of the sheet XML, then python-calamine) gives what the careful
expat reader gives, and hands over to it whatever the scan cannot vouch for."""

from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook

from gonghui.core import spreadsheets
from gonghui.core.spreadsheets import CellValue, Formula


def workbook(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    for cells in rows:
        book.active.append(cells)
    book.save(path)
    return path


def as_careful(rows: list[tuple[int, list[CellValue]]]) -> list[tuple[int, list[CellValue]]]:
    """The fast reader's rows as the careful one gives them: whole floats as ints, dates as
    midnight datetimes, and no empty rows (the careful reader only sees written rows)."""

    def cell(value: CellValue) -> CellValue:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime(value.year, value.month, value.day)  # noqa: DTZ001 — Excel's
        return value

    return [(n, [cell(c) for c in cells]) for n, cells in rows if cells]


def test_the_fast_reader_reads_what_the_careful_reader_reads(tmp_path):
    path = workbook(
        tmp_path / "a.xlsx",
        [
            ["会员信息采集表"],
            [],
            ["姓名", "身份证号", "人数", "入会时间", "公式"],
            ["李小红", "110108199003070014", 12, date(2023, 5, 1), "=1+2"],
            ["王 大力", 1.10108e17, 3.5, "2023-05-01", '=A4&"<b>&amp;"'],
            [None, None, None, None, True],
        ],
    )
    scan = spreadsheets._scan_xlsx(path)
    assert scan.fast
    assert scan.formulas == {4: [(5, "=1+2")], 5: [(5, '=A4&"<b>&amp;"')]}
    fast = list(spreadsheets._fast_xlsx_rows(path))
    careful = list(spreadsheets._xlsx_rows(path))
    assert as_careful(fast) == careful
    assert fast[3] == (4, ["李小红", "110108199003070014", 12.0, date(2023, 5, 1), Formula("=1+2")])


def test_what_the_scan_cannot_vouch_for_goes_to_the_careful_reader(tmp_path):
    wide = workbook(tmp_path / "wide.xlsx", [["姓名", *[f"列{n}" for n in range(300)]]])
    assert not spreadsheets._scan_xlsx(wide).fast
    many = workbook(tmp_path / "many.xlsx", [["姓名"]])
    book = Workbook()
    book.active.cell(row=spreadsheets.MAX_SHEET_ROWS + 1, column=1, value="x")
    book.save(many)
    assert not spreadsheets._scan_xlsx(many).fast
    narrow = workbook(tmp_path / "narrow.xlsx", [["姓名", *[f"列{n}" for n in range(40)]]])
    assert spreadsheets._scan_xlsx(narrow).fast  # two-letter columns within the limit
