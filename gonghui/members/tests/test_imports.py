"""Member roster import through the real pipeline: real .xlsx and .csv files, tasks run inline."""

import io
from collections.abc import Sequence
from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from gonghui.accounts.models import User
from gonghui.accounts.roles import Role
from gonghui.core import imports
from gonghui.core.fields import lookup_value
from gonghui.core.models import AuditEntry, ImportJob
from gonghui.core.tests.importing import errors_of, problems_of
from gonghui.members.actions import import_member, start_roster_import
from gonghui.members.models import Episode, Member, MemberSequence
from gonghui.members.tests.factories import WEIGHTS, id_number, mobile, person

# Every action test here leaves the dashboard tallies exact (see gonghui/conftest.py).
pytestmark = pytest.mark.usefixtures("tallies_exact")

HEADER = [
    "姓名",
    "性别",
    "民族",
    "身份证号",
    "手机号",
    "工作单位",
    "岗位类型",
    "学历",
    "政治面貌",
    "入会时间",
]


def with_check(body: str) -> str:
    total = sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def row(**overrides: object) -> list[object]:
    values: dict[str, object] = {
        "name": "李小红",
        "gender": "",
        "ethnicity": "汉族",
        "id_number": id_number(),
        "mobile": mobile(),
        "employer": "顺丰速运",
        "job": "快递员",
        "education": "高中",
        "politics": "群众",
        "joined": "2023-05-01",
    }
    values.update(overrides)
    return list(values.values())


def xlsx(rows: Sequence[Sequence[object]], header: list[str] = HEADER) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for cells in rows:
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("会员信息采集表.xlsx", buffer.getvalue())


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Upload a roster and run its queued dry run, as the worker would."""

    def start(actor, org, upload, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            job = start_roster_import(actor=actor, org=org, upload=upload, **kwargs)
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


def test_dry_run_reports_every_bad_row_by_row_and_column_and_writes_nothing(
    tree, make_staff, operator, run, english
):
    admin = make_staff(tree.zgc)
    mine = import_member(actor=operator, org=tree.zgc, joined_on=date(2020, 1, 1), **person())
    theirs = import_member(actor=operator, org=tree.hlg, joined_on=date(2020, 1, 1), **person())
    first = id_number()
    rows = [
        row(id_number=first),  # 2: good
        row(name="张伟", id_number=id_number(date(1988, 2, 1), serial=103), gender="男"),  # 3
        # 4: checksum (never a 0 put last: with the serial's own zeros before it, that would
        # read as Excel's lost digits, a different message)
        row(id_number=first[:-1] + ("1" if first[-1] != "1" else "2")),
        row(id_number=with_check("11010819950230001")),  # 5: 30 February
        row(id_number=1.10108199506150e17),  # 6: Excel made it a number
        row(id_number="110108199506150000"),  # 7: Excel's trailing zeros, typed back as text
        row(employer='=HYPERLINK("http://x.example","点我")'),  # 8: formula
        row(mobile="12345"),  # 9: invalid phone
        row(id_number=first),  # 10: same as row 2
        row(id_number=str(mine.id_number)),  # 11: a member here
        row(id_number=str(theirs.id_number)),  # 12: a member elsewhere
        row(id_number="1.10108E+17"),  # 13: scientific notation as text
        row(education="幼儿园", joined="2023-02-30"),  # 14: two problems in one row
        row(id_number=110108199506150012),  # 15: a whole-number cell
        row(gender="女", id_number=id_number(serial=11)),  # 16: the ID number is a man's
        row(joined=""),  # 17: the join date column is there but empty
        row(joined=timezone.localdate().replace(year=timezone.localdate().year + 1)),  # 18
    ]
    job = run(admin, tree.zgc, xlsx(rows))
    assert job.status == ImportJob.Status.CHECKED
    errors = errors_of(job)
    assert (job.total_rows, job.valid_rows, job.refused_rows, job.error_count) == (
        17,
        3,
        14,
        15,
    ), errors
    assert (job.warned_rows, job.warning_count) == (1, 1)
    found = [(e["row"], e["column"]) for e in errors]
    assert found == [
        (4, "身份证号"),
        (5, "身份证号"),
        (6, "身份证号"),
        (7, "身份证号"),
        (8, "工作单位"),
        (9, "手机号"),
        (10, "身份证号"),
        (11, "身份证号"),
        (12, "身份证号"),
        (13, "身份证号"),
        (14, "学历"),
        (14, "入会时间"),
        (15, "身份证号"),
        (17, "入会时间"),
        (18, "入会时间"),
    ]
    messages = {(e["row"], e["column"]): e["message"] for e in problems_of(job)}
    assert "check for a typo" in messages[4, "身份证号"]
    assert messages[5, "身份证号"] == "The birth date inside this ID number does not exist."
    for excel_row in (6, 7, 13, 15):
        assert "Format the ID number column as text" in messages[excel_row, "身份证号"]
        assert "never repaired" in messages[excel_row, "身份证号"]
    assert messages[8, "工作单位"] == "This cell holds a formula; enter the value itself."
    assert "11 digits" in messages[9, "手机号"]
    assert messages[10, "身份证号"] == (
        "Same ID number as row 2 of this file: a person is imported once. Keep one of the two "
        "rows; if they are two people, one of the ID numbers is wrong."
    )
    # the roster names someone else under this member's ID number
    assert messages[11, "身份证号"] == (
        f"This ID number is already member {mine.number}'s, recorded under another name: "
        "check the ID number."
    )
    assert messages[12, "身份证号"] == "Already a member of another union."
    assert theirs.number not in str(problems_of(job))
    assert messages[14, "学历"].startswith("Unknown value “幼儿园”")
    assert messages[14, "入会时间"] == "This date does not exist."
    assert messages[16, "性别"] == (
        "性别 says woman, but the ID number is a man's: recorded as man, since the ID number "
        "decides. If the ID number is the mistake, correct it and upload again."
    )
    assert messages[17, "入会时间"] == "This cell is required."
    assert messages[18, "入会时间"] == "This date is in the future."
    assert Member.objects.count() == 2  # the two made above; nothing written by the dry run


def test_confirm_imports_the_good_rows_and_reimport_creates_nothing(
    tree, make_staff, run, confirm, english
):
    admin = make_staff(tree.zgc)
    rows = [
        row(name="李小红", gender="女", id_number=id_number(serial=12), joined="2023/5/1"),
        row(name="王大力", id_number=id_number(serial=13), joined="2023年6月2日"),
        row(name="赵坏", mobile="1234"),
    ]
    job = confirm(admin, run(admin, tree.zgc, xlsx(rows)))
    assert job.status == ImportJob.Status.DONE
    assert job.summary == {"created": 2}
    assert (job.error_count, job.refused_rows) == (1, 1)
    members = list(Member.objects.order_by("number"))
    assert [(m.name, m.gender, m.joined_on, m.org) for m in members] == [
        ("李小红", "F", date(2023, 5, 1), tree.zgc),
        ("王大力", "M", date(2023, 6, 2), tree.zgc),
    ]
    assert [m.number for m in members] == [f"{tree.zgc.pk:06d}-00000{n}" for n in (1, 2)]
    assert members[0].id_number == rows[0][3]
    assert members[0].job_type == "courier"
    assert members[0].education == "high_school"
    assert MemberSequence.objects.get(org=tree.zgc).last == 2
    # the lookup hashes are right, however the rows went in (COPY on PostgreSQL)
    assert Member.objects.get(mobile_hash=lookup_value("mobile", str(rows[0][4]))) == members[0]
    assert (
        Member.objects.get(id_number_hash=lookup_value("id_number", str(rows[1][3]))) == members[1]
    )
    assert [(e.org, e.started_on, e.ended_on) for e in Episode.objects.order_by("pk")] == [
        (tree.zgc, date(2023, 5, 1), None),
        (tree.zgc, date(2023, 6, 2), None),
    ]
    assert AuditEntry.objects.filter(action="members.roster.recorded").get().changes["count"] == 2

    # the same people in another file (the very same file is refused at upload: below)
    again = confirm(admin, run(admin, tree.zgc, xlsx([*rows, row(mobile="123")])))
    assert again.status == ImportJob.Status.DONE
    assert again.summary == {"created": 0}
    assert again.valid_rows == 0
    assert Member.objects.count() == 2
    assert [(e["row"], e["message"]) for e in errors_of(again)[:2]] == [
        (2, f"Already a member, number {members[0].number}."),
        (3, f"Already a member, number {members[1].number}."),
    ]


def test_header_variants_and_defaults_for_absent_columns(tree, make_staff, run, confirm):
    admin = make_staff(tree.zgc)
    header = ["*姓名", "公民身份号码", "联系电话", "就业平台", "职业"]
    woman = id_number(serial=22)
    rows = [
        ["周  芳", woman, "+86 139 1234 5678", "美团", "外卖骑手"],
        ["吴强", id_number(serial=23), "13912345679", "", "保安"],
    ]
    job = run(admin, tree.zgc, xlsx(rows, header=header))
    assert (job.valid_rows, job.error_count, job.warned_rows) == (2, 0, 1)
    # gender, ethnicity, education, politics, join date
    assert len(job.summary["notes"]) == 5
    [unknown_job] = problems_of(job)
    assert (unknown_job["row"], unknown_job["kind"], unknown_job["code"]) == (
        3,
        "warning",
        "job_type_other",
    )
    job = confirm(admin, job)
    first, second = Member.objects.order_by("number")
    assert (first.name, first.gender, first.mobile, first.job_type) == (
        "周 芳",
        "F",
        "13912345678",
        "rider",
    )
    # absent columns: unknown, not a default
    assert (first.ethnicity, first.education, first.political_status) == ("", "", "")
    assert first.joined_on == timezone.localdate()
    assert (second.gender, second.job_type, second.employer_name) == ("M", "other", "")
    assert (first.job_type_text, second.job_type_text) == ("", "保安")


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            {"ethnicity": "汉", "education": "大学本科", "politics": "中共党员"},
            ("01", "bachelor", "cpc"),
        ),
        (
            {"ethnicity": "蒙古族", "education": "硕士", "politics": "中共预备党员"},
            ("02", "graduate", "cpc_probationary"),
        ),
        (
            {"ethnicity": "回族", "education": "专科", "politics": "共青团员"},
            ("03", "college", "league"),
        ),
        (
            {"ethnicity": "满族", "education": "技校", "politics": "九三学社社员"},
            ("11", "vocational", "democratic"),
        ),
        (
            {"ethnicity": "壮", "education": "初中及以下", "politics": "无党派人士"},
            ("08", "middle_school", "non_partisan"),
        ),
    ],
)
def test_roster_words_map_to_the_stored_choices(tree, make_staff, run, cells, expected):
    admin = make_staff(tree.zgc)
    job = run(admin, tree.zgc, xlsx([row(**cells)]))
    assert (job.valid_rows, problems_of(job)) == (1, [])


@pytest.mark.parametrize(
    ("text", "job_type"),
    [
        ("快递员", "courier"),
        ("骑手", "rider"),
        ("配送员", "rider"),
        ("网约车司机", "ride_hailing"),
        ("货车司机", "truck"),
        ("家政服务员", "domestic"),
        ("网络主播", "content"),
        ("职工", "employee"),
        ("保洁", "other"),
        ("", ""),
    ],
)
def test_job_types(tree, make_staff, run, confirm, text, job_type):
    admin = make_staff(tree.zgc)
    confirm(admin, run(admin, tree.zgc, xlsx([row(job=text)])))
    assert Member.objects.get().job_type == job_type


@pytest.mark.parametrize(
    ("cell", "joined"),
    [
        ("2023-05-01", date(2023, 5, 1)),
        ("2023/5/1", date(2023, 5, 1)),
        ("2023年5月1日", date(2023, 5, 1)),
        ("2023.05", date(2023, 5, 1)),
        ("2023年5月", date(2023, 5, 1)),
        ("２０２３－０５－０１", date(2023, 5, 1)),
        ("20230501", date(2023, 5, 1)),
        (datetime(2023, 5, 1, 0, 0), date(2023, 5, 1)),  # noqa: DTZ001 — Excel dates are naive
        (2023.05, date(2023, 5, 1)),
    ],
)
def test_join_date_formats(tree, make_staff, run, confirm, cell, joined):
    admin = make_staff(tree.zgc)
    job = confirm(admin, run(admin, tree.zgc, xlsx([row(joined=cell)])))
    assert job.summary == {"created": 1}, problems_of(job)
    assert Member.objects.get().joined_on == joined


def test_an_ambiguous_number_date_is_refused(tree, make_staff, run, english):
    admin = make_staff(tree.zgc)
    job = run(admin, tree.zgc, xlsx([row(joined=2023.1)]))
    assert errors_of(job)[0]["message"] == (
        "Excel turned this date into the number 2023.1; enter it as 2023-10-01."
    )


def test_gbk_csv(tree, make_staff, run, confirm):
    admin = make_staff(tree.zgc)
    person_id = id_number(serial=32)  # an even 17th digit: a woman
    text = (
        "姓名,性别,民族,身份证号码,手机号码,工作单位,工作类型,文化程度,政治面貌,入会日期\n"
        f"陈静,女,汉族,'{with_check(person_id[:17])},13800138000,京东物流,快递员,中专,团员,2022-03-01\n"
    )
    upload = SimpleUploadedFile("名单.csv", text.encode("gbk"))
    job = confirm(admin, run(admin, tree.zgc, upload))
    assert job.summary == {"created": 1}, problems_of(job)
    member = Member.objects.get()
    assert (member.name, member.employer_name, member.education, member.political_status) == (
        "陈静",
        "京东物流",
        "vocational",
        "league",
    )


def test_staff_can_name_a_header_the_importer_does_not_know(tree, make_staff, run, english):
    admin = make_staff(tree.zgc)
    header = ["名字", "身份证件号", "手机号"]
    rows = [["孙悟", id_number(serial=41), "13700000001"]]
    failed = run(admin, tree.zgc, xlsx(rows, header=header))
    assert failed.status == ImportJob.Status.FAILED
    assert failed.failure == "The header row lacks these columns: 姓名、身份证号."
    job = run(
        admin,
        tree.zgc,
        xlsx(rows, header=header),
        column_map={"name": "名字", "id_number": " 身份证件号 "},
    )
    assert (job.status, job.valid_rows) == (ImportJob.Status.CHECKED, 1)


def test_a_linked_account_and_an_enterprise_union(
    tree, make_staff, make_enterprise, operator, run, confirm
):
    from gonghui.enterprises.actions import record_existing_union

    enterprise = make_enterprise(tree.zgc)
    record_existing_union(
        actor=operator, enterprise=enterprise, union=tree.sohu, established_on=date(2020, 1, 1)
    )
    worker = User.objects.create_user("worker", "pw-worker", name="工人", mobile="13600000001")
    admin = make_staff(tree.sohu)
    rows = [
        row(mobile="13600000001", id_number=id_number(serial=51)),
        row(mobile="13600000001", id_number=id_number(serial=52)),  # shares the phone
    ]
    confirm(admin, run(admin, tree.sohu, xlsx(rows)))
    first, second = Member.objects.order_by("number")
    assert (first.user, second.user) == (worker, None)
    assert first.enterprise == enterprise
    assert first.has_employer_union


def test_a_station_takes_no_members(tree, make_staff, operator, run, english):
    job = run(operator, tree.station, xlsx([row()]))
    assert job.status == ImportJob.Status.FAILED
    assert "not to a station" in job.failure


def test_the_write_does_not_query_per_row(
    tree, make_staff, django_capture_on_commit_callbacks, run
):
    admin = make_staff(tree.zgc)

    def queries_for(count: int) -> int:
        rows = [row(id_number=id_number(), mobile=mobile()) for _ in range(count)]
        job = run(admin, tree.zgc, xlsx(rows))
        assert job.valid_rows == count
        with django_capture_on_commit_callbacks(execute=False):
            imports.confirm_import(actor=admin, job=job)
        with CaptureQueriesContext(connection) as captured:
            done = imports.run_job(job.pk)
        assert done.summary == {"created": count}
        return len(captured.captured_queries)

    queries_for(1)  # the union's member sequence is created on the first import
    assert queries_for(3) == queries_for(30)


def test_the_import_page_hands_over_to_the_job_page(
    tree, make_staff, client_for, django_capture_on_commit_callbacks, english
):
    admin = make_staff(tree.zgc)
    client = client_for(admin)
    page = client.get(reverse("members:roster_import"))
    assert page.status_code == 200
    assert reverse("web:import_template", args=["members"]) in page.text
    assert "中关村科学城总工会" in page.text
    assert "北京市总工会" not in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("members:roster_import"), {"org": tree.zgc.pk, "file": xlsx([row()])}
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("web:import_job", args=[job.pk])
    assert (job.kind, job.org, job.status) == ("members", tree.zgc, ImportJob.Status.CHECKED)
    outside = client.post(
        reverse("members:roster_import"), {"org": tree.hlg.pk, "file": xlsx([row()])}
    )
    assert outside.status_code == 404  # outside the scope: nothing stored
    assert ImportJob.objects.count() == 1
    template = client.get(reverse("web:import_template", args=["members"]))
    assert template.status_code == 200


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.OPERATOR, Role.VIEWER])
def test_the_import_page_needs_members_manage_and_imports_run(tree, make_staff, client_for, role):
    client = client_for(make_staff(tree.zgc, role))
    assert client.get(reverse("members:roster_import")).status_code == 404


def test_an_empty_required_cell_says_so(tree, make_staff, run, english):
    admin = make_staff(tree.zgc)
    job = run(admin, tree.zgc, xlsx([row(name="", mobile="  ")]))
    assert [(e["row"], e["column"], e["message"]) for e in problems_of(job)] == [
        (2, "姓名", "This cell is required."),
        (2, "手机号", "This cell is required."),
    ]
