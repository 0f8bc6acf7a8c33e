from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gonghui.benefits import actions, claiming, codes, redeeming
from gonghui.benefits.models import Claim, Offer, OfferQuota, Service, ServiceDay
from gonghui.benefits.tests.factories import (
    card_of,
    make_account,
    make_member,
    make_offer,
    make_provider,
    make_service,
)
from gonghui.checkins.models import ScanNonce
from gonghui.core.errors import ConflictError, DomainError, NotFoundError
from gonghui.members import actions as member_actions
from gonghui.members.models import Member
from gonghui.orgs.models import Tally

# Every action test here leaves the dashboard tallies exact (see gonghui/conftest.py).
pytestmark = pytest.mark.usefixtures("tallies_exact")


def tally(org, metric: str) -> int:
    return sum(Tally.objects.filter(org=org, metric=metric).values_list("value", flat=True))


def reload(offer: Offer) -> Offer:
    return Offer.objects.select_related(
        "service", "service__provider", "service__audience_org"
    ).get(pk=offer.pk)


# --- staff: providers, services, offers ---------------------------------------------------------


def test_staff_manage_only_within_their_subtree(tree, make_staff, operator):
    outsider = make_staff(tree.hlg)
    with pytest.raises(NotFoundError):
        make_provider(outsider, tree.zgc)
    provider = make_provider(make_staff(tree.district), tree.zgc)
    with pytest.raises(NotFoundError):
        make_service(outsider, provider)
    assert provider.org == tree.zgc


def test_a_service_needs_a_way_to_use_it_and_a_known_category(provider, operator):
    with pytest.raises(DomainError) as missing:
        make_service(operator, provider, phone="", link="", on_site="")
    assert missing.value.code == "how_to_use_required"
    with pytest.raises(DomainError) as unknown:
        make_service(operator, provider, category="astrology")
    assert unknown.value.code == "invalid_category"


def test_an_added_category_can_be_used(tree, provider, operator):
    category = actions.create_category(actor=operator, org=tree.zgc, name="法律援助")
    service = make_service(operator, provider, category=category.code)
    assert service.category_label == "法律援助"
    with pytest.raises(DomainError) as again:
        actions.create_category(actor=operator, org=tree.zgc, name="法律援助")
    assert again.value.code == "category_exists"


def test_a_subtree_service_defaults_to_its_managing_org(provider, operator, tree):
    service = make_service(operator, provider, audience="subtree")
    assert service.audience_org == tree.zgc


def test_editing_a_service_with_a_stale_form_is_refused(service, provider, operator):
    values: dict[str, Any] = {
        "category": "dining",
        "title": "新标题",
        "summary": "",
        "description": "",
        "address": "",
        "district": "海淀区",
        "street": "",
        "opening_hours": "",
        "link": "",
        "phone": "010-1",
        "on_site": "",
        "audience": "public",
        "valid_from": None,
        "valid_until": None,
    }
    actions.update_service(
        actor=operator,
        service=service,
        expected_version=service.version,
        provider=provider,
        org=service.org,
        **values,
    )
    with pytest.raises(ConflictError) as stale:
        actions.update_service(
            actor=operator,
            service=service,
            expected_version=1,
            provider=provider,
            org=service.org,
            **values,
        )
    assert stale.value.code == "stale"
    assert Service.objects.get(pk=service.pk).title == "新标题"


def test_a_photo_is_stored_without_metadata(service, operator):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, format="JPEG")
    photo = actions.add_service_photo(
        actor=operator,
        service=service,
        upload=SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg"),
    )
    assert (photo.width, photo.height) == (40, 30)


def test_offer_windows_and_quotas_are_checked(service, operator):
    now = timezone.now()
    with pytest.raises(DomainError) as window:
        make_offer(operator, service, claims_open_at=now, claims_close_at=now)
    assert window.value.code == "claim_window"
    with pytest.raises(DomainError) as quota:
        make_offer(operator, service, quota=0)
    assert quota.value.code == "invalid_quota"


def test_shares_may_not_overlap(service, operator, tree):
    with pytest.raises(DomainError) as overlap:
        make_offer(operator, service, shares=[(tree.zgc, 10), (tree.sohu, 5)])
    assert overlap.value.code == "shares_overlap"


def test_the_quota_never_drops_below_what_is_claimed(offer, operator, tree):
    for _ in range(3):
        claiming.claim_offer(member=make_member(operator, tree.zgc), offer=reload(offer))
    offer = reload(offer)
    values = {name: getattr(offer, name) for name in actions.OFFER_FIELDS}
    with pytest.raises(DomainError) as lower:
        actions.update_offer(
            actor=operator, offer=offer, expected_version=offer.version, **{**values, "quota": 2}
        )
    assert lower.value.code == "quota_below_claimed"
    updated = actions.update_offer(
        actor=operator, offer=offer, expected_version=offer.version, **{**values, "quota": 3}
    )
    assert (updated.quota, updated.claimed) == (3, 3)


# --- views -------------------------------------------------------------------------------------


def test_a_view_counts_on_the_service_and_its_managing_org(service, tree):
    actions.record_view(service=service)
    actions.record_view(service=service)
    assert ServiceDay.objects.get(service=service).views == 2
    assert tally(tree.zgc, "benefits.views") == 2


# --- claiming ----------------------------------------------------------------------------------


def test_a_member_claims_an_offer(offer, operator, tree):
    member = make_member(operator, tree.sohu)
    claim = claiming.claim_offer(member=member, offer=offer)
    assert (claim.status, claim.seq, claim.org_id) == (Claim.Status.CLAIMED, 1, tree.sohu.pk)
    assert reload(offer).claimed == 1
    # Counted at the member's union, not at the service's org.
    assert tally(tree.sohu, "benefits.claims") == 1
    assert tally(tree.zgc, "benefits.claims") == 0
    code = claiming.code_of(claim)
    assert codes.parse_claim_code(code) is not None
    assert code.startswith(f"GB1.{claim.pk}.")


def test_a_second_claim_over_the_limit_is_refused(offer, operator, tree):
    member = make_member(operator, tree.zgc)
    claiming.claim_offer(member=member, offer=offer)
    with pytest.raises(ConflictError) as again:
        claiming.claim_offer(member=member, offer=reload(offer))
    assert again.value.code == "limit_reached"
    assert reload(offer).claimed == 1
    assert tally(tree.zgc, "benefits.claims") == 1


def test_a_limit_of_two_allows_two_claims_with_two_codes(service, operator, tree):
    offer = make_offer(operator, service, per_member_limit=2)
    member = make_member(operator, tree.zgc)
    first = claiming.claim_offer(member=member, offer=offer)
    second = claiming.claim_offer(member=member, offer=reload(offer))
    assert (first.seq, second.seq) == (1, 2)
    assert claiming.code_of(first) != claiming.code_of(second)
    with pytest.raises(ConflictError) as third:
        claiming.claim_offer(member=member, offer=reload(offer))
    assert third.value.code == "limit_reached"


def test_a_sold_out_offer_says_so_and_writes_nothing(service, operator, tree):
    offer = make_offer(operator, service, quota=1)
    claiming.claim_offer(member=make_member(operator, tree.zgc), offer=offer)
    late = make_member(operator, tree.zgc)
    # The page was loaded before the last one went: the conditional UPDATE has the last word.
    with pytest.raises(ConflictError) as stale_page:
        claiming.claim_offer(member=late, offer=offer)
    assert stale_page.value.code == "sold_out"
    with pytest.raises(ConflictError) as fresh_page:
        claiming.claim_offer(member=late, offer=reload(offer))
    assert fresh_page.value.code == "sold_out"
    assert Claim.objects.filter(member=late).count() == 0
    assert reload(offer).claimed == 1


def test_a_split_offer_counts_claims_against_the_members_share(service, operator, tree):
    offer = make_offer(operator, service, quota=10, shares=[(tree.sohu, 1), (tree.hlg, 5)])
    sohu_member = make_member(operator, tree.sohu)
    claim = claiming.claim_offer(member=sohu_member, offer=offer)
    assert claim.share == OfferQuota.objects.get(offer=offer, org=tree.sohu)
    with pytest.raises(ConflictError) as share_gone:
        claiming.claim_offer(member=make_member(operator, tree.sohu), offer=reload(offer))
    assert share_gone.value.code == "share_sold_out"
    # 回龙观's share is untouched; 德胜 has none.
    claiming.claim_offer(member=make_member(operator, tree.station), offer=reload(offer))
    with pytest.raises(DomainError) as no_share:
        claiming.claim_offer(member=make_member(operator, tree.desheng), offer=reload(offer))
    assert no_share.value.code == "outside_share"
    assert reload(offer).claimed == 2
    shares = OfferQuota.objects.filter(offer=offer).order_by("org__path")
    assert list(shares.values_list("claimed", flat=True)) == [1, 1]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"claims_open_at": 1, "claims_close_at": 2}, "not_open"),
        ({"claims_open_at": -48, "claims_close_at": -24}, "closed"),
    ],
)
def test_claiming_outside_the_window_is_refused(service, operator, tree, change, code):
    now = timezone.now()
    times = {name: now + timedelta(hours=hours) for name, hours in change.items()}
    offer = make_offer(operator, service, **times, redeem_until=None)
    with pytest.raises(DomainError) as refused:
        claiming.claim_offer(member=make_member(operator, tree.zgc), offer=offer)
    assert refused.value.code == code


def test_only_active_members_in_the_audience_may_claim(provider, operator, tree):
    service = make_service(operator, provider, audience="subtree")
    offer = make_offer(operator, service)
    with pytest.raises(DomainError) as nobody:
        claiming.claim_offer(member=None, offer=offer)
    assert (nobody.value.code, nobody.value.status) == ("not_a_member", 403)
    with pytest.raises(DomainError) as outside:
        claiming.claim_offer(member=make_member(operator, tree.hlg), offer=offer)
    assert outside.value.code == "outside_audience"
    left = make_member(operator, tree.zgc)
    left = member_actions.record_leaving(
        actor=operator, member=left, status=Member.Status.WITHDRAWN, reason="退会"
    )
    with pytest.raises(DomainError) as ended:
        claiming.claim_offer(member=left, offer=offer)
    assert ended.value.code == "not_a_member"


def test_a_withdrawn_offer_or_expired_service_takes_no_claims(offer, operator, tree):
    actions.set_offer_status(actor=operator, offer=offer, status=Offer.Status.WITHDRAWN)
    with pytest.raises(DomainError) as withdrawn:
        claiming.claim_offer(member=make_member(operator, tree.zgc), offer=reload(offer))
    assert withdrawn.value.code == "offer_withdrawn"
    Service.objects.filter(pk=offer.service_id).update(
        valid_until=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(DomainError) as expired:
        claiming.claim_offer(member=make_member(operator, tree.zgc), offer=reload(offer))
    assert expired.value.code == "service_expired"


# --- redemption --------------------------------------------------------------------------------


@pytest.fixture
def claimed(offer, operator, tree):
    member = make_member(operator, tree.sohu, name="张三丰")
    return claiming.claim_offer(member=member, offer=offer)


def test_a_code_is_redeemed_once_and_the_second_time_names_the_first(
    claimed, account, tree, english
):
    code = claiming.code_of(claimed)
    first = redeeming.redeem_code(account=account, code=code)
    assert (first.ok, first.code, first.member_name) == (True, "redeemed", "张*丰")
    assert first.offer_title == "免费心理咨询一次"
    second = redeeming.redeem_code(account=account, code=code)
    assert (second.ok, second.code) == (False, "already_redeemed")
    claim = Claim.objects.get(pk=claimed.pk)
    at = timezone.localtime(claim.redeemed_at).strftime("%Y-%m-%d %H:%M")
    assert second.message == f"Already used at {at}."
    assert second.redeemed_at == first.redeemed_at
    assert (claim.status, claim.method, claim.redeemed_by) == ("redeemed", "code", account.user)
    assert Offer.objects.get(pk=claim.offer_id).redeemed == 1
    assert tally(tree.sohu, "benefits.redemptions") == 1


def test_the_result_shows_nothing_personal_but_the_masked_name(claimed, account):
    result = redeeming.redeem_code(account=account, code=claiming.code_of(claimed)).as_dict()
    member = Member.objects.get(pk=claimed.member_id)
    text = str(result)
    assert str(member.id_number) not in text
    assert str(member.mobile) not in text
    assert member.number not in text
    assert member.name not in text


def test_another_providers_code_is_refused_without_a_word_about_its_holder(claimed, operator, tree):
    other = make_account(operator, make_provider(operator, tree.zgc, name="海淀公交"), "bus")
    result = redeeming.redeem_code(account=other, code=claiming.code_of(claimed))
    assert (result.ok, result.code, result.member_name, result.offer_title) == (
        False,
        "other_provider",
        "",
        "",
    )
    assert Claim.objects.get(pk=claimed.pk).status == Claim.Status.CLAIMED
    inspected = redeeming.inspect_code(account=other, code=claiming.code_of(claimed))
    assert (inspected.ok, inspected.code, inspected.claims) == (False, "other_provider", [])


@pytest.mark.parametrize(
    "mangle",
    [
        lambda code: code[:-1] + ("A" if code[-1] != "A" else "B"),  # signature altered
        lambda code: "GB1.999999." + code.split(".")[2],  # another id
        lambda code: "GB1.x.y",
        lambda code: "hello",
    ],
)
def test_a_forged_or_mistyped_code_is_refused(claimed, account, mangle):
    result = redeeming.redeem_code(account=account, code=mangle(claiming.code_of(claimed)))
    assert (result.ok, result.code) == (False, "code_invalid")


def test_case_changed_by_a_scanner_still_matches(claimed, account):
    assert redeeming.redeem_code(account=account, code=claiming.code_of(claimed).lower()).ok


def test_expired_withdrawn_or_ended_claims_are_refused(claimed, account, operator, offer):
    Offer.objects.filter(pk=offer.pk).update(redeem_until=timezone.now() - timedelta(minutes=1))
    assert redeeming.redeem_code(account=account, code=claiming.code_of(claimed)).code == "expired"
    Offer.objects.filter(pk=offer.pk).update(redeem_until=None, status=Offer.Status.WITHDRAWN)
    assert (
        redeeming.redeem_code(account=account, code=claiming.code_of(claimed)).code
        == "offer_withdrawn"
    )
    Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.PUBLISHED)
    member_actions.record_leaving(
        actor=operator, member=claimed.member, status=Member.Status.WITHDRAWN, reason="退会"
    )
    assert (
        redeeming.redeem_code(account=account, code=claiming.code_of(claimed)).code
        == "membership_ended"
    )
    assert Claim.objects.get(pk=claimed.pk).status == Claim.Status.CLAIMED


def test_a_member_who_left_the_audience_is_refused(provider, operator, tree, account, english):
    service = make_service(operator, provider, audience="subtree")
    member = make_member(operator, tree.sohu)
    claim = claiming.claim_offer(member=member, offer=make_offer(operator, service))
    transfer = member_actions.start_transfer(
        actor=operator, member=member, to_org=tree.hlg, new_employer_name="京东物流"
    )
    member_actions.accept_transfer(actor=operator, transfer=transfer)
    result = redeeming.redeem_code(account=account, code=claiming.code_of(claim))
    assert (result.code, result.message) == (
        "outside_audience",
        f"This offer is for members of {tree.zgc.name}.",
    )


def test_a_member_card_lists_the_members_claims_here_and_redeems_the_chosen_one(
    claimed, account, operator, tree
):
    member = Member.objects.select_related("org").get(pk=claimed.member_id)
    inspected = redeeming.inspect_code(account=account, code=card_of(member))
    assert (inspected.ok, inspected.kind, inspected.member_name) == (True, "card", "张*丰")
    assert [c.claim_id for c in inspected.claims] == [claimed.pk]
    assert inspected.claims[0].redeemable
    without_choice = redeeming.redeem_code(account=account, code=card_of(member))
    assert without_choice.code == "choose_claim"
    stranger = claiming.claim_offer(
        member=make_member(operator, tree.zgc), offer=reload(claimed.offer)
    )
    not_theirs = redeeming.redeem_code(account=account, code=card_of(member), claim_id=stranger.pk)
    assert not_theirs.code == "no_claim"
    result = redeeming.redeem_code(account=account, code=card_of(member), claim_id=claimed.pk)
    assert (result.ok, Claim.objects.get(pk=claimed.pk).method) == (True, "card")


def test_a_card_without_claims_here_says_so(account, operator, tree):
    member = make_member(operator, tree.zgc)
    inspected = redeeming.inspect_code(account=account, code=card_of(member))
    assert (inspected.ok, inspected.code) == (False, "no_claim")


def test_a_revoked_card_is_refused(claimed, account, operator):
    member = Member.objects.select_related("org").get(pk=claimed.member_id)
    old_card = card_of(member)
    member_actions.revoke_card(actor=operator, member=member, reason="手机丢失")
    result = redeeming.redeem_code(account=account, code=old_card, claim_id=claimed.pk)
    assert result.code == "card_revoked"


def test_a_locked_account_cannot_redeem(claimed, account, operator):
    actions.set_provider_account_active(actor=operator, account=account, active=False)
    account.user.refresh_from_db()
    with pytest.raises(NotFoundError):
        redeeming.redeem_code(account=account, code=claiming.code_of(claimed))


# --- offline batches ---------------------------------------------------------------------------


def batch(*pairs, at=None):
    at = at or timezone.now()
    return [redeeming.BatchItem(nonce=n, code=c, scanned_at=at) for n, c in pairs]


def test_a_batch_is_answered_once_and_replayed(claimed, account, operator, tree):
    other = claiming.claim_offer(
        member=make_member(operator, tree.zgc), offer=reload(claimed.offer)
    )
    items = batch(
        ("n1", claiming.code_of(claimed)), ("n2", claiming.code_of(other)), ("n3", "junk")
    )
    first = redeeming.upload_redemptions(account=account, device="phone-1", items=items)
    assert [(a["nonce"], a["code"], a["replayed"]) for a in first] == [
        ("n1", "redeemed", False),
        ("n2", "redeemed", False),
        ("n3", "code_invalid", False),
    ]
    again = redeeming.upload_redemptions(account=account, device="phone-1", items=items)
    assert [(a["code"], a["replayed"]) for a in again] == [
        ("redeemed", True),
        ("redeemed", True),
        ("code_invalid", True),
    ]
    assert Offer.objects.get(pk=claimed.offer_id).redeemed == 2
    assert tally(tree.sohu, "benefits.redemptions") + tally(tree.zgc, "benefits.redemptions") == 2
    # The same nonce on another device is another scan: the claim is already used.
    elsewhere = redeeming.upload_redemptions(account=account, device="phone-2", items=items[:1])
    assert (elsewhere[0]["code"], elsewhere[0]["replayed"]) == ("already_redeemed", False)


def test_a_batch_is_judged_at_scan_time(claimed, account, offer):
    scanned = timezone.now() - timedelta(hours=2)
    Offer.objects.filter(pk=offer.pk).update(redeem_until=timezone.now() - timedelta(hours=1))
    items = batch(("late", claiming.code_of(claimed)), at=scanned)
    [answer] = redeeming.upload_redemptions(account=account, device="d", items=items)
    assert answer["code"] == "redeemed"
    assert Claim.objects.get(pk=claimed.pk).redeemed_at == scanned


def test_another_provider_never_replays_a_devices_answers(claimed, account, operator, tree):
    items = batch(("n1", claiming.code_of(claimed)))
    redeeming.upload_redemptions(account=account, device="shared-id", items=items)
    other = make_account(operator, make_provider(operator, tree.zgc, name="海淀公交"), "bus")
    [answer] = redeeming.upload_redemptions(account=other, device="shared-id", items=items)
    assert (answer["code"], answer["replayed"], answer["member_name"]) == (
        "other_provider",
        False,
        "",
    )
    assert ScanNonce.objects.count() == 2


def test_a_card_in_a_batch_redeems_the_one_usable_claim(claimed, account, operator, service):
    member = Member.objects.select_related("org").get(pk=claimed.member_id)
    [answer] = redeeming.upload_redemptions(
        account=account, device="d", items=batch(("c1", card_of(member)))
    )
    assert (answer["code"], answer["claim_id"]) == ("redeemed", claimed.pk)
    second_offer = make_offer(operator, service, title="咖啡一杯")
    third_offer = make_offer(operator, service, title="茶一杯")
    claiming.claim_offer(member=member, offer=second_offer)
    claiming.claim_offer(member=member, offer=third_offer)
    [several] = redeeming.upload_redemptions(
        account=account, device="d", items=batch(("c2", card_of(member)))
    )
    assert several["code"] == "several_claims"


def test_bad_nonces_and_devices(claimed, account):
    [answer] = redeeming.upload_redemptions(
        account=account, device="d", items=batch(("", claiming.code_of(claimed)))
    )
    assert answer["code"] == "invalid_nonce"
    with pytest.raises(DomainError) as device:
        redeeming.upload_redemptions(account=account, device="", items=[])
    assert device.value.code == "invalid_device"
    assert Claim.objects.get(pk=claimed.pk).status == Claim.Status.CLAIMED
