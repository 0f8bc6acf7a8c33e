import pytest

from gonghui.accounts import actions
from gonghui.accounts.models import RoleGrant
from gonghui.accounts.roles import Role
from gonghui.core.errors import DomainError, NotFoundError, PermissionDeniedError
from gonghui.core.models import AuditEntry


def test_grants_cover_the_subtree(tree, make_staff):
    staff = make_staff(tree.district, Role.VIEWER)
    assert staff.scope_paths("orgs.view") == [tree.district.path]
    assert staff.capabilities_at(tree.sohu.path) == frozenset(
        {"orgs.view", "enterprises.view", "members.view", "dashboards.view", "ledger.view"}
    )
    assert staff.capabilities_at(tree.hlg.path) == frozenset()


def test_org_admin_cannot_grant_above_their_own_role(tree, make_staff):
    admin = make_staff(tree.hlg, Role.ORG_ADMIN)
    other = make_staff(tree.station, Role.VIEWER)
    with pytest.raises(PermissionDeniedError) as caught:
        actions.grant_role(actor=admin, user=other, org=tree.station, role=Role.FEDERATION_ADMIN)
    assert caught.value.code == "role_above_own"
    assert not RoleGrant.objects.filter(user=other, role=Role.FEDERATION_ADMIN).exists()


def test_granting_outside_the_subtree_is_not_found(tree, make_staff):
    admin = make_staff(tree.hlg)
    other = make_staff(tree.station, Role.VIEWER)
    with pytest.raises(NotFoundError):
        actions.grant_role(actor=admin, user=other, org=tree.desheng, role=Role.VIEWER)


def test_create_staff_user_audits_with_masked_mobile(tree, make_staff):
    admin = make_staff(tree.hlg)
    staff = actions.create_staff_user(
        actor=admin,
        username="hlg_reviewer",
        name="审核员",
        mobile="13912345678",
        password="Hui-Long-Guan-2026",
        org=tree.hlg,
        role=Role.REVIEWER,
    )
    entry = AuditEntry.objects.get(action="accounts.staff.created", target_id=str(staff.pk))
    assert entry.changes == {
        "username": "hlg_reviewer",
        "mobile": "139****5678",
        "role": "reviewer",
    }


def test_weak_password_is_refused_with_a_field_message(tree, make_staff):
    admin = make_staff(tree.hlg)
    with pytest.raises(DomainError) as caught:
        actions.create_staff_user(
            actor=admin,
            username="weak",
            name="弱",
            mobile="",
            password="123",
            org=tree.hlg,
            role=Role.VIEWER,
        )
    assert caught.value.code == "weak_password"
    assert "password" in caught.value.fields


def test_revealing_a_mobile_is_audited(tree, make_staff, client_for):
    admin = make_staff(tree.hlg)
    subject = make_staff(tree.station, Role.VIEWER, mobile="13700001234")
    page = client_for(admin).post(f"/staff/users/{subject.pk}/mobile/")
    assert "13700001234" in page.content.decode()
    entry = AuditEntry.objects.get(action="accounts.personal_data.viewed")
    assert entry.actor == admin
    assert entry.target_id == str(subject.pk)
    assert "13700001234" not in str(entry.changes)


def test_detail_page_shows_the_mobile_masked(tree, make_staff, client_for):
    admin = make_staff(tree.hlg)
    subject = make_staff(tree.station, Role.VIEWER, mobile="13700001234")
    page = client_for(admin).get(f"/staff/users/{subject.pk}/").content.decode()
    assert "137****1234" in page
    assert "13700001234" not in page
    assert not AuditEntry.objects.filter(action="accounts.personal_data.viewed").exists()


def test_locked_staff_cannot_sign_in_and_loses_scope(tree, make_staff):
    admin = make_staff(tree.hlg)
    subject = make_staff(tree.station, Role.VIEWER)
    actions.set_user_active(actor=admin, user=subject, org=tree.station, active=False)
    subject.refresh_from_db()
    assert subject.scope_paths("orgs.view") == []
