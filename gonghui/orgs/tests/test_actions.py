import pytest
from django.http import Http404

from gonghui.core.errors import ConflictError, DomainError, NotFoundError
from gonghui.core.models import AuditEntry
from gonghui.orgs import actions, queries
from gonghui.orgs.models import Org, OrgKind


def test_paths_nest_and_subtree_is_one_range(tree):
    assert tree.root.path == "00001"
    assert tree.district.path == "0000100001"
    assert tree.zgc.path == "000010000100001"
    subtree = set(Org.objects.in_subtree(tree.district.path).values_list("name", flat=True))
    assert subtree == {"海淀区总工会", "中关村科学城总工会", "搜狐集团（北京）工会"}


def test_create_org_records_audit_entry(tree, make_staff):
    admin = make_staff(tree.hlg)
    org = actions.create_org(
        actor=admin, parent=tree.hlg, name=" 育知东路驿站 ", kind=OrgKind.STATION
    )
    assert org.name == "育知东路驿站"
    assert org.parent == tree.hlg
    entry = AuditEntry.objects.get(action="orgs.org.created", target_id=str(org.pk))
    assert entry.actor == admin
    assert entry.org == org


def test_create_org_outside_scope_is_not_found(tree, make_staff):
    admin = make_staff(tree.hlg)
    with pytest.raises(NotFoundError):
        actions.create_org(actor=admin, parent=tree.desheng, name="某驿站", kind=OrgKind.STATION)
    assert not Org.objects.filter(name="某驿站").exists()


def test_kind_rules_refuse_a_federation_under_a_station(tree, operator):
    with pytest.raises(DomainError) as caught:
        actions.create_org(
            actor=operator, parent=tree.station, name="错误的总工会", kind=OrgKind.FEDERATION
        )
    assert caught.value.code == "kind_not_allowed"


def test_move_org_moves_the_whole_subtree(tree, operator):
    moved = actions.move_org(actor=operator, org=tree.zgc, new_parent=tree.root)
    assert moved.parent == tree.root
    sohu = Org.objects.get(pk=tree.sohu.pk)
    assert sohu.path.startswith(moved.path)
    assert len(sohu.path) == len(moved.path) + 5
    assert set(Org.objects.in_subtree(tree.district.path).values_list("name", flat=True)) == {
        "海淀区总工会"
    }
    assert AuditEntry.objects.filter(action="orgs.org.moved", target_id=str(tree.zgc.pk)).exists()


def test_move_under_own_descendant_is_refused(tree, operator):
    with pytest.raises(DomainError) as caught:
        actions.move_org(actor=operator, org=tree.district, new_parent=tree.sohu)
    assert caught.value.code == "move_into_own_subtree"


def test_move_needs_move_capability_at_both_ends(tree, make_staff):
    from gonghui.accounts.roles import Role

    hlg_fed_admin = make_staff(tree.hlg, Role.FEDERATION_ADMIN)
    with pytest.raises(NotFoundError):
        actions.move_org(actor=hlg_fed_admin, org=tree.station, new_parent=tree.desheng)
    assert Org.objects.get(pk=tree.station.pk).parent == tree.hlg


def test_stale_edit_is_refused_and_changes_nothing(tree, make_staff):
    admin = make_staff(tree.hlg)
    actions.update_org(actor=admin, org=tree.hlg, expected_version=1, address="回龙观西大街")
    with pytest.raises(ConflictError) as caught:
        actions.update_org(actor=admin, org=tree.hlg, expected_version=1, address="覆盖")
    assert caught.value.code == "stale_version"
    current = Org.objects.get(pk=tree.hlg.pk)
    assert current.address == "回龙观西大街"
    assert current.version == 2


def test_update_audit_holds_the_diff(tree, make_staff):
    admin = make_staff(tree.hlg)
    actions.update_org(actor=admin, org=tree.hlg, expected_version=1, contact_name="刘芳")
    entry = AuditEntry.objects.get(action="orgs.org.updated")
    assert entry.changes == {"contact_name": ["", "刘芳"]}


def test_get_org_for_is_404_outside_scope(tree, make_staff):
    admin = make_staff(tree.hlg)
    assert queries.get_org_for(admin, tree.station.pk, "orgs.view") == tree.station
    with pytest.raises(Http404):
        queries.get_org_for(admin, tree.zgc.pk, "orgs.view")
    with pytest.raises(Http404):
        queries.get_org_for(admin, 999_999, "orgs.view")
