import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from gonghui.learning import actions
from gonghui.learning.models import Campaign, Course, Lesson, Question
from gonghui.learning.tests.conftest import audio

pytestmark = pytest.mark.usefixtures("tallies_exact")


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


def test_staff_publish_a_course_and_upload_a_lesson(tree, make_staff, client_for):
    client = client_for(make_staff(tree.hlg, "operator"))
    assert client.get(reverse("learning:staff_course_create")).status_code == 200
    response = client.post(
        reverse("learning:staff_course_create"),
        {
            "org": tree.hlg.pk,
            "title": "安全骑行微课",
            "audience": "members",
            "tags": "安全",
            "completion_percent": 90,
            "publish": "on",
        },
    )
    course = Course.objects.get(title="安全骑行微课")
    assert response.status_code == 302
    assert (course.org, course.status) == (tree.hlg, "published")
    url = reverse("learning:staff_course", args=[course.pk])
    added = client.post(url, {"title": "第一课", "kind": "audio", "upload": audio(12)})
    assert added.status_code == 302
    assert Lesson.objects.get(course=course).duration_ms == 12_000
    refused = client.post(url, {"title": "第二课", "kind": "audio"})
    assert refused.status_code == 400
    assert Lesson.objects.filter(course=course).count() == 1


@pytest.mark.parametrize(
    ("where", "role", "status"),
    [("root", "operator", 200), ("root", "viewer", 404), ("hlg", "org_admin", 404)],
)
def test_the_campaign_page_needs_learning_manage_at_its_organiser(
    tree, make_staff, client_for, campaign, where, role, status
):
    client = client_for(make_staff(getattr(tree, where), role))
    assert client.get(reverse("learning:staff_campaign", args=[campaign.pk])).status_code == status


def test_participation_by_unit_exports_to_excel(
    tree, make_staff, client_for, campaign, member, lesson
):
    actions.record_progress(
        member=member, reports=[actions.PlayReport("a", lesson.pk, 0, 100_000, timezone.now())]
    )
    client = client_for(make_staff(tree.root, "org_admin"))
    response = client.get(reverse("learning:staff_campaign_xlsx", args=[campaign.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [row for row in sheet.iter_rows(min_row=6, values_only=True) if row[0]]
    assert rows == [
        ("北京市总工会本级", 0, 0, None),
        ("海淀区总工会", 0, 0, None),
        ("回龙观街道总工会", 1, 1, 1),
        ("德胜街道总工会", 0, 0, None),
        ("合计", 1, 1, None),
    ]


def test_the_learning_home_is_a_fixed_number_of_queries(
    tree, make_staff, client_for, operator, campaign, django_assert_num_queries
):
    client = client_for(make_staff(tree.root, "org_admin"))
    client.get(reverse("learning:staff_home"))
    with django_assert_num_queries(6) as first:
        client.get(reverse("learning:staff_home"))
    for n in range(3):
        actions.create_course(actor=operator, org=tree.hlg, title=f"课{n}", audience="members")
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(reverse("learning:staff_home"))
    assert len(response.context["courses"]) == 4


def test_staff_run_a_campaign_with_a_quiz(tree, make_staff, client_for, lesson):
    client = client_for(make_staff(tree.root, "org_admin"))
    assert client.get(reverse("learning:staff_campaign_create")).status_code == 200
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("learning:staff_campaign_create"),
        {
            "org": tree.root.pk,
            "title": "学习《重要论述》",
            "book": "重要论述",
            "starts_on": today,
            "ends_on": today,
            "lessons": [lesson.pk],
            "min_lessons": 1,
            "quiz_size": 1,
            "quiz_pass_percent": 60,
            "quiz_attempts_per_day": 2,
        },
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert list(campaign.lessons.all()) == [lesson]
    assert (campaign.min_lessons, campaign.quiz_size) == (1, 1)
    url = reverse("learning:staff_campaign", args=[campaign.pk])
    added = client.post(
        url,
        {"text": "工会的基本职责是什么？", "choices": "维护职工合法权益\n组织生产", "answer": 1},
    )
    assert added.status_code == 302
    question = Question.objects.get()
    assert (question.choices, question.answer) == (["维护职工合法权益", "组织生产"], 0)


def test_a_campaign_cannot_ask_for_more_lessons_than_it_has(tree, make_staff, client_for):
    client = client_for(make_staff(tree.root, "org_admin"))
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("learning:staff_campaign_create"),
        {
            "org": tree.root.pk,
            "title": "读书会",
            "starts_on": today,
            "ends_on": today,
            "min_lessons": 2,
            "quiz_size": 0,
            "quiz_pass_percent": 60,
            "quiz_attempts_per_day": 2,
        },
    )
    assert response.status_code == 400
    assert not Campaign.objects.exists()
