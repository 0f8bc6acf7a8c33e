"""Staff pages of membership: the review queue, the members register and transfers."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gonghui.accounts.access import staff_required, staff_user
from gonghui.core import pickers
from gonghui.core.capabilities import Capability
from gonghui.core.pages import HtmxRequest, paginate, refusal_on
from gonghui.core.personal import mask_id_number, mask_mobile
from gonghui.core.scoping import permits
from gonghui.members import actions, queries
from gonghui.members.models import Application, Member, Transfer
from gonghui.members.pickers import ReceivingUnionSource
from gonghui.members.review_forms import (
    DeclineForm,
    LeavingForm,
    MemberFilterForm,
    RejectForm,
    ReviewFilterForm,
    RevokeCardForm,
    StaffTransferForm,
    parse_ids,
)
from gonghui.members.review_warnings import with_warnings
from gonghui.orgs.models import Org
from gonghui.orgs.queries import get_org_for

OUTGOING_SHOWN = 50


def _within(request: HttpRequest, capability: Capability) -> Org | None:
    """The org chosen with ?org= (404 outside the scope), or None for the whole scope."""
    if request.GET.get("org"):
        return get_org_for(request.user, request.GET["org"], capability)
    return None


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _personal_rows(person: Member | Application, reveal_url: str) -> list[dict[str, Any]]:
    return [
        {
            "field": "id_number",
            "label": _("ID number"),
            "masked": mask_id_number(str(person.id_number)),
            "reveal_url": reveal_url.replace("FIELD", "id_number"),
        },
        {
            "field": "mobile",
            "label": _("Mobile number"),
            "masked": mask_mobile(str(person.mobile)),
            "reveal_url": reveal_url.replace("FIELD", "mobile"),
        },
    ]


def _revealed(
    request: HttpRequest, person: Member | Application, field: str, reveal_url: str
) -> HttpResponse:
    value = actions.reveal_personal_data(actor=staff_user(request), person=person, field=field)
    row = next(row for row in _personal_rows(person, reveal_url) if row["field"] == field)
    row["value"] = value
    return render(request, "members/member_personal.html", {"row": row})


# --- the review queue ------------------------------------------------------------------------


@staff_required
def review(request: HtmxRequest) -> HttpResponse:
    user = staff_user(request)
    within = _within(request, "members.view")
    form = ReviewFilterForm(
        request.GET, event_choices=queries.list_event_choices(user, "members.view")
    )
    filters = form.filters()
    if queries.number_in(filters.search):
        actions.record_number_search(
            actor=user, search=filters.search, listing="applications", within=within
        )
    page = paginate(
        request,
        queries.list_applications(user, "members.view", filters=filters, within=within),
    )
    page.object_list = with_warnings(page.object_list)
    reviewable = {a.pk for a in page if permits(user, "members.review", a.org.path)}
    context = {
        "form": form,
        "filters": filters,
        "within": within,
        "page": page,
        "reviewable": reviewable,
        "cutoff": queries.waiting_cutoff(),
        "statuses": Application.Status.choices,
    }
    if request.htmx:
        return render(request, "members/review.html#results", context)
    return render(request, "members/review.html", context)


def _application_context(
    request: HttpRequest, application: Application, reject_form: RejectForm | None = None
) -> dict[str, Any]:
    reveal_url = reverse("members:application_reveal", args=[application.pk, "FIELD"])
    capabilities = staff_user(request).capabilities_at(application.org.path)
    return {
        "application": application,
        "personal": _personal_rows(application, reveal_url),
        "may_reveal": "personal_data.view" in capabilities,
        "is_member_already": queries.is_already_member(application),
        "members_own_number": queries.is_the_members_own_number(application),
        "other_pending": queries.count_other_pending(application),
        "review_warnings": queries.list_application_warnings(application),
        "capabilities": capabilities,
        "reject_form": reject_form or RejectForm(),
        "cutoff": queries.waiting_cutoff(),
    }


@staff_required
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    application = queries.get_application_for(request.user, application_id, "members.view")
    return render(request, "members/review_detail.html", _application_context(request, application))


@staff_required
@require_POST
def application_reveal(request: HttpRequest, application_id: int, field: str) -> HttpResponse:
    application = queries.get_application_for(request.user, application_id, "personal_data.view")
    reveal_url = reverse("members:application_reveal", args=[application.pk, "FIELD"])
    return _revealed(request, application, field, reveal_url)


@staff_required
@require_POST
def approve(request: HttpRequest, application_id: int) -> HttpResponse:
    application = queries.get_application_for(request.user, application_id, "members.review")
    with refusal_on(request):
        member = actions.approve_application(actor=staff_user(request), application=application)
        messages.success(
            request,
            _("%(name)s is now a member, number %(number)s.")
            % {"name": member.name, "number": member.number},
        )
    return redirect(_back(request, reverse("members:review")))


@staff_required
@require_POST
def reject(request: HttpRequest, application_id: int) -> HttpResponse:
    application = queries.get_application_for(request.user, application_id, "members.review")
    form = RejectForm(request.POST)
    if form.is_valid():
        with refusal_on(form):
            actions.reject_application(
                actor=staff_user(request),
                application=application,
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request, _("%(name)s's application is rejected.") % {"name": application.name}
            )
            return redirect(_back(request, reverse("members:review")))
    context = _application_context(request, application, reject_form=form)
    return render(request, "members/review_detail.html", context, status=400)


@staff_required
@require_POST
def bulk_approve(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    ids = parse_ids(request.POST.getlist("ids"))
    applications = queries.get_applications_for(user, ids, "members.review") if ids else []
    if not applications:
        messages.error(request, _("Tick at least one application to approve."))
        return redirect(_back(request, reverse("members:review")))
    result = actions.approve_applications(actor=user, applications=applications)
    return render(
        request,
        "members/review_result.html",
        {
            "approved": result["approved"],
            "refused": result["refused"],
            "back": _back(request, reverse("members:review")),
        },
    )


# --- members ---------------------------------------------------------------------------------


@staff_required
def member_list(request: HtmxRequest) -> HttpResponse:
    user = staff_user(request)
    within = _within(request, "members.view")
    form = MemberFilterForm(request.GET)
    filters = form.filters()
    if queries.number_in(filters.search):
        actions.record_number_search(
            actor=user, search=filters.search, listing="members", within=within
        )
    page = paginate(
        request, queries.list_members(user, "members.view", filters=filters, within=within)
    )
    context = {"form": form, "filters": filters, "within": within, "page": page}
    if request.htmx:
        return render(request, "members/members.html#results", context)
    return render(request, "members/members.html", context)


def _member_context(request: HttpRequest, member: Member, **forms: Any) -> dict[str, Any]:
    capabilities = staff_user(request).capabilities_at(member.org.path)
    transfers = queries.list_member_transfers(member)
    pending = next((t for t in transfers if t.status == Transfer.Status.PENDING), None)
    reveal_url = reverse("members:member_reveal", args=[member.pk, "FIELD"])
    context: dict[str, Any] = {
        "member": member,
        "personal": _personal_rows(member, reveal_url),
        "may_reveal": "personal_data.view" in capabilities,
        "episodes": queries.list_episodes(member),
        "transfers": transfers,
        "pending_transfer": pending,
        "capabilities": capabilities,
    }
    if "members.manage" in capabilities and member.is_active:
        if pending is None:
            context["transfer_form"] = forms.get("transfer_form") or StaffTransferForm()
        context["leaving_form"] = forms.get("leaving_form") or LeavingForm()
        context["revoke_form"] = forms.get("revoke_form") or RevokeCardForm()
    return context


@staff_required
def member_detail(request: HttpRequest, member_id: int) -> HttpResponse:
    member = queries.get_member_for(request.user, member_id, "members.view")
    return render(request, "members/member_detail.html", _member_context(request, member))


@staff_required
@require_POST
def member_reveal(request: HttpRequest, member_id: int, field: str) -> HttpResponse:
    member = queries.get_member_for(request.user, member_id, "personal_data.view")
    reveal_url = reverse("members:member_reveal", args=[member.pk, "FIELD"])
    return _revealed(request, member, field, reveal_url)


@staff_required
@require_POST
def member_transfer(request: HttpRequest, member_id: int) -> HttpResponse:
    member = queries.get_member_for(request.user, member_id, "members.manage")
    form = StaffTransferForm(request.POST)
    if form.is_valid():
        union = form.cleaned_data["to_org"]
        with refusal_on(form):
            actions.start_transfer(
                actor=staff_user(request),
                member=member,
                to_org=union,
                new_employer_name=form.cleaned_data["new_employer_name"],
            )
            messages.success(
                request,
                _("The transfer to %(union)s is requested; it waits for that union to accept.")
                % {"union": union.name},
            )
            return redirect("members:member_detail", member_id=member.pk)
    context = _member_context(request, member, transfer_form=form)
    return render(request, "members/member_detail.html", context, status=400)


@staff_required
@require_POST
def member_leave(request: HttpRequest, member_id: int) -> HttpResponse:
    member = queries.get_member_for(request.user, member_id, "members.manage")
    form = LeavingForm(request.POST)
    if form.is_valid():
        with refusal_on(form):
            member = actions.record_leaving(
                actor=staff_user(request),
                member=member,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request,
                _("The membership of %(name)s ended: %(status)s.")
                % {"name": member.name, "status": member.get_status_display()},
            )
            return redirect("members:member_detail", member_id=member.pk)
    context = _member_context(request, member, leaving_form=form)
    return render(request, "members/member_detail.html", context, status=400)


@staff_required
@require_POST
def member_revoke_card(request: HttpRequest, member_id: int) -> HttpResponse:
    member = queries.get_member_for(request.user, member_id, "members.manage")
    form = RevokeCardForm(request.POST)
    if form.is_valid():
        with refusal_on(form):
            actions.revoke_card(
                actor=staff_user(request), member=member, reason=form.cleaned_data["reason"]
            )
            messages.success(
                request,
                _("The card is revoked; the member's phone shows a new one at once."),
            )
            return redirect("members:member_detail", member_id=member.pk)
    context = _member_context(request, member, revoke_form=form)
    return render(request, "members/member_detail.html", context, status=400)


# --- transfers -------------------------------------------------------------------------------


@staff_required
def transfers(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    incoming = list(queries.list_incoming_transfers(user, "members.view"))
    decided = list(
        queries.list_incoming_transfers(user, "members.view", status="")
        .exclude(status=Transfer.Status.PENDING)
        .order_by("-decided_at", "-pk")[:OUTGOING_SHOWN]
    )
    outgoing = list(queries.list_outgoing_transfers(user, "members.view")[:OUTGOING_SHOWN])
    decidable = {t.pk for t in incoming if permits(user, "members.review", t.to_org.path)}
    return render(
        request,
        "members/transfers.html",
        {
            "incoming": incoming,
            "decided": decided,
            "outgoing": outgoing,
            "decidable": decidable,
            "decline_form": DeclineForm(),
        },
    )


@staff_required
def transfer_detail(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = queries.get_transfer_for(request.user, transfer_id, "members.view")
    return render(
        request,
        "members/transfer_detail.html",
        {
            "transfer": transfer,
            "episodes": queries.list_episodes(transfer.member),
            "transfers": queries.list_member_transfers(transfer.member),
            "may_decide": transfer.status == Transfer.Status.PENDING
            and permits(request.user, "members.review", transfer.to_org.path),
            "may_open_member": permits(request.user, "members.view", transfer.member.org.path),
            "decline_form": DeclineForm(),
        },
    )


@staff_required
@require_POST
def transfer_accept(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = queries.get_transfer_for(request.user, transfer_id, "members.review")
    with refusal_on(request):
        member = actions.accept_transfer(actor=staff_user(request), transfer=transfer)
        messages.success(
            request,
            _("%(name)s's membership moved to %(union)s.")
            % {"name": member.name, "union": transfer.to_org.name},
        )
    return redirect(_back(request, reverse("members:transfers")))


@staff_required
@require_POST
def transfer_decline(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = queries.get_transfer_for(request.user, transfer_id, "members.review")
    form = DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for declining."))
        return redirect(_back(request, reverse("members:transfers")))
    with refusal_on(request):
        actions.decline_transfer(
            actor=staff_user(request), transfer=transfer, reason=form.cleaned_data["reason"]
        )
        messages.success(
            request,
            _("The transfer of %(name)s is declined.") % {"name": transfer.member.name},
        )
    return redirect(_back(request, reverse("members:transfers")))


@staff_required
@require_GET
def union_pick(request: HttpRequest) -> HttpResponse:
    """The staff transfer form's picker (htmx): receiving unions by name, anywhere (public
    names, as the worker's own transfer search)."""
    return pickers.answer(request, ReceivingUnionSource())
