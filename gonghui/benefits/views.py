"""Members' service pages on the phone: the directory by category and place, a service with
its offers (each view counted), claiming, and the wallet of claimed offers with their codes."""

from dataclasses import dataclass
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_POST

from gonghui.benefits import actions, claiming, queries, redeeming
from gonghui.benefits.forms import ServiceFilterForm
from gonghui.benefits.models import Claim, Offer
from gonghui.core.pages import paginate, refusal_on
from gonghui.members.members_only import members_only_page
from gonghui.members.queries import get_own_member

PAGE_SIZE = 20


def _filters(form: ServiceFilterForm) -> queries.ServiceFilters:
    # A malformed field is dropped (is_valid leaves it out of cleaned_data), never a 500.
    form.is_valid()
    data = form.cleaned_data
    return queries.ServiceFilters(
        category=data.get("category") or "",
        district=(data.get("district") or "").strip(),
        street=(data.get("street") or "").strip(),
        search=(data.get("q") or "").strip(),
    )


def member_list(request: HttpRequest) -> HttpResponse:
    member = get_own_member(request.user)
    names = queries.category_names()
    form = ServiceFilterForm(request.GET, category_choices=list(names.items()))
    filters = _filters(form)
    page = paginate(
        request, queries.list_open_services(member, filters=filters), per_page=PAGE_SIZE
    )
    places = queries.list_places(member)
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "categories": list(names.items()),
        "names": names,
        "places": places,
        "streets": places.get(filters.district, []),
        "member": member,
    }
    return render(request, "benefits/member_list.html", context)


@dataclass(frozen=True)
class OfferRow:
    """An offer as the service page shows it, with what the member may do about it."""

    offer: Offer
    state: str  # open, not_open, sold_out, claimed, share_sold_out
    claimed_by_me: int
    share_left: int | None


def _offer_rows(offers: list[Offer], member: Any) -> list[OfferRow]:
    claimed = queries.own_claim_counts(member, offers)
    shares = queries.member_shares(offers, member)
    now = timezone.now()
    rows: list[OfferRow] = []
    for offer in offers:
        share = shares.get(offer.pk)
        share_left = max(share.quota - share.claimed, 0) if share is not None else None
        mine = claimed.get(offer.pk, 0)
        if mine >= offer.per_member_limit:
            state = "claimed"
        elif now < offer.claims_open_at:
            state = "not_open"
        elif offer.left == 0:
            state = "sold_out"
        elif share_left == 0:
            state = "share_sold_out"
        else:
            state = "open"
        rows.append(OfferRow(offer, state, mine, share_left))
    return rows


def member_detail(request: HttpRequest, service_id: int) -> HttpResponse:
    member = get_own_member(request.user)
    if (member is None or not member.is_active) and queries.is_for_members_only(service_id):
        return members_only_page(request)
    service = queries.get_open_service(member, service_id)
    actions.record_view(service=service)
    context = {
        "service": service,
        "member": member,
        "is_member": member is not None and member.is_active,
        "offers": _offer_rows(queries.list_service_offers(service), member),
        "photos": queries.list_shown_photos(service),
    }
    return render(request, "benefits/member_detail.html", context)


@require_GET
@cache_control(private=True, max_age=3600)
def photo(request: HttpRequest, service_id: int, photo_id: int) -> FileResponse:
    """A service's photo, for anyone who may see the service."""
    member = get_own_member(request.user)
    service = queries.get_open_service(member, service_id)
    picture = queries.get_shown_photo(service, photo_id)
    try:
        handle = picture.image.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, content_type="image/jpeg")


@require_POST
def member_claim(request: HttpRequest, offer_id: int) -> HttpResponse:
    """Claim: the new claim's code page on success, else back to the service with the reason."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("benefits:member_list"))
    member = get_own_member(request.user)
    offer = queries.get_open_offer(member, offer_id)
    with refusal_on(request):
        claim = claiming.claim_offer(member=member, offer=offer)
        messages.success(request, _("Claimed: show this code at the provider to use it."))
        return redirect("benefits:wallet_claim", claim_id=claim.pk)
    return redirect("benefits:member_detail", service_id=offer.service_id)


@login_required
def wallet(request: HttpRequest) -> HttpResponse:
    member = get_own_member(request.user)
    claims = list(queries.list_own_claims(member)[:200]) if member is not None else []
    now = timezone.now()
    rows = [(claim, _claim_state(claim, now)) for claim in claims]
    return render(request, "benefits/wallet.html", {"member": member, "rows": rows})


def _claim_state(claim: Claim, now: Any) -> str:
    """ready, used or expired: what the wallet shows on a claim."""
    if claim.status == Claim.Status.REDEEMED:
        return "used"
    until = redeeming.usable_until(claim)
    if claim.offer.status != Offer.Status.PUBLISHED or (until is not None and now > until):
        return "expired"
    return "ready"


def _qr_svg(text: str) -> SafeString:
    qr = segno.make(text, error="m")
    # segno draws the matrix as one <path>; nothing from the text itself is in the markup.
    return mark_safe(qr.svg_inline(scale=1, border=2, omitsize=True, light="#fff"))  # noqa: S308


@never_cache
@login_required
def wallet_claim(request: HttpRequest, claim_id: int) -> HttpResponse:
    member = get_own_member(request.user)
    if member is None:
        raise Http404
    claim = queries.get_own_claim(member, claim_id)
    state = _claim_state(claim, timezone.now())
    code = claiming.code_of(claim)
    context = {
        "claim": claim,
        "state": state,
        "code": code,
        "qr": _qr_svg(code) if state == "ready" else None,
        "usable_until": redeeming.usable_until(claim),
    }
    return render(request, "benefits/wallet_claim.html", context)
