"""The capability names are one list (core.capabilities.Capability, checked by mypy) and one
table (accounts.roles); an unknown name is a bug that fails loudly for everyone."""

from typing import get_args

import pytest
from django.contrib.auth.models import AnonymousUser

from gonghui.accounts.roles import CAPABILITY_LABELS, ROLE_CAPABILITIES
from gonghui.core.capabilities import CAPABILITIES, Capability, UnknownCapabilityError
from gonghui.core.scoping import permits, require
from gonghui.orgs.models import Org


def test_the_type_and_the_table_name_the_same_capabilities():
    assert set(get_args(Capability)) == set(CAPABILITY_LABELS) == CAPABILITIES
    # Spelt out, so that adding or dropping a capability is a visible change to this test.
    assert sorted(CAPABILITIES) == [
        "accounts.manage",
        "accounts.view",
        "audit.view",
        "benefits.manage",
        "care.manage",
        "checkins.scan",
        "dashboards.view",
        "enterprises.manage",
        "enterprises.view",
        "events.manage",
        "founding.manage",
        "imports.run",
        "learning.manage",
        "ledger.close",
        "ledger.correct",
        "ledger.view",
        "members.export_personal",
        "members.manage",
        "members.recruit",
        "members.review",
        "members.view",
        "orgs.manage",
        "orgs.move",
        "orgs.view",
        "personal_data.view",
        "reviews.manage",
        "stations.manage",
        "volunteers.manage",
    ]
    assert len(get_args(Capability)) == len(CAPABILITIES)
    for role, granted in ROLE_CAPABILITIES.items():
        assert granted <= CAPABILITIES, role


@pytest.mark.parametrize("who", ["superuser", "staff", "anonymous"])
def test_an_unknown_capability_is_an_error_for_everyone(who, operator, tree, make_staff):
    user = {
        "superuser": operator,
        "staff": make_staff(tree.zgc),
        "anonymous": AnonymousUser(),
    }[who]
    typo = "event.manage"  # events.manage, misspelt
    with pytest.raises(UnknownCapabilityError, match=r"unknown capability 'event\.manage'"):
        Org.objects.visible_to(user, typo)  # type: ignore[arg-type]  # the typo under test
    with pytest.raises(UnknownCapabilityError):
        permits(user, typo, tree.zgc.path)  # type: ignore[arg-type]  # the typo under test
    with pytest.raises(UnknownCapabilityError):
        require(user, typo, tree.zgc.path)  # type: ignore[arg-type]  # the typo under test
    if who != "anonymous":
        with pytest.raises(UnknownCapabilityError):
            user.scope_paths(typo)


def test_a_known_capability_still_opens_a_superuser_everything(operator, tree):
    assert operator.scope_paths("events.manage") is None
    assert permits(operator, "events.manage", tree.sohu.path)
    assert list(Org.objects.visible_to(AnonymousUser(), "orgs.view")) == []
