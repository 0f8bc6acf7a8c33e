"""Reading uploaded spreadsheets (.xlsx, and .csv in UTF-8 or GBK) row by row, within limits.

An uploaded file is never trusted: a 1.6 MB .xlsx can unpack to gigabytes of empty rows, hold
one cell of a gigabyte, claim a million rows in its `<dimension>`, or carry an XML entity bomb.
So the reader:

- inspects the zip's central directory (at most `MAX_PARTS` parts, each at most
  `MAX_PART_BYTES` and all together at most `MAX_UNPACKED_BYTES` unpacked) and counts the bytes
  it actually decompresses against the same limits, since a directory can lie;
- parses the XML itself with expat, streaming, refusing any DTD (so no entity can be declared,
  external or nested) and never reading `<dimension>`: rows are the `<row>` elements there are;
- counts every row, empty ones included, against `MAX_SHEET_ROWS` — a row number that jumps
  ahead counts the rows it skips — every cell of a row against `MAX_COLUMNS`, and the
  characters of a cell against `MAX_CELL_CHARS` while they arrive, so nothing over a limit is
  ever held whole in memory.

A file over a limit fails with a DomainError naming the limit; a file that is not a readable
spreadsheet (malformed, truncated, encrypted, an old .xls) with `unreadable_file`. Imports read
files only inside the sandbox (`core/sandbox.py`), whose operating-system limits catch what
these checks do not foresee.

Cell values come back as Excel holds them (a number stays a number) so that importers can
refuse, rather than guess at, an ID number that Excel turned into 1.10105E+17. A cell holding a
formula comes back as a `Formula`, never evaluated.
"""

import csv
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import NoReturn
from xml.parsers import expat

from django.utils.translation import gettext as _

from gonghui.core.errors import DomainError

MB = 1024 * 1024
# An .xlsx of 300,000 rows and a dozen columns unpacks to about 200 MB of sheet XML when its
# strings are inline (xlsxwriter's constant-memory files), far less with shared strings.
MAX_UNPACKED_BYTES = 320 * MB
MAX_PART_BYTES = 256 * MB
MAX_PARTS = 2_000
# Rows read, empty ones included (the data-row limit of the import pipeline is lower).
MAX_SHEET_ROWS = 320_000
MAX_COLUMNS = 256
MAX_CELL_CHARS = 32_767  # Excel's own limit on the length of a cell
READ_CHUNK = 64 * 1024

# An OLE compound file: a password-protected .xlsx, or an Excel 97–2003 .xls.
CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
RELATIONSHIP_ID = "http://schemas.openxmlformats.org/officeDocument/2006/relationships id"
CELL_REFERENCE = re.compile(r"([A-Z]{1,4})(\d*)")


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


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: how Excel names a column."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# --- the refusals ------------------------------------------------------------------------------


def unreadable(encrypted: bool = False) -> DomainError:
    if encrypted:
        return DomainError(
            "unreadable_file",
            _(
                "Unreadable file: it is encrypted (has a password) or is an old Excel 97–2003 "
                "(.xls) file. Save it as .xlsx without a password and upload it again."
            ),
        )
    return DomainError(
        "unreadable_file",
        _(
            "Unreadable file: it is damaged or not a spreadsheet. Open it in Excel or WPS, save "
            "it again as .xlsx and upload it again."
        ),
    )


def _unpacked_too_large() -> DomainError:
    return DomainError(
        "unpacked_too_large",
        _("The file unpacks to more than %(limit)s MB; split it into smaller files.")
        % {"limit": MAX_UNPACKED_BYTES // MB},
    )


def _part_too_large() -> DomainError:
    return DomainError(
        "unpacked_too_large",
        _("A part of the file unpacks to more than %(limit)s MB; split it into smaller files.")
        % {"limit": MAX_PART_BYTES // MB},
    )


def _too_many_rows() -> DomainError:
    return DomainError(
        "too_many_sheet_rows",
        _(
            "The sheet has more than %(limit)s rows (empty rows included); delete the empty "
            "rows or split the file."
        )
        % {"limit": f"{MAX_SHEET_ROWS:,}"},
    )


def _too_many_columns(row: int) -> DomainError:
    return DomainError(
        "too_many_columns",
        _("Row %(row)s has more than %(limit)s columns.") % {"row": row, "limit": MAX_COLUMNS},
    )


def _cell_too_long(row: int | None, column: int | None) -> DomainError:
    if row is None or column is None:
        return DomainError(
            "cell_too_long",
            _("A cell has more than %(limit)s characters.") % {"limit": f"{MAX_CELL_CHARS:,}"},
        )
    return DomainError(
        "cell_too_long",
        _("The cell in row %(row)s, column %(column)s has more than %(limit)s characters.")
        % {"row": row, "column": column_letter(column - 1), "limit": f"{MAX_CELL_CHARS:,}"},
    )


# --- the zip ------------------------------------------------------------------------------------


class _Archive:
    """An .xlsx's zip, whose parts are read only within the limits."""

    def __init__(self, path: Path) -> None:
        self.zip = zipfile.ZipFile(path)
        infos = self.zip.infolist()
        if len(infos) > MAX_PARTS:
            raise unreadable()
        for info in infos:
            if info.file_size > MAX_PART_BYTES:
                raise _part_too_large()
        if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
            raise _unpacked_too_large()
        self.names = {info.filename for info in infos}
        self.unpacked = 0

    def has(self, name: str) -> bool:
        return name in self.names

    def chunks(self, name: str) -> Iterator[bytes]:
        """The part's bytes as they are decompressed, counted against the limits."""
        part = 0
        with self.zip.open(name) as stream:
            while chunk := stream.read(READ_CHUNK):
                part += len(chunk)
                self.unpacked += len(chunk)
                if part > MAX_PART_BYTES:
                    raise _part_too_large()
                if self.unpacked > MAX_UNPACKED_BYTES:
                    raise _unpacked_too_large()
                yield chunk

    def close(self) -> None:
        self.zip.close()


def _refuse_dtd(*_args: object) -> NoReturn:
    # A spreadsheet's XML never has a DTD; one is an entity bomb or an external-entity probe.
    raise unreadable()


def _local(name: str) -> str:
    return name.rpartition(" ")[2]


class _XmlReader:
    """Feeds a part's bytes to expat; subclasses handle the elements they need."""

    def __init__(self) -> None:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartDoctypeDeclHandler = _refuse_dtd
        parser.EntityDeclHandler = _refuse_dtd
        parser.ExternalEntityRefHandler = _refuse_dtd
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.buffer_text = True
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text
        self.parser = parser

    def start(self, name: str, attributes: dict[str, str]) -> None:
        pass

    def end(self, name: str) -> None:
        pass

    def text(self, data: str) -> None:
        pass

    def feed(self, chunk: bytes) -> None:
        self.parser.Parse(chunk, False)

    def read(self, chunks: Iterator[bytes]) -> None:
        for chunk in chunks:
            self.feed(chunk)
        self.parser.Parse(b"", True)


class _Relationships(_XmlReader):
    def __init__(self) -> None:
        super().__init__()
        self.targets: dict[str, tuple[str, str]] = {}  # id → (type, target)

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if _local(name) == "Relationship":
            kind = attributes.get("Type", "").rpartition("/")[2]
            self.targets[attributes.get("Id", "")] = (kind, attributes.get("Target", ""))


class _Workbook(_XmlReader):
    def __init__(self) -> None:
        super().__init__()
        self.sheet_ids: list[str] = []
        self.date1904 = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = _local(name)
        if local == "sheet":
            self.sheet_ids.append(attributes.get(RELATIONSHIP_ID, ""))
        elif local == "workbookPr":
            self.date1904 = attributes.get("date1904", "").lower() in {"1", "true"}


class _Styles(_XmlReader):
    """Which cell styles show a number as a date."""

    def __init__(self) -> None:
        super().__init__()
        self.custom_formats: dict[int, str] = {}
        self.style_formats: list[int] = []
        self.in_cell_styles = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = _local(name)
        if local == "numFmt":
            self.custom_formats[int(attributes.get("numFmtId", "0"))] = attributes.get(
                "formatCode", ""
            )
        elif local == "cellXfs":
            self.in_cell_styles = True
        elif local == "xf" and self.in_cell_styles:
            self.style_formats.append(int(attributes.get("numFmtId", "0")))

    def end(self, name: str) -> None:
        if _local(name) == "cellXfs":
            self.in_cell_styles = False

    def date_styles(self) -> frozenset[int]:
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

        dates = set()
        for style, format_id in enumerate(self.style_formats):
            code = self.custom_formats.get(format_id) or BUILTIN_FORMATS.get(format_id)
            if code and is_date_format(code) and not is_timedelta_format(code):
                dates.add(style)
        return frozenset(dates)


class _CellText:
    """The characters of one cell or shared string, refused as soon as they are too many."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0

    def add(self, data: str, row: int | None, column: int | None) -> None:
        self.length += len(data)
        if self.length > MAX_CELL_CHARS:
            raise _cell_too_long(row, column)
        self.parts.append(data)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts.clear()
        self.length = 0
        return text


class _SharedStrings(_XmlReader):
    def __init__(self) -> None:
        super().__init__()
        self.strings: list[str] = []
        self.current = _CellText()
        self.in_text = False
        self.in_phonetic = False  # <rPh>: a reading aid (furigana), not part of the text

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = _local(name)
        if local == "t":
            self.in_text = True
        elif local == "rPh":
            self.in_phonetic = True

    def end(self, name: str) -> None:
        local = _local(name)
        if local == "t":
            self.in_text = False
        elif local == "rPh":
            self.in_phonetic = False
        elif local == "si":
            self.strings.append(self.current.take())

    def text(self, data: str) -> None:
        if self.in_text and not self.in_phonetic:
            self.current.add(data, None, None)


class _SheetRows(_XmlReader):
    """The rows of a worksheet as they stream past; `<dimension>` is never read."""

    def __init__(self, shared: list[str], date_styles: frozenset[int], epoch: datetime) -> None:
        super().__init__()
        self.shared = shared
        self.date_styles = date_styles
        self.epoch = epoch
        self.done: list[tuple[int, list[CellValue]]] = []
        self.row_number = 0
        self.cells: list[CellValue] = []
        self.cell_count = 0
        self.column = 0
        self.cell_type = "n"
        self.cell_style = 0
        self.value = _CellText()
        self.formula: _CellText | None = None
        self.capture: _CellText | None = None
        self.in_phonetic = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = _local(name)
        if local == "c":
            self._start_cell(attributes)
        elif local == "row":
            number = int(attributes.get("r") or 0)
            # Rows the file skips count too; a number that goes backwards is the next row.
            self.row_number = max(number, self.row_number + 1)
            if self.row_number > MAX_SHEET_ROWS:
                raise _too_many_rows()
            self.cells = []
            self.cell_count = 0
            self.column = 0
        elif local == "v" or (local == "t" and not self.in_phonetic):
            self.capture = self.value
        elif local == "f":
            self.formula = _CellText()
            self.capture = self.formula
        elif local == "rPh":
            self.in_phonetic = True

    def _start_cell(self, attributes: dict[str, str]) -> None:
        self.cell_count += 1
        if self.cell_count > MAX_COLUMNS:
            raise _too_many_columns(self.row_number)
        reference = attributes.get("r")
        column = self.column + 1
        if reference:
            match = CELL_REFERENCE.match(reference)
            if match is None:
                raise unreadable()
            column = 0
            for letter in match.group(1):
                column = column * 26 + ord(letter) - 64
        if column > MAX_COLUMNS:
            raise _too_many_columns(self.row_number)
        self.column = max(column, self.column + 1)
        self.cell_type = attributes.get("t", "n")
        self.cell_style = int(attributes.get("s") or 0)
        self.formula = None
        self.value.take()

    def end(self, name: str) -> None:
        local = _local(name)
        if local in ("v", "t", "f"):
            self.capture = None
        elif local == "rPh":
            self.in_phonetic = False
        elif local == "c":
            value = self._cell_value()
            if value is not None:
                if len(self.cells) < self.column:
                    self.cells.extend([None] * (self.column - len(self.cells)))
                self.cells[self.column - 1] = value
        elif local == "row":
            self.done.append((self.row_number, self.cells))

    def text(self, data: str) -> None:
        if self.capture is not None:
            self.capture.add(data, self.row_number, self.column)

    def _cell_value(self) -> CellValue:
        text = self.value.take()
        if self.formula is not None:
            return Formula("=" + self.formula.take())
        kind = self.cell_type
        if kind == "inlineStr" or kind == "str" or kind == "e":
            return text
        if not text:
            return None
        if kind == "s":
            return self.shared[int(text)]
        if kind == "b":
            return text == "1"
        if kind == "d":
            from openpyxl.utils.datetime import from_ISO8601

            parsed: datetime | date | time | timedelta = from_ISO8601(text)
            return parsed if isinstance(parsed, date) else str(parsed)
        number: int | float = float(text) if any(c in text for c in ".Ee") else int(text)
        if self.cell_style in self.date_styles:
            return self._date(number)
        return number

    def _date(self, number: int | float) -> CellValue:
        from openpyxl.utils.datetime import from_excel

        try:
            moment: datetime | time | timedelta = from_excel(number, self.epoch)
        except (OverflowError, ValueError):
            return number  # out of a date's range: the importer says what is wrong
        return moment if isinstance(moment, datetime) else str(moment)

    def rows(self, chunks: Iterator[bytes]) -> Iterator[tuple[int, list[CellValue]]]:
        for chunk in chunks:
            self.feed(chunk)
            yield from self.done
            self.done.clear()
        self.parser.Parse(b"", True)
        yield from self.done


def _part_path(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _relationships(archive: _Archive, part: str) -> dict[str, tuple[str, str]]:
    reader = _Relationships()
    path = _rels_path(part)
    if archive.has(path):
        reader.read(archive.chunks(path))
    return reader.targets


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[CellValue]]]:
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

    archive = _Archive(path)
    try:
        package = _relationships(archive, "")
        workbook_path = next(
            (_part_path("", t) for kind, t in package.values() if kind == "officeDocument"),
            "xl/workbook.xml",
        )
        workbook = _Workbook()
        workbook.read(archive.chunks(workbook_path))
        targets = _relationships(archive, workbook_path)
        sheets = [targets[i] for i in workbook.sheet_ids if i in targets]
        sheet_path = next(
            (_part_path(workbook_path, t) for kind, t in sheets if kind == "worksheet"), None
        )
        if sheet_path is None:
            raise unreadable()
        shared: list[str] = []
        date_styles: frozenset[int] = frozenset()
        for kind, target in targets.values():
            part = _part_path(workbook_path, target)
            if kind == "sharedStrings" and archive.has(part):
                strings = _SharedStrings()
                strings.read(archive.chunks(part))
                shared = strings.strings
            elif kind == "styles" and archive.has(part):
                styles = _Styles()
                styles.read(archive.chunks(part))
                date_styles = styles.date_styles()
        epoch = CALENDAR_MAC_1904 if workbook.date1904 else CALENDAR_WINDOWS_1900
        reader = _SheetRows(shared, date_styles, epoch)
        yield from reader.rows(archive.chunks(sheet_path))
    finally:
        archive.close()


# --- CSV ----------------------------------------------------------------------------------------


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
    raw = path.read_bytes()  # at most the 40 MB an upload may have
    if raw.startswith(CFB_SIGNATURE):
        raise unreadable(encrypted=True)
    if raw.startswith(ZIP_SIGNATURE):
        raise unreadable()
    reader = csv.reader(io.StringIO(_decode(raw)))
    number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise _cell_too_long(number + 1, None) from None
            raise unreadable() from None
        number += 1
        if number > MAX_SHEET_ROWS:
            raise _too_many_rows()
        if len(row) > MAX_COLUMNS:
            raise _too_many_columns(number)
        for column, cell in enumerate(row, start=1):
            if len(cell) > MAX_CELL_CHARS:
                raise _cell_too_long(number, column)
        yield number, [Formula(c) if c.startswith("=") else c for c in row]


# --- the sheet ----------------------------------------------------------------------------------

# What a damaged or hostile file makes the parsers raise; each means "unreadable file".
UNREADABLE_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    expat.ExpatError,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    KeyError,
    IndexError,
    RuntimeError,  # an encrypted zip part
    NotImplementedError,  # a compression method zipfile does not know
)


def _readable(rows: Iterator[tuple[int, list[CellValue]]]) -> Iterator[tuple[int, list[CellValue]]]:
    try:
        yield from rows
    except UNREADABLE_ERRORS:
        raise unreadable() from None


def _rows_of(path: Path) -> Iterator[tuple[int, list[CellValue]]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix != ".xlsx":
        raise DomainError(
            "unsupported_file_type", _("Upload an Excel file (.xlsx) or a CSV file (.csv).")
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(CFB_SIGNATURE):
        raise unreadable(encrypted=True)
    return _xlsx_rows(path)


def open_sheet(path: Path, *, max_rows: int) -> Sheet:
    """The first sheet's header row and a stream of its non-empty data rows (at most
    `max_rows` of them)."""
    rows = _readable(_rows_of(path))
    headers: list[str] | None = None
    for _number, cells in rows:
        if any(c not in (None, "") for c in cells):
            headers = [normalize_header(c.text if isinstance(c, Formula) else c) for c in cells]
            break
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
