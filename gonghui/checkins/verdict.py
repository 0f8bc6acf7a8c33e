"""The one rule set of check-in: `decide()` answers a scan from what is known about it.

Every way in — a rotating screen code, a printed poster, a card scanned at the desk, a card in
an offline batch — reads the same facts (the member, their card, whether they hold a place,
when they were first counted here) and asks `decide()`, a pure function: no query, no write.
A single scan reads the facts with one query for its member; a batch reads them for all its
members at once. An accepted answer tells the caller to write the `CheckIn` row; when a
concurrent scan stored that row first (the unique index refuses the insert), the caller
answers `already()` with the stored time instead.
"""

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.checkins.models import Checkpoint
from gonghui.core.personal import mask_name
from gonghui.members.cards import CardClaims, CardCodeError, verify_card
from gonghui.members.models import Member


@dataclass(frozen=True)
class ScanResult:
    ok: bool
    code: str  # checked_in, already_checked_in, not_registered, card_revoked, …
    message: str
    member_name: str = ""
    member_number: str = ""
    checked_in_at: str = ""  # ISO time of the (first) check-in
    walk_in: bool = False
    left_at: str = ""  # ISO time of the departure (a departure scan)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def refused(code: str, message: str, member: Member | None = None) -> ScanResult:
    """A refusal, naming the member (masked) when one was found."""
    return ScanResult(
        ok=False,
        code=code,
        message=message,
        member_name=mask_name(member.name) if member else "",
        member_number=member.number if member else "",
    )


def day_of(checkpoint: Checkpoint, at: datetime) -> date | None:
    """The day a check-in counts for: its local day at a once-a-day checkpoint (a station),
    else None (once ever)."""
    return timezone.localdate(at) if checkpoint.once_a_day else None


def already(checkpoint: Checkpoint, member: Member, first_at: datetime | None) -> ScanResult:
    """The answer to a second scan: when the member was first counted (today, at a
    once-a-day checkpoint)."""
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


def read_card(card_code: str) -> CardClaims | None:
    """The claims of a genuine member card, else None."""
    try:
        return verify_card(card_code)
    except CardCodeError:
        return None


def card_refusal(card: CardClaims | None, member: Member | None) -> ScanResult | None:
    """Why a scanned member card lets nobody in, else None: `card` is the verified card
    (None: no genuine card), `member` the member with its number (None: none). The rule of
    every card scan, at a checkpoint or at a benefits provider's desk."""
    if card is None:
        return refused("card_invalid", _("Not a genuine member card."))
    if member is None:
        return refused("card_unknown", _("No member with this card."))
    if card.version != member.card_version:
        return refused("card_revoked", _("This card has been revoked."), member)
    if not member.is_active:
        return refused("membership_ended", _("This membership has ended."), member)
    return None


def not_a_member(member: Member | None) -> ScanResult | None:
    """The refusal of a scan by someone signed in who is no active member, else None. A
    screen scan asks this first, before reading its code."""
    if member is None or not member.is_active:
        return refused("not_a_member", _("Only active union members can check in here."))
    return None


def decide(
    checkpoint: Checkpoint,
    *,
    at: datetime,
    member: Member | None,
    holds_place: bool,
    first_at: datetime | None,
    by_card: bool = False,
    card: CardClaims | None = None,
    offline: bool = False,
) -> ScanResult:
    """The verdict on one scan at `at`, most basic refusal first.

    - `member`: the member found by the card's number, or the signed-in member (None: none).
    - `by_card`: staff scanned a card; `card` is its verified claims, None when the text was
      no genuine card. Otherwise the member scanned a code themselves while signed in.
    - `holds_place`: a confirmed or offered registration (an offered place is held for them).
    - `first_at`: when the member was already counted here (on that day, at a once-a-day
      checkpoint), else None. None also where the caller did not read it: the insert then
      meets the unique index, and the caller answers `already()` with the stored time.
    - `offline`: judged after the fact (a batch), so a window refusal says when it was scanned.

    Refusals, in order: the card (`card_invalid`, `card_unknown`, `card_revoked`,
    `membership_ended`) or the signed-in person (`not_a_member`); the window (`not_open`,
    `closed`); the registration (`not_registered`, unless walk-ins may come); then
    `already_checked_in`. An accepted scan answers `checked_in` (`walk_in` when it came
    without a place), its time `at`.
    """
    if by_card:
        refusal = card_refusal(card, member)
        if refusal is not None:
            return refusal
    else:
        refusal = not_a_member(member)
        if refusal is not None:
            return refusal
    assert member is not None  # refused above in both branches
    if checkpoint.opens_at and at < checkpoint.opens_at:
        if offline:
            return refused("not_open", _("Scanned before check-in opened."), member)
        opens = timezone.localtime(checkpoint.opens_at).strftime("%m-%d %H:%M")
        return refused("not_open", _("Check-in opens at %(time)s.") % {"time": opens}, member)
    if checkpoint.closes_at and at > checkpoint.closes_at:
        if offline:
            return refused("closed", _("Scanned after check-in closed."), member)
        return refused("closed", _("Check-in has closed."), member)
    walk_in = checkpoint.requires_registration and not holds_place
    if walk_in and not checkpoint.allows_walk_ins:
        return refused("not_registered", _("Not registered for this."), member)
    if first_at is not None:
        return already(checkpoint, member, first_at)
    return ScanResult(
        ok=True,
        code="checked_in",
        message=_("Checked in.") if not walk_in else _("Checked in as a walk-in."),
        member_name=mask_name(member.name),
        member_number=member.number,
        checked_in_at=timezone.localtime(at).isoformat(),
        walk_in=walk_in,
    )


def _local(at: datetime) -> str:
    return timezone.localtime(at).strftime("%H:%M")


def decide_departure(
    checkpoint: Checkpoint,
    *,
    at: datetime,
    member: Member | None,
    arrived_at: datetime | None,
    left_at: datetime | None,
    by_card: bool = False,
    card: CardClaims | None = None,
    offline: bool = False,
) -> ScanResult:
    """The verdict on a departure scan at `at` (a checkpoint that records departures): the
    card or the signed-in person as for an arrival; then `not_arrived` (no arrival recorded),
    `already_left` (with the first departure's time), `left_before_arrival`, `closed` (after
    the window). An accepted departure answers `left`, its time `at`.

    `arrived_at`/`left_at`: the member's check-in here and its departure, if any."""
    refusal = card_refusal(card, member) if by_card else not_a_member(member)
    if refusal is not None:
        return refusal
    assert member is not None  # refused above in both branches
    if arrived_at is None:
        return refused("not_arrived", _("No arrival recorded here: report for duty first."), member)
    if left_at is not None:
        message = _("Departure already recorded at %(time)s.") % {"time": _local(left_at)}
        result = refused("already_left", message, member)
        first = timezone.localtime(left_at).isoformat()
        return ScanResult(**{**result.as_dict(), "left_at": first})
    if at < arrived_at:
        message = _("The departure (%(left)s) is before the arrival (%(arrived)s).") % {
            "left": _local(at),
            "arrived": _local(arrived_at),
        }
        return refused("left_before_arrival", message, member)
    if checkpoint.closes_at and at > checkpoint.closes_at:
        if offline:
            return refused("closed", _("Scanned after the window closed."), member)
        return refused(
            "closed",
            _("The window closed at %(time)s: ask the leader to record your departure.")
            % {"time": _local(checkpoint.closes_at)},
            member,
        )
    return ScanResult(
        ok=True,
        code="left",
        message=_("Departure recorded at %(time)s.") % {"time": _local(at)},
        member_name=mask_name(member.name),
        member_number=member.number,
        checked_in_at=timezone.localtime(arrived_at).isoformat(),
        left_at=timezone.localtime(at).isoformat(),
    )
