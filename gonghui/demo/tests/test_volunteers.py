"""The demo's volunteer service (demo.volunteers): 顺义's cadres at 幸福东社区 by group and slot on
the 月末清洁日 and the 新时代文明实践周, and 回龙观's 路客联盟 at the metro station, with hours
certified from the actual times; the dashboard's figures come from them."""

import pytest
from django.db import transaction
from django.test import override_settings

from gonghui.core.periods import Period
from gonghui.dashboards.figures import volunteer_service
from gonghui.dashboards.tallies import verify
from gonghui.demo.load import load_demo
from gonghui.orgs.models import Org
from gonghui.volunteers.models import Certification, Project, Shift
from gonghui.volunteers.queries import attendance_of

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        load_demo()
        yield
        transaction.set_rollback(True)


def test_shunyi_cadres_report_by_group_and_slot_at_xingfudong(loaded):
    projects = {p.title: p for p in Project.objects.filter(org__name="顺义区总工会")}
    assert sorted(projects) == ["新时代文明实践周", "月末清洁日"]
    cleaning = Shift.objects.filter(project=projects["月末清洁日"]).order_by("starts_at")
    assert [(s.group, s.site.name, s.places) for s in cleaning] == [
        ("第一组", "幸福东社区", 8), ("第二组", "幸福东社区", 8), ("第三组", "幸福东社区", 8),
    ]  # fmt: skip
    assert Shift.objects.filter(project=projects["新时代文明实践周"]).count() == 9
    week = list(Shift.objects.filter(project=projects["新时代文明实践周"]).order_by("starts_at"))
    flags = [
        (entry.no_show, bool(entry.row and entry.row.missing_departure))
        for s in week
        for entry in attendance_of(s)
    ]
    assert flags.count((True, False)) == 3  # one no-show a slot on the first day
    assert flags.count((False, True)) == 3  # one forgotten departure a slot on the second
    late = [entry.row.late for entry in attendance_of(week[0]) if entry.row and entry.row.late]
    assert late == [25]


def test_hours_are_certified_by_someone_else_and_the_tile_sums_them(loaded):
    for certification in Certification.objects.select_related("member"):
        assert certification.certified_by_id != certification.member.user_id
    shunyi = Org.objects.get(name="顺义区总工会")
    minutes = sum(
        Certification.objects.filter(shift__project__org=shunyi).values_list("minutes", flat=True)
    )
    first = Shift.objects.order_by("starts_at").first()
    last = Shift.objects.order_by("-starts_at").first()
    assert first is not None
    assert last is not None
    tile = volunteer_service(shunyi, Period(first.starts_at.date(), last.starts_at.date()))
    assert tile.hours.value == minutes // 60
    assert minutes > 0
    assert verify() == []


def test_huilongguan_couriers_serve_at_the_station_and_two_shifts_are_open(loaded):
    project = Project.objects.get(title="路客联盟协助社区防疫")
    shifts = list(project.shifts.order_by("starts_at"))
    assert len(shifts) == 4
    assert all(s.site.station_checkpoint_id is not None for s in shifts)
    assert [s.checkpoint.confirmed_places for s in shifts] == [12, 12, 0, 0]
    assert Certification.objects.filter(shift__project=project).count() == 24
