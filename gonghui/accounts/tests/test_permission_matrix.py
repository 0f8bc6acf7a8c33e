"""Every staff page and API operation against actors placed around the target org.

The target org T is 中关村科学城总工会. An actor holds a role at T itself ("same"), at its
parent ("ancestor"), at a child ("descendant"), at another child of T's parent ("sibling") or
in another branch ("outsider"). Grants cover subtrees, so the first two may act and the rest
get a 404, exactly as for an object that does not exist.

Adding a staff URL or an API operation without an entry here fails
`test_every_endpoint_has_a_matrix_entry`.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from gonghui.accounts.models import RoleGrant, User
from gonghui.accounts.roles import Role
from gonghui.api.api import api
from gonghui.core.imports import start_import
from gonghui.core.models import ImportJob
from gonghui.enterprises.actions import (
    advance_founding_case,
    attach_founding_document,
    open_founding_case,
)
from gonghui.enterprises.models import Enterprise, FoundingCase, FoundingDocument, Stage
from gonghui.enterprises.tests.factories import credit_code
from gonghui.orgs.actions import create_org
from gonghui.orgs.models import Org, OrgKind

RELATIONS = ["same", "ancestor", "descendant", "sibling", "outsider"]
ALLOWED = {"same", "ancestor"}


@dataclass
class Ctx:
    target: Org
    child: Org
    second_child: Org
    orgs: dict[str, Org]
    subject: User
    subject_grant: RoleGrant
    enterprise: Enterprise
    case: FoundingCase  # at the congress stage, with a document
    document: FoundingDocument
    job: ImportJob  # checked, waiting for confirmation
    second_enterprise: Enterprise  # without a case yet


@dataclass
class Case:
    method: str
    build: Callable[[Ctx], tuple[str, dict[str, Any]]]
    role: str = Role.ORG_ADMIN
    # "object": allowed relations succeed, others 404. "list": a marker of the target shows
    # only to allowed relations. "unscoped": every staff member gets the same page.
    kind: str = "object"
    marker: Callable[[Ctx], str] = lambda ctx: ctx.target.name
    api: bool = False
    multipart: bool = False
    ok: set[int] = field(default_factory=lambda: {200, 201, 302})


def url(name: str, **kwargs: Any) -> str:
    return reverse(name, kwargs=kwargs)


STAFF_CASES: dict[str, Case] = {
    "web:staff_home": Case("GET", lambda c: (url("web:staff_home"), {}), kind="unscoped"),
    "web:audit_log": Case("GET", lambda c: (url("web:audit_log"), {}), kind="list"),
    "orgs:tree": Case("GET", lambda c: (url("orgs:tree") + "?q=中关村", {}), kind="list"),
    "orgs:detail": Case("GET", lambda c: (url("orgs:detail", org_id=c.target.pk), {})),
    "orgs:children": Case("GET", lambda c: (url("orgs:children", org_id=c.target.pk), {})),
    "orgs:create": Case(
        "POST",
        lambda c: (
            url("orgs:create", org_id=c.target.pk),
            {"name": "新建驿站", "kind": OrgKind.STATION},
        ),
    ),
    "orgs:edit": Case(
        "POST",
        lambda c: (
            url("orgs:edit", org_id=c.target.pk),
            {"name": c.target.name, "address": "中关村大街", "version": c.target.version},
        ),
    ),
    "orgs:move": Case(
        "POST",
        lambda c: (url("orgs:move", org_id=c.child.pk), {"new_parent": c.second_child.pk}),
        role=Role.FEDERATION_ADMIN,
    ),
    "orgs:set_active": Case(
        "POST", lambda c: (url("orgs:set_active", org_id=c.target.pk), {"active": "0"})
    ),
    "accounts:staff_list": Case(
        "GET", lambda c: (url("accounts:staff_list"), {}), kind="list", marker=lambda c: "被测干部"
    ),
    "accounts:staff_create": Case(
        "POST",
        lambda c: (
            url("accounts:staff_create", org_id=c.target.pk),
            {
                "username": "new_staff",
                "name": "新干部",
                "mobile": "13700001111",
                "password": "Zhong-Guan-Cun-2026",
                "role": Role.VIEWER,
            },
        ),
    ),
    "accounts:staff_detail": Case(
        "GET", lambda c: (url("accounts:staff_detail", staff_id=c.subject.pk), {})
    ),
    "accounts:staff_reveal_mobile": Case(
        "POST", lambda c: (url("accounts:staff_reveal_mobile", staff_id=c.subject.pk), {})
    ),
    "accounts:staff_set_active": Case(
        "POST",
        lambda c: (url("accounts:staff_set_active", staff_id=c.subject.pk), {"active": "0"}),
    ),
    "accounts:grant_create": Case(
        "POST",
        lambda c: (
            url("accounts:grant_create", staff_id=c.subject.pk),
            {"org": c.target.pk, "role": Role.VIEWER},
        ),
    ),
    "accounts:grant_revoke": Case(
        "POST", lambda c: (url("accounts:grant_revoke", grant_id=c.subject_grant.pk), {})
    ),
    "accounts:roles": Case("GET", lambda c: (url("accounts:roles"), {}), kind="unscoped"),
    "enterprises:list": Case(
        "GET", lambda c: (url("enterprises:list"), {}), kind="list", marker=lambda c: "被测企业"
    ),
    "enterprises:create": Case(
        "POST",
        lambda c: (
            url("enterprises:create"),
            {
                "org": c.target.pk,
                "name": "新登记企业",
                "credit_code": credit_code(),
                "industry": "I",
                "headcount": 10,
                "gig_headcount": 0,
            },
        ),
    ),
    "enterprises:import": Case(
        "POST",
        lambda c: (
            url("enterprises:import"),
            {"org": c.target.pk, "file": SimpleUploadedFile("a.csv", "企业名称\n".encode())},
        ),
    ),
    "enterprises:detail": Case(
        "GET", lambda c: (url("enterprises:detail", enterprise_id=c.enterprise.pk), {})
    ),
    "enterprises:edit": Case(
        "POST",
        lambda c: (
            url("enterprises:edit", enterprise_id=c.enterprise.pk),
            {
                "name": "被测企业",
                "credit_code": c.enterprise.credit_code,
                "industry": "M",
                "headcount": 20,
                "gig_headcount": 1,
                "version": c.enterprise.version,
            },
        ),
    ),
    "enterprises:reveal_contact": Case(
        "POST", lambda c: (url("enterprises:reveal_contact", enterprise_id=c.enterprise.pk), {})
    ),
    "enterprises:case_open": Case(
        "POST",
        lambda c: (
            url("enterprises:case_open", enterprise_id=c.second_enterprise.pk),
            {"happened_on": "2026-07-28", "responsible": c.subject.pk},
        ),
    ),
    "enterprises:case_advance": Case(
        "POST",
        lambda c: (
            url("enterprises:case_advance", case_id=c.case.pk),
            {"to_stage": 4, "happened_on": "2026-10-19", "responsible": c.subject.pk},
        ),
    ),
    "enterprises:case_step_back": Case(
        "POST",
        lambda c: (
            url("enterprises:case_step_back", case_id=c.case.pk),
            {"from_stage": 3, "happened_on": "2026-10-20", "reason": "重新召开"},
        ),
    ),
    "enterprises:case_attach": Case(
        "POST",
        lambda c: (
            url("enterprises:case_attach", case_id=c.case.pk),
            {"document": SimpleUploadedFile("m.pdf", b"%PDF-1.7 minutes")},
        ),
    ),
    "enterprises:document": Case(
        "GET", lambda c: (url("enterprises:document", document_id=c.document.pk), {})
    ),
    "enterprises:board": Case(
        "GET", lambda c: (url("enterprises:board") + f"?org={c.target.pk}", {})
    ),
    "enterprises:coverage": Case(
        "GET", lambda c: (url("enterprises:coverage") + f"?org={c.target.pk}", {})
    ),
    "web:import_job": Case("GET", lambda c: (url("web:import_job", job_id=c.job.pk), {})),
    "web:import_confirm": Case("POST", lambda c: (url("web:import_confirm", job_id=c.job.pk), {})),
    "web:import_cancel": Case("POST", lambda c: (url("web:import_cancel", job_id=c.job.pk), {})),
    "web:import_template": Case(
        "GET", lambda c: (url("web:import_template", kind="enterprises"), {}), kind="unscoped"
    ),
    "accounts:tokens": Case("GET", lambda c: (url("accounts:tokens"), {}), kind="unscoped"),
}

API_CASES: dict[str, Case] = {
    "get_me": Case("GET", lambda c: ("/api/v1/me", {}), kind="unscoped", api=True),
    "list_orgs": Case("GET", lambda c: ("/api/v1/orgs?q=中关村", {}), kind="list", api=True),
    "get_org": Case("GET", lambda c: (f"/api/v1/orgs/{c.target.pk}", {}), api=True),
    "create_org": Case(
        "POST",
        lambda c: ("/api/v1/orgs", {"parent_id": c.target.pk, "name": "新驿站", "kind": "station"}),
        api=True,
    ),
    "update_org": Case(
        "PATCH",
        lambda c: (
            f"/api/v1/orgs/{c.target.pk}",
            {"version": c.target.version, "address": "中关村大街"},
        ),
        api=True,
    ),
    "list_enterprises": Case(
        "GET",
        lambda c: ("/api/v1/enterprises", {}),
        kind="list",
        marker=lambda c: "被测企业",
        api=True,
    ),
    "get_enterprise": Case(
        "GET", lambda c: (f"/api/v1/enterprises/{c.enterprise.pk}", {}), api=True
    ),
    "create_enterprise": Case(
        "POST",
        lambda c: (
            "/api/v1/enterprises",
            {
                "org_id": c.target.pk,
                "name": "新登记企业",
                "credit_code": credit_code(),
                "industry": "I",
                "headcount": 10,
            },
        ),
        api=True,
    ),
    "update_enterprise": Case(
        "PATCH",
        lambda c: (
            f"/api/v1/enterprises/{c.enterprise.pk}",
            {"version": c.enterprise.version, "headcount": 30},
        ),
        api=True,
    ),
    "list_founding_cases": Case(
        "GET",
        lambda c: ("/api/v1/founding-cases", {}),
        kind="list",
        marker=lambda c: c.case.enterprise.name,
        api=True,
    ),
    "get_founding_case": Case(
        "GET", lambda c: (f"/api/v1/founding-cases/{c.case.pk}", {}), api=True
    ),
    "open_founding_case": Case(
        "POST",
        lambda c: (
            f"/api/v1/enterprises/{c.second_enterprise.pk}/founding-case",
            {"happened_on": "2026-07-28"},
        ),
        api=True,
    ),
    "advance_founding_case": Case(
        "POST",
        lambda c: (
            f"/api/v1/founding-cases/{c.case.pk}/advance",
            {"to_stage": 4, "happened_on": "2026-10-19"},
        ),
        api=True,
    ),
    "step_back_founding_case": Case(
        "POST",
        lambda c: (
            f"/api/v1/founding-cases/{c.case.pk}/step-back",
            {"from_stage": 3, "happened_on": "2026-10-20", "reason": "重新召开"},
        ),
        api=True,
    ),
    "attach_founding_document": Case(
        "POST",
        lambda c: (
            f"/api/v1/founding-cases/{c.case.pk}/documents",
            {"file": SimpleUploadedFile("m.pdf", b"%PDF-1.7 minutes")},
        ),
        api=True,
        multipart=True,
    ),
    "download_founding_document": Case(
        "GET", lambda c: (f"/api/v1/founding-documents/{c.document.pk}", {}), api=True
    ),
    "get_coverage": Case("GET", lambda c: (f"/api/v1/orgs/{c.target.pk}/coverage", {}), api=True),
    "move_org": Case(
        "POST",
        lambda c: (f"/api/v1/orgs/{c.child.pk}/move", {"new_parent_id": c.second_child.pk}),
        role=Role.FEDERATION_ADMIN,
        api=True,
    ),
}

# Staff URLs that need no org grant at all.
PUBLIC_STAFF_URLS = {"accounts:staff_login"}
# Operations on the actor's own things only; covered in test_tokens_are_private_to_their_owner.
OWN_ONLY = {"accounts:token_revoke"}


def _staff_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern) and p.name:
                route = prefix + str(p.pattern)
                if route.startswith("staff/"):
                    names.add(f"{namespace}:{p.name}")

    walk(get_resolver().url_patterns, "", "")
    return names


def _api_operation_ids() -> set[str]:
    schema = api.get_openapi_schema()
    return {
        operation["operationId"] for path in schema["paths"].values() for operation in path.values()
    }


def test_every_endpoint_has_a_matrix_entry():
    assert _staff_url_names() == set(STAFF_CASES) | PUBLIC_STAFF_URLS | OWN_ONLY
    assert _api_operation_ids() == set(API_CASES)


@pytest.fixture
def ctx(tree, make_staff, operator, make_enterprise, django_capture_on_commit_callbacks) -> Ctx:
    sibling = create_org(
        actor=operator, parent=tree.district, name="海淀区学院路街道总工会", kind="street"
    )
    second_child = create_org(
        actor=operator, parent=tree.zgc, name="小米科技有限责任公司工会", kind="enterprise"
    )
    outsider_home = tree.hlg
    subject = make_staff(tree.zgc, Role.VIEWER, mobile="13911112222", name="被测干部")
    enterprise = make_enterprise(tree.zgc, name="被测企业", contact_mobile="13700000001")
    case = open_founding_case(
        actor=operator,
        enterprise=make_enterprise(tree.zgc),
        happened_on=date(2026, 7, 28),
        responsible=operator,
    )
    for stage, day in ((Stage.RECRUITING, date(2026, 8, 10)), (Stage.CONGRESS, date(2026, 10, 19))):
        case = advance_founding_case(
            actor=operator, case=case, to_stage=stage, happened_on=day, responsible=operator
        )
    document = attach_founding_document(
        actor=operator, case=case, upload=SimpleUploadedFile("m.pdf", b"%PDF-1.7 minutes")
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = start_import(
            actor=operator,
            org=tree.zgc,
            kind="enterprises",
            upload=SimpleUploadedFile(
                "e.csv",
                f"企业名称,统一社会信用代码,所属行业,职工人数\n甲,{credit_code()},I,3\n".encode(),
            ),
        )
    job.refresh_from_db()
    assert job.status == "checked"
    context = Ctx(
        target=tree.zgc,
        child=tree.sohu,
        second_child=second_child,
        orgs={
            "same": tree.zgc,
            "ancestor": tree.district,
            "descendant": tree.sohu,
            "sibling": sibling,
            "outsider": outsider_home,
        },
        subject=subject,
        subject_grant=RoleGrant.objects.get(user=subject),
        enterprise=enterprise,
        case=case,
        document=document,
        job=job,
        second_enterprise=make_enterprise(tree.zgc),
    )
    return context


def _send(client: Client, case: Case, ctx: Ctx) -> Any:
    path, data = case.build(ctx)
    if case.api:
        if case.method == "GET":
            return client.get(path)
        if case.multipart:
            return client.post(path, data)
        return client.generic(case.method, path, json.dumps(data), content_type="application/json")
    if case.method == "GET":
        return client.get(path)
    return client.post(path, data)


CASES = [(name, case) for name, case in {**STAFF_CASES, **API_CASES}.items()]


@pytest.mark.parametrize("relation", RELATIONS)
@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
def test_matrix(name, case, relation, ctx, make_staff, client_for, api_client_for):
    actor = make_staff(ctx.orgs[relation], case.role)
    client = api_client_for(actor) if case.api else client_for(actor)
    response = _send(client, case, ctx)
    if case.kind == "object":
        if relation in ALLOWED:
            assert response.status_code in case.ok, response.content[:500]
        else:
            assert response.status_code == 404
    elif case.kind == "list":
        assert response.status_code == 200
        text = (
            json.dumps(response.json(), ensure_ascii=False)
            if case.api
            else response.content.decode()
        )
        shown = case.marker(ctx) in text
        assert shown == (relation in ALLOWED)
    else:
        assert response.status_code == 200


@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
def test_anonymous_is_sent_to_sign_in(name, case, ctx):
    response = _send(Client(), case, ctx)
    if case.api:
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:staff_login"))


@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
def test_worker_without_a_role_is_refused(name, case, ctx, client_for, api_client_for):
    worker = User.objects.create_user(None, None, mobile="13800138000")
    client = api_client_for(worker) if case.api else client_for(worker)
    response = _send(client, case, ctx)
    if case.api:
        assert response.status_code in ({200} if case.kind != "object" else {404})
        if case.kind == "list":
            assert response.json()["items"] == []
    else:
        assert response.status_code == 403


def test_tokens_are_private_to_their_owner(ctx, make_staff, client_for):
    from gonghui.accounts.actions import create_api_token

    owner = make_staff(ctx.target)
    other = make_staff(ctx.target)
    token, _raw = create_api_token(actor=owner, name="mine")
    path = reverse("accounts:token_revoke", kwargs={"token_id": token.pk})
    assert client_for(other).post(path).status_code == 404
    assert client_for(owner).post(path).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
