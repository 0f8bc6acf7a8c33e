import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from gonghui.checkins import actions as checkins
from gonghui.checkins.models import CheckIn, Registration
from gonghui.core.errors import DomainError
from gonghui.core.models import AuditEntry
from gonghui.members import actions as member_actions
from gonghui.members import metrics as member_metrics
from gonghui.members.models import Member
from gonghui.members.tests.factories import person
from gonghui.orgs import tallies
from gonghui.volunteers import actions, hours
from gonghui.volunteers.models import Certification, Correction, Reminder
from gonghui.volunteers.records import record_rows
from gonghui.volunteers.tests.factories import local, setting, shift, user_of, volunteer

pytestmark = pytest.mark.usefixtures("tallies_exact")

NEXT_YEAR = timezone.localdate().year + 1


@pytest.fixture
def place(tree, make_staff):
    return setting(make_staff(tree.hlg, "operator"), tree.hlg)


def arrive(member, s, at):
    code = checkins.screen_code(s.checkpoint, at=at)
    return actions.report_by_code(member=member, shift=s, code=code, departure=False, at=at)


def leave(member, s, at):
    code = checkins.screen_code(s.checkpoint, at=at)
    return actions.report_by_code(member=member, shift=s, code=code, departure=True, at=at)


def test_the_rounding_rule_is_the_printed_one():
    assert [hours.rounded(m) for m in (0, 15, 16, 30, 45, 46, 60, 75, 76, 240)] == [
        0, 0, 30, 30, 30, 60, 60, 60, 90, 240,
    ]  # fmt: skip


def test_hours_across_midnight_in_shanghai_time_come_from_the_actual_times(
    place, tree, operator, make_staff
):
    night = shift(place, local(NEXT_YEAR, 12, 31, 22), local(NEXT_YEAR + 1, 1, 1, 2))
    early, late = volunteer(operator, tree.hlg), volunteer(operator, tree.hlg)
    for member in (early, late):
        assert actions.sign_up(member=member, shift=night).status == "confirmed"
    # Early and staying late: clipped to 22:00–02:00, the travel around it is not counted.
    assert arrive(early, night, local(NEXT_YEAR, 12, 31, 21, 40)).code == "checked_in"
    assert leave(early, night, local(NEXT_YEAR + 1, 1, 1, 2, 50)).code == "left"
    # 25 minutes late and gone at 01:40: 22:25–01:40 is 195 minutes, credited 3 h.
    assert arrive(late, night, local(NEXT_YEAR, 12, 31, 22, 25)).code == "checked_in"
    assert leave(late, night, local(NEXT_YEAR + 1, 1, 1, 1, 40)).code == "left"
    leader = make_staff(tree.hlg, "operator")
    assert actions.certify_hours(actor=leader, shift=night, member=early).minutes == 240
    assert actions.certify_hours(actor=leader, shift=night, member=late).minutes == 180
    [row] = record_rows(late)
    assert (row.day.isoformat(), row.late, row.minutes, row.certified) == (
        f"{NEXT_YEAR}-12-31",
        25,
        180,
        True,
    )
    computed = hours.of_stay(
        starts_at=night.starts_at,
        ends_at=night.ends_at,
        arrived_at=local(NEXT_YEAR, 12, 31, 22, 25),
        left_at=local(NEXT_YEAR + 1, 1, 1, 1, 40),
    )
    assert (computed.served, computed.credited, computed.late) == (195, 180, 25)


def test_a_full_shift_refuses_and_writes_nothing(place, tree, operator, english):
    small = shift(place, local(NEXT_YEAR, 3, 1, 9), local(NEXT_YEAR, 3, 1, 11), places=1)
    first, second = volunteer(operator, tree.hlg), volunteer(operator, tree.hlg)
    actions.sign_up(member=first, shift=small)
    with pytest.raises(DomainError) as caught:
        actions.sign_up(member=second, shift=small)
    assert (caught.value.code, str(caught.value.message)) == (
        "full",
        "“月末清洁日 · 第一组” is full.",
    )
    assert Registration.objects.filter(member=second).count() == 0


def test_overlapping_shifts_and_the_daily_cap_are_refused(place, tree, operator, english):
    morning = shift(place, local(NEXT_YEAR, 3, 1, 8), local(NEXT_YEAR, 3, 1, 12))
    overlapping = shift(
        place, local(NEXT_YEAR, 3, 1, 11), local(NEXT_YEAR, 3, 1, 13), site=place.other_site
    )
    afternoon = shift(place, local(NEXT_YEAR, 3, 1, 13), local(NEXT_YEAR, 3, 1, 17))
    evening = shift(place, local(NEXT_YEAR, 3, 1, 18), local(NEXT_YEAR, 3, 1, 20))
    member = volunteer(operator, tree.hlg)
    actions.sign_up(member=member, shift=morning)
    with pytest.raises(DomainError) as caught:
        actions.sign_up(member=member, shift=overlapping)
    assert caught.value.code == "overlapping"
    assert str(caught.value.message) == (
        "This overlaps your shift at 幸福东社区, 03-01 08:00–12:00."
    )
    actions.sign_up(member=member, shift=afternoon)
    with pytest.raises(DomainError) as caught:
        actions.sign_up(member=member, shift=evening)
    assert caught.value.code == "over_daily_cap"
    assert str(caught.value.message) == (
        "This would make 10 hours on 03-01: at most 8 hours a day count."
    )
    assert Registration.objects.filter(member=member).count() == 2


def test_reporting_at_the_wrong_site_or_outside_the_window_is_refused(
    place, tree, operator, english
):
    here = shift(place, local(NEXT_YEAR, 3, 1, 9), local(NEXT_YEAR, 3, 1, 11))
    there = shift(
        place, local(NEXT_YEAR, 3, 1, 9), local(NEXT_YEAR, 3, 1, 11), site=place.other_site
    )
    member = volunteer(operator, tree.hlg)
    actions.sign_up(member=member, shift=here)
    wrong = arrive(member, there, local(NEXT_YEAR, 3, 1, 9, 5))
    assert (wrong.ok, wrong.code) == (False, "wrong_site")
    assert wrong.message == "Wrong site: your shift now is at 幸福东社区 (顺义区幸福东街1号)."
    too_early = arrive(member, here, local(NEXT_YEAR, 3, 1, 8, 10))
    assert (too_early.code, too_early.message) == ("not_open", "Check-in opens at 03-01 08:30.")
    too_late = arrive(member, here, local(NEXT_YEAR, 3, 1, 11, 5))
    assert (too_late.code, too_late.message) == (
        "shift_over",
        "This shift ended at 11:00: arrivals are no longer taken.",
    )
    no_arrival = leave(member, here, local(NEXT_YEAR, 3, 1, 10))
    assert no_arrival.code == "not_arrived"
    assert CheckIn.objects.filter(member=member).count() == 0


def test_departure_before_arrival_is_refused_in_a_batch(place, tree, operator, make_staff):
    s = shift(place, local(NEXT_YEAR, 3, 1, 9), local(NEXT_YEAR, 3, 1, 11))
    member = volunteer(operator, tree.hlg)
    actions.sign_up(member=member, shift=s)
    from gonghui.members.cards import card_code_of

    card = card_code_of(member)
    desk = make_staff(tree.hlg, "operator")
    arrival = local(NEXT_YEAR, 3, 1, 9)
    checkins.check_in_by_card(actor=desk, checkpoint=s.checkpoint, card_code=card, at=arrival)
    # The device's clock said 08:50 for the departure: before the arrival, refused.
    items = [
        checkins.BatchItem("d1", card, local(NEXT_YEAR, 3, 1, 8, 50), departure=True),
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: local(NEXT_YEAR, 3, 1, 12))
        [answer] = actions.upload_reports(actor=desk, shift=s, device="phone", items=items)
    assert (answer["ok"], answer["code"]) == (False, "left_before_arrival")
    assert CheckIn.objects.get(member=member).left_at is None


def test_nobody_certifies_their_own_hours_and_a_missing_departure_is_flagged(
    place, tree, operator, english
):
    s = shift(place, local(NEXT_YEAR, 3, 1, 9), local(NEXT_YEAR, 3, 1, 11))
    leader_member = volunteer(operator, tree.hlg, name="张队长")
    actions.add_team_member(
        actor=place.organiser, team=place.team, member=leader_member, leader=True
    )
    other = volunteer(operator, tree.hlg)
    for member in (leader_member, other):
        actions.sign_up(member=member, shift=s)
        arrive(member, s, local(NEXT_YEAR, 3, 1, 9))
    leave(leader_member, s, local(NEXT_YEAR, 3, 1, 11))
    leader = user_of(leader_member)
    with pytest.raises(DomainError) as caught:
        actions.certify_hours(actor=leader, shift=s, member=leader_member)
    assert (caught.value.code, caught.value.status) == ("own_hours", 403)
    [flagged] = record_rows(other)
    assert (flagged.missing_departure, flagged.minutes) == (True, 0)
    with pytest.raises(DomainError) as caught:
        actions.certify_hours(actor=leader, shift=s, member=other)
    assert caught.value.code == "missing_departure"
    assert Certification.objects.count() == 0
    # The volunteer asks for a correction; the leader (someone else) approves it.
    correction = actions.request_correction(
        actor=user_of(other),
        shift=s,
        member=other,
        arrived_at=local(NEXT_YEAR, 3, 1, 9),
        left_at=local(NEXT_YEAR, 3, 1, 10, 50),
        reason="忘记签退",
    )
    with pytest.raises(DomainError) as caught:
        actions.decide_correction(actor=user_of(other), correction=correction, approve=True)
    assert caught.value.code == "not_found"  # not a leader at all
    decided = actions.decide_correction(actor=leader, correction=correction, approve=True)
    assert decided.status == Correction.Status.APPROVED
    [row] = record_rows(other)
    assert (row.minutes, row.certified, row.certifier, row.missing_departure) == (
        120,
        True,
        "张队长",
        False,
    )
    # The check-in itself was never edited.
    assert CheckIn.objects.get(member=other).left_at is None
    assert AuditEntry.objects.filter(action="volunteers.correction.decided").count() == 1


def test_corrections_out_of_order_are_refused_precisely(place, tree, operator, english):
    s = shift(place, local(NEXT_YEAR, 3, 1, 9), local(NEXT_YEAR, 3, 1, 11))
    member = volunteer(operator, tree.hlg)
    with pytest.raises(DomainError) as caught:
        actions.request_correction(
            actor=user_of(member),
            shift=s,
            member=member,
            arrived_at=local(NEXT_YEAR, 3, 1, 10),
            left_at=local(NEXT_YEAR, 3, 1, 9, 30),
            reason="写错了",
        )
    assert (caught.value.code, str(caught.value.message)) == (
        "left_before_arrival",
        "The departure (09:30) is before the arrival (10:00).",
    )
    assert Correction.objects.count() == 0


def test_cancel_and_swap_before_the_cutoff_only(place, tree, operator, english):
    soon = timezone.now() + timedelta(hours=5)
    near = shift(place, soon, soon + timedelta(hours=2))
    later = timezone.now() + timedelta(days=5)
    far = shift(place, later, later + timedelta(hours=2))
    farther = shift(place, later + timedelta(hours=3), later + timedelta(hours=5))
    member = volunteer(operator, tree.hlg)
    actions.sign_up(member=member, shift=near)
    with pytest.raises(DomainError) as caught:
        actions.cancel_sign_up(actor=user_of(member), member=member, shift=near)
    assert caught.value.code == "past_cutoff"
    actions.sign_up(member=member, shift=far)
    moved = actions.swap_shift(actor=user_of(member), member=member, leaving=far, joining=farther)
    assert (moved.checkpoint_id, moved.status) == (farther.checkpoint_id, "confirmed")
    far.checkpoint.refresh_from_db()
    assert far.checkpoint.confirmed_places == 0


def test_reminders_go_once_to_tomorrows_volunteers(
    place, tree, operator, sms_outbox, django_capture_on_commit_callbacks
):
    tomorrow = timezone.localdate() + timedelta(days=1)
    start = local(tomorrow.year, tomorrow.month, tomorrow.day, 9)
    s = shift(place, start, start + timedelta(hours=2))
    member = volunteer(operator, tree.hlg)
    actions.sign_up(member=member, shift=s)
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.send_reminders(on=tomorrow) == 1
        assert actions.send_reminders(on=tomorrow) == 0
    assert Reminder.objects.count() == 1
    assert len(sms_outbox) == 1
    assert sms_outbox[0].mobile == str(member.mobile)
    assert "幸福东社区" in sms_outbox[0].text


def test_a_certified_record_survives_a_transfer_to_another_union(place, tree, operator, make_staff):
    s = shift(place, local(NEXT_YEAR, 3, 1, 9), local(NEXT_YEAR, 3, 1, 11))
    member = volunteer(operator, tree.hlg)
    actions.sign_up(member=member, shift=s)
    arrive(member, s, local(NEXT_YEAR, 3, 1, 9, 5))
    leave(member, s, local(NEXT_YEAR, 3, 1, 11))
    actions.certify_hours(actor=place.organiser, shift=s, member=member)
    before = record_rows(member)
    transfer = member_actions.start_transfer(
        actor=operator, member=member, to_org=tree.desheng, new_employer_name="美团"
    )
    member_actions.accept_transfer(actor=operator, transfer=transfer)
    member = Member.objects.get(pk=member.pk)
    assert member.org_id == tree.desheng.pk
    after = record_rows(member)
    assert after == before
    assert [(row.minutes, row.certified, row.shift.project.org.name) for row in after] == [
        (120, True, "回龙观街道总工会")
    ]
    certificate = actions.issue_certificate(actor=user_of(member), member=member, year=NEXT_YEAR)
    assert (certificate.minutes, certificate.shifts) == (120, 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sign_up_storm_is_exact(tree, make_staff):
    """1,000 volunteers at once for 100 places across 10 shifts: exactly 100 signed up."""
    if connection.vendor != "postgresql":
        pytest.fail("run this test with GONGHUI_DATABASE_URL pointing at PostgreSQL")
    place = setting(make_staff(tree.hlg, "operator"), tree.hlg)
    shifts = [
        shift(place, local(NEXT_YEAR, 3, 1 + i, 9), local(NEXT_YEAR, 3, 1 + i, 11), places=10)
        for i in range(10)
    ]
    members = Member.objects.bulk_create(
        [
            Member(number=f"V{i:06d}", org=tree.hlg, joined_on=timezone.localdate(), **person())
            for i in range(1000)
        ]
    )
    tallies.count_many({tallies.stock(tree.hlg.pk, member_metrics.ACTIVE): len(members)})
    barrier = threading.Barrier(40)
    refused: list[str] = []
    errors: list[str] = []

    def worker(chunk: list[Member]) -> None:
        try:
            barrier.wait()
            for i, member in enumerate(chunk):
                try:
                    actions.sign_up(member=member, shift=shifts[(member.pk + i) % 10])
                except DomainError as error:
                    refused.append(error.code)
        except Exception as error:  # pragma: no cover — reported below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(members[i::40],)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Registration.objects.filter(status="confirmed").count() == 100
    assert Registration.objects.count() == 100
    assert set(refused) == {"full"}
    assert len(refused) == 900
    for s in shifts:
        s.checkpoint.refresh_from_db()
        assert s.checkpoint.confirmed_places == 10


def test_the_reminder_command_texts_tomorrows_volunteers(place, tree, operator, sms_outbox, capsys):
    tomorrow = timezone.localdate() + timedelta(days=1)
    start = local(tomorrow.year, tomorrow.month, tomorrow.day, 15)
    s = shift(place, start, start + timedelta(hours=2))
    actions.sign_up(member=volunteer(operator, tree.hlg), shift=s)
    call_command("send_shift_reminders")
    assert capsys.readouterr().out == f"1 reminders for {tomorrow.isoformat()}\n"
    assert Reminder.objects.count() == 1


def test_the_dashboard_tile_counts_sign_ups_reports_and_certified_hours(
    place, tree, operator, make_staff
):
    from gonghui.core.periods import Period
    from gonghui.dashboards.figures import volunteer_service

    s = shift(place, local(NEXT_YEAR, 3, 1, 9), local(NEXT_YEAR, 3, 1, 11))
    members = [volunteer(operator, tree.hlg) for _ in range(3)]
    for member in members:
        actions.sign_up(member=member, shift=s)
    for member in members[:2]:
        arrive(member, s, local(NEXT_YEAR, 3, 1, 9))
        leave(member, s, local(NEXT_YEAR, 3, 1, 10, 30))
        actions.certify_hours(actor=place.organiser, shift=s, member=member)
    day = timezone.localdate()
    signed = volunteer_service(tree.root, Period(day, day))
    assert (signed.sign_ups.value, signed.reported.value, signed.hours.value) == (3, 0, 0)
    served = volunteer_service(tree.root, Period(s.starts_at.date(), s.starts_at.date()))
    assert (served.sign_ups.value, served.reported.value, served.hours.value) == (0, 2, 3)
    assert (
        volunteer_service(tree.desheng, Period(s.starts_at.date(), s.starts_at.date())).hours.value
        == 0
    )
