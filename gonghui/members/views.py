"""The worker's own membership pages (card, transfer, withdrawal) and the card verifier."""

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from gonghui.accounts.models import User
from gonghui.core.pages import refusal_on
from gonghui.members import actions, cards, own_data, queries
from gonghui.members.card_pdf import render_card_pdf
from gonghui.members.models import Member, Transfer
from gonghui.members.review_forms import TransferForm, WithdrawConsentForm, WithdrawForm
from gonghui.orgs.models import Org

UNION_SEARCH_MIN = 1


def _account(request: HttpRequest) -> User:
    """The signed-in worker's account (behind login_required, or with a membership found)."""
    assert isinstance(request.user, User)
    return request.user


def _own_member(request: HttpRequest) -> Member | None:
    """The signed-in worker's membership, linking it to the account on first use."""
    member = queries.find_own_member(request.user)
    if member is not None and member.user_id is None:
        # Taken by another account: not this worker's membership, and no page error either.
        with refusal_on(None) as taken:
            member = actions.link_member_account(actor=_account(request), member=member)
        if taken.error is not None:
            return None
    return member


def _active_member(request: HttpRequest) -> Member:
    member = _own_member(request)
    if member is None or not member.is_active:
        raise Http404
    return member


def _qr_svg(code: str) -> str:
    qr = segno.make(code, error="m")
    # segno draws the matrix as one <path>; nothing from the code itself is in the markup.
    return mark_safe(qr.svg_inline(scale=1, border=2, omitsize=True, light="#fff"))  # noqa: S308


@login_required
@never_cache
def card(request: HttpRequest) -> HttpResponse:
    member = _own_member(request)
    context: dict[str, object] = {"member": member}
    if member is not None and member.is_active:
        code = cards.card_code_of(member)
        context.update(code=code, qr=_qr_svg(code))
    return render(request, "members/card.html", context)


@login_required
@never_cache
def card_pdf(request: HttpRequest) -> HttpResponse:
    member = _active_member(request)
    content = render_card_pdf(
        name=member.name,
        union=member.org.name,
        number=member.number,
        joined_on=member.joined_on,
        code=cards.card_code_of(member),
        verify_url=request.build_absolute_uri(reverse("members:verify")),
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="member-card-{member.number}.pdf"'
    return response


@login_required
def union_search(request: HttpRequest) -> HttpResponse:
    """Receiving unions by name, as choices for a transfer form (an htmx fragment)."""
    search = request.GET.get("q", "").strip()[:60]
    unions = list(queries.list_receiving_unions(search)) if len(search) >= UNION_SEARCH_MIN else []
    return render(
        request,
        "members/transfer_unions.html",
        {"unions": unions, "search": search, "chosen": request.GET.get("to_org", "")},
    )


def _chosen_union(form: TransferForm) -> Org | None:
    if not form.is_valid():
        return None
    try:
        return queries.get_receiving_union(form.cleaned_data["to_org"])
    except Http404:
        form.add_error("to_org", _("Choose a union from the search results."))
        return None


@login_required
def my_transfer(request: HttpRequest) -> HttpResponse:
    member = _active_member(request)
    transfers = queries.list_member_transfers(member)
    pending = next((t for t in transfers if t.status == Transfer.Status.PENDING), None)
    form = TransferForm(request.POST or None)
    union = None
    if request.method == "POST" and pending is None:
        union = _chosen_union(form)
        if union is not None:
            with refusal_on(form):
                actions.start_transfer(
                    actor=_account(request),
                    member=member,
                    to_org=union,
                    new_employer_name=form.cleaned_data["new_employer_name"],
                )
                messages.success(
                    request,
                    _(
                        "Your request was sent to %(union)s. You will get a text message "
                        "when they decide; until then you stay a member of %(current)s."
                    )
                    % {"union": union.name, "current": member.org.name},
                )
                return redirect("members:card")
    search = request.GET.get("q", "").strip()[:60]
    return render(
        request,
        "members/transfer_request.html",
        {
            "member": member,
            "form": form,
            "pending": pending,
            "earlier": [t for t in transfers if t is not pending],
            "chosen_union": union,
            "search": search,
            "unions": list(queries.list_receiving_unions(search)) if search else [],
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def withdraw(request: HttpRequest) -> HttpResponse:
    member = _active_member(request)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            actions.record_leaving(
                actor=_account(request),
                member=member,
                status=Member.Status.WITHDRAWN,
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request, _("You have left the union. Thank you for your time with us.")
            )
            return redirect("members:card")
    return render(
        request,
        "members/member_withdraw.html",
        {"member": member, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- the worker's own data (PIPL) ---------------------------------------------------------------


@login_required
@never_cache
def my_data(request: HttpRequest) -> HttpResponse:
    """Everything held about the signed-in worker; numbers masked until they ask to see them
    (their own right: not audited, and the numbers never reach a log)."""
    person = own_data.person_of(_account(request))
    show = request.GET.get("show") == "1"
    return render(
        request,
        "members/my_data.html",
        {
            "groups": own_data.for_screen(own_data.collect(person), show=show),
            "show": show,
            "member": person.member,
        },
    )


@login_required
@never_cache
def my_data_xlsx(request: HttpRequest) -> HttpResponse:
    """The worker's own copy of their data as .xlsx (audited, rate-limited)."""
    user = _account(request)
    person = own_data.person_of(user)
    # Over the limit: back to the page, which shows when to try again.
    with refusal_on(request):
        own_data.record_download(actor=user, person=person, file_format="xlsx")
        with own_data.write_xlsx(own_data.collect_in_chinese(person)) as handle:
            response = HttpResponse(handle.read(), content_type=own_data.XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = 'attachment; filename="my-personal-data.xlsx"'
        return response
    return redirect("members:my_data")


@login_required
def withdraw_consent(request: HttpRequest) -> HttpResponse:
    """Withdraw consent and leave: explained, confirmed with a tick, then signed out."""
    user = _account(request)
    member = _own_member(request)
    # Bound on every POST: an empty one (the box unticked) must show why it was refused.
    form = WithdrawConsentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            actions.withdraw_consent(actor=user, member=member)
            logout(request)
            return render(request, "members/consent_withdrawn.html")
    return render(
        request,
        "members/withdraw_consent.html",
        {"member": member if member is not None and member.is_active else None, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- the card verifier -------------------------------------------------------------------------


def verify(request: HttpRequest) -> HttpResponse:
    """The offline verifier: the public key is in the page, the check runs in the browser."""
    return render(request, "members/verify.html", {"public_key": cards.public_key_b64()})


@require_GET
@never_cache
def card_check(request: HttpRequest) -> JsonResponse:
    """Whether a genuine card is still current. It needs a genuine code, and it answers only
    about that card: nothing personal beyond what the card itself says."""
    checked = queries.check_card(request.GET.get("code", "")[:2000].strip())
    if checked.claims is None:
        return JsonResponse({"status": checked.status})
    return JsonResponse({"status": checked.status, "number": checked.claims.number})
