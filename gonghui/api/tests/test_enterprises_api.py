import json
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gonghui.accounts.roles import Role
from gonghui.enterprises import actions
from gonghui.enterprises.credit_code import check_character
from gonghui.enterprises.models import Enterprise, FoundingCase, FoundingDocument
from gonghui.orgs.models import Org, OrgKind

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n%%EOF\n"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def code(n: int) -> str:
    """A valid unified social credit code: company (91), Haidian (110108), serial n."""
    first17 = f"91110108{n:09d}"
    return first17 + check_character(first17)


def wrong_check(n: int) -> str:
    valid = code(n)
    return valid[:17] + ("1" if valid[17] != "1" else "2")


def _json(client: Client, method: str, path: str, payload: dict[str, Any], **headers: str):
    return client.generic(
        method, path, json.dumps(payload), content_type="application/json", headers=headers
    )


def _register(actor, org: Org, n: int, name: str, **fields: Any) -> Enterprise:
    details: dict[str, Any] = {"industry": "I", "headcount": 100, "gig_headcount": 0}
    details |= fields
    return actions.create_enterprise(
        actor=actor, org=org, name=name, credit_code=code(n), **details
    )


def _establish(actor, enterprise: Enterprise, days: list[date]) -> FoundingCase:
    """Open a case on days[0] and advance it one stage per further day."""
    case = actions.open_founding_case(
        actor=actor, enterprise=enterprise, happened_on=days[0], responsible=actor
    )
    for stage, day in enumerate(days[1:], start=2):
        case = actions.advance_founding_case(
            actor=actor, case=case, to_stage=stage, happened_on=day, responsible=actor
        )
    return case


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# --- enterprises ---------------------------------------------------------------------------


def test_list_is_scoped_to_the_callers_subtree(tree, operator, make_staff, api_client_for):
    _register(operator, tree.zgc, 1, "中关村软件有限公司")
    _register(operator, tree.hlg, 2, "回龙观物流有限公司", contact_mobile="13700000001")
    response = api_client_for(make_staff(tree.hlg, Role.VIEWER)).get("/api/v1/enterprises")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [item["name"] for item in body["items"]] == ["回龙观物流有限公司"]
    assert body["items"][0]["contact_mobile_masked"] == "137****0001"
    assert "contact_mobile" not in body["items"][0]
    assert "13700000001" not in response.content.decode()


def test_list_filters(tree, operator, make_staff, api_client_for):
    with_union = _register(operator, tree.zgc, 1, "甲公司", street="学院路")
    _establish(operator, with_union, [date(2025, 1, 6), date(2025, 2, 6)])
    _register(operator, tree.zgc, 2, "乙公司", street="学院路", industry="C")
    _register(operator, tree.hlg, 3, "丙公司")
    client = api_client_for(make_staff(tree.root, Role.VIEWER))

    def names(query: str) -> list[str]:
        response = client.get("/api/v1/enterprises" + query)
        assert response.status_code == 200, response.content
        return [item["name"] for item in response.json()["items"]]

    assert names("") == ["丙公司", "乙公司", "甲公司"]
    assert names(f"?within={tree.zgc.pk}") == ["乙公司", "甲公司"]
    assert names("?street=学院路&industry=C") == ["乙公司"]
    assert names("?stage=2") == ["甲公司"]
    assert names("?stage=0") == ["丙公司", "乙公司"]
    assert names("?has_union=false") == ["丙公司", "乙公司", "甲公司"]
    assert names(f"?q={code(3).lower()}") == ["丙公司"]
    assert names("?q=乙") == ["乙公司"]
    body = client.get("/api/v1/enterprises?stage=2").json()["items"][0]
    assert body["founding_stage"] == 2
    assert body["founding_case_id"] == FoundingCase.objects.get(enterprise=with_union).pk


def test_list_within_an_org_out_of_scope_is_404(tree, make_staff, api_client_for):
    client = api_client_for(make_staff(tree.hlg, Role.VIEWER))
    response = client.get(f"/api/v1/enterprises?within={tree.zgc.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_get_enterprise_masks_the_mobile_and_hides_other_streets(
    tree, operator, make_staff, api_client_for
):
    enterprise = _register(
        operator, tree.hlg, 1, "回龙观物流有限公司", contact_mobile="13700000001"
    )
    own = api_client_for(make_staff(tree.hlg, Role.VIEWER))
    body = own.get(f"/api/v1/enterprises/{enterprise.pk}").json()
    assert body["contact_mobile_masked"] == "137****0001"
    assert body["org_id"] == tree.hlg.pk
    assert body["org_name"] == "回龙观街道总工会"
    assert body["has_union"] is False
    assert body["founding_case_id"] is None
    assert body["founding_stage_label"] == ""
    sibling = api_client_for(make_staff(tree.desheng, Role.ORG_ADMIN))
    assert sibling.get(f"/api/v1/enterprises/{enterprise.pk}").status_code == 404


def _create_payload(org: Org, **overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "org_id": org.pk,
        "name": "回龙观快递服务有限公司",
        "credit_code": code(7),
        "industry": "G",
        "street": "回龙观",
        "headcount": 120,
        "gig_headcount": 80,
        "contact_name": "王经理",
        "contact_mobile": "137 0000 0001",
    }
    return payload | overrides


def test_create_enterprise(tree, make_staff, api_client_for):
    client = api_client_for(make_staff(tree.hlg, Role.OPERATOR))
    response = _json(client, "POST", "/api/v1/enterprises", _create_payload(tree.hlg))
    assert response.status_code == 201, response.content
    body = response.json()
    enterprise = Enterprise.objects.get(pk=body["id"])
    assert enterprise.org == tree.hlg
    assert enterprise.credit_code == code(7)
    assert enterprise.contact_mobile == "13700000001"
    assert body["industry"] == "G"
    assert body["headcount"] == 120
    assert body["gig_headcount"] == 80
    assert body["contact_mobile_masked"] == "137****0001"
    assert body["version"] == 1
    assert "13700000001" not in response.content.decode()


def test_create_needs_manage_on_the_org(tree, make_staff, api_client_for):
    client = api_client_for(make_staff(tree.hlg, Role.VIEWER))
    response = _json(client, "POST", "/api/v1/enterprises", _create_payload(tree.hlg))
    assert response.status_code == 404
    assert not Enterprise.objects.exists()


def test_create_with_a_wrong_check_character(tree, make_staff, api_client_for):
    client = api_client_for(make_staff(tree.hlg))
    payload = _create_payload(tree.hlg, credit_code=wrong_check(7))
    response = _json(client, "POST", "/api/v1/enterprises", payload, **{"Accept-Language": "en"})
    assert response.status_code == 400
    message = "The check character (the last one) does not match; please check for a typo."
    assert response.json() == {
        "code": "invalid_credit_code",
        "message": message,
        "fields": {"credit_code": [message]},
    }
    assert not Enterprise.objects.exists()


def test_create_with_more_gig_workers_than_employees(tree, make_staff, api_client_for):
    client = api_client_for(make_staff(tree.hlg))
    payload = _create_payload(tree.hlg, headcount=10, gig_headcount=11)
    response = _json(client, "POST", "/api/v1/enterprises", payload, **{"Accept-Language": "en"})
    assert response.status_code == 400
    message = "New-employment-form workers (11) cannot outnumber all employees (10)."
    assert response.json() == {
        "code": "gig_above_headcount",
        "message": message,
        "fields": {"gig_headcount": [message]},
    }


def test_create_with_a_registered_code(tree, operator, make_staff, api_client_for):
    # Registered in another branch, which the caller cannot see: still refused, nothing told.
    _register(operator, tree.zgc, 7, "中关村的公司")
    client = api_client_for(make_staff(tree.hlg))
    response = _json(client, "POST", "/api/v1/enterprises", _create_payload(tree.hlg))
    assert response.status_code == 400
    assert response.json()["code"] == "credit_code_taken"
    assert list(response.json()["fields"]) == ["credit_code"]
    assert Enterprise.objects.count() == 1


def test_create_with_an_unknown_industry_is_422(tree, make_staff, api_client_for):
    client = api_client_for(make_staff(tree.hlg))
    payload = _create_payload(tree.hlg, industry="Z")
    response = _json(client, "POST", "/api/v1/enterprises", payload, **{"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.json()["fields"] == {"industry": ["Choose one of the allowed values."]}


def test_update_enterprise_and_stale_version(tree, operator, make_staff, api_client_for):
    enterprise = _register(operator, tree.hlg, 1, "回龙观物流有限公司", headcount=50)
    client = api_client_for(make_staff(tree.hlg, Role.OPERATOR))
    path = f"/api/v1/enterprises/{enterprise.pk}"
    first = _json(client, "PATCH", path, {"version": 1, "headcount": 60, "address": "育知路"})
    assert first.status_code == 200, first.content
    assert first.json()["version"] == 2
    assert first.json()["headcount"] == 60
    assert first.json()["address"] == "育知路"
    second = _json(client, "PATCH", path, {"version": 1, "headcount": 70})
    assert second.status_code == 409
    assert second.json()["code"] == "stale_version"
    enterprise.refresh_from_db()
    assert (enterprise.headcount, enterprise.address, enterprise.version) == (60, "育知路", 2)


def test_update_checks_gig_against_the_stored_headcount(tree, operator, make_staff, api_client_for):
    enterprise = _register(operator, tree.hlg, 1, "回龙观物流有限公司", headcount=50)
    client = api_client_for(make_staff(tree.hlg))
    response = _json(
        client, "PATCH", f"/api/v1/enterprises/{enterprise.pk}", {"version": 1, "gig_headcount": 51}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "gig_above_headcount"


# --- founding cases ------------------------------------------------------------------------


def test_a_case_walked_through_all_four_stages(tree, operator, make_staff, api_client_for):
    enterprise = _register(operator, tree.hlg, 1, "回龙观物流有限公司", district="昌平区")
    admin = make_staff(tree.hlg, Role.ORG_ADMIN, name="李主席")
    organiser = make_staff(tree.hlg, Role.OPERATOR, name="张干事")
    client = api_client_for(admin)

    opened = _json(
        client,
        "POST",
        f"/api/v1/enterprises/{enterprise.pk}/founding-case",
        {"happened_on": "2025-03-01", "notes": "筹备组成立", "responsible_id": organiser.pk},
    )
    assert opened.status_code == 201, opened.content
    case_id = opened.json()["id"]
    assert opened.json()["stage"] == 1
    assert opened.json()["opened_on"] == "2025-03-01"
    for stage, day in ((2, "2025-04-01"), (3, "2025-05-01")):
        moved = _json(
            client,
            "POST",
            f"/api/v1/founding-cases/{case_id}/advance",
            {"to_stage": stage, "happened_on": day},
        )
        assert moved.status_code == 200, moved.content
        assert moved.json()["stage"] == stage
        assert moved.json()["stage_since"] == day
    approved = _json(
        client,
        "POST",
        f"/api/v1/founding-cases/{case_id}/advance",
        {"to_stage": 4, "happened_on": "2025-06-01", "union_name": "  回龙观物流工会 "},
    )
    assert approved.status_code == 200, approved.content

    enterprise.refresh_from_db()
    union = Org.objects.get(name="回龙观物流工会")
    assert enterprise.union == union
    assert enterprise.union_established_on == date(2025, 6, 1)
    assert (union.kind, union.parent, union.district) == (OrgKind.ENTERPRISE, tree.hlg, "昌平区")
    body = client.get(f"/api/v1/founding-cases/{case_id}").json()
    assert body["stage"] == 4
    assert body["closed_on"] == "2025-06-01"
    assert body["union_id"] == union.pk
    assert body["enterprise_id"] == enterprise.pk
    assert body["enterprise_name"] == "回龙观物流有限公司"
    assert [(s["from_stage"], s["to_stage"], s["happened_on"]) for s in body["steps"]] == [
        (None, 1, "2025-03-01"),
        (1, 2, "2025-04-01"),
        (2, 3, "2025-05-01"),
        (3, 4, "2025-06-01"),
    ]
    assert [s["responsible_name"] for s in body["steps"]] == [
        "张干事",
        "李主席",
        "李主席",
        "李主席",
    ]
    assert body["steps"][0]["notes"] == "筹备组成立"
    assert client.get(f"/api/v1/enterprises/{enterprise.pk}").json()["union_id"] == union.pk


def test_listing_cases(tree, operator, make_staff, api_client_for):
    a = _register(operator, tree.hlg, 1, "甲公司")
    b = _register(operator, tree.hlg, 2, "乙公司")
    c = _register(operator, tree.zgc, 3, "丙公司")
    _establish(operator, a, [date(2025, 1, 6), date(2025, 2, 6)])
    _establish(operator, b, [date(2025, 1, 6)])
    _establish(operator, c, [date(2025, 1, 6)])
    client = api_client_for(make_staff(tree.hlg, Role.VIEWER))
    body = client.get("/api/v1/founding-cases").json()
    assert body["count"] == 2
    assert [(i["enterprise_name"], i["stage"]) for i in body["items"]] == [
        ("乙公司", 1),
        ("甲公司", 2),
    ]
    staged = client.get("/api/v1/founding-cases?stage=2").json()["items"]
    assert [i["enterprise_name"] for i in staged] == ["甲公司"]
    assert client.get(f"/api/v1/founding-cases?within={tree.zgc.pk}").status_code == 404


def test_skipping_a_stage_is_a_conflict(tree, operator, make_staff, api_client_for):
    enterprise = _register(operator, tree.hlg, 1, "回龙观物流有限公司")
    case = _establish(operator, enterprise, [date(2025, 3, 1)])
    client = api_client_for(make_staff(tree.hlg))
    response = _json(
        client,
        "POST",
        f"/api/v1/founding-cases/{case.pk}/advance",
        {"to_stage": 3, "happened_on": "2025-04-01"},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "stale_stage"
    case.refresh_from_db()
    assert case.stage == 1


def test_approval_needs_an_administrator(tree, operator, make_staff, api_client_for):
    enterprise = _register(operator, tree.hlg, 1, "回龙观物流有限公司")
    case = _establish(operator, enterprise, [date(2025, 3, 1), date(2025, 3, 2), date(2025, 3, 3)])
    client = api_client_for(make_staff(tree.hlg, Role.OPERATOR))
    response = _json(
        client,
        "POST",
        f"/api/v1/founding-cases/{case.pk}/advance",
        {"to_stage": 4, "happened_on": "2025-04-01"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "approval_needs_admin"
    enterprise.refresh_from_db()
    assert enterprise.union is None


def test_a_responsible_the_caller_cannot_see_is_refused(tree, operator, make_staff, api_client_for):
    enterprise = _register(operator, tree.hlg, 1, "回龙观物流有限公司")
    stranger = make_staff(tree.desheng, Role.OPERATOR)
    client = api_client_for(make_staff(tree.hlg))
    response = _json(
        client,
        "POST",
        f"/api/v1/enterprises/{enterprise.pk}/founding-case",
        {"happened_on": "2025-03-01", "responsible_id": stranger.pk},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_responsible"
    assert list(response.json()["fields"]) == ["responsible_id"]
    assert not FoundingCase.objects.exists()


def test_step_back_needs_a_reason(tree, operator, make_staff, api_client_for):
    enterprise = _register(operator, tree.hlg, 1, "回龙观物流有限公司")
    case = _establish(operator, enterprise, [date(2025, 3, 1), date(2025, 4, 1)])
    client = api_client_for(make_staff(tree.hlg, Role.OPERATOR))
    path = f"/api/v1/founding-cases/{case.pk}/step-back"
    refused = _json(
        client,
        "POST",
        path,
        {"from_stage": 2, "reason": "  ", "happened_on": "2025-04-02"},
        **{"Accept-Language": "en"},
    )
    assert refused.status_code == 400
    assert refused.json() == {
        "code": "reason_required",
        "message": "Say why the case goes back a stage.",
        "fields": {"reason": ["Say why the case goes back a stage."]},
    }
    done = _json(
        client,
        "POST",
        path,
        {"from_stage": 2, "reason": "会员人数不足", "happened_on": "2025-04-02"},
    )
    assert done.status_code == 200, done.content
    assert done.json()["stage"] == 1
    assert done.json()["steps"][-1]["is_step_back"] is True
    assert done.json()["steps"][-1]["reason"] == "会员人数不足"


def test_attach_and_download_documents(tree, operator, make_staff, api_client_for, media):
    enterprise = _register(operator, tree.hlg, 1, "回龙观物流有限公司")
    case = _establish(operator, enterprise, [date(2025, 3, 1)])
    client = api_client_for(make_staff(tree.hlg, Role.OPERATOR))
    path = f"/api/v1/founding-cases/{case.pk}/documents"

    png = client.post(path, {"file": SimpleUploadedFile("筹备会.png", PNG_BYTES, "image/png")})
    assert png.status_code == 201, png.content
    pdf = client.post(
        path, {"file": SimpleUploadedFile("批复.pdf", PDF_BYTES, "application/octet-stream")}
    )
    assert pdf.status_code == 201, pdf.content
    document = FoundingDocument.objects.get(pk=pdf.json()["id"])
    assert pdf.json() == {
        "id": document.pk,
        "original_name": "批复.pdf",
        "size": len(PDF_BYTES),
        "content_type": "application/pdf",
        "uploaded_at": pdf.json()["uploaded_at"],
        "download_url": f"/api/v1/founding-documents/{document.pk}",
    }
    steps = client.get(f"/api/v1/founding-cases/{case.pk}").json()["steps"]
    assert [d["original_name"] for d in steps[0]["documents"]] == ["筹备会.png", "批复.pdf"]

    download = client.get(pdf.json()["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E6%89%B9%E5%A4%8D.pdf" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_a_renamed_executable_is_refused(tree, operator, make_staff, api_client_for, media):
    enterprise = _register(operator, tree.hlg, 1, "回龙观物流有限公司")
    case = _establish(operator, enterprise, [date(2025, 3, 1)])
    client = api_client_for(make_staff(tree.hlg, Role.OPERATOR))
    response = client.post(
        f"/api/v1/founding-cases/{case.pk}/documents",
        {"file": SimpleUploadedFile("批复.pdf", EXE_BYTES, "application/pdf")},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "unsupported_file_type"
    assert not FoundingDocument.objects.exists()


def test_a_sibling_street_cannot_download(tree, operator, make_staff, api_client_for, media):
    enterprise = _register(operator, tree.hlg, 1, "回龙观物流有限公司")
    case = _establish(operator, enterprise, [date(2025, 3, 1)])
    upload = SimpleUploadedFile("批复.pdf", PDF_BYTES, "application/pdf")
    document = actions.attach_founding_document(actor=operator, case=case, upload=upload)
    sibling = api_client_for(make_staff(tree.desheng, Role.ORG_ADMIN))
    response = sibling.get(f"/api/v1/founding-documents/{document.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    own = api_client_for(make_staff(tree.hlg, Role.VIEWER))
    assert own.get(f"/api/v1/founding-documents/{document.pk}").status_code == 200


# --- coverage ------------------------------------------------------------------------------


def test_coverage_of_a_small_tree(tree, operator, make_staff, api_client_for):
    a = _register(operator, tree.zgc, 1, "甲公司", headcount=100, gig_headcount=10)
    b = _register(operator, tree.zgc, 2, "乙公司", headcount=50, gig_headcount=5)
    c = _register(operator, tree.zgc, 3, "丙公司", headcount=30, gig_headcount=3)
    outside = _register(operator, tree.hlg, 4, "丁公司", headcount=1000, gig_headcount=900)
    _establish(
        operator, a, [date(2025, 1, 1), date(2025, 1, 2), date(2025, 1, 3), date(2025, 3, 10)]
    )
    _establish(
        operator, b, [date(2025, 1, 1), date(2025, 1, 2), date(2025, 1, 3), date(2025, 6, 10)]
    )
    _establish(operator, c, [date(2025, 1, 1), date(2025, 1, 2)])
    _establish(operator, outside, [date(2025, 1, 1)])
    client = api_client_for(make_staff(tree.zgc, Role.VIEWER))
    response = client.get(
        f"/api/v1/orgs/{tree.zgc.pk}/coverage?period_start=2025-01-01&period_end=2025-04-30",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "org_id": tree.zgc.pk,
        "org_name": "中关村科学城总工会",
        "period_start": "2025-01-01",
        "period_end": "2025-04-30",
        "enterprises": 3,
        "enterprises_with_union": 2,
        "workers": 180,
        "workers_covered": 150,
        "gig_workers": 18,
        "gig_workers_covered": 15,
        "cases_by_stage": [
            {"stage": 1, "label": "Preparatory group set up", "count": 0},
            {"stage": 2, "label": "Recruiting members", "count": 1},
            {"stage": 3, "label": "Founding congress held", "count": 0},
        ],
        "unions_founded_in_period": 1,
        "union_rate": 2 / 3,
    }
    everything = client.get(f"/api/v1/orgs/{tree.zgc.pk}/coverage").json()
    assert (everything["period_start"], everything["unions_founded_in_period"]) == (None, 2)
    sibling = api_client_for(make_staff(tree.hlg, Role.FEDERATION_ADMIN))
    assert sibling.get(f"/api/v1/orgs/{tree.zgc.pk}/coverage").status_code == 404


def test_coverage_with_the_end_before_the_start(tree, make_staff, api_client_for):
    client = api_client_for(make_staff(tree.zgc, Role.VIEWER))
    response = client.get(
        f"/api/v1/orgs/{tree.zgc.pk}/coverage?period_start=2025-05-01&period_end=2025-04-30",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    message = "The end of the period is before its start."
    assert response.json() == {
        "code": "invalid_period",
        "message": message,
        "fields": {"period_end": [message]},
    }


# --- schema --------------------------------------------------------------------------------


def test_openapi_schema_lists_the_enterprise_operations(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    operations = {
        (method.upper(), path): operation["operationId"]
        for path, methods in paths.items()
        for method, operation in methods.items()
        if ("enterprise" in path or "founding" in path or path.endswith("/coverage"))
        and not path.startswith("/api/v1/dashboard/")
    }
    assert operations == {
        ("GET", "/api/v1/enterprises"): "list_enterprises",
        ("POST", "/api/v1/enterprises"): "create_enterprise",
        ("GET", "/api/v1/enterprises/{enterprise_id}"): "get_enterprise",
        ("PATCH", "/api/v1/enterprises/{enterprise_id}"): "update_enterprise",
        ("POST", "/api/v1/enterprises/{enterprise_id}/founding-case"): "open_founding_case",
        ("GET", "/api/v1/founding-cases"): "list_founding_cases",
        ("GET", "/api/v1/founding-cases/{case_id}"): "get_founding_case",
        ("POST", "/api/v1/founding-cases/{case_id}/advance"): "advance_founding_case",
        ("POST", "/api/v1/founding-cases/{case_id}/step-back"): "step_back_founding_case",
        ("POST", "/api/v1/founding-cases/{case_id}/documents"): "attach_founding_document",
        ("GET", "/api/v1/founding-documents/{document_id}"): "download_founding_document",
        ("GET", "/api/v1/orgs/{org_id}/coverage"): "get_coverage",
    }
    for method, path in operations:
        assert paths[path][method.lower()]["description"], operations[method, path]
