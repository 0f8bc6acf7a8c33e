"""Registering for a checkpoint and checking in at it, three ways, one mechanism.

Scans answer with a ScanResult rather than raising: "already checked in at 10:42" or "card
revoked" is an answer the scanning staff must see at once, not a failure. Registration refusals
raise DomainError like every other action.
"""

import base64
import hashlib
import hmac
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.checkins.models import CheckIn, Checkpoint, Registration, ScanNonce
from gonghui.core import audit
from gonghui.core.errors import ConflictError, DomainError, NotFoundError
from gonghui.core.personal import mask_name
from gonghui.core.scoping import require
from gonghui.core.sms import send_sms_on_commit
from gonghui.members.cards import CardCodeError, verify_card
from gonghui.members.models import Member

ROTATION_SECONDS = 30
SCREEN_PREFIX = "GC1"
OFFER_HOURS = 24
MAX_BATCH = 500
PLACE_HOLDING = (Registration.Status.CONFIRMED, Registration.Status.OFFERED)


# --- registration ----------------------------------------------------------------------------


def _take_places(checkpoint: Checkpoint, places: int) -> bool:
    """Atomically hold places if they are free: one conditional UPDATE, so concurrent
    registrations can never overbook, on PostgreSQL (row lock) and SQLite (one writer) alike."""
    if checkpoint.capacity is None:
        Checkpoint.objects.filter(pk=checkpoint.pk).update(
            confirmed_places=F("confirmed_places") + places
        )
        return True
    return bool(
        Checkpoint.objects.filter(
            pk=checkpoint.pk, confirmed_places__lte=checkpoint.capacity - places
        ).update(confirmed_places=F("confirmed_places") + places)
    )


def _release_places(checkpoint: Checkpoint, places: int) -> None:
    Checkpoint.objects.filter(pk=checkpoint.pk).update(
        confirmed_places=F("confirmed_places") - places
    )


@transaction.atomic
def register(*, member: Member, checkpoint: Checkpoint, places: int = 1) -> Registration:
    """A member registers: confirmed while places last, then on the waiting list; held as
    pending when the organiser approves registrations. The caller checked the audience."""
    now = timezone.now()
    if not member.is_active:
        raise DomainError("membership_ended", _("Only active members can register."))
    if checkpoint.registration_opens_at and now < checkpoint.registration_opens_at:
        raise DomainError("registration_not_open", _("Registration has not opened yet."))
    if checkpoint.registration_closes_at and now > checkpoint.registration_closes_at:
        raise DomainError("registration_closed", _("Registration has closed."))
    if not 1 <= places <= checkpoint.per_person_limit:
        message = _("You can register for at most %(n)d places.") % {
            "n": checkpoint.per_person_limit
        }
        raise DomainError("over_limit", message, fields={"places": [message]})
    live = Registration.objects.filter(checkpoint=checkpoint, member=member).exclude(
        status__in=["cancelled", "rejected", "expired"]
    )
    existing = live.first()
    if existing is not None:
        raise ConflictError(
            "already_registered",
            _("You are already registered (%(status)s).")
            % {"status": existing.get_status_display()},
        )
    if checkpoint.approval_required:
        status = Registration.Status.PENDING
    elif _take_places(checkpoint, places):
        status = Registration.Status.CONFIRMED
    else:
        status = Registration.Status.WAITLISTED
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                checkpoint=checkpoint, member=member, places=places, status=status
            )
    except IntegrityError:
        # A double press raced us: the first registration stands, the places go back.
        if status == Registration.Status.CONFIRMED:
            _release_places(checkpoint, places)
        raise ConflictError("already_registered", _("You are already registered.")) from None
    return registration


def _promote_next(checkpoint: Checkpoint) -> Registration | None:
    """Offer freed places to the first on the waiting list who fits; they must confirm."""
    checkpoint.refresh_from_db(fields=["confirmed_places", "capacity"])
    waiting = Registration.objects.select_for_update().filter(
        checkpoint=checkpoint, status=Registration.Status.WAITLISTED
    )
    for candidate in waiting.select_related("member").iterator(chunk_size=200):
        if not _take_places(checkpoint, candidate.places):
            continue  # someone asking for fewer places further down may still fit
        expires = timezone.now() + timedelta(hours=OFFER_HOURS)
        Registration.objects.filter(pk=candidate.pk).update(
            status=Registration.Status.OFFERED, offer_expires_at=expires
        )
        send_sms_on_commit(
            mobile=str(candidate.member.mobile),
            text=_(
                "A place for “%(title)s” is free for you. Confirm it before %(time)s or it "
                "goes to the next person."
            )
            % {
                "title": checkpoint.title,
                "time": timezone.localtime(expires).strftime("%m-%d %H:%M"),
            },
        )
        candidate.refresh_from_db()
        return candidate
    return None


@transaction.atomic
def cancel_registration(*, actor: Any, registration: Registration) -> Registration:
    """Cancel (the member themselves, or staff with events.manage); a freed place goes to the
    next person on the waiting list."""
    current = (
        Registration.objects.select_for_update()
        .select_related("checkpoint", "checkpoint__org", "member")
        .get(pk=registration.pk)
    )
    by_staff = current.member.user_id != getattr(actor, "pk", None)
    if by_staff:
        require(actor, "events.manage", current.checkpoint.org.path)
    if current.status in {"cancelled", "rejected", "expired"}:
        raise ConflictError("not_live", _("This registration is no longer live."))
    held = current.holds_place
    Registration.objects.filter(pk=current.pk).update(status=Registration.Status.CANCELLED)
    if by_staff:
        audit.record(
            actor=actor, action="checkins.registration.cancelled", org=current.checkpoint.org,
            target=current,
        )  # fmt: skip
    if held:
        _release_places(current.checkpoint, current.places)
        _promote_next(current.checkpoint)
    current.refresh_from_db()
    return current


@transaction.atomic
def confirm_offer(*, member: Member, registration: Registration) -> Registration:
    """The member takes the place they were offered from the waiting list."""
    current = Registration.objects.select_for_update().get(pk=registration.pk)
    if current.member_id != member.pk:
        raise NotFoundError("not_found", _("Not found."))
    if current.status != Registration.Status.OFFERED:
        raise ConflictError("no_offer", _("There is no place waiting for you."))
    if current.offer_expires_at and current.offer_expires_at < timezone.now():
        raise ConflictError("offer_expired", _("The offer has expired."))
    Registration.objects.filter(pk=current.pk).update(
        status=Registration.Status.CONFIRMED, offer_expires_at=None
    )
    current.refresh_from_db()
    return current


def expire_offers(*, now: datetime | None = None) -> int:
    """Offers not confirmed in time move on to the next person (run every few minutes)."""
    now = now or timezone.now()
    expired = 0
    for offer in Registration.objects.filter(
        status=Registration.Status.OFFERED, offer_expires_at__lt=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            current = (
                Registration.objects.select_for_update().select_related("checkpoint").get(pk=offer)
            )
            if current.status != Registration.Status.OFFERED:
                continue
            Registration.objects.filter(pk=current.pk).update(status=Registration.Status.EXPIRED)
            _release_places(current.checkpoint, current.places)
            _promote_next(current.checkpoint)
            expired += 1
    return expired


@transaction.atomic
def decide_registration(*, actor: Any, registration: Registration, approve: bool) -> Registration:
    """Approve (a place if one is free, else the waiting list) or turn down a pending one."""
    current = (
        Registration.objects.select_for_update()
        .select_related("checkpoint", "checkpoint__org")
        .get(pk=registration.pk)
    )
    require(actor, "events.manage", current.checkpoint.org.path)
    if current.status != Registration.Status.PENDING:
        raise ConflictError("already_decided", _("This registration was already decided."))
    if not approve:
        status = Registration.Status.REJECTED
    elif _take_places(current.checkpoint, current.places):
        status = Registration.Status.CONFIRMED
    else:
        status = Registration.Status.WAITLISTED
    Registration.objects.filter(pk=current.pk).update(status=status)
    audit.record(
        actor=actor, action="checkins.registration.decided", org=current.checkpoint.org,
        target=current, changes={"status": status},
    )  # fmt: skip
    current.refresh_from_db()
    return current


# --- check-in --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanResult:
    ok: bool
    code: str  # checked_in, already_checked_in, not_registered, card_revoked, …
    message: str
    member_name: str = ""
    member_number: str = ""
    checked_in_at: str = ""  # ISO time of the (first) check-in
    walk_in: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _refused(code: str, message: str, member: Member | None = None) -> ScanResult:
    return ScanResult(
        ok=False,
        code=code,
        message=message,
        member_name=mask_name(member.name) if member else "",
        member_number=member.number if member else "",
    )


def _record(
    checkpoint: Checkpoint,
    member: Member,
    *,
    method: str,
    at: datetime,
    recorded_by: Any = None,
) -> ScanResult:
    """The shared core of every way in: window, registration, once only, counters."""
    if checkpoint.opens_at and at < checkpoint.opens_at:
        return _refused(
            "not_open",
            _("Check-in opens at %(time)s.")
            % {"time": timezone.localtime(checkpoint.opens_at).strftime("%m-%d %H:%M")},
            member,
        )
    if checkpoint.closes_at and at > checkpoint.closes_at:
        return _refused("closed", _("Check-in has closed."), member)
    walk_in = False
    if checkpoint.requires_registration:
        # An offered place is held for the member, so they are let in too.
        registered = Registration.objects.filter(
            checkpoint=checkpoint, member=member, status__in=PLACE_HOLDING
        ).exists()
        if not registered:
            if not checkpoint.allows_walk_ins:
                return _refused("not_registered", _("Not registered for this."), member)
            walk_in = True
    try:
        # The row and its counter commit together: the figures never drift from the rows.
        with transaction.atomic():
            checkin = CheckIn.objects.create(
                checkpoint=checkpoint,
                member=member,
                checked_in_at=at,
                method=method,
                walk_in=walk_in,
                recorded_by=recorded_by if getattr(recorded_by, "pk", None) else None,
            )
            Checkpoint.objects.filter(pk=checkpoint.pk).update(
                checked_in=F("checked_in") + 1, walk_ins=F("walk_ins") + (1 if walk_in else 0)
            )
    except IntegrityError:
        first = CheckIn.objects.filter(checkpoint=checkpoint, member=member).first()
        first_at = timezone.localtime(first.checked_in_at) if first else None
        return ScanResult(
            ok=False,
            code="already_checked_in",
            message=_("Already checked in at %(time)s.")
            % {"time": first_at.strftime("%H:%M") if first_at else "—"},
            member_name=mask_name(member.name),
            member_number=member.number,
            checked_in_at=first_at.isoformat() if first_at else "",
        )
    return ScanResult(
        ok=True,
        code="checked_in",
        message=_("Checked in.") if not walk_in else _("Checked in as a walk-in."),
        member_name=mask_name(member.name),
        member_number=member.number,
        checked_in_at=timezone.localtime(checkin.checked_in_at).isoformat(),
        walk_in=walk_in,
    )


def _window(at: datetime) -> int:
    return int(at.timestamp()) // ROTATION_SECONDS


def _signature(checkpoint: Checkpoint, window: int) -> str:
    digest = hmac.new(
        checkpoint.code_secret.encode(), f"{checkpoint.pk}:{window}".encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(digest[:10]).decode().rstrip("=")


def screen_code(checkpoint: Checkpoint, *, at: datetime | None = None) -> str:
    """The code the big screen shows now; it changes every ROTATION_SECONDS."""
    window = _window(at or timezone.now())
    return f"{SCREEN_PREFIX}.{checkpoint.pk}.{window}.{_signature(checkpoint, window)}"


def parse_screen_code(code: str) -> tuple[int, int, str]:
    try:
        prefix, pk, window, signature = code.strip().split(".")
        if prefix != SCREEN_PREFIX:
            raise ValueError
        return int(pk), int(window), signature
    except ValueError:
        raise DomainError("code_invalid", _("This is not a check-in code.")) from None


def check_in_by_screen(
    *, member: Member | None, checkpoint: Checkpoint, code: str, at: datetime | None = None
) -> ScanResult:
    """A signed-in member scanned the rotating code on the big screen. The code of the current
    or the previous window is accepted (a scan across the change); older ones are refused, so
    a photo passed around a chat group stops working within a minute."""
    at = at or timezone.now()
    if member is None or not member.is_active:
        return _refused("not_a_member", _("Only active union members can check in here."))
    pk, window, signature = parse_screen_code(code)
    if pk != checkpoint.pk or not hmac.compare_digest(signature, _signature(checkpoint, window)):
        return _refused("code_invalid", _("This code is not valid for this check-in."), member)
    if window not in {_window(at), _window(at) - 1}:
        return _refused("code_expired", _("This code has expired; scan the screen again."), member)
    return _record(checkpoint, member, method=CheckIn.Method.SCREEN, at=at)


def check_in_by_card(
    *,
    actor: Any,
    checkpoint: Checkpoint,
    card_code: str,
    at: datetime | None = None,
    method: str = CheckIn.Method.CARD,
) -> ScanResult:
    """Staff scanned a member's e-member card (a USB scanner typing into a field, or a camera)."""
    require(actor, "checkins.scan", checkpoint.org.path)
    at = at or timezone.now()
    try:
        claims = verify_card(card_code)
    except CardCodeError:
        return _refused("card_invalid", _("Not a genuine member card."))
    # Only what a scan needs: loading the encrypted columns would decrypt them on every scan.
    member = (
        Member.objects.filter(number=claims.number)
        .only("pk", "number", "name", "card_version", "status", "user_id")
        .first()
    )
    if member is None:
        return _refused("card_unknown", _("No member with this card."))
    if claims.version != member.card_version:
        return _refused("card_revoked", _("This card has been revoked."), member)
    if not member.is_active:
        return _refused("membership_ended", _("This membership has ended."), member)
    return _record(checkpoint, member, method=method, at=at, recorded_by=actor)


@dataclass(frozen=True)
class BatchItem:
    nonce: str
    card_code: str
    scanned_at: datetime


def upload_batch(
    *, actor: Any, checkpoint: Checkpoint, device: str, items: list[BatchItem]
) -> list[dict[str, Any]]:
    """Scans a device kept while offline, each judged at the time it was scanned. Every item
    answers on its own; a repeated upload finds the stored answers by (device, nonce) and
    changes nothing. Set-based: a batch of hundreds costs a handful of queries."""
    require(actor, "checkins.scan", checkpoint.org.path)
    if not device or len(device) > 64:
        raise DomainError("invalid_device", _("The device needs an id of at most 64 characters."))
    if len(items) > MAX_BATCH:
        raise DomainError(
            "batch_too_large", _("Send at most %(n)d scans at once.") % {"n": MAX_BATCH}
        )
    now = timezone.now()
    with transaction.atomic():
        known = dict(
            ScanNonce.objects.filter(device=device, nonce__in=[i.nonce for i in items]).values_list(
                "nonce", "result"
            )
        )
        fresh = [i for i in items if i.nonce not in known and 0 < len(i.nonce) <= 64]
        claims: dict[str, Any] = {}
        for item in fresh:
            try:
                claims[item.nonce] = verify_card(item.card_code)
            except CardCodeError:
                claims[item.nonce] = None
        numbers = {c.number for c in claims.values() if c is not None}
        # Only the columns a scan needs: loading the encrypted ones would decrypt them all.
        members = {
            m.number: m
            for m in Member.objects.filter(number__in=numbers).only(
                "pk", "number", "name", "card_version", "status", "user_id"
            )
        }
        member_ids = [m.pk for m in members.values()]
        registered = set(
            Registration.objects.filter(
                checkpoint=checkpoint, member_id__in=member_ids, status__in=PLACE_HOLDING
            ).values_list("member_id", flat=True)
        )
        first_times = dict(
            CheckIn.objects.filter(checkpoint=checkpoint, member_id__in=member_ids).values_list(
                "member_id", "checked_in_at"
            )
        )
        results: dict[str, ScanResult] = {}
        new_rows: list[CheckIn] = []
        for item in fresh:
            results[item.nonce] = _judge_batch_item(
                checkpoint, claims[item.nonce], members, registered, first_times,
                at=min(item.scanned_at, now), actor=actor, new_rows=new_rows,
            )  # fmt: skip
        if new_rows:
            CheckIn.objects.bulk_create(new_rows, ignore_conflicts=True)
            # A single scan may have checked someone in since we looked: their row stands.
            stored = {
                member_id: (checked_in_at, method)
                for member_id, checked_in_at, method in CheckIn.objects.filter(
                    checkpoint=checkpoint, member_id__in=[row.member_id for row in new_rows]
                ).values_list("member_id", "checked_in_at", "method")
            }
            ours = [
                row
                for row in new_rows
                if stored.get(row.member_id) == (row.checked_in_at, CheckIn.Method.BATCH)
            ]
            Checkpoint.objects.filter(pk=checkpoint.pk).update(
                checked_in=F("checked_in") + len(ours),
                walk_ins=F("walk_ins") + sum(1 for row in ours if row.walk_in),
            )
            ours_ids = {row.member_id for row in ours}
            for nonce, result in list(results.items()):
                member = members.get(result.member_number)
                if result.ok and member is not None and member.pk not in ours_ids:
                    first_at = timezone.localtime(stored[member.pk][0])
                    results[nonce] = ScanResult(
                        ok=False,
                        code="already_checked_in",
                        message=_("Already checked in at %(time)s.")
                        % {"time": first_at.strftime("%H:%M")},
                        member_name=result.member_name,
                        member_number=result.member_number,
                        checked_in_at=first_at.isoformat(),
                    )
        ScanNonce.objects.bulk_create(
            [ScanNonce(device=device, nonce=n, result=r.as_dict()) for n, r in results.items()],
            ignore_conflicts=True,
        )
    answers: list[dict[str, Any]] = []
    for item in items:
        if item.nonce in known:
            answers.append({"nonce": item.nonce, **known[item.nonce], "replayed": True})
        elif item.nonce in results:
            answers.append(
                {"nonce": item.nonce, **results[item.nonce].as_dict(), "replayed": False}
            )
        else:
            refused = _refused("invalid_nonce", _("Each scan needs a nonce of 1–64 characters."))
            answers.append({"nonce": item.nonce, **refused.as_dict(), "replayed": False})
    return answers


def _judge_batch_item(
    checkpoint: Checkpoint,
    claims: Any,
    members: dict[str, Member],
    registered: set[int],
    first_times: dict[int, datetime],
    *,
    at: datetime,
    actor: Any,
    new_rows: list[CheckIn],
) -> ScanResult:
    """The same rules as _record, decided from preloaded rows."""
    if claims is None:
        return _refused("card_invalid", _("Not a genuine member card."))
    member = members.get(claims.number)
    if member is None:
        return _refused("card_unknown", _("No member with this card."))
    if claims.version != member.card_version:
        return _refused("card_revoked", _("This card has been revoked."), member)
    if not member.is_active:
        return _refused("membership_ended", _("This membership has ended."), member)
    if checkpoint.opens_at and at < checkpoint.opens_at:
        return _refused("not_open", _("Scanned before check-in opened."), member)
    if checkpoint.closes_at and at > checkpoint.closes_at:
        return _refused("closed", _("Scanned after check-in closed."), member)
    walk_in = checkpoint.requires_registration and member.pk not in registered
    if walk_in and not checkpoint.allows_walk_ins:
        return _refused("not_registered", _("Not registered for this."), member)
    if member.pk in first_times:
        first_at = timezone.localtime(first_times[member.pk])
        return ScanResult(
            ok=False,
            code="already_checked_in",
            message=_("Already checked in at %(time)s.") % {"time": first_at.strftime("%H:%M")},
            member_name=mask_name(member.name),
            member_number=member.number,
            checked_in_at=first_at.isoformat(),
        )
    first_times[member.pk] = at  # a second scan in the same batch is "already"
    new_rows.append(
        CheckIn(
            checkpoint=checkpoint, member=member, checked_in_at=at, method=CheckIn.Method.BATCH,
            walk_in=walk_in, recorded_by=actor if getattr(actor, "pk", None) else None,
        )
    )  # fmt: skip
    return ScanResult(
        ok=True,
        code="checked_in",
        message=_("Checked in.") if not walk_in else _("Checked in as a walk-in."),
        member_name=mask_name(member.name),
        member_number=member.number,
        checked_in_at=timezone.localtime(at).isoformat(),
        walk_in=walk_in,
    )
