"""The card verifier's photo path: the one scanning page whose own app (members) sits below
checkins, so its server half lives here. The verifier itself checks typed and live-scanned
codes in the browser (members/verify.html); a photo is read and checked on the server."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from gonghui.checkins import decoding
from gonghui.checkins.scan_answers import desk_answer
from gonghui.core.pages import refusal_on
from gonghui.core.request_context import client_ip_of
from gonghui.members import cards, queries

# status of members.queries.check_card → (title, message), in the words of the page's own
# check (members/verify.html), so a photo and a live scan read the same.
VERDICTS = {
    "valid": (_("Genuine card"), _("Confirmed online: the card is valid.")),
    "not_genuine": (
        _("NOT GENUINE"),
        _("This code was altered, forged, or is not a union card code."),
    ),
    "revoked": (
        _("Revoked"),
        _("REVOKED: this card was cancelled. Ask the member to open their current card."),
    ),
    "left": (_("Membership ended"), _("The membership has ended: this card is no longer valid.")),
    "unknown": (_("Unknown member"), _("The union does not know this member number.")),
    "outdated": (
        _("Outdated card"),
        _("There is a newer card: ask the member to open their current card."),
    ),
}


@require_POST
def verify_photo(request: HttpRequest) -> HttpResponse:
    """A photo of a card's QR code, from a phone whose browser cannot scan live: decoded and
    checked on the server (members.queries.check_card, as the online check). Public like the
    verifier, so counted per client address."""
    context: dict[str, object] = {"public_key": cards.public_key_b64()}
    with refusal_on(None) as refusal:
        code = decoding.decode_photo(
            upload=request.FILES.get("photo"), limit_key=f"ip:{client_ip_of(request)}"
        )
        checked = queries.check_card(code)
        title, message = VERDICTS[checked.status]
        valid = checked.status == "valid"
        answer = desk_answer(checked.status, str(message), ok=valid, titles={}, fallback=title)
        context.update(answer=answer, card=checked.claims)
        return render(request, "members/verify.html", context)
    context["answer"] = desk_answer(
        refusal.code, refusal.message, ok=False, titles={}, fallback=_("No card read")
    )
    return render(request, "members/verify.html", context, status=refusal.status)
