import io
from datetime import timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from gonghui.checkins import actions as checkins
from gonghui.checkins.models import CheckIn, Checkpoint
from gonghui.core.models import AuditEntry
from gonghui.core.tests.pdf import pdf_fonts, pdf_lines
from gonghui.volunteers import actions, certificates
from gonghui.volunteers.models import Certificate, Certification, Project, Shift
from gonghui.volunteers.tests.factories import setting, shift, user_of, volunteer


def pass_time(s: Shift, delta: timedelta) -> None:
    """As if `delta` had passed: the shift, its window and every stay at it move back."""
    Shift.objects.filter(pk=s.pk).update(starts_at=s.starts_at - delta, ends_at=s.ends_at - delta)
    checkpoint = s.checkpoint
    Checkpoint.objects.filter(pk=checkpoint.pk).update(
        opens_at=checkpoint.opens_at - delta,  # type: ignore[operator]  # set for every shift
        closes_at=checkpoint.closes_at - delta,  # type: ignore[operator]  # set for every shift
        registration_closes_at=checkpoint.registration_closes_at - delta,  # type: ignore[operator]  # set for every shift
    )
    for row in CheckIn.objects.filter(checkpoint=checkpoint):
        CheckIn.objects.filter(pk=row.pk).update(checked_in_at=row.checked_in_at - delta)
    s.refresh_from_db()
    s.checkpoint.refresh_from_db()


@pytest.fixture
def place(tree, make_staff):
    return setting(make_staff(tree.hlg, "operator"), tree.hlg)


@pytest.fixture
def soon(place):
    start = timezone.now() + timedelta(minutes=20)
    return shift(place, start, start + timedelta(hours=2))


def test_a_volunteer_signs_up_reports_leaves_and_gets_a_verifiable_certificate(
    place, soon, tree, operator, client_for, english
):
    member = volunteer(operator, tree.hlg, name="王志愿")
    phone = client_for(user_of(member))
    page = phone.get(reverse("volunteers:shifts"))
    assert page.status_code == 200
    assert "幸福东社区" in page.content.decode()
    phone.post(reverse("volunteers:sign_up", args=[soon.pk]))
    soon.checkpoint.refresh_from_db()
    assert soon.checkpoint.confirmed_places == 1

    code = checkins.screen_code(soon.checkpoint)
    duty = reverse("volunteers:duty", kwargs={"code": code})
    assert 'id="arrive-button"' in phone.get(duty).content.decode()
    assert CheckIn.objects.count() == 0  # a GET records nothing
    phone.post(duty, {"direction": "arrive"})
    assert 'data-code="checked_in"' in phone.get(duty).content.decode()
    pass_time(soon, timedelta(minutes=140))
    duty = reverse("volunteers:duty", kwargs={"code": checkins.screen_code(soon.checkpoint)})
    phone.post(duty, {"direction": "leave"})
    assert 'data-code="left"' in phone.get(duty).content.decode()

    leader = client_for(place.organiser)
    shift_page = leader.get(reverse("volunteers:staff_shift", args=[soon.pk]))
    assert shift_page.status_code == 200
    leader.post(reverse("volunteers:staff_certify", args=[soon.pk, member.pk]))
    assert Certification.objects.get().minutes == 120

    year = timezone.localdate(soon.starts_at).year
    issued = phone.post(reverse("volunteers:issue_certificate"), {"year": year})
    certificate = Certificate.objects.get()
    assert issued["Location"] == reverse("volunteers:certificate_pdf", args=[certificate.serial])
    pdf = phone.get(issued["Location"]).content
    lines = pdf_lines(pdf)
    # Printed in the site's language, whatever the reader's.
    assert "志愿者：王志愿" in lines
    assert f"{year}年：志愿服务 2 小时，共 1 个班次" in lines
    assert all(embedded for _name, embedded in pdf_fonts(pdf))

    code = certificates.code_of(certificate)
    verify = phone.get(reverse("volunteers:verify", kwargs={"code": code}))
    assert verify.status_code == 200
    assert f"王*愿：{year}年志愿服务 2 小时，共 1 个班次。" in verify.content.decode()
    forged = code[:-2] + ("AA" if not code.endswith("AA") else "BB")
    assert phone.get(reverse("volunteers:verify", kwargs={"code": forged})).status_code == 404


def test_the_records_export_masks_unless_the_registry_needs_ids(
    place, soon, tree, operator, client_for, make_staff
):
    member = volunteer(operator, tree.hlg, name="李志愿")
    actions.sign_up(member=member, shift=soon)
    at = soon.starts_at
    code = checkins.screen_code(soon.checkpoint, at=at)
    actions.report_by_code(member=member, shift=soon, code=code, departure=False, at=at)
    end = soon.ends_at
    code = checkins.screen_code(soon.checkpoint, at=end)
    actions.report_by_code(member=member, shift=soon, code=code, departure=True, at=end)
    actions.certify_hours(actor=place.organiser, shift=soon, member=member)
    url = reverse("volunteers:staff_records_xlsx", args=[soon.project_id])
    masked = client_for(place.organiser).get(url)
    sheet = openpyxl.load_workbook(io.BytesIO(masked.content)).active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == [
        "序号", "姓名", "身份证号", "服务项目", "组织单位", "服务日期", "服务地点",
        "服务时长（小时）", "记录人/证明人",
    ]  # fmt: skip
    assert rows[1][1] == "李*愿"
    assert rows[1][2] != str(member.id_number)
    assert rows[1][3:] == [
        "月末清洁日",
        "回龙观街道总工会",
        timezone.localdate(soon.starts_at).isoformat(),
        "幸福东社区",
        "2",
        place.organiser.name,
    ]
    # Full ID numbers need members.export_personal (federation level) and are audited.
    assert client_for(place.organiser).get(url + "?ids=1").status_code == 404
    federation = make_staff(tree.root, "federation_admin")
    full = client_for(federation).get(url + "?ids=1")
    sheet = openpyxl.load_workbook(io.BytesIO(full.content)).active
    assert sheet is not None
    assert sheet.cell(2, 3).value == str(member.id_number)
    assert AuditEntry.objects.filter(action="volunteers.export.unmasked").count() == 1
    page = client_for(place.organiser).get(
        reverse("volunteers:staff_project", args=[soon.project_id])
    )
    assert '<td class="num hours">2</td>' in page.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("organiser", 200), ("other_branch", 404), ("viewer", 404), ("member", 403)],
)
def test_staff_pages_are_scoped(place, soon, tree, operator, make_staff, client_for, who, status):
    users = {
        "organiser": place.organiser,
        "other_branch": make_staff(tree.district, "org_admin"),
        "viewer": make_staff(tree.hlg, "viewer"),
        "member": user_of(volunteer(operator, tree.hlg)),
    }
    client = client_for(users[who])
    for url in (
        reverse("volunteers:staff_project", args=[soon.project_id]),
        reverse("volunteers:staff_shift", args=[soon.pk]),
        reverse("volunteers:staff_records_xlsx", args=[soon.project_id]),
    ):
        assert client.get(url).status_code == status, url


def test_list_pages_take_a_fixed_number_of_queries(
    place, tree, operator, client_for, django_assert_num_queries
):
    start = timezone.now() + timedelta(days=2)
    for i in range(5):
        shift(place, start + timedelta(hours=3 * i), start + timedelta(hours=3 * i + 2))
    member = volunteer(operator, tree.hlg)
    phone = client_for(user_of(member))
    staff = client_for(place.organiser)
    project_page = reverse("volunteers:staff_project", args=[place.project.pk])
    phone.get(reverse("volunteers:shifts"))
    staff.get(project_page)
    with django_assert_num_queries(6):
        assert phone.get(reverse("volunteers:shifts")).status_code == 200
    with django_assert_num_queries(10):
        assert staff.get(project_page).status_code == 200
    with django_assert_num_queries(6):
        assert staff.get(reverse("volunteers:staff_projects")).status_code == 200
    assert Project.objects.count() == 1


def test_a_team_leader_who_is_no_staff_certifies_on_the_phone_but_never_their_own(
    place, soon, tree, operator, client_for, django_assert_num_queries, english
):
    leader = volunteer(operator, tree.hlg, name="张队长")
    actions.add_team_member(actor=place.organiser, team=place.team, member=leader, leader=True)
    helper = volunteer(operator, tree.hlg, name="李志愿")
    outsider = volunteer(operator, tree.hlg, name="赵旁观")
    for member in (leader, helper):
        actions.sign_up(member=member, shift=soon)
        at = soon.starts_at
        code = checkins.screen_code(soon.checkpoint, at=at)
        actions.report_by_code(member=member, shift=soon, code=code, departure=False, at=at)
        end = soon.ends_at
        code = checkins.screen_code(soon.checkpoint, at=end)
        actions.report_by_code(member=member, shift=soon, code=code, departure=True, at=end)
    phone = client_for(user_of(leader))
    phone.get(reverse("volunteers:lead"))
    with django_assert_num_queries(5):
        listing = phone.get(reverse("volunteers:lead"))
    assert f'data-shift="{soon.pk}"' in listing.content.decode()
    page = phone.get(reverse("volunteers:lead_shift", args=[soon.pk])).content.decode()
    assert page.count('class="button certify"') == 1  # the helper's, not the leader's own
    own = phone.post(reverse("volunteers:lead_certify", args=[soon.pk, leader.pk]))
    assert own.status_code == 403
    assert "不能认证自己的服务时长：须由其他队长认证。" in own.content.decode()
    assert Certification.objects.count() == 0
    phone.post(reverse("volunteers:lead_certify", args=[soon.pk, helper.pk]))
    certification = Certification.objects.get()
    assert (certification.member_id, certification.minutes) == (helper.pk, 120)
    assert certification.certified_by_id == leader.user_id
    stranger = client_for(user_of(outsider))
    assert stranger.get(reverse("volunteers:lead_shift", args=[soon.pk])).status_code == 404
    assert (
        stranger.post(reverse("volunteers:lead_certify", args=[soon.pk, helper.pk])).status_code
        == 404
    )


def test_staff_set_up_a_project_site_team_and_a_night_shift_through_the_forms(
    tree, operator, make_staff, client_for
):
    from gonghui.volunteers.models import Site, Team, TeamMember

    organiser = make_staff(tree.hlg, "operator")
    staff = client_for(organiser)
    sites = reverse("volunteers:staff_sites")
    site_form = {
        "form": "site",
        "site-org": tree.hlg.pk,
        "site-name": "裕龙花园",
        "site-kind": "community",
        "site-address": "裕龙街2号",
    }
    assert staff.post(sites, site_form).status_code == 302
    team_form = {
        "form": "team",
        "team-org": tree.hlg.pk,
        "team-name": "路客联盟",
        "team-kind": "couriers",
    }
    answer = staff.post(sites, team_form)
    team = Team.objects.get()
    assert answer["Location"] == reverse("volunteers:staff_team", args=[team.pk])
    member = volunteer(operator, tree.hlg)
    staff.post(answer["Location"], {"number": member.number, "leader": "on"})
    assert TeamMember.objects.get().is_leader
    created = staff.post(
        reverse("volunteers:staff_projects"),
        {"org": tree.hlg.pk, "title": "社区防疫", "cutoff_hours": 12, "publish": "on"},
    )
    project = Project.objects.get()
    assert created["Location"] == reverse("volunteers:staff_project", args=[project.pk])
    assert project.status == "published"
    day = timezone.localdate() + timedelta(days=3)
    staff.post(
        created["Location"],
        {"site": Site.objects.get().pk, "team": team.pk, "group": "晚班", "tasks": "发放防疫包",
         "day": day.isoformat(), "start": "22:00", "end": "02:00", "places": 6},
    )  # fmt: skip
    night = Shift.objects.get()
    assert (night.ends_at - night.starts_at, night.places, night.team_id) == (
        timedelta(hours=4),
        6,
        team.pk,
    )
    assert timezone.localdate(night.ends_at) == day + timedelta(days=1)
