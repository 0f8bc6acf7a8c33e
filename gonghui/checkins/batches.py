"""Reading an offline device's upload: the JSON body every batch page sends (the activity's
offline page, the provider's desk), `{"device": "...", "items": [{"nonce", <code field>,
"scanned_at" (ISO 8601 with a zone)}]}`. One format for the one mechanism (nonces.answer_once
answers it); each page declares a BatchFormat with only what differs. Anything else is a
ValidationError with a distinct code.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

# Scans per upload, for every page: a device far behind uploads in several batches.
MAX_BATCH = 500


@dataclass(frozen=True)
class Batch[T]:
    device: str
    items: list[T]


@dataclass(frozen=True)
class BatchFormat[T]:
    """What differs between the pages' uploads: the field holding the scanned code, its
    longest useful length (longer is cut), the refusal of an item without a nonce or without
    that field, and what each item becomes, `item(nonce, code, scanned_at)`."""

    code_field: str
    max_code: int
    missing_code: "_StrOrPromise"
    item: Callable[[str, str, datetime], T]

    def parse(self, body: bytes) -> Batch[T]:
        try:
            payload = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError):
            raise ValidationError(_("The upload is not JSON."), code="invalid_json") from None
        if not isinstance(payload, dict):
            raise ValidationError(_("The upload must be a JSON object."), code="invalid_batch")
        device, raw_items = payload.get("device"), payload.get("items")
        if not isinstance(device, str) or not isinstance(raw_items, list):
            raise ValidationError(
                _("The upload needs a device and a list of items."), "invalid_batch"
            )
        if len(raw_items) > MAX_BATCH:
            raise ValidationError(
                _("Send at most %(n)d scans at once.") % {"n": MAX_BATCH}, "batch_too_large"
            )
        items: list[T] = []
        for raw in raw_items:
            if not isinstance(raw, dict):
                raise ValidationError(_("Each item must be a JSON object."), "invalid_item")
            nonce, code = raw.get("nonce"), raw.get(self.code_field)
            if not (isinstance(nonce, str) and isinstance(code, str)):
                raise ValidationError(self.missing_code, "invalid_item")
            items.append(self.item(nonce, code[: self.max_code], _aware(raw.get("scanned_at"))))
        return Batch(device=device.strip(), items=items)


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    raise ValidationError(
        _("Each item needs its scan time in ISO 8601 with a time zone."), "invalid_time"
    )
