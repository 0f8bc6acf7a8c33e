"""Registering for a checkpoint and checking in at it, three ways, one mechanism.

Scans answer with a ScanResult rather than raising: "already checked in at 10:42" or "card
revoked" is an answer the scanning staff must see at once, not a failure. Registration refusals
raise DomainError like every other action.
"""

import base64
import hashlib
import hmac
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.models import User
from gonghui.checkins import metrics
from gonghui.checkins.batches import MAX_BATCH as MAX_BATCH  # the API and the demo read it here
from gonghui.checkins.models import CheckIn, Checkpoint, Registration
from gonghui.checkins.nonces import MAX_NONCE, answer_once, check_upload
from gonghui.checkins.verdict import ScanResult as ScanResult  # callers read it here
from gonghui.checkins.verdict import (
    already,
    day_of,
    decide,
    decide_departure,
    not_a_member,
    read_card,
    refused,
)
from gonghui.core import audit
from gonghui.core.errors import ConflictError, DomainError, NotFoundError
from gonghui.core.scoping import require
from gonghui.core.sms import send_sms_on_commit
from gonghui.members.cards import CardClaims
from gonghui.members.models import Member
from gonghui.orgs import tallies
from gonghui.orgs.models import Org

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


def _org_now(checkpoint: Checkpoint) -> int:
    """The checkpoint's org as committed, its row locked until this transaction ends: a tally
    counted there cannot land at the old org of a checkpoint handed over meanwhile (see
    move_checkpoint)."""
    return (
        Checkpoint.objects.select_for_update()
        .values_list("org_id", flat=True)
        .get(pk=checkpoint.pk)
    )


@transaction.atomic
def register(
    *, member: Member, checkpoint: Checkpoint, places: int = 1, waiting_list: bool = True
) -> Registration:
    """A member registers: confirmed while places last, then on the waiting list; held as
    pending when the organiser approves registrations. The caller checked the audience.
    Without a `waiting_list` (a volunteer shift) a full checkpoint refuses (`full`) and
    nothing is written."""
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
    elif not waiting_list:
        raise ConflictError("full", _("“%(title)s” is full.") % {"title": checkpoint.title})
    else:
        status = Registration.Status.WAITLISTED
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                checkpoint=checkpoint, member=member, places=places, status=status
            )
            tallies.count(_org_now(checkpoint), metrics.REGISTRATIONS, on=registration.created_at)
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


def offer_freed_places(checkpoint: Checkpoint) -> int:
    """Offer places that are free (after a larger capacity) to the waiting list, first come
    first served, as long as someone fits; returns how many were offered. Runs in the
    caller's transaction, which has locked the checkpoint and checked its permission."""
    offered = 0
    while _promote_next(checkpoint) is not None:
        offered += 1
    return offered


def move_checkpoint(*, checkpoint: Checkpoint, to_org: Org) -> None:
    """Hand a checkpoint to another org, with its tallies so far (registrations and
    check-ins count at the checkpoint's org), in the caller's transaction; the caller's
    action has checked its capability at both orgs. The checkpoint's row is locked first:
    a scan or registration committing meanwhile counts at the org it then reads."""
    current = Checkpoint.objects.select_for_update().only("org_id", "kind").get(pk=checkpoint.pk)
    if current.org_id == to_org.pk:
        return
    Checkpoint.objects.filter(pk=current.pk).update(org=to_org)
    tallies.move(
        metrics.share_of(current),
        from_org_id=current.org_id,
        to_org_id=to_org.pk,
    )


@transaction.atomic
def cancel_registration(*, actor: User, registration: Registration) -> Registration:
    """Cancel (the member themselves, or staff with events.manage); a freed place goes to the
    next person on the waiting list."""
    current = (
        Registration.objects.select_for_update()
        .select_related("checkpoint", "checkpoint__org", "member")
        .get(pk=registration.pk)
    )
    by_staff = current.member.user_id != actor.pk
    if by_staff:
        require(actor, "events.manage", current.checkpoint.org.path)
    if current.status in {"cancelled", "rejected", "expired"}:
        raise ConflictError("not_live", _("This registration is no longer live."))
    held = current.holds_place
    Registration.objects.filter(pk=current.pk).update(status=Registration.Status.CANCELLED)
    if by_staff:
        audit.record(
            actor=actor,
            action="checkins.registration.cancelled",
            org=current.checkpoint.org,
            target=current,
        )
    if held:
        _release_places(current.checkpoint, current.places)
        _promote_next(current.checkpoint)
    current.refresh_from_db()
    return current


LIVE = ("pending", "confirmed", "waitlisted", "offered")


@transaction.atomic
def cancel_future_registrations(*, actor: User, member: Member) -> int:
    """Cancel the member's live registrations at checkpoints that have not closed yet (the
    member themselves, on withdrawing consent; see members.signals). Freed places go to the
    waiting lists as with any cancellation. Returns how many were cancelled."""
    if member.user_id != actor.pk:
        raise NotFoundError("not_found", _("Not found."))
    now = timezone.now()
    live = Registration.objects.filter(member=member, status__in=LIVE).exclude(
        checkpoint__closes_at__lte=now
    )
    cancelled = 0
    for registration in live.order_by("pk"):
        cancel_registration(actor=actor, registration=registration)
        cancelled += 1
    return cancelled


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
def decide_registration(*, actor: User, registration: Registration, approve: bool) -> Registration:
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
        actor=actor,
        action="checkins.registration.decided",
        org=current.checkpoint.org,
        target=current,
        changes={"status": status},
    )
    current.refresh_from_db()
    return current


# --- check-in --------------------------------------------------------------------------------

# Only the columns a scan needs: loading the encrypted ones would decrypt them on every scan.
SCAN_COLUMNS = ("pk", "number", "name", "card_version", "status", "user_id")


def _with_standing(
    checkpoint: Checkpoint, members: QuerySet[Member], at: datetime
) -> QuerySet[Any]:
    """`members`, each annotated with the facts a verdict needs at this checkpoint:
    `holds_place` and `first_at` (their check-in already counted for `at`'s day)."""
    holds_place: Exists | Value = Value(False)
    if checkpoint.requires_registration:
        holds_place = Exists(
            Registration.objects.filter(
                checkpoint=checkpoint, member=OuterRef("pk"), status__in=PLACE_HOLDING
            )
        )
    first = CheckIn.objects.filter(
        checkpoint=checkpoint, member=OuterRef("pk"), day=day_of(checkpoint, at)
    ).values("checked_in_at")[:1]
    return members.annotate(holds_place=holds_place, first_at=Subquery(first))


def _standing_of(checkpoint: Checkpoint, member: Member, at: datetime) -> tuple[bool, Any]:
    """(holds_place, first_at) of a member already loaded: one query where registration
    counts. Elsewhere (a station) nothing is read: the insert's unique index tells a second
    visit, and the hot path of a station stays one statement shorter."""
    if not checkpoint.requires_registration:
        return False, None
    rows = _with_standing(checkpoint, Member.objects.filter(pk=member.pk), at)
    holds_place, first_at = rows.values_list("holds_place", "first_at").get()
    return bool(holds_place), first_at


_COUNT_IN = (
    f"UPDATE {Checkpoint._meta.db_table} "  # noqa: S608 — our own table's name, values as parameters
    "SET checked_in = checked_in + %s, walk_ins = walk_ins + %s WHERE id = %s RETURNING org_id"
)


def _count_in(checkpoint: Checkpoint, n: int, *, walk_ins: int) -> int:
    """Add check-ins to the checkpoint's counters and return its org as the row now says:
    the UPDATE waits for an action handing the checkpoint over (move_checkpoint holds its
    row), so the tally counted next lands at the org the check-in belongs to."""
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_IN, [n, walk_ins, checkpoint.pk])
        (org_id,) = cursor.fetchone()
    return int(org_id)


def _write(
    checkpoint: Checkpoint,
    member: Member,
    verdict: ScanResult,
    *,
    method: str,
    at: datetime,
    recorded_by: User | None = None,
) -> ScanResult:
    """Store an accepted scan: the row, the checkpoint's counters and the daily tally commit
    together, so the figures never drift from the rows. A concurrent scan that stored the
    same (member, day) first wins (the insert skips the row); this one answers "already"
    with its time. No savepoint: nothing here raises on a clash."""
    if not verdict.ok:
        return verdict
    day = day_of(checkpoint, at)
    row = CheckIn(
        checkpoint=checkpoint,
        member=member,
        checked_in_at=at,
        day=day,
        method=method,
        walk_in=verdict.walk_in,
        recorded_by=recorded_by,
    )
    with transaction.atomic(savepoint=False):
        if not _insert_new([row]):
            first = CheckIn.objects.filter(checkpoint=checkpoint, member=member, day=day).first()
            return already(checkpoint, member, first.checked_in_at if first else None)
        org_id = _count_in(checkpoint, 1, walk_ins=1 if verdict.walk_in else 0)
        tallies.count(org_id, metrics.checkins(checkpoint.kind), on=at)
    return verdict


def _check_in_member(
    checkpoint: Checkpoint, member: Member | None, *, method: str, at: datetime
) -> ScanResult:
    """A signed-in member's own scan (screen or poster), once its code was checked."""
    refusal = not_a_member(member)
    if refusal is not None:
        return refusal
    assert member is not None
    holds_place, first_at = _standing_of(checkpoint, member, at)
    verdict = decide(checkpoint, at=at, member=member, holds_place=holds_place, first_at=first_at)
    return _write(checkpoint, member, verdict, method=method, at=at)


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
    *,
    member: Member | None,
    checkpoint: Checkpoint,
    code: str,
    at: datetime | None = None,
    turned_away: ScanResult | None = None,
) -> ScanResult:
    """A signed-in member scanned the rotating code on the big screen. The code of the current
    or the previous window is accepted (a scan across the change); older ones are refused, so
    a photo passed around a chat group stops working within a minute. `turned_away` is the
    caller's answer when its checkpoint takes nobody now (a draft or cancelled activity)."""
    if turned_away is not None:
        return turned_away
    at = at or timezone.now()
    refusal = not_a_member(member)
    if refusal is not None:
        return refusal
    refusal = _screen_code_refusal(member, checkpoint, code, at)
    if refusal is not None:
        return refusal
    return _check_in_member(checkpoint, member, method=CheckIn.Method.SCREEN, at=at)


def _screen_code_refusal(
    member: Member | None, checkpoint: Checkpoint, code: str, at: datetime
) -> ScanResult | None:
    """Why a rotating screen code lets nobody in at this checkpoint now, else None."""
    pk, window, signature = parse_screen_code(code)
    if pk != checkpoint.pk:
        # A genuine code from another screen: the member stands at the wrong activity.
        return refused("code_other_checkpoint", _("This code is for a different check-in."), member)
    if not hmac.compare_digest(signature, _signature(checkpoint, window)):
        return refused("code_invalid", _("This code is not valid for this check-in."), member)
    if window not in {_window(at), _window(at) - 1}:
        return refused("code_expired", _("This code has expired; scan the screen again."), member)
    return None


def check_in_by_poster(
    *, member: Member | None, checkpoint: Checkpoint, at: datetime | None = None
) -> ScanResult:
    """A signed-in member scanned the printed code at a site (a station's poster); the caller
    has verified the code. The same rules as every other way in."""
    return _check_in_member(
        checkpoint, member, method=CheckIn.Method.POSTER, at=at or timezone.now()
    )


def _scan_card(actor: User, checkpoint: Checkpoint, card_code: str, at: datetime) -> ScanResult:
    card = read_card(card_code)
    member = None
    if card is not None:
        found = Member.objects.filter(number=card.number).only(*SCAN_COLUMNS)
        member = _with_standing(checkpoint, found, at).first()
    verdict = decide(
        checkpoint,
        at=at,
        member=member,
        by_card=True,
        card=card,
        holds_place=bool(getattr(member, "holds_place", False)),
        first_at=getattr(member, "first_at", None),
    )
    if member is None:
        return verdict
    return _write(checkpoint, member, verdict, method=CheckIn.Method.CARD, at=at, recorded_by=actor)


def check_in_by_card(
    *,
    actor: User,
    checkpoint: Checkpoint,
    card_code: str,
    at: datetime | None = None,
    turned_away: ScanResult | None = None,
) -> ScanResult:
    """Staff (checkins.scan at the checkpoint's org) scanned a member's e-member card (a USB
    scanner typing into a field, or a camera). `turned_away` is the caller's answer when its
    checkpoint takes nobody now (a draft or cancelled activity), given after the permission
    check."""
    require(actor, "checkins.scan", checkpoint.org.path)
    if turned_away is not None:
        return turned_away
    return _scan_card(actor, checkpoint, card_code, at or timezone.now())


def check_in_by_card_once(
    *,
    actor: User,
    checkpoint: Checkpoint,
    card_code: str,
    device: str,
    nonce: str,
    turned_away: ScanResult | None = None,
) -> tuple[dict[str, Any], bool]:
    """check_in_by_card with the scanning client's nonce: the answer is stored under
    (device, nonce) with its effect (nonces.answer_once), and the same nonce sent again, a
    retry after a timeout, gets it back (True) and changes nothing. The caller names the
    device (e.g. per staff account and activity)."""
    require(actor, "checkins.scan", checkpoint.org.path)
    if not 0 < len(nonce) <= MAX_NONCE:
        message = _("A nonce has 1–64 characters.")
        raise DomainError("invalid_nonce", message, fields={"nonce": [message]})

    def judge(fresh: list[str]) -> dict[str, dict[str, Any]]:
        result = turned_away or _scan_card(actor, checkpoint, card_code, timezone.now())
        return {nonce: result.as_dict()}

    [answer] = answer_once(
        device=device, items=[nonce], nonce_of=str, judge=judge, invalid_nonce={}
    )
    replayed = bool(answer.pop("replayed"))
    answer.pop("nonce")
    return answer, replayed


@dataclass(frozen=True)
class BatchItem:
    nonce: str
    card_code: str
    scanned_at: datetime
    departure: bool = False  # a departure scan (a checkpoint that records departures)


def upload_batch(
    *,
    actor: User,
    checkpoint: Checkpoint,
    device: str,
    items: list[BatchItem],
    turned_away: ScanResult | None = None,
) -> list[dict[str, Any]]:
    """Scans a device kept while offline (checkins.scan), each judged at the time it was
    scanned. Every item answers on its own; a repeated upload finds the stored answers by
    (device, nonce) and changes nothing. Set-based: a batch of hundreds costs a handful of
    queries. With `turned_away` (the caller's checkpoint takes nobody now) every item gets
    that answer and nothing is stored."""
    require(actor, "checkins.scan", checkpoint.org.path)
    if turned_away is not None:
        return [{"nonce": i.nonce, **turned_away.as_dict(), "replayed": False} for i in items]
    check_upload(device, len(items))
    now = timezone.now()

    def judge(fresh: list[BatchItem]) -> dict[str, dict[str, Any]]:
        return {
            nonce: result.as_dict()
            for nonce, result in _judge_batch(actor, checkpoint, fresh, now).items()
        }

    invalid = refused("invalid_nonce", _("Each scan needs a nonce of 1–64 characters."))
    return answer_once(
        device=device,
        items=items,
        nonce_of=lambda item: item.nonce,
        judge=judge,
        invalid_nonce=invalid.as_dict(),
    )


def _judge_batch(
    actor: User, checkpoint: Checkpoint, fresh: list[BatchItem], now: datetime
) -> dict[str, ScanResult]:
    """Judge and record the scans of a batch that were not answered before: the arrivals
    first (so a departure later in the same batch finds its arrival), then the departures."""
    arrivals = [item for item in fresh if not item.departure]
    departures = [item for item in fresh if item.departure]
    results = _judge_arrivals(actor, checkpoint, arrivals, now) if arrivals else {}
    if departures:
        results.update(_judge_departures(checkpoint, departures, now))
    return results


def _members_of_cards(
    items: list[BatchItem],
) -> tuple[dict[str, CardClaims | None], dict[str, Member]]:
    """Each item's verified card (None: not genuine) and the members those cards name, by
    number (one query)."""
    cards = {item.nonce: read_card(item.card_code) for item in items}
    numbers = {card.number for card in cards.values() if card is not None}
    members = {m.number: m for m in Member.objects.filter(number__in=numbers).only(*SCAN_COLUMNS)}
    return cards, members


def _judge_arrivals(
    actor: User, checkpoint: Checkpoint, fresh: list[BatchItem], now: datetime
) -> dict[str, ScanResult]:
    """The arrivals of a batch: the facts of every member read at once, each scan decided by
    `decide`, the accepted rows inserted in one statement."""
    cards, members = _members_of_cards(fresh)
    member_ids = [m.pk for m in members.values()]
    registered = set(
        Registration.objects.filter(
            checkpoint=checkpoint, member_id__in=member_ids, status__in=PLACE_HOLDING
        ).values_list("member_id", flat=True)
    )
    # Keyed by (member, day): day is None where a check-in counts once ever.
    days = {day_of(checkpoint, min(i.scanned_at, now)) for i in fresh}
    earlier = CheckIn.objects.filter(checkpoint=checkpoint, member_id__in=member_ids)
    if checkpoint.once_a_day:
        earlier = earlier.filter(day__in=days)
    first_times = {
        (member_id, day): at
        for member_id, day, at in earlier.values_list("member_id", "day", "checked_in_at")
    }
    results: dict[str, ScanResult] = {}
    rows_of: dict[str, CheckIn] = {}  # the row each accepted scan would write
    for item in fresh:
        at = min(item.scanned_at, now)
        card = cards[item.nonce]
        member = members.get(card.number) if card is not None else None
        key = (member.pk if member else 0, day_of(checkpoint, at))
        results[item.nonce] = verdict = decide(
            checkpoint,
            at=at,
            member=member,
            by_card=True,
            card=card,
            offline=True,
            holds_place=key[0] in registered,
            first_at=first_times.get(key),
        )
        if verdict.ok:
            first_times[key] = at  # a second scan in the same batch is "already"
            rows_of[item.nonce] = CheckIn(
                checkpoint=checkpoint,
                member=member,
                checked_in_at=at,
                day=key[1],
                method=CheckIn.Method.BATCH,
                walk_in=verdict.walk_in,
                recorded_by=actor,
            )
    new_rows = list(rows_of.values())
    if new_rows:
        inserted = _insert_new(new_rows)
        ours = [row for row in new_rows if (row.member_id, row.day) in inserted]
        org_id = _count_in(checkpoint, len(ours), walk_ins=sum(1 for row in ours if row.walk_in))
        # The daily tally of the checkpoint's org, one upsert for every day scanned.
        metric = metrics.checkins(checkpoint.kind)
        per_day = Counter(timezone.localdate(row.checked_in_at) for row in ours)
        tallies.count_many({(org_id, d, metric): n for d, n in per_day.items()})
        lost = {
            nonce: row for nonce, row in rows_of.items() if (row.member_id, row.day) not in inserted
        }
        if lost:
            # A single scan checked these people in after we looked: their row stands.
            members_by_pk = {m.pk: m for m in members.values()}
            stored = CheckIn.objects.filter(
                checkpoint=checkpoint, member_id__in={row.member_id for row in lost.values()}
            )
            first = {
                (m, d): at for m, d, at in stored.values_list("member_id", "day", "checked_in_at")
            }
            for nonce, row in lost.items():
                results[nonce] = already(
                    checkpoint, members_by_pk[row.member_id], first[(row.member_id, row.day)]
                )
    return results


def _judge_departures(
    checkpoint: Checkpoint, fresh: list[BatchItem], now: datetime
) -> dict[str, ScanResult]:
    """The departures of a batch, earliest first, each judged by `decide_departure` against
    the member's arrival as stored (one query for all) and written by its own conditional
    UPDATE (`_leave`)."""
    cards, members = _members_of_cards(fresh)
    stays: dict[int, tuple[datetime | None, datetime | None]] = {
        member_id: (arrived, left)
        for member_id, arrived, left in CheckIn.objects.filter(
            checkpoint=checkpoint, member_id__in=[m.pk for m in members.values()]
        ).values_list("member_id", "checked_in_at", "left_at")
    }
    results: dict[str, ScanResult] = {}
    for item in sorted(fresh, key=lambda item: item.scanned_at):
        at = min(item.scanned_at, now)
        card = cards[item.nonce]
        member = members.get(card.number) if card is not None else None
        arrived, left = stays.get(member.pk, (None, None)) if member else (None, None)
        verdict = decide_departure(
            checkpoint,
            at=at,
            member=member,
            arrived_at=arrived,
            left_at=left,
            by_card=True,
            card=card,
            offline=True,
        )
        if verdict.ok and member is not None:
            verdict = _leave(checkpoint, member, verdict, method=CheckIn.Method.BATCH, at=at)
            if verdict.ok:
                stays[member.pk] = (arrived, at)
        results[item.nonce] = verdict
    return results


# --- departure (checkpoints that record departures: volunteer shifts) --------------------------


def _no_departures(checkpoint: Checkpoint) -> None:
    if not checkpoint.records_departures:
        raise DomainError("no_departures", _("Departures are not recorded here."))


def _stay_of(checkpoint: Checkpoint, member: Member) -> tuple[Any, Any]:
    """(arrived_at, left_at) of the member's check-in here, (None, None) without one."""
    row = (
        CheckIn.objects.filter(checkpoint=checkpoint, member=member)
        .values_list("checked_in_at", "left_at")
        .first()
    )
    return row or (None, None)


def _leave(
    checkpoint: Checkpoint, member: Member, verdict: ScanResult, *, method: str, at: datetime
) -> ScanResult:
    """Store an accepted departure with one conditional UPDATE (no departure yet, none before
    the arrival): of two concurrent departure scans the first stands and the other answers
    with its time."""
    if not verdict.ok:
        return verdict
    stored = CheckIn.objects.filter(
        checkpoint=checkpoint, member=member, left_at__isnull=True, checked_in_at__lte=at
    ).update(left_at=at, left_method=method)
    if stored:
        return verdict
    arrived_at, left_at = _stay_of(checkpoint, member)
    return decide_departure(
        checkpoint, at=at, member=member, arrived_at=arrived_at, left_at=left_at
    )


def check_out_by_screen(
    *,
    member: Member | None,
    checkpoint: Checkpoint,
    code: str,
    at: datetime | None = None,
    turned_away: ScanResult | None = None,
) -> ScanResult:
    """A signed-in member scanned the rotating code again on leaving: the departure of their
    check-in here (see decide_departure). The code is checked as for an arrival."""
    _no_departures(checkpoint)
    if turned_away is not None:
        return turned_away
    at = at or timezone.now()
    refusal = not_a_member(member) or _screen_code_refusal(member, checkpoint, code, at)
    if refusal is not None:
        return refusal
    assert member is not None
    arrived_at, left_at = _stay_of(checkpoint, member)
    verdict = decide_departure(
        checkpoint, at=at, member=member, arrived_at=arrived_at, left_at=left_at
    )
    return _leave(checkpoint, member, verdict, method=CheckIn.Method.SCREEN, at=at)


def check_out_by_card(
    *,
    actor: User,
    checkpoint: Checkpoint,
    card_code: str,
    at: datetime | None = None,
    turned_away: ScanResult | None = None,
) -> ScanResult:
    """Staff or the leader (checkins.scan) scanned the member's card on their departure."""
    require(actor, "checkins.scan", checkpoint.org.path)
    _no_departures(checkpoint)
    if turned_away is not None:
        return turned_away
    at = at or timezone.now()
    card = read_card(card_code)
    member = None
    if card is not None:
        member = Member.objects.filter(number=card.number).only(*SCAN_COLUMNS).first()
    arrived_at, left_at = _stay_of(checkpoint, member) if member else (None, None)
    verdict = decide_departure(
        checkpoint,
        at=at,
        member=member,
        arrived_at=arrived_at,
        left_at=left_at,
        by_card=True,
        card=card,
    )
    if member is None:
        return verdict
    return _leave(checkpoint, member, verdict, method=CheckIn.Method.CARD, at=at)


_INSERT_COLUMNS = [
    "checkpoint",
    "member",
    "checked_in_at",
    "day",
    "method",
    "walk_in",
    "recorded_by",
    "left_method",
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
