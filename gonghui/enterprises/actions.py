"""Registering enterprises and moving their union founding (建会) through its stages."""

from datetime import date
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.models import User
from gonghui.core import audit
from gonghui.core.errors import ConflictError, DomainError, PermissionDeniedError
from gonghui.core.personal import mask_mobile, normalize_mobile
from gonghui.core.scoping import permits, require
from gonghui.core.text import check_free_text, check_name
from gonghui.core.uploads import JPEG, PDF, PNG, check_upload
from gonghui.enterprises.credit_code import normalize_credit_code
from gonghui.enterprises.models import (
    Enterprise,
    FoundingCase,
    FoundingDocument,
    FoundingStep,
    Industry,
    Stage,
)
from gonghui.orgs.actions import create_org
from gonghui.orgs.models import Org, OrgKind

ENTERPRISE_FIELDS = (
    "name",
    "credit_code",
    "industry",
    "district",
    "street",
    "address",
    "headcount",
    "gig_headcount",
    "contact_name",
    "contact_mobile",
)
DOCUMENT_KINDS = (PDF, PNG, JPEG)
UNION_NAME_MAX = 120
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


def clean_enterprise_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Normalise and check enterprise details; a DomainError names the field that is wrong."""
    cleaned = dict(fields)
    if "industry" in cleaned and cleaned["industry"] not in Industry.values:
        message = _("Choose an industry from the list.")
        raise DomainError("invalid_industry", message, fields={"industry": [message]})
    if "credit_code" in cleaned:
        try:
            cleaned["credit_code"] = normalize_credit_code(str(cleaned["credit_code"]))
        except DomainError as error:
            error.fields = {"credit_code": [str(error.message)]}
            raise
    if cleaned.get("contact_mobile"):
        try:
            cleaned["contact_mobile"] = normalize_mobile(str(cleaned["contact_mobile"]))
        except DomainError as error:
            error.fields = {"contact_mobile": [str(error.message)]}
            raise
    for name in ("name", "district", "street", "address", "contact_name"):
        if isinstance(cleaned.get(name), str):
            cleaned[name] = cleaned[name].strip()
    for name in ("name", "district", "street", "contact_name"):
        if cleaned.get(name):
            check_name(cleaned[name], field=name)
    if cleaned.get("address"):
        check_free_text(cleaned["address"], field="address", multiline=False)
    headcount = cleaned.get("headcount")
    gig = cleaned.get("gig_headcount")
    for name, value in (("headcount", headcount), ("gig_headcount", gig)):
        if value is not None and int(value) < 0:
            message = _("A number of people cannot be below zero.")
            raise DomainError("negative_headcount", message, fields={name: [message]})
    if headcount is not None and gig is not None and int(gig) > int(headcount):
        message = _(
            "New-employment-form workers (%(gig)d) cannot outnumber all employees (%(all)d)."
        ) % {"gig": int(gig), "all": int(headcount)}
        raise DomainError("gig_above_headcount", message, fields={"gig_headcount": [message]})
    return cleaned


def _credit_code_taken() -> DomainError:
    # Whether the other record is in the actor's scope or not, say only that it exists.
    message = _("An enterprise with this unified social credit code is already registered.")
    return DomainError("credit_code_taken", message, fields={"credit_code": [message]})


def _masked(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: (mask_mobile(v) if k == "contact_mobile" and v else v) for k, v in fields.items()}


@transaction.atomic
def create_enterprise(*, actor: User, org: Org, **fields: Any) -> Enterprise:
    """Register an enterprise under `org` (enterprises.manage there)."""
    require(actor, "enterprises.manage", org.path)
    if org.kind in {OrgKind.ENTERPRISE, OrgKind.STATION}:
        raise DomainError(
            "wrong_org_kind",
            _("Enterprises are registered under a federation, street or industry union."),
        )
    unknown = set(fields) - set(ENTERPRISE_FIELDS)
    if unknown:
        raise ValueError(f"unknown enterprise fields: {sorted(unknown)}")
    cleaned = clean_enterprise_fields(fields)
    if Enterprise.objects.filter(credit_code=cleaned["credit_code"]).exists():
        raise _credit_code_taken()
    try:
        with transaction.atomic():
            enterprise = Enterprise.objects.create(org=org, **cleaned)
    except IntegrityError:
        raise _credit_code_taken() from None
    audit.record(
        actor=actor,
        action="enterprises.enterprise.created",
        org=org,
        target=enterprise,
        changes=_masked(cleaned),
    )
    return enterprise


@transaction.atomic
def update_enterprise(
    *, actor: User, enterprise: Enterprise, expected_version: int, **changes: Any
) -> Enterprise:
    """Edit an enterprise's details (enterprises.manage). A stale version is refused."""
    require(actor, "enterprises.manage", enterprise.org.path)
    unknown = set(changes) - set(ENTERPRISE_FIELDS)
    if unknown:
        raise ValueError(f"unknown enterprise fields: {sorted(unknown)}")
    current = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if current.version != expected_version:
        raise ConflictError(
            "stale_version",
            _("Someone else changed this enterprise while you were editing. Reload and retry."),
        )
    merged = {name: getattr(current, name) for name in ("headcount", "gig_headcount")}
    merged.update(changes)
    cleaned = clean_enterprise_fields(merged)
    before = {name: getattr(current, name) for name in cleaned}
    if (
        "credit_code" in cleaned
        and cleaned["credit_code"] != current.credit_code
        and Enterprise.objects.filter(credit_code=cleaned["credit_code"]).exists()
    ):
        raise _credit_code_taken()
    for name, value in cleaned.items():
        setattr(current, name, value)
    current.version = F("version") + 1
    try:
        with transaction.atomic():
            current.save()
    except IntegrityError:
        raise _credit_code_taken() from None
    current.refresh_from_db()
    audit.record(
        actor=actor,
        action="enterprises.enterprise.updated",
        org=current.org,
        target=current,
        changes=audit.diff(before, {name: getattr(current, name) for name in cleaned}),
    )
    return current


# --- founding ------------------------------------------------------------------------------


def _check_responsible(responsible: Any, enterprise: Enterprise) -> None:
    # The person answering for a stage must be union staff who can see this enterprise.
    if not permits(responsible, "enterprises.view", enterprise.org.path):
        message = _("The responsible person must be union staff covering this enterprise.")
        raise DomainError("invalid_responsible", message, fields={"responsible": [message]})


def _check_date(happened_on: date, not_before: date) -> None:
    if happened_on > timezone.localdate():
        message = _("The date cannot be in the future.")
        raise DomainError("date_in_future", message, fields={"happened_on": [message]})
    if happened_on < not_before:
        message = _("The date cannot be before the previous stage (%(date)s).") % {
            "date": not_before.isoformat()
        }
        raise DomainError("date_before_previous", message, fields={"happened_on": [message]})


@transaction.atomic
def open_founding_case(
    *,
    actor: User,
    enterprise: Enterprise,
    happened_on: date,
    responsible: Any,
    notes: str = "",
) -> FoundingCase:
    """Record that a preparatory group (筹备组) was set up: the case starts (founding.manage)."""
    require(actor, "founding.manage", enterprise.org.path)
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if enterprise.union_id is not None:
        raise DomainError("already_has_union", _("This enterprise already has a union."))
    if FoundingCase.objects.filter(enterprise=enterprise).exists():
        raise DomainError("case_exists", _("A founding case for this enterprise already exists."))
    _check_date(happened_on, date.min)
    _check_responsible(responsible, enterprise)
    case = FoundingCase.objects.create(
        enterprise=enterprise, stage=Stage.PREPARING, stage_since=happened_on, opened_on=happened_on
    )
    FoundingStep.objects.create(
        case=case,
        from_stage=None,
        to_stage=Stage.PREPARING,
        happened_on=happened_on,
        responsible=responsible,
        notes=notes.strip(),
        recorded_by=actor,
    )
    audit.record(
        actor=actor,
        action="enterprises.founding.opened",
        org=enterprise.org,
        target=case,
        changes={"stage": int(Stage.PREPARING), "date": happened_on.isoformat()},
    )
    return case


def _locked_case(case: FoundingCase, expected_stage: int) -> FoundingCase:
    current = (
        FoundingCase.objects.select_for_update()
        .select_related("enterprise", "enterprise__org")
        .get(pk=case.pk)
    )
    if current.stage != expected_stage:
        raise ConflictError(
            "stale_stage",
            _("This case has moved on since you opened it: it is now at “%(stage)s”. Reload.")
            % {"stage": current.get_stage_display()},
        )
    return current


@transaction.atomic
def advance_founding_case(
    *,
    actor: User,
    case: FoundingCase,
    to_stage: int,
    happened_on: date,
    responsible: Any,
    notes: str = "",
    union_name: str = "",
) -> FoundingCase:
    """Move a case to the next stage. Reaching "established" creates the enterprise union in
    the tree under the enterprise's organisation and links it (that approval needs
    orgs.manage there as well as founding.manage)."""
    require(actor, "founding.manage", case.enterprise.org.path)
    if to_stage not in Stage.values:
        raise DomainError("invalid_stage", _("Unknown stage."))
    current = _locked_case(case, expected_stage=to_stage - 1)
    enterprise = current.enterprise
    _check_date(happened_on, current.stage_since)
    _check_responsible(responsible, enterprise)
    if to_stage == Stage.ESTABLISHED and not permits(actor, "orgs.manage", enterprise.org.path):
        raise PermissionDeniedError(
            "approval_needs_admin",
            _("Approving a new union needs an administrator of %(org)s.")
            % {"org": enterprise.org.name},
        )
    FoundingStep.objects.create(
        case=current,
        from_stage=current.stage,
        to_stage=to_stage,
        happened_on=happened_on,
        responsible=responsible,
        notes=notes.strip(),
        recorded_by=actor,
    )
    changes: dict[str, Any] = {"stage": [current.stage, to_stage], "date": happened_on.isoformat()}
    current.stage = to_stage
    current.stage_since = happened_on
    current.version = F("version") + 1
    if to_stage == Stage.ESTABLISHED:
        name = union_name.strip() or f"{enterprise.name[: UNION_NAME_MAX - 2]}工会"
        union = create_org(
            actor=actor,
            parent=enterprise.org,
            name=name[:UNION_NAME_MAX],
            kind=OrgKind.ENTERPRISE,
            district=enterprise.district,
            address=enterprise.address,
        )
        Enterprise.objects.filter(pk=enterprise.pk).update(
            union=union, union_established_on=happened_on, version=F("version") + 1
        )
        current.closed_on = happened_on
        changes["union"] = union.pk
    current.save()
    current.refresh_from_db()
    audit.record(
        actor=actor,
        action="enterprises.founding.stage_changed",
        org=enterprise.org,
        target=current,
        changes=changes,
    )
    return current


@transaction.atomic
def step_back_founding_case(
    *, actor: User, case: FoundingCase, from_stage: int, reason: str, happened_on: date
) -> FoundingCase:
    """Move a case one stage back, with the reason (e.g. the congress has to be held again).
    An established union is final: it is changed in the tree, not here."""
    require(actor, "founding.manage", case.enterprise.org.path)
    current = _locked_case(case, expected_stage=from_stage)
    if current.is_established:
        raise DomainError("established_is_final", _("An established union cannot be stepped back."))
    if current.stage == Stage.PREPARING:
        raise DomainError("no_earlier_stage", _("This is the first stage."))
    if not reason.strip():
        message = _("Say why the case goes back a stage.")
        raise DomainError("reason_required", message, fields={"reason": [message]})
    _check_date(happened_on, current.stage_since)
    FoundingStep.objects.create(
        case=current,
        from_stage=current.stage,
        to_stage=current.stage - 1,
        happened_on=happened_on,
        reason=reason.strip(),
        recorded_by=actor,
        responsible=actor,
    )
    old = current.stage
    current.stage = old - 1
    current.stage_since = happened_on
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    audit.record(
        actor=actor,
        action="enterprises.founding.stepped_back",
        org=current.enterprise.org,
        target=current,
        changes={"stage": [old, current.stage], "reason": reason.strip()[:200]},
    )
    return current


@transaction.atomic
def attach_founding_document(
    *, actor: User, case: FoundingCase, upload: UploadedFile[Any]
) -> FoundingDocument:
    """Attach a PDF or image to the case's current stage (founding.manage)."""
    require(actor, "founding.manage", case.enterprise.org.path)
    kind = check_upload(upload, kinds=DOCUMENT_KINDS, max_bytes=DOCUMENT_MAX_BYTES)
    case = FoundingCase.objects.select_for_update().get(pk=case.pk)
    step = case.steps.filter(to_stage=case.stage).order_by("-recorded_at", "-id").first()
    if step is None:
        raise DomainError("no_stage", _("This case has no stage to attach a document to."))
    document = FoundingDocument(
        step=step,
        original_name=Path(upload.name or "document").name[:200],
        content_type={"PDF": "application/pdf", "PNG": "image/png", "JPEG": "image/jpeg"}[
            kind.name
        ],
        size=upload.size or 0,
        uploaded_by=actor,
    )
    document.kind_ext = kind.extension
    document.file.save(f"document.{kind.extension}", upload, save=False)
    document.save()
    audit.record(
        actor=actor,
        action="enterprises.founding.document_attached",
        org=case.enterprise.org,
        target=case,
        changes={"document": document.original_name, "stage": case.stage},
    )
    return document


@transaction.atomic
def reveal_contact_mobile(*, actor: User, enterprise: Enterprise) -> str:
    """The contact's full mobile number for someone allowed to see it; the read is audited."""
    require(actor, "personal_data.view", enterprise.org.path)
    audit.record(
        actor=actor,
        action="enterprises.personal_data.viewed",
        org=enterprise.org,
        target=enterprise,
        changes={"field": "contact_mobile"},
    )
    return str(enterprise.contact_mobile)


@transaction.atomic
def record_existing_union(
    *, actor: User, enterprise: Enterprise, union: Org, established_on: date
) -> Enterprise:
    """Link an enterprise to a union founded before the platform existed, so there is no case
    to walk (enterprises.manage over the enterprise; the union must sit in its subtree)."""
    require(actor, "enterprises.manage", enterprise.org.path)
    current = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if current.union_id is not None:
        raise DomainError("already_has_union", _("This enterprise already has a union."))
    if FoundingCase.objects.filter(enterprise=current).exists():
        raise DomainError(
            "case_exists", _("This enterprise has a founding case: finish it instead.")
        )
    if union.kind != OrgKind.ENTERPRISE or not union.path.startswith(current.org.path):
        message = _("Choose an enterprise union below %(org)s.") % {"org": current.org.name}
        raise DomainError("invalid_union", message, fields={"union": [message]})
    if Enterprise.objects.filter(union=union).exists():
        message = _("This union already belongs to another enterprise.")
        raise DomainError("union_taken", message, fields={"union": [message]})
    _check_date(established_on, date.min)
    Enterprise.objects.filter(pk=current.pk).update(
        union=union, union_established_on=established_on, version=F("version") + 1
    )
    current.refresh_from_db()
    audit.record(
        actor=actor,
        action="enterprises.enterprise.union_recorded",
        org=current.org,
        target=current,
        changes={"union": union.pk, "union_established_on": established_on.isoformat()},
    )
    return current
