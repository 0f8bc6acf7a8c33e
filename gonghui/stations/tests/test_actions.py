"""Running stations and recording visits: one per member, station and day, through the
check-in mechanism, with a distinct answer for every refusal."""

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from gonghui.checkins.actions import BatchItem, upload_batch
from gonghui.checkins.models import CheckIn, Checkpoint
from gonghui.core.errors import ConflictError, DomainError, NotFoundError
from gonghui.core.models import AuditEntry
from gonghui.members import actions as member_actions
from gonghui.members import cards
from gonghui.members.models import Member
from gonghui.orgs.models import Tally
from gonghui.stations import actions, codes
from gonghui.stations.actions import StationDetails
from gonghui.stations.models import Station

# Every action test here leaves the dashboard tallies exact (see gonghui/conftest.py).
pytestmark = pytest.mark.usefixtures("tallies_exact")


def at(day_offset: int, hour: int, minute: int = 0) -> datetime:
    day = timezone.localdate() + timedelta(days=day_offset)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def details(**overrides) -> StationDetails:
    values: dict[str, Any] = {
        "name": "回龙观地铁站工会驿站",
        "district": "昌平区",
        "street": "回龙观",
        "address": "回龙观地铁站B口东侧",
        "opens": time(6, 30),
        "closes": time(22, 30),
        "amenities": ["water", "toilet"],
    }
    values.update(overrides)
    return StationDetails(**values)


def test_a_station_comes_with_a_once_a_day_checkpoint_and_an_audit_entry(tree, hlg_staff):
    station = actions.create_station(
        actor=hlg_staff, org=tree.station, details=details(amenities=["toilet", "water", "water"])
    )
    checkpoint = station.checkpoint
    assert (checkpoint.kind, checkpoint.org_id, checkpoint.title) == (
        "station",
        tree.station.pk,
        "回龙观地铁站工会驿站",
    )
    assert checkpoint.once_a_day
    assert checkpoint.allows_walk_ins
    assert not checkpoint.requires_registration
    assert (checkpoint.opens_at, checkpoint.closes_at) == (None, None)
    assert station.amenities == ",water,toilet,"
    assert station.amenity_codes == ["water", "toilet"]
    entry = AuditEntry.objects.get(action="stations.station.created")
    assert (entry.actor_id, entry.org_id, entry.target_id) == (
        hlg_staff.pk,
        tree.station.pk,
        str(station.pk),
    )


def test_staff_outside_the_subtree_cannot_create_one(tree, make_staff):
    outsider = make_staff(tree.desheng, "operator")
    with pytest.raises(NotFoundError):
        actions.create_station(actor=outsider, org=tree.station, details=details())
    assert Station.objects.count() == 0
    assert Checkpoint.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"name": "  "}, "name", "required"),
        ({"street": ""}, "street", "required"),
        ({"address": "路" * 201}, "address", "too_long"),
        ({"weekdays": ""}, "weekdays", "weekdays_invalid"),
        ({"weekdays": "18"}, "weekdays", "weekdays_invalid"),
        ({"opens": None}, "opens", "hours_incomplete"),
        ({"closes": time(6, 30)}, "closes", "hours_invalid"),
        ({"amenities": ["water", "sauna"]}, "amenities", "invalid_choice"),
        ({"phone": "1" * 41}, "phone", "too_long"),
    ],
)
def test_bad_details_are_refused_with_their_field(tree, hlg_staff, english, overrides, field, code):
    with pytest.raises(DomainError) as caught:
        actions.create_station(actor=hlg_staff, org=tree.station, details=details(**overrides))
    assert caught.value.code == code
    assert list(caught.value.fields) == [field]
    assert Station.objects.count() == 0
    assert Checkpoint.objects.count() == 0


def test_around_the_clock_needs_no_times_and_keeps_none(tree, hlg_staff):
    station = actions.create_station(
        actor=hlg_staff, org=tree.station, details=details(all_day=True, opens=time(8, 0))
    )
    assert (station.all_day, station.opens, station.closes) == (True, None, None)


def test_an_edit_moves_the_checkpoint_with_it_and_a_stale_one_is_refused(
    tree, station, hlg_staff, english
):
    updated = actions.update_station(
        actor=hlg_staff,
        station=station,
        expected_version=station.version,
        org=tree.hlg,
        details=details(name="龙泽园户外劳动者驿站"),
    )
    assert (updated.version, updated.org_id) == (2, tree.hlg.pk)
    assert updated.name == "龙泽园户外劳动者驿站"
    checkpoint = Checkpoint.objects.get(pk=station.checkpoint_id)
    assert (checkpoint.org_id, checkpoint.title) == (tree.hlg.pk, "龙泽园户外劳动者驿站")
    entry = AuditEntry.objects.get(action="stations.station.updated")
    assert entry.changes["name"] == ["龙泽园驿站", "龙泽园户外劳动者驿站"]
    with pytest.raises(ConflictError) as caught:
        actions.update_station(
            actor=hlg_staff, station=station, expected_version=1, org=tree.hlg, details=details()
        )
    assert caught.value.code == "stale"


def test_handing_a_station_to_an_org_outside_the_scope_is_refused(tree, station, hlg_staff):
    with pytest.raises(NotFoundError):
        actions.update_station(
            actor=hlg_staff,
            station=station,
            expected_version=1,
            org=tree.desheng,
            details=details(),
        )
    assert Station.objects.get(pk=station.pk).org_id == tree.station.pk


def test_deactivating_twice_is_refused(station, hlg_staff, english):
    actions.set_station_active(actor=hlg_staff, station=station, active=False)
    with pytest.raises(ConflictError) as caught:
        actions.set_station_active(actor=hlg_staff, station=station, active=False)
    assert caught.value.code == "already_inactive"
    actions.set_station_active(actor=hlg_staff, station=station, active=True)
    assert list(
        AuditEntry.objects.filter(action__startswith="stations.station.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == [
        "stations.station.created",
        "stations.station.deactivated",
        "stations.station.reactivated",
    ]


# --- visits ----------------------------------------------------------------------------------


def visits_of(station: Station) -> int:
    return Checkpoint.objects.get(pk=station.checkpoint_id).checked_in


def tally(org, metric: str = "checkins.station") -> dict[Any, Any]:
    return dict(Tally.objects.filter(org=org, metric=metric).values_list("day", "value"))


def test_one_visit_a_day_counts_and_the_next_day_counts_again(station, member, tree, english):
    code = codes.poster_code(station)
    first = actions.record_visit(member=member, code=code, at=at(-1, 10, 42))
    assert (first.ok, first.code) == (True, "checked_in")
    again = actions.record_visit(member=member, code=code, at=at(-1, 18, 5))
    assert (again.ok, again.code) == (False, "already_checked_in")
    assert again.message == "Already checked in today at 10:42."
    next_day = actions.record_visit(member=member, code=code, at=at(0, 0, 1))
    assert (next_day.ok, next_day.code) == (True, "checked_in")
    rows = CheckIn.objects.filter(checkpoint_id=station.checkpoint_id).order_by("checked_in_at")
    assert [(r.day, r.method) for r in rows] == [
        (timezone.localdate() - timedelta(days=1), "poster"),
        (timezone.localdate(), "poster"),
    ]
    assert visits_of(station) == 2
    # Counted at the operator org, on the local day of the visit, in the same transaction.
    assert tally(tree.station) == {
        timezone.localdate() - timedelta(days=1): 1,
        timezone.localdate(): 1,
    }


@pytest.mark.parametrize(
    ("make_code", "expected"),
    [
        (lambda s: "hello", "code_malformed"),
        (lambda s: "GS1.abc.DEF", "code_malformed"),
        (lambda s: "GS1.12.签名", "code_malformed"),
        (lambda s: f"GS1.{s.pk}.AAAAAAAAAAAAAAAA", "code_invalid"),
        (lambda s: codes.poster_code(s).replace(f".{s.pk}.", f".{s.pk + 1000}."), "code_invalid"),
    ],
)
def test_forged_codes_are_refused_with_their_own_answer(station, member, make_code, expected):
    result = actions.record_visit(member=member, code=make_code(station))
    assert (result.ok, result.code) == (False, expected)
    assert CheckIn.objects.count() == 0


def test_the_code_of_another_station_is_refused_when_the_station_is_named(
    tree, station, make_station, member
):
    other = make_station(tree.hlg, name="云趣园驿站", all_day=True, opens=None, closes=None)
    result = actions.record_visit(
        member=member, code=codes.poster_code(other), station_id=station.pk
    )
    assert (result.ok, result.code) == (False, "wrong_station")
    assert CheckIn.objects.count() == 0
    # The same code, naming its own station, is a visit there.
    result = actions.record_visit(member=member, code=codes.poster_code(other), station_id=other.pk)
    assert result.code == "checked_in"
    assert CheckIn.objects.get().checkpoint_id == other.checkpoint_id


def test_a_replaced_code_refuses_old_posters(station, member, hlg_staff):
    old = codes.poster_code(station)
    station = actions.replace_poster_code(actor=hlg_staff, station=station)
    new = codes.poster_code(station)
    assert new != old
    assert actions.record_visit(member=member, code=old).code == "code_invalid"
    assert actions.record_visit(member=member, code=new).code == "checked_in"
    assert AuditEntry.objects.filter(action="stations.poster.replaced").count() == 1


def test_a_deactivated_station_records_no_visit(station, member, hlg_staff):
    actions.set_station_active(actor=hlg_staff, station=station, active=False)
    result = actions.record_visit(member=member, code=codes.poster_code(station))
    assert (result.ok, result.code) == (False, "station_closed")
    assert CheckIn.objects.count() == 0


def test_only_active_members_visit(station, member, operator):
    assert actions.record_visit(member=None, code=codes.poster_code(station)).code == (
        "not_a_member"
    )
    member = member_actions.record_leaving(
        actor=operator, member=member, status=Member.Status.WITHDRAWN, reason="退会"
    )
    assert actions.record_visit(member=member, code=codes.poster_code(station)).code == (
        "not_a_member"
    )
    assert CheckIn.objects.count() == 0


def test_a_screen_code_is_no_poster_code(station, member):
    from gonghui.checkins.actions import screen_code

    result = actions.record_visit(member=member, code=screen_code(station.checkpoint))
    assert result.code == "code_malformed"


def test_staff_card_scans_offline_count_once_a_day_too(station, member, operator, english):
    """The offline batch at a station's checkpoint follows the same daily rule: two scans of
    one day are one visit, the next day's is another, and a single scan that got in first
    wins."""
    card = cards.sign_card(
        cards.CardClaims(
            member.number, member.name, member.org.name, member.joined_on, member.card_version
        )
    )
    actions.record_visit(member=member, code=codes.poster_code(station), at=at(-2, 9, 15))
    items = [
        BatchItem("n1", card, at(-2, 11, 0)),  # the poster visit came first that day
        BatchItem("n2", card, at(-1, 8, 30)),
        BatchItem("n3", card, at(-1, 17, 0)),
    ]
    answers = upload_batch(
        actor=operator, checkpoint=station.checkpoint, device="desk", items=items
    )
    assert [(a["code"], a["message"]) for a in answers] == [
        ("already_checked_in", "Already checked in today at 09:15."),
        ("checked_in", "Checked in."),
        ("already_checked_in", "Already checked in today at 08:30."),
    ]
    assert visits_of(station) == 2
    assert CheckIn.objects.filter(checkpoint_id=station.checkpoint_id).count() == 2


def test_recording_a_visit_stays_within_its_query_budget(
    station, member, django_assert_max_num_queries
):
    code = codes.poster_code(station)
    # The station; then the insert, the counter and the tally, together.
    with django_assert_max_num_queries(4):
        assert actions.record_visit(member=member, code=code).code == "checked_in"
    # The station, the insert that skips the row, and the first visit's time.
    with django_assert_max_num_queries(3):
        assert actions.record_visit(member=member, code=code).code == "already_checked_in"
