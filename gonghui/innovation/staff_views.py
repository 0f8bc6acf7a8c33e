"""Staff pages of innovation (reviews.manage, scoped to the staff member's subtree): calls
and their rubrics, nominations, jurors (by hand, balanced, conflicts), progress, the ranking
with its stated method, decisions, polls with the quarantine queue, and the exports."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gonghui.accounts.access import staff_required, staff_user
from gonghui.core.capabilities import Capability
from gonghui.core.pages import HtmxRequest, refusal_on
from gonghui.innovation import forms, kinds, queries
from gonghui.innovation.views import stream_attachment
from gonghui.orgs.queries import get_org_for, home_org_for
from gonghui.reviews import actions, exports
from gonghui.reviews import queries as reviews
from gonghui.reviews.models import Call

CAPABILITY: Capability = "reviews.manage"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _check_posted_org(request: HttpRequest, field: str) -> None:
    """A union id a POST names outside the scope is a 404, as for any object the staff
    member may not see (the picker's own check would make it a form error). A name typed
    without choosing is the picker's to resolve."""
    posted = request.POST.get(field, "") if request.method == "POST" else ""
    if posted:
        get_org_for(request.user, posted, CAPABILITY)


def _call(request: HttpRequest, call_id: int) -> Call:
    call = reviews.get_call_for(request.user, call_id, CAPABILITY)
    if call.kind not in kinds.KINDS:
        raise Http404
    return call


@staff_required
def call_list(request: HtmxRequest) -> HttpResponse:
    calls = reviews.list_calls(request.user, CAPABILITY, kinds=kinds.KINDS)
    rows = [(call, kinds.kind_label(call.kind)) for call in calls]
    return render(request, "innovation/staff_calls.html", {"rows": rows})


@staff_required
def call_create(request: HttpRequest) -> HttpResponse:
    home = home_org_for(request.user, CAPABILITY)
    if home is None:
        raise Http404
    _check_posted_org(request, "org")
    form = forms.CallForm(request.POST or None, initial={"org": home}, user=request.user)
    if request.method == "POST" and form.is_valid():
        org = form.cleaned_data["org"]
        with refusal_on(form):
            call = actions.create_call(actor=staff_user(request), org=org, details=form.details())
            messages.success(request, _("The call is open. Now set its rubric."))
            return redirect("innovation:staff_rubric", call_id=call.pk)
    return render(request, "innovation/staff_call_form.html", {"form": form})


@staff_required
def call_detail(request: HttpRequest, call_id: int) -> HttpResponse:
    call = _call(request, call_id)
    context = {
        "call": call,
        "kind_label": kinds.kind_label(call.kind),
        "criteria": reviews.list_criteria(call),
        "rubric": reviews.current_rubric(call),
        "entries": reviews.list_entries(call),
        "progress": reviews.progress_by_juror(call),
        "polls": reviews.list_polls(call),
        "assign_form": forms.AssignForm(),
        "balanced_form": forms.BalancedForm(),
        "conflict_form": forms.ConflictForm(user=request.user),
    }
    return render(request, "innovation/staff_call.html", context)


@staff_required
def rubric_edit(request: HttpRequest, call_id: int) -> HttpResponse:
    call = _call(request, call_id)
    initial = {"criteria": forms.rubric_text(reviews.list_criteria(call))}
    form = forms.RubricForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            rubric = actions.set_rubric(
                actor=staff_user(request), call=call, criteria=form.cleaned_data["criteria"]
            )
            messages.success(request, _("Rubric version %(v)d saved.") % {"v": rubric.version})
            return redirect("innovation:staff_call", call_id=call.pk)
    return render(request, "innovation/staff_rubric.html", {"call": call, "form": form})


@staff_required
@require_POST
def review_start(request: HttpRequest, call_id: int) -> HttpResponse:
    call = _call(request, call_id)
    with refusal_on(request):
        actions.start_review(actor=staff_user(request), call=call)
        messages.success(
            request, _("Review has started: submissions are closed and the rubric is frozen.")
        )
    return redirect("innovation:staff_call", call_id=call.pk)


@staff_required
@require_POST
def assign(request: HttpRequest, call_id: int, entry_id: int) -> HttpResponse:
    call = _call(request, call_id)
    entry = reviews.get_entry_for(request.user, entry_id, CAPABILITY)
    form = forms.AssignForm(request.POST)
    juror = queries.find_juror(form.data.get("reviewer", ""))
    if entry.call_id != call.pk:
        raise Http404
    if juror is None:
        messages.error(request, _("No active account has this name or mobile number."))
    else:
        with refusal_on(request):
            actions.assign_reviewer(actor=staff_user(request), entry=entry, reviewer=juror)
            messages.success(request, _("Juror assigned."))
    return redirect("innovation:staff_call", call_id=call.pk)


@staff_required
@require_POST
def assign_balanced(request: HttpRequest, call_id: int) -> HttpResponse:
    call = _call(request, call_id)
    form = forms.BalancedForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Name the jurors and how many each entry gets."))
        return redirect("innovation:staff_call", call_id=call.pk)
    jurors = [queries.find_juror(name) for name in form.names()]
    if any(j is None for j in jurors):
        messages.error(request, _("No active account has this name or mobile number."))
        return redirect("innovation:staff_call", call_id=call.pk)
    with refusal_on(request):
        made = actions.assign_balanced(
            actor=staff_user(request),
            call=call,
            jurors=[j for j in jurors if j is not None],
            per_entry=form.cleaned_data["per_entry"],
        )
        messages.success(request, _("%(n)d assignments made.") % {"n": made})
    return redirect("innovation:staff_call", call_id=call.pk)


@staff_required
@require_POST
def conflict_declare(request: HttpRequest, call_id: int) -> HttpResponse:
    call = _call(request, call_id)
    _check_posted_org(request, "unit")
    form = forms.ConflictForm(request.POST, user=request.user)
    juror = queries.find_juror(request.POST.get("reviewer", ""))
    unit = form.cleaned_data.get("unit") if form.is_valid() else None
    if juror is None or unit is None:
        messages.error(request, _("Name the juror, the union and the reason."))
        return redirect("innovation:staff_call", call_id=call.pk)
    with refusal_on(request):
        actions.declare_conflict(
            actor=staff_user(request),
            call=call,
            reviewer=juror,
            org=unit,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("Conflict recorded."))
    return redirect("innovation:staff_call", call_id=call.pk)


@staff_required
def nominate(request: HttpRequest, call_id: int) -> HttpResponse:
    call = _call(request, call_id)
    _check_posted_org(request, "unit")
    form = forms.NominationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = data["unit"]
        with refusal_on(form):
            actions.nominate(
                actor=staff_user(request),
                call=call,
                unit=unit,
                details=actions.EntryDetails(
                    title=data["title"], summary=data["summary"], nominee=data["nominee"]
                ),
            )
            messages.success(request, _("Nomination submitted."))
            return redirect("innovation:staff_call", call_id=call.pk)
    return render(request, "innovation/staff_nominate.html", {"call": call, "form": form})


@staff_required
def ranking(request: HttpRequest, call_id: int) -> HttpResponse:
    call = _call(request, call_id)
    context = {
        "call": call,
        "rows": reviews.jury_ranking(call),
        "decision_form": forms.DecisionForm(),
    }
    return render(request, "innovation/staff_ranking.html", context)


@staff_required
def entry_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = reviews.get_entry_for(request.user, entry_id, CAPABILITY)
    if entry.call.kind not in kinds.KINDS:
        raise Http404
    form = forms.DecisionForm(request.POST or None, initial={"decision": entry.decision or None})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusal_on(form):
            actions.decide(
                actor=staff_user(request),
                entry=entry,
                decision=data["decision"],
                reason=data["reason"],
                award_level=data["award_level"],
            )
            messages.success(request, _("Decision recorded."))
            return redirect("innovation:staff_ranking", call_id=entry.call_id)
    context = {
        "entry": entry,
        "call": entry.call,
        "attachments": reviews.list_attachments(entry),
        "assignments": reviews.list_assignments(entry),
        "criteria": reviews.list_criteria(entry.call),
        "form": form,
    }
    return render(request, "innovation/staff_entry.html", context)


@staff_required
def attachment(request: HttpRequest, entry_id: int, attachment_id: int) -> FileResponse:
    entry = reviews.get_entry_for(request.user, entry_id, CAPABILITY)
    return stream_attachment(reviews.get_attachment(entry, attachment_id))


@staff_required
def poll_create(request: HttpRequest, call_id: int) -> HttpResponse:
    call = _call(request, call_id)
    _check_posted_org(request, "electorate")
    form = forms.PollForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        electorate = data["electorate"]
        opens, closes = form.window()
        with refusal_on(form):
            poll = actions.create_poll(
                actor=staff_user(request),
                call=call,
                electorate_org=electorate,
                title=data["title"],
                opens_at=opens,
                closes_at=closes,
                jury_weight=data["jury_weight"],
                vote_weight=data["vote_weight"],
            )
            return redirect("innovation:staff_poll", poll_id=poll.pk)
    return render(request, "innovation/staff_poll_form.html", {"call": call, "form": form})


@staff_required
def poll_detail(request: HttpRequest, poll_id: int) -> HttpResponse:
    poll = reviews.get_poll_for(request.user, poll_id, CAPABILITY)
    context = {
        "poll": poll,
        "candidates": reviews.list_candidates(poll),
        "ballots": reviews.count_ballots(poll),
        "suspects": reviews.suspect_groups(poll),
        "set_aside": reviews.list_set_aside(poll),
        "quarantine_form": forms.QuarantineForm(),
    }
    return render(request, "innovation/staff_poll.html", context)


@staff_required
@require_POST
def poll_step(request: HttpRequest, poll_id: int, step: str) -> HttpResponse:
    poll = reviews.get_poll_for(request.user, poll_id, CAPABILITY)
    steps = {
        "open": actions.open_poll,
        "close": actions.close_poll,
        "publish": actions.publish_result,
    }
    if step not in steps:
        raise Http404
    with refusal_on(request):
        steps[step](actor=staff_user(request), poll=poll)
        messages.success(request, _("Done."))
    return redirect("innovation:staff_poll", poll_id=poll.pk)


@staff_required
@require_POST
def quarantine(request: HttpRequest, poll_id: int) -> HttpResponse:
    poll = reviews.get_poll_for(request.user, poll_id, CAPABILITY)
    form = forms.QuarantineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("State the reason."))
        return redirect("innovation:staff_poll", poll_id=poll.pk)
    data = form.cleaned_data
    ballots = reviews.ballots_with_signal(poll, data["signal"], data["value"])
    with refusal_on(request):
        n = actions.quarantine_ballots(
            actor=staff_user(request), poll=poll, ballots=ballots, reason=data["reason"]
        )
        messages.success(request, _("%(n)d ballots set aside.") % {"n": n})
    return redirect("innovation:staff_poll", poll_id=poll.pk)


@staff_required
def scores_xlsx(request: HttpRequest, call_id: int) -> HttpResponse:
    """Every juror's score on every criterion, and the ranking, as a workbook."""
    call = _call(request, call_id)
    response = HttpResponse(exports.scores_workbook(call), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"scores-{call.pk}.xlsx")
    return response
