"""Member export: a real .xlsx, masked by default, formula-looking text escaped, unmasked
exports behind their own capability and audited."""

import io
from datetime import date, datetime

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from gonghui.accounts.roles import Role
from gonghui.core.models import AuditEntry
from gonghui.core.tests.importing import errors_of
from gonghui.members.actions import import_member, record_leaving
from gonghui.members.exports import HEADERS
from gonghui.members.models import Member
from gonghui.members.tests.factories import id_number, person

EXPORT = reverse("members:roster_export")


def rows_of(response) -> list[list[object]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    return [list(cells) for cells in sheet.iter_rows(values_only=True)]


@pytest.fixture
def members(tree, operator):
    serials = iter(range(200, 300, 2))

    def make(org, gender="M", **fields):
        # the ID number's 17th digit agrees with the gender, as on a real card
        serial = next(serials) + (1 if gender == "M" else 0)
        fields["id_number"] = id_number(serial=serial)
        return import_member(
            actor=operator, org=org, joined_on=date(2023, 5, 1), **person(gender=gender, **fields)
        )

    def legacy(member):
        # Stored before names were checked (core/text.py): the export must still be safe.
        Member.objects.filter(pk=member.pk).update(
            employer_name='=HYPERLINK("http://evil.example","点我")'
        )
        return member

    return {
        "rider": make(tree.zgc, name="李小红", gender="F", job_type="rider"),
        "hyperlink": legacy(make(tree.zgc, name="王大力", job_type="courier")),
        "sohu": make(tree.sohu, name="张伟", job_type="employee", employer_name="搜狐"),
        "elsewhere": make(tree.hlg, name="赵六", job_type="rider"),
    }


def test_the_export_is_a_masked_xlsx_of_the_members_in_scope(tree, make_staff, client_for, members):
    admin = make_staff(tree.zgc)
    rows = rows_of(client_for(admin).get(EXPORT))
    assert rows[0] == [header for header, _width in HEADERS]
    by_name = {r[1]: r for r in rows[1:]}
    assert set(by_name) == {"李小红", "王大力", "张伟"}  # not 赵六 of another union
    rider = members["rider"]
    assert by_name["李小红"] == [
        rider.number,
        "李小红",
        "女",
        "汉族",
        f"{rider.id_number[:3]}***********{rider.id_number[-4:]}",
        f"{rider.mobile[:3]}****{rider.mobile[-4:]}",
        "美团外卖",
        "外卖骑手",
        "高中",
        "群众",
        "中关村科学城总工会",
        datetime(2023, 5, 1),  # noqa: DTZ001 — a real (naive) Excel date cell
        "正常",
    ]
    assert str(rider.id_number) not in str(rows)
    assert str(rider.mobile) not in str(rows)
    assert by_name["王大力"][6] == "'" + '=HYPERLINK("http://evil.example","点我")'
    assert by_name["张伟"][10] == "搜狐集团（北京）工会"


def test_cells_are_text_and_never_formulas(tree, make_staff, client_for, members):
    response = client_for(make_staff(tree.zgc)).get(EXPORT)
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    types = {cell.data_type for cells in sheet.iter_rows(min_row=2) for cell in cells}
    assert "f" not in types
    id_cell = sheet.cell(row=2, column=5)
    assert id_cell.data_type == "s"
    assert id_cell.number_format == "@"


def test_filters_match_the_members_list(tree, make_staff, client_for, members, operator):
    record_leaving(actor=operator, member=members["rider"], status="withdrawn", reason="离职")
    client = client_for(make_staff(tree.zgc))

    def names(query):
        return sorted(str(r[1]) for r in rows_of(client.get(EXPORT, query))[1:])

    assert names({}) == ["张伟", "王大力"]  # active members by default, like the list
    assert names({"status": ""}) == ["张伟", "李小红", "王大力"]
    assert names({"status": "withdrawn"}) == ["李小红"]
    assert names({"job_type": "courier"}) == ["王大力"]
    assert names({"q": "搜狐"}) == ["张伟"]
    assert names({"org": tree.sohu.pk}) == ["张伟"]
    assert client.get(EXPORT, {"org": tree.hlg.pk}).status_code == 404


def test_unmasked_needs_its_own_capability_and_is_audited(tree, make_staff, client_for, members):
    org_admin = client_for(make_staff(tree.zgc))
    assert org_admin.get(EXPORT, {"unmasked": "1"}).status_code == 403
    assert not AuditEntry.objects.filter(action="members.export.unmasked").exists()

    federation = make_staff(tree.district, Role.FEDERATION_ADMIN)
    client = client_for(federation)
    rows = rows_of(client.get(EXPORT, {"unmasked": "1", "org": tree.zgc.pk}))
    rider = members["rider"]
    by_name = {r[1]: r for r in rows[1:]}
    assert (by_name["李小红"][4], by_name["李小红"][5]) == (rider.id_number, rider.mobile)
    entry = AuditEntry.objects.get(action="members.export.unmasked")
    assert (entry.actor, entry.org, entry.changes["count"]) == (federation, tree.zgc, 3)
    assert str(rider.id_number) not in str(entry.changes)
    assert "李小红" not in str(entry.changes)
    # the capability's scope bounds the export: 回龙观 is outside this federation admin's
    assert client.get(EXPORT, {"unmasked": "1", "org": tree.hlg.pk}).status_code == 404


def test_viewers_export_masked_and_strangers_nothing(tree, make_staff, client_for, members):
    viewer = client_for(make_staff(tree.sohu, Role.VIEWER))
    rows = rows_of(viewer.get(EXPORT))
    assert [r[1] for r in rows[1:]] == ["张伟"]
    assert viewer.get(EXPORT, {"unmasked": "1"}).status_code == 403


def test_an_exported_roster_imports_back_as_already_members(
    tree, make_staff, client_for, members, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gonghui.members.actions import start_roster_import

    federation = make_staff(tree.root, Role.FEDERATION_ADMIN)
    response = client_for(federation).get(EXPORT, {"unmasked": "1", "org": tree.zgc.pk})
    upload = SimpleUploadedFile("export.xlsx", b"".join(response.streaming_content))
    with django_capture_on_commit_callbacks(execute=True):
        job = start_roster_import(actor=federation, org=tree.zgc, upload=upload)
    job.refresh_from_db()
    errors = errors_of(job)
    assert (job.status, job.valid_rows, job.error_count) == ("checked", 0, 3), errors
    # The employer that starts like a formula (stored before the rule) is refused as such;
    # the other two are recognised as members already.
    legacy = members["hyperlink"].number
    numbers = sorted(
        m.number
        for m in members.values()
        if (m.org == tree.zgc or m.org == tree.sohu) and m.number != legacy
    )
    assert sorted(n for e in errors for n in numbers if n in e["message"]) == numbers
    assert [e["column"] for e in errors if not any(n in e["message"] for n in numbers)] == [
        "工作单位"
    ]


# --- in the background, with progress ---------------------------------------------------------


def test_the_export_runs_in_the_background_and_only_its_requester_downloads_it(
    tree, make_staff, client_for, members, django_capture_on_commit_callbacks
):
    from gonghui.members.models import MemberExport

    admin = make_staff(tree.zgc)
    client = client_for(admin)
    listing = client.get(reverse("members:members"), {"job_type": "rider"})
    assert reverse("members:roster_export_start") in listing.text
    assert '<input type="hidden" name="job_type" value="rider">' in listing.text
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("members:roster_export_start"), {"job_type": "rider"})
    export = MemberExport.objects.get()
    assert started.url == reverse("members:roster_export_job", args=[export.pk])
    assert (export.status, export.total, export.done, export.unmasked) == ("done", 1, 1, False)
    page = client.get(started.url)
    assert reverse("members:roster_export_file", args=[export.pk]) in page.text
    rows = rows_of(client.get(reverse("members:roster_export_file", args=[export.pk])))
    assert [r[1] for r in rows[1:]] == ["李小红"]  # the rider of the union, masked
    assert str(members["rider"].id_number) not in str(rows)
    assert AuditEntry.objects.filter(action="members.export.requested").count() == 1
    # another staff member of the same union does not get the file
    colleague = client_for(make_staff(tree.zgc))
    assert colleague.get(started.url).status_code == 404
    assert colleague.get(reverse("members:roster_export_file", args=[export.pk])).status_code == 404


def test_a_running_export_shows_its_progress_and_polls(tree, make_staff, client_for):
    from gonghui.members.models import MemberExport

    admin = make_staff(tree.zgc)
    export = MemberExport.objects.create(
        created_by=admin, within=tree.zgc, language="en", status="running", total=8000, done=2000
    )
    page = client_for(admin).get(reverse("members:roster_export_job", args=[export.pk]))
    assert '<progress max="100" value="25">25%</progress>' in page.text
    assert 'hx-trigger="every 1s"' in page.text
    assert reverse("members:roster_export_file", args=[export.pk]) not in page.text
    unfinished = client_for(admin).get(reverse("members:roster_export_file", args=[export.pk]))
    assert unfinished.status_code == 404


def test_what_a_roster_did_not_say_is_exported_empty_and_a_kept_job_as_written(
    tree, make_staff, client_for, members
):
    rider = members["rider"]
    Member.objects.filter(pk=rider.pk).update(
        ethnicity="", education="", political_status="", job_type="other", job_type_text="保安"
    )
    rows = rows_of(client_for(make_staff(tree.zgc)).get(EXPORT))
    [row] = [r for r in rows if r[1] == "李小红"]
    assert (row[3], row[7], row[8], row[9]) == (None, "保安", None, None)


def test_a_background_export_is_deleted_after_a_day(
    tree, make_staff, client_for, members, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from gonghui.members.exports import discard_stale_exports
    from gonghui.members.models import MemberExport

    client = client_for(make_staff(tree.zgc))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("members:roster_export_start"), {})
    export = MemberExport.objects.get()
    stored = str(export.file.name)
    assert export.file.storage.exists(stored)
    assert discard_stale_exports() == 0
    later = timezone.now() + timedelta(days=1, minutes=1)
    assert discard_stale_exports(now=later) == 1
    assert not export.file.storage.exists(stored)
    assert not MemberExport.objects.exists()
