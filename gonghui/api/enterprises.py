"""Enterprises, their union founding (建会) cases and documents, and coverage figures."""

from datetime import date, datetime
from typing import Any

from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, UploadedFile
from ninja.pagination import paginate

from gonghui.accounts.queries import get_staff_for
from gonghui.api.auth import api_user
from gonghui.api.errors import ERROR_RESPONSES
from gonghui.api.pagination import Pages
from gonghui.api.types import MAX_INT, Day, Id, Version
from gonghui.core.errors import DomainError
from gonghui.core.personal import mask_mobile
from gonghui.enterprises import actions, queries
from gonghui.enterprises.models import (
    Enterprise,
    FoundingCase,
    FoundingDocument,
    FoundingStep,
    Industry,
    Stage,
)
from gonghui.orgs.queries import get_org_for

router = Router(tags=["enterprises"])


# --- schemas -------------------------------------------------------------------------------


class EnterpriseOut(Schema):
    id: int
    org_id: int
    org_name: str
    name: str
    credit_code: str
    industry: str
    industry_label: str
    district: str
    street: str
    address: str
    headcount: int
    gig_headcount: int
    contact_name: str
    contact_mobile_masked: str
    has_union: bool
    union_id: int | None
    union_established_on: date | None
    founding_case_id: int | None
    founding_stage: int | None
    founding_stage_label: str
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_org_name(obj: Enterprise) -> str:
        return obj.org.name

    @staticmethod
    def resolve_industry_label(obj: Enterprise) -> str:
        return str(obj.get_industry_display())

    @staticmethod
    def resolve_contact_mobile_masked(obj: Enterprise) -> str:
        return mask_mobile(obj.contact_mobile) if obj.contact_mobile else ""

    @staticmethod
    def resolve_founding_case_id(obj: Enterprise) -> int | None:
        case: FoundingCase | None = getattr(obj, "founding_case", None)
        return case.pk if case is not None else None

    @staticmethod
    def resolve_founding_stage(obj: Enterprise) -> int | None:
        case: FoundingCase | None = getattr(obj, "founding_case", None)
        return case.stage if case is not None else None

    @staticmethod
    def resolve_founding_stage_label(obj: Enterprise) -> str:
        case: FoundingCase | None = getattr(obj, "founding_case", None)
        return str(case.get_stage_display()) if case is not None else ""


class EnterpriseFilters(Schema):
    q: str = ""
    industry: Industry | None = None
    street: str = ""
    has_union: bool | None = None
    stage: int | None = Field(None, ge=0, le=4, description="0: no founding case and no union")
    within: Id | None = None


class EnterpriseCreateIn(Schema):
    org_id: Id
    name: str = Field(min_length=2, max_length=120)
    credit_code: str = Field(max_length=40)
    industry: Industry
    district: str = Field("", max_length=40)
    street: str = Field("", max_length=40)
    address: str = Field("", max_length=200)
    headcount: int = Field(ge=0, le=MAX_INT)
    gig_headcount: int = Field(0, ge=0, le=MAX_INT)
    contact_name: str = Field("", max_length=40)
    contact_mobile: str = Field("", max_length=40)


class EnterpriseUpdateIn(Schema):
    version: Version
    name: str | None = Field(None, min_length=2, max_length=120)
    credit_code: str | None = Field(None, max_length=40)
    industry: Industry | None = None
    district: str | None = Field(None, max_length=40)
    street: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=200)
    headcount: int | None = Field(None, ge=0, le=MAX_INT)
    gig_headcount: int | None = Field(None, ge=0, le=MAX_INT)
    contact_name: str | None = Field(None, max_length=40)
    contact_mobile: str | None = Field(None, max_length=40)


class FoundingDocumentOut(Schema):
    id: int
    original_name: str
    size: int
    content_type: str
    uploaded_at: datetime
    download_url: str

    @staticmethod
    def resolve_download_url(obj: FoundingDocument) -> str:
        return reverse("api:download_founding_document", kwargs={"document_id": obj.pk})


class FoundingStepOut(Schema):
    id: int
    from_stage: int | None
    to_stage: int
    to_stage_label: str
    is_step_back: bool
    happened_on: date
    responsible_name: str
    notes: str
    reason: str
    recorded_at: datetime
    documents: list[FoundingDocumentOut]

    @staticmethod
    def resolve_to_stage_label(obj: FoundingStep) -> str:
        return str(obj.get_to_stage_display())

    @staticmethod
    def resolve_responsible_name(obj: FoundingStep) -> str:
        person: Any = obj.responsible
        if person is None:
            return ""
        return str(person.name or person.username or "")


class FoundingCaseOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str
    org_id: int
    stage: int
    stage_label: str
    stage_since: date
    days_in_stage: int
    opened_on: date
    closed_on: date | None
    union_id: int | None

    @staticmethod
    def resolve_enterprise_name(obj: FoundingCase) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_org_id(obj: FoundingCase) -> int:
        return obj.enterprise.org_id

    @staticmethod
    def resolve_stage_label(obj: FoundingCase) -> str:
        return str(obj.get_stage_display())

    @staticmethod
    def resolve_union_id(obj: FoundingCase) -> int | None:
        return obj.enterprise.union_id


class FoundingCaseDetailOut(FoundingCaseOut):
    steps: list[FoundingStepOut]

    @staticmethod
    def resolve_steps(obj: FoundingCase) -> list[FoundingStep]:
        return queries.list_case_steps(obj)


class FoundingCaseFilters(Schema):
    within: Id | None = None
    stage: int | None = Field(None, ge=1, le=4)


class FoundingOpenIn(Schema):
    happened_on: Day
    notes: str = Field("", max_length=2000)
    responsible_id: Id | None = Field(None, description="Defaults to the caller.")


class FoundingAdvanceIn(Schema):
    to_stage: int = Field(ge=1, le=4, description="The stage after the current one.")
    happened_on: Day
    notes: str = Field("", max_length=2000)
    responsible_id: Id | None = Field(None, description="Defaults to the caller.")
    union_name: str = Field(
        "",
        max_length=120,
        description="Name of the new enterprise union when approving (stage 4); "
        "defaults to the enterprise's name followed by 工会.",
    )


class FoundingStepBackIn(Schema):
    from_stage: int = Field(ge=1, le=4, description="The stage the case is in now.")
    reason: str = Field("", max_length=2000)
    happened_on: Day


class CoveragePeriod(Schema):
    period_start: Day | None = None
    period_end: Day | None = None


class StageCountOut(Schema):
    stage: int
    label: str
    count: int


class CoverageOut(Schema):
    org_id: int
    org_name: str
    period_start: date | None
    period_end: date | None
    enterprises: int
    enterprises_with_union: int
    workers: int
    workers_covered: int
    gig_workers: int
    gig_workers_covered: int
    cases_by_stage: list[StageCountOut]
    unions_founded_in_period: int
    union_rate: float


# --- enterprises ---------------------------------------------------------------------------


@router.get(
    "/enterprises",
    response={200: list[EnterpriseOut], **ERROR_RESPONSES},
    operation_id="list_enterprises",
)
@paginate(Pages, page_size=50)
def list_enterprises(request: HttpRequest, filters: Query[EnterpriseFilters]) -> Any:
    """Enterprises the caller may see, by name. `stage` 0 means no founding case and no union;
    `q` matches the name or the exact credit code."""
    within = (
        get_org_for(request.user, filters.within, "enterprises.view") if filters.within else None
    )
    return queries.list_enterprises(
        request.user,
        "enterprises.view",
        within=within,
        filters=queries.EnterpriseFilters(
            search=filters.q.strip(),
            industry=filters.industry.value if filters.industry else "",
            street=filters.street.strip(),
            has_union=filters.has_union,
            stage=filters.stage,
        ),
    )


@router.get(
    "/enterprises/{id:enterprise_id}",
    response={200: EnterpriseOut, **ERROR_RESPONSES},
    operation_id="get_enterprise",
)
def get_enterprise(request: HttpRequest, enterprise_id: Id) -> Enterprise:
    """One enterprise. The contact mobile number is shown masked only."""
    return queries.get_enterprise_for(request.user, enterprise_id, "enterprises.view")


@router.post(
    "/enterprises",
    response={201: EnterpriseOut, **ERROR_RESPONSES},
    operation_id="create_enterprise",
)
def create_enterprise(request: HttpRequest, payload: EnterpriseCreateIn) -> tuple[int, Enterprise]:
    """Register an enterprise under a federation, street or industry union the caller manages.
    The credit code's check character is verified; a code already registered is refused."""
    org = get_org_for(request.user, payload.org_id, "enterprises.manage")
    fields = payload.model_dump(mode="json", exclude={"org_id"})
    return 201, actions.create_enterprise(actor=api_user(request), org=org, **fields)


@router.patch(
    "/enterprises/{id:enterprise_id}",
    response={200: EnterpriseOut, **ERROR_RESPONSES},
    operation_id="update_enterprise",
)
def update_enterprise(
    request: HttpRequest, enterprise_id: Id, payload: EnterpriseUpdateIn
) -> Enterprise:
    """Edit details; only the fields sent change. `version` must be the one read; a stale
    version gets 409."""
    enterprise = queries.get_enterprise_for(request.user, enterprise_id, "enterprises.manage")
    changes = payload.model_dump(mode="json", exclude={"version"}, exclude_none=True)
    return actions.update_enterprise(
        actor=api_user(request), enterprise=enterprise, expected_version=payload.version, **changes
    )


# --- founding cases ------------------------------------------------------------------------


def _responsible(request: HttpRequest, responsible_id: int | None) -> Any:
    """The staff member named responsible: the caller unless another one they may see."""
    if responsible_id is None or responsible_id == request.user.pk:
        return request.user
    try:
        staff, _org = get_staff_for(request.user, responsible_id, "accounts.view")
    except Http404:
        message = _("There is no staff member with this id among those you may see.")
        raise DomainError(
            "unknown_responsible", message, fields={"responsible_id": [message]}
        ) from None
    return staff


def _case_detail(request: HttpRequest, case_id: Id) -> FoundingCase:
    return queries.get_case_for(request.user, case_id, "enterprises.view")


@router.get(
    "/founding-cases",
    response={200: list[FoundingCaseOut], **ERROR_RESPONSES},
    operation_id="list_founding_cases",
)
@paginate(Pages, page_size=50)
def list_founding_cases(request: HttpRequest, filters: Query[FoundingCaseFilters]) -> Any:
    """Founding cases the caller may see, established ones included: by stage, then longest
    in their stage first."""
    within = (
        get_org_for(request.user, filters.within, "enterprises.view") if filters.within else None
    )
    return queries.list_founding_cases(
        request.user, "enterprises.view", within=within, stage=filters.stage
    )


@router.get(
    "/founding-cases/{id:case_id}",
    response={200: FoundingCaseDetailOut, **ERROR_RESPONSES},
    operation_id="get_founding_case",
)
def get_founding_case(request: HttpRequest, case_id: Id) -> FoundingCase:
    """One founding case with its steps (forward and back) and each step's documents."""
    return _case_detail(request, case_id)


@router.post(
    "/enterprises/{id:enterprise_id}/founding-case",
    response={201: FoundingCaseDetailOut, **ERROR_RESPONSES},
    operation_id="open_founding_case",
)
def open_founding_case(
    request: HttpRequest, enterprise_id: Id, payload: FoundingOpenIn
) -> tuple[int, FoundingCase]:
    """Record that the enterprise's preparatory group (筹备组) was set up: the case starts at
    stage 1. `responsible_id` is a staff member the caller may see (default: the caller)."""
    enterprise = queries.get_enterprise_for(request.user, enterprise_id, "founding.manage")
    responsible = _responsible(request, payload.responsible_id)
    case = actions.open_founding_case(
        actor=api_user(request),
        enterprise=enterprise,
        happened_on=payload.happened_on,
        responsible=responsible,
        notes=payload.notes,
    )
    return 201, _case_detail(request, case.pk)


@router.post(
    "/founding-cases/{id:case_id}/advance",
    response={200: FoundingCaseDetailOut, **ERROR_RESPONSES},
    operation_id="advance_founding_case",
)
def advance_founding_case(
    request: HttpRequest, case_id: Id, payload: FoundingAdvanceIn
) -> FoundingCase:
    """Move the case to the next stage (`to_stage` = current + 1; anything else, or a case that
    moved meanwhile, gets 409 stale_stage). Stage 4 approves the union: it creates the
    enterprise union under the enterprise's organisation and needs orgs.manage there."""
    case = queries.get_case_for(request.user, case_id, "founding.manage")
    responsible = _responsible(request, payload.responsible_id)
    actions.advance_founding_case(
        actor=api_user(request),
        case=case,
        to_stage=payload.to_stage,
        happened_on=payload.happened_on,
        responsible=responsible,
        notes=payload.notes,
        union_name=payload.union_name.strip(),
    )
    return _case_detail(request, case_id)


@router.post(
    "/founding-cases/{id:case_id}/step-back",
    response={200: FoundingCaseDetailOut, **ERROR_RESPONSES},
    operation_id="step_back_founding_case",
)
def step_back_founding_case(
    request: HttpRequest, case_id: Id, payload: FoundingStepBackIn
) -> FoundingCase:
    """Move the case one stage back, saying why. `from_stage` is the stage read (a case that
    moved meanwhile gets 409 stale_stage); an established union cannot go back."""
    case = queries.get_case_for(request.user, case_id, "founding.manage")
    actions.step_back_founding_case(
        actor=api_user(request),
        case=case,
        from_stage=payload.from_stage,
        reason=payload.reason,
        happened_on=payload.happened_on,
    )
    return _case_detail(request, case_id)


@router.post(
    "/founding-cases/{id:case_id}/documents",
    response={201: FoundingDocumentOut, **ERROR_RESPONSES},
    operation_id="attach_founding_document",
)
def attach_founding_document(
    request: HttpRequest, case_id: Id, file: File[UploadedFile]
) -> tuple[int, FoundingDocument]:
    """Attach a PDF, PNG or JPEG (at most 10 MB, checked by content) to the case's current
    stage, as a multipart upload in the field `file`."""
    case = queries.get_case_for(request.user, case_id, "founding.manage")
    document = actions.attach_founding_document(actor=api_user(request), case=case, upload=file)
    return 201, document


@router.get(
    "/founding-documents/{id:document_id}",
    response={200: None, **ERROR_RESPONSES},
    operation_id="download_founding_document",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as an attachment under its original name.",
                "content": {
                    kind: {"schema": {"type": "string", "format": "binary"}}
                    for kind in ("application/pdf", "image/png", "image/jpeg")
                },
            }
        }
    },
)
def download_founding_document(request: HttpRequest, document_id: Id) -> FileResponse:
    """Download a founding document."""
    document = queries.get_document_for(request.user, document_id, "enterprises.view")
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )


# --- coverage ------------------------------------------------------------------------------


@router.get(
    "/orgs/{id:org_id}/coverage",
    response={200: CoverageOut, **ERROR_RESPONSES},
    operation_id="get_coverage",
)
def get_coverage(request: HttpRequest, org_id: Id, period: Query[CoveragePeriod]) -> dict[str, Any]:
    """Union coverage of the organisation and everything below it: enterprises and workers
    (all, and new-employment-form) with and without a union, open founding cases per stage,
    and unions founded in the period (both ends optional and inclusive)."""
    org = get_org_for(request.user, org_id, "enterprises.view")
    if period.period_start and period.period_end and period.period_end < period.period_start:
        message = _("The end of the period is before its start.")
        raise DomainError("invalid_period", message, fields={"period_end": [message]})
    coverage = queries.coverage_of(
        org, period_start=period.period_start, period_end=period.period_end
    )
    return {
        "org_id": org.pk,
        "org_name": org.name,
        "period_start": coverage.period_start,
        "period_end": coverage.period_end,
        "enterprises": coverage.enterprises,
        "enterprises_with_union": coverage.enterprises_with_union,
        "workers": coverage.workers,
        "workers_covered": coverage.workers_covered,
        "gig_workers": coverage.gig_workers,
        "gig_workers_covered": coverage.gig_workers_covered,
        "cases_by_stage": [
            {"stage": stage, "label": str(Stage(stage).label), "count": count}
            for stage, count in coverage.cases_by_stage.items()
        ],
        "unions_founded_in_period": coverage.unions_founded_in_period,
        "union_rate": coverage.union_rate,
    }
