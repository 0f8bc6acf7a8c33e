"""Shared fixtures: a small union tree, staff at each level, signed-in clients."""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from gonghui.accounts import sessions
from gonghui.accounts.actions import create_api_token
from gonghui.accounts.models import RoleGrant, User
from gonghui.accounts.roles import Role
from gonghui.core.sms import MemorySmsSender
from gonghui.orgs.actions import create_org
from gonghui.orgs.models import Org, OrgKind


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings: Any) -> Iterator[None]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SMS_SENDER = "gonghui.core.sms.MemorySmsSender"
    MemorySmsSender.outbox.clear()
    yield
    MemorySmsSender.outbox.clear()


@pytest.fixture
def sms_outbox() -> list[Any]:
    return MemorySmsSender.outbox


@pytest.fixture
def operator(db: None) -> User:
    return User.objects.create_superuser("operator", "pw-operator", name="运维")


@dataclass
class Tree:
    """root (北京市总工会)
    ├── district (海淀区总工会)
    │   └── zgc (中关村科学城总工会) ── sohu (搜狐集团（北京）工会)
    ├── hlg (回龙观街道总工会) ── station (龙泽园驿站)
    └── desheng (德胜街道总工会)
    """

    root: Org
    district: Org
    zgc: Org
    sohu: Org
    hlg: Org
    station: Org
    desheng: Org


@pytest.fixture
def tree(operator: User) -> Tree:
    def make(name: str, kind: str, parent: Org | None) -> Org:
        return create_org(actor=operator, parent=parent, name=name, kind=kind)

    root = make("北京市总工会", OrgKind.FEDERATION, None)
    district = make("海淀区总工会", OrgKind.FEDERATION, root)
    zgc = make("中关村科学城总工会", OrgKind.FEDERATION, district)
    sohu = make("搜狐集团（北京）工会", OrgKind.ENTERPRISE, zgc)
    hlg = make("回龙观街道总工会", OrgKind.STREET, root)
    station = make("龙泽园驿站", OrgKind.STATION, hlg)
    desheng = make("德胜街道总工会", OrgKind.STREET, root)
    return Tree(root, district, zgc, sohu, hlg, station, desheng)


StaffFactory = Callable[..., User]


@pytest.fixture
def make_staff(db: None) -> StaffFactory:
    counter = iter(range(1, 10_000))

    def make(org: Org, role: str = Role.ORG_ADMIN, *, mobile: str = "", name: str = "") -> User:
        n = next(counter)
        user = User.objects.create_user(
            f"staff{n}", "pw-staff", name=name or f"干部{n}", mobile=mobile
        )
        RoleGrant.objects.create(user=user, org=org, role=role)
        return user

    return make


def sign_in(client: Client, user: User) -> Client:
    """Sign `user` in on `client` as a complete sign-in leaves the session: by password for
    an account that has one (with the second step done), else by SMS code."""
    client.force_login(user)
    session = client.session
    now = time.time()
    session[sessions.KIND] = "password" if user.has_usable_password() else "sms"
    session[sessions.SECOND_FACTOR] = user.has_usable_password()
    session[sessions.SIGNED_IN_AT] = now
    session[sessions.LAST_SEEN] = now
    session.save()
    return client


@pytest.fixture
def signed_in() -> Callable[[Client, User], Client]:
    return sign_in


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        return sign_in(Client(), user)

    return make


@pytest.fixture
def api_client_for() -> Callable[[User], Client]:
    """A client that authenticates with a real bearer token, as an integration would."""

    def make(user: User) -> Client:
        _token, raw = create_api_token(actor=user, name="test")
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return make


@pytest.fixture
def english() -> Iterator[None]:
    """Run the test with English active (messages default to Simplified Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def make_enterprise(operator: User) -> Callable[..., Any]:
    """Register an enterprise through the real action (valid credit code, 100 employees)."""
    from gonghui.enterprises.actions import create_enterprise
    from gonghui.enterprises.tests.factories import credit_code, enterprise_name

    def make(org: Org, **fields: Any) -> Any:
        values: dict[str, Any] = {
            "name": enterprise_name(),
            "credit_code": credit_code(),
            "industry": "I",
            "headcount": 100,
            "gig_headcount": 5,
        }
        values.update(fields)
        return create_enterprise(actor=operator, org=org, **values)

    return make


@pytest.fixture
def tallies_exact(db: None, request: pytest.FixtureRequest) -> Iterator[None]:
    """After the test, every dashboard tally must equal what its source rows say
    (`gonghui rebuild_tallies --check`): an action that changed counted data without counting
    it, or counted it at the wrong org or day, fails the test that ran it. Opt in per module
    with `pytestmark = pytest.mark.usefixtures("tallies_exact")` in the action tests of every
    app that counts a metric; a test that writes counted rows without the actions on purpose
    (a database constraint's test) says so with `@pytest.mark.tallies_bypassed`. Costs one
    grouped query per source (about ten) per test."""
    yield
    if request.node.get_closest_marker("tallies_bypassed"):
        return
    from gonghui.dashboards.tallies import verify  # the top app: imported only when used

    drift = verify()
    if drift:
        pytest.fail("tallies drifted from their rows:\n" + "\n".join(map(str, drift)))


@pytest.fixture
def ledger_exact(db: None) -> Iterator[None]:
    """After the test, the trial balance of the whole ledger must be 0 for every commodity
    (every entry balances, so any other figure means a write went past the journal). Opt in
    per module, as with tallies_exact: `pytest.mark.usefixtures("ledger_exact")`."""
    yield
    from gonghui.ledger.queries import trial_balance

    off = {code: total for code, total in trial_balance().items() if total}
    if off:
        pytest.fail(f"the trial balance is not 0: {off}")
