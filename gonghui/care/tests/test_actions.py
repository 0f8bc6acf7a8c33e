"""Care campaigns through the actions: every movement one balanced ledger entry, every bad
input refused with its message and nothing written."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gonghui.care import actions
from gonghui.care.actions import Handout, Receipt
from gonghui.care.models import Relief, Shipment
from gonghui.core.errors import DomainError
from gonghui.ledger import actions as ledger_actions
from gonghui.ledger.models import Entry, Fund, Payout, Posting
from gonghui.ledger.queries import balances, trial_balance

pytestmark = pytest.mark.usefixtures("ledger_exact", "tallies_exact")


def _sums(org, **filters):
    return {
        (b.account, b.fund): b.amount
        for b in balances(org)
        if all(getattr(b, k) == v for k, v in filters.items())
    }


def test_stock_received_spends_the_fund_and_fills_the_stock(staff, tree, stocked, kit):
    money = {
        b.account: b.amount for b in balances(tree.desheng) if b.commodity_id != kit.commodity_id
    }
    goods = {
        b.account: b.amount for b in balances(tree.desheng) if b.commodity_id == kit.commodity_id
    }
    assert money == {"source": -4_095_000, "spent": 4_095_000}
    assert goods == {"source": -300, "stock": 300}
    # the root's balance includes its subtree's
    assert {
        b.account: b.amount for b in balances(tree.root) if b.commodity_id == kit.commodity_id
    } == goods
    assert trial_balance() == {"CNY": 0, kit.commodity.code: 0}


def test_a_short_delivery_is_posted_as_lost_and_shown(shipment, site, kit, tree):
    done = actions.confirm_delivery(
        shipment=shipment,
        receipt=Receipt(received=73, signed_by="王医生", reason="两箱破损"),
    )
    assert (done.status, done.quantity_received, done.difference) == ("received", 73, -2)
    at_site = Posting.objects.filter(place=site.key, commodity=kit.commodity)
    assert dict(
        at_site.values_list("account").annotate(n=__import__("django").db.models.Sum("amount"))
    ) == {
        "in_transit": 0,
        "stock": 73,
        "loss": 2,
    }


def test_a_delivery_cannot_be_confirmed_twice(received):
    with pytest.raises(DomainError) as refused:
        actions.confirm_delivery(
            shipment=received, receipt=Receipt(received=75, signed_by="另一人")
        )
    assert refused.value.code == "already_confirmed"
    assert str(refused.value).startswith("这批物资已由王医生于 ")
    assert str(refused.value).endswith("签收（实收 75），不能重复签收。")
    assert Entry.objects.filter(kind="care.receipt").count() == 1


def test_more_received_than_shipped_needs_a_reason(shipment):
    with pytest.raises(DomainError) as refused:
        actions.confirm_delivery(
            shipment=shipment, receipt=Receipt(received=76, signed_by="王医生")
        )
    assert refused.value.code == "surplus_without_reason"
    assert str(refused.value) == (
        "实收 76 多于发出的 75：请说明原因（例如混入了其他批次的物资）或更正数量。"
    )
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.SENT
    assert not Entry.objects.filter(kind="care.receipt").exists()


def test_shipping_more_than_the_stock_is_refused(staff, campaign, site, kit, stocked):
    with pytest.raises(DomainError) as refused:
        actions.ship(
            actor=staff,
            campaign=campaign,
            site=site,
            item=kit,
            fund=Fund.SPECIAL,
            quantity=301,
            day=timezone.localdate(),
        )
    assert refused.value.code == "negative_stock"
    assert str(refused.value) == (
        "食品防护用品包（专项资金）库存只有 300 份，不能发出 301。未作任何记录。"
    )
    assert not Shipment.objects.exists()


def test_relief_is_paid_once_per_person_campaign_and_kind(
    staff, campaign, site, kit, received, member
):
    handout = Handout(
        member=member, kind=Relief.Kind.GOODS, fund=Fund.SPECIAL, item=kit, quantity=1
    )
    actions.hand_out(actor=staff, campaign=campaign, site=site, handout=handout)
    with pytest.raises(DomainError) as refused:
        actions.hand_out(actor=staff, campaign=campaign, site=site, handout=handout)
    assert refused.value.code == "already_paid"
    assert str(refused.value) == "此人在本次活动中已领取过此项慰问，不能重复发放。未作任何记录。"
    assert (Relief.objects.count(), Payout.objects.count()) == (1, 1)


def test_a_second_payment_from_a_union_above_is_refused(
    staff, campaign, site, kit, received, member, tree, make_staff
):
    above = make_staff(tree.root, "operator")
    handout = Handout(
        member=member, kind=Relief.Kind.GOODS, fund=Fund.SPECIAL, item=kit, quantity=1
    )
    actions.hand_out(actor=staff, campaign=campaign, site=site, handout=handout)
    with pytest.raises(DomainError) as refused:
        actions.hand_out(actor=above, campaign=campaign, site=site, handout=handout)
    assert refused.value.code == "already_paid"
    assert Relief.objects.count() == 1


def test_cash_where_forbidden_is_refused(staff, campaign, site, member):
    campaign.cash_allowed = False
    campaign.save()
    with pytest.raises(DomainError) as refused:
        actions.hand_out(
            actor=staff,
            campaign=campaign,
            site=site,
            handout=Handout(member=member, kind=Relief.Kind.CASH, fund=Fund.SPECIAL, amount=50_000),
        )
    assert refused.value.code == "cash_forbidden"
    assert str(refused.value) == "本次活动不允许发放现金，请改发物资。未作任何记录。"
    assert not Entry.objects.filter(kind="care.relief").exists()


def test_over_the_visit_cap_is_refused(staff, campaign, site, member):
    with pytest.raises(DomainError) as refused:
        actions.hand_out(
            actor=staff,
            campaign=campaign,
            site=site,
            handout=Handout(
                member=member, kind=Relief.Kind.CASH, fund=Fund.SPECIAL, amount=300_001
            ),
        )
    assert refused.value.code == "over_visit_cap"
    assert str(refused.value) == (
        "3,000.01 元超过本次活动每人每次 3,000.00 元的上限。未作任何记录。"
    )


def test_the_yearly_cap_counts_every_care_campaign(staff, campaign, site, member, tree):
    second = actions.create_campaign(
        actor=staff,
        org=tree.desheng,
        details=actions.CampaignDetails(
            title="第二次慰问",
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
            cap_per_visit=300_000,
            cap_per_year=600_000,
            cash_allowed=True,
        ),
        sites=[site],
    )

    def cash(amount: int) -> Handout:
        return Handout(member=member, kind=Relief.Kind.CASH, fund=Fund.OWN_BUDGET, amount=amount)

    actions.hand_out(
        actor=staff,
        campaign=campaign,
        site=site,
        handout=cash(300_000),
    )
    with pytest.raises(DomainError) as refused:
        actions.hand_out(
            actor=staff,
            campaign=second,
            site=site,
            handout=cash(300_001),
        )
    assert refused.value.code == "over_visit_cap"
    actions.hand_out(
        actor=staff,
        campaign=second,
        site=site,
        handout=cash(300_000),
    )
    third = actions.create_campaign(
        actor=staff,
        org=tree.desheng,
        details=actions.CampaignDetails(
            title="第三次慰问",
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
            cap_per_year=600_000,
            cash_allowed=True,
        ),
        sites=[site],
    )
    with pytest.raises(DomainError) as refused:
        actions.hand_out(actor=staff, campaign=third, site=site, handout=cash(1))
    assert refused.value.code == "over_year_cap"
    assert str(refused.value) == (
        "赵*国 在 2026 年已获慰问 6,000.00 元，再发 0.01 元将超过每人每年 6,000.00 元的上限。"
        "未作任何记录。"
    ).replace("2026", str(timezone.localdate().year))
    assert Relief.objects.count() == 2


def test_handing_out_more_than_the_site_holds_is_refused(
    staff, campaign, site, kit, shipment, member
):
    with pytest.raises(DomainError) as refused:  # in transit, not yet received
        actions.hand_out(
            actor=staff,
            campaign=campaign,
            site=site,
            handout=Handout(
                member=member, kind=Relief.Kind.GOODS, fund=Fund.SPECIAL, item=kit, quantity=1
            ),
        )
    assert refused.value.code == "negative_stock"
    assert not Payout.objects.exists()


def test_a_reversal_restores_every_balance_and_frees_the_payment(
    staff, campaign, site, kit, received, member, tree, make_staff
):
    before = balances(tree.root)
    handout = Handout(
        member=member, kind=Relief.Kind.GOODS, fund=Fund.SPECIAL, item=kit, quantity=2
    )
    relief = actions.hand_out(actor=staff, campaign=campaign, site=site, handout=handout)
    assert balances(tree.root) != before
    admin = make_staff(tree.desheng)
    reversal = ledger_actions.reverse_entry(actor=admin, entry=relief.entry, reason="发错人")
    assert reversal.reverses_id == relief.entry_id
    assert balances(tree.root) == before
    assert not Payout.objects.exists()
    with pytest.raises(DomainError) as refused:
        ledger_actions.reverse_entry(actor=admin, entry=relief.entry, reason="again")
    assert refused.value.code == "already_reversed"
    actions.hand_out(actor=staff, campaign=campaign, site=site, handout=handout)
    assert Payout.objects.count() == 1


def test_no_posting_into_a_closed_period(staff, campaign, site, kit, tree, make_staff):
    admin = make_staff(tree.root)
    yesterday = timezone.localdate() - timedelta(days=1)
    ledger_actions.close_period(actor=admin, org=tree.root, through=yesterday)
    with pytest.raises(DomainError) as refused:
        actions.receive_stock(
            actor=staff,
            campaign=campaign,
            item=kit,
            fund=Fund.SPECIAL,
            supplier="华联",
            quantity=1,
            unit_price=100,
            day=yesterday,
        )
    assert refused.value.code == "period_closed"
    day = yesterday.isoformat()
    assert str(refused.value) == (
        f"德胜街道总工会 已结账至 {day}：不能记入 {day}。请在 {day} 之后的日期记更正分录。"
    )
    assert not Entry.objects.exists()


def test_offline_signatures_are_answered_once(shipment):
    receipt = Receipt(received=75, signed_by="王医生", offline=True)
    first = actions.upload_receipts(shipment=shipment, device="phone-1", items=[("n1", receipt)])
    again = actions.upload_receipts(shipment=shipment, device="phone-1", items=[("n1", receipt)])
    other = actions.upload_receipts(shipment=shipment, device="phone-2", items=[("n9", receipt)])
    assert (first[0]["ok"], first[0]["replayed"]) == (True, False)
    assert (again[0]["ok"], again[0]["replayed"]) == (True, True)
    assert (other[0]["ok"], other[0]["code"]) == (False, "already_confirmed")
    assert Entry.objects.filter(kind="care.receipt").count() == 1


def test_the_disclosure_masks_names_and_hashes_the_list(
    staff, campaign, site, kit, received, member
):
    actions.hand_out(
        actor=staff,
        campaign=campaign,
        site=site,
        handout=Handout(
            member=member, kind=Relief.Kind.GOODS, fund=Fund.SPECIAL, item=kit, quantity=1
        ),
    )
    disclosure = actions.publish_disclosure(actor=staff, campaign=campaign)
    [line] = disclosure.lines
    assert line["name"] == "赵*国"
    assert "*" in line["id"]
    assert str(member.id_number) not in line["id"]
    assert disclosure.sha256 == actions.list_hash(disclosure.lines)
    assert len(disclosure.sha256) == 64
    assert disclosure.totals["purchases_by_fund"] == {"special": 4_095_000}


def test_a_second_payment_reads_as_such_once_the_stock_is_gone(
    staff, campaign, site, kit, received, member
):
    kit.unit_value = 0  # the whole delivery to one person, under the caps
    kit.save()
    handout = Handout(
        member=member, kind=Relief.Kind.GOODS, fund=Fund.SPECIAL, item=kit, quantity=75
    )
    actions.hand_out(actor=staff, campaign=campaign, site=site, handout=handout)
    with pytest.raises(DomainError) as refused:
        actions.hand_out(actor=staff, campaign=campaign, site=site, handout=handout)
    assert refused.value.code == "already_paid"
