"""The learning rows of the permission matrix (accounts/tests/test_permission_matrix.py): a
public course with an article lesson and a study campaign, run by the target union T."""

from typing import Any

from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.learning import actions
from gonghui.learning.models import Campaign, Course, Lesson

COURSE = "被测课程"
CAMPAIGN = "被测学习活动"


def _operator() -> User:
    return User.objects.filter(is_superuser=True).order_by("pk")[0]


def course_of(ctx: Any) -> Course:
    found = Course.objects.filter(org=ctx.target, title=COURSE).first()
    return found or actions.create_course(
        actor=_operator(), org=ctx.target, title=COURSE, audience="public", publish=True
    )


def lesson_of(ctx: Any) -> Lesson:
    course = course_of(ctx)
    found = Lesson.objects.filter(course=course).first()
    return found or actions.add_lesson(
        actor=_operator(), course=course, title="被测课时", kind="article", text="正文"
    )


def campaign_of(ctx: Any) -> Campaign:
    today = timezone.localdate()
    found = Campaign.objects.filter(org=ctx.target, title=CAMPAIGN).first()
    return found or actions.create_campaign(
        actor=_operator(), org=ctx.target, title=CAMPAIGN, starts_on=today, ends_on=today
    )


def course_form(ctx: Any) -> dict[str, Any]:
    return {
        "org": ctx.target.pk,
        "title": "新建课程",
        "audience": "members",
        "completion_percent": 90,
    }


def campaign_form(ctx: Any) -> dict[str, Any]:
    today = timezone.localdate().isoformat()
    return {
        "org": ctx.target.pk,
        "title": "新建学习活动",
        "starts_on": today,
        "ends_on": today,
        "min_lessons": 0,
        "quiz_size": 0,
        "quiz_pass_percent": 60,
        "quiz_attempts_per_day": 2,
    }


def progress_json(ctx: Any) -> dict[str, Any]:
    at = timezone.now().isoformat()
    return {"reports": [{"id": "m1", "lesson": lesson_of(ctx).pk, "start": 0, "end": 1, "at": at}]}


def course_created(ctx: Any) -> bool:
    return Course.objects.filter(title="新建课程").exists()


def campaign_created(ctx: Any) -> bool:
    return Campaign.objects.filter(title="新建学习活动").exists()
