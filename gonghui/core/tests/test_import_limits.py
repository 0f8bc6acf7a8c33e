"""Hostile and broken spreadsheets through the real import pipeline (tasks run inline, in the
sandbox): each ends within 60 s as a failed job whose message names the limit, the child that
read it stays under 512 MB, the worker does not grow, no traceback is logged and nothing is
written. The files are made here, not committed."""

import os
import re
import struct
import time
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gonghui.core.errors import DomainError
from gonghui.core.models import ImportJob
from gonghui.core.sandbox import Usage
from gonghui.core.tests.importing import errors_of
from gonghui.members.actions import start_roster_import
from gonghui.members.models import Member

MB = 1024 * 1024
HEADER_ROW = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>\xe5\xa7\x93\xe5\x90\x8d</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>\xe8\xba\xab\xe4\xbb\xbd\xe8\xaf\x81\xe5\x8f\xb7</t></is></c>'
    b'<c r="C1" t="inlineStr"><is><t>\xe6\x89\x8b\xe6\x9c\xba\xe5\x8f\xb7</t></is></c></row>'
)  # 姓名, 身份证号, 手机号
SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
PACKAGE = {
    "[Content_Types].xml": (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>'
    ),
    "_rels/.rels": (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    ),
}


def repeated(piece: bytes, times: int, *, chunk: int = 100_000) -> Iterator[bytes]:
    block = piece * chunk
    for _ in range(times // chunk):
        yield block
    yield piece * (times % chunk)


def xlsx_file(
    path: Path, sheet: Iterable[bytes], *, shared: bytes | None = None, level: int = 6
) -> Path:
    """An .xlsx whose worksheet XML is streamed from `sheet` (so a gigabyte of rows never sits
    in memory here either)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in PACKAGE.items():
            archive.writestr(name, data)
        if shared is not None:
            archive.writestr("xl/sharedStrings.xml", shared)
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            for piece in sheet:
                part.write(piece)
    return path


def lie_about_sizes(path: Path, part: str, claimed: int) -> None:
    """Rewrite the central directory so that `part` claims `claimed` bytes unpacked."""
    data = bytearray(path.read_bytes())
    name = part.encode()
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) != -1:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_length] == name:
            struct.pack_into("<I", data, at + 24, claimed)
        at += 4
    path.write_bytes(bytes(data))


def upload(path: Path, name: str = "会员信息采集表.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, path.read_bytes())


def peak_rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


@pytest.fixture
def import_file(tree, make_staff, django_capture_on_commit_callbacks, caplog):
    """Upload a file as a roster and run its check inline; the job, the child's usage, the
    seconds it took and how much the worker's own peak memory grew."""
    caplog.set_level("INFO")
    admin = make_staff(tree.zgc)

    def run(file: SimpleUploadedFile) -> tuple[ImportJob, Usage, float, float]:
        Path("/proc/self/clear_refs").write_text("5")  # resets this process's VmHWM
        before = peak_rss_mb()
        started = time.monotonic()
        caplog.clear()
        with django_capture_on_commit_callbacks(execute=True):
            job = start_roster_import(actor=admin, org=tree.zgc, upload=file)
        seconds = time.monotonic() - started
        job.refresh_from_db()
        usages = [r.sandbox_usage for r in caplog.records if hasattr(r, "sandbox_usage")]
        # the check's child, and the annotated file's when the check found problems
        assert len(usages) == (2 if job.error_count or job.warning_count else 1)
        assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
        assert Member.objects.count() == 0
        if job.status == ImportJob.Status.FAILED:
            assert not Path(job.file.path).exists()  # a failed job's upload is discarded
        return job, usages[0], seconds, peak_rss_mb() - before

    return run


def assert_contained(usage: Usage, seconds: float, worker_growth: float) -> None:
    assert seconds < 60
    assert usage.peak_rss_mb < 512
    assert worker_growth < 64


def test_a_file_of_empty_rows_is_refused_by_its_unpacked_size(import_file, tmp_path, english):
    # The attack as reported had ~183 million <row/> (1.1 GB unpacked) in 1.6 MB; 60 million
    # (360 MB) are over the limit as well and quicker to make.
    path = xlsx_file(
        tmp_path / "rows.xlsx",
        [SHEET_START, b"<sheetData>", HEADER_ROW, *repeated(b"<row/>", 60_000_000)],
        level=1,
    )
    assert path.stat().st_size < 3 * MB
    job, usage, seconds, growth = import_file(upload(path))
    assert job.failure == (
        "A part of the file unpacks to more than 256 MB; split it into smaller files."
    )
    assert_contained(usage, seconds, growth)


def test_empty_rows_count_toward_the_row_limit(import_file, tmp_path, english):
    path = xlsx_file(
        tmp_path / "rows.xlsx",
        [SHEET_START, b"<sheetData>", HEADER_ROW, *repeated(b"<row/>", 400_000)],
    )
    job, usage, seconds, growth = import_file(upload(path))
    assert (job.status, job.failure) == (
        ImportJob.Status.FAILED,
        "The sheet has more than 320,000 rows (empty rows included); delete the empty rows or "
        "split the file.",
    )
    assert_contained(usage, seconds, growth)


def test_a_file_whose_directory_lies_about_its_sizes_is_stopped_at_the_claimed_size(
    import_file, tmp_path, english
):
    path = xlsx_file(
        tmp_path / "lying.xlsx",
        [SHEET_START, b"<sheetData>", HEADER_ROW, *repeated(b"<row/>", 40_000_000)],
        level=1,
    )
    lie_about_sizes(path, "xl/worksheets/sheet1.xml", 1_000)
    job, usage, seconds, growth = import_file(upload(path))
    assert job.failure == (
        "Unreadable file: it is damaged or not a spreadsheet. Open it in Excel or WPS, save it "
        "again as .xlsx and upload it again."
    )
    assert_contained(usage, seconds, growth)


def test_a_zip_bomb_part_is_refused_before_it_is_unpacked(import_file, tmp_path, english):
    path = tmp_path / "bomb.xlsx"
    xlsx_file(path, [SHEET_START, b"<sheetData>", HEADER_ROW, b"</sheetData></worksheet>"])
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("xl/media/image1.bin", "w") as part,
    ):
        for chunk in repeated(b"\0", 300 * MB, chunk=MB):
            part.write(chunk)
    assert path.stat().st_size < 2 * MB  # a ratio of more than 150
    job, usage, seconds, growth = import_file(upload(path))
    assert (
        job.failure
        == "A part of the file unpacks to more than 256 MB; split it into smaller files."
    )
    assert_contained(usage, seconds, growth)


def test_a_gigantic_cell_is_refused_as_it_streams_in(import_file, tmp_path, english):
    # 100 MB of text in one cell: under the size limits, so only the cell limit stops it.
    path = xlsx_file(
        tmp_path / "cell.xlsx",
        [
            SHEET_START,
            b"<sheetData>",
            HEADER_ROW,
            b'<row r="2"><c r="A2" t="inlineStr"><is><t>',
            *repeated(b"A", 100 * MB, chunk=MB),
            b"</t></is></c></row></sheetData></worksheet>",
        ],
    )
    job, usage, seconds, growth = import_file(upload(path))
    assert job.failure == "The cell in row 2, column A has more than 32,767 characters."
    assert_contained(usage, seconds, growth)


def test_a_gigantic_shared_string_is_refused(import_file, tmp_path, english):
    shared = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
        + b"A" * 40_000
        + b"</t></si></sst>"
    )
    path = xlsx_file(
        tmp_path / "shared.xlsx",
        [SHEET_START, b"<sheetData>", HEADER_ROW, b"</sheetData></worksheet>"],
        shared=shared,
    )
    job, usage, seconds, growth = import_file(upload(path))
    assert job.failure == "A cell has more than 32,767 characters."
    assert_contained(usage, seconds, growth)


def test_a_dimension_of_the_whole_grid_is_never_trusted(import_file, tmp_path, english):
    # 1.6 KB: a <dimension> of A1:XFD1048576 and one cell in the last row.
    path = xlsx_file(
        tmp_path / "dimension.xlsx",
        [
            SHEET_START,
            b'<dimension ref="A1:XFD1048576"/><sheetData>',
            HEADER_ROW,
            b'<row r="1048576"><c r="A1048576"><v>1</v></c></row></sheetData></worksheet>',
        ],
    )
    job, usage, seconds, growth = import_file(upload(path))
    assert job.failure == (
        "The sheet has more than 320,000 rows (empty rows included); delete the empty rows or "
        "split the file."
    )
    assert_contained(usage, seconds, growth)
    assert usage.seconds < 5


def test_a_cell_in_the_last_column_is_refused(import_file, tmp_path, english):
    path = xlsx_file(
        tmp_path / "wide.xlsx",
        [
            SHEET_START,
            b"<sheetData>",
            HEADER_ROW,
            b'<row r="2"><c r="XFD2"><v>1</v></c></row></sheetData></worksheet>',
        ],
    )
    job, usage, seconds, growth = import_file(upload(path))
    assert job.failure == "Row 2 has more than 256 columns."
    assert_contained(usage, seconds, growth)


def test_a_row_of_a_million_empty_cells_is_refused(import_file, tmp_path, english):
    path = xlsx_file(
        tmp_path / "cells.xlsx",
        [
            SHEET_START,
            b"<sheetData>",
            HEADER_ROW,
            b'<row r="2">',
            *repeated(b"<c/>", 1_000_000),
            b"</row></sheetData></worksheet>",
        ],
    )
    job, usage, seconds, growth = import_file(upload(path))
    assert job.failure == "Row 2 has more than 256 columns."
    assert_contained(usage, seconds, growth)


XXE = (
    b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheetData>"
)


@pytest.mark.parametrize(
    ("start", "cell"),
    [(XXE, b"&xxe;"), (LAUGHS, b"&lol9;")],
    ids=["external-entity", "billion-laughs"],
)
def test_entities_make_the_file_unreadable(import_file, tmp_path, english, start, cell):
    path = xlsx_file(
        tmp_path / "entities.xlsx",
        [
            start,
            HEADER_ROW,
            b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + cell + b"</t></is></c></row>",
            b"</sheetData></worksheet>",
        ],
    )
    job, usage, seconds, growth = import_file(upload(path))
    assert job.failure == (
        "Unreadable file: it is damaged or not a spreadsheet. Open it in Excel or WPS, save it "
        "again as .xlsx and upload it again."
    )
    assert_contained(usage, seconds, growth)


def test_a_truncated_file_is_unreadable(import_file, tmp_path, english):
    whole = xlsx_file(
        tmp_path / "whole.xlsx",
        [
            SHEET_START,
            b"<sheetData>",
            HEADER_ROW,
            *repeated(b'<row><c t="n"><v>1</v></c></row>', 5_000),
        ],
    ).read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole[: len(whole) // 2])
    job, usage, seconds, growth = import_file(upload(cut))
    assert job.failure == (
        "Unreadable file: it is damaged or not a spreadsheet. Open it in Excel or WPS, save it "
        "again as .xlsx and upload it again."
    )
    assert_contained(usage, seconds, growth)


# An OLE compound file header: how Excel stores a password-protected workbook (and .xls).
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + os.urandom(4096)
ENCRYPTED = (
    "Unreadable file: it is encrypted (has a password) or is an old Excel 97–2003 (.xls) file. "
    "Save it as .xlsx without a password and upload it again."
)


@pytest.mark.parametrize("name", ["加密.xlsx", "加密.csv"])
def test_an_encrypted_workbook_is_refused_at_upload(tree, make_staff, english, name):
    with pytest.raises(DomainError) as refused:
        start_roster_import(
            actor=make_staff(tree.zgc), org=tree.zgc, upload=SimpleUploadedFile(name, OLE)
        )
    assert (refused.value.code, str(refused.value.message)) == ("unreadable_file", ENCRYPTED)
    assert not ImportJob.objects.exists()


def test_a_csv_over_the_limits_fails_with_the_limit(import_file, english):
    wide = "姓名,身份证号,手机号\n" + ",".join(["x"] * 300) + "\n"
    job, usage, seconds, growth = import_file(SimpleUploadedFile("宽.csv", wide.encode()))
    assert job.failure == "Row 2 has more than 256 columns."
    assert_contained(usage, seconds, growth)
    long_cell = "姓名,身份证号,手机号\n" + "长" * 40_000 + ",1,2\n"
    job, *_ = import_file(SimpleUploadedFile("长.csv", long_cell.encode()))
    assert job.failure == "The cell in row 2, column A has more than 32,767 characters."
    empty = "姓名,身份证号,手机号\n" + "\n" * 330_000
    job, *_ = import_file(SimpleUploadedFile("空.csv", empty.encode()))
    assert job.failure == (
        "The sheet has more than 320,000 rows (empty rows included); delete the empty rows or "
        "split the file."
    )
    nul = "姓名,身份证号,手机号\n李\x00小红,1,2\n"
    job, *_ = import_file(SimpleUploadedFile("零.csv", nul.encode()))
    assert job.status == ImportJob.Status.CHECKED
    assert errors_of(job)[0]["message"].startswith(
        "The text holds the invisible or control character U+0000"
    )
