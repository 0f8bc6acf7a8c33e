"""Publishing courses, lessons and campaigns (learning.manage at the org), and recording what
members truly played (record_progress: the union of intervals, see learning.intervals)."""

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.models import User
from gonghui.core import audit
from gonghui.core.errors import DomainError
from gonghui.core.scoping import require
from gonghui.core.text import check_fields
from gonghui.learning import intervals, metrics
from gonghui.learning.media import check_media
from gonghui.learning.models import (
    Audience,
    Campaign,
    Certificate,
    Course,
    Instructor,
    Lesson,
    LessonProgress,
    Participant,
    ProgressEvent,
    Question,
    QuizAttempt,
)
from gonghui.learning.queries import open_lessons
from gonghui.members.models import Member
from gonghui.orgs import tallies
from gonghui.orgs.models import Org

# A batch is what a phone queued while offline: minutes of heartbeats, not days.
MAX_REPORTS = 500
MAX_CLIENT_ID = 64
# The player cuts an interval at every heartbeat (15 s); an offline queue keeps the pieces.
# A single piece longer than this did not come from our player.
MAX_INTERVAL_MS = 5 * 60 * 1000
# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=2)
# The player's last frame may end a hair past the duration the server read from the file.
END_SLACK_MS = 1000


@transaction.atomic
def create_instructor(
    *, actor: User, org: Org, name: str, unit: str = "", bio: str = ""
) -> Instructor:
    """A teacher's profile kept by `org` (learning.manage there); not an account."""
    require(actor, "learning.manage", org.path)
    check_fields({"name": name, "unit": unit, "bio": bio}, names=("name",), lines=("unit",))
    instructor = Instructor.objects.create(
        org=org, name=name.strip(), unit=unit.strip(), bio=bio.strip()
    )
    audit.record(
        actor=actor,
        action="learning.instructor.created",
        org=org,
        target=instructor,
        changes={"name": instructor.name},
    )
    return instructor


@transaction.atomic
def create_course(
    *,
    actor: User,
    org: Org,
    title: str,
    description: str = "",
    audience: str,
    audience_org: Org | None = None,
    tags: str = "",
    instructors: list[Instructor] | None = None,
    completion_percent: int = 90,
    publish: bool = False,
) -> Course:
    """A course published by `org` (learning.manage there, and at a subtree audience's org)."""
    require(actor, "learning.manage", org.path)
    if audience not in Audience.values:
        raise DomainError("invalid_choice", _("Choose one of the options."))
    if not 1 <= completion_percent <= 100:
        message = _("Between 1 and 100 per cent.")
        raise DomainError("invalid_threshold", message, fields={"completion_percent": [message]})
    check_fields(
        {"title": title, "description": description, "tags": tags},
        lines=("title", "tags"),
        texts=("description",),
    )
    if audience == Audience.SUBTREE:
        audience_org = audience_org or org
        require(actor, "learning.manage", audience_org.path)
    else:
        audience_org = None
    course = Course.objects.create(
        org=org,
        title=title.strip(),
        description=description.strip(),
        audience=audience,
        audience_org=audience_org,
        tags=tags.strip(),
        completion_percent=completion_percent,
        status=Course.Status.PUBLISHED if publish else Course.Status.DRAFT,
        published_at=timezone.now() if publish else None,
        created_by=actor,
    )
    for instructor in instructors or []:
        require(actor, "learning.manage", instructor.org.path)
    course.instructors.set(instructors or [])
    audit.record(
        actor=actor,
        action="learning.course.created",
        org=org,
        target=course,
        changes={"title": course.title, "published": publish},
    )
    return course


@transaction.atomic
def publish_course(*, actor: User, course: Course) -> Course:
    """Open a draft course to its audience (learning.manage at its org)."""
    require(actor, "learning.manage", course.org.path)
    if course.status != Course.Status.PUBLISHED:
        course.status = Course.Status.PUBLISHED
        course.published_at = timezone.now()
        course.save(update_fields=["status", "published_at"])
        audit.record(actor=actor, action="learning.course.published", org=course.org, target=course)
    return course


@transaction.atomic
def add_lesson(
    *,
    actor: User,
    course: Course,
    title: str,
    kind: str,
    text: str = "",
    media: UploadedFile[Any] | None = None,
    instructor: Instructor | None = None,
) -> Lesson:
    """A lesson at the end of the course (learning.manage at its org). Audio and video need
    a media file, checked by its bytes; the duration is read from the file."""
    require(actor, "learning.manage", course.org.path)
    if kind not in Lesson.Kind.values:
        raise DomainError("invalid_choice", _("Choose one of the options."))
    check_fields({"title": title, "text": text}, lines=("title",), texts=("text",))
    lesson = Lesson(
        course=course,
        title=title.strip(),
        kind=kind,
        text=text.strip(),
        instructor=instructor,
        position=course.lessons.count() + 1,
    )
    if kind == Lesson.Kind.ARTICLE:
        if not text.strip():
            message = _("An article needs its text.")
            raise DomainError("text_required", message, fields={"text": [message]})
    else:
        if media is None:
            message = _("Upload the lesson's audio or video file.")
            raise DomainError("media_required", message, fields={"media": [message]})
        facts = check_media(media, video=kind == Lesson.Kind.VIDEO)
        lesson.duration_ms = facts.duration_ms
        lesson.bitrate = facts.bitrate
        lesson.size_bytes = facts.size
        lesson.content_type = facts.kind.content_type
        lesson.save()
        # The stored name is ours: nothing of the uploader's file name reaches the disk.
        lesson.media.save(f"lesson-{lesson.pk}.{facts.kind.extension}", media, save=False)
    lesson.save()
    audit.record(
        actor=actor,
        action="learning.lesson.added",
        org=course.org,
        target=lesson,
        changes={"title": lesson.title, "kind": kind, "duration_ms": lesson.duration_ms},
    )
    return lesson


# --- progress --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlayReport:
    """One interval the player played: [start_ms, end_ms) of the lesson, at `played_at` (the
    phone's clock when the interval ended), under the phone's own unique `client_id`."""

    client_id: str
    lesson_id: int
    start_ms: int
    end_ms: int
    played_at: datetime


@dataclass(frozen=True)
class ReportAnswer:
    client_id: str
    status: str  # credited, replayed or refused
    code: str = ""
    credit_ms: int = 0


@dataclass
class _LessonState:
    progress: LessonProgress
    lesson: Lesson


def _refusal(report: PlayReport, lesson: Lesson | None, now: datetime) -> str:
    if lesson is None:
        return "not_found"
    if lesson.kind == Lesson.Kind.ARTICLE:
        return "not_playable"
    if report.start_ms < 0 or report.end_ms <= report.start_ms:
        return "invalid_interval"
    if report.end_ms > lesson.duration_ms + END_SLACK_MS:
        return "outside_lesson"
    if report.end_ms - report.start_ms > MAX_INTERVAL_MS:
        return "interval_too_long"
    if report.played_at > now + CLOCK_SKEW:
        return "in_the_future"
    return ""


def _lock_progress(
    member: Member, lessons: list[Lesson], now: datetime
) -> dict[int, LessonProgress]:
    """The member's progress rows of these lessons, created if new, locked in lesson order so
    that two phones uploading at once take their turns (and never deadlock)."""
    LessonProgress.objects.bulk_create(
        [LessonProgress(member=member, lesson=lesson, org_id=member.org_id) for lesson in lessons],
        ignore_conflicts=True,
    )
    rows = (
        LessonProgress.objects.select_for_update()
        .filter(member=member, lesson__in=lessons)
        .order_by("lesson_id")
    )
    return {row.lesson_id: row for row in rows}


@transaction.atomic
def record_progress(*, member: Member, reports: list[PlayReport]) -> list[ReportAnswer]:
    """Add what the member's player played to their union of intervals per lesson; each
    report is credited once (a replayed client id changes nothing), refused with a code, or
    merged; a lesson completes once when its coverage reaches the course's threshold."""
    if len(reports) > MAX_REPORTS:
        raise DomainError(
            "too_many_reports", _("At most %(n)d reports at once.") % {"n": MAX_REPORTS}
        )
    if not member.is_active:
        raise DomainError("not_a_member", _("Only union members' progress is recorded."))
    now = timezone.now()
    wanted = {report.lesson_id for report in reports}
    lessons = {lesson.pk: lesson for lesson in open_lessons(member).filter(pk__in=wanted)}
    answers: dict[int, ReportAnswer] = {}
    accepted: list[tuple[int, PlayReport]] = []
    seen: set[str] = set()
    for index, report in enumerate(reports):
        if not 1 <= len(report.client_id) <= MAX_CLIENT_ID:
            answers[index] = ReportAnswer(report.client_id, "refused", "invalid_client_id")
            continue
        if report.client_id in seen:
            answers[index] = ReportAnswer(report.client_id, "replayed")
            continue
        seen.add(report.client_id)
        code = _refusal(report, lessons.get(report.lesson_id), now)
        if code:
            answers[index] = ReportAnswer(report.client_id, "refused", code)
        else:
            accepted.append((index, report))
    used = sorted({report.lesson_id for _index, report in accepted})
    if used:
        # One upload of a member at a time: a client id is unique per member, so two uploads
        # that reuse one for different lessons must not both insert it.
        list(Member.objects.select_for_update().filter(pk=member.pk).values_list("pk"))
    rows = _lock_progress(member, [lessons[pk] for pk in used], now) if used else {}
    # Read after the lock: a copy of this upload that got in first has stored its ids.
    stored = set(
        ProgressEvent.objects.filter(
            member=member, client_id__in=[report.client_id for _i, report in accepted]
        ).values_list("client_id", flat=True)
    )
    events: list[ProgressEvent] = []
    completed: list[LessonProgress] = []
    day = tallies.local_day(now)
    by_lesson: dict[int, list[tuple[int, PlayReport]]] = defaultdict(list)
    for index, report in accepted:
        if report.client_id in stored:
            answers[index] = ReportAnswer(report.client_id, "replayed")
        else:
            by_lesson[report.lesson_id].append((index, report))
    listened_at: dict[int, int] = defaultdict(int)
    for lesson_id, items in by_lesson.items():
        progress, lesson = rows[lesson_id], lessons[lesson_id]
        held = [(start, end) for start, end in progress.intervals]
        before = intervals.covered(held)
        for index, report in items:
            end = min(report.end_ms, lesson.duration_ms)
            held = intervals.merge(held, [(report.start_ms, end)])
            after = intervals.covered(held)
            credit = after - before
            before = after
            answers[index] = ReportAnswer(report.client_id, "credited", credit_ms=credit)
            events.append(
                ProgressEvent(
                    member=member,
                    client_id=report.client_id,
                    lesson=lesson,
                    org_id=progress.org_id,
                    start_ms=report.start_ms,
                    end_ms=end,
                    credit_ms=credit,
                    played_at=min(report.played_at, now),
                    received_at=now,
                )
            )
            played_at = min(report.played_at, now)
            if progress.position_at is None or played_at > progress.position_at:
                progress.position_ms = end
                progress.position_at = played_at
            listened_at[progress.org_id] += credit
        progress.intervals = [list(piece) for piece in held]
        progress.covered_ms = intervals.covered(held)
        threshold = lesson.duration_ms * lesson.course.completion_percent
        if progress.completed_at is None and progress.covered_ms * 100 >= threshold:
            progress.completed_at = now
            completed.append(progress)
            tallies.count(progress.org_id, metrics.COMPLETIONS, on=day)
        progress.save(
            update_fields=[
                "intervals",
                "covered_ms",
                "position_ms",
                "position_at",
                "completed_at",
                "updated_at",
            ]
        )
    ProgressEvent.objects.bulk_create(events)
    # One upsert per org for the whole upload, however many intervals it held.
    tallies.count_many(
        {(org_id, day, metrics.LISTENED_MS): ms for org_id, ms in listened_at.items()}
    )
    _take_part(member, [lessons[row.lesson_id] for row in completed], now)
    return [answers[index] for index in range(len(reports))]


@transaction.atomic
def read_article(*, member: Member, lesson: Lesson) -> LessonProgress:
    """An article lesson is done when the member says they have read it (once)."""
    if not member.is_active:
        raise DomainError("not_a_member", _("Only union members' progress is recorded."))
    if lesson.kind != Lesson.Kind.ARTICLE:
        raise DomainError("not_an_article", _("Audio and video lessons count what was played."))
    now = timezone.now()
    progress = _lock_progress(member, [lesson], now)[lesson.pk]
    if progress.completed_at is None:
        progress.completed_at = now
        progress.save(update_fields=["completed_at", "updated_at"])
        tallies.count(progress.org_id, metrics.COMPLETIONS, on=now)
        _take_part(member, [lesson], now)
    return progress


def _take_part(member: Member, lessons: list[Lesson], now: datetime) -> None:
    """Count newly completed lessons for every running campaign that holds them and whose
    organiser's subtree the member belongs to; stamp a participant complete once when the
    campaign's rules are met."""
    if not lessons:
        return
    today = timezone.localdate(now)
    path = member.org.path
    done: dict[int, int] = defaultdict(int)
    campaigns: dict[int, Campaign] = {}
    for campaign in Campaign.objects.filter(
        lessons__in=lessons, starts_on__lte=today, ends_on__gte=today
    ).select_related("org"):
        if path.startswith(campaign.org.path):
            done[campaign.pk] += 1
            campaigns[campaign.pk] = campaign
    if not done:
        return
    Participant.objects.bulk_create(
        [
            Participant(campaign_id=pk, member=member, org_id=member.org_id, joined_at=now)
            for pk in sorted(done)
        ],
        ignore_conflicts=True,
    )
    for participant in (
        Participant.objects.select_for_update()
        .filter(member=member, campaign_id__in=sorted(done))
        .order_by("campaign_id")
    ):
        participant.lessons_completed = F("lessons_completed") + done[participant.campaign_id]
        participant.save(update_fields=["lessons_completed"])
        participant.refresh_from_db(fields=["lessons_completed"])
        _stamp_if_complete(participant, campaigns[participant.campaign_id], now)


def _stamp_if_complete(participant: Participant, campaign: Campaign, now: datetime) -> None:
    if participant.completed_at is not None:
        return
    if participant.lessons_completed < campaign.min_lessons:
        return
    if campaign.quiz_size and participant.quiz_passed_at is None:
        return
    participant.completed_at = now
    participant.save(update_fields=["completed_at"])


@transaction.atomic
def create_campaign(
    *,
    actor: User,
    org: Org,
    title: str,
    starts_on: date,
    ends_on: date,
    description: str = "",
    book: str = "",
    lessons: list[Lesson] | None = None,
    min_lessons: int = 0,
    quiz_size: int = 0,
    quiz_pass_percent: int = 60,
    quiz_attempts_per_day: int = 2,
) -> Campaign:
    """A study campaign run by `org` for its subtree's members (learning.manage there)."""
    require(actor, "learning.manage", org.path)
    check_fields(
        {"title": title, "book": book, "description": description},
        lines=("title", "book"),
        texts=("description",),
    )
    if ends_on < starts_on:
        message = _("The campaign must end on or after its first day.")
        raise DomainError("ends_before_start", message, fields={"ends_on": [message]})
    lessons = lessons or []
    if min_lessons > len(lessons):
        message = _("The campaign has fewer lessons than it asks members to complete.")
        raise DomainError("too_few_lessons", message, fields={"min_lessons": [message]})
    campaign = Campaign.objects.create(
        org=org,
        title=title.strip(),
        description=description.strip(),
        book=book.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        min_lessons=min_lessons,
        quiz_size=quiz_size,
        quiz_pass_percent=quiz_pass_percent,
        quiz_attempts_per_day=quiz_attempts_per_day,
        created_by=actor,
    )
    if not 1 <= quiz_pass_percent <= 100 or quiz_attempts_per_day < 1:
        raise DomainError("invalid_quiz", _("Between 1 and 100 per cent, at least one try a day."))
    campaign.lessons.set(lessons)
    audit.record(
        actor=actor,
        action="learning.campaign.created",
        org=org,
        target=campaign,
        changes={"title": campaign.title, "lessons": len(lessons)},
    )
    return campaign


@transaction.atomic
def issue_certificate(
    *, member: Member, course: Course | None = None, campaign: Campaign | None = None
) -> Certificate:
    """The member's certificate of a course whose every lesson they completed, or of a
    campaign whose rules they met; issued once (a second call returns the first)."""
    found = Certificate.objects.filter(member=member, course=course, campaign=campaign).first()
    if found is not None:
        return found
    if course is not None:
        lessons = course.lessons.count()
        done = LessonProgress.objects.filter(
            member=member, lesson__course=course, completed_at__isnull=False
        )
        last = done.order_by("-completed_at").values_list("completed_at", flat=True).first()
        if not lessons or done.count() < lessons or last is None:
            raise DomainError("not_completed", _("Complete every lesson of the course first."))
        title, issuer, completed = course.title, course.org.name, last
    elif campaign is not None:
        part = Participant.objects.filter(member=member, campaign=campaign).first()
        if part is None or part.completed_at is None:
            raise DomainError("not_completed", _("Meet the campaign's rules first."))
        title, issuer, completed = campaign.title, campaign.org.name, part.completed_at
    else:
        raise ValueError("a course or a campaign")
    certificate = Certificate.objects.create(
        member=member,
        course=course,
        campaign=campaign,
        title=title,
        issuer=issuer,
        completed_on=timezone.localdate(completed),
        issued_at=timezone.now(),
    )
    audit.record(
        actor=member.user,
        action="learning.certificate.issued",
        org=member.org,
        target=certificate,
        changes={"title": title},
    )
    return certificate


# --- quizzes ---------------------------------------------------------------------------------


@transaction.atomic
def add_question(
    *, actor: User, campaign: Campaign, text: str, choices: list[str], answer: int
) -> Question:
    """A question for the campaign's pool (learning.manage at its organiser)."""
    require(actor, "learning.manage", campaign.org.path)
    choices = [choice.strip() for choice in choices if choice.strip()]
    check_fields({"text": text, **{f"c{n}": c for n, c in enumerate(choices)}}, lines=["text"])
    if not 2 <= len(choices) <= 6 or not 0 <= answer < len(choices):
        raise DomainError("invalid_question", _("Give 2 to 6 choices and mark the right one."))
    question = Question.objects.create(
        campaign=campaign, text=text.strip(), choices=choices, answer=answer
    )
    audit.record(actor=actor, action="learning.question.added", org=campaign.org, target=question)
    return question


def _running_for(member: Member, campaign: Campaign) -> bool:
    today = timezone.localdate()
    return campaign.starts_on <= today <= campaign.ends_on and member.org.path.startswith(
        campaign.org.path
    )


@transaction.atomic
def start_quiz(*, member: Member, campaign: Campaign) -> QuizAttempt:
    """A new try at the campaign's quiz, its questions drawn at random from the pool; at most
    `quiz_attempts_per_day` a day (counted under the member's row lock)."""
    if not member.is_active or not _running_for(member, campaign):
        raise DomainError("not_open", _("This quiz is not open to you now."))
    pool = list(Question.objects.filter(campaign=campaign).values_list("pk", flat=True))
    if not campaign.quiz_size or len(pool) < campaign.quiz_size:
        raise DomainError("no_quiz", _("This campaign has no quiz."))
    list(Member.objects.select_for_update().filter(pk=member.pk).values_list("pk"))
    today = timezone.localdate()
    tried = QuizAttempt.objects.filter(campaign=campaign, member=member, day=today).count()
    if tried >= campaign.quiz_attempts_per_day:
        raise DomainError(
            "daily_cap",
            _("You have used today's %(n)d tries. Try again tomorrow.")
            % {"n": campaign.quiz_attempts_per_day},
        )
    return QuizAttempt.objects.create(
        campaign=campaign,
        member=member,
        day=today,
        questions=secrets.SystemRandom().sample(pool, campaign.quiz_size),
        started_at=timezone.now(),
    )


@transaction.atomic
def submit_quiz(*, member: Member, attempt: QuizAttempt, answers: list[int]) -> QuizAttempt:
    """Grade the member's answers once; a pass counts for the campaign's rules."""
    attempt = QuizAttempt.objects.select_for_update().get(pk=attempt.pk, member=member)
    if attempt.submitted_at is not None:
        raise DomainError("already_submitted", _("This try was already handed in."))
    if len(answers) != len(attempt.questions):
        raise DomainError("unanswered", _("Answer every question."))
    right = dict(Question.objects.filter(pk__in=attempt.questions).values_list("pk", "answer"))
    campaign = attempt.campaign
    now = timezone.now()
    attempt.answers = answers
    attempt.correct = sum(
        1 for pk, given in zip(attempt.questions, answers, strict=True) if right.get(pk) == given
    )
    attempt.passed = attempt.correct * 100 >= campaign.quiz_pass_percent * len(attempt.questions)
    attempt.submitted_at = now
    attempt.save(update_fields=["answers", "correct", "passed", "submitted_at"])
    if attempt.passed:
        Participant.objects.bulk_create(
            [Participant(campaign=campaign, member=member, org_id=member.org_id, joined_at=now)],
            ignore_conflicts=True,
        )
        participant = Participant.objects.select_for_update().get(campaign=campaign, member=member)
        if participant.quiz_passed_at is None:
            participant.quiz_passed_at = now
            participant.save(update_fields=["quiz_passed_at"])
            _stamp_if_complete(participant, campaign, now)
    return attempt
