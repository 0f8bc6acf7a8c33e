import pytest
from django.utils import timezone

from gonghui.learning import actions
from gonghui.learning.models import LessonProgress
from gonghui.learning.tests.conftest import audio
from gonghui.members import actions as member_actions
from gonghui.members.models import Member
from gonghui.members.tests.factories import person

pytestmark = pytest.mark.usefixtures("tallies_exact")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def make_member(org, operator, django_user_model, mobile):
    member = member_actions.import_member(
        actor=operator, org=org, joined_on=timezone.localdate(), **person(mobile=mobile)
    )
    user = django_user_model.objects.create_user(None, None, mobile=mobile)
    Member.objects.filter(pk=member.pk).update(user=user)
    member.refresh_from_db()
    return member


@pytest.fixture
def lesson(tree, operator):
    course = actions.create_course(
        actor=operator, org=tree.hlg, title="微党课", audience="subtree", publish=True
    )
    return actions.add_lesson(
        actor=operator, course=course, title="第一课", kind="audio", media=audio(100)
    )


@pytest.fixture
def campaign(tree, operator, lesson):
    today = timezone.localdate()
    return actions.create_campaign(
        actor=operator,
        org=tree.root,
        title="学习《重要论述》",
        starts_on=today,
        ends_on=today,
        lessons=[lesson],
        min_lessons=1,
    )


def _report(lesson, start, end, client_id):
    return {
        "id": client_id,
        "lesson": lesson.pk,
        "start": start,
        "end": end,
        "at": timezone.now().isoformat(),
    }


def test_a_member_uploads_intervals_and_a_resend_changes_nothing(
    tree, operator, django_user_model, api_client_for, lesson
):
    member = make_member(tree.station, operator, django_user_model, "13800000011")
    client = api_client_for(member.user)
    body = {"reports": [_report(lesson, 0, 60_000, "a"), _report(lesson, 90_000, 100_000, "b")]}
    first = client.post("/api/v1/learning/progress", body, content_type="application/json")
    assert first.status_code == 200
    assert first.json()["results"] == [
        {"id": "a", "status": "credited", "code": "", "credit_ms": 60_000},
        {"id": "b", "status": "credited", "code": "", "credit_ms": 10_000},
    ]
    again = client.post("/api/v1/learning/progress", body, content_type="application/json")
    assert [r["status"] for r in again.json()["results"]] == ["replayed", "replayed"]
    state = again.json()["lessons"][0]
    assert (state["lesson_id"], state["covered_ms"], state["position_ms"]) == (
        lesson.pk,
        70_000,
        100_000,
    )
    assert LessonProgress.objects.get().covered_ms == 70_000
    got = client.get(f"/api/v1/learning/lessons/{lesson.pk}").json()
    assert got["progress"]["position_ms"] == 100_000
    assert got["media_url"] == f"/learn/l/{lesson.pk}/media/"


@pytest.mark.parametrize(
    "report",
    [
        {"id": "", "lesson": 1, "start": 0, "end": 1, "at": "2026-01-01T00:00:00+08:00"},
        {"id": "x" * 65, "lesson": 1, "start": 0, "end": 1, "at": "2026-01-01T00:00:00+08:00"},
        {"id": "a", "lesson": 1, "start": -1, "end": 1, "at": "2026-01-01T00:00:00+08:00"},
        {"id": "a", "lesson": 1, "start": 0, "end": 2**31, "at": "2026-01-01T00:00:00+08:00"},
        {"id": "a", "lesson": 1, "start": 0, "end": 1, "at": "yesterday"},
        {"id": "a", "lesson": 0, "start": 0, "end": 1, "at": "2026-01-01T00:00:00+08:00"},
    ],
)
def test_malformed_reports_are_422(tree, operator, django_user_model, api_client_for, report):
    member = make_member(tree.station, operator, django_user_model, "13800000012")
    response = api_client_for(member.user).post(
        "/api/v1/learning/progress", {"reports": [report]}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_a_lesson_outside_the_audience_is_refused_per_report(
    tree, operator, django_user_model, api_client_for, lesson
):
    outsider = make_member(tree.desheng, operator, django_user_model, "13800000013")
    client = api_client_for(outsider.user)
    response = client.post(
        "/api/v1/learning/progress",
        {"reports": [_report(lesson, 0, 1000, "a")]},
        content_type="application/json",
    )
    assert response.json()["results"] == [
        {"id": "a", "status": "refused", "code": "not_found", "credit_ms": 0}
    ]
    assert client.get(f"/api/v1/learning/lessons/{lesson.pk}").status_code == 404


def test_staff_without_membership_cannot_upload(tree, make_staff, api_client_for, lesson):
    staff = make_staff(tree.hlg, "operator")
    response = api_client_for(staff).post(
        "/api/v1/learning/progress",
        {"reports": [_report(lesson, 0, 1000, "a")]},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_a_member"


@pytest.mark.parametrize(
    ("where", "role", "status"),
    [
        ("root", "org_admin", 200),
        ("root", "operator", 200),
        ("root", "viewer", 404),
        ("hlg", "org_admin", 404),
        ("desheng", "operator", 404),
    ],
)
def test_campaign_units_need_learning_manage_at_the_organiser(
    tree, make_staff, api_client_for, campaign, where, role, status
):
    staff = make_staff(getattr(tree, where), role)
    response = api_client_for(staff).get(f"/api/v1/learning/campaigns/{campaign.pk}/units")
    assert response.status_code == status


def test_campaign_units_count_the_member_at_their_unit(
    tree, operator, django_user_model, api_client_for, make_staff, lesson, campaign
):
    member = make_member(tree.station, operator, django_user_model, "13800000014")
    actions.record_progress(
        member=member,
        reports=[actions.PlayReport("a", lesson.pk, 0, 100_000, timezone.now())],
    )
    client = api_client_for(make_staff(tree.root, "org_admin"))
    rows = client.get(f"/api/v1/learning/campaigns/{campaign.pk}/units").json()
    assert [(r["name"], r["participants"], r["completed"]) for r in rows] == [
        ("北京市总工会", 0, 0),
        ("海淀区总工会", 0, 0),
        ("回龙观街道总工会", 1, 1),
        ("德胜街道总工会", 0, 0),
    ]
    listed = client.get("/api/v1/learning/campaigns").json()
    assert [(c["title"], c["participants"], c["completed"]) for c in listed["items"]] == [
        ("学习《重要论述》", 1, 1)
    ]


def test_courses_for_a_stranger_are_the_public_ones(client, tree, operator, lesson):
    actions.create_course(
        actor=operator, org=tree.hlg, title="公开课", audience="public", publish=True
    )
    response = client.get("/api/v1/learning/courses")
    assert [c["title"] for c in response.json()["items"]] == ["公开课"]


def test_a_public_course_reads_with_its_lessons(client, tree, operator):
    course = actions.create_course(
        actor=operator, org=tree.hlg, title="公开课", audience="public", publish=True
    )
    actions.add_lesson(actor=operator, course=course, title="读一读", kind="article", text="正文")
    body = client.get(f"/api/v1/learning/courses/{course.pk}").json()
    assert (body["title"], body["publisher_name"], body["instructors"]) == (
        "公开课",
        "回龙观街道总工会",
        [],
    )
    assert [
        (lesson["title"], lesson["kind"], lesson["progress"]) for lesson in body["lessons"]
    ] == [("读一读", "article", None)]
