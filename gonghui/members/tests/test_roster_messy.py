"""A messy roster as clerks really have them, through the real pipeline: every kind of problem
in one file (duplicates of refused rows included), with exact counts — imported, warned,
refused by reason — and the annotated file's 问题 column row by row."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from gonghui.core import imports
from gonghui.core.models import AuditEntry, ImportJob, ImportProblem
from gonghui.core.tests.importing import problems_of
from gonghui.members.actions import import_member, start_roster_import
from gonghui.members.models import Member
from gonghui.members.tests.factories import id_number, person
from gonghui.members.tests.test_imports import HEADER, row

pytestmark = pytest.mark.usefixtures("tallies_exact")

RED, YELLOW = "FFFFC7CE", "FFFFEB9C"


def roster(rows: list[list[object]], name: str = "会员信息采集表.xlsx") -> SimpleUploadedFile:
    """A title row, an empty row, the header on row 3, the data from row 4 (as in the
    federation's own 会员信息采集表)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "花名册"
    sheet.append(["中关村科学城总工会 会员信息采集表"])
    sheet.append([])
    sheet.append(HEADER)
    for cells in rows:
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def messy(tree, operator):
    here = import_member(
        actor=operator, org=tree.zgc, joined_on=date(2020, 1, 1), **person(name="周正")
    )
    other = import_member(
        actor=operator, org=tree.zgc, joined_on=date(2020, 1, 1), **person(name="吴用")
    )
    # men's ID numbers (an odd 17th digit), whatever ran before
    first, refused_first = id_number(serial=7013), id_number(serial=7015)
    refused_second = id_number(serial=7017)
    man = id_number(serial=7001)  # an odd 17th digit: a man
    rows = [
        row(name="张三", id_number=first),  # 4: good
        row(name="王芳", gender="女", id_number=man),  # 5: imports; gender from the ID
        row(name="赵四", job="保安"),  # 6: imports; the job recorded as other, text kept
        row(name="钱五", mobile="12345", education="幼儿园", id_number=refused_first),  # 7
        row(name="钱五", id_number=refused_first),  # 8: repeats row 7, which is refused
        row(name="张三", id_number=first),  # 9: repeats row 4
        row(id_number=1.10108199506150e17),  # 10: Excel made it a number
        row(employer='=HYPERLINK("http://x.example","点我")'),  # 11: a formula
        row(name=""),  # 12: empty required cell
        row(id_number=id_number(date(2015, 3, 1), serial=7011)),  # 13: under 16
        row(joined="2099-01-01"),  # 14: in the future
        row(id_number=first[:-1] + ("1" if first[-1] != "1" else "2")),  # 15: checksum
        row(name="周正", id_number=str(here.id_number)),  # 16: already a member, same name
        row(name="吴永", id_number=str(other.id_number)),  # 17: that ID, another name
        row(name="孙七", gender="女", mobile="1380", id_number=refused_second),  # 18
        row(name="孙七", id_number=refused_second),  # 19: repeats row 18, which is refused
    ]
    return {"rows": rows, "here": here, "other": other}


def check(actor, org, upload, django_capture_on_commit_callbacks) -> ImportJob:
    with django_capture_on_commit_callbacks(execute=True):
        job: ImportJob = start_roster_import(actor=actor, org=org, upload=upload)
    job.refresh_from_db()
    return job


def test_a_messy_roster_counts_every_problem_and_annotates_the_file(
    tree, make_staff, client_for, messy, django_capture_on_commit_callbacks, english
):
    admin = make_staff(tree.zgc)
    job = check(admin, tree.zgc, roster(messy["rows"]), django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.CHECKED, job.failure
    assert (job.total_rows, job.valid_rows, job.warned_rows, job.refused_rows) == (16, 3, 2, 13)
    assert (job.error_count, job.warning_count) == (14, 3)
    assert job.reasons == {
        "duplicate": 3,
        "invalid_mobile": 2,
        "already_member": 2,
        "unknown_value": 1,
        "excel_number": 1,
        "formula": 1,
        "required": 1,
        "too_young": 1,
        "invalid_date": 1,
        "invalid_id_number": 1,
    }
    found = [(p["row"], p["column"], p["kind"], p["code"]) for p in problems_of(job)]
    assert found == [
        (5, "性别", "warning", "gender_from_id"),
        (6, "岗位类型", "warning", "job_type_other"),
        (7, "手机号", "error", "invalid_mobile"),
        (7, "学历", "error", "unknown_value"),
        (8, "身份证号", "error", "duplicate"),
        (9, "身份证号", "error", "duplicate"),
        (10, "身份证号", "error", "excel_number"),
        (11, "工作单位", "error", "formula"),
        (12, "姓名", "error", "required"),
        (13, "身份证号", "error", "too_young"),
        (14, "入会时间", "error", "invalid_date"),
        (15, "身份证号", "error", "invalid_id_number"),
        (16, "身份证号", "error", "already_member"),
        (17, "身份证号", "error", "already_member"),
        (18, "性别", "warning", "gender_from_id"),
        (18, "手机号", "error", "invalid_mobile"),
        (19, "身份证号", "error", "duplicate"),
    ]
    assert Member.objects.count() == 2  # the check writes nothing

    # The annotated file: the same sheet, the rows in their places, a 问题 column after the
    # last one, refused rows red, warned rows yellow.
    content, name = imports.download_annotated(actor=admin, job=job)
    assert name == "会员信息采集表-问题.xlsx"
    assert AuditEntry.objects.filter(action="core.import.annotated_downloaded").count() == 1
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet["A1"].value == "中关村科学城总工会 会员信息采集表"
    assert [c.value for c in sheet[3]] == [*HEADER, "问题"]
    assert [sheet.cell(r, 1).value for r in range(4, 20)] == [c[0] or None for c in messy["rows"]]
    assert sheet.cell(13, 4).value == messy["rows"][9][3]  # an ID number stays as it was
    notes = {r: sheet.cell(r, 11).value for r in range(4, 20)}
    here, other = messy["here"], messy["other"]
    same_id = (
        "【Error】身份证号：Same ID number as row %d of this file: a person is imported once. "
        "Keep one of the two rows; if they are two people, one of the ID numbers is wrong."
    )
    assert notes[4] is None
    assert notes[5] == (
        "【Warning】性别：性别 says woman, but the ID number is a man's: recorded as man, "
        "since the ID number decides. If the ID number is the mistake, correct it and upload "
        "again."
    )
    assert notes[6] == (
        "【Warning】岗位类型：“保安” is none of the job types: recorded as other, and the text "
        "is kept on the member."
    )
    assert notes[7].startswith("【Error】手机号：")
    assert notes[7].split("\n")[1].startswith("【Error】学历：Unknown value “幼儿园”")
    assert notes[8] == same_id % 7
    assert notes[9] == same_id % 4
    assert notes[10].startswith("【Error】身份证号：Excel has turned this ID number into a number")
    assert notes[11] == "【Error】工作单位：This cell holds a formula; enter the value itself."
    assert notes[12] == "【Error】姓名：This cell is required."
    assert notes[13].startswith("【Error】身份证号：Union membership starts at 16")
    assert notes[14] == "【Error】入会时间：This date is in the future."
    assert "check for a typo" in notes[15]
    assert notes[16] == f"【Error】身份证号：Already a member, number {here.number}."
    assert notes[17] == (
        f"【Error】身份证号：This ID number is already member {other.number}'s, recorded under "
        "another name: check the ID number."
    )
    assert [line.split("：")[0] for line in notes[18].split("\n")] == [
        "【Warning】性别",
        "【Error】手机号",
    ]
    assert notes[19] == same_id % 18
    fills = {r: sheet.cell(r, 1).fill.fgColor.rgb for r in range(4, 20)}
    assert {r for r, fill in fills.items() if fill == RED} == set(range(7, 20))
    assert {r for r, fill in fills.items() if fill == YELLOW} == {5, 6}
    assert sheet.cell(4, 1).fill.fill_type is None

    # Imported: the three good rows, the warned two as decided.
    with django_capture_on_commit_callbacks(execute=True):
        imports.confirm_import(actor=admin, job=job)
    job.refresh_from_db()
    assert (job.status, job.summary["created"], job.refused_rows) == ("done", 3, 13)
    imported = {
        m.name: m for m in Member.objects.filter(org=tree.zgc).exclude(pk__in=[here.pk, other.pk])
    }
    assert sorted(imported) == ["张三", "王芳", "赵四"]
    assert imported["王芳"].gender == "M"
    assert (imported["赵四"].job_type, imported["赵四"].job_type_text) == ("other", "保安")
    page = client_for(admin).get(reverse("members:member_detail", args=[imported["赵四"].pk]))
    assert '其他 <span class="muted">(花名册原文：“保安”)</span>' in page.text
    # no repeat got in as a second person
    assert Member.objects.filter(id_number_hash=imported["张三"].id_number_hash).count() == 1


def test_the_annotated_file_uploaded_again_reuses_its_problems_column(
    tree, make_staff, messy, django_capture_on_commit_callbacks, english
):
    admin = make_staff(tree.zgc)
    job = check(admin, tree.zgc, roster(messy["rows"]), django_capture_on_commit_callbacks)
    content, _name = imports.download_annotated(actor=admin, job=job)
    book = load_workbook(io.BytesIO(content))
    sheet = book.active
    sheet["E7"] = "13912340007"  # row 7's mobile and education corrected
    sheet["H7"] = "初中"
    sheet["A12"] = "刘八"
    buffer = io.BytesIO()
    book.save(buffer)
    again = check(
        admin,
        tree.zgc,
        SimpleUploadedFile("会员信息采集表-问题.xlsx", buffer.getvalue()),
        django_capture_on_commit_callbacks,
    )
    assert (again.valid_rows, again.refused_rows) == (5, 11)
    # row 8 still repeats row 7, now the row that imports
    assert [p["row"] for p in problems_of(again) if p["code"] == "duplicate"] == [8, 9, 19]
    content, _name = imports.download_annotated(actor=admin, job=again)
    sheet = load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet[3]] == [*HEADER, "问题"]  # one 问题 column, not two
    assert sheet["K7"].value is None  # corrected: its old note is gone
    assert sheet["K8"].value.startswith("【Error】身份证号：Same ID number as row 7")


def test_the_same_file_is_not_imported_twice(
    tree, make_staff, django_capture_on_commit_callbacks, english
):
    from gonghui.core.errors import DomainError

    admin = make_staff(tree.zgc)
    upload = roster([row(name="张三"), row(name="李四", mobile="1")])
    job = check(admin, tree.zgc, upload, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        imports.confirm_import(actor=admin, job=job)
    job.refresh_from_db()
    upload.seek(0)
    with pytest.raises(DomainError) as refused:
        start_roster_import(actor=admin, org=tree.zgc, upload=upload)
    assert refused.value.code == "already_imported"
    assert str(refused.value.message).startswith("This very file was already imported on ")
    assert f"(import no. {job.pk}: 1 rows imported, 1 refused)" in str(refused.value.message)
    assert ImportJob.objects.count() == 1


def test_a_sheet_without_a_header_or_of_another_kind_is_refused_clearly(
    tree, make_staff, django_capture_on_commit_callbacks, english
):
    admin = make_staff(tree.zgc)
    book = Workbook()
    book.active.append(["一些说明"])
    book.active.append(["张三", "13912345678"])
    buffer = io.BytesIO()
    book.save(buffer)
    job = check(
        admin,
        tree.zgc,
        SimpleUploadedFile("无表头.xlsx", buffer.getvalue()),
        django_capture_on_commit_callbacks,
    )
    assert job.status == ImportJob.Status.FAILED
    assert job.failure == (
        "No header row found: none of the first 2 rows names the columns 姓名、身份证号、手机号. "
        "Put the column names in one row above the data (the first row of the file reads "
        "“一些说明”), or download the template."
    )
    enterprises = "企业名称,统一社会信用代码,所属行业,职工人数,联系电话\n甲,1,I,3,13912345678\n"
    job = check(
        admin,
        tree.zgc,
        SimpleUploadedFile("企业.csv", enterprises.encode()),
        django_capture_on_commit_callbacks,
    )
    assert job.failure == (
        "This file looks like a list of enterprises (企业信息表), not a member roster "
        "(会员信息采集表): its header row has the other sheet's columns. Upload it as that "
        "kind of import, or choose the right file."
    )


def test_the_job_page_pages_and_filters_problems_in_constant_queries(
    tree,
    make_staff,
    client_for,
    messy,
    django_capture_on_commit_callbacks,
    django_assert_num_queries,
    english,
):
    admin = make_staff(tree.zgc)
    job = check(admin, tree.zgc, roster(messy["rows"]), django_capture_on_commit_callbacks)
    client = client_for(admin)
    page = client.get(reverse("web:import_job", args=[job.pk]))
    assert page.status_code == 200
    assert reverse("web:import_annotated", args=[job.pk]) in page.text
    assert "与本文件前面的行重复" in page.text  # the reasons, in the page's language
    filtered = client.get(
        reverse("web:import_job", args=[job.pk]),
        {"code": "duplicate"},
        headers={"HX-Request": "true", "HX-Target": "problems"},
    )
    assert filtered.text.count('<tr class="error">') == 3
    assert "共 3 个问题符合条件。" in filtered.text
    warnings = client.get(reverse("web:import_job", args=[job.pk]), {"kind": "warning"})
    assert warnings.text.count('<tr class="warning">') == 3
    by_column = client.get(reverse("web:import_job", args=[job.pk]), {"column": "性别"})
    assert by_column.text.count('<tr class="warning">') == 2
    # many more problems, the same number of queries: the page holds 100 of them
    url = reverse("web:import_job", args=[job.pk])
    with django_assert_num_queries(count_queries(client, url)):
        client.get(url)
    ImportProblem.objects.bulk_create(
        ImportProblem(
            job=job, row=100 + n, column="手机号", kind="error", code="invalid_mobile", message="x"
        )
        for n in range(1_000)
    )
    with django_assert_num_queries(count_queries(client, url)):
        response = client.get(url, {"page": "5"})
    assert response.text.count('<tr class="error">') == 100


def count_queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured.captured_queries)


def test_a_file_with_100000_problems_is_checked_stored_and_paged(
    tree, make_staff, client_for, django_capture_on_commit_callbacks, english
):
    """50,000 rows with two problems each: every problem stored, the page shows 100 of them
    (and the counts), the API pages through all, the annotated file marks every row."""
    admin = make_staff(tree.zgc)
    lines = ["姓名,身份证号,手机号,学历"]
    lines += [f"李小红,{id_number(serial=n)},1390000,幼儿园" for n in range(100_000, 150_000)]
    upload = SimpleUploadedFile("名单.csv", "\n".join(lines).encode())
    job = check(admin, tree.zgc, upload, django_capture_on_commit_callbacks)
    assert (job.status, job.refused_rows, job.error_count) == ("checked", 50_000, 100_000)
    assert job.reasons == {"invalid_mobile": 50_000, "unknown_value": 50_000}
    assert ImportProblem.objects.filter(job=job).count() == 100_000
    page = client_for(admin).get(reverse("web:import_job", args=[job.pk]), {"page": "1000"})
    assert page.text.count('<tr class="error">') == 100
    assert "共 100,000 个问题符合条件。" in page.text
    assert "<td>50001</td>" in page.text  # the last page: the last row's two problems
    content, _name = imports.download_annotated(actor=admin, job=job)
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    notes = [r[4] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(notes) == 50_000
    assert all(n.startswith("【Error】手机号：") and "\n【Error】学历：" in n for n in notes)


def test_a_job_cancelled_while_it_waits_to_be_checked_is_never_checked(
    tree, make_staff, django_capture_on_commit_callbacks
):
    admin = make_staff(tree.zgc)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        job = start_roster_import(actor=admin, org=tree.zgc, upload=roster([row()]))
    cancelled = imports.cancel_import(actor=admin, job=job)
    assert cancelled.status == ImportJob.Status.CANCELLED
    for callback in queued:
        callback()  # the queued check starts after all
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.problems.count()) == ("cancelled", 0, 0)
    assert AuditEntry.objects.filter(action="core.import.cancelled").count() == 1


def test_an_annotated_file_is_deleted_after_a_week(
    tree, make_staff, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    admin = make_staff(tree.zgc)
    job = check(admin, tree.zgc, roster([row(mobile="1")]), django_capture_on_commit_callbacks)
    stored = str(job.annotated.name)
    assert job.annotated.storage.exists(stored)
    assert imports.discard_stale_uploads() == 0
    assert ImportJob.objects.get(pk=job.pk).annotated.name == stored  # a day old: kept
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=8))
    imports.discard_stale_uploads()
    assert ImportJob.objects.get(pk=job.pk).annotated.name == ""
    assert not job.annotated.storage.exists(stored)
