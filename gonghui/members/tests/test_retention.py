"""Anonymisation past retention: who is due (a day before and after each period), what is
cleared, what stays (every dashboard figure), dry runs, repeats, the command."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.core.errors import ConflictError
from gonghui.core.models import AuditEntry
from gonghui.core.periods import preset_period
from gonghui.dashboards import figures
from gonghui.dashboards.tallies import verify
from gonghui.members import actions, own_data
from gonghui.members.models import Application, Episode, Member, Transfer
from gonghui.members.retention import ANONYMISED_NAME, anonymise_expired
from gonghui.members.tests.own_data_world import apply, make_world

pytestmark = pytest.mark.usefixtures("tallies_exact")

DAY = timedelta(days=1)


@pytest.fixture
def world(tree, operator):
    return make_world(operator, tree)


def test_a_rejected_application_is_kept_180_days_from_its_review(world):
    rejected = world.worker.rejected
    retention_ends = rejected.reviewed_at + timedelta(days=180)
    assert anonymise_expired(now=retention_ends - DAY).applications == 0
    assert Application.objects.get(pk=rejected.pk).name == "周骑手"
    # Both workers' rejected applications are 180 days old by then.
    assert anonymise_expired(now=retention_ends + DAY).applications == 2
    cleared = Application.objects.get(pk=rejected.pk)
    assert (
        cleared.name,
        cleared.id_number,
        cleared.id_number_hash,
        cleared.mobile,
        cleared.mobile_hash,
        cleared.employer_name,
        cleared.reject_reason,
        cleared.anonymised_at,
    ) == (ANONYMISED_NAME, "", None, "", None, "", "", retention_ends + DAY)
    # What a figure may count stays.
    assert (cleared.status, cleared.org_id, cleared.event_id, cleared.job_type) == (
        "rejected",
        rejected.org_id,
        rejected.event_id,
        "rider",
    )
    # The approved one belongs to an active member: it stays as it is.
    assert Application.objects.get(pk=world.worker.approved.pk).name == "周骑手"


def test_an_application_never_reviewed_is_kept_365_days(world):
    waiting = apply(world.event, "late", mobile="13900007777", name="孙等待")
    retention_ends = waiting.submitted_at + timedelta(days=365)
    assert anonymise_expired(now=retention_ends - DAY).applications == 2  # the rejected two
    assert Application.objects.get(pk=waiting.pk).name == "孙等待"
    assert anonymise_expired(now=retention_ends + DAY).applications == 1
    cleared = Application.objects.get(pk=waiting.pk)
    assert (cleared.name, cleared.status) == (ANONYMISED_NAME, "pending")


def test_an_anonymised_application_cannot_be_approved(world, operator):
    waiting = apply(world.event, "late", mobile="13900007777")
    anonymise_expired(now=waiting.submitted_at + timedelta(days=366))
    with pytest.raises(ConflictError) as refused:
        actions.approve_application(actor=operator, application=waiting)
    assert refused.value.code == "anonymised"
    assert Application.objects.get(pk=waiting.pk).status == "pending"


def test_a_former_member_is_kept_three_years_from_leaving(world, tree):
    worker = world.worker
    actions.withdraw_consent(actor=worker.user, member=worker.member)
    left = Member.objects.get(pk=worker.member.pk)
    retention_ends = timezone.now() + timedelta(days=3 * 365)
    # The worker still signs in (to see their data, say) shortly before the run.
    User.objects.filter(pk=worker.user.pk).update(last_login=retention_ends - DAY)
    # By then both rejected applications are long past their own period.
    before = anonymise_expired(now=retention_ends - DAY)
    assert (before.members, before.applications) == (0, 2)
    assert Member.objects.get(pk=left.pk).name == "周骑手"
    after = anonymise_expired(now=retention_ends + DAY)
    assert (after.members, after.applications) == (1, 0)
    member = Member.objects.get(pk=left.pk)
    assert (
        member.name,
        member.id_number,
        member.id_number_hash,
        member.mobile,
        member.mobile_hash,
        member.employer_name,
        member.leave_reason,
        member.user_id,
    ) == (ANONYMISED_NAME, "", None, "", None, "", "", None)
    assert (member.number, member.org_id, member.status, member.joined_on, member.left_on) == (
        left.number,
        tree.zgc.pk,
        "withdrawn",
        left.joined_on,
        left.left_on,
    )
    assert list(Episode.objects.filter(member=member).values_list("employer_name", flat=True)) == [
        ""
    ]
    assert Transfer.objects.get(member=member).new_employer_name == ""
    assert {a.name for a in Application.objects.filter(member=member)} == {ANONYMISED_NAME}
    assert Application.objects.get(pk=worker.rejected.pk).name == ANONYMISED_NAME
    # The account is still in use: it stays, and it is the worker's way in.
    assert User.objects.get(pk=worker.user.pk).mobile == "13900001234"
    # One entry for the person: counts only; labels of entries about them lose the name.
    entry = AuditEntry.objects.get(
        action="members.personal_data.anonymised", target_type="members.member"
    )
    assert (entry.actor_id, entry.target_label, entry.changes) == (
        None,
        f"{ANONYMISED_NAME} ({member.number})",
        {"kind": "member", "applications": 1, "episodes": 1, "transfers": 1, "account": False},
    )
    about_membership = AuditEntry.objects.filter(
        target_type__in=["members.member", "members.application"], target_label__contains="周骑手"
    )
    assert not about_membership.exists()
    # The active other member is untouched.
    assert Member.objects.get(pk=world.other.member.pk).name == "吴快递"


def test_an_unused_worker_account_goes_with_the_membership(world):
    worker = world.worker
    actions.withdraw_consent(actor=worker.user, member=worker.member)
    anonymise_expired(now=timezone.now() + timedelta(days=3 * 365 + 2))
    # last_login is empty and the account was made today: older than the cutoff.
    user = User.objects.get(pk=worker.user.pk)
    assert (user.name, user.mobile, user.mobile_hash, user.is_active) == ("", "", None, False)
    person = own_data.person_of(user)
    assert (person.member, person.application_ids) == (None, ())


def test_figures_stay_the_same(world, tree):
    actions.withdraw_consent(actor=world.worker.user, member=world.worker.member)
    apply(world.event, "late", mobile="13900007777")
    period = preset_period("this_year")

    def all_figures():
        return {
            (name, org.pk): tile(org, period)
            for name, tile in figures.TILES.items()
            for org in (tree.root, tree.zgc, tree.hlg)
        }

    before = all_figures()
    summary = anonymise_expired(now=timezone.now() + timedelta(days=3 * 365 + 2))
    assert (summary.members, summary.applications) == (1, 2)
    assert all_figures() == before
    assert verify() == []
    call_command("rebuild_tallies", "--check")


def test_a_dry_run_changes_nothing_and_a_repeat_does_nothing(world, capsys):
    later = timezone.now() + timedelta(days=200)
    entries = AuditEntry.objects.count()
    dry = anonymise_expired(now=later, dry_run=True)
    assert (dry.members, dry.applications, dry.dry_run) == (0, 2, True)
    assert AuditEntry.objects.count() == entries
    assert not Application.objects.filter(anonymised_at__isnull=False).exists()
    assert anonymise_expired(now=later).applications == 2
    assert anonymise_expired(now=later).applications == 0
    assert AuditEntry.objects.count() == entries + 2


def test_the_command_prints_a_summary(world, capsys):
    call_command("anonymise_personal_data", "--dry-run")
    assert capsys.readouterr().out == "Due for anonymisation: 0 former members, 0 applications\n"
    call_command("anonymise_personal_data")
    assert capsys.readouterr().out == "Anonymised: 0 former members, 0 applications\n"
