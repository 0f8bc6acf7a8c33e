"""Answering an offline device's upload once: every item carries a nonce the device made,
the answer to each is stored under (device, nonce) in the same transaction as its effect, and
a repeated upload (its answer lost to a dropped connection) gets the stored answers back and
changes nothing. One mechanism for every batch upload: check-in scans (see
actions.upload_batch) and redemptions at a benefits provider.
"""

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.checkins.batches import MAX_BATCH
from gonghui.checkins.models import ScanNonce
from gonghui.core.errors import DomainError

MAX_NONCE = 64
MAX_DEVICE = 64
# How long answers are kept for replay: a device uploads what it kept offline within days.
KEEP_DAYS = 30


def _one_upload_at_a_time(device: str) -> None:
    """Serialise the uploads of one device until this transaction ends. A device that timed
    out sends its batch again while the first upload is still being written: the copy waits
    here, then finds the first one's answers and replays them instead of judging (and
    counting) the same scans twice. SQLite needs nothing: its transactions take the write
    lock at BEGIN (`transaction_mode` IMMEDIATE), so writers never overlap there."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(f"scan-upload:{device}".encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, signed=True)])


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
        _one_upload_at_a_time(device)
        known: dict[str, dict[str, Any]] = dict(
            ScanNonce.objects.filter(device=device, nonce__in=usable).values_list("nonce", "result")
        )
        fresh: list[T] = []
        seen: set[str] = set()
        for item, nonce in zip(items, nonces, strict=True):
            if nonce in usable and nonce not in known and nonce not in seen:
                seen.add(nonce)
                fresh.append(item)
        results = judge(fresh) if fresh else {}
        if set(results) != seen:
            raise ValueError("judge must answer every nonce it is given, and only those")
        ScanNonce.objects.bulk_create(
            [
                ScanNonce(device=device, nonce=nonce, result=result)
                for nonce, result in results.items()
            ],
            ignore_conflicts=True,
        )
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
