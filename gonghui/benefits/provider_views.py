"""The provider's redemption desk (核销): its own sign-in, a scan field that a USB scanner types
into (or the phone camera fills live; or a photo of the code is read on the server), the
claim(s) with their validity and the member's masked name, the redeem button, and the
offline upload of scans kept on the device."""

from collections.abc import Callable
from dataclasses import asdict
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gonghui.accounts import sessions
from gonghui.accounts.actions import sign_in_with_password
from gonghui.benefits import queries, redeeming
from gonghui.benefits.forms import BATCH_FORMAT, ProviderLoginForm, RedeemForm, ScanForm
from gonghui.benefits.models import ProviderAccount
from gonghui.checkins import decoding
from gonghui.checkins.scan_answers import ScanAnswer, desk_answer
from gonghui.core.pages import refusal_on

ProviderView = Callable[..., HttpResponseBase]


def provider_required(view: ProviderView) -> ProviderView:
    """Signed-in provider accounts only; the view gets the account after the request."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), "benefits:provider_login")
        account = queries.get_provider_account(request.user)
        if account is None:
            raise PermissionDenied
        return view(request, account, *args, **kwargs)

    return wrapper


@never_cache
def provider_login(request: HttpRequest) -> HttpResponse:
    """The desk's sign-in: the staff password sign-in, with the same lockout."""
    form = ProviderLoginForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with refusal_on(form) as refusal:
                checked = sign_in_with_password(
                    identifier=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                )
                if queries.get_provider_account(checked.user) is not None:
                    desk = reverse("benefits:provider_desk")
                    return sessions.continue_after_password(request, checked, desk)
                form.add_error(
                    None,
                    _("This is not a provider's account. Union staff sign in at the back office."),
                )
            if refusal.error is not None:
                status = refusal.status
    return render(request, "benefits/provider_login.html", {"form": form}, status=status)


def _tone(code: str, ok: bool) -> str:
    """The colour of an answer in the offline list: only a choice still to make is amber;
    every refusal, an already-used offer first, is red."""
    if ok:
        return "ok"
    return "warn" if code in {"choose_claim", "several_claims"} else "bad"


TITLES = {
    "redeemed": gettext_lazy("Redeemed"),
    "already_redeemed": gettext_lazy("Already used"),
    "expired": gettext_lazy("Expired"),
    "offer_withdrawn": gettext_lazy("Offer withdrawn"),
    "service_withdrawn": gettext_lazy("Service withdrawn"),
    "code_invalid": gettext_lazy("Invalid code"),
    "card_revoked": gettext_lazy("Card revoked"),
    "membership_ended": gettext_lazy("Membership ended"),
}


def _inspection_answer(inspection: redeeming.Inspection) -> ScanAnswer | None:
    """A red answer when the scan leaves nothing to redeem (a refused code, or only claims
    that cannot be used), else None: the claims are listed with their Redeem buttons."""
    if not inspection.ok:
        return desk_answer(
            inspection.code,
            inspection.message,
            ok=False,
            titles=TITLES,
            fallback=_("Not usable"),
            who=inspection.member_name,
        )
    if any(claim.redeemable for claim in inspection.claims):
        return None
    first = inspection.claims[0]
    return desk_answer(
        first.code,
        first.message,
        ok=False,
        titles=TITLES,
        fallback=_("Not usable"),
        who=" · ".join(filter(None, [inspection.member_name, first.offer_title])),
        first_at=first.redeemed_at if first.code == "already_redeemed" else "",
    )


def _redemption_answer(result: redeeming.Redemption) -> ScanAnswer:
    return desk_answer(
        result.code,
        result.message,
        ok=result.ok,
        titles=TITLES,
        fallback=_("Not redeemed"),
        who=" · ".join(filter(None, [result.member_name, result.offer_title])),
        first_at=result.redeemed_at if result.code == "already_redeemed" else "",
    )


def _refused(code: str, message: str) -> ScanAnswer:
    return desk_answer(code, message, ok=False, titles=TITLES, fallback=_("Not usable"))


def _desk(
    request: HttpRequest, account: ProviderAccount, *, status: int = 200, **extra: Any
) -> HttpResponse:
    provider = account.provider
    context = {
        "account": account,
        "provider": provider,
        "form": ScanForm(),
        "recent": queries.list_recent_redemptions(provider),
        "today": queries.count_redeemed_today(provider),
        **extra,
    }
    return render(request, "benefits/provider_desk.html", context, status=status)


@never_cache
@provider_required
def provider_desk(request: HttpRequest, account: ProviderAccount) -> HttpResponse:
    return _desk(request, account)


def _inspect(request: HttpRequest, account: ProviderAccount, code: str) -> HttpResponse:
    """What was scanned (typed, scanned or read from a photo), before anything is redeemed."""
    inspection = redeeming.inspect_code(account=account, code=code)
    answer = _inspection_answer(inspection)
    claims = [
        {**asdict(state), "usable_until_at": parse_datetime(state.usable_until or "")}
        for state in inspection.claims
    ]
    return _desk(
        request,
        account,
        inspection=inspection,
        claims=claims,
        scanned=code,
        answer=answer,
    )


@require_POST
@provider_required
def provider_scan(request: HttpRequest, account: ProviderAccount) -> HttpResponse:
    form = ScanForm(request.POST)
    if not form.is_valid():
        refused = _refused("empty", _("Scan an offer code or a member card."))
        return _desk(request, account, status=400, answer=refused)
    return _inspect(request, account, form.cleaned_data["code"])


@require_POST
@provider_required
def provider_scan_photo(request: HttpRequest, account: ProviderAccount) -> HttpResponse:
    """A photo of an offer code or a member card (the desk's camera fallback): decoded here,
    then inspected exactly as if the code had been typed."""
    with refusal_on(None) as refusal:
        code = decoding.decode_photo(
            upload=request.FILES.get("photo"), limit_key=f"user:{request.user.pk}"
        )
        return _inspect(request, account, code)
    answer = _refused(refusal.code, refusal.message)
    return _desk(request, account, status=refusal.status, answer=answer)


@require_POST
@provider_required
def provider_redeem(request: HttpRequest, account: ProviderAccount) -> HttpResponse:
    form = RedeemForm(request.POST)
    if not form.is_valid():
        refused = _refused("empty", _("Scan an offer code or a member card."))
        return _desk(request, account, status=400, answer=refused)
    result = redeeming.redeem_code(
        account=account, code=form.cleaned_data["code"], claim_id=form.cleaned_data["claim"]
    )
    return _desk(request, account, result=result, answer=_redemption_answer(result))


@require_POST
@provider_required
def provider_batch_upload(request: HttpRequest, account: ProviderAccount) -> JsonResponse:
    """The desk's offline queue (JSON, session and CSRF like any form). Each item answers on
    its own; the same nonces sent again replay the first answers and redeem nothing."""
    try:
        uploaded = BATCH_FORMAT.parse(request.body)
    except ValidationError as error:
        return JsonResponse({"code": error.code, "message": error.messages[0]}, status=400)
    # A refused upload (too many items, a bad device name) answers as JSON (web/errors.py).
    answers = redeeming.upload_redemptions(
        account=account, device=uploaded.device, items=uploaded.items
    )
    for answer in answers:
        answer["tone"] = _tone(answer["code"], answer["ok"])
    return JsonResponse({"results": answers, "at": timezone.now().isoformat()})
