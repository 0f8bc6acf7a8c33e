"""What stands in the record for a person's stays, one row per shift: the actual times and the
hours computed from them (hours.of_stay) until a leader certifies them, then the
certification (from the scans, or from an approved correction's times). No row is edited.

Rows are read by `Member` (the person, whose number a transfer keeps), so a volunteer's record
follows them to another union; the shift's organiser stays the one who certified.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q
from django.utils import timezone

from gonghui.checkins.models import CheckIn
from gonghui.members.models import Member
from gonghui.volunteers import hours
from gonghui.volunteers.models import Certification, Correction, Shift


@dataclass(frozen=True)
class RecordRow:
    shift: Shift
    day: date  # the shift's local start day: the day its hours count on
    arrived_at: datetime | None
    left_at: datetime | None
    minutes: int  # credited: certified or corrected, else as computed so far
    certified: bool
    certifier: str
    late: int  # minutes late beyond the grace
    missing_departure: bool
    pending_correction: bool


def effective(
    shift: Shift,
    *,
    stay: tuple[datetime, datetime | None] | None,
    certification: Certification | None,
    pending: bool,
) -> RecordRow:
    """One shift's row from what was read for it."""
    day = timezone.localdate(shift.starts_at)
    arrived, left = stay if stay else (None, None)
    computed = (
        hours.of_stay(
            starts_at=shift.starts_at, ends_at=shift.ends_at, arrived_at=arrived, left_at=left
        )
        if arrived is not None
        else None
    )
    late = computed.late if computed else 0
    if certification is not None:
        return RecordRow(
            shift, day, certification.arrived_at, certification.left_at, certification.minutes,
            True, certification.certified_by.name, late, False, pending,
        )  # fmt: skip
    return RecordRow(
        shift, day, arrived, left, computed.credited if computed else 0, False, "", late,
        bool(computed and computed.missing_departure), pending,
    )  # fmt: skip


def record_rows(member: Member) -> list[RecordRow]:
    """The member's stays and certified hours, every shift once, oldest first (four queries)."""
    shifts = list(
        Shift.objects.filter(
            Q(checkpoint__checkins__member=member) | Q(certifications__member=member)
        )
        .distinct()
        .select_related("project__org", "site")
        .order_by("starts_at", "pk")
    )
    by_checkpoint = {shift.checkpoint_id: shift for shift in shifts}
    stays = {
        by_checkpoint[checkpoint_id].pk: (arrived, left)
        for checkpoint_id, arrived, left in CheckIn.objects.filter(
            member=member, checkpoint_id__in=by_checkpoint
        ).values_list("checkpoint_id", "checked_in_at", "left_at")
    }
    certifications = {
        c.shift_id: c
        for c in Certification.objects.filter(member=member, shift__in=shifts).select_related(
            "certified_by"
        )
    }
    pending = set(
        Correction.objects.filter(
            member=member, shift__in=shifts, status=Correction.Status.PENDING
        ).values_list("shift_id", flat=True)
    )
    return [
        effective(
            shift,
            stay=stays.get(shift.pk),
            certification=certifications.get(shift.pk),
            pending=shift.pk in pending,
        )
        for shift in shifts
    ]
