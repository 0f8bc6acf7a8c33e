"""Anonymising personal data past its retention period (PIPL art. 19, 47; see
docs/decisions/0016-personal-data-retention.md).

Anonymised, not deleted: the row stays with every fact a figure counts (union, dates, status,
event, job type and the other categories), so the dashboards and `rebuild_tallies --check`
read the same before and after. What identifies the person goes: the name becomes
`ANONYMISED_NAME`, the ID and mobile ciphertexts and their lookup hashes are cleared, free text
(employer, reasons) is emptied, the membership is unlinked from the sign-in account, and the
labels of the audit entries about them are rewritten. No member or applicant file or photo is
stored today; an app that adds one deletes it here.

Each person is anonymised in their own transaction, so an interrupted run keeps what it did;
`anonymised_at` makes a second run skip them.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.core import audit
from gonghui.core.models import AuditEntry
from gonghui.members.models import Application, Episode, Member, Transfer

ANONYMISED_NAME = "已匿名"
BATCH = 500
CLEARED_PERSON = {
    "name": ANONYMISED_NAME,
    "id_number": "",
    "id_number_hash": None,
    "mobile": "",
    "mobile_hash": None,
    "employer_name": "",
}


@dataclass(frozen=True)
class Cutoffs:
    """Rows decided, submitted or ended before these are past retention."""

    rejected_before: datetime
    unreviewed_before: datetime
    left_before: datetime

    @classmethod
    def at(cls, now: datetime) -> "Cutoffs":
        return cls(
            rejected_before=now - timedelta(days=settings.RETAIN_REJECTED_APPLICATIONS_DAYS),
            unreviewed_before=now - timedelta(days=settings.RETAIN_UNREVIEWED_APPLICATIONS_DAYS),
            left_before=now - timedelta(days=settings.RETAIN_FORMER_MEMBERS_DAYS),
        )


@dataclass(frozen=True)
class Summary:
    members: int
    applications: int
    dry_run: bool


def due_members(cutoffs: Cutoffs) -> QuerySet[Member]:
    """Former members who left more than the retention period ago."""
    left_before = timezone.localdate(cutoffs.left_before)
    return Member.objects.filter(anonymised_at=None, left_on__lt=left_before).exclude(
        status=Member.Status.ACTIVE
    )


def due_applications(cutoffs: Cutoffs) -> QuerySet[Application]:
    """Applications rejected or withdrawn, or never reviewed, longer ago than their periods.
    Approved ones go with their member."""
    decided = Q(
        status__in=[Application.Status.REJECTED, Application.Status.WITHDRAWN],
        reviewed_at__lt=cutoffs.rejected_before,
    )
    unreviewed = Q(status=Application.Status.PENDING, submitted_at__lt=cutoffs.unreviewed_before)
    return Application.objects.filter(decided | unreviewed, anonymised_at=None)


def _ids(queryset: "QuerySet[Member] | QuerySet[Application]") -> Iterator[list[int]]:
    """Primary keys in batches, read afresh each time (anonymised rows drop out)."""
    last = 0
    while True:
        batch = list(
            queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]
        )
        if not batch:
            return
        yield batch
        last = batch[-1]


def _relabel(target_type: str, ids: list[int], label: str) -> None:
    AuditEntry.objects.filter(target_type=target_type, target_id__in=[str(i) for i in ids]).update(
        target_label=label
    )


def _clear_applications(ids: list[int], now: datetime) -> None:
    Application.objects.filter(pk__in=ids).update(
        **CLEARED_PERSON, reject_reason="", anonymised_at=now
    )
    for pk in ids:
        application = Application.objects.get(pk=pk)
        _relabel("members.application", [pk], str(application))


def _clear_account(user: User | None, *, cutoff: datetime) -> bool:
    """A worker's sign-in account goes with their membership when it was not used since the
    cutoff either; staff accounts and accounts still in use stay (they sign in with it)."""
    if user is None or user.is_union_staff or user.is_staff:
        return False
    if (user.last_login or user.date_joined) >= cutoff:
        return False
    User.objects.filter(pk=user.pk).update(name="", mobile="", mobile_hash=None, is_active=False)
    _relabel("accounts.user", [user.pk], f"#{user.pk}")
    return True


@transaction.atomic
def anonymise_member(member_id: int, *, now: datetime) -> bool:
    """Clear one former member's personal data and that of their applications; False when
    someone else got there first (or they rejoined meanwhile)."""
    member = (
        Member.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=member_id, anonymised_at=None)
        .first()
    )
    if member is None or member.is_active:
        return False
    account = _clear_account(member.user, cutoff=Cutoffs.at(now).left_before)
    mine = Q(member=member)
    if member.id_number_hash:
        mine |= Q(id_number_hash=member.id_number_hash)
    application_ids = list(
        Application.objects.filter(mine, anonymised_at=None).values_list("pk", flat=True)
    )
    Member.objects.filter(pk=member.pk).update(
        **CLEARED_PERSON, leave_reason="", user=None, anonymised_at=now, version=F("version") + 1
    )
    episodes = Episode.objects.filter(member=member).update(employer_name="")
    transfers = Transfer.objects.filter(member=member).update(
        new_employer_name="", decline_reason=""
    )
    _clear_applications(application_ids, now)
    member.refresh_from_db()
    _relabel("members.member", [member.pk], str(member))
    audit.record(
        actor=None,
        action="members.personal_data.anonymised",
        org=member.org,
        target=member,
        changes={
            "kind": "member",
            "applications": len(application_ids),
            "episodes": episodes,
            "transfers": transfers,
            "account": account,
        },
    )
    return True


@transaction.atomic
def anonymise_application(application_id: int, *, now: datetime) -> bool:
    """Clear one application's personal data; False when it was done already."""
    application = (
        Application.objects.select_for_update()
        .select_related("org")
        .filter(pk=application_id, anonymised_at=None)
        .first()
    )
    if application is None:
        return False
    _clear_applications([application.pk], now)
    application.refresh_from_db()
    audit.record(
        actor=None,
        action="members.personal_data.anonymised",
        org=application.org,
        target=application,
        changes={"kind": "application", "status": application.status},
    )
    return True


def anonymise_expired(*, now: datetime | None = None, dry_run: bool = False) -> Summary:
    """Anonymise every former member and application past retention (run daily by the
    `anonymise_personal_data` command). A dry run only counts them."""
    now = now or timezone.now()
    cutoffs = Cutoffs.at(now)
    if dry_run:
        return Summary(
            members=due_members(cutoffs).count(),
            applications=due_applications(cutoffs).count(),
            dry_run=True,
        )
    members = applications = 0
    # Members first: their applications go with them, whatever each one's own period.
    for batch in _ids(due_members(cutoffs)):
        members += sum(anonymise_member(pk, now=now) for pk in batch)
    for batch in _ids(due_applications(cutoffs)):
        applications += sum(anonymise_application(pk, now=now) for pk in batch)
    return Summary(members=members, applications=applications, dry_run=False)
