"""A worker's own data (PIPL): every group with exact rows, nobody else's, the page, the
.xlsx, the audit of downloads and their rate limit."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.apps import apps
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.checkins import actions as checkins
from gonghui.checkins.models import Checkpoint
from gonghui.core.models import AuditEntry
from gonghui.members import own_data
from gonghui.members.models import Application, Member
from gonghui.members.own_data import Group, Personal, day, moment
from gonghui.members.tests.own_data_world import make_world

PERSON_MODELS = {"members.Member", "members.Application", "accounts.User"}


def keys_to_a_person() -> set[str]:
    found = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if (
                isinstance(field, models.ForeignKey)  # OneToOneField is one too
                and field.related_model is not None
                and field.related_model._meta.label in PERSON_MODELS
            ):
                found.add(f"{model._meta.label}.{field.name}")
    return found


def test_every_key_to_a_member_application_or_account_is_reported_or_explained():
    found = keys_to_a_person()
    covered, explained = own_data.covered_keys(), set(own_data.NOT_ABOUT_THE_WORKER)
    assert found - covered - explained == set(), "a new model holds a key to a person"
    # Nothing listed that no longer exists, and nothing both reported and explained away.
    assert (covered | explained) - found == set()
    assert covered & explained == set()
    assert len(found) == 73


@pytest.fixture
def world(tree, operator):
    return make_world(operator, tree)


def test_the_worker_sees_every_group_with_exactly_their_rows(world, english):
    w = world.worker
    m, user = w.member, w.user
    groups = {g.key: g for g in own_data.collect(own_data.person_of(user))}
    assert list(groups) == [
        "account",
        "api_tokens",
        "membership",
        "episodes",
        "applications",
        "transfers",
        "registrations",
        "check_ins",
        "claims",
        "relief",
        "station_visits",
        "volunteer_teams",
        "volunteer_service",
        "volunteer_certificates",
        "lessons",
        "played_intervals",
        "study_campaigns",
        "quiz_attempts",
        "certificates",
        "entries",
        "electorates",
        "ballots",
        "consents",
        "audit",
    ]
    mobile = Personal("mobile", "13900001234")
    id_number = Personal("id_number", str(m.id_number))
    assert groups["account"].rows == [("周骑手", mobile, moment(user.date_joined), "")]
    assert groups["api_tokens"].rows == []
    assert groups["membership"].columns[:3] == ["Member number", "Full name", "Gender"]
    assert groups["membership"].rows == [
        (
            m.number,
            "周骑手",
            "Male",
            "汉族",
            id_number,
            mobile,
            "美团外卖",
            "Food-delivery rider",
            "",  # the roster's own words for the job: none, the job type matched
            "High school",
            "Ordinary citizen",
            "中关村科学城总工会",
            "Active",
            day(m.joined_on),
            "",
            "",
            "1",
        )
    ]
    assert groups["episodes"].rows == [("中关村科学城总工会", "美团外卖", day(m.joined_on), "")]
    application_row = (
        "周骑手",
        id_number,
        mobile,
        "美团外卖",
        "Food-delivery rider",
        "中关村科学城总工会",
        "中关村骑手入会活动",
    )
    assert groups["applications"].rows == [
        (
            moment(w.rejected.submitted_at),
            *application_row,
            "Rejected",
            "资料不全",
            moment(w.rejected.reviewed_at),
        ),
        (
            moment(w.approved.submitted_at),
            *application_row,
            "Approved",
            "",
            moment(w.approved.reviewed_at),
        ),
    ]
    assert groups["transfers"].rows == [
        (
            moment(w.transfer.requested_at),
            "中关村科学城总工会",
            "回龙观街道总工会",
            "顺丰速运",
            "Waiting for the receiving union",
            "",
            "",
        )
    ]
    assert groups["registrations"].columns[-1] == "Registered at"
    assert groups["registrations"].rows == [
        ("骑手安全培训", "Activity", "1", "Confirmed", moment(w.registration.created_at))
    ]
    held = groups["check_ins"].rows
    assert [(row[0], row[2]) for row in held] == [("骑手座谈会", "Printed code at the site")]
    visits = groups["station_visits"].rows
    assert [(row[0], row[2]) for row in visits] == [("龙泽园驿站", "Printed code at the site")]
    assert groups["claims"].rows == [
        ("免费心理咨询一次", "职工心理咨询", moment(w.claim.claimed_at), "Ready to use", "")
    ]
    assert groups["consents"].rows == [
        ("Given", "2026-11", moment(w.rejected.consented_at)),
        ("Given", "2026-11", moment(w.approved.consented_at)),
    ]
    assert [row[1:] for row in groups["audit"].rows] == [
        ("运维", "Application rejected", ""),
        ("运维", "Application approved", ""),
        ("You", "Transfer requested", ""),
        ("运维", "Staff viewed your full number", "ID number"),
    ]


def _texts(groups: list[Group]) -> set[str]:
    return {str(cell) for group in groups for row in group.rows for cell in row}


def test_another_workers_data_never_appears(world):
    mine = _texts(own_data.collect(own_data.person_of(world.worker.user)))
    other = world.other.member
    for theirs in ("吴快递", str(other.mobile), str(other.id_number), other.number):
        assert theirs not in mine
    assert str(world.worker.member.id_number) in mine


def test_an_applicant_sees_their_application_and_no_membership(tree, operator, english):
    from gonghui.members.tests.own_data_world import apply, make_event

    user = User.objects.create_user(None, None, mobile="13900002222")
    application = apply(make_event(operator, tree.zgc), "only", mobile="13900002222")
    groups = {g.key: g for g in own_data.collect(own_data.person_of(user))}
    assert groups["membership"].rows == []
    assert [row[-3] for row in groups["applications"].rows] == ["Waiting for review"]
    assert groups["consents"].rows == [("Given", "2026-11", moment(application.consented_at))]


def test_an_application_matched_by_mobile_alone_keeps_the_typed_name_and_id_masked(
    world, tree, operator, client_for
):
    """A stranger who typed this worker's mobile number must not show them a stranger's ID."""
    from gonghui.core.personal import mask_id_number
    from gonghui.members.tests.factories import id_number
    from gonghui.members.tests.own_data_world import apply, make_event

    typed = id_number(serial=9_001)
    masked = mask_id_number(typed)
    stranger = apply(
        make_event(operator, tree.zgc),
        "stranger",
        name="郑陌生",
        id_number=typed,
        mobile="13900001234",
    )
    groups = {g.key: g for g in own_data.collect(own_data.person_of(world.worker.user))}
    [row] = [r for r in groups["applications"].rows if r[1] == "郑*生"]
    assert row[0] == moment(stranger.submitted_at)
    assert row[2] == masked
    shown = client_for(world.worker.user).get("/me/data/?show=1").content.decode()
    assert typed not in shown
    assert "郑陌生" not in shown
    assert masked in shown
    sheet = openpyxl.load_workbook(
        io.BytesIO(client_for(world.worker.user).get("/me/data.xlsx").getvalue())
    )
    texts = {str(c.value) for ws in sheet.worksheets for r in ws.iter_rows() for c in r}
    assert typed not in texts
    assert masked in texts
    # Their own membership's ID number still shows in full when asked.
    assert str(world.worker.member.id_number) in shown


def test_the_page_masks_the_numbers_until_the_worker_asks(world, client_for, settings):
    client = client_for(world.worker.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    entries = AuditEntry.objects.count()
    page = client.get("/me/data/").content.decode()
    assert "139****1234" in page
    assert "13900001234" not in page
    assert str(world.worker.member.id_number) not in page
    assert "吴快递" not in page
    assert 'id="data-station_visits"' in page
    shown = client.get("/me/data/?show=1").content.decode()
    assert "13900001234" in shown
    assert str(world.worker.member.id_number) in shown
    # Their own numbers: no audit entry for looking at them.
    assert AuditEntry.objects.count() == entries


def test_the_page_needs_sign_in(client):
    response = client.get("/me/data/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_xlsx_has_a_sheet_per_group_in_chinese_unmasked(world, client_for):
    client = client_for(world.worker.user)
    response = client.get("/me/data.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == own_data.XLSX_CONTENT_TYPE
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "账号",
        "API 令牌",
        "会员档案",
        "会籍经历",
        "入会申请",
        "会员关系接转",
        "活动报名",
        "活动签到",
        "领取的优惠",
        "收到的慰问",
        "驿站到访",
        "志愿服务队",
        "志愿服务",
        "志愿服务时长证明",
        "收听的课时",
        "播放区间",
        "学习活动",
        "测验记录",
        "证书",
        "我的作品",
        "选民名册",
        "选票",
        "同意记录",
        "谁查看或更改了您的信息",
    ]
    member = world.worker.member
    rows = list(book["会员档案"].iter_rows(values_only=True))
    assert rows[0][:6] == ("会员编号", "姓名", "性别", "民族", "身份证号", "手机号")
    assert rows[1][:6] == (
        member.number,
        "周骑手",
        "男",
        "汉族",
        str(member.id_number),
        "13900001234",
    )
    assert len(rows) == 2
    assert [r[8] for r in book["入会申请"].iter_rows(min_row=2, values_only=True)] == [
        "不予通过",
        "已通过",
    ]
    assert len(list(book["驿站到访"].iter_rows(values_only=True))) == 2
    entry = AuditEntry.objects.get(action="members.personal_data.downloaded")
    assert (entry.actor_id, entry.org_id, entry.changes) == (
        world.worker.user.pk,
        member.org_id,
        {"format": "xlsx"},
    )


def test_cells_a_spreadsheet_would_run_are_written_as_text():
    group = Group(key="g", title="组", columns=["=标题"], rows=[("=1+2",), ("@SUM(A1)",), ("-3",)])
    book = openpyxl.load_workbook(own_data.write_xlsx([group]))
    assert [c[0] for c in book["组"].iter_rows(values_only=True)] == [
        "'=标题",
        "'=1+2",
        "'@SUM(A1)",
        "-3",
    ]


def test_downloads_are_rate_limited_per_account(world, client_for, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "personal_data.download": (2, 3600)}
    client = client_for(world.worker.user)
    assert [client.get("/me/data.xlsx").status_code for _ in range(2)] == [200, 200]
    refused = client.get("/me/data.xlsx")
    assert (refused.status_code, refused["Location"]) == (302, "/me/data/")
    assert AuditEntry.objects.filter(action="members.personal_data.downloaded").count() == 2
    # Another worker has their own allowance.
    assert client_for(world.other.user).get("/me/data.xlsx").status_code == 200


def test_nothing_about_a_member_model_is_left_out_of_the_membership_group(world):
    """Each field of Member either shows or is bookkeeping the worker cannot read anything
    into (hashes, keys, counters)."""
    shown = {
        "number",
        "name",
        "gender",
        "ethnicity",
        "id_number",
        "mobile",
        "employer_name",
        "job_type",
        "job_type_text",
        "education",
        "political_status",
        "org",
        "status",
        "joined_on",
        "left_on",
        "leave_reason",
        "card_version",
    }
    bookkeeping = {
        "id",
        "id_number_hash",
        "mobile_hash",
        "has_employer_union",
        "enterprise",
        "user",
        "recruitment_event",
        "created_at",
        "version",
        "anonymised_at",
    }
    fields = {f.name for f in Member._meta.concrete_fields}
    assert fields == shown | bookkeeping
    assert {f.name for f in Application._meta.concrete_fields} >= {"consent_version"}


def test_the_page_reads_the_same_number_of_queries_for_one_row_or_three(
    world, client_for, tree, operator
):
    client = client_for(world.worker.user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/me/data/").status_code == 200
        return len(captured)

    one = queries()
    member = world.worker.member
    for title in ("骑手夜校", "骑手运动会"):
        checkpoint = Checkpoint.objects.create(
            org=tree.zgc,
            kind="activity",
            title=title,
            requires_registration=False,
            allows_walk_ins=True,
            closes_at=timezone.now() + timedelta(hours=1),
        )
        checkins.register(member=member, checkpoint=checkpoint)
        assert checkins.check_in_by_poster(member=member, checkpoint=checkpoint).ok
    later = timezone.now() + timedelta(days=1)
    assert checkins.check_in_by_poster(member=member, checkpoint=world.station, at=later).ok
    assert queries() == one
    groups = {g.key: g for g in own_data.collect(own_data.person_of(world.worker.user))}
    assert [len(groups[key].rows) for key in ("registrations", "check_ins", "station_visits")] == [
        3,
        3,
        2,
    ]
