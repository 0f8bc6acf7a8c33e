"""Members' learning pages on the phone: courses open to them, the lesson player (its media
served with ranges, its played intervals posted to `progress`), and their learning record."""

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from gonghui.core.errors import DomainError
from gonghui.core.pages import refusal_on
from gonghui.core.ranged import ranged_file_response
from gonghui.learning import actions, certificates, queries
from gonghui.learning.models import Certificate
from gonghui.members.queries import get_own_member


def course_list(request: HttpRequest) -> HttpResponse:
    member = get_own_member(request.user)
    courses = queries.list_open_courses(member)[:100]
    campaigns = queries.list_open_campaigns(member)[:20]
    return render(
        request,
        "learning/course_list.html",
        {"courses": courses, "campaigns": campaigns, "member": member},
    )


def course_detail(request: HttpRequest, course_id: int) -> HttpResponse:
    member = get_own_member(request.user)
    course = queries.get_open_course(member, course_id)
    lessons = queries.list_course_lessons(course, member)
    return render(
        request,
        "learning/course_detail.html",
        {"course": course, "lessons": lessons, "member": member},
    )


@never_cache
def lesson_detail(request: HttpRequest, lesson_id: int) -> HttpResponse:
    member = get_own_member(request.user)
    lesson = queries.get_open_lesson(member, lesson_id)
    progress = queries.get_own_progress(member, lesson)
    position = progress.position_ms if progress else 0
    if progress and lesson.duration_ms and position >= lesson.duration_ms - 1000:
        position = 0  # heard to the end: a new listen starts from the beginning
    return render(
        request,
        "learning/lesson_detail.html",
        {
            "lesson": lesson,
            "course": lesson.course,
            "progress": progress,
            "member": member,
            "records": member is not None and member.is_active,
            # Whole seconds: the resume point the member is shown is the one they get.
            "resume_seconds": position // 1000,
            "covered_percent": (
                min(100, 100 * progress.covered_ms // lesson.duration_ms)
                if progress and lesson.duration_ms
                else 0
            ),
        },
    )


@require_GET
def lesson_media(request: HttpRequest, lesson_id: int) -> HttpResponseBase:
    member = get_own_member(request.user)
    lesson = queries.get_open_lesson(member, lesson_id)
    if not lesson.media:
        raise Http404
    return ranged_file_response(request, lesson.media.path, content_type=lesson.content_type)


def _reports(body: Any) -> list[actions.PlayReport]:
    """The played intervals of a JSON upload; a DomainError for a malformed one."""
    items = body.get("reports") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise DomainError("invalid", _("The upload is not a list of played intervals."))
    reports = []
    for item in items:
        played_at = parse_datetime(item.get("at", "")) if isinstance(item, dict) else None
        values = [item.get(key) for key in ("lesson", "start", "end")] if played_at else []
        if (
            played_at is None
            or played_at.tzinfo is None
            or not isinstance(item.get("id"), str)
            or not all(type(value) is int and 0 <= value < 2**31 for value in values)
        ):
            raise DomainError("invalid", _("The upload is not a list of played intervals."))
        reports.append(
            actions.PlayReport(
                client_id=item["id"],
                lesson_id=values[0],
                start_ms=values[1],
                end_ms=values[2],
                played_at=played_at,
            )
        )
    return reports


def _answers(answers: list[actions.ReportAnswer]) -> list[dict[str, Any]]:
    return [
        {"id": a.client_id, "status": a.status, "code": a.code, "credit_ms": a.credit_ms}
        for a in answers
    ]


@require_POST
@login_required
def progress(request: HttpRequest) -> JsonResponse:
    """The player's upload: {"reports": [{"id", "lesson", "start", "end", "at"}]} (ms, ISO
    time). Answers each report, and each lesson's coverage, position and completion."""
    member = get_own_member(request.user)
    if member is None:
        raise DomainError("not_a_member", _("Only union members' progress is recorded."))
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        body = None
    reports = _reports(body)
    answers = actions.record_progress(member=member, reports=reports)
    lessons = {}
    for row in queries.list_own_progress(member, {r.lesson_id for r in reports}):
        lessons[str(row.lesson_id)] = {
            "covered_ms": row.covered_ms,
            "position_ms": row.position_ms,
            "completed": row.completed_at is not None,
        }
    return JsonResponse({"results": _answers(answers), "lessons": lessons})


@require_POST
@login_required
def read_article(request: HttpRequest, lesson_id: int) -> HttpResponse:
    member = get_own_member(request.user)
    lesson = queries.get_open_lesson(member, lesson_id)
    with refusal_on(request):
        if member is None:
            raise DomainError("not_a_member", _("Only union members' progress is recorded."))
        actions.read_article(member=member, lesson=lesson)
    return redirect("learning:lesson", lesson_id=lesson.pk)


@login_required
def my_learning(request: HttpRequest) -> HttpResponse:
    member = get_own_member(request.user)
    record = queries.learning_record(member) if member else None
    return render(request, "learning/my_learning.html", {"member": member, "record": record})


def _certificate_pdf(request: HttpRequest, certificate: Certificate) -> HttpResponse:
    code = certificates.certificate_code(certificate)
    url = request.build_absolute_uri(reverse("learning:verify", args=[code]))
    response = HttpResponse(
        certificates.render_certificate_pdf(certificate, verify_url=url),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.pk}.pdf"'
    return response


@login_required
def course_certificate(request: HttpRequest, course_id: int) -> HttpResponse:
    member = get_own_member(request.user)
    course = queries.get_open_course(member, course_id)
    if member is None:
        raise Http404
    return _certificate_pdf(request, actions.issue_certificate(member=member, course=course))


@login_required
def campaign_certificate(request: HttpRequest, campaign_id: int) -> HttpResponse:
    member = get_own_member(request.user)
    if member is None:
        raise Http404
    campaign = queries.get_own_campaign(member, campaign_id)
    return _certificate_pdf(request, actions.issue_certificate(member=member, campaign=campaign))


def verify(request: HttpRequest, code: str) -> HttpResponse:
    """The public check of a certificate's QR: genuine (signed by us), and still on record."""
    try:
        claims = certificates.verify_code(code)
    except certificates.CertificateCodeError:
        claims = None
    found = queries.get_certificate(claims.id) if claims else None
    return render(
        request,
        "learning/verify.html",
        {"claims": claims, "on_record": found is not None},
        status=200 if claims else 400,
    )


@login_required
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    member = get_own_member(request.user)
    campaign = queries.get_open_campaign(member, campaign_id)
    assert member is not None  # an open campaign has a member to be open to
    return render(
        request,
        "learning/campaign_detail.html",
        {
            "campaign": campaign,
            "participation": queries.get_own_participation(member, campaign),
            "tries_left": max(
                campaign.quiz_attempts_per_day - queries.count_attempts_today(member, campaign), 0
            ),
        },
    )


@require_POST
@login_required
def quiz_start(request: HttpRequest, campaign_id: int) -> HttpResponse:
    member = get_own_member(request.user)
    campaign = queries.get_open_campaign(member, campaign_id)
    assert member is not None
    with refusal_on(request):
        attempt = actions.start_quiz(member=member, campaign=campaign)
        return redirect("learning:quiz", attempt_id=attempt.pk)
    return redirect("learning:campaign", campaign_id=campaign.pk)


@login_required
def quiz(request: HttpRequest, attempt_id: int) -> HttpResponse:
    member = get_own_member(request.user)
    attempt = queries.get_own_attempt(member, attempt_id)
    questions = queries.list_attempt_questions(attempt)
    if request.method == "POST" and member is not None:
        answers = []
        for question in questions:
            given = request.POST.get(f"q{question.pk}", "")
            answers.append(int(given) if given.isdigit() else -1)
        with refusal_on(request):
            attempt = actions.submit_quiz(member=member, attempt=attempt, answers=answers)
        return redirect("learning:quiz", attempt_id=attempt.pk)
    return render(request, "learning/quiz.html", {"attempt": attempt, "questions": questions})
