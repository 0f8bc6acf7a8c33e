"""Learning in the API: courses and lessons open to the caller (as on the member pages), the
player's progress upload (played intervals, batched, each with the client's own id, so an
offline queue can be sent again safely), and study campaigns with participation by unit for
staff (learning.manage)."""

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from gonghui.api.auth import api_user, optional_user
from gonghui.api.errors import ERROR_RESPONSES
from gonghui.api.pagination import Pages
from gonghui.api.types import MAX_INT, Day, Id, Moment
from gonghui.core.capabilities import Capability
from gonghui.core.errors import DomainError, PermissionDeniedError
from gonghui.core.periods import Period
from gonghui.learning import actions, queries
from gonghui.learning.models import Campaign, Course, Lesson, LessonProgress
from gonghui.members.queries import get_own_member
from gonghui.orgs.queries import get_org_for, home_org_for

router = Router(tags=["learning"])
CAPABILITY: Capability = "learning.manage"


class InstructorOut(Schema):
    id: int
    name: str
    unit: str
    bio: str


class CourseOut(Schema):
    id: int
    title: str
    description: str
    publisher_id: int
    publisher_name: str
    audience: str
    tags: list[str]
    completion_percent: int
    published_at: datetime | None

    @staticmethod
    def resolve_publisher_id(obj: Course) -> int:
        return obj.org_id

    @staticmethod
    def resolve_publisher_name(obj: Course) -> str:
        return obj.org.name

    @staticmethod
    def resolve_tags(obj: Course) -> list[str]:
        return obj.tag_list


class LessonProgressOut(Schema):
    covered_ms: int
    position_ms: int = Field(description="Where the member stopped: the resume point")
    completed_at: datetime | None


class LessonOut(Schema):
    id: int
    course_id: int
    position: int
    title: str
    kind: str
    duration_ms: int
    bitrate: int
    content_type: str
    media_url: str | None = Field(description="Served with HTTP range requests")
    text: str
    instructor: InstructorOut | None
    progress: LessonProgressOut | None = Field(description="The caller's, if a member")


class CourseDetailOut(CourseOut):
    instructors: list[InstructorOut]
    lessons: list[LessonOut]

    @staticmethod
    def resolve_instructors(obj: Course) -> list[Any]:
        return list(obj.instructors.all())

    @staticmethod
    def resolve_lessons(obj: Course) -> list[dict[str, Any]]:
        return obj.lesson_rows  # type: ignore[attr-defined, no-any-return]  # set by get_course


def _lesson(lesson: Lesson, progress: LessonProgress | None) -> dict[str, Any]:
    return {
        "id": lesson.pk,
        "course_id": lesson.course_id,
        "position": lesson.position,
        "title": lesson.title,
        "kind": lesson.kind,
        "duration_ms": lesson.duration_ms,
        "bitrate": lesson.bitrate,
        "content_type": lesson.content_type,
        "media_url": reverse("learning:media", args=[lesson.pk]) if lesson.media else None,
        "text": lesson.text,
        "instructor": lesson.instructor,
        "progress": progress,
    }


@router.get(
    "/learning/courses",
    response={200: list[CourseOut], **ERROR_RESPONSES},
    operation_id="list_courses",
    auth=None,
)
@paginate(Pages, page_size=50)
def list_courses(request: HttpRequest) -> Any:
    """Published courses open to the caller: public ones for anyone, those for members (all,
    or of the caller's union's subtree) for a member."""
    return queries.list_open_courses(get_own_member(optional_user(request)))


@router.get(
    "/learning/courses/{id:course_id}",
    response={200: CourseDetailOut, **ERROR_RESPONSES},
    operation_id="get_course",
    auth=None,
)
def get_course(request: HttpRequest, course_id: Id) -> Course:
    """A course open to the caller, its instructors and lessons with the caller's progress."""
    member = get_own_member(optional_user(request))
    course = queries.get_open_course(member, course_id)
    course.lesson_rows = [  # type: ignore[attr-defined]  # read by CourseDetailOut
        _lesson(*pair) for pair in queries.list_course_lessons(course, member)
    ]
    return course


@router.get(
    "/learning/lessons/{id:lesson_id}",
    response={200: LessonOut, **ERROR_RESPONSES},
    operation_id="get_lesson",
    auth=None,
)
def get_lesson(request: HttpRequest, lesson_id: Id) -> dict[str, Any]:
    """A lesson open to the caller, with their progress (resume point included)."""
    member = get_own_member(optional_user(request))
    lesson = queries.get_open_lesson(member, lesson_id)
    return _lesson(lesson, queries.get_own_progress(member, lesson))


class PlayedIn(Schema):
    id: str = Field(min_length=1, max_length=64, description="The client's own unique id")
    lesson: Id
    start: int = Field(ge=0, le=MAX_INT, description="Milliseconds into the lesson")
    end: int = Field(ge=0, le=MAX_INT, description="Milliseconds into the lesson, after start")
    at: Moment = Field(description="When the interval ended, on the phone's clock")


class ProgressIn(Schema):
    reports: list[PlayedIn] = Field(max_length=actions.MAX_REPORTS)


class ReportOut(Schema):
    id: str
    status: str = Field(description="credited, replayed or refused")
    code: str = Field(description="Why refused: not_found, outside_lesson, in_the_future …")
    credit_ms: int = Field(description="What this interval added to the union")


class LessonStateOut(Schema):
    lesson_id: int
    covered_ms: int
    position_ms: int
    completed_at: datetime | None


class ProgressOut(Schema):
    results: list[ReportOut]
    lessons: list[LessonStateOut]


@router.post(
    "/learning/progress",
    response={200: ProgressOut, **ERROR_RESPONSES},
    operation_id="record_progress",
)
def record_progress(request: HttpRequest, payload: ProgressIn) -> dict[str, Any]:
    """The intervals the member's player played (at most 500 at once). Each is credited once
    by its id (a resent queue answers `replayed` and changes nothing), refused with a code, or
    merged into the member's union per lesson; a lesson completes once at the course's
    threshold. 403 `not_a_member` for a caller without an active membership."""
    member = get_own_member(api_user(request))
    if member is None or not member.is_active:
        raise PermissionDeniedError("not_a_member", _("Only union members' progress is recorded."))
    reports = [
        actions.PlayReport(
            client_id=item.id,
            lesson_id=item.lesson,
            start_ms=item.start,
            end_ms=item.end,
            played_at=item.at if timezone.is_aware(item.at) else timezone.make_aware(item.at),
        )
        for item in payload.reports
    ]
    answers = actions.record_progress(member=member, reports=reports)
    return {
        "results": [
            {"id": a.client_id, "status": a.status, "code": a.code, "credit_ms": a.credit_ms}
            for a in answers
        ],
        "lessons": [
            {
                "lesson_id": row.lesson_id,
                "covered_ms": row.covered_ms,
                "position_ms": row.position_ms,
                "completed_at": row.completed_at,
            }
            for row in queries.list_own_progress(member, {r.lesson_id for r in reports})
        ],
    }


# --- staff -----------------------------------------------------------------------------------


class CampaignOut(Schema):
    id: int
    title: str
    book: str
    organiser_id: int
    organiser_name: str
    starts_on: Day
    ends_on: Day
    min_lessons: int
    participants: int
    completed: int

    @staticmethod
    def resolve_organiser_id(obj: Campaign) -> int:
        return obj.org_id

    @staticmethod
    def resolve_organiser_name(obj: Campaign) -> str:
        return obj.org.name

    @staticmethod
    def resolve_participants(obj: Campaign) -> int:
        return int(obj.participant_count)  # type: ignore[attr-defined]  # annotated

    @staticmethod
    def resolve_completed(obj: Campaign) -> int:
        return int(obj.completed_count)  # type: ignore[attr-defined]  # annotated


class CampaignFilters(Schema):
    org_id: Id | None = None


@router.get(
    "/learning/campaigns",
    response={200: list[CampaignOut], **ERROR_RESPONSES},
    operation_id="list_campaigns",
)
@paginate(Pages, page_size=50)
def list_campaigns(request: HttpRequest, filters: Query[CampaignFilters]) -> Any:
    """Study campaigns run in the caller's subtree (learning.manage), newest first."""
    user = api_user(request)
    if filters.org_id:
        within = get_org_for(user, filters.org_id, CAPABILITY)
    else:
        found = home_org_for(user, CAPABILITY)
        if found is None:
            raise Http404
        within = found
    return queries.list_campaigns(user, CAPABILITY, within=within)


class UnitOut(Schema):
    org_id: int
    name: str
    is_self: bool = Field(description="Participants counted at the org itself, not below it")
    participants: int
    completed: int


class UnitFilters(Schema):
    org_id: Id | None = Field(None, description="The subtree; default: the organiser")
    date_from: Day | None = None
    date_to: Day | None = None


@router.get(
    "/learning/campaigns/{id:campaign_id}/units",
    response={200: list[UnitOut], **ERROR_RESPONSES},
    operation_id="list_campaign_units",
)
def list_campaign_units(
    request: HttpRequest, campaign_id: Id, filters: Query[UnitFilters]
) -> list[queries.UnitRow]:
    """Participants (joined in the period, if given) and those who met the campaign's rules,
    for each unit directly below the org and at the org itself (learning.manage)."""
    user = api_user(request)
    campaign = queries.get_campaign_for(user, campaign_id, CAPABILITY)
    org = get_org_for(user, filters.org_id, CAPABILITY) if filters.org_id else campaign.org
    if not org.path.startswith(campaign.org.path):
        raise DomainError("outside_campaign", _("Choose a unit within the campaign's organiser."))
    period = None
    if filters.date_from or filters.date_to:
        start = filters.date_from or campaign.starts_on
        end = filters.date_to or timezone.localdate()
        if end < start:
            message = _("The end comes before the start.")
            raise DomainError("invalid_period", message, fields={"date_to": [message]})
        period = Period(start, end)
    return queries.participation_by_unit(campaign, org, period).rows
