from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gonghui.accounts.roles import Role
from gonghui.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from gonghui.core.models import AuditEntry
from gonghui.enterprises import actions, queries
from gonghui.enterprises.models import Enterprise, FoundingCase, Stage
from gonghui.enterprises.tests.factories import credit_code
from gonghui.orgs.models import Org, OrgKind
from gonghui.orgs.queries import list_orgs

JULY = date(2026, 7, 28)


def test_create_checks_headcounts_and_masks_the_contact_in_the_audit(tree, make_staff, english):
    admin = make_staff(tree.zgc)
    with pytest.raises(DomainError) as caught:
        actions.create_enterprise(
            actor=admin,
            org=tree.zgc,
            name="甲",
            credit_code=credit_code(),
            industry="I",
            headcount=10,
            gig_headcount=11,
        )
    assert caught.value.code == "gig_above_headcount"
    assert caught.value.fields == {
        "gig_headcount": ["New-employment-form workers (11) cannot outnumber all employees (10)."]
    }
    enterprise = actions.create_enterprise(
        actor=admin,
        org=tree.zgc,
        name="乙",
        credit_code=credit_code(),
        industry="I",
        headcount=10,
        gig_headcount=2,
        contact_mobile="13700000001",
    )
    entry = AuditEntry.objects.get(action="enterprises.enterprise.created")
    assert entry.changes["contact_mobile"] == "137****0001"
    assert enterprise.contact_mobile == "13700000001"


def test_negative_headcount_and_duplicate_code_are_refused(tree, make_staff, make_enterprise):
    admin = make_staff(tree.zgc)
    existing = make_enterprise(tree.hlg)
    with pytest.raises(DomainError) as caught:
        actions.create_enterprise(
            actor=admin,
            org=tree.zgc,
            name="丙",
            credit_code=existing.credit_code,
            industry="I",
            headcount=5,
        )
    assert caught.value.code == "credit_code_taken"
    with pytest.raises(DomainError) as caught:
        actions.create_enterprise(
            actor=admin,
            org=tree.zgc,
            name="丁",
            credit_code=credit_code(),
            industry="I",
            headcount=-1,
        )
    assert caught.value.code == "negative_headcount"
    assert Enterprise.objects.count() == 1


def test_enterprises_are_not_registered_under_a_station(tree, operator):
    with pytest.raises(DomainError) as caught:
        actions.create_enterprise(
            actor=operator,
            org=tree.station,
            name="戊",
            credit_code=credit_code(),
            industry="G",
            headcount=5,
        )
    assert caught.value.code == "wrong_org_kind"


def test_stale_edit_is_refused(tree, make_staff, make_enterprise):
    admin = make_staff(tree.zgc)
    enterprise = make_enterprise(tree.zgc)
    actions.update_enterprise(actor=admin, enterprise=enterprise, expected_version=1, headcount=200)
    with pytest.raises(ConflictError):
        actions.update_enterprise(
            actor=admin, enterprise=enterprise, expected_version=1, headcount=300
        )
    assert Enterprise.objects.get(pk=enterprise.pk).headcount == 200


def _walk(actor, enterprise, *, to: int) -> FoundingCase:
    case = actions.open_founding_case(
        actor=actor, enterprise=enterprise, happened_on=JULY, responsible=actor
    )
    day = JULY
    for stage in range(Stage.RECRUITING, to + 1):
        day += timedelta(days=20)
        case = actions.advance_founding_case(
            actor=actor, case=case, to_stage=stage, happened_on=day, responsible=actor
        )
    return case


def test_establishing_creates_the_union_under_the_enterprise_org(tree, make_staff, make_enterprise):
    admin = make_staff(tree.zgc)
    enterprise = make_enterprise(tree.zgc, name="搜狐集团（北京）有限公司", headcount=2300)
    case = _walk(admin, enterprise, to=Stage.ESTABLISHED)
    enterprise.refresh_from_db()
    assert case.stage == Stage.ESTABLISHED
    assert enterprise.union.name == "搜狐集团（北京）有限公司工会"
    assert enterprise.union.kind == OrgKind.ENTERPRISE
    assert enterprise.union.parent == tree.zgc
    assert enterprise.union_established_on == JULY + timedelta(days=60)
    assert [s.to_stage for s in case.steps.all()] == [1, 2, 3, 4]
    parent_staff = make_staff(tree.district, Role.VIEWER)
    sibling_staff = make_staff(tree.hlg, Role.VIEWER)
    assert enterprise.union in list_orgs(parent_staff, "orgs.view")
    assert enterprise.union not in list_orgs(sibling_staff, "orgs.view")
    assert AuditEntry.objects.filter(action="enterprises.founding.stage_changed").count() == 3


def test_a_stage_cannot_be_skipped_or_repeated(tree, make_staff, make_enterprise):
    admin = make_staff(tree.zgc)
    case = actions.open_founding_case(
        actor=admin, enterprise=make_enterprise(tree.zgc), happened_on=JULY, responsible=admin
    )
    with pytest.raises(ConflictError) as caught:
        actions.advance_founding_case(
            actor=admin, case=case, to_stage=Stage.CONGRESS, happened_on=JULY, responsible=admin
        )
    assert caught.value.code == "stale_stage"
    actions.advance_founding_case(
        actor=admin, case=case, to_stage=Stage.RECRUITING, happened_on=JULY, responsible=admin
    )
    with pytest.raises(ConflictError):
        actions.advance_founding_case(
            actor=admin, case=case, to_stage=Stage.RECRUITING, happened_on=JULY, responsible=admin
        )


def test_dates_cannot_go_backwards_or_into_the_future(tree, make_staff, make_enterprise):
    admin = make_staff(tree.zgc)
    case = actions.open_founding_case(
        actor=admin, enterprise=make_enterprise(tree.zgc), happened_on=JULY, responsible=admin
    )
    with pytest.raises(DomainError) as caught:
        actions.advance_founding_case(
            actor=admin,
            case=case,
            to_stage=2,
            happened_on=JULY - timedelta(days=1),
            responsible=admin,
        )
    assert caught.value.code == "date_before_previous"
    with pytest.raises(DomainError) as caught:
        actions.advance_founding_case(
            actor=admin,
            case=case,
            to_stage=2,
            happened_on=timezone.localdate() + timedelta(days=1),
            responsible=admin,
        )
    assert caught.value.code == "date_in_future"


def test_step_back_needs_a_reason_and_established_is_final(tree, make_staff, make_enterprise):
    admin = make_staff(tree.zgc)
    case = _walk(admin, make_enterprise(tree.zgc), to=Stage.CONGRESS)
    with pytest.raises(DomainError) as caught:
        actions.step_back_founding_case(
            actor=admin,
            case=case,
            from_stage=Stage.CONGRESS,
            reason=" ",
            happened_on=timezone.localdate(),
        )
    assert caught.value.code == "reason_required"
    case = actions.step_back_founding_case(
        actor=admin,
        case=case,
        from_stage=Stage.CONGRESS,
        reason="代表选举程序不规范，需重新召开",
        happened_on=timezone.localdate(),
    )
    assert case.stage == Stage.RECRUITING
    established = _walk(admin, make_enterprise(tree.zgc), to=Stage.ESTABLISHED)
    with pytest.raises(DomainError) as caught:
        actions.step_back_founding_case(
            actor=admin,
            case=established,
            from_stage=Stage.ESTABLISHED,
            reason="x",
            happened_on=timezone.localdate(),
        )
    assert caught.value.code == "established_is_final"


def test_an_operator_moves_cases_but_approval_needs_an_admin(tree, make_staff, make_enterprise):
    clerk = make_staff(tree.zgc, Role.OPERATOR)
    case = _walk(clerk, make_enterprise(tree.zgc), to=Stage.CONGRESS)
    with pytest.raises(PermissionDeniedError) as caught:
        actions.advance_founding_case(
            actor=clerk,
            case=case,
            to_stage=Stage.ESTABLISHED,
            happened_on=timezone.localdate(),
            responsible=clerk,
        )
    assert caught.value.code == "approval_needs_admin"
    assert list(Org.objects.filter(parent=tree.zgc).values_list("name", flat=True)) == [
        "搜狐集团（北京）工会"  # the fixture's; no new union was created
    ]


def test_a_case_outside_the_subtree_is_not_found(tree, make_staff, make_enterprise):
    outsider = make_staff(tree.hlg)
    enterprise = make_enterprise(tree.zgc)
    with pytest.raises(NotFoundError):
        actions.open_founding_case(
            actor=outsider, enterprise=enterprise, happened_on=JULY, responsible=outsider
        )


def test_documents_are_checked_by_content_and_size(tree, make_staff, make_enterprise):
    admin = make_staff(tree.zgc)
    case = _walk(admin, make_enterprise(tree.zgc), to=Stage.CONGRESS)
    pdf = SimpleUploadedFile("会议纪要.pdf", b"%PDF-1.7\nminutes", content_type="application/pdf")
    document = actions.attach_founding_document(actor=admin, case=case, upload=pdf)
    assert document.original_name == "会议纪要.pdf"
    assert document.step.to_stage == Stage.CONGRESS
    assert document.file.read() == b"%PDF-1.7\nminutes"
    fake = SimpleUploadedFile("x.pdf", b"MZ\x90\x00", content_type="application/pdf")
    with pytest.raises(DomainError) as caught:
        actions.attach_founding_document(actor=admin, case=case, upload=fake)
    assert caught.value.code == "unsupported_file_type"
    big = SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(DomainError) as caught:
        actions.attach_founding_document(actor=admin, case=case, upload=big)
    assert caught.value.code == "file_too_large"


def test_coverage_is_exact(tree, make_staff, make_enterprise):
    admin = make_staff(tree.zgc)
    a = make_enterprise(tree.zgc, headcount=2300, gig_headcount=120)
    b = make_enterprise(tree.zgc, headcount=800, gig_headcount=0)
    make_enterprise(tree.zgc, headcount=55, gig_headcount=30)
    make_enterprise(tree.hlg, headcount=999)
    _walk(admin, a, to=Stage.ESTABLISHED)
    _walk(admin, b, to=Stage.RECRUITING)
    figures = queries.coverage_of(tree.zgc, period_start=None, period_end=None)
    assert (figures.enterprises, figures.enterprises_with_union) == (3, 1)
    assert (figures.workers, figures.workers_covered) == (3155, 2300)
    assert (figures.gig_workers, figures.gig_workers_covered) == (150, 120)
    assert figures.cases_by_stage == {1: 0, 2: 1, 3: 0}
    assert figures.unions_founded_in_period == 1
    later = queries.coverage_of(tree.zgc, period_start=date(2027, 1, 1), period_end=None)
    assert later.unions_founded_in_period == 0
    root = queries.coverage_of(tree.root, period_start=None, period_end=None)
    assert (root.enterprises, root.workers) == (4, 4154)


def test_a_union_founded_before_the_platform_is_recorded_once(tree, make_staff, make_enterprise):
    admin = make_staff(tree.zgc)
    enterprise = make_enterprise(tree.zgc, headcount=650)
    linked = actions.record_existing_union(
        actor=admin, enterprise=enterprise, union=tree.sohu, established_on=date(2012, 5, 4)
    )
    assert (linked.union, linked.union_established_on) == (tree.sohu, date(2012, 5, 4))
    other = make_enterprise(tree.zgc)
    with pytest.raises(DomainError) as caught:
        actions.record_existing_union(
            actor=admin, enterprise=other, union=tree.sohu, established_on=date(2012, 5, 4)
        )
    assert caught.value.code == "union_taken"
    with pytest.raises(DomainError) as caught:
        actions.record_existing_union(
            actor=admin, enterprise=other, union=tree.zgc, established_on=date(2012, 5, 4)
        )
    assert caught.value.code == "invalid_union"
    figures = queries.coverage_of(tree.zgc, period_start=None, period_end=None)
    assert (figures.enterprises_with_union, figures.workers_covered) == (1, 650)
