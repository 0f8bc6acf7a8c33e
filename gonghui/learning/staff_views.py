"""Staff pages of learning (learning.manage, scoped to the staff member's subtree): courses
with their lessons (media uploaded and checked), instructors, and study campaigns with their
participation by unit (live, for any subtree and period) and its .xlsx export."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header

from gonghui.accounts.access import staff_required, staff_user
from gonghui.core.capabilities import Capability
from gonghui.core.pages import HtmxRequest, refusal_on
from gonghui.learning import actions, queries
from gonghui.learning.exports import participation_workbook
from gonghui.learning.forms import (
    CampaignForm,
    CourseForm,
    LessonForm,
    PeriodForm,
    QuestionForm,
)
from gonghui.learning.models import Campaign
from gonghui.orgs.models import Org
from gonghui.orgs.queries import get_org_for, home_org_for

CAPABILITY: Capability = "learning.manage"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LISTED = 100


def _list_org(request: HttpRequest) -> Org:
    if request.GET.get("org"):
        return get_org_for(request.user, request.GET["org"], CAPABILITY)
    org = home_org_for(request.user, CAPABILITY)
    if org is None:
        raise Http404
    return org


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    org = _list_org(request)
    courses = queries.list_courses(request.user, CAPABILITY, within=org)
    campaigns = queries.list_campaigns(request.user, CAPABILITY, within=org)
    return render(
        request,
        "learning/staff_home.html",
        {"org": org, "courses": courses[:LISTED], "campaigns": campaigns[:LISTED]},
    )


@staff_required
def course_create(request: HttpRequest) -> HttpResponse:
    form = CourseForm(request.POST or None, initial={"audience": "members"}, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusal_on(form):
            course = actions.create_course(
                actor=staff_user(request),
                org=data["org"],
                title=data["title"],
                description=data["description"],
                audience=data["audience"],
                tags=data["tags"],
                completion_percent=data["completion_percent"],
                publish=data["publish"],
            )
            return redirect("learning:staff_course", course_id=course.pk)
    return render(request, "learning/staff_course_form.html", {"form": form})


@staff_required
def course_detail(request: HttpRequest, course_id: int) -> HttpResponse:
    course = queries.get_course_for(request.user, course_id, CAPABILITY)
    form = LessonForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusal_on(form):
            actions.add_lesson(
                actor=staff_user(request),
                course=course,
                title=data["title"],
                kind=data["kind"],
                text=data["text"],
                media=data["upload"],
            )
            return redirect("learning:staff_course", course_id=course.pk)
    return render(
        request,
        "learning/staff_course.html",
        {"course": course, "lessons": queries.list_course_lessons(course, None), "form": form},
        status=400 if form.errors else 200,
    )


def _unit_table(request: HttpRequest, campaign: Campaign) -> tuple[queries.UnitTable, PeriodForm]:
    org = (
        get_org_for(request.user, request.GET["org"], CAPABILITY)
        if request.GET.get("org")
        else campaign.org
    )
    if not org.path.startswith(campaign.org.path):
        org = campaign.org
    form = PeriodForm(request.GET)
    return queries.participation_by_unit(campaign, org, form.period()), form


@staff_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(
        request.POST or None,
        user=request.user,
        lessons=queries.list_lesson_choices(request.user, CAPABILITY),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusal_on(form):
            campaign = actions.create_campaign(
                actor=staff_user(request),
                org=data["org"],
                title=data["title"],
                book=data["book"],
                description=data["description"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                lessons=queries.list_lessons_for(request.user, CAPABILITY, data["lessons"]),
                min_lessons=data["min_lessons"],
                quiz_size=data["quiz_size"],
                quiz_pass_percent=data["quiz_pass_percent"],
                quiz_attempts_per_day=data["quiz_attempts_per_day"],
            )
            return redirect("learning:staff_campaign", campaign_id=campaign.pk)
    return render(
        request,
        "learning/staff_campaign_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@staff_required
def campaign_detail(request: HtmxRequest, campaign_id: int) -> HttpResponse:
    campaign = queries.get_campaign_for(request.user, campaign_id, CAPABILITY)
    question_form = QuestionForm(request.POST or None)
    if request.method == "POST" and question_form.is_valid():
        data = question_form.cleaned_data
        with refusal_on(question_form):
            actions.add_question(
                actor=staff_user(request),
                campaign=campaign,
                text=data["text"],
                choices=data["choices"].splitlines(),
                answer=data["answer"] - 1,
            )
            return redirect("learning:staff_campaign", campaign_id=campaign.pk)
    table, form = _unit_table(request, campaign)
    context = {
        "campaign": campaign,
        "table": table,
        "form": form,
        "query": request.GET.urlencode(),
        "question_form": question_form,
        "questions": queries.count_questions(campaign),
    }
    if request.htmx and request.htmx.target == "units":
        return render(request, "learning/staff_campaign.html#units", context)
    return render(request, "learning/staff_campaign.html", context)


@staff_required
def campaign_xlsx(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Participation by unit as shown on the campaign's page, as a workbook."""
    campaign = queries.get_campaign_for(request.user, campaign_id, CAPABILITY)
    table, form = _unit_table(request, campaign)
    response = HttpResponse(
        participation_workbook(campaign, table, form.period()), content_type=XLSX
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"campaign-{campaign.pk}-participation.xlsx"
    )
    return response
