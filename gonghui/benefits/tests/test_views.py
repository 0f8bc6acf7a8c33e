import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from gonghui.benefits import actions, claiming, redeeming
from gonghui.benefits.models import Claim, Offer, OfferQuota, Provider, ProviderAccount, Service
from gonghui.benefits.tests.factories import (
    card_of,
    make_member,
    make_offer,
    make_service,
)
from gonghui.checkins.scan_answers import ScanAnswer
from gonghui.checkins.tests.qr_images import photo_of, qr_png
from gonghui.core.models import AuditEntry
from gonghui.orgs.models import Tally

# --- members' pages ----------------------------------------------------------------------------


@pytest.fixture
def member(tree, operator):
    return make_member(operator, tree.sohu, user=True, name="李四光")


@pytest.fixture
def member_client(member, client_for, in_english):
    return in_english(client_for(member.user))


def test_the_directory_filters_by_category_and_place(
    service, provider, operator, member_client, english
):
    make_service(
        operator,
        provider,
        title="公交卡充值",
        category="transport",
        district="昌平区",
        street="回龙观街道",
        audience="public",
    )
    page = member_client.get(reverse("benefits:member_list")).content.decode()
    assert "职工心理咨询" in page
    assert "公交卡充值" in page
    only_mental = member_client.get(reverse("benefits:member_list") + "?category=mental_care")
    assert "公交卡充值" not in only_mental.content.decode()
    by_place = member_client.get(reverse("benefits:member_list") + "?district=昌平区").content
    assert "公交卡充值" in by_place.decode()
    assert "职工心理咨询" not in by_place.decode()
    # The streets of the chosen district are offered.
    assert '<option value="回龙观街道"' in by_place.decode()


def test_the_public_sees_public_services_only(service, provider, operator, client):
    make_service(operator, provider, title="政务大厅指引", audience="public", category="government")
    page = client.get(reverse("benefits:member_list")).content.decode()
    assert "政务大厅指引" in page
    assert "职工心理咨询" not in page
    # The members' service is explained, with the way in, not hidden behind a 404.
    members_only = client.get(reverse("benefits:member_detail", args=[service.pk]))
    assert members_only.status_code == 403
    assert 'id="members-only"' in members_only.content.decode()
    assert "职工心理咨询" not in members_only.content.decode()


def test_the_directory_list_costs_the_same_for_one_or_many(
    provider, operator, member_client, django_assert_num_queries
):
    make_service(operator, provider, title="一")
    # 8: the session, the account, its role grants (accounts.sessions: an SMS sign-in is no
    # way into the back office), the page's own reads.
    with django_assert_num_queries(8) as one:
        member_client.get(reverse("benefits:member_list"))
    for n in range(10):
        make_offer(operator, make_service(operator, provider, title=f"服务{n}"))
    with django_assert_num_queries(len(one.captured_queries)):
        member_client.get(reverse("benefits:member_list"))


def test_a_service_page_counts_a_view_and_offers_the_claim(
    service, offer, member_client, tree, english
):
    response = member_client.get(reverse("benefits:member_detail", args=[service.pk]))
    page = response.content.decode()
    assert "免费心理咨询一次" in page
    assert "100 of 100" in page
    assert reverse("benefits:member_claim", args=[offer.pk]) in page
    assert Tally.objects.get(metric="benefits.views", org=tree.zgc).value == 1


def test_claiming_leads_to_the_code_in_the_wallet(offer, member_client, member, english):
    response = member_client.post(reverse("benefits:member_claim", args=[offer.pk]))
    claim = Claim.objects.get()
    assert response["Location"] == reverse("benefits:wallet_claim", args=[claim.pk])
    page = member_client.get(response["Location"]).content.decode()
    assert claiming.code_of(claim) in page
    assert "<svg" in page
    wallet = member_client.get(reverse("benefits:wallet")).content.decode()
    assert "免费心理咨询一次" in wallet
    assert "Ready to use" in wallet
    again = member_client.post(reverse("benefits:member_claim", args=[offer.pk]), follow=True)
    assert "You have claimed this offer already." in again.content.decode()
    assert Claim.objects.count() == 1


def test_the_claim_path_stays_within_its_query_budget(
    offer, member_client, django_assert_max_num_queries
):
    # session, user, member, offer; claims held, shares; insert, quota update, tally; the
    # savepoint around the action, the message in the session.
    with django_assert_max_num_queries(13):
        response = member_client.post(reverse("benefits:member_claim", args=[offer.pk]))
    assert response.status_code == 302
    assert Offer.objects.get(pk=offer.pk).claimed == 1


def test_a_sold_out_answer_writes_nothing_and_costs_little(
    service, operator, tree, member_client, django_assert_max_num_queries, english
):
    offer = make_offer(operator, service, quota=1)
    claiming.claim_offer(member=make_member(operator, tree.zgc), offer=offer)
    with django_assert_max_num_queries(11) as captured:
        response = member_client.post(
            reverse("benefits:member_claim", args=[offer.pk]), follow=False
        )
    assert response.status_code == 302
    sql = [q["sql"] for q in captured.captured_queries]
    assert [q for q in sql if q.startswith(("INSERT", 'UPDATE "benefits'))] == []


def test_someone_elses_claim_is_not_found(offer, operator, tree, member_client):
    other = make_member(operator, tree.zgc)
    claim = claiming.claim_offer(member=other, offer=offer)
    response = member_client.get(reverse("benefits:wallet_claim", args=[claim.pk]))
    assert response.status_code == 404


def test_the_wallet_asks_to_sign_in(client):
    response = client.get(reverse("benefits:wallet"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_offer_for_one_union_shows_what_is_left_for_the_members_union(
    service, operator, tree, member_client, english
):
    make_offer(operator, service, quota=10, shares=[(tree.sohu, 3), (tree.hlg, 7)])
    page = member_client.get(reverse("benefits:member_detail", args=[service.pk])).content
    assert "3 left for your union" in page.decode()


# --- the provider's desk -----------------------------------------------------------------------


@pytest.fixture
def desk(account, in_english):
    client = in_english(Client())
    response = client.post(
        reverse("benefits:provider_login"),
        {"username": account.user.username, "password": "Provider-Pass-2026"},
    )
    assert response["Location"] == reverse("benefits:provider_desk")
    return client


def test_a_provider_signs_in_scans_and_redeems_once(desk, offer, member, english):
    claim = claiming.claim_offer(member=member, offer=offer)
    code = claiming.code_of(claim)
    scanned = desk.post(reverse("benefits:provider_scan"), {"code": code}).content.decode()
    assert "李*光" in scanned
    assert "免费心理咨询一次" in scanned
    assert "Ready to use." in scanned
    assert "李四光" not in scanned
    assert member.number not in scanned
    assert Claim.objects.get().status == Claim.Status.CLAIMED  # looking redeems nothing
    first = desk.post(reverse("benefits:provider_redeem"), {"code": code, "claim": claim.pk})
    assert first.context["answer"] == ScanAnswer(
        tone="ok",
        title="Redeemed",
        message="Redeemed.",
        code="redeemed",
        who="李*光 · 免费心理咨询一次",
    )
    assert 'class="scan-answer ok"' in first.content.decode()
    second = desk.post(reverse("benefits:provider_redeem"), {"code": code})
    at = timezone.localtime(Claim.objects.get().redeemed_at).strftime("%Y-%m-%d %H:%M")
    assert second.context["answer"] == ScanAnswer(
        tone="bad",
        title="Already used",
        message=f"Already used at {at}.",
        code="already_redeemed",
        who="李*光 · 免费心理咨询一次",
        first_at=at,
    )
    assert 'class="scan-answer bad"' in second.content.decode()


def test_an_already_used_offer_code_is_a_red_refusal_before_redeeming(desk, offer, member, english):
    claim = claiming.claim_offer(member=member, offer=offer)
    code = claiming.code_of(claim)
    desk.post(reverse("benefits:provider_redeem"), {"code": code, "claim": claim.pk})
    at = timezone.localtime(Claim.objects.get().redeemed_at).strftime("%Y-%m-%d %H:%M")
    scanned = desk.post(reverse("benefits:provider_scan"), {"code": code})
    assert scanned.context["answer"] == ScanAnswer(
        tone="bad",
        title="Already used",
        message=f"Already used at {at}.",
        code="already_redeemed",
        who="李*光 · 免费心理咨询一次",
        first_at=at,
    )
    html = scanned.content.decode()
    assert 'role="alert"' in html
    assert "redeem-button" not in html  # nothing to press
    assert 'id="inspection"' not in html  # no green card around it


def test_a_member_card_at_the_desk_offers_the_members_claims(desk, offer, member, english):
    claim = claiming.claim_offer(member=member, offer=offer)
    page = desk.post(reverse("benefits:provider_scan"), {"code": card_of(member)}).content
    assert f'data-claim="{claim.pk}"' in page.decode()


def test_the_offline_upload_is_answered_once(desk, offer, member):
    import json

    claim = claiming.claim_offer(member=member, offer=offer)
    body = json.dumps(
        {
            "device": "phone",
            "items": [
                {
                    "nonce": "x1",
                    "code": claiming.code_of(claim),
                    "scanned_at": timezone.now().isoformat(),
                },
            ],
        }
    )
    url = reverse("benefits:provider_batch_upload")
    first = desk.post(url, body, content_type="application/json").json()["results"]
    again = desk.post(url, body, content_type="application/json").json()["results"]
    assert [(r["code"], r["replayed"], r["tone"]) for r in first + again] == [
        ("redeemed", False, "ok"),
        ("redeemed", True, "ok"),
    ]
    used = json.dumps(
        {
            "device": "phone",
            "items": [
                {
                    "nonce": "x2",
                    "code": claiming.code_of(claim),
                    "scanned_at": timezone.now().isoformat(),
                },
            ],
        }
    )
    refused = desk.post(url, used, content_type="application/json").json()["results"]
    assert [(r["code"], r["tone"]) for r in refused] == [("already_redeemed", "bad")]
    bad = desk.post(url, "{", content_type="application/json")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_json")


def test_wrong_passwords_lock_the_provider_sign_in(account, settings, in_english):
    client = in_english(Client())
    allowed, _seconds = settings.RATE_LIMITS["signin.account"]
    for _ in range(allowed):
        client.post(
            reverse("benefits:provider_login"),
            {"username": account.user.username, "password": "wrong"},
        )
    locked = client.post(
        reverse("benefits:provider_login"),
        {"username": account.user.username, "password": "Provider-Pass-2026"},
    )
    assert locked.status_code == 429
    assert "Too many failed sign-ins. Try again in 15 minutes." in locked.content.decode()


def test_staff_and_workers_are_not_provider_accounts(tree, make_staff, client_for, member_client):
    staff = make_staff(tree.zgc)
    refused = Client().post(
        reverse("benefits:provider_login"), {"username": staff.username, "password": "pw-staff"}
    )
    assert refused.status_code == 400
    assert "_auth_user_id" not in refused.client.session
    assert client_for(staff).get(reverse("benefits:provider_desk")).status_code == 403
    assert member_client.get(reverse("benefits:provider_desk")).status_code == 403
    assert (
        Client()
        .get(reverse("benefits:provider_desk"))["Location"]
        .startswith(reverse("benefits:provider_login"))
    )


def test_a_provider_account_reaches_no_staff_page(desk):
    for name in ("benefits:staff_services", "members:members", "web:staff_home"):
        assert desk.get(reverse(name)).status_code == 403


# --- staff pages -------------------------------------------------------------------------------


@pytest.fixture
def staff_client(tree, make_staff, client_for, in_english):
    return in_english(client_for(make_staff(tree.zgc)))


def test_staff_register_a_provider_a_service_and_an_offer(staff_client, tree, english):
    response = staff_client.post(
        reverse("benefits:staff_provider_create"),
        {
            "org": tree.zgc.pk,
            "name": "中关村心理服务站",
            "kind": "union",
            "contact_phone": "010-1",
        },
    )
    provider = Provider.objects.get()
    assert response["Location"] == reverse("benefits:staff_provider", args=[provider.pk])
    import io as _io

    from PIL import Image

    buffer = _io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(buffer, format="PNG")
    response = staff_client.post(
        reverse("benefits:staff_service_create"),
        {
            "provider": provider.pk,
            "org": tree.zgc.pk,
            "category": "mental_care",
            "title": "减压沙龙",
            "on_site": "到站即可",
            "audience": "subtree",
            "audience_org": "",
            "photos": SimpleUploadedFile("a.png", buffer.getvalue(), content_type="image/png"),
            "publish": "1",
        },
    )
    service = Service.objects.get()
    assert response["Location"] == reverse("benefits:staff_service", args=[service.pk])
    assert (service.status, service.audience_org, service.photos.count()) == (
        "published",
        tree.zgc,
        1,
    )
    now = timezone.localtime()
    response = staff_client.post(
        reverse("benefits:staff_offer_create", args=[service.pk]),
        {
            "title": "沙龙门票",
            "kind": "ticket",
            "quota": 50,
            "per_member_limit": 1,
            "claims_open_at": now.strftime("%Y-%m-%dT%H:%M"),
            "claims_close_at": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "shares": f"{tree.sohu.name} 20",
            "publish": "1",
        },
    )
    offer = Offer.objects.get()
    assert response["Location"] == reverse("benefits:staff_offer", args=[offer.pk])
    assert list(OfferQuota.objects.values_list("org", "quota")) == [(tree.sohu.pk, 20)]
    page = staff_client.get(reverse("benefits:staff_offer", args=[offer.pk])).content.decode()
    assert "沙龙门票" in page
    assert tree.sohu.name in page


def test_a_share_for_an_unknown_org_is_a_form_error(staff_client, service, english):
    now = timezone.localtime()
    response = staff_client.post(
        reverse("benefits:staff_offer_create", args=[service.pk]),
        {
            "title": "券",
            "kind": "coupon",
            "per_member_limit": 1,
            "claims_open_at": now.strftime("%Y-%m-%dT%H:%M"),
            "claims_close_at": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "shares": "回龙观街道总工会 20",
        },
    )
    assert response.status_code == 200
    assert "“回龙观街道总工会” is not an organisation you manage." in response.content.decode()
    assert Offer.objects.count() == 0


def test_staff_create_and_lock_a_provider_account(staff_client, provider):
    response = staff_client.post(
        reverse("benefits:staff_account_create", args=[provider.pk]),
        {
            "username": "cafe_desk",
            "name": "前台",
            "password": "Cafe-Desk-Pass-2026",
        },
    )
    account = ProviderAccount.objects.get()
    assert response.status_code == 302
    assert account.user.username == "cafe_desk"
    assert not account.user.grants.exists()
    staff_client.post(reverse("benefits:staff_account_active", args=[account.pk]), {"active": "0"})
    account.user.refresh_from_db()
    assert not account.user.is_active


def test_a_refused_account_shows_the_provider_page_again(staff_client, service):
    provider = service.provider
    response = staff_client.post(
        reverse("benefits:staff_account_create", args=[provider.pk]),
        {
            "username": "cafe_desk",
            "name": "前台",
            "password": "123",
        },
    )
    assert response.status_code == 400
    assert [s.pk for s in response.context["services"]] == [service.pk]
    assert response.context["account_form"].errors
    assert not ProviderAccount.objects.exists()


@pytest.mark.parametrize("kind", ["service", "offer"])
def test_staff_withdraw_and_publish_again(staff_client, offer, kind):
    model, target = (Service, offer.service) if kind == "service" else (Offer, offer)
    page = reverse(f"benefits:staff_{kind}", args=[target.pk])
    status_url = reverse(f"benefits:staff_{kind}_status", args=[target.pk])

    def change(status: str) -> tuple[str, list[str]]:
        response = staff_client.post(status_url, {"status": status}, follow=True)
        assert response.redirect_chain == [(page, 302)]
        shown = [str(m) for m in response.context["messages"]]
        return model.objects.get(pk=target.pk).status, shown

    assert change("withdrawn") == ("withdrawn", ["Saved."])
    assert change("withdrawn") == ("withdrawn", [f"The {kind} is already in that state."])
    assert change("deleted") == ("withdrawn", ["Choose one of the options."])
    withdrawn_at = timezone.now()
    assert change("published") == ("published", ["Saved."])
    published_at = model.objects.get(pk=target.pk).published_at
    assert published_at is not None
    assert published_at >= withdrawn_at
    assert change("published") == ("published", [f"The {kind} is already in that state."])
    recorded = AuditEntry.objects.filter(action__startswith=f"benefits.{kind}.")
    assert list(recorded.order_by("pk").values_list("action", flat=True))[-2:] == [
        f"benefits.{kind}.withdrawn",
        f"benefits.{kind}.published",
    ]


def test_every_staff_page_renders(staff_client, offer, account, tree):
    service = offer.service
    for name, args in [
        ("benefits:staff_services", []),
        ("benefits:staff_service_create", []),
        ("benefits:staff_service", [service.pk]),
        ("benefits:staff_service_edit", [service.pk]),
        ("benefits:staff_offer_create", [service.pk]),
        ("benefits:staff_offer", [offer.pk]),
        ("benefits:staff_offer_edit", [offer.pk]),
        ("benefits:staff_providers", []),
        ("benefits:staff_provider_create", []),
        ("benefits:staff_provider", [service.provider_id]),
        ("benefits:staff_provider_edit", [service.provider_id]),
        ("benefits:staff_categories", []),
        ("benefits:staff_usage", []),
    ]:
        response = staff_client.get(reverse(name, args=args))
        assert response.status_code == 200, name


def test_editing_an_offer_keeps_its_values(staff_client, offer):
    form = staff_client.get(reverse("benefits:staff_offer_edit", args=[offer.pk])).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["claims_open_at"] = timezone.localtime(offer.claims_open_at).strftime("%Y-%m-%dT%H:%M")
    data["claims_close_at"] = timezone.localtime(offer.claims_close_at).strftime("%Y-%m-%dT%H:%M")
    data["redeem_until"] = timezone.localtime(offer.redeem_until).strftime("%Y-%m-%dT%H:%M")
    data["quota"] = 120
    response = staff_client.post(reverse("benefits:staff_offer_edit", args=[offer.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Offer.objects.get(pk=offer.pk).quota == 120


def test_the_service_list_costs_the_same_for_one_or_many(
    staff_client, provider, operator, django_assert_num_queries
):
    make_service(operator, provider, title="一")
    with django_assert_num_queries(7) as one:
        staff_client.get(reverse("benefits:staff_services"))
    for n in range(5):
        make_service(operator, provider, title=f"服务{n}")
    with django_assert_num_queries(len(one.captured_queries)):
        staff_client.get(reverse("benefits:staff_services"))


def test_usage_figures_and_their_export(staff_client, offer, member, account, tree, english):
    actions.record_view(service=offer.service)
    claim = claiming.claim_offer(member=member, offer=offer)
    redeeming.redeem_code(account=account, code=claiming.code_of(claim))
    page = staff_client.get(reverse("benefits:staff_usage")).content.decode()
    assert 'data-count="claims"><span class="value">1<' in page
    today = timezone.localdate().isoformat()
    response = staff_client.get(
        reverse("benefits:staff_usage_xlsx") + f"?start={today}&end={today}"
    )
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    services = list(book["Services"].iter_rows(values_only=True))
    assert services[1][:7] == (
        "职工心理咨询",
        "中关村心理咨询中心",
        tree.zgc.name,
        "Mental care",
        1,
        1,
        1,
    )
    unions = list(book["By union"].iter_rows(values_only=True))
    assert unions[1] == (tree.sohu.name, 1, 1)


def test_outsiders_get_404(tree, make_staff, client_for, offer):
    outsider = client_for(make_staff(tree.hlg))
    assert outsider.get(reverse("benefits:staff_offer", args=[offer.pk])).status_code == 404
    assert (
        outsider.get(reverse("benefits:staff_service", args=[offer.service_id])).status_code == 404
    )


# --- the provider desk's photo fallback --------------------------------------------------------


@pytest.fixture
def chinese_desk(desk, settings):
    desk.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return desk


def photo(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.jpg", data, content_type="image/jpeg")


def test_a_photo_of_an_offer_code_is_inspected_like_the_typed_code(chinese_desk, offer, member):
    claim = claiming.claim_offer(member=member, offer=offer)
    code = claiming.code_of(claim)
    url = reverse("benefits:provider_scan_photo")
    taken = chinese_desk.post(url, {"photo": photo(photo_of(code, angle=30))})
    typed = chinese_desk.post(reverse("benefits:provider_scan"), {"code": code})
    assert taken.status_code == typed.status_code == 200
    assert taken.context["inspection"] == typed.context["inspection"]
    assert taken.context["scanned"] == code  # the Redeem button redeems this code
    assert taken.context["answer"] is None  # a choice to make, not a refusal
    assert "可以使用。" in taken.content.decode()
    assert Claim.objects.get().status == Claim.Status.CLAIMED

    chinese_desk.post(reverse("benefits:provider_redeem"), {"code": code, "claim": claim.pk})
    at = timezone.localtime(Claim.objects.get().redeemed_at).strftime("%Y-%m-%d %H:%M")
    used = chinese_desk.post(url, {"photo": photo(qr_png(code))})
    assert used.context["answer"] == ScanAnswer(
        tone="bad",
        title="已使用过",
        message=f"已于 {at} 使用。",
        code="already_redeemed",
        who="李*光 · 免费心理咨询一次",
        first_at=at,
    )


def test_an_unreadable_photo_at_the_provider_desk_is_a_red_answer(chinese_desk, offer, member):
    blank = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 90, 90)).save(blank, format="JPEG")
    response = chinese_desk.post(
        reverse("benefits:provider_scan_photo"), {"photo": photo(blank.getvalue())}
    )
    assert response.status_code == 400
    assert response.context["answer"] == ScanAnswer(
        tone="bad",
        title="无法使用",
        message="照片里没有找到二维码。请把手机靠近一些，让二维码清晰、平整，再拍一次。",
        code="no_code",
    )
