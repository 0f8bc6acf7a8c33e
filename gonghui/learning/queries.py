"""Reads of courses, lessons, progress and campaigns: for members by a course's audience, for
staff by scope (learning.manage, or dashboards.view for figures)."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from gonghui.accounts.models import AnyUser
from gonghui.core.capabilities import Capability
from gonghui.core.periods import Period
from gonghui.core.tree import STEP, ancestor_paths, subtree_q
from gonghui.learning.models import (
    Audience,
    Campaign,
    Certificate,
    Course,
    Instructor,
    Lesson,
    LessonProgress,
    Participant,
    Question,
    QuizAttempt,
)
from gonghui.members.models import Member
from gonghui.orgs.models import Org


def _pk(value: int | str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _open_to(member: Member | None, prefix: str = "") -> Q:
    """Courses a member (or, with None, the public) may see: the rule of activities."""
    if member is None or not member.is_active:
        return Q(**{f"{prefix}audience": Audience.PUBLIC})
    paths = [*ancestor_paths(member.org.path), member.org.path]
    return Q(**{f"{prefix}audience__in": [Audience.PUBLIC, Audience.MEMBERS]}) | Q(
        **{f"{prefix}audience": Audience.SUBTREE, f"{prefix}audience_org__path__in": paths}
    )


def open_lessons(member: Member | None) -> QuerySet[Lesson]:
    """Lessons of published courses open to the member."""
    return Lesson.objects.filter(
        _open_to(member, "course__"), course__status=Course.Status.PUBLISHED
    ).select_related("course")


def list_open_courses(member: Member | None) -> QuerySet[Course]:
    """Published courses open to the member, newest first, with their lesson counts."""
    return (
        Course.objects.filter(_open_to(member), status=Course.Status.PUBLISHED)
        .select_related("org")
        .annotate(lesson_count=Count("lessons"))
        .order_by("-published_at", "pk")
    )


def get_open_course(member: Member | None, course_id: int | str) -> Course:
    try:
        return (
            Course.objects.filter(_open_to(member), status=Course.Status.PUBLISHED)
            .select_related("org")
            .prefetch_related("instructors")
            .get(pk=_pk(course_id))
        )
    except Course.DoesNotExist:
        raise Http404 from None


def get_open_lesson(member: Member | None, lesson_id: int | str) -> Lesson:
    try:
        return open_lessons(member).select_related("instructor").get(pk=_pk(lesson_id))
    except Lesson.DoesNotExist:
        raise Http404 from None


def list_course_lessons(
    course: Course, member: Member | None
) -> list[tuple[Lesson, LessonProgress | None]]:
    """The course's lessons in order, each with the member's progress (two queries)."""
    lessons = list(course.lessons.select_related("instructor").order_by("position", "pk"))
    own: dict[int, LessonProgress] = {}
    if member is not None:
        own = {
            row.lesson_id: row
            for row in LessonProgress.objects.filter(member=member, lesson__in=lessons)
        }
    return [(lesson, own.get(lesson.pk)) for lesson in lessons]


def get_own_progress(member: Member | None, lesson: Lesson) -> LessonProgress | None:
    if member is None:
        return None
    return LessonProgress.objects.filter(member=member, lesson=lesson).first()


@dataclass(frozen=True)
class LearningRecord:
    lessons_completed: int
    listened_ms: int
    courses_completed: list[Course]
    campaigns: list[Participant]

    @property
    def hours(self) -> float:
        return round(self.listened_ms / 3_600_000, 1)


def learning_record(member: Member) -> LearningRecord:
    """A member's record: lessons and courses completed, time listened, campaigns joined."""
    progress = LessonProgress.objects.filter(member=member)
    figures = progress.aggregate(
        done=Count("pk", filter=Q(completed_at__isnull=False)), listened=Sum("covered_ms")
    )
    done_per_course = dict(
        progress.filter(completed_at__isnull=False)
        .values("lesson__course")
        .annotate(n=Count("pk"))
        .values_list("lesson__course", "n")
    )
    courses = [
        course
        for course in Course.objects.filter(pk__in=list(done_per_course)).annotate(
            lesson_count=Count("lessons")
        )
        if done_per_course[course.pk] >= course.lesson_count  # type: ignore[attr-defined]  # annotated
    ]
    campaigns = list(
        Participant.objects.filter(member=member).select_related("campaign").order_by("-joined_at")
    )
    return LearningRecord(figures["done"], figures["listened"] or 0, courses, campaigns)


# --- staff -----------------------------------------------------------------------------------


def list_courses(user: AnyUser, capability: Capability, *, within: Org) -> QuerySet[Course]:
    return (
        Course.objects.visible_to(user, capability)
        .in_subtree(within.path)
        .select_related("org")
        .annotate(lesson_count=Count("lessons"))
        .order_by("-created_at", "pk")
    )


def get_course_for(user: AnyUser, course_id: int | str, capability: Capability) -> Course:
    try:
        return (
            Course.objects.visible_to(user, capability)
            .select_related("org", "audience_org")
            .get(pk=_pk(course_id))
        )
    except Course.DoesNotExist:
        raise Http404 from None


def list_instructors(user: AnyUser, capability: Capability) -> QuerySet[Instructor]:
    return Instructor.objects.visible_to(user, capability).select_related("org")


def list_campaigns(user: AnyUser, capability: Capability, *, within: Org) -> QuerySet[Campaign]:
    return (
        Campaign.objects.visible_to(user, capability)
        .in_subtree(within.path)
        .select_related("org")
        .annotate(
            participant_count=Count("participants"),
            completed_count=Count(
                "participants", filter=Q(participants__completed_at__isnull=False)
            ),
        )
        .order_by("-starts_on", "pk")
    )


def get_campaign_for(user: AnyUser, campaign_id: int | str, capability: Capability) -> Campaign:
    try:
        return (
            Campaign.objects.visible_to(user, capability)
            .select_related("org")
            .get(pk=_pk(campaign_id))
        )
    except Campaign.DoesNotExist:
        raise Http404 from None


@dataclass
class UnitRow:
    org_id: int
    name: str
    is_self: bool
    participants: int = 0
    completed: int = 0

    @property
    def completion_percent(self) -> float | None:
        if not self.participants:
            return None
        return round(100 * self.completed / self.participants, 1)


@dataclass
class UnitTable:
    org: Org
    rows: list[UnitRow] = field(default_factory=list)

    @property
    def participants(self) -> int:
        return sum(row.participants for row in self.rows)

    @property
    def completed(self) -> int:
        return sum(row.completed for row in self.rows)


def participation_by_unit(campaign: Campaign, org: Org, period: Period | None = None) -> UnitTable:
    """The campaign's participants (joined in the period) and those who met its rules, for each
    unit directly below `org` (its whole subtree each) and at `org` itself: one grouped query
    over the participant rows the actions keep, rolled up by path (three queries in all)."""
    table = UnitTable(org)
    rows: dict[str, UnitRow] = {org.path: UnitRow(org.pk, org.name, is_self=True)}
    for child in Org.objects.filter(parent=org).order_by("path"):
        rows[child.path] = UnitRow(child.pk, child.name, is_self=False)
    width = len(org.path) + STEP
    found = Participant.objects.filter(campaign=campaign).filter(subtree_q("org__path", [org.path]))
    if period is not None:
        start, end = period.moments()
        found = found.filter(joined_at__gte=start, joined_at__lt=end)
    for values in (
        found.values("org__path")
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(completed_at__isnull=False)))
        .order_by()
    ):
        path = values["org__path"]
        row = rows.get(path[:width] if len(path) > len(org.path) else org.path)
        if row is None:
            continue
        row.participants += values["n"]
        row.completed += values["done"]
    table.rows = list(rows.values())
    return table


def count_learners(org: Org, since: datetime, until: datetime) -> int:
    """Members of the subtree who played or read anything between the two moments."""
    return (
        LessonProgress.objects.filter(subtree_q("org__path", [org.path]))
        .filter(updated_at__gte=since, updated_at__lt=until)
        .values("member")
        .distinct()
        .count()
    )


def list_own_progress(member: Member, lesson_ids: set[int]) -> QuerySet[LessonProgress]:
    return LessonProgress.objects.filter(member=member, lesson_id__in=lesson_ids)


def campaign_running_at(org: Org, period: Period) -> Campaign | None:
    """The latest campaign organised at, above or below `org` that runs during the period."""
    paths = [*ancestor_paths(org.path), org.path]
    return (
        Campaign.objects.filter(Q(org__path__in=paths) | subtree_q("org__path", [org.path]))
        .filter(starts_on__lte=period.end, ends_on__gte=period.start)
        .order_by("-starts_on", "-pk")
        .first()
    )


def get_own_campaign(member: Member, campaign_id: int | str) -> Campaign:
    """A campaign the member takes part in; else 404."""
    try:
        return Campaign.objects.select_related("org").get(
            pk=_pk(campaign_id), participants__member=member
        )
    except Campaign.DoesNotExist:
        raise Http404 from None


def get_certificate(certificate_id: int) -> Certificate | None:
    """The certificate a genuine code names, if it is still on record (the public check)."""
    return Certificate.objects.filter(pk=certificate_id).first()


def _running_open_to(member: Member) -> Q:
    today = timezone.localdate()
    paths = [*ancestor_paths(member.org.path), member.org.path]
    return Q(org__path__in=paths, starts_on__lte=today, ends_on__gte=today)


def list_open_campaigns(member: Member | None) -> QuerySet[Campaign]:
    """Campaigns running today that the member's union takes part in (its organiser's subtree)."""
    if member is None or not member.is_active:
        return Campaign.objects.none()
    return (
        Campaign.objects.filter(_running_open_to(member))
        .select_related("org")
        .order_by("-starts_on", "pk")
    )


def get_open_campaign(member: Member | None, campaign_id: int | str) -> Campaign:
    try:
        return list_open_campaigns(member).get(pk=_pk(campaign_id))
    except Campaign.DoesNotExist:
        raise Http404 from None


def get_own_participation(member: Member, campaign: Campaign) -> Participant | None:
    return Participant.objects.filter(member=member, campaign=campaign).first()


def count_attempts_today(member: Member, campaign: Campaign) -> int:
    return QuizAttempt.objects.filter(
        member=member, campaign=campaign, day=timezone.localdate()
    ).count()


def get_own_attempt(member: Member | None, attempt_id: int | str) -> QuizAttempt:
    if member is None:
        raise Http404
    try:
        return QuizAttempt.objects.select_related("campaign").get(pk=_pk(attempt_id), member=member)
    except QuizAttempt.DoesNotExist:
        raise Http404 from None


def list_attempt_questions(attempt: QuizAttempt) -> list[Question]:
    """The attempt's questions in the order they were drawn."""
    found = {q.pk: q for q in Question.objects.filter(pk__in=attempt.questions)}
    return [found[pk] for pk in attempt.questions if pk in found]


def list_lesson_choices(user: AnyUser, capability: Capability) -> list[tuple[int, str]]:
    """Lessons of the courses the user manages, for a campaign's form (at most 500)."""
    lessons = Lesson.objects.filter(
        course__in=Course.objects.visible_to(user, capability)
    ).select_related("course")[:500]
    return [(lesson.pk, f"{lesson.course.title} · {lesson.title}") for lesson in lessons]


def list_lessons_for(user: AnyUser, capability: Capability, ids: list[int]) -> list[Lesson]:
    return list(
        Lesson.objects.filter(pk__in=ids, course__in=Course.objects.visible_to(user, capability))
    )


def count_questions(campaign: Campaign) -> int:
    return campaign.questions.count()
