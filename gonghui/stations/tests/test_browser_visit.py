"""In a real browser on a phone: a courier picks 昌平区 / 回龙观, opens a station, scans the QR
poster hanging there (opens its address), signs in by SMS, and records the visit; scanning
again the same day says he already visited today.

Run on their own with `pytest -m browser` (Debian's Chromium through Playwright, against
pytest-django's live server).
"""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from gonghui.checkins.models import CheckIn
from gonghui.core.tests.browser import PHONE, PageFactory, sign_in_worker
from gonghui.stations import codes

pytestmark = pytest.mark.browser

WORKER_MOBILE = "13800138000"
ENGLISH = {"locale": "en-US", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def courier(tree, make_member):
    return make_member(tree.hlg, mobile=WORKER_MOBILE, name="李建军")


@pytest.fixture
def stations(tree, station, make_station):
    """龙泽园驿站 (around the clock) and 云趣园驿站 in 回龙观, 德胜门驿站 in 西城区."""
    make_station(tree.hlg, name="云趣园驿站", all_day=True, opens=None, closes=None)
    make_station(tree.desheng, name="德胜门驿站", district="西城区", street="德胜")
    return station


def test_a_courier_finds_a_station_and_records_a_visit_once_a_day(
    transactional_db, new_page: PageFactory, stations, courier, sms_outbox
):
    station = stations
    page = new_page(**PHONE, **ENGLISH)

    # Anyone can look stations up: pick the district, then the street.
    page.goto(reverse("stations:member_list"))
    expect(page.locator("#pick-district")).to_be_visible()
    page.locator("#id_district").select_option("昌平区")
    expect(page.locator("#id_street")).to_be_visible()
    # The picker was just swapped in: let htmx finish settling it (and wire its change event)
    # before choosing, as a person's second tap always does.
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    page.locator("#id_street").select_option("回龙观")
    expect(page.locator("#station-list .station-name")).to_have_text(["云趣园驿站", "龙泽园驿站"])
    expect(page).to_have_url(re.compile(r"district=.*street="))  # pushed by htmx, polled

    page.locator("#station-list .station-name", has_text="龙泽园驿站").click()
    page.wait_for_url(re.compile(re.escape(reverse("stations:member_detail", args=[station.pk]))))
    expect(page.locator("#open-state")).to_have_text("Open now, around the clock")
    expect(page.locator("#amenities li")).to_have_text(
        ["Drinking water", "Phone and battery charging", "Seats to rest"]
    )

    # The poster's QR holds this address: not signed in yet, so sign in and come back.
    visit = reverse("stations:visit", kwargs={"code": codes.poster_code(station)})
    page.goto(visit)
    page.wait_for_url(re.compile(r"/accounts/login/\?next="))
    sign_in_worker(page, sms_outbox, WORKER_MOBILE)
    page.wait_for_url(re.compile(re.escape(visit) + "$"))
    expect(page.locator("#visit-station")).to_contain_text("龙泽园驿站")
    assert CheckIn.objects.count() == 0

    page.locator("#visit-button").click()
    result = page.locator("#visit-result")
    expect(result.locator(".checkin-title")).to_have_text("Visit recorded")
    recorded = CheckIn.objects.get()
    at = timezone.localtime(recorded.checked_in_at).strftime("%H:%M")
    expect(result.locator(".checkin-message")).to_have_text(
        f"Welcome! Your visit at {at} is recorded."
    )
    assert (recorded.member_id, recorded.day) == (courier.pk, timezone.localdate())

    # Scanning the poster again the same day: already visited, nothing recorded.
    page.goto(visit)
    expect(result.locator(".checkin-title")).to_have_text("Already visited today")
    expect(result.locator(".checkin-message")).to_have_text(f"Already checked in today at {at}.")
    expect(page.locator("#visit-button")).to_have_count(0)
    assert CheckIn.objects.count() == 1

    # The list opens on the courier's last choice; the station page knows today's visit.
    page.goto(reverse("stations:member_list"))
    expect(page.locator("#id_street")).to_have_value("回龙观")
    page.locator("#station-list .station-name", has_text="龙泽园驿站").click()
    expect(page.locator("#visited-today")).to_have_text(f"You visited today at {at}.")
