"""Registering for a checkpoint and checking in at it, three ways, one mechanism.

Scans answer with a ScanResult rather than raising: "already checked in at 10:42" or "card
revoked" is an answer the scanning staff must see at once, not a failure. Registration refusals
raise DomainError like every other action.
"""

import base64
import hashlib
import hmac
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.checkins.batches import MAX_BATCH as MAX_BATCH  # the API and the demo read it here
from gonghui.checkins.models import CheckIn, Checkpoint, Registration
from gonghui.checkins.nonces import answer_once, check_upload
from gonghui.core import audit
from gonghui.core.errors import ConflictError, DomainError, NotFoundError
from gonghui.core.personal import mask_name
from gonghui.core.scoping import require
from gonghui.core.sms import send_sms_on_commit
from gonghui.members.cards import CardCodeError, verify_card
from gonghui.members.models import Member
from gonghui.orgs import tallies

ROTATION_SECONDS = 30
SCREEN_PREFIX = "GC1"
OFFER_HOURS = 24
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
            tallies.count(checkpoint.org_id, "activities.registrations", on=registration.created_at)
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


def _day_of(checkpoint: Checkpoint, at: datetime) -> date | None:
    """The day a check-in counts for: its local day at a once-a-day checkpoint (a station),
    else None (once ever)."""
    return timezone.localdate(at) if checkpoint.once_a_day else None


def _already(checkpoint: Checkpoint, member: Member, first_at: datetime | None) -> ScanResult:
    local = timezone.localtime(first_at) if first_at else None
    time = local.strftime("%H:%M") if local else "—"
    if checkpoint.once_a_day:
        message = _("Already checked in today at %(time)s.") % {"time": time}
    else:
        message = _("Already checked in at %(time)s.") % {"time": time}
    return ScanResult(
        ok=False,
        code="already_checked_in",
        message=message,
        member_name=mask_name(member.name),
        member_number=member.number,
        checked_in_at=local.isoformat() if local else "",
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
                day=_day_of(checkpoint, at),
                method=method,
                walk_in=walk_in,
                recorded_by=recorded_by if getattr(recorded_by, "pk", None) else None,
            )
            Checkpoint.objects.filter(pk=checkpoint.pk).update(
                checked_in=F("checked_in") + 1, walk_ins=F("walk_ins") + (1 if walk_in else 0)
            )
            tallies.count(checkpoint.org_id, f"checkins.{checkpoint.kind}", on=at)
    except IntegrityError:
        first = CheckIn.objects.filter(
            checkpoint=checkpoint, member=member, day=_day_of(checkpoint, at)
        ).first()
        return _already(checkpoint, member, first.checked_in_at if first else None)
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
    if pk != checkpoint.pk:
        # A genuine code from another screen: the member stands at the wrong activity.
        return _refused(
            "code_other_checkpoint", _("This code is for a different check-in."), member
        )
    if not hmac.compare_digest(signature, _signature(checkpoint, window)):
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


def check_in_by_poster(
    *, member: Member | None, checkpoint: Checkpoint, at: datetime | None = None
) -> ScanResult:
    """A signed-in member scanned the printed code at a site (a station's poster); the caller
    has verified the code. The same rules as every other way in."""
    if member is None or not member.is_active:
        return _refused("not_a_member", _("Only active union members can check in here."))
    return _record(checkpoint, member, method=CheckIn.Method.POSTER, at=at or timezone.now())


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
    check_upload(device, len(items))
    now = timezone.now()

    def judge(fresh: list[BatchItem]) -> dict[str, dict[str, Any]]:
        return {
            nonce: result.as_dict()
            for nonce, result in _judge_batch(actor, checkpoint, fresh, now).items()
        }

    refused = _refused("invalid_nonce", _("Each scan needs a nonce of 1–64 characters."))
    return answer_once(
        device=device,
        items=items,
        nonce_of=lambda item: item.nonce,
        judge=judge,
        invalid_nonce=refused.as_dict(),
    )


def _judge_batch(
    actor: Any, checkpoint: Checkpoint, fresh: list[BatchItem], now: datetime
) -> dict[str, ScanResult]:
    """Judge and record the scans of a batch that were not answered before, set-based."""
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
    # Keyed by (member, day): day is None where a check-in counts once ever.
    days = {_day_of(checkpoint, min(i.scanned_at, now)) for i in fresh}
    earlier = CheckIn.objects.filter(checkpoint=checkpoint, member_id__in=member_ids)
    if checkpoint.once_a_day:
        earlier = earlier.filter(day__in=days)
    first_times = {
        (member_id, day): at
        for member_id, day, at in earlier.values_list("member_id", "day", "checked_in_at")
    }
    results: dict[str, ScanResult] = {}
    new_rows: list[CheckIn] = []
    rows_of: dict[str, CheckIn] = {}  # the row each accepted scan would write
    for item in fresh:
        results[item.nonce] = _judge_batch_item(
            checkpoint, claims[item.nonce], members, registered, first_times,
            at=min(item.scanned_at, now), actor=actor, new_rows=new_rows,
        )  # fmt: skip
        if results[item.nonce].ok:
            rows_of[item.nonce] = new_rows[-1]
    members_by_pk = {m.pk: m for m in members.values()}
    if new_rows:
        inserted = _insert_new(new_rows)
        ours = [row for row in new_rows if (row.member_id, row.day) in inserted]
        Checkpoint.objects.filter(pk=checkpoint.pk).update(
            checked_in=F("checked_in") + len(ours),
            walk_ins=F("walk_ins") + sum(1 for row in ours if row.walk_in),
        )
        # The daily tally of the checkpoint's org, one upsert for every day scanned.
        metric = f"checkins.{checkpoint.kind}"
        per_day = Counter(timezone.localdate(row.checked_in_at) for row in ours)
        tallies.count_many({(checkpoint.org_id, d, metric): n for d, n in per_day.items()})
        lost = {
            nonce: row for nonce, row in rows_of.items() if (row.member_id, row.day) not in inserted
        }
        if lost:
            # A single scan checked these people in after we looked: their row stands.
            stored = CheckIn.objects.filter(
                checkpoint=checkpoint, member_id__in={row.member_id for row in lost.values()}
            )
            first = {
                (m, d): at for m, d, at in stored.values_list("member_id", "day", "checked_in_at")
            }
            for nonce, row in lost.items():
                results[nonce] = _already(
                    checkpoint, members_by_pk[row.member_id], first[(row.member_id, row.day)]
                )
    return results


_INSERT_COLUMNS = [
    "checkpoint",
    "member",
    "checked_in_at",
    "day",
    "method",
    "walk_in",
    "recorded_by",
]


def _insert_new(rows: list[CheckIn]) -> set[tuple[int, date | None]]:
    """Insert check-in rows in one statement, skipping any that a concurrent scan stored
    first (ON CONFLICT DO NOTHING), and return the (member, day) keys this statement stored:
    exactly the check-ins this batch may count."""
    fields = [f for f in CheckIn._meta.concrete_fields if f.name in _INSERT_COLUMNS]
    day_field = next(f for f in fields if f.name == "day")
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    columns = ", ".join(str(f.column) for f in fields)
    sql = (
        f"INSERT INTO {CheckIn._meta.db_table} ({columns}) "  # noqa: S608
        f"VALUES {', '.join([placeholders] * len(rows))} "
        "ON CONFLICT DO NOTHING RETURNING member_id, day"
    )
    params = [
        field.get_db_prep_save(getattr(row, field.attname), connection)
        for row in rows
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(member_id, day_field.to_python(day)) for member_id, day in cursor.fetchall()}


def _judge_batch_item(
    checkpoint: Checkpoint,
    claims: Any,
    members: dict[str, Member],
    registered: set[int],
    first_times: dict[tuple[int, date | None], datetime],
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
    key = (member.pk, _day_of(checkpoint, at))
    if key in first_times:
        return _already(checkpoint, member, first_times[key])
    first_times[key] = at  # a second scan in the same batch is "already"
    new_rows.append(
        CheckIn(
            checkpoint=checkpoint, member=member, checked_in_at=at, day=key[1],
            method=CheckIn.Method.BATCH, walk_in=walk_in,
            recorded_by=actor if getattr(actor, "pk", None) else None,
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
