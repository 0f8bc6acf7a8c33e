"""Staff actions on the ledger itself: correcting an entry by reversing it, closing a period.
Writing entries is `journal.write_entry`, called by the feature apps' actions."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.models import User
from gonghui.core import audit
from gonghui.core.errors import ConflictError, DomainError
from gonghui.core.scoping import require
from gonghui.core.text import check_free_text
from gonghui.ledger.journal import closed_through, reversal_legs, write_entry
from gonghui.ledger.models import Entry, Payout, PeriodClose
from gonghui.orgs.models import Org


@transaction.atomic
def reverse_entry(*, actor: User, entry: Entry, reason: str, day: date | None = None) -> Entry:
    """Cancel an entry with its mirror image, dated today (or `day`, in an open period). A
    payment it made is released: the person may be paid again for that purpose."""
    require(actor, "ledger.correct", entry.org.path)
    reason = " ".join(reason.split())
    if not reason:
        raise DomainError(
            "reason_required",
            _("Say why the entry is reversed."),
            fields={"reason": [_("Say why the entry is reversed.")]},
        )
    check_free_text(reason, field="reason")
    locked = Entry.objects.select_for_update().get(pk=entry.pk)
    if locked.reverses_id is not None:
        raise DomainError("reversal_of_reversal", _("A reversal cannot itself be reversed."))
    if Entry.objects.filter(reverses=locked).exists():
        raise ConflictError("already_reversed", _("This entry has already been reversed."))
    Payout.objects.filter(entry=locked).delete()
    reversal = write_entry(
        actor_id=actor.pk,
        org=locked.org,
        day=day or timezone.localdate(),
        kind="reversal",
        purpose=locked.purpose,
        memo=_("Reversal: %(reason)s") % {"reason": reason},
        legs=reversal_legs(locked),
        reverses=locked,
    )
    audit.record(
        actor=actor,
        action="ledger.entry.reversed",
        org=locked.org,
        target=locked,
        changes={"reversal": str(reversal.pk), "reason": reason},
    )
    return reversal


@transaction.atomic
def close_period(*, actor: User, org: Org, through: date) -> PeriodClose:
    """Close the books of the org's subtree through a day (never in the future, never
    reopened: a later close only moves the line forward)."""
    require(actor, "ledger.close", org.path)
    if through >= timezone.localdate():
        raise DomainError(
            "close_in_future",
            _("A period can be closed only once it has ended (through yesterday at the latest)."),
            fields={"through": [_("Choose a day before today.")]},
        )
    list(Org.objects.select_for_update().filter(pk=org.pk).values_list("pk", flat=True))
    last = closed_through(org)
    if last is not None and through <= last:
        raise ConflictError(
            "already_closed",
            _("The books here are already closed through %(last)s.") % {"last": last.isoformat()},
        )
    closing = PeriodClose.objects.create(org=org, through=through, closed_by=actor)
    audit.record(
        actor=actor,
        action="ledger.period.closed",
        org=org,
        target=closing,
        changes={"through": through.isoformat()},
    )
    return closing
