"""Reading uploaded spreadsheets (.xlsx, and .csv in UTF-8 or GBK) row by row.

Rows stream from disk (openpyxl read-only mode), so memory stays flat however large the file;
a file with more rows than the limit is refused once the limit is passed, so time is bounded
too. Cell values come back as Excel holds them (a number stays a number) so that importers can
refuse, rather than guess at, an ID number that Excel turned into 1.10105E+17.
"""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.utils.translation import gettext as _

from gonghui.core.errors import DomainError


@dataclass(frozen=True)
class Formula:
    """A cell holding a formula: never evaluated, never imported."""

    text: str


CellValue = str | int | float | date | datetime | bool | Formula | None


@dataclass
class Sheet:
    headers: list[str]
    rows: Iterator[tuple[int, list[CellValue]]]  # (row number as Excel shows it, cells)


def normalize_header(text: object) -> str:
    """Header text without spaces, line breaks or required-field marks (*姓名 → 姓名)."""
    return re.sub(r"[\s*＊:：]", "", str(text or ""))


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[CellValue]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=False)
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(), start=1):
            cells: list[CellValue] = []
            for cell in row:
                value = cell.value
                if cell.data_type == "f" or (isinstance(value, str) and value.startswith("=")):
                    cells.append(Formula(str(value)))
                else:
                    cells.append(value)
            yield number, cells
    finally:
        workbook.close()


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError(
        "unreadable_csv", _("The CSV file is neither UTF-8 nor GBK text; save it again as UTF-8.")
    )


def _csv_rows(path: Path) -> Iterator[tuple[int, list[CellValue]]]:
    text = _decode(path.read_bytes())
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        yield number, [Formula(c) if c.startswith("=") else c for c in row]


def open_sheet(path: Path, *, max_rows: int) -> Sheet:
    """The first sheet's header row and a stream of its non-empty data rows."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        rows = _xlsx_rows(path)
    elif suffix == ".csv":
        rows = _csv_rows(path)
    else:
        raise DomainError(
            "unsupported_file_type", _("Upload an Excel file (.xlsx) or a CSV file (.csv).")
        )
    try:
        headers: list[str] | None = None
        for _number, cells in rows:
            if any(c not in (None, "") for c in cells):
                headers = [normalize_header(c.text if isinstance(c, Formula) else c) for c in cells]
                break
    except (OSError, ValueError, KeyError) as error:
        raise DomainError(
            "unreadable_file",
            _("The file cannot be read as a spreadsheet (%(error)s).")
            % {"error": type(error).__name__},
        ) from None
    if headers is None:
        raise DomainError("empty_file", _("The file has no rows."))
    return Sheet(headers=headers, rows=_limited(rows, max_rows))


def _limited(
    rows: Iterator[tuple[int, list[CellValue]]], max_rows: int
) -> Iterator[tuple[int, list[CellValue]]]:
    count = 0
    for number, cells in rows:
        if all(c in (None, "") for c in cells):
            continue
        count += 1
        if count > max_rows:
            raise DomainError(
                "too_many_rows",
                _("The file has more than %(max)s data rows; split it into smaller files.")
                % {"max": f"{max_rows:,}"},
            )
        yield number, cells


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: how Excel names a column."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def template_workbook(headers: list[str], *, sheet_name: str) -> bytes:
    """An .xlsx with the header row, every column formatted as text so that Excel keeps codes
    and ID numbers exactly as typed."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(sheet_name[:31])
    text = workbook.add_format({"num_format": "@"})
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "num_format": "@"})
    for index, header in enumerate(headers):
        sheet.set_column(index, index, max(12, len(header) * 2 + 2), text)
        sheet.write_string(0, index, header, bold)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()
