"""The care pages anyone with the link may open: a delivery note's signing page (the secret in
its QR code is the permission; it works offline and uploads through the check-in mechanism's
nonces) and a campaign's published 公示 (page, PDF, and the list as JSON to check the hash)."""

import json
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from gonghui.care import actions, queries
from gonghui.care.pdf import disclosure_pdf
from gonghui.ledger.models import Fund

MAX_SIGNATURE_CHARS = 3_000_000  # a data URL: a canvas signature or a downscaled photo


@never_cache
@ensure_csrf_cookie
def delivery(request: HttpRequest, token: str) -> HttpResponse:
    shipment = queries.get_shipment_by_token(token)
    return render(request, "care/delivery.html", {"shipment": shipment})


def _bad(code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "fields": {}}, status=400)


def _receipt(raw: dict[str, Any]) -> actions.Receipt:
    """One queued signature; a malformed one raises ValidationError."""
    received, signed_by = raw.get("received"), raw.get("signed_by")
    reason, signature = raw.get("reason", ""), raw.get("signature", "")
    if (
        isinstance(received, bool)
        or not isinstance(received, int)
        or not isinstance(signed_by, str)
        or not isinstance(reason, str)
        or not isinstance(signature, str)
        or len(signature) > MAX_SIGNATURE_CHARS
    ):
        raise ValidationError(_("Each signature needs a count, a name and a picture."))
    signed_at = None
    if isinstance(raw.get("signed_at"), str):
        try:
            signed_at = datetime.fromisoformat(raw["signed_at"])
        except ValueError:
            signed_at = None
    if signed_at is not None and signed_at.tzinfo is None:
        signed_at = None
    return actions.Receipt(
        received=received,
        signed_by=signed_by,
        reason=reason,
        signature=actions.signature_from_data_url(signature),
        signed_at=signed_at,
        offline=bool(raw.get("offline")),
    )


@require_POST
def delivery_upload(request: HttpRequest, token: str) -> HttpResponse:
    """The phone's queue: `{"device", "items": [{"nonce", "received", "reason", "signed_by",
    "signature" (data URL), "signed_at", "offline"}]}`; one answer per item, replayed on a
    repeat."""
    shipment = queries.get_shipment_by_token(token)
    try:
        payload = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return _bad("invalid_json", _("The upload is not JSON."))
    if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
        return _bad("invalid_batch", _("The upload needs a device and a list of items."))
    device = payload.get("device")
    items: list[tuple[str, actions.Receipt]] = []
    try:
        for raw in payload["items"]:
            if not isinstance(raw, dict) or not isinstance(raw.get("nonce"), str):
                raise ValidationError(_("Each item must be a JSON object with a nonce."))
            items.append((raw["nonce"], _receipt(raw)))
    except ValidationError as error:
        return _bad("invalid_item", error.messages[0])
    answers = actions.upload_receipts(
        shipment=shipment, device=device if isinstance(device, str) else "", items=items
    )
    return JsonResponse({"answers": answers})


def disclosure(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign, published = queries.get_published_campaign(campaign_id)
    totals = published.totals
    return render(
        request,
        "care/disclosure.html",
        {
            "campaign": campaign,
            "disclosure": published,
            "purchases": [
                (Fund(f).label, fen) for f, fen in sorted(totals["purchases_by_fund"].items())
            ],
            "cash": [(Fund(f).label, fen) for f, fen in sorted(totals["cash_by_fund"].items())],
            "goods": sorted(totals["goods"].items()),
        },
    )


def disclosure_file(request: HttpRequest, campaign_id: int) -> HttpResponse:
    _campaign, published = queries.get_published_campaign(campaign_id)
    response = HttpResponse(disclosure_pdf(published), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"disclosure-{campaign_id}.pdf"
    )
    return response


def disclosure_json(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The list exactly as hashed: SHA-256 over one compact JSON object per line (keys
    sorted), lines joined by a newline."""
    _campaign, published = queries.get_published_campaign(campaign_id)
    return JsonResponse(
        {
            "published_at": published.published_at.isoformat(),
            "sha256": published.sha256,
            "lines": published.lines,
            "totals": published.totals,
        },
        json_dumps_params={"ensure_ascii": False},
    )
