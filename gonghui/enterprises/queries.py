"""Reads of enterprises, founding cases and coverage, scoped by the caller's grants."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Case, Count, Q, QuerySet, Sum, Value, When
from django.http import Http404

from gonghui.accounts.models import AnyUser
from gonghui.accounts.queries import list_staff
from gonghui.core.capabilities import Capability
from gonghui.core.scoping import Viewer
from gonghui.enterprises.models import (
    Enterprise,
    FoundingCase,
    FoundingDocument,
    Stage,
)
from gonghui.orgs.models import Org


@dataclass(frozen=True)
class EnterpriseFilters:
    search: str = ""
    industry: str = ""
    street: str = ""
    has_union: bool | None = None
    stage: int | None = None  # a founding stage; 0 means "no founding case"


def list_enterprises(
    user: AnyUser,
    capability: Capability,
    *,
    within: Org | None = None,
    filters: EnterpriseFilters,
) -> QuerySet[Enterprise]:
    enterprises = Enterprise.objects.visible_to(user, capability)
    if within is not None:
        enterprises = enterprises.in_subtree(within.path)
    if filters.search:
        enterprises = enterprises.filter(
            Q(name__icontains=filters.search) | Q(credit_code__iexact=filters.search.upper())
        )
    if filters.industry:
        enterprises = enterprises.filter(industry=filters.industry)
    if filters.street:
        enterprises = enterprises.filter(street=filters.street)
    if filters.has_union is not None:
        enterprises = enterprises.filter(union__isnull=not filters.has_union)
    if filters.stage == 0:
        enterprises = enterprises.filter(founding_case__isnull=True, union__isnull=True)
    elif filters.stage:
        enterprises = enterprises.filter(founding_case__stage=filters.stage)
    return enterprises.select_related("org", "union", "founding_case").order_by("name", "pk")


def list_streets(user: AnyUser, capability: Capability, *, within: Org | None = None) -> list[str]:
    enterprises = Enterprise.objects.visible_to(user, capability)
    if within is not None:
        enterprises = enterprises.in_subtree(within.path)
    return list(
        enterprises.exclude(street="")
        .order_by("street")
        .values_list("street", flat=True)
        .distinct()
    )


def get_enterprise_for(
    user: AnyUser, enterprise_id: int | str, capability: Capability
) -> Enterprise:
    """The enterprise if the user holds `capability` over it; 404 alike for missing/forbidden."""
    try:
        return (
            Enterprise.objects.visible_to(user, capability)
            .select_related("org", "union")
            .get(pk=int(enterprise_id))
        )
    except (Enterprise.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_case_for(user: AnyUser, case_id: int | str, capability: Capability) -> FoundingCase:
    try:
        return (
            FoundingCase.objects.visible_to(user, capability)
            .select_related("enterprise", "enterprise__org", "enterprise__union")
            .get(pk=int(case_id))
        )
    except (FoundingCase.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_case_of(enterprise: Enterprise) -> FoundingCase | None:
    return FoundingCase.objects.filter(enterprise=enterprise).first()


def list_case_steps(case: FoundingCase) -> list[Any]:
    return list(
        case.steps.select_related("responsible", "recorded_by")
        .prefetch_related("documents")
        .order_by("recorded_at", "id")
    )


def get_document_for(
    user: AnyUser, document_id: int | str, capability: Capability
) -> FoundingDocument:
    try:
        return FoundingDocument.objects.visible_to(user, capability).get(pk=int(document_id))
    except (FoundingDocument.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def list_cases_by_stage(
    user: AnyUser,
    capability: Capability,
    *,
    within: Org | None = None,
    established_since: date,
) -> dict[int, list[FoundingCase]]:
    """The board: open cases per stage, longest waiting first, plus recent establishments."""
    cases = FoundingCase.objects.visible_to(user, capability)
    if within is not None:
        cases = cases.in_subtree(within.path)
    cases = cases.filter(
        Q(stage__lt=Stage.ESTABLISHED)
        | Q(stage=Stage.ESTABLISHED, closed_on__gte=established_since)
    ).select_related("enterprise", "enterprise__org", "enterprise__union")
    board: dict[int, list[FoundingCase]] = {stage: [] for stage in Stage.values}
    for case in cases.order_by("stage_since", "pk"):
        board[case.stage].append(case)
    return board


def list_founding_cases(
    user: AnyUser,
    capability: Capability,
    *,
    within: Org | None = None,
    stage: int | None = None,
) -> QuerySet[FoundingCase]:
    """Founding cases the user may see (established ones included), by stage and then
    longest waiting first; `stage` narrows to one stage."""
    cases = FoundingCase.objects.visible_to(user, capability)
    if within is not None:
        cases = cases.in_subtree(within.path)
    if stage is not None:
        cases = cases.filter(stage=stage)
    return cases.select_related("enterprise", "enterprise__org", "enterprise__union").order_by(
        "stage", "stage_since", "pk"
    )


@dataclass(frozen=True)
class Coverage:
    org: Org
    period_start: date | None
    period_end: date | None
    enterprises: int
    enterprises_with_union: int
    workers: int
    workers_covered: int
    gig_workers: int
    gig_workers_covered: int
    cases_by_stage: dict[int, int]
    unions_founded_in_period: int

    @property
    def union_rate(self) -> float:
        return self.enterprises_with_union / self.enterprises if self.enterprises else 0.0


def coverage_of(org: Org, *, period_start: date | None, period_end: date | None) -> Coverage:
    """Exact coverage figures for `org` and everything below it (caller checked access)."""
    enterprises = Enterprise.objects.in_subtree(org.path)
    with_union = Q(union__isnull=False)
    totals = enterprises.aggregate(
        enterprises=Count("pk"),
        with_union=Count("pk", filter=with_union),
        workers=Sum("headcount", default=0),
        covered=Sum("headcount", filter=with_union, default=0),
        gig=Sum("gig_headcount", default=0),
        gig_covered=Sum("gig_headcount", filter=with_union, default=0),
    )
    founded = enterprises.filter(union__isnull=False)
    if period_start:
        founded = founded.filter(union_established_on__gte=period_start)
    if period_end:
        founded = founded.filter(union_established_on__lte=period_end)
    stages = dict(
        FoundingCase.objects.in_subtree(org.path)
        .filter(stage__lt=Stage.ESTABLISHED)
        .values("stage")
        .annotate(n=Count("pk"))
        .values_list("stage", "n")
    )
    return Coverage(
        org=org,
        period_start=period_start,
        period_end=period_end,
        enterprises=totals["enterprises"],
        enterprises_with_union=totals["with_union"],
        workers=totals["workers"],
        workers_covered=totals["covered"],
        gig_workers=totals["gig"],
        gig_workers_covered=totals["gig_covered"],
        cases_by_stage={stage: stages.get(stage, 0) for stage in Stage.values[:-1]},
        unions_founded_in_period=founded.count(),
    )


def list_staff_choices(user: AnyUser) -> list[tuple[int, str]]:
    return [(staff.pk, str(staff)) for staff in list_staff(user)[:300]]


def _credit_code_prefix(text: str) -> str:
    """The typed text as the start of a unified social credit code (digits and capitals, no
    I, O, S, V, Z), or "" when it cannot be one."""
    code = text.replace(" ", "").upper()
    return code if code.isalnum() and code.isascii() and len(code) <= 18 else ""


def search_enterprises(
    user: Viewer, capability: Capability, text: str, *, limit: int
) -> list[Enterprise]:
    """Enterprises in the user's scope for `capability` whose name contains `text` or whose
    credit code starts with it: exact matches first, then prefixes, then the rest by name.
    One query (the picker's search)."""
    code = _credit_code_prefix(text)
    matches = Q(name__icontains=text)
    if code:
        matches |= Q(credit_code__startswith=code)
    rank = Case(
        When(Q(name=text) | Q(credit_code=code), then=Value(0)),
        When(name__startswith=text, then=Value(1)),
        default=Value(2),
    )
    return list(
        Enterprise.objects.visible_to(user, capability)
        .filter(matches)
        .annotate(rank=rank)
        .select_related("org")
        .order_by("rank", "name", "pk")[:limit]
    )


def find_enterprises_named(
    user: Viewer, capability: Capability, text: str, *, limit: int = 2
) -> list[Enterprise]:
    """Enterprises in scope whose name or credit code is exactly `text` (at most `limit`)."""
    code = _credit_code_prefix(text)
    return list(
        Enterprise.objects.visible_to(user, capability)
        .filter(Q(name=text) | Q(credit_code=code) if code else Q(name=text))
        .order_by("pk")[:limit]
    )


def get_picked_enterprise(user: Viewer, capability: Capability, pk: int) -> Enterprise | None:
    """The enterprise with this id if it is in the user's scope for `capability`."""
    return Enterprise.objects.visible_to(user, capability).filter(pk=pk).first()
