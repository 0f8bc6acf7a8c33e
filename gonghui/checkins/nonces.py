"""Answering an offline device's upload once: every item carries a nonce the device made,
the answer to each is stored under (device, nonce) in the same transaction as its effect, and
a repeated upload (its answer lost to a dropped connection) gets the stored answers back and
changes nothing. One mechanism for every batch upload: check-in scans (see
actions.upload_batch) and redemptions at a benefits provider.
"""

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.checkins.batches import MAX_BATCH
from gonghui.checkins.models import ScanNonce
from gonghui.core.errors import DomainError

MAX_NONCE = 64
MAX_DEVICE = 64
# How long answers are kept for replay: a device uploads what it kept offline within days.
KEEP_DAYS = 30


def check_upload(device: str, count: int) -> None:
    """Refuse an upload whose device id is unusable or that holds too many scans, before
    anything is judged (the device's own id, before any namespacing)."""
    if not device or len(device) > MAX_DEVICE:
        raise DomainError("invalid_device", _("The device needs an id of at most 64 characters."))
    if count > MAX_BATCH:
        raise DomainError(
            "batch_too_large", _("Send at most %(n)d scans at once.") % {"n": MAX_BATCH}
        )


def answer_once[T](
    *,
    device: str,
    items: Sequence[T],
    nonce_of: Callable[[T], str],
    judge: Callable[[list[T]], dict[str, dict[str, Any]]],
    invalid_nonce: dict[str, Any],
) -> list[dict[str, Any]]:
    """One answer per item, in order, each `{"nonce", **answer, "replayed"}`.

    Items whose nonce is already stored for this device replay the stored answer. The others
    (each nonce once, 1–MAX_NONCE characters) go to `judge`, which makes their effects and
    returns a JSON-able answer per nonce; those answers are stored in the same transaction.
    An item with an unusable nonce answers `invalid_nonce` and is not judged. The caller
    namespaces `device` when its devices could meet another user's (ids are client-made).
    """
    nonces = [nonce_of(item) for item in items]
    usable = {nonce for nonce in nonces if 0 < len(nonce) <= MAX_NONCE}
    with transaction.atomic():
        # Claim every nonce before judging, with an empty answer: a copy of this upload
        # arriving at the same moment blocks on our uncommitted rows, then finds them answered
        # and replays them instead of judging (and counting) the same scans a second time.
        ScanNonce.objects.bulk_create(
            [ScanNonce(device=device, nonce=nonce, result={}) for nonce in usable],
            ignore_conflicts=True,
        )
        rows = {
            row.nonce: row
            for row in ScanNonce.objects.filter(device=device, nonce__in=usable).only(
                "pk", "nonce", "result"
            )
        }
        known = {nonce: row.result for nonce, row in rows.items() if row.result}
        fresh: list[T] = []
        seen: set[str] = set()
        for item, nonce in zip(items, nonces, strict=True):
            if nonce in rows and nonce not in known and nonce not in seen:
                seen.add(nonce)
                fresh.append(item)
        results = judge(fresh) if fresh else {}
        if set(results) != seen:
            raise ValueError("judge must answer every nonce it is given, and only those")
        for nonce, result in results.items():
            rows[nonce].result = result
        ScanNonce.objects.bulk_update([rows[nonce] for nonce in results], ["result"])
    answers: list[dict[str, Any]] = []
    for nonce in nonces:
        if nonce in known:
            answers.append({"nonce": nonce, **known[nonce], "replayed": True})
        elif nonce in results:
            answers.append({"nonce": nonce, **results[nonce], "replayed": False})
        else:
            answers.append({"nonce": nonce, **invalid_nonce, "replayed": False})
    return answers


def purge_old_answers(*, now: datetime | None = None) -> int:
    """Forget answers older than KEEP_DAYS (gonghui purge_expired); returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=KEEP_DAYS)
    deleted, _per_model = ScanNonce.objects.filter(created_at__lt=cutoff).delete()
    return deleted
