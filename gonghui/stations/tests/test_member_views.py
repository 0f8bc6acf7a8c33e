"""Stations on the phone: the district and street picker (remembered), the station page, and the
poster's landing page that records a visit."""

import re
from datetime import time, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.checkins.models import CheckIn
from gonghui.stations import actions, codes
from gonghui.stations.views import AREA_COOKIE

EN = {"Accept-Language": "en"}
LIST = reverse("stations:member_list")


@pytest.fixture
def stations(tree, station, make_station):
    """龙泽园驿站 (回龙观, around the clock), 云趣园驿站 (回龙观, 07:00–21:00, microwave) and
    德胜门驿站 (西城区 德胜), plus a deactivated one in 回龙观."""
    yunqu = make_station(
        tree.hlg, name="云趣园驿站", address="云趣园一区", amenities=["water", "microwave"]
    )
    desheng = make_station(tree.desheng, name="德胜门驿站", district="西城区", street="德胜")
    closed = make_station(tree.hlg, name="已撤站点")
    actions.set_station_active(actor=closed.created_by, station=closed, active=False)
    return station, yunqu, desheng


def names(response) -> list[str]:
    page = response.content.decode()
    return re.findall(r'class="activity-title station-name"[^>]*>([^<]+)<', page)


def test_without_a_choice_the_list_asks_for_a_district(stations):
    response = Client().get(LIST, headers=EN)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose a district to see its stations." in page
    assert '<option value="昌平区">昌平区 (2)</option>' in page
    assert '<option value="西城区">西城区 (1)</option>' in page
    assert names(response) == []


def test_picking_a_district_and_street_lists_its_active_stations_and_is_remembered(stations):
    client = Client()
    response = client.get(LIST, {"district": "昌平区", "street": "回龙观"}, headers=EN)
    assert names(response) == ["云趣园驿站", "龙泽园驿站"]
    assert "已撤站点" not in response.content.decode()
    assert response.cookies[AREA_COOKIE]["max-age"] == 365 * 24 * 3600
    # Next time, without parameters, the list opens where the visitor left it.
    again = client.get(LIST, headers=EN)
    assert names(again) == ["云趣园驿站", "龙泽园驿站"]
    assert '<option value="回龙观" selected>' in again.content.decode()


def test_an_amenity_narrows_the_list_and_unknown_names_are_dropped(stations):
    client = Client()
    response = client.get(LIST, {"district": "昌平区", "amenity": "microwave"}, headers=EN)
    assert names(response) == ["云趣园驿站"]
    # A street of another district, or a made-up district, falls back to choosing.
    assert names(client.get(LIST, {"district": "昌平区", "street": "德胜"})) == [
        "云趣园驿站",
        "龙泽园驿站",
    ]
    nowhere = client.get(LIST, {"district": "火星区"}, headers=EN)
    assert "Choose a district" in nowhere.content.decode()


def test_a_member_starts_at_their_own_unions_district(stations, tree, make_member, client_for):
    tree.desheng.district = "西城区"
    tree.desheng.save(update_fields=["district"])
    member = make_member(tree.desheng)
    response = client_for(member.user).get(LIST, headers=EN)
    assert names(response) == ["德胜门驿站"]


def test_an_htmx_change_renders_only_the_region(stations):
    response = Client().get(
        LIST, {"district": "西城区"}, headers={"HX-Request": "true", "HX-Target": "stations"}
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="stations">')
    assert "<html" not in page
    assert names(response) == ["德胜门驿站"]


def test_the_list_costs_the_same_queries_for_one_or_three_stations(
    tree, make_station, django_assert_num_queries
):
    make_station(tree.hlg, name="一号驿站")
    client = Client()
    with django_assert_num_queries(3) as one:
        client.get(LIST, {"district": "昌平区"})
    make_station(tree.hlg, name="二号驿站")
    make_station(tree.hlg, name="三号驿站")
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(LIST, {"district": "昌平区"})
    assert len(names(response)) == 3


def test_the_station_page_shows_hours_open_now_amenities_and_how_to_visit(tree, make_station):
    station = make_station(
        tree.hlg,
        opens=time(0, 0),
        closes=time(23, 59),
        hours_note="节假日照常开放",
        amenities=["first_aid", "water"],
    )
    response = Client().get(reverse("stations:member_detail", args=[station.pk]), headers=EN)
    page = response.content.decode()
    assert "Every day 00:00–23:59" in page
    assert "节假日照常开放" in page
    assert "Drinking water" in page
    assert "First-aid kit" in page
    assert 'href="tel:010-81790001"' in page
    assert "Scan it with your phone" in page
    assert re.search(r'id="open-state">Open now, until 23:59<', page)


def test_the_station_page_tells_a_member_about_todays_visit(station, member, member_client):
    actions.record_visit(member=member, code=codes.poster_code(station))
    response = member_client.get(reverse("stations:member_detail", args=[station.pk]), headers=EN)
    visit = CheckIn.objects.get()
    time_text = timezone.localtime(visit.checked_in_at).strftime("%H:%M")
    assert f"You visited today at {time_text}." in response.content.decode()
    assert "1 visit recorded here." in response.content.decode()


def test_a_deactivated_station_is_not_found(station, hlg_staff):
    actions.set_station_active(actor=hlg_staff, station=station, active=False)
    assert Client().get(reverse("stations:member_detail", args=[station.pk])).status_code == 404


# --- the poster's landing page ---------------------------------------------------------------


def visit_url(station) -> str:
    return reverse("stations:visit", kwargs={"code": codes.poster_code(station)})


def test_opening_the_scanned_address_records_nothing_until_the_button(station, member_client):
    response = member_client.get(visit_url(station), headers=EN)
    assert response.status_code == 200
    assert 'id="visit-button"' in response.content.decode()
    assert CheckIn.objects.count() == 0


def test_the_button_records_the_visit_then_the_second_scan_says_already(
    station, member, member_client
):
    url = visit_url(station)
    response = member_client.post(url, headers=EN)
    assert response.status_code == 302
    assert response["Location"] == url
    shown = member_client.get(url, headers=EN).content.decode()
    visit = CheckIn.objects.get()
    time_text = timezone.localtime(visit.checked_in_at).strftime("%H:%M")
    assert 'data-code="checked_in"' in shown
    assert f"Welcome! Your visit at {time_text} is recorded." in shown
    # Scanning again the same day: the page says so straight away, without a button.
    again = member_client.get(url, headers=EN).content.decode()
    assert 'data-code="already_checked_in"' in again
    assert f"Already checked in today at {time_text}." in again
    assert 'id="visit-button"' not in again
    # Pressing a button left open in another tab changes nothing either.
    member_client.post(url)
    assert 'data-code="already_checked_in"' in member_client.get(url, headers=EN).content.decode()
    assert CheckIn.objects.count() == 1
    assert visit.member_id == member.pk


def test_yesterdays_visit_does_not_stop_todays(station, member, member_client):
    yesterday = timezone.now() - timedelta(days=1)
    actions.record_visit(member=member, code=codes.poster_code(station), at=yesterday)
    page = member_client.get(visit_url(station), headers=EN).content.decode()
    assert 'id="visit-button"' in page
    member_client.post(visit_url(station))
    assert CheckIn.objects.filter(member=member).count() == 2


def test_not_signed_in_goes_to_sign_in_and_back(station):
    url = visit_url(station)
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"
    assert Client().post(url).status_code == 302
    assert CheckIn.objects.count() == 0


def test_a_worker_without_membership_is_told_to_join(station, client_for):
    worker = User.objects.create_user(None, None, mobile="13800138111")
    client = client_for(worker)
    response = client.get(visit_url(station), headers=EN)
    assert response.status_code == 403
    assert 'data-code="not_a_member"' in response.content.decode()
    assert client.post(visit_url(station)).status_code == 403
    assert CheckIn.objects.count() == 0


@pytest.mark.parametrize(
    ("code", "answer"),
    [
        ("GS1.abc.XYZ", "code_malformed"),
        ("not-a-code", "code_malformed"),
        ("GS1.{pk}.AAAAAAAAAAAAAAAA", "code_invalid"),
    ],
)
def test_bad_codes_are_refused_without_a_500(station, member_client, code, answer):
    url = reverse("stations:visit", kwargs={"code": code.format(pk=station.pk)})
    response = member_client.get(url, headers=EN)
    assert response.status_code == 400
    assert f'data-code="{answer}"' in response.content.decode()
    assert member_client.post(url).status_code == 400
    assert CheckIn.objects.count() == 0


def test_the_poster_of_a_deactivated_station_says_it_is_closed(station, hlg_staff, member_client):
    actions.set_station_active(actor=hlg_staff, station=station, active=False)
    url = visit_url(station)
    assert 'data-code="station_closed"' in member_client.get(url, headers=EN).content.decode()
    member_client.post(url)
    assert 'data-code="station_closed"' in member_client.get(url, headers=EN).content.decode()
    assert CheckIn.objects.count() == 0


def test_recording_a_visit_stays_within_its_query_budget(
    station, member_client, django_assert_max_num_queries
):
    url = visit_url(station)
    member_client.get(url)
    # 12 with the session guard's look at the account's role grants (accounts/sessions.py).
    with django_assert_max_num_queries(12):
        assert member_client.post(url).status_code == 302
    assert CheckIn.objects.count() == 1
