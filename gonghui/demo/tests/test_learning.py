"""The demo's learning story, loaded into a small tree with the org names it expects."""

from datetime import date

import pytest
from django.db.models import Sum

from gonghui.dashboards.tallies import rebuild, verify
from gonghui.demo.learning import INSTRUCTORS, PROVINCES, load_learning
from gonghui.learning.models import (
    Campaign,
    Course,
    Instructor,
    Lesson,
    LessonProgress,
    Participant,
)
from gonghui.learning.queries import participation_by_unit
from gonghui.members import actions as member_actions
from gonghui.members.tests.factories import person
from gonghui.orgs.actions import create_org

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    from django.db import transaction

    from gonghui.accounts.models import User

    with django_db_blocker.unblock(), transaction.atomic():
        operator = User.objects.create_superuser("operator", "pw", name="运维")
        root = create_org(actor=operator, parent=None, name="北京市总工会", kind="federation")
        changping = create_org(actor=operator, parent=root, name="昌平区总工会", kind="federation")
        hlg = create_org(actor=operator, parent=changping, name="回龙观街道总工会", kind="street")
        create_org(actor=operator, parent=root, name="中国邮政集团工会", kind="industry")
        for _ in range(30):
            member_actions.import_member(
                actor=operator, org=hlg, joined_on=date(2025, 1, 1), **person()
            )
        load_learning(operator=operator, hlg_staff=operator)
        rebuild()
        yield operator
        transaction.set_rollback(True)


def test_the_red_team_teaches_24_audio_lessons(loaded):
    assert Instructor.objects.count() == len(INSTRUCTORS) == 24
    course = Course.objects.get(title="红色领队微党课")
    lessons = Lesson.objects.filter(course=course)
    assert lessons.count() == 24
    assert set(lessons.values_list("kind", "content_type").distinct()) == {("audio", "audio/wav")}
    for lesson in lessons:
        assert lesson.media.size == lesson.size_bytes
        assert lesson.bitrate == 64_000
        # 8-bit samples at 8 kHz after a 44-byte header: a byte is 1/8 ms.
        assert lesson.duration_ms == (lesson.size_bytes - 44) // 8


def test_couriers_at_huilongguan_are_part_way_or_done(loaded):
    rows = LessonProgress.objects.filter(lesson__course__title="红色领队微党课")
    done = rows.filter(completed_at__isnull=False).count()
    partial = rows.filter(completed_at__isnull=True).count()
    assert done > 0
    assert partial > 0
    # Coverage and completion agree with the threshold, row by row.
    for row in rows.select_related("lesson"):
        assert (row.completed_at is not None) == (
            row.covered_ms * 100 >= row.lesson.duration_ms * 90
        )


def test_the_postal_campaign_reached_over_20000_across_the_provinces(loaded):
    campaign = Campaign.objects.get(title="学习《重要论述》")
    table = participation_by_unit(campaign, campaign.org, None)
    assert table.participants > 20_000
    assert table.participants == Participant.objects.filter(campaign=campaign).count()
    names = [row.name for row in table.rows if not row.is_self]
    assert [n[10:12] for n in names] == [p[:2] for p, _n in PROVINCES]
    assert all(row.participants > 1000 for row in table.rows if not row.is_self)
    # Every participant completed at least one of the campaign's lessons.
    counted = Participant.objects.filter(campaign=campaign).aggregate(n=Sum("lessons_completed"))
    completed = LessonProgress.objects.filter(
        lesson__campaigns=campaign, completed_at__isnull=False
    ).count()
    assert counted["n"] == completed


def test_the_tallies_agree_with_the_rows(loaded):
    assert verify() == []
