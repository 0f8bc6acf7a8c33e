import pytest
from django.urls import reverse
from django.utils import timezone

from gonghui.core.errors import DomainError
from gonghui.learning import actions
from gonghui.learning.models import Participant, Question, QuizAttempt

pytestmark = pytest.mark.usefixtures("tallies_exact")


@pytest.fixture
def campaign(tree, operator, lesson):
    today = timezone.localdate()
    campaign = actions.create_campaign(
        actor=operator,
        org=tree.root,
        title="学习《重要论述》",
        starts_on=today,
        ends_on=today,
        lessons=[lesson],
        min_lessons=1,
        quiz_size=3,
        quiz_pass_percent=60,
        quiz_attempts_per_day=2,
    )
    for n in range(6):
        actions.add_question(
            actor=operator,
            campaign=campaign,
            text=f"第{n + 1}题",
            choices=["对", "错"],
            answer=n % 2,
        )
    return campaign


def _right(attempt):
    answers = dict(Question.objects.values_list("pk", "answer"))
    return [answers[pk] for pk in attempt.questions]


def test_a_quiz_draws_from_the_pool_and_caps_tries_a_day(member, campaign):
    first = actions.start_quiz(member=member, campaign=campaign)
    second = actions.start_quiz(member=member, campaign=campaign)
    pool = set(Question.objects.values_list("pk", flat=True))
    for attempt in (first, second):
        assert len(set(attempt.questions)) == 3
        assert set(attempt.questions) <= pool
    with pytest.raises(DomainError) as refused:
        actions.start_quiz(member=member, campaign=campaign)
    assert refused.value.code == "daily_cap"
    assert QuizAttempt.objects.count() == 2


def test_a_pass_and_the_lessons_complete_the_campaign_once(member, campaign, lesson):
    attempt = actions.start_quiz(member=member, campaign=campaign)
    wrong = [1 - a for a in _right(attempt)]
    failed = actions.submit_quiz(member=member, attempt=attempt, answers=wrong)
    assert (failed.correct, failed.passed) == (0, False)
    with pytest.raises(DomainError) as refused:
        actions.submit_quiz(member=member, attempt=attempt, answers=_right(attempt))
    assert refused.value.code == "already_submitted"
    again = actions.start_quiz(member=member, campaign=campaign)
    answers = _right(again)
    answers[0] = 1 - answers[0]  # 2 of 3 right: 67 % ≥ 60 %
    passed = actions.submit_quiz(member=member, attempt=again, answers=answers)
    assert (passed.correct, passed.passed) == (2, True)
    part = Participant.objects.get(member=member, campaign=campaign)
    assert part.quiz_passed_at is not None
    assert part.completed_at is None  # the lesson is still to complete
    actions.record_progress(
        member=member, reports=[actions.PlayReport("a", lesson.pk, 0, 100_000, timezone.now())]
    )
    part.refresh_from_db()
    assert part.completed_at is not None


def test_the_member_takes_the_quiz_on_the_phone(client_for, member, campaign):
    client = client_for(member.user)
    page = client.get(reverse("learning:campaign", args=[campaign.pk]))
    assert page.context["tries_left"] == 2
    started = client.post(reverse("learning:quiz_start", args=[campaign.pk]))
    attempt = QuizAttempt.objects.get()
    assert started.url == reverse("learning:quiz", args=[attempt.pk])
    form = {
        f"q{pk}": str(answer) for pk, answer in zip(attempt.questions, _right(attempt), strict=True)
    }
    client.post(reverse("learning:quiz", args=[attempt.pk]), form)
    attempt.refresh_from_db()
    assert (attempt.correct, attempt.passed) == (3, True)


def test_a_campaign_outside_the_members_union_is_404(
    client_for, tree, make_member, campaign, operator
):
    today = timezone.localdate()
    elsewhere = actions.create_campaign(
        actor=operator, org=tree.desheng, title="德胜读书会", starts_on=today, ends_on=today
    )
    client = client_for(make_member(tree.hlg, name="周五").user)
    assert client.get(reverse("learning:campaign", args=[elsewhere.pk])).status_code == 404
    assert client.get(reverse("learning:campaign", args=[campaign.pk])).status_code == 200
