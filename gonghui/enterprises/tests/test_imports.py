"""Enterprise import through the real pipeline: real .xlsx and .csv files, tasks run inline."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from gonghui.core import imports
from gonghui.core.errors import DomainError
from gonghui.core.models import ImportJob
from gonghui.core.tests.importing import errors_of, problems_of
from gonghui.enterprises.models import Enterprise
from gonghui.enterprises.tests.factories import credit_code

HEADER = [
    "企业名称",
    "统一社会信用代码",
    "所属行业",
    "职工人数",
    "新就业形态劳动者人数",
    "所在街道",
    "联系电话",
]


def xlsx(rows: list[list[object]], header: list[str] = HEADER) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("企业名单.xlsx", buffer.getvalue())


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Start an import and run its queued check, as the worker would."""

    def start(actor, org, upload):
        with django_capture_on_commit_callbacks(execute=True):
            job = imports.start_import(actor=actor, org=org, kind="enterprises", upload=upload)
        job.refresh_from_db()
        return job

    return start


@pytest.fixture
def confirm(django_capture_on_commit_callbacks):
    def go(actor, job):
        with django_capture_on_commit_callbacks(execute=True):
            imports.confirm_import(actor=actor, job=job)
        job.refresh_from_db()
        return job

    return go


def test_dry_run_reports_every_bad_row_and_writes_nothing(tree, make_staff, run, english):
    admin = make_staff(tree.zgc)
    good, dup = credit_code(), credit_code()
    upload = xlsx(
        [
            [
                "北京好科技有限公司",
                good,
                "信息传输、软件和信息技术服务业",
                120,
                10,
                "中关村街道",
                "",
            ],
            [
                "北京坏代码有限公司",
                good[:-1] + ("0" if good[-1] != "0" else "1"),
                "I",
                10,
                0,
                "",
                "",
            ],
            ["北京重复有限公司", dup, "I", 50, 0, "", ""],
            ["北京重复二有限公司", dup, "I", 50, 0, "", ""],
            ["北京人数错有限公司", credit_code(), "I", 10, 20, "", ""],
            ["北京公式有限公司", credit_code(), "I", "=A1*2", 0, "", ""],
            ["北京行业错有限公司", credit_code(), "火星产业", 10, 0, "", ""],
            ["北京手机错有限公司", credit_code(), "M", 10, 0, "", "12345"],
        ]
    )
    job = run(admin, tree.zgc, upload)
    assert job.status == ImportJob.Status.CHECKED
    assert (job.total_rows, job.valid_rows, job.error_count) == (8, 2, 6)
    errors = errors_of(job)
    assert [(e["row"], e["column"]) for e in errors] == [
        (3, "统一社会信用代码"),
        (5, "统一社会信用代码"),
        (6, "新就业形态劳动者人数"),
        (7, "职工人数"),
        (8, "所属行业"),
        (9, "联系电话"),
    ]
    assert errors[1]["message"] == "Same credit code as row 4 of this file."
    assert errors[3]["message"] == "This cell holds a formula; enter the value itself."
    assert Enterprise.objects.count() == 0


def test_confirm_imports_the_good_rows_and_reimport_creates_nothing(tree, make_staff, run, confirm):
    admin = make_staff(tree.zgc)
    rows = [
        ["北京甲科技有限公司", credit_code(), "I", 120, 10, "中关村街道", "13700000001"],
        ["北京乙科技有限公司", credit_code(), "M", 80, 0, "学院路街道", ""],
        ["北京坏有限公司", "123", "I", 10, 0, "", ""],
    ]
    job = confirm(admin, run(admin, tree.zgc, xlsx(rows)))
    assert job.status == ImportJob.Status.DONE
    assert job.summary == {"created": 2, "updated": 0, "unchanged": 0}
    assert job.error_count == 1
    assert sorted(Enterprise.objects.values_list("name", "headcount")) == [
        ("北京乙科技有限公司", 80),
        ("北京甲科技有限公司", 120),
    ]
    again = confirm(admin, run(admin, tree.zgc, xlsx(rows[:2])))
    assert again.summary == {"created": 0, "updated": 0, "unchanged": 2}
    rows[0][3] = 150
    third = confirm(admin, run(admin, tree.zgc, xlsx(rows)))
    assert third.summary == {"created": 0, "updated": 1, "unchanged": 1}
    assert Enterprise.objects.get(name="北京甲科技有限公司").headcount == 150
    assert Enterprise.objects.get(name="北京甲科技有限公司").contact_mobile == "13700000001"


def test_an_enterprise_of_another_subtree_is_not_taken_over(
    tree, make_staff, make_enterprise, run, english
):
    theirs = make_enterprise(tree.hlg)
    admin = make_staff(tree.zgc)
    job = run(admin, tree.zgc, xlsx([["改名", theirs.credit_code, "I", 1, 0, "", ""]]))
    assert [(e["row"], e["column"], e["message"]) for e in errors_of(job)] == [
        (2, "统一社会信用代码", "This enterprise is registered under another organisation.")
    ]


def test_gbk_csv_and_header_variants(tree, make_staff, run):
    admin = make_staff(tree.zgc)
    text = f"单位名称,信用代码,行业,员工人数\n北京丙科技有限公司,{credit_code()},I,30\n"
    upload = SimpleUploadedFile("名单.csv", text.encode("gbk"))
    job = run(admin, tree.zgc, upload)
    assert (job.status, job.valid_rows, job.error_count) == ("checked", 1, 0)


def test_missing_columns_and_wrong_files_fail_with_a_message(tree, make_staff, run, english):
    admin = make_staff(tree.zgc)
    job = run(admin, tree.zgc, xlsx([["甲"]], header=["企业名称"]))
    assert job.status == ImportJob.Status.FAILED
    assert (
        job.failure == "The header row lacks these columns: 统一社会信用代码、所属行业、职工人数."
    )
    with pytest.raises(DomainError) as caught:
        run(admin, tree.zgc, SimpleUploadedFile("x.xlsx", b"not a spreadsheet"))
    assert caught.value.code == "unsupported_file_type"
    empty = run(admin, tree.zgc, SimpleUploadedFile("e.csv", b"\n\n"))
    assert empty.failure == "The file has no rows."


def test_too_many_rows_is_refused_in_bounded_time(tree, make_staff, run, monkeypatch, english):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    admin = make_staff(tree.zgc)
    rows = [[f"北京{i}有限公司", credit_code(), "I", 1, 0, "", ""] for i in range(5)]
    job = run(admin, tree.zgc, xlsx(rows))
    assert job.status == ImportJob.Status.FAILED
    assert job.failure == "The file has more than 3 data rows; split it into smaller files."


def test_stored_files_live_outside_the_static_root(tree, make_staff, run, settings):
    job = run(make_staff(tree.zgc), tree.zgc, xlsx([]))
    assert Path(job.file.path).is_relative_to(Path(settings.MEDIA_ROOT))
    assert not Path(job.file.path).is_relative_to(Path(settings.STATIC_ROOT))


def test_the_uploaded_file_is_deleted_once_imported(tree, make_staff, run, confirm):
    admin = make_staff(tree.zgc)
    job = run(admin, tree.zgc, xlsx([["北京丁科技有限公司", credit_code(), "I", 9, 0, "", ""]]))
    stored = Path(job.file.path)
    assert stored.exists()
    confirm(admin, job)
    assert not stored.exists()


def test_every_problem_of_a_row_and_repeats_of_a_refused_row_are_listed_and_annotated(
    tree, make_staff, run, english
):
    from openpyxl import load_workbook

    admin = make_staff(tree.zgc)
    code = credit_code()
    job = run(
        admin,
        tree.zgc,
        xlsx(
            [
                ["北京甲有限公司", code, "火星产业", -1, 0, "", "12345"],  # 2: three problems
                ["北京甲有限公司", code, "I", 10, 0, "", ""],  # 3: repeats refused row 2
                ["北京乙有限公司", credit_code(), "I", 10, 0, "", ""],  # 4: good
            ]
        ),
    )
    found = [(p["row"], p["column"], p["code"]) for p in problems_of(job)]
    assert found == [
        (2, "所属行业", "unknown_value"),
        (2, "职工人数", "invalid_number"),
        (2, "联系电话", "invalid"),
        (3, "统一社会信用代码", "duplicate"),
    ]
    assert (job.valid_rows, job.refused_rows, job.reasons["duplicate"]) == (1, 2, 1)
    content, name = imports.download_annotated(actor=admin, job=job)
    assert name == "企业名单-问题.xlsx"
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet["H1"].value == "问题"
    assert sheet["H2"].value.count("\n") == 2  # three problems, one a line
    assert sheet["H3"].value == (
        "【Error】统一社会信用代码：Same credit code as row 2 of this file."
    )
    assert sheet["H4"].value is None
