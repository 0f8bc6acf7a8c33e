"""A worker's learning (lessons heard, the intervals behind them, campaigns, certificates),
for their own copy of their data (see members/own_data.py)."""

from django.utils.translation import gettext_lazy

from gonghui.learning.models import (
    Certificate,
    LessonProgress,
    Participant,
    ProgressEvent,
    QuizAttempt,
)
from gonghui.members.own_data import Cell, Person, Section, moment, register


def _lessons(person: Person) -> list[tuple[Cell, ...]]:
    if person.member is None:
        return []
    rows = (
        LessonProgress.objects.filter(member=person.member)
        .select_related("lesson", "lesson__course")
        .order_by("started_at", "pk")
    )
    return [
        (
            row.lesson.course.title,
            row.lesson.title,
            str(row.covered_ms // 1000),
            str(row.position_ms // 1000),
            moment(row.completed_at) if row.completed_at else "",
        )
        for row in rows
    ]


def _intervals(person: Person) -> list[tuple[Cell, ...]]:
    if person.member is None:
        return []
    rows = (
        ProgressEvent.objects.filter(member=person.member)
        .select_related("lesson")
        .order_by("received_at", "pk")
    )
    return [
        (
            row.lesson.title,
            f"{row.start_ms / 1000:.1f}",
            f"{row.end_ms / 1000:.1f}",
            moment(row.played_at),
            moment(row.received_at),
        )
        for row in rows
    ]


def _campaigns(person: Person) -> list[tuple[Cell, ...]]:
    if person.member is None:
        return []
    rows = (
        Participant.objects.filter(member=person.member)
        .select_related("campaign")
        .order_by("joined_at", "pk")
    )
    return [
        (
            row.campaign.title,
            str(row.lessons_completed),
            moment(row.joined_at),
            moment(row.completed_at) if row.completed_at else "",
        )
        for row in rows
    ]


def _certificates(person: Person) -> list[tuple[Cell, ...]]:
    if person.member is None:
        return []
    rows = Certificate.objects.filter(member=person.member).order_by("issued_at", "pk")
    return [(row.title, row.issuer, moment(row.issued_at)) for row in rows]


register(
    Section(
        key="lessons",
        title=gettext_lazy("Lessons heard"),
        columns=(
            gettext_lazy("Course"),
            gettext_lazy("Lesson"),
            gettext_lazy("Seconds heard"),
            gettext_lazy("Resumes at (s)"),
            gettext_lazy("Completed at"),
        ),
        rows=_lessons,
        covers=("learning.LessonProgress.member",),
        order=80,
    )
)
register(
    Section(
        key="played_intervals",
        title=gettext_lazy("Played intervals"),
        columns=(
            gettext_lazy("Lesson"),
            gettext_lazy("From (s)"),
            gettext_lazy("To (s)"),
            gettext_lazy("Played at"),
            gettext_lazy("Reached the server at"),
        ),
        rows=_intervals,
        covers=("learning.ProgressEvent.member",),
        order=81,
    )
)
register(
    Section(
        key="study_campaigns",
        title=gettext_lazy("Study campaigns"),
        columns=(
            gettext_lazy("Campaign"),
            gettext_lazy("Lessons completed"),
            gettext_lazy("Joined at"),
            gettext_lazy("Completed at"),
        ),
        rows=_campaigns,
        covers=("learning.Participant.member",),
        order=82,
    )
)


def _quizzes(person: Person) -> list[tuple[Cell, ...]]:
    if person.member is None:
        return []
    rows = (
        QuizAttempt.objects.filter(member=person.member)
        .select_related("campaign")
        .order_by("started_at", "pk")
    )
    return [
        (
            row.campaign.title,
            moment(row.started_at),
            f"{row.correct}/{len(row.questions)}" if row.submitted_at else "",
            str(gettext_lazy("yes") if row.passed else gettext_lazy("no")),
        )
        for row in rows
    ]


register(
    Section(
        key="quiz_attempts",
        title=gettext_lazy("Quiz tries"),
        columns=(
            gettext_lazy("Campaign"),
            gettext_lazy("Started at"),
            gettext_lazy("Right answers"),
            gettext_lazy("Passed"),
        ),
        rows=_quizzes,
        covers=("learning.QuizAttempt.member",),
        order=83,
    )
)
register(
    Section(
        key="certificates",
        title=gettext_lazy("Certificates"),
        columns=(
            gettext_lazy("Title"),
            gettext_lazy("Issued by"),
            gettext_lazy("Issued at"),
        ),
        rows=_certificates,
        covers=("learning.Certificate.member",),
        order=84,
    )
)
