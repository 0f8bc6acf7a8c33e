"""Innovation on the phone: a member's calls, entries (with photos) and votes, a juror's
scoring, the public tally log with the receipt check, and the public showcase."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from gonghui.core.pages import paginate, refusal_on
from gonghui.core.request_context import client_ip_of
from gonghui.core.uploads import naming_the_file
from gonghui.innovation import forms, kinds, queries
from gonghui.members.models import Member
from gonghui.members.queries import get_own_member
from gonghui.reviews import actions, exports
from gonghui.reviews import queries as reviews
from gonghui.reviews.models import Attachment, Call, Poll, Submission

DEVICE_COOKIE = "gh_device"
CONTENT_TYPES = {"photo": "image/jpeg", "document": "application/pdf", "video": "video/mp4"}


def stream_attachment(attachment: Attachment) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=CONTENT_TYPES[attachment.kind])
    if attachment.kind != "photo":
        response["Content-Disposition"] = f'attachment; filename="entry-file-{attachment.pk}"'
    return response


def _member(request: HttpRequest) -> Member:
    member = get_own_member(request.user)
    if member is None:
        raise Http404
    return member


@login_required
def home(request: HttpRequest) -> HttpResponse:
    member = get_own_member(request.user)
    context = {
        "member": member,
        "calls": reviews.open_calls_for_member(member, kinds=kinds.KINDS) if member else [],
        "entries": reviews.list_own_entries(member, kinds=kinds.KINDS) if member else [],
        "assignments": reviews.list_own_assignments(request.user, kinds=kinds.KINDS),
        "polls": reviews.list_open_polls_for(member, kinds=kinds.KINDS) if member else [],
    }
    return render(request, "innovation/home.html", context)


def _entry_details(form: forms.EntryForm, co_authors: list[Member]) -> actions.EntryDetails:
    data = form.cleaned_data
    return actions.EntryDetails(
        title=data["title"],
        summary=data["summary"],
        category=data.get("category") or "",
        answers=form.answers(),
        co_authors=tuple(co_authors),
    )


def _save(
    request: HttpRequest,
    form: forms.EntryForm,
    member: Member,
    call: Call,
    entry: Submission | None,
) -> HttpResponse | None:
    """Save (draft or submit) and attach the file, in one refusal block."""
    co_authors = queries.find_members(form.co_author_numbers())
    if co_authors is None:
        form.add_error("co_authors", _("One of these numbers is not an active member."))
        return None
    assert request.user.is_authenticated
    upload = form.cleaned_data.get("upload")
    with refusal_on(form):
        # A refused file leaves no half-saved entry behind.
        with transaction.atomic():
            saved = actions.save_entry(
                actor=request.user,
                member=member,
                call=call,
                details=_entry_details(form, co_authors),
                submit="submit" in request.POST,
                entry=entry,
            )
            if upload:
                with naming_the_file(upload, field="upload"):
                    actions.add_attachment(actor=request.user, entry=saved, upload=upload)
        if saved.status == Submission.Status.SUBMITTED:
            messages.success(
                request, _("Your entry is submitted. You can edit it until the deadline.")
            )
        else:
            messages.success(request, _("Draft saved."))
        return redirect("innovation:entry", entry_id=saved.pk)
    return None


@login_required
def entry_new(request: HttpRequest, call_id: int) -> HttpResponse:
    member = _member(request)
    call = reviews.get_open_call(call_id, member)
    form = forms.EntryForm(request.POST or None, request.FILES or None, call=call)
    if request.method == "POST" and form.is_valid():
        answer = _save(request, form, member, call, None)
        if answer is not None:
            return answer
    return render(
        request, "innovation/entry_form.html", {"call": call, "form": form, "entry": None}
    )


@login_required
def entry_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    member = _member(request)
    entry = reviews.get_own_entry(member, entry_id)
    initial = {
        "title": entry.title,
        "summary": entry.summary,
        "category": entry.category,
        "co_authors": ", ".join(reviews.co_author_numbers(entry)),
        **{f"answer_{name}": value for name, value in entry.answers.items()},
    }
    form = forms.EntryForm(
        request.POST or None, request.FILES or None, call=entry.call, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        answer = _save(request, form, member, entry.call, entry)
        if answer is not None:
            return answer
    context = {
        "call": entry.call,
        "entry": entry,
        "form": form,
        "attachments": reviews.list_attachments(entry),
    }
    return render(request, "innovation/entry_form.html", context)


@login_required
@require_POST
def entry_withdraw(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = reviews.get_own_entry(_member(request), entry_id)
    assert request.user.is_authenticated
    with refusal_on(request):
        actions.withdraw_entry(actor=request.user, entry=entry)
        messages.success(request, _("Your entry is withdrawn."))
    return redirect("innovation:home")


@login_required
@require_GET
def entry_file(request: HttpRequest, entry_id: int, attachment_id: int) -> FileResponse:
    entry = reviews.get_own_entry(_member(request), entry_id)
    return stream_attachment(reviews.get_attachment(entry, attachment_id))


# Jurors --------------------------------------------------------------------------------------


@login_required
def jury_score(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = reviews.get_own_assignment(request.user, assignment_id)
    entry = assignment.submission
    criteria = reviews.list_criteria(entry.call)
    given = reviews.scores_of(assignment)
    initial: dict[str, object] = {"comment": assignment.comment}
    for c in criteria:
        if c.pk in given:
            initial[f"c{c.pk}"] = given[c.pk].value
            initial[f"note{c.pk}"] = given[c.pk].comment
    form = forms.ScoreForm(request.POST or None, criteria=criteria, initial=initial)
    if request.method == "POST" and form.is_valid():
        assert request.user.is_authenticated
        with refusal_on(form):
            actions.score_entry(
                actor=request.user,
                assignment=assignment,
                values=form.values(),
                comments=form.notes(),
                comment=form.cleaned_data["comment"],
            )
            messages.success(request, _("Scores saved."))
            return redirect("innovation:home")
    context = {
        "assignment": assignment,
        "entry": entry,
        # Blind review: the juror sees the entry's code, never its author or unit.
        "blind": entry.call.anonymous_review,
        "attachments": reviews.list_attachments(entry),
        "form": form,
    }
    return render(request, "innovation/jury_score.html", context)


@login_required
@require_GET
def jury_file(request: HttpRequest, assignment_id: int, attachment_id: int) -> FileResponse:
    assignment = reviews.get_own_assignment(request.user, assignment_id)
    return stream_attachment(reviews.get_attachment(assignment.submission, attachment_id))


# Votes ---------------------------------------------------------------------------------------


def poll_page(request: HttpRequest, poll_id: int) -> HttpResponse:
    poll = reviews.get_public_poll(poll_id)
    member = get_own_member(request.user)
    context = {
        "poll": poll,
        "candidates": reviews.list_candidates(poll),
        "ballot": reviews.own_ballot(poll, member) if member else None,
        "elector": reviews.is_elector(poll, member) if member else False,
    }
    return render(request, "innovation/poll.html", context)


@login_required
@require_POST
def vote(request: HttpRequest, poll_id: int) -> HttpResponse:
    """One tap: the ballot is final and its receipt shows at once."""
    poll = reviews.get_public_poll(poll_id)
    member = _member(request)
    candidate = reviews.get_candidate(poll, request.POST.get("candidate", ""))
    device = request.COOKIES.get(DEVICE_COOKIE) or secrets.token_hex(8)
    assert request.user.is_authenticated
    with refusal_on(request):
        actions.cast_ballot(
            actor=request.user,
            member=member,
            poll=poll,
            candidate=candidate,
            signals=actions.Signals(
                ip=client_ip_of(request) or "",
                device=f"{device}|{request.headers.get('user-agent', '')[:200]}",
            ),
        )
    response = redirect("innovation:poll", poll_id=poll.pk)
    response.set_cookie(
        DEVICE_COOKIE, device, max_age=365 * 24 * 3600, httponly=True, samesite="Lax"
    )
    return response


def poll_log(request: HttpRequest, poll_id: int) -> HttpResponse:
    """The tally log as published: the result, what was set aside and why, the chain's head,
    and a receipt check."""
    poll = reviews.get_public_poll(poll_id)
    form = forms.ReceiptForm(request.GET or None)
    found = None
    if poll.status == Poll.Status.PUBLISHED and form.is_valid():
        found = reviews.find_receipt(poll, form.cleaned_data["receipt"])
        if found is None:
            form.add_error("receipt", _("No ballot in this log has this receipt."))
    context = {
        "poll": poll,
        "form": form,
        "found": found,
        "set_aside": reviews.list_set_aside(poll) if poll.status == Poll.Status.PUBLISHED else [],
    }
    return render(request, "innovation/poll_log.html", context)


@require_GET
def poll_log_csv(request: HttpRequest, poll_id: int) -> HttpResponse:
    poll = reviews.get_public_poll(poll_id)
    if poll.status != Poll.Status.PUBLISHED:
        raise Http404
    response = HttpResponse(
        exports.tally_log_csv(reviews.log_entries(poll)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="tally-log-{poll.pk}.csv"'
    return response


# Showcase ------------------------------------------------------------------------------------


def showcase(request: HttpRequest) -> HttpResponse:
    units = queries.units_in_showcase()
    unit = request.GET.get("unit", "")
    unit_path = (
        reviews.org_path_of(unit) if unit.isdigit() and int(unit) in {u for u, _n in units} else ""
    )
    year_raw = request.GET.get("year", "")
    years = queries.showcase_years()
    year = int(year_raw) if year_raw.isdigit() and int(year_raw) in years else None
    entries = reviews.list_showcase(kinds=kinds.KINDS, org_path=unit_path, year=year)
    page = paginate(request, entries, per_page=30)
    context = {
        "page": page,
        "units": units,
        "years": years,
        "unit": unit if unit_path else "",
        "year": year,
        "kind_label": kinds.kind_label,
    }
    return render(request, "innovation/showcase.html", context)


def showcase_entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = reviews.get_showcase_entry(entry_id, kinds=kinds.KINDS)
    context = {
        "entry": entry,
        "photos": [a for a in reviews.list_attachments(entry) if a.kind == Attachment.Kind.PHOTO],
        "category": entry.call.category_label(entry.category) if entry.category else "",
    }
    return render(request, "innovation/showcase_entry.html", context)


@require_GET
@cache_control(public=True, max_age=3600)
def showcase_photo(request: HttpRequest, entry_id: int, attachment_id: int) -> FileResponse:
    entry = reviews.get_showcase_entry(entry_id, kinds=kinds.KINDS)
    found = reviews.get_attachment(entry, attachment_id)
    if found.kind != Attachment.Kind.PHOTO:
        raise Http404
    return stream_attachment(found)
