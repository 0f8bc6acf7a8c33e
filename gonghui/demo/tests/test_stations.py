"""The demo's stations (demo.stations): 回龙观's 27 depots and stations run by their station
unions, a few in 中关村 and 德胜, two months of visits with exact counters and tallies, and
李师傅's visits to his own depot."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from gonghui.checkins.models import CheckIn
from gonghui.demo.load import HUILONGGUAN_STATIONS, load_demo
from gonghui.demo.logins import DEMO_WORKER_MOBILE
from gonghui.members.models import Member
from gonghui.orgs.models import Org, Tally
from gonghui.stations import codes
from gonghui.stations.models import Station

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, loaded once for the module (in a transaction rolled back at its end)."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        load_demo()
        yield
        transaction.set_rollback(True)


def test_the_27_huilongguan_sites_are_stations_run_by_their_station_unions(loaded):
    stations = Station.objects.filter(street="回龙观").select_related("org", "org__parent")
    assert sorted(s.name for s in stations) == sorted(HUILONGGUAN_STATIONS)
    for station in stations:
        assert station.district == "昌平区"
        assert (station.org.name, station.org.kind) == (station.name, "station")
        parent = station.org.parent
        assert parent is not None
        assert parent.name == "回龙观街道总工会"
        assert station.is_active
        assert station.amenity_codes
        assert station.checkpoint.kind == "station"
        assert station.checkpoint.once_a_day
    others = dict(Station.objects.exclude(street="回龙观").values_list("name", "org__name"))
    assert others == {
        "中关村大街户外劳动者服务站": "中关村科学城总工会",
        "海淀黄庄工会驿站": "中关村科学城总工会",
        "科学院南路骑手暖心驿站": "中关村科学城总工会",
        "德胜门工会户外劳动者驿站": "德胜街道总工会",
        "新街口外大街快递小哥驿站": "德胜街道总工会",
        "德外大街临时驿站": "德胜街道总工会",
    }
    assert list(Station.objects.filter(is_active=False).values_list("name", flat=True)) == [
        "德外大街临时驿站"
    ]


def test_every_counter_and_tally_equals_the_visits_behind_it(loaded):
    visits = CheckIn.objects.filter(checkpoint__kind="station")
    assert visits.count() > 5000
    for station in Station.objects.select_related("checkpoint"):
        assert station.checkpoint.checked_in == visits.filter(checkpoint=station.checkpoint).count()
    by_org_day = {
        (row["checkpoint__org"], row["local_day"]): row["n"]
        for row in visits.annotate(local_day=TruncDate("checked_in_at"))
        .values("checkpoint__org", "local_day")
        .annotate(n=Count("pk"))
    }
    tallies = {(t.org_id, t.day): t.value for t in Tally.objects.filter(metric="checkins.station")}
    assert tallies == by_org_day


def test_visits_are_plausible(loaded):
    visits = CheckIn.objects.filter(checkpoint__kind="station").select_related("member")
    for visit in visits.iterator(chunk_size=2000):
        assert visit.day == timezone.localdate(visit.checked_in_at)
        assert visit.day >= visit.member.joined_on
        assert visit.checked_in_at <= timezone.now()
        assert visit.method == "poster"
    since = timezone.localdate() - timedelta(days=29)
    for station in Station.objects.filter(is_active=True):
        recent = visits.filter(checkpoint=station.checkpoint, day__gte=since)
        assert recent.exists(), station.name
    hlg = Station.objects.filter(street="回龙观").values_list("checkpoint", flat=True)
    assert visits.filter(checkpoint__in=hlg).count() > 27 * 30


def test_li_shifu_stops_at_his_own_depot_and_can_record_today(loaded):
    member = Member.objects.get(user__mobile_hash__isnull=False, name="李建军")
    user = member.user
    assert user is not None
    assert str(user.mobile) == DEMO_WORKER_MOBILE
    mine = CheckIn.objects.filter(member=member, checkpoint__kind="station").select_related(
        "checkpoint"
    )
    assert {v.checkpoint.title for v in mine} == {"龙泽园中通快递网点", "回龙观地铁站工会驿站"}
    assert mine.filter(checkpoint__title="龙泽园中通快递网点").count() >= 2
    assert not mine.filter(day=timezone.localdate()).exists()
    # Scanning the depot's poster today offers the button: nothing recorded yet today.
    depot = Station.objects.select_related("checkpoint").get(name="龙泽园中通快递网点")
    client = Client()
    client.force_login(user)
    page = client.get(reverse("stations:visit", kwargs={"code": codes.poster_code(depot)}))
    assert 'id="visit-button"' in page.content.decode()


def test_members_find_huilongguan_on_the_phone(loaded):
    response = Client().get(
        reverse("stations:member_list"), {"district": "昌平区", "street": "回龙观"}
    )
    assert "27" in response.content.decode()
    assert Org.objects.filter(kind="station", parent__name="回龙观街道总工会").count() == 27
