"""Provider accounts: each one reaches its own provider's claims and nothing else — not another
provider's claims, not a staff page or staff operation, not a member's personal data."""

import json
import re
from html import escape

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from gonghui.benefits import actions, claiming
from gonghui.benefits.models import Claim, Provider
from gonghui.benefits.tests.factories import (
    card_of,
    make_account,
    make_member,
    make_offer,
    make_provider,
    make_service,
)
from gonghui.members.models import Member


def post_json(client, path, data):
    return client.post(path, json.dumps(data), content_type="application/json")


@pytest.fixture
def two_providers(tree, operator):
    """心理咨询 (ours) and 公交 (theirs), each with an offer the same member claimed."""
    ours = make_provider(operator, tree.zgc, name="中关村心理咨询中心")
    theirs = make_provider(operator, tree.zgc, name="海淀公交")
    member = make_member(operator, tree.sohu, name="王小明")
    our_claim = claiming.claim_offer(
        member=member, offer=make_offer(operator, make_service(operator, ours))
    )
    their_claim = claiming.claim_offer(
        member=member,
        offer=make_offer(
            operator,
            make_service(operator, theirs, title="公交出行", category="transport"),
            title="乘车券",
        ),
    )
    return {
        "account": make_account(operator, ours, "ours_desk"),
        "member": Member.objects.select_related("org").get(pk=member.pk),
        "ours": our_claim,
        "theirs": their_claim,
    }


@pytest.fixture
def desk(two_providers, in_english):
    client = in_english(Client())
    client.force_login(two_providers["account"].user)
    return client


def test_another_providers_code_is_refused_on_the_desk_and_in_the_api(two_providers, desk):
    code = claiming.code_of(two_providers["theirs"])
    page = desk.post(reverse("benefits:provider_scan"), {"code": code}).content.decode()
    assert escape("This code is for another provider's offer.") in page
    assert "王*明" not in page
    assert "乘车券" not in page
    redeemed = desk.post(reverse("benefits:provider_redeem"), {"code": code}).content.decode()
    assert escape("This code is for another provider's offer.") in redeemed
    for path, body in (
        ("/api/v1/provider/lookup", {"code": code}),
        ("/api/v1/provider/redemptions", {"code": code}),
    ):
        answer = post_json(desk, path, body).json()
        assert (answer["code"], answer["member_name"]) == ("other_provider", "")
    batch = post_json(
        desk,
        "/api/v1/provider/redemptions/batch",
        {
            "device": "d",
            "items": [{"nonce": "1", "code": code, "scanned_at": timezone.now().isoformat()}],
        },
    ).json()["results"]
    assert (batch[0]["code"], batch[0]["member_name"]) == ("other_provider", "")
    assert Claim.objects.get(pk=two_providers["theirs"].pk).status == Claim.Status.CLAIMED


def test_a_member_card_shows_only_this_providers_claims(two_providers, desk):
    member = two_providers["member"]
    looked = post_json(desk, "/api/v1/provider/lookup", {"code": card_of(member)}).json()
    assert [c["claim_id"] for c in looked["claims"]] == [two_providers["ours"].pk]
    # Naming the other provider's claim with the member's card does not redeem it.
    forced = post_json(
        desk,
        "/api/v1/provider/redemptions",
        {
            "code": card_of(member),
            "claim_id": two_providers["theirs"].pk,
        },
    ).json()
    assert forced["code"] == "other_provider"
    # A card in an offline batch redeems the one claim here, not the other provider's.
    [answer] = post_json(
        desk,
        "/api/v1/provider/redemptions/batch",
        {
            "device": "d",
            "items": [
                {"nonce": "c", "code": card_of(member), "scanned_at": timezone.now().isoformat()}
            ],
        },
    ).json()["results"]
    assert answer["claim_id"] == two_providers["ours"].pk
    assert Claim.objects.get(pk=two_providers["theirs"].pk).status == Claim.Status.CLAIMED


def test_the_answers_carry_no_personal_data(two_providers, desk):
    member = Member.objects.get(pk=two_providers["member"].pk)
    code = claiming.code_of(two_providers["ours"])
    texts = [
        desk.post(reverse("benefits:provider_scan"), {"code": code}).content.decode(),
        json.dumps(
            post_json(desk, "/api/v1/provider/lookup", {"code": card_of(member)}).json(),
            ensure_ascii=False,
        ),
        json.dumps(
            post_json(desk, "/api/v1/provider/redemptions", {"code": code}).json(),
            ensure_ascii=False,
        ),
        desk.get(reverse("benefits:provider_desk")).content.decode(),
    ]
    for text in texts:
        assert "王*明" in text
        for secret in (member.name, str(member.id_number), str(member.mobile), member.number):
            assert secret not in text


def signing_in(route: str) -> bool:
    """The staff sign-in's own steps, open to anyone who is not signed in as staff."""
    return route.startswith("staff/login/")


def _staff_paths() -> list[str]:
    """Every back-office address that takes no argument."""
    paths: list[str] = []

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if route.startswith("staff/") and "<" not in route and not signing_in(route):
                    paths.append("/" + route)

    walk(get_resolver().url_patterns, "")
    return paths


def test_a_provider_account_opens_no_staff_page(desk):
    paths = _staff_paths()
    assert "/staff/benefits/" in paths
    for path in paths:
        assert desk.get(path).status_code == 403, path


def test_a_provider_account_holds_no_staff_capability(two_providers, desk):
    offer_id = two_providers["ours"].offer_id
    for path in (
        "/api/v1/benefits/services",
        "/api/v1/benefits/providers",
        "/api/v1/orgs",
        "/api/v1/members",
    ):
        response = desk.get(path)
        assert (response.status_code, response.json()["items"]) == (200, []), path
    assert desk.get(f"/api/v1/benefits/offers/{offer_id}").status_code == 404
    provider = Provider.objects.get(name="中关村心理咨询中心")
    created = post_json(
        desk,
        "/api/v1/benefits/providers",
        {
            "org_id": provider.org_id,
            "name": "冒名服务商",
            "kind": "enterprise",
        },
    )
    assert created.status_code == 404
    assert desk.get("/api/v1/me/claims").status_code == 404


def test_members_and_staff_cannot_redeem(two_providers, tree, make_staff, client_for):
    code = claiming.code_of(two_providers["ours"])
    for user in (make_staff(tree.zgc), make_staff(tree.root, "federation_admin")):
        client = client_for(user)
        assert client.post(reverse("benefits:provider_redeem"), {"code": code}).status_code == 403
        answer = post_json(client, "/api/v1/provider/redemptions", {"code": code})
        assert (answer.status_code, answer.json()["code"]) == (404, "not_a_provider")
    assert Claim.objects.get(pk=two_providers["ours"].pk).status == Claim.Status.CLAIMED


def test_a_locked_account_is_signed_out(two_providers, desk, operator):
    actions.set_provider_account_active(
        actor=operator, account=two_providers["account"], active=False
    )
    response = desk.get(reverse("benefits:provider_desk"))
    assert response.status_code == 302
    assert re.match(reverse("benefits:provider_login"), response["Location"])


def test_an_inactive_provider_redeems_nothing(two_providers, desk, operator):
    Provider.objects.filter(name="中关村心理咨询中心").update(is_active=False)
    answer = post_json(
        desk, "/api/v1/provider/redemptions", {"code": claiming.code_of(two_providers["ours"])}
    ).json()
    assert answer["code"] == "provider_inactive"
    assert Claim.objects.get(pk=two_providers["ours"].pk).status == Claim.Status.CLAIMED
