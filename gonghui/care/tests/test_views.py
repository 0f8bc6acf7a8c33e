"""The care pages: a campaign's page, the reconciliation, the ledger, the delivery note's
signing page and its offline upload, the 公示 (page, PDF, JSON), the Excel exports."""

import hashlib
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from gonghui.care import actions
from gonghui.care.actions import Handout
from gonghui.care.models import Relief, Shipment
from gonghui.core.tests.pdf import pdf_fonts, pdf_lines
from gonghui.ledger.models import Entry, Fund
from gonghui.members import cards

pytestmark = pytest.mark.usefixtures("ledger_exact")

PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/"
    "PchI7wAAAABJRU5ErkJggg=="
)


@pytest.fixture
def staff_client(staff, client_for):
    return client_for(staff)


@pytest.fixture
def given(staff, campaign, site, kit, received, member):
    return actions.hand_out(
        actor=staff,
        campaign=campaign,
        site=site,
        handout=Handout(
            member=member, kind=Relief.Kind.GOODS, fund=Fund.SPECIAL, item=kit, quantity=1
        ),
    )


def test_the_campaign_page_shows_stock_shipments_and_masked_relief(
    staff_client, campaign, given, django_assert_num_queries
):
    with django_assert_num_queries(18):
        response = staff_client.get(reverse("care:detail", args=[campaign.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "北京华联超市" in text
    assert "赵*国" in text
    assert "赵建国" not in text


def test_the_campaign_list_counts_queries(staff_client, campaign, django_assert_num_queries):
    with django_assert_num_queries(6):
        response = staff_client.get(reverse("care:list"))
    assert campaign.title in response.content.decode()


def test_relief_by_card_scan_on_the_page(staff_client, campaign, site, kit, received, member):
    code = cards.card_code_of(member)
    response = staff_client.post(
        reverse("care:post", args=[campaign.pk, "relief"]),
        {
            "relief-site": site.pk,
            "relief-card": code,
            "relief-kind": "goods",
            "relief-fund": "special",
            "relief-item": kit.pk,
            "relief-quantity": 1,
        },
    )
    assert response.status_code == 302
    relief = Relief.objects.get()
    assert (relief.member_id, relief.method) == (member.pk, "card")
    again = staff_client.post(
        reverse("care:post", args=[campaign.pk, "relief"]),
        {
            "relief-site": site.pk,
            "relief-member_number": member.number,
            "relief-kind": "goods",
            "relief-fund": "special",
            "relief-item": kit.pk,
            "relief-quantity": 1,
        },
    )
    assert again.status_code == 400
    assert "此人在本次活动中已领取过此项慰问" in again.content.decode()
    assert Relief.objects.count() == 1


def test_the_delivery_page_signs_once_and_replays_a_retry(client, shipment):
    page = client.get(reverse("care:delivery", args=[shipment.token]))
    assert page.status_code == 200
    assert "德胜疫苗接种点" in page.content.decode()
    body = {
        "device": "phone-a",
        "items": [
            {
                "nonce": "n-1",
                "received": 74,
                "reason": "一份破损",
                "signed_by": "王医生",
                "signature": PNG,
                "signed_at": timezone.now().isoformat(),
                "offline": True,
            }
        ],
    }
    url = reverse("care:delivery_upload", args=[shipment.token])
    first = client.post(url, json.dumps(body), content_type="application/json")
    retry = client.post(url, json.dumps(body), content_type="application/json")
    assert first.json()["answers"][0] | {"message": ""} == {
        "nonce": "n-1",
        "ok": True,
        "code": "received",
        "message": "",
        "replayed": False,
    }
    assert retry.json()["answers"][0]["replayed"] is True
    shipment.refresh_from_db()
    assert (shipment.quantity_received, shipment.signed_offline, shipment.signed_by) == (
        74,
        True,
        "王医生",
    )
    assert shipment.signature.name.endswith(".jpg")
    assert Entry.objects.filter(kind="care.receipt").count() == 1


def test_an_unknown_delivery_note_is_404(client):
    assert client.get(reverse("care:delivery", args=["nope"])).status_code == 404


def test_the_public_disclosure_page_pdf_and_json(client, staff, campaign, given):
    published = actions.publish_disclosure(actor=staff, campaign=campaign)
    page = client.get(reverse("care:disclosure", args=[campaign.pk]))
    text = page.content.decode()
    assert "赵*国" in text
    assert published.sha256 in text
    data = client.get(reverse("care:disclosure_json", args=[campaign.pk])).json()
    lines = "\n".join(
        json.dumps(line, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        for line in data["lines"]
    )
    assert hashlib.sha256(lines.encode()).hexdigest() == data["sha256"] == published.sha256
    pdf = client.get(reverse("care:disclosure_pdf", args=[campaign.pk]))
    lines_of_pdf = pdf_lines(b"".join(pdf.streaming_content) if pdf.streaming else pdf.content)
    assert any("赵*国" in line for line in lines_of_pdf)
    assert any(published.sha256 in line for line in lines_of_pdf)
    assert pdf_fonts(pdf.content) == [("AAAAAA+WenQuanYiMicroHei-0", True)]


def test_no_disclosure_before_publication(client, campaign, given):
    assert client.get(reverse("care:disclosure", args=[campaign.pk])).status_code == 404


def test_the_reconciliation_shows_a_short_delivery(staff_client, tree, shipment):
    actions.confirm_delivery(
        shipment=shipment, receipt=actions.Receipt(received=70, signed_by="王医生", reason="少5份")
    )
    response = staff_client.get(reverse("care:reconciliation") + f"?org={tree.desheng.pk}")
    text = response.content.decode()
    assert 'data-kind="lost"' in text
    assert "德胜疫苗接种点 · 食品防护用品包：途中损耗或短少 5 份" in text


def test_the_campaign_workbook(staff_client, campaign, given):
    response = staff_client.get(reverse("care:xlsx", args=[campaign.pk]))
    book = load_workbook(io.BytesIO(response.content))
    money = list(book["按资金来源的金额"].iter_rows(values_only=True))
    assert money[1] == ("专项资金", 40950, 40950, 0)
    relief = list(book["慰问"].iter_rows(values_only=True))
    assert relief[1][1] == "赵*国"


def test_the_ledger_workbook_and_page(staff_client, tree, given):
    page = staff_client.get(reverse("care:ledger") + f"?org={tree.desheng.pk}")
    assert page.status_code == 200
    response = staff_client.get(reverse("care:ledger_xlsx") + f"?org={tree.desheng.pk}")
    rows = list(load_workbook(io.BytesIO(response.content))["台账"].iter_rows(values_only=True))
    # the header; the purchase (goods and money), the shipment, the receipt, the relief
    assert len(rows) == 1 + 4 + 2 + 2 + 2
    money = [row for row in rows[1:] if row[7] == "元"]
    assert sorted(row[6] for row in money) == [-40950, 40950]


def test_a_shipment_gets_a_delivery_note_with_its_qr_link(staff_client, campaign, shipment):
    response = staff_client.get(reverse("care:delivery_note", args=[campaign.pk, shipment.pk]))
    text = "\n".join(pdf_lines(response.content))
    assert f"/care/d/{shipment.token}/" in text
    assert Shipment.objects.count() == 1


def test_an_allocation_shows_until_shipped(staff_client, campaign, site, kit, stocked):
    response = staff_client.post(
        reverse("care:post", args=[campaign.pk, "allocate"]),
        {"allocate-site": site.pk, "allocate-item": kit.pk, "allocate-quantity": 80},
    )
    assert response.status_code == 302
    page = staff_client.get(reverse("care:detail", args=[campaign.pk])).content.decode()
    assert "德胜疫苗接种点 · 食品防护用品包：已分配 80 份，尚未发出" in page


def test_the_list_pages_count_their_queries(
    staff_client, tree, campaign, given, django_assert_num_queries
):
    with django_assert_num_queries(10):
        staff_client.get(reverse("care:ledger") + f"?org={tree.desheng.pk}")
    with django_assert_num_queries(6):
        staff_client.get(reverse("care:sites"))
    with django_assert_num_queries(12):
        staff_client.get(reverse("care:reconciliation") + f"?org={tree.desheng.pk}")


def test_the_dashboard_api_reads_care_from_the_ledger(staff, tree, given, api_client_for):
    response = api_client_for(staff).get(
        f"/api/v1/dashboard/care?org={tree.desheng.pk}&period=this_year"
    )
    body = response.json()
    assert (body["people_reached"], body["sites_served"]) == (1, 1)
    assert body["goods_delivered"] == [{"item": "食品防护用品包", "unit": "份", "units": 75}]
    assert body["goods_handed_out"] == [{"item": "食品防护用品包", "unit": "份", "units": 1}]
    assert body["money_by_fund"] == [{"fund": "special", "fen": 4_095_000}]
    assert body["money_total"] == 4_095_000


def test_an_api_relief_retried_with_its_key_is_replayed_not_paid_twice(
    staff, campaign, site, kit, received, member, api_client_for
):
    client = api_client_for(staff)
    body = {
        "site_id": site.pk,
        "member_id": member.pk,
        "kind": "goods",
        "fund": "special",
        "item_id": kit.pk,
        "quantity": 1,
    }
    url = f"/api/v1/care/campaigns/{campaign.pk}/relief"
    headers = {"Idempotency-Key": "relief-1"}
    first = client.post(url, body, content_type="application/json", headers=headers)
    again = client.post(url, body, content_type="application/json", headers=headers)
    other = client.post(
        url, body, content_type="application/json", headers={"Idempotency-Key": "relief-2"}
    )
    assert first.status_code == 201
    assert (again.status_code, again["Idempotent-Replayed"]) == (201, "true")
    assert again.content == first.content
    assert (other.status_code, other.json()["code"]) == (409, "already_paid")
    assert Relief.objects.count() == 1
