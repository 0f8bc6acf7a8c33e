"""A depot contact signs for a delivery on a phone with no signal: the signature is kept on
the phone, sent when the network is back, and the union above sees the delivery received
with its difference in its reconciliation.

Run on its own with `pytest -m browser`."""

import re

import pytest
from playwright.sync_api import expect

from gonghui.care.models import Shipment
from gonghui.core.tests.browser import PHONE, sign_in_staff
from gonghui.ledger.queries import trial_balance

pytestmark = pytest.mark.browser


def test_a_depot_signs_offline_and_the_superior_sees_the_difference(
    transactional_db, new_page, shipment, tree, make_staff
):
    phone = new_page(**PHONE)
    phone.goto(f"/care/d/{shipment.token}/")
    expect(phone.locator("main")).to_contain_text("德胜疫苗接种点")
    phone.context.set_offline(True)
    phone.locator("#received").fill("73")
    phone.locator("#reason").fill("两份外包装破损")
    phone.locator("#signed_by").fill("王医生")
    box = phone.locator("#pad").bounding_box()
    assert box is not None
    phone.mouse.move(box["x"] + 20, box["y"] + 40)
    phone.mouse.down()
    phone.mouse.move(box["x"] + 120, box["y"] + 90, steps=8)
    phone.mouse.move(box["x"] + 220, box["y"] + 50, steps=8)
    phone.mouse.up()
    phone.locator("#sign").click()
    expect(phone.locator("#sign-status")).to_have_text("已保存在本手机上，有信号后将自动上传。")
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.SENT  # nothing reached the server yet

    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    expect(phone.locator("#answer")).to_have_text("已签收：实收 73。")
    shipment.refresh_from_db()
    assert (shipment.quantity_received, shipment.difference_reason, shipment.signed_offline) == (
        73,
        "两份外包装破损",
        True,
    )
    assert shipment.signature.name.endswith(".jpg")
    assert set(trial_balance().values()) == {0}

    superior = make_staff(tree.root, "viewer")
    page = new_page()
    sign_in_staff(page, superior.username)
    page.goto(f"/staff/care/reconciliation/?org={tree.root.pk}")
    row = page.locator(f'table.reconciliation-goods tr[data-site="{shipment.site_id}"]')
    expect(row.locator("td.received")).to_have_text("73")
    expect(row.locator("td.lost")).to_have_text("2")
    expect(page.locator("#differences")).to_contain_text(
        re.compile("德胜疫苗接种点 · 食品防护用品包：途中损耗或短少 2 份")
    )
