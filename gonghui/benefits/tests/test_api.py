import json
from datetime import timedelta

import pytest
from django.utils import timezone

from gonghui.api.api import api
from gonghui.benefits import actions, claiming, redeeming
from gonghui.benefits.models import Claim, Offer, Service, ServiceDay
from gonghui.benefits.tests.factories import (
    card_of,
    make_member,
    make_offer,
    make_service,
)
from gonghui.members.models import Member


def post(client, path, data, **headers):
    return client.post(path, json.dumps(data), content_type="application/json", headers=headers)


@pytest.fixture
def member(tree, operator):
    return make_member(operator, tree.sohu, user=True, name="李四光")


@pytest.fixture
def member_api(member, api_client_for, in_english):
    return in_english(api_client_for(member.user))


def test_the_directory_shows_members_services_to_members_only(
    service, provider, operator, member_api, make_staff, api_client_for, tree, client
):
    public = make_service(
        operator, provider, title="政务大厅指引", category="government", audience="public"
    )
    make_service(operator, provider, title="草稿服务", publish=False)
    titles = [s["title"] for s in member_api.get("/api/v1/services").json()["items"]]
    assert titles == ["政务大厅指引", "职工心理咨询"]
    staff = api_client_for(make_staff(tree.zgc))
    assert [s["id"] for s in staff.get("/api/v1/services").json()["items"]] == [public.pk]
    assert client.get("/api/v1/services").status_code == 401
    filtered = member_api.get("/api/v1/services?category=mental_care&district=海淀区").json()
    assert [s["title"] for s in filtered["items"]] == ["职工心理咨询"]
    found = member_api.get("/api/v1/services?q=政务").json()
    assert [s["id"] for s in found["items"]] == [public.pk]


def test_a_service_answers_with_its_offers_and_counts_a_view(service, offer, member_api, english):
    body = member_api.get(f"/api/v1/services/{service.pk}").json()
    assert (body["category"], body["category_label"]) == ("mental_care", "Mental care")
    assert body["provider"]["name"] == "中关村心理咨询中心"
    assert [(o["id"], o["left"], o["claimed_by_me"]) for o in body["offers"]] == [
        (offer.pk, 100, 0)
    ]
    assert ServiceDay.objects.get(service=service).views == 1


def test_claiming_through_the_api(offer, member_api, member, english):
    path = f"/api/v1/offers/{offer.pk}/claim"
    first = post(member_api, path, {}, **{"Idempotency-Key": "claim-1"})
    assert first.status_code == 201, first.content
    body = first.json()
    claim = Claim.objects.get()
    assert (body["id"], body["code"], body["status"]) == (
        claim.pk,
        claiming.code_of(claim),
        "claimed",
    )
    # A retry after a dropped connection answers the same and claims nothing more.
    replay = post(member_api, path, {}, **{"Idempotency-Key": "claim-1"})
    assert (replay.status_code, replay.json(), replay["Idempotent-Replayed"]) == (
        201,
        body,
        "true",
    )
    again = post(member_api, path, {})
    assert (again.status_code, again.json()["code"]) == (409, "limit_reached")
    assert again.json()["message"] == "You have claimed this offer already."
    wallet = member_api.get("/api/v1/me/claims").json()
    assert [c["id"] for c in wallet["items"]] == [claim.pk]
    assert member_api.get(f"/api/v1/me/claims/{claim.pk}").json()["offer_title"] == offer.title
    assert Offer.objects.get(pk=offer.pk).claimed == 1


def test_a_sold_out_offer_answers_409(service, operator, tree, member_api):
    offer = make_offer(operator, service, quota=1)
    claiming.claim_offer(member=make_member(operator, tree.zgc), offer=offer)
    response = post(member_api, f"/api/v1/offers/{offer.pk}/claim", {})
    assert (response.status_code, response.json()["code"]) == (409, "sold_out")


def test_claims_need_a_membership(offer, operator, provider, make_staff, api_client_for, tree):
    staff = api_client_for(make_staff(tree.zgc))
    # A members-only offer does not exist for someone without a membership.
    assert post(staff, f"/api/v1/offers/{offer.pk}/claim", {}).status_code == 404
    public = make_offer(operator, make_service(operator, provider, audience="public"))
    refused = post(staff, f"/api/v1/offers/{public.pk}/claim", {})
    assert (refused.status_code, refused.json()["code"]) == (403, "not_a_member")
    wallet = staff.get("/api/v1/me/claims")
    assert (wallet.status_code, wallet.json()["code"]) == (404, "no_membership")


def test_an_offer_not_open_yet_says_when(service, operator, member_api):
    now = timezone.now()
    offer = make_offer(
        operator,
        service,
        claims_open_at=now + timedelta(hours=2),
        claims_close_at=now + timedelta(hours=3),
    )
    response = post(member_api, f"/api/v1/offers/{offer.pk}/claim", {})
    assert (response.status_code, response.json()["code"]) == (400, "not_open")


@pytest.fixture
def provider_api(account, client, in_english):
    client.force_login(account.user)
    return in_english(client)


def test_a_provider_account_looks_up_and_redeems_once(offer, member, provider_api, english):
    claim = claiming.claim_offer(member=member, offer=offer)
    code = claiming.code_of(claim)
    looked = post(provider_api, "/api/v1/provider/lookup", {"code": code}).json()
    assert (looked["kind"], looked["member_name"], looked["claims"][0]["redeemable"]) == (
        "claim",
        "李*光",
        True,
    )
    first = post(provider_api, "/api/v1/provider/redemptions", {"code": code})
    assert (first.status_code, first.json()["ok"], first.json()["code"]) == (200, True, "redeemed")
    second = post(provider_api, "/api/v1/provider/redemptions", {"code": code}).json()
    assert (second["ok"], second["code"], second["redeemed_at"]) == (
        False,
        "already_redeemed",
        first.json()["redeemed_at"],
    )
    text = json.dumps(looked, ensure_ascii=False) + json.dumps(second, ensure_ascii=False)
    db_member = Member.objects.get(pk=member.pk)
    assert str(db_member.mobile) not in text
    assert str(db_member.id_number) not in text
    assert db_member.name not in text


def test_a_member_card_then_a_chosen_claim(offer, member, provider_api):
    claim = claiming.claim_offer(member=member, offer=offer)
    card = card_of(member)
    looked = post(provider_api, "/api/v1/provider/lookup", {"code": card}).json()
    assert [c["claim_id"] for c in looked["claims"]] == [claim.pk]
    redeemed = post(
        provider_api, "/api/v1/provider/redemptions", {"code": card, "claim_id": claim.pk}
    ).json()
    assert redeemed["code"] == "redeemed"


def test_an_offline_batch_is_replayed_not_redeemed_twice(offer, member, provider_api):
    claim = claiming.claim_offer(member=member, offer=offer)
    batch = {
        "device": "counter-phone",
        "items": [
            {
                "nonce": "a1",
                "code": claiming.code_of(claim),
                "scanned_at": timezone.now().isoformat(),
            },
        ],
    }
    first = post(provider_api, "/api/v1/provider/redemptions/batch", batch).json()["results"]
    again = post(provider_api, "/api/v1/provider/redemptions/batch", batch).json()["results"]
    assert [(r["code"], r["replayed"]) for r in first + again] == [
        ("redeemed", False),
        ("redeemed", True),
    ]
    assert Offer.objects.get(pk=offer.pk).redeemed == 1


def test_redemption_is_for_provider_accounts_only(
    offer, member, member_api, make_staff, api_client_for, tree
):
    claim = claiming.claim_offer(member=member, offer=offer)
    for client in (member_api, api_client_for(make_staff(tree.zgc))):
        response = post(client, "/api/v1/provider/redemptions", {"code": claiming.code_of(claim)})
        assert (response.status_code, response.json()["code"]) == (404, "not_a_provider")
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.CLAIMED


def test_a_provider_account_is_no_staff(account, provider_api, offer):
    assert provider_api.get("/api/v1/benefits/services").json()["items"] == []
    assert provider_api.get(f"/api/v1/benefits/offers/{offer.pk}").status_code == 404
    assert provider_api.get("/staff/benefits/").status_code == 403


def test_staff_create_a_provider_service_and_split_offer(tree, make_staff, api_client_for):
    staff = api_client_for(make_staff(tree.zgc))
    provider = post(
        staff,
        "/api/v1/benefits/providers",
        {
            "org_id": tree.zgc.pk,
            "name": "海淀区政务服务中心",
            "kind": "government",
            "contact_phone": "010-12345",
        },
    )
    assert provider.status_code == 201, provider.content
    service = post(
        staff,
        "/api/v1/benefits/services",
        {
            "provider_id": provider.json()["id"],
            "category": "government",
            "title": "社保办理",
            "on_site": "带身份证到三楼窗口",
            "audience": "public",
            "publish": True,
        },
    )
    assert service.status_code == 201, service.content
    assert service.json()["status"] == Service.Status.PUBLISHED
    now = timezone.now()
    offer = post(
        staff,
        "/api/v1/benefits/offers",
        {
            "service_id": service.json()["id"],
            "title": "优先叫号",
            "kind": "ticket",
            "quota": 100,
            "claims_open_at": now.isoformat(),
            "claims_close_at": (now + timedelta(days=1)).isoformat(),
            "shares": [{"org_id": tree.sohu.pk, "quota": 30}],
            "publish": True,
        },
    )
    assert offer.status_code == 201, offer.content
    assert offer.json()["shares"] == [
        {"org_id": tree.sohu.pk, "org_name": tree.sohu.name, "quota": 30, "claimed": 0}
    ]
    bad = post(
        staff,
        "/api/v1/benefits/services",
        {
            "provider_id": provider.json()["id"],
            "category": "government",
            "title": "无用法",
            "audience": "public",
        },
    )
    assert (bad.status_code, bad.json()["code"]) == (400, "how_to_use_required")
    outside = post(
        staff,
        "/api/v1/benefits/providers",
        {
            "org_id": tree.hlg.pk,
            "name": "外区",
            "kind": "enterprise",
        },
    )
    assert outside.status_code == 404


def test_usage_figures(offer, member, operator, tree, account, make_staff, api_client_for):
    actions.record_view(service=offer.service)
    claim = claiming.claim_offer(member=member, offer=offer)
    redeeming.redeem_code(account=account, code=claiming.code_of(claim))
    staff = api_client_for(make_staff(tree.zgc))
    today = timezone.localdate().isoformat()
    body = staff.get(f"/api/v1/benefits/usage?org_id={tree.zgc.pk}&start={today}&end={today}")
    assert body.status_code == 200, body.content
    figures = body.json()
    assert (figures["views"], figures["claims"], figures["redemptions"]) == (1, 1, 1)
    assert figures["unions"] == [
        {"org_id": tree.sohu.pk, "name": tree.sohu.name, "claims": 1, "redemptions": 1}
    ]
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    before = staff.get(f"/api/v1/benefits/usage?org_id={tree.zgc.pk}&end={yesterday}").json()
    assert (before["views"], before["claims"], before["redemptions"]) == (0, 0, 0)


def test_every_operation_is_documented():
    schema = api.get_openapi_schema()
    ids = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {
        "list_service_categories",
        "list_directory_services",
        "get_directory_service",
        "claim_offer",
        "list_my_claims",
        "get_my_claim",
        "inspect_redemption_code",
        "redeem_claim",
        "upload_redemptions",
        "list_benefit_providers",
        "create_benefit_provider",
        "list_managed_services",
        "create_benefit_service",
        "create_benefit_offer",
        "get_benefit_offer",
        "get_benefit_usage",
    } <= ids
    assert 409 in schema["paths"]["/api/v1/offers/{offer_id}/claim"]["post"]["responses"]


def test_the_api_claim_path_stays_within_its_query_budget(
    offer, member_api, django_assert_max_num_queries
):
    member_api.get("/api/v1/me/claims")  # the token's last use is recorded once a minute
    # token, member, offer; claims held, shares; insert, quota update, tally; the savepoint
    # around the action.
    with django_assert_max_num_queries(10):
        response = post(member_api, f"/api/v1/offers/{offer.pk}/claim", {})
    assert response.status_code == 201
