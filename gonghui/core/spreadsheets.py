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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, NoReturn
from xml.parsers import expat
from xml.sax.saxutils import unescape

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
    header_row: int = 1


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


def _first_sheet(archive: _Archive) -> tuple[str, str, _Workbook, dict[str, tuple[str, str]]]:
    """The workbook part, the first worksheet's part, the workbook and its relationships."""
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
    return workbook_path, sheet_path, workbook, targets


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[CellValue]]]:
    """The careful reader: expat, streaming, every limit counted as the bytes arrive."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

    archive = _Archive(path)
    try:
        workbook_path, sheet_path, workbook, targets = _first_sheet(archive)
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


# --- the fast path: python-calamine after a scan of the XML ---------------------------------------

# Worth a look in the raw XML before calamine reads it (it has no limits of its own and does not
# say which cells hold formulas): a DTD, namespace-prefixed elements (the careful reader knows
# them), a column beyond MAX_COLUMNS, every row's number, and the cells that start with <f>.
DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
PREFIXED = re.compile(rb"<[A-Za-z][\w.-]*:(?:row|c|sheetData)\b")
ROW_NUMBER = re.compile(rb'<row\b[^>]*?\br="(\d+)"')
TWO_LETTERS = re.compile(rb' r="[A-Z][A-Z]')  # cheap: a literal prefix; only then WIDE_CELL
WIDE_CELL = re.compile(rb'<c\b[^>]*?\br="(?:[J-Z][A-Z]|I[W-Z]|[A-Z]{3,})\d')
FORMULA_CELL = re.compile(
    rb'<c\b[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*>\s*<f\b[^>]*?(?:/>|>([^<]*)</f>)'
)
LONG_TEXT = re.compile(rb"[^<]{%d}" % (MAX_CELL_CHARS + 1))
# calamine holds the sheet as a dense grid; beyond this many cells the careful reader streams.
MAX_GRID_CELLS = 20_000_000
SCAN_CARRY = 1 * MB


@dataclass
class _Scan:
    fast: bool  # False: something the careful reader must look at (and refuse, or read)
    formulas: dict[int, list[tuple[int, str]]]  # row → (column from 1, formula) of its cells


def _letters_to_column(letters: bytes) -> int:
    column = 0
    for letter in letters:
        column = column * 26 + letter - 64
    return column


def _suspicious(chunks: Iterator[bytes]) -> bool:
    """A DTD, or a text longer than a cell may be (counted in bytes: the careful reader then
    counts the characters)."""
    carry = b""
    for chunk in chunks:
        data = carry + chunk
        cut = max(data.rfind(b"<"), 0)
        if DTD.search(data) or LONG_TEXT.search(data, 0, cut):
            return True
        carry = data[cut:]
        if len(carry) > MAX_CELL_CHARS:
            return True
    return False


def _scan_sheet(chunks: Iterator[bytes]) -> _Scan:
    formulas: dict[int, list[tuple[int, str]]] = {}
    slow = _Scan(fast=False, formulas={})
    carry = b""
    max_row = rows = 0

    def look(head: bytes) -> bool:
        nonlocal max_row, rows
        # (A long text in a cell is caught as calamine hands the cell over.)
        if DTD.search(head) or PREFIXED.search(head):
            return False
        if TWO_LETTERS.search(head) and WIDE_CELL.search(head):
            return False
        if b"<c>" in head:
            return False  # cells without references: the careful reader places them
        numbers = ROW_NUMBER.findall(head)
        if numbers:
            max_row = max(max_row, *(int(n) for n in numbers))
        rows += head.count(b"<row")
        if b"<f" in head:
            for letters, number, text in FORMULA_CELL.findall(head):
                formula = "=" + unescape(text.decode("utf-8", "replace"))
                formulas.setdefault(int(number), []).append((_letters_to_column(letters), formula))
        return True

    for chunk in chunks:
        data = carry + chunk
        cut = data.rfind(b"<c ")
        if cut < 0:
            cut = max(data.rfind(b"<"), 0)
        if len(data) - cut > SCAN_CARRY:
            return slow
        if not look(data[:cut]):
            return slow
        carry = data[cut:]
    if not look(carry):
        return slow
    if max(max_row, rows) > MAX_SHEET_ROWS or max(max_row, rows) * 26 > MAX_GRID_CELLS:
        return slow
    return _Scan(fast=True, formulas=formulas)


def _scan_xlsx(path: Path) -> _Scan:
    """One pass over the decompressed parts, within the archive's limits: whether calamine may
    read the file, and where the formula cells are."""
    archive = _Archive(path)
    scan = _Scan(fast=True, formulas={})
    try:
        _workbook_path, sheet_path, _workbook, _targets = _first_sheet(archive)
        for name in sorted(archive.names):
            if name == sheet_path:
                scan = _scan_sheet(archive.chunks(name))
                if not scan.fast:
                    return scan
            elif name.endswith((".xml", ".rels")) and _suspicious(archive.chunks(name)):
                return _Scan(fast=False, formulas={})
    finally:
        archive.close()
    return scan


def _calamine_value(value: object) -> CellValue:
    """A cell calamine gives that is none of a CellValue's types: a time of day or a duration
    (the importer says what is wrong)."""
    return None if value is None else str(value)


CALAMINE_TYPES = (str, int, float, bool, date)  # datetime is a date


def _calamine_rows(
    path: Path, formulas: dict[int, list[tuple[int, str]]]
) -> Iterator[tuple[int, list[CellValue]]]:
    """Rows as calamine reads them (fast, Rust), with formula cells put back as `Formula`s:
    calamine gives their cached values, never the formula."""
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        grid = sheet.to_python(skip_empty_area=False)
    except python_calamine.PasswordError:
        raise unreadable(encrypted=True) from None
    except python_calamine.CalamineError:
        raise unreadable() from None
    for index, raw in enumerate(grid):
        number = index + 1
        # Numbers stay floats (1.0): the importers read whole floats as whole numbers.
        cells: list[CellValue] = [
            None if v == "" else (v if isinstance(v, CALAMINE_TYPES) else _calamine_value(v))
            for v in raw
        ]
        while cells and cells[-1] is None:
            cells.pop()
        if len(cells) > MAX_COLUMNS:
            raise _too_many_columns(number)
        for column, cell in enumerate(cells, start=1):
            if type(cell) is str and len(cell) > MAX_CELL_CHARS:
                raise _cell_too_long(number, column)
        for column, formula in formulas.get(number, ()):
            if column <= MAX_COLUMNS:
                cells.extend([None] * (column - len(cells)))
                cells[column - 1] = Formula(formula)
        grid[index] = []  # let each row go once read
        yield number, cells


def _fast_xlsx_rows(path: Path) -> Iterator[tuple[int, list[CellValue]]]:
    """calamine when the scan found nothing the careful reader must handle, else that reader."""
    scan = _scan_xlsx(path)
    if scan.fast:
        yield from _calamine_rows(path, scan.formulas)
    else:
        yield from _xlsx_rows(path)


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
    return _fast_xlsx_rows(path)


class NoHeaderRow(Exception):  # noqa: N818 — the importer words the message
    """None of the first rows looked like the header row; `rows` holds them (normalised)."""

    def __init__(self, rows: list[list[str]]) -> None:
        super().__init__("no header row")
        self.rows = rows


HEADER_SEARCH_ROWS = 10


def read_rows(path: Path) -> Iterator[tuple[int, list[CellValue]]]:
    """Every row of the first sheet, empty ones included or not as the file has them, within
    the limits (for writing the file back with annotations)."""
    return _readable(_rows_of(path))


def open_sheet(
    path: Path, *, max_rows: int, is_header: Callable[[list[str]], bool] | None = None
) -> Sheet:
    """The first sheet's header row and a stream of its non-empty data rows (at most
    `max_rows` of them). The header row is the first non-empty row for which `is_header` holds
    among the first HEADER_SEARCH_ROWS (rows above it, a title say, are skipped), else
    NoHeaderRow; without `is_header` it is the first non-empty row."""
    rows = read_rows(path)
    seen: list[list[str]] = []
    for number, cells in rows:
        if all(c in (None, "") for c in cells):
            continue
        headers = [normalize_header(c.text if isinstance(c, Formula) else c) for c in cells]
        if is_header is None or is_header(headers):
            return Sheet(headers=headers, rows=_limited(rows, max_rows), header_row=number)
        seen.append(headers)
        if len(seen) == HEADER_SEARCH_ROWS:
            break
    if not seen:
        raise DomainError("empty_file", _("The file has no rows."))
    raise NoHeaderRow(seen)


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


PROBLEMS_HEADER = "问题"  # the annotated file's added column (found again on a re-upload)
ERROR_FILL = "#FFC7CE"  # Excel's own "bad" red
WARNING_FILL = "#FFEB9C"  # and its "neutral" yellow


def annotated_workbook(
    source: Path, target: Path, *, header_row: int, notes: dict[int, tuple[bool, str]]
) -> None:
    """Write the rows of `source` (its first sheet, every column in its place) to `target`
    (.xlsx) with a 问题 column: `notes` maps a row number to (refused, its problems as
    text); refused rows are filled red, rows with warnings only yellow. An existing 问题
    column (a file annotated before) is reused and cleared."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    formats: dict[tuple[str, str], Any] = {}
    for fill_name, fill in (("", None), ("error", ERROR_FILL), ("warning", WARNING_FILL)):
        for kind, number_format in (("text", "@"), ("date", "yyyy-mm-dd"), ("other", None)):
            spec: dict[str, Any] = {}
            if fill:
                spec["bg_color"] = fill
            if number_format:
                spec["num_format"] = number_format
            formats[(fill_name, kind)] = workbook.add_format(spec)
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2"})
    column = 0
    try:
        for number, cells in read_rows(source):
            row = number - 1
            note = notes.get(number)
            fill = "" if note is None else ("error" if note[0] else "warning")
            if number == header_row:
                names = [normalize_header(c.text if isinstance(c, Formula) else c) for c in cells]
                column = names.index(PROBLEMS_HEADER) if PROBLEMS_HEADER in names else len(cells)
                sheet.set_column(column, column, 60, wrap)
            for index, cell in enumerate(cells):
                if number >= header_row and index == column:
                    continue
                _write_cell(sheet, row, index, cell, formats, fill)
            if number == header_row:
                sheet.write_string(row, column, PROBLEMS_HEADER, bold)
            elif note is not None:
                sheet.write_string(row, column, note[1], formats[(fill, "text")])
        if header_row:
            sheet.freeze_panes(header_row, 0)
    finally:
        workbook.close()


def _write_cell(
    sheet: Any,
    row: int,
    column: int,
    cell: CellValue,
    formats: dict[tuple[str, str], Any],
    fill: str,
) -> None:
    if cell is None:
        if fill:
            sheet.write_blank(row, column, None, formats[(fill, "other")])
    elif isinstance(cell, Formula):
        sheet.write_formula(row, column, cell.text, formats[(fill, "other")])
    elif isinstance(cell, bool):
        sheet.write_boolean(row, column, cell, formats[(fill, "other")])
    elif isinstance(cell, int | float):
        sheet.write_number(row, column, cell, formats[(fill, "other")])
    elif isinstance(cell, datetime | date):
        moment = cell if isinstance(cell, datetime) else datetime.combine(cell, time())
        sheet.write_datetime(row, column, moment, formats[(fill, "date")])
    else:
        sheet.write_string(row, column, str(cell), formats[(fill, "text")])
