"""Review warnings (a mobile number another person uses, an age outside working life, a member
of another union) and the staff search by a whole mobile or ID number."""

import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gonghui.core.models import AuditEntry
from gonghui.members import actions, queries
from gonghui.members.review_warnings import age_on, warnings_of
from gonghui.members.tests.factories import id_number, person

EN = {"Accept-Language": "en"}


def make_event(operator, org, title):
    now = timezone.now()
    return actions.create_recruitment_event(
        actor=operator,
        org=org,
        enterprise=None,
        title=title,
        place="驿站",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=3),
    )


@pytest.fixture
def world(tree, operator):
    """A member of 德胜 and, at 回龙观, one application for each warning and one without."""
    hlg = make_event(operator, tree.hlg, "回龙观入会活动")
    desheng = make_event(operator, tree.desheng, "德胜入会活动")
    keys = iter(range(1, 100))

    def submit(event, **overrides):
        return actions.submit_application(
            event=event,
            submission_key=f"key-{next(keys)}",
            consent=True,
            consent_version=settings.CONSENT_VERSION,
            **person(**overrides),
        ).application

    member_application = submit(desheng, name="李会员", mobile="13900001111")
    member = actions.approve_application(actor=operator, application=member_application)
    applications = {
        "clean": submit(hlg, name="张清白"),
        "member_mobile": submit(hlg, name="赵借号", mobile="13900001111"),
        "shared_a": submit(hlg, name="钱共号", mobile="13700002222"),
        "shared_b": submit(hlg, name="孙共号", mobile="13700002222"),
        "young": submit(hlg, name="周少年"),
        "old_man": submit(hlg, name="吴老汉", id_number=id_number(date(1955, 1, 1), serial=13)),
        "old_woman": submit(
            hlg, name="郑大妈", gender="F", id_number=id_number(date(1960, 1, 1), serial=12)
        ),
        "working_woman": submit(
            hlg, name="王阿姨", gender="F", id_number=id_number(date(1969, 6, 1), serial=14)
        ),
        "elsewhere": submit(hlg, name="李会员", id_number=str(member.id_number)),
    }
    # Joining refuses the under-aged; an application written otherwise (an older rule, a
    # correction of the ID number) may still be one.
    young = applications["young"]
    young.id_number = id_number(date(2012, 1, 1), serial=11)
    young.save()
    return member, applications


EXPECTED = {
    "clean": [],
    "member_mobile": ["mobile_of_member"],
    "shared_a": ["mobile_of_applicant"],
    "shared_b": ["mobile_of_applicant"],
    "young": ["under_age"],
    "old_man": ["past_retirement"],
    "old_woman": ["past_retirement"],
    "working_woman": [],
    "elsewhere": ["member_elsewhere"],
}


def test_each_application_has_exactly_its_warnings_in_one_query(
    world, tree, make_staff, django_assert_num_queries
):
    _member, applications = world
    staff = make_staff(tree.hlg, "reviewer")
    staff.scope_paths("members.view")
    listing = queries.list_applications(
        staff, "members.view", filters=queries.ApplicationFilters(status="pending")
    )
    with django_assert_num_queries(1):
        found = {a.pk: [w.code for w in warnings_of(a)] for a in listing}
    assert found == {applications[key].pk: codes for key, codes in EXPECTED.items()}


def test_the_queue_and_the_application_page_show_the_warnings(world, tree, make_staff, client_for):
    _member, applications = world
    client = client_for(make_staff(tree.hlg, "reviewer"))
    page = client.get(reverse("members:review"), headers=EN).text
    for key, codes in EXPECTED.items():
        row = re.search(rf'<tr id="application-{applications[key].pk}".*?</tr>', page, re.S)
        assert row is not None
        assert re.findall(r'data-warning="([a-z_]+)"', row.group(0)) == codes, key
    assert "Mobile number of a member" in page
    detail = client.get(
        reverse("members:application_detail", args=[applications["old_woman"].pk]), headers=EN
    ).text
    assert "Aged 66 by the ID number: past the retirement age (58)." in detail
    detail = client.get(
        reverse("members:application_detail", args=[applications["member_mobile"].pk]),
        headers=EN,
    ).text
    assert "This mobile number is a member&#x27;s, with another ID number." in detail


def test_the_queue_costs_the_same_queries_with_warnings(world, tree, make_staff, client_for):
    client = client_for(make_staff(tree.hlg, "reviewer"))
    client.get(reverse("members:review"))  # warm the session
    with CaptureQueriesContext(connection) as with_warnings:
        client.get(reverse("members:review"))
    with CaptureQueriesContext(connection) as one_listed:
        client.get(reverse("members:review"), {"q": "张清白"})
    assert len(with_warnings) == len(one_listed) == 6


@pytest.mark.parametrize(
    ("id_number_", "day", "age"),
    [
        ("110108200002290014", date(2016, 2, 28), 15),
        ("110108200002290014", date(2016, 2, 29), 16),
        ("110108200002290014", date(2016, 3, 1), 16),
        ("", date(2016, 3, 1), None),
    ],
)
def test_age_in_whole_years(id_number_, day, age):
    assert age_on(id_number_, day) == age


def names_in(page: str) -> list[str]:
    """The applicants' names in the queue, or the member numbers in the members list."""
    return re.findall(r'<a href="/staff/members/(?:applications/)?\d+/">([^<]+)</a>', page)


def test_staff_find_a_member_by_a_whole_mobile_or_id_number_audited(
    world, tree, make_staff, client_for
):
    member, _applications = world
    staff = make_staff(tree.root, "reviewer")
    client = client_for(staff)
    members = reverse("members:members")
    assert names_in(client.get(members, {"q": "139 0000 1111"}).text) == [member.number]
    found = client.get(members, {"q": str(member.id_number).lower()}).text
    assert names_in(found) == [member.number]
    entries = list(
        AuditEntry.objects.filter(action="members.personal_data.searched").order_by("pk")
    )
    assert [(e.actor_id, e.org, e.changes) for e in entries] == [
        (staff.pk, tree.root, {"field": "mobile", "value": "139****1111", "list": "members"}),
        (
            staff.pk,
            tree.root,
            {
                "field": "id_number",
                "value": f"{str(member.id_number)[:3]}***********{str(member.id_number)[-4:]}",
                "list": "members",
            },
        ),
    ]


def test_the_review_queue_finds_every_application_with_a_whole_mobile_number(
    world, tree, make_staff, client_for
):
    client = client_for(make_staff(tree.hlg, "reviewer"))
    page = client.get(reverse("members:review"), {"q": "13700002222"}).text
    assert sorted(names_in(page)) == ["孙共号", "钱共号"]
    assert (
        AuditEntry.objects.filter(action="members.personal_data.searched", org=tree.hlg).count()
        == 1
    )


def test_partial_input_searches_names_as_before_without_an_audit(
    world, tree, make_staff, client_for
):
    client = client_for(make_staff(tree.hlg, "reviewer"))
    assert names_in(client.get(reverse("members:review"), {"q": "共号"}).text) == [
        "钱共号",
        "孙共号",
    ]
    assert names_in(client.get(reverse("members:review"), {"q": "1370000"}).text) == []
    assert not AuditEntry.objects.filter(action="members.personal_data.searched").exists()


def test_a_whole_number_outside_the_scope_finds_nobody(world, tree, make_staff, client_for):
    # The member is at 德胜: a 回龙观 reviewer learns nothing by typing their number.
    client = client_for(make_staff(tree.hlg, "reviewer"))
    assert names_in(client.get(reverse("members:members"), {"q": "13900001111"}).text) == []


def test_the_api_lists_and_shows_the_warnings(world, tree, make_staff, api_client_for):
    _member, applications = world
    client = api_client_for(make_staff(tree.hlg, "reviewer"))
    listed = client.get("/api/v1/applications", {"page_size": 50}).json()["items"]
    assert {item["id"]: item["warnings"] for item in listed} == {
        applications[key].pk: codes for key, codes in EXPECTED.items()
    }
    one = client.get(f"/api/v1/applications/{applications['member_mobile'].pk}").json()
    assert one["warnings"] == ["mobile_of_member"]
    found = client.get("/api/v1/applications", {"q": "13700002222"}).json()["items"]
    assert sorted(item["name"] for item in found) == ["孙共号", "钱共号"]
    assert AuditEntry.objects.filter(action="members.personal_data.searched").count() == 1


def test_exporting_a_search_by_a_whole_number_is_audited(world, tree, make_staff, client_for):
    client = client_for(make_staff(tree.root))
    response = client.get(reverse("members:roster_export"), {"q": "13900001111"})
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="members.personal_data.searched")
    assert entry.changes == {"field": "mobile", "value": "139****1111", "list": "export"}


def test_staff_pick_the_receiving_union_of_a_transfer_anywhere(world, tree, make_staff, client_for):
    member, _applications = world  # a member of 德胜
    client = client_for(make_staff(tree.desheng))
    response = client.get(reverse("members:union_pick"), {"to_org_text": "回龙观"})
    # Outside the staff member's scope, but a union the membership may move to; its station
    # receives no members.
    assert re.findall(r'data-label="([^"]+)"', response.text) == ["回龙观街道总工会"]
    page = client.get(reverse("members:member_detail", args=[member.pk])).text
    assert 'name="to_org_text"' in page
    response = client.post(
        reverse("members:member_transfer", args=[member.pk]),
        {"to_org": "", "to_org_text": "回龙观街道总工会", "new_employer_name": "京东物流"},
    )
    assert response.status_code == 302
    transfer = member.transfers.get()
    assert (transfer.to_org, transfer.status) == (tree.hlg, "pending")
