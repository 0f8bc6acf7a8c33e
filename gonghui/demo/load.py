"""Demo data that tells the seed page's story: the Beijing union tree around Zhongguancun
Science City and Huilongguan, with staff at each level and a worker, and the enterprises and
union foundings of demo.enterprises (搜狐集团（北京）工会 is founded there, through a case)."""

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from gonghui.accounts.actions import create_staff_user
from gonghui.accounts.models import TotpDevice, User
from gonghui.accounts.roles import Role
from gonghui.benefits.models import Claim, Offer, Service
from gonghui.care.models import Campaign
from gonghui.checkins.models import CheckIn, Registration
from gonghui.dashboards.tallies import rebuild as rebuild_tallies
from gonghui.demo.activities import load_activities
from gonghui.demo.benefits import PROVIDER_DEMO, load_benefits
from gonghui.demo.care import load_care
from gonghui.demo.enterprises import load_enterprises
from gonghui.demo.innovation import load_innovation
from gonghui.demo.learning import load_learning
from gonghui.demo.logins import DEMO_PASSWORD, DEMO_TOTP_SECRET, DEMO_WORKER_MOBILE
from gonghui.demo.members import DEMO_WORKER_NAME, load_members
from gonghui.demo.stations import load_stations
from gonghui.demo.volunteers import load_volunteers
from gonghui.enterprises.models import Enterprise, FoundingCase
from gonghui.events.models import Activity
from gonghui.learning.models import Lesson, LessonProgress, Participant
from gonghui.ledger.models import Posting
from gonghui.members.models import Application, Member, RecruitmentEvent
from gonghui.orgs.actions import create_org
from gonghui.orgs.models import Org, OrgKind, Tally
from gonghui.reviews.models import Ballot, Call, Submission
from gonghui.stations.models import Station
from gonghui.volunteers.models import Certification, Shift

ROOT_NAME = "北京市总工会"

# The 27 courier depots and rest stations the Huilongguan street union visits
# (seed: 27 个快递网点及驿站).
HUILONGGUAN_STATIONS = [
    "龙泽园中通快递网点",
    "回龙观西大街顺丰速运网点",
    "龙锦苑圆通速递网点",
    "云趣园韵达快递网点",
    "新龙城申通快递网点",
    "龙腾苑京东物流站点",
    "流星花园邮政快递网点",
    "北店嘉园极兔速递网点",
    "金域华府德邦快递网点",
    "龙华园菜鸟驿站",
    "风雅园菜鸟驿站",
    "龙跃苑菜鸟驿站",
    "田园风光雅苑快递驿站",
    "云趣园一区户外劳动者驿站",
    "回龙观地铁站工会驿站",
    "育知东路工会驿站",
    "融泽嘉园快递驿站",
    "天露园快递驿站",
    "同成街美团骑手站",
    "回龙观东大街饿了么骑手站",
    "龙禧苑闪送服务站",
    "冠庭园快递驿站",
    "通达园快递驿站",
    "佰嘉城快递驿站",
    "和谐家园快递驿站",
    "金榜园快递驿站",
    "农学院社区快递驿站",
]

FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"
FAST_HASH_PREFIX = "md5$"  # how that hasher's hashes begin

StaffRow = tuple[str, str, str, str, str]  # username, name, mobile, org name, role
DEMO_STAFF: list[StaffRow] = [
    # username, name, mobile, org name, role
    ("fed_admin", "王建国", "13910000001", ROOT_NAME, Role.FEDERATION_ADMIN),
    ("zgc_admin", "陈晓东", "13910000002", "中关村科学城总工会", Role.ORG_ADMIN),
    ("hlg_staff", "刘芳", "13910000003", "回龙观街道总工会", Role.ORG_ADMIN),
    ("sohu_staff", "张磊", "13910000004", "搜狐集团（北京）工会", Role.ORG_ADMIN),
]


@dataclass(frozen=True)
class Found:
    unions: int
    members: int


def find_existing_data() -> Found | None:
    """What the database already holds, or None when it is empty. The demo loads only into an
    empty database: load_demo writes everything in one transaction, so a union exists only after
    a complete load (whatever its staff renamed since) or when the data is someone else's; either
    way there is nothing to load over."""
    unions = Org.objects.count()
    if not unions:
        return None
    return Found(unions=unions, members=Member.objects.filter(status=Member.Status.ACTIVE).count())


def _tree() -> list[tuple[str, str, str, str]]:
    """(name, kind, parent name, district) in creation order. 搜狐集团（北京）工会 is not here:
    its founding case creates it (demo.enterprises)."""
    rows: list[tuple[str, str, str, str]] = [
        ("海淀区总工会", OrgKind.FEDERATION, ROOT_NAME, "海淀区"),
        ("中关村科学城总工会", OrgKind.FEDERATION, "海淀区总工会", "海淀区"),
        ("小米科技有限责任公司工会", OrgKind.ENTERPRISE, "中关村科学城总工会", "海淀区"),
        ("贝壳找房（北京）科技有限公司工会", OrgKind.ENTERPRISE, "中关村科学城总工会", "海淀区"),
        ("北京掌趣科技股份有限公司工会", OrgKind.ENTERPRISE, "中关村科学城总工会", "海淀区"),
        ("昌平区总工会", OrgKind.FEDERATION, ROOT_NAME, "昌平区"),
        ("回龙观街道总工会", OrgKind.STREET, "昌平区总工会", "昌平区"),
        ("门头沟区总工会", OrgKind.FEDERATION, ROOT_NAME, "门头沟区"),
        ("西城区总工会", OrgKind.FEDERATION, ROOT_NAME, "西城区"),
        ("德胜街道总工会", OrgKind.STREET, "西城区总工会", "西城区"),
        ("顺义区总工会", OrgKind.FEDERATION, ROOT_NAME, "顺义区"),
        ("北京公交集团工会", OrgKind.INDUSTRY, ROOT_NAME, ""),
        ("北京公交集团保修分公司一厂工会", OrgKind.ENTERPRISE, "北京公交集团工会", ""),
        ("中国邮政集团工会", OrgKind.INDUSTRY, ROOT_NAME, ""),
    ]
    rows += [(name, OrgKind.STATION, "回龙观街道总工会", "昌平区") for name in HUILONGGUAN_STATIONS]
    return rows


def _create_staff(operator: User, row: StaffRow, org: Org) -> User:
    username, name, mobile, _org_name, role = row
    return create_staff_user(
        actor=operator,
        username=username,
        name=name,
        mobile=mobile,
        password=DEMO_PASSWORD,
        org=org,
        role=role,
    )


def _silent(line: str) -> None:
    pass


@transaction.atomic
def load_demo(report: Callable[[str], None] = _silent) -> None:
    """Write the whole demo in one transaction, reporting one line per stage with its counts
    and the time since the start (the first load takes a while; a silent terminal looks hung)."""
    started = time.monotonic()

    def done(stage: str, counts: str) -> None:
        report(f"  {stage}: {counts} ({time.monotonic() - started:.1f} s)")

    # The demo password is public (printed on screen), so a slow hash per account protects
    # nothing and cost 0.4 s each (16 accounts, a third of the load): the accounts are made
    # through the actions, which check the password, under a fast hasher, and then all share one
    # hash by the configured hasher, before the transaction commits.
    with override_settings(PASSWORD_HASHERS=[FAST_HASHER, *settings.PASSWORD_HASHERS]):
        _load(done)
    User.objects.filter(password__startswith=FAST_HASH_PREFIX).update(
        password=make_password(DEMO_PASSWORD)
    )


def _load(done: Callable[[str, str], None]) -> None:
    operator = User.objects.create_superuser("operator", DEMO_PASSWORD, name="平台运维")
    orgs = {
        ROOT_NAME: create_org(
            actor=operator, parent=None, name=ROOT_NAME, kind=OrgKind.FEDERATION, district="北京市"
        )
    }
    for name, kind, parent, district in _tree():
        orgs[name] = create_org(
            actor=operator, parent=orgs[parent], name=name, kind=kind, district=district
        )
    # Staff whose organisation exists now first: zgc_admin walks the founding cases, and
    # sohu_staff's organisation only exists once 搜狐's case is established.
    staff: dict[str, User] = {}
    later: list[StaffRow] = []
    for row in DEMO_STAFF:
        if row[3] in orgs:
            staff[row[0]] = _create_staff(operator, row, orgs[row[3]])
        else:
            later.append(row)
    done("union tree", f"{len(orgs)} unions, {len(staff)} staff accounts")
    load_enterprises(operator=operator, zgc_admin=staff["zgc_admin"], hlg_staff=staff["hlg_staff"])
    for row in later:
        staff[row[0]] = _create_staff(operator, row, Org.objects.get(name=row[3]))
    done(
        "enterprises",
        f"{Enterprise.objects.count()} enterprises, {FoundingCase.objects.count()} founding cases",
    )
    worker = User.objects.create_user(None, None, name="李师傅", mobile=DEMO_WORKER_MOBILE)
    worker.set_unusable_password()
    worker.save(update_fields=["password"])
    # The seed's recruitment story: 23 双沟通 events, 5,137 members, 482 of them at 搜狐; and
    # 李师傅's membership at 回龙观, so his e-member card shows after he signs in.
    load_members(
        zgc_admin=staff["zgc_admin"],
        hlg_staff=staff["hlg_staff"],
        sohu_staff=staff["sohu_staff"],
        worker=worker,
        reserved_mobiles=[mobile for _u, _n, mobile, _o, _r in DEMO_STAFF],
    )
    done(
        "recruitment",
        f"{RecruitmentEvent.objects.count()} events, {Application.objects.count()} applications,"
        f" {Member.objects.count()} members",
    )
    load_activities(staff=staff, worker=worker)
    done(
        "activities",
        f"{Activity.objects.count()} activities, {Registration.objects.count()} registrations,"
        f" {CheckIn.objects.count()} check-ins, {Member.objects.count()} members",
    )
    load_stations(staff=staff, worker=worker)
    done(
        "stations",
        f"{Station.objects.count()} stations, {CheckIn.objects.count()} check-ins with visits",
    )
    load_benefits(staff=staff, worker=worker)
    done(
        "services",
        f"{Service.objects.count()} services, {Offer.objects.count()} offers,"
        f" {Claim.objects.count()} claims",
    )
    load_volunteers(operator=operator, staff=staff, worker=worker)
    done(
        "volunteer service",
        f"{Shift.objects.count()} shifts, {Certification.objects.count()} certified stays",
    )
    load_care(operator=operator, staff=staff)
    done(
        "care",
        f"{Campaign.objects.count()} campaigns, {Posting.objects.count()} ledger postings",
    )
    load_innovation(staff=staff)
    done(
        "innovation",
        f"{Call.objects.count()} calls, {Submission.objects.count()} entries,"
        f" {Ballot.objects.count()} ballots",
    )
    load_learning(operator=operator, hlg_staff=staff["hlg_staff"])
    done(
        "learning",
        f"{Lesson.objects.count()} lessons, {LessonProgress.objects.count()} lessons heard,"
        f" {Participant.objects.count()} campaign participants",
    )
    # The loaders write in bulk, past the actions that keep the daily tallies: count them once.
    rebuild_tallies()
    now = timezone.now()
    TotpDevice.objects.bulk_create(
        TotpDevice(user=user, secret=DEMO_TOTP_SECRET, confirmed_at=now)
        for user in [operator, *staff.values()]
    )
    done("daily tallies", f"{Tally.objects.count()} rows")


def load_or_find_demo(report: Callable[[str], None]) -> None:
    """What `gonghui demo` does before it serves: load the demo into an empty database, or say
    what the database holds and serve that (never load over existing data)."""
    where = connection.settings_dict["NAME"]
    found = find_existing_data()
    if found is not None:
        report(
            f"Using the existing demo data in {where}: "
            f"{found.unions} unions, {found.members} members"
        )
        return
    report(f"Loading the demo data into {where} …")
    load_demo(report)


def print_demo_logins(base_url: str = "http://127.0.0.1:8000") -> None:
    print(f"\nDemo sign-ins (password for all staff: {DEMO_PASSWORD})")
    print(f"  Staff: {base_url}/staff/login/, then the six-digit code of an authenticator app")
    print(f"    set up with the key {DEMO_TOTP_SECRET} (all demo staff share it), or of:")
    print(
        '    python -c "import time, gonghui.accounts.totp as t; '
        f"print(t.code_at('{DEMO_TOTP_SECRET}', time.time()))\""
    )
    for username, name, _mobile, org_name, role in DEMO_STAFF:
        print(f"    {username:<11} {name}  {Role(role).label} · {org_name}")
    print("    operator    平台运维  operator (Django admin at /admin/)")
    print(f"  Service provider (redeems member offers): {base_url}/provider/login/")
    print(f"    {PROVIDER_DEMO}  京心心理咨询中心（中关村）, same password")
    print(f"  Worker: {base_url}/accounts/login/")
    print(f"    mobile {DEMO_WORKER_MOBILE} (李师傅, {DEMO_WORKER_NAME}: a courier at 回龙观 whose")
    print("    e-member card shows after sign-in); the six-digit code is printed in this terminal")
    print("    (look for a line 'SMS to 138****8000: …'), as is the status link a worker gets")
    print("    after applying to join", flush=True)
