"""Reads the innovation pages need beyond the review mechanism's: jurors and co-authors named
on a form, and the figures of the innovation tiles."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from gonghui.accounts.lockout import find_account
from gonghui.accounts.models import User
from gonghui.core.tree import subtree_q
from gonghui.innovation import kinds
from gonghui.members.models import Member
from gonghui.reviews.models import Assignment, Call, Submission


def find_juror(identifier: str) -> User | None:
    """The account a staff member names as juror: an account name or a mobile number."""
    user = find_account(identifier)
    return user if user is not None and user.is_active else None


def find_members(numbers: list[str]) -> list[Member] | None:
    """The members with these numbers, or None if one of them is not a member."""
    found = list(Member.objects.filter(number__in=numbers, status=Member.Status.ACTIVE))
    return found if len(found) == len(set(numbers)) else None


@dataclass(frozen=True)
class UnitRow:
    org_name: str
    category: str
    entries: int


def entries_by_unit_and_category(path: str, *, start: datetime, end: datetime) -> list[UnitRow]:
    """Entries submitted to innovation calls from a subtree in [start, end), by unit and
    category (withdrawn ones left out)."""
    entries = Submission.objects.filter(
        call__kind__in=kinds.KINDS,
        status=Submission.Status.SUBMITTED,
        submitted_at__gte=start,
        submitted_at__lt=end,
    ).filter(subtree_q("org__path", [path]))
    rows = (
        entries.values("org__name", "category")
        .annotate(n=Count("id"))
        .order_by("org__name", "category")
    )
    labels = dict(kinds.WUXIAO_CATEGORIES)
    return [
        UnitRow(r["org__name"], labels.get(r["category"], r["category"] or "—"), r["n"])
        for r in rows
    ]


@dataclass(frozen=True)
class ReviewProgress:
    assignments: int
    scored: int


def review_progress(path: str) -> ReviewProgress:
    """Assignments and finished scores of the innovation calls run in a subtree."""
    figures = (
        Assignment.objects.filter(submission__call__kind__in=kinds.KINDS)
        .filter(subtree_q("submission__call__org__path", [path]))
        .aggregate(n=Count("id"), done=Count("id", filter=Q(completed_at__isnull=False)))
    )
    return ReviewProgress(figures["n"], figures["done"])


def units_in_showcase() -> list[tuple[int, str]]:
    """The unions with entries in the showcase, for its picker."""
    rows = (
        Submission.objects.filter(
            call__kind__in=kinds.KINDS,
            decision__in=["accepted", "shortlisted", "awarded"],
            status=Submission.Status.SUBMITTED,
        )
        .values_list("org_id", "org__name")
        .distinct()
        .order_by("org__name")
    )
    return list(rows)


def showcase_years() -> list[int]:
    years = Call.objects.filter(kind__in=kinds.KINDS).values_list("results_on__year", flat=True)
    return sorted(set(years), reverse=True)
