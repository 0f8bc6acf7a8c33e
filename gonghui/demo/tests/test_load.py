import io
import re
import time
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import F
from django.test import Client, override_settings
from django.utils import timezone

from gonghui.accounts import totp
from gonghui.accounts.models import User
from gonghui.core.models import AuditEntry
from gonghui.core.personal import birth_date_of, normalize_id_number, normalize_mobile
from gonghui.demo.enterprises import HAIDIAN_STREETS, build_dataset
from gonghui.demo.load import DEMO_STAFF, load_or_find_demo
from gonghui.demo.logins import DEMO_PASSWORD, DEMO_TOTP_SECRET, DEMO_WORKER_MOBILE
from gonghui.demo.members import OPEN_EVENT_TITLE, build_members_dataset
from gonghui.enterprises.credit_code import normalize_credit_code
from gonghui.enterprises.models import Enterprise, FoundingCase, FoundingStep, Stage
from gonghui.enterprises.queries import coverage_of
from gonghui.members.actions import approve_application
from gonghui.members.models import (
    Application,
    Episode,
    Member,
    MemberSequence,
    RecruitmentEvent,
    Transfer,
)
from gonghui.members.queries import (
    ApplicationFilters,
    count_waiting,
    event_figures,
    get_own_member,
    list_applications,
)
from gonghui.orgs.actions import update_org
from gonghui.orgs.models import Org, OrgKind

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, loaded once for the module in a transaction rolled back at its end (each test
    runs in a savepoint inside it, so what one test changes the next does not see); its
    photos in a temporary folder."""
    media = tmp_path_factory.mktemp("media")
    quick = override_settings(
        MEDIA_ROOT=media,
        # As gonghui/conftest.py sets for each test, so the staff passwords check out.
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        SMS_SENDER="gonghui.core.sms.MemorySmsSender",
    )
    with django_db_blocker.unblock(), quick, transaction.atomic():
        lines: list[str] = []
        load_or_find_demo(report=lines.append)
        yield lines
        transaction.set_rollback(True)


def _found_line() -> str:
    return (
        f"Using the existing demo data in {connection.settings_dict['NAME']}: "
        "633 unions, 38182 members"
    )


def _sizes() -> tuple[int, int, int, int]:
    return (
        Org.objects.count(),
        Member.objects.count(),
        Application.objects.count(),
        User.objects.count(),
    )


def test_the_first_start_loads_and_says_each_stage_with_its_counts(loaded):
    assert loaded[0] == f"Loading the demo data into {connection.settings_dict['NAME']} …"
    stages = [line.split(":")[0].strip() for line in loaded[1:]]
    assert stages == [
        "union tree", "enterprises", "recruitment", "activities", "stations", "services",
        "volunteer service", "care", "innovation", "learning", "daily tallies",
    ]  # fmt: skip
    assert loaded[9].startswith("  innovation: 3 calls, 30 entries, 176 ballots (")
    assert loaded[3].startswith("  recruitment: 24 events, 5229 applications, 5176 members (")
    assert loaded[-1].endswith(" s)")


def test_a_second_start_does_not_reload_and_says_what_it_found(loaded):
    before = _sizes()
    assert before[:2] == (633, 38182)
    lines: list[str] = []
    load_or_find_demo(report=lines.append)
    assert lines == [_found_line()]
    assert _sizes() == before


def test_a_renamed_root_does_not_trigger_a_reload(loaded):
    root = Org.objects.get(parent=None)
    fed_admin = User.objects.get(username="fed_admin")
    renamed = "北京市总工会（本部）"
    update_org(actor=fed_admin, org=root, expected_version=root.version, name=renamed)
    before = _sizes()
    lines: list[str] = []
    load_or_find_demo(report=lines.append)
    assert lines == [_found_line()]
    assert _sizes() == before
    assert list(Org.objects.filter(parent=None).values_list("name", flat=True)) == [renamed]


def test_load_demo_refuses_a_database_that_holds_data(loaded):
    with pytest.raises(CommandError) as refused:
        call_command("load_demo", stdout=io.StringIO())
    assert str(refused.value) == (
        "The database already holds 633 unions and 38182 members;"
        " the demo loads only into an empty one."
    )


FAMOUS_UNIONS = {
    "小米科技有限责任公司": "小米科技有限责任公司工会",
    "贝壳找房（北京）科技有限公司": "贝壳找房（北京）科技有限公司工会",
    "北京掌趣科技股份有限公司": "北京掌趣科技股份有限公司工会",
    "搜狐集团（北京）有限公司": "搜狐集团（北京）工会",
}


def _union_of(enterprise: Enterprise) -> Org:
    assert enterprise.union is not None, enterprise.name
    return enterprise.union


def _dump_all_tables() -> str:
    """Every row of every table as text: what a database dump would hold."""
    chunks: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 — table names from introspection
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_demo_tells_the_seed_story(loaded):
    names = set(Org.objects.values_list("name", flat=True))
    for name in (
        "北京市总工会",
        "海淀区总工会",
        "中关村科学城总工会",
        "搜狐集团（北京）工会",
        "回龙观街道总工会",
        "门头沟区总工会",
        "德胜街道总工会",
        "顺义区总工会",
        "北京公交集团保修分公司一厂工会",
        "中国邮政集团工会",
    ):
        assert name in names
    hlg = Org.objects.get(name="回龙观街道总工会")
    assert hlg.children.filter(kind="station").count() == 27


def test_every_demo_login_works_with_the_printed_authenticator_key(loaded):
    for username in [row[0] for row in DEMO_STAFF] + ["operator"]:
        client = Client()
        response = client.post("/staff/login/", {"username": username, "password": DEMO_PASSWORD})
        assert response["Location"] == "/staff/login/code/", username
        code = totp.code_at(DEMO_TOTP_SECRET, time.time())
        response = client.post("/staff/login/code/", {"code": code})
        assert response["Location"] == "/staff/", username
        assert client.get("/staff/").status_code == 200
    assert User.objects.get_by_mobile(DEMO_WORKER_MOBILE).name == "李师傅"
    sohu_staff = User.objects.get(username="sohu_staff")
    assert sohu_staff.grants.get().org.name == "搜狐集团（北京）工会"


def test_a_dump_of_the_demo_holds_no_mobile_number_in_clear(loaded):
    dump = _dump_all_tables()
    mobiles = [DEMO_WORKER_MOBILE] + [mobile for _u, _n, mobile, _o, _r in DEMO_STAFF]
    # 顺义's union cadres who volunteer (demo.volunteers) sign in with their own numbers.
    cadres = Member.objects.filter(org__name="顺义区总工会", user__isnull=False)
    mobiles += [str(mobile) for mobile in cadres.values_list("mobile", flat=True)]
    assert len(mobiles) == 5 + 24
    assert User.objects.exclude(mobile="").count() == len(mobiles)
    contacts = [
        str(mobile) for mobile in Enterprise.objects.values_list("contact_mobile", flat=True)
    ]
    assert len(contacts) == Enterprise.objects.count() == 633
    assert all(len(mobile) == 11 for mobile in contacts)
    for mobile in mobiles + contacts:
        assert mobile not in dump
    # Members' and applicants' ID and mobile numbers, a sample of each.
    people = [
        *Member.objects.order_by("pk").values_list("id_number", "mobile")[::97],
        *Application.objects.order_by("pk").values_list("id_number", "mobile")[::89],
    ]
    assert len(people) > 100
    for id_number, mobile in people:
        assert len(str(id_number)) == 18
        assert str(id_number) not in dump
        assert str(mobile) not in dump


def test_zhongguancun_has_the_seed_pages_582_unions_covering_199128_workers(loaded):
    zgc = Org.objects.get(name="中关村科学城总工会")
    coverage = coverage_of(zgc, period_start=None, period_end=None)
    assert coverage.enterprises_with_union == 582
    assert coverage.workers_covered == 199_128
    # Enterprises without a union are registered too, and do not count.
    assert coverage.enterprises == 622
    assert coverage.workers == 211_469
    assert coverage.cases_by_stage == {Stage.PREPARING: 6, Stage.RECRUITING: 6, Stage.CONGRESS: 3}
    # Every union is an enterprise union directly under 中关村, named after its enterprise.
    unions = Org.objects.filter(parent=zgc)
    assert unions.count() == 582
    assert set(unions.values_list("kind", flat=True)) == {OrgKind.ENTERPRISE}
    with_union = Enterprise.objects.filter(org=zgc, union__isnull=False).select_related("union")
    assert {_union_of(e).pk for e in with_union} == set(unions.values_list("pk", flat=True))
    for enterprise in with_union:
        expected = FAMOUS_UNIONS.get(enterprise.name, f"{enterprise.name}工会")
        assert _union_of(enterprise).name == expected
        founded = enterprise.union_established_on
        assert founded is not None
        assert date(2008, 1, 1) <= founded <= date(2026, 10, 19)
    bulk = AuditEntry.objects.get(action="enterprises.enterprise.bulk_created")
    assert bulk.org == zgc
    assert bulk.changes["enterprises"] == 578


def test_the_famous_enterprises_are_linked_to_their_unions_in_the_tree(loaded):
    zgc = Org.objects.get(name="中关村科学城总工会")
    for name, union_name in FAMOUS_UNIONS.items():
        enterprise = Enterprise.objects.select_related("union").get(name=name)
        assert enterprise.org == zgc
        assert _union_of(enterprise).name == union_name
        assert _union_of(enterprise).parent == zgc
    assert Org.objects.filter(name="搜狐集团（北京）工会").count() == 1
    xiaomi = Enterprise.objects.get(name="小米科技有限责任公司")
    sohu = Enterprise.objects.get(name="搜狐集团（北京）有限公司")
    assert xiaomi.headcount == 6800
    assert sohu.headcount == 2460


def test_sohu_union_is_founded_through_its_case_with_the_congress_on_19_october(loaded):
    case = FoundingCase.objects.select_related("enterprise__union").get(
        enterprise__name="搜狐集团（北京）有限公司"
    )
    assert case.stage == Stage.ESTABLISHED
    assert case.opened_on == date(2026, 7, 28)
    assert case.closed_on == date(2026, 10, 19)
    steps = list(case.steps.order_by("recorded_at", "id"))
    assert [(s.from_stage, s.to_stage, s.happened_on) for s in steps] == [
        (None, Stage.PREPARING, date(2026, 7, 28)),
        (Stage.PREPARING, Stage.RECRUITING, date(2026, 8, 10)),
        (Stage.RECRUITING, Stage.CONGRESS, date(2026, 10, 19)),
        (Stage.CONGRESS, Stage.ESTABLISHED, date(2026, 10, 19)),
    ]
    assert "双沟通" in steps[0].notes
    assert "482" in steps[0].notes
    assert steps[2].notes == "搜狐集团（北京）工会成立大会暨第一次代表大会召开"
    zgc_admin = User.objects.get(username="zgc_admin")
    assert {s.recorded_by for s in steps} == {zgc_admin}
    union = _union_of(case.enterprise)
    assert union.parent is not None
    assert union.name == "搜狐集团（北京）工会"
    assert union.kind == OrgKind.ENTERPRISE
    assert union.parent.name == "中关村科学城总工会"
    assert case.enterprise.union_established_on == date(2026, 10, 19)


def test_open_founding_cases_wait_at_every_stage(loaded):
    open_cases = FoundingCase.objects.filter(stage__lt=Stage.ESTABLISHED)
    counts = {stage: open_cases.filter(stage=stage).count() for stage in Stage.values[:-1]}
    assert counts == {Stage.PREPARING: 7, Stage.RECRUITING: 6, Stage.CONGRESS: 3}
    assert not open_cases.filter(enterprise__union__isnull=False).exists()
    assert all(case.stage_since.year == 2026 for case in open_cases)
    back = FoundingStep.objects.get(reason__gt="")
    assert (back.from_stage, back.to_stage) == (Stage.CONGRESS, Stage.RECRUITING)
    assert back.case.stage == Stage.RECRUITING
    assert "三分之二" in back.reason
    zgc = Org.objects.get(name="中关村科学城总工会")
    without_case = Enterprise.objects.filter(
        org=zgc, union__isnull=True, founding_case__isnull=True
    )
    assert without_case.count() == 25
    assert FoundingCase.objects.filter(stage=Stage.ESTABLISHED).count() == 1


def test_generated_enterprises_are_plausible(loaded):
    enterprises = list(Enterprise.objects.all())
    names = [e.name for e in enterprises]
    assert len(set(names)) == len(names)
    for enterprise in enterprises:
        assert normalize_credit_code(enterprise.credit_code) == enterprise.credit_code
        assert 0 <= enterprise.gig_headcount <= enterprise.headcount
        assert enterprise.contact_name
    haidian = [e for e in enterprises if e.district == "海淀区"]
    assert len(haidian) == 622
    assert all(e.credit_code[2:8] == "110108" for e in haidian)
    assert all(e.street in HAIDIAN_STREETS for e in haidian)
    high_tech = [e for e in haidian if e.industry in {"I", "M", "C"}]
    assert len(high_tech) / len(haidian) > 0.9
    typical = [e for e in haidian if 30 <= e.headcount <= 800]
    assert len(typical) / len(haidian) > 0.9


def test_other_subtrees_hold_enterprises_too(loaded):
    hlg = Enterprise.objects.filter(org__name="回龙观街道总工会")
    assert hlg.count() == 6
    assert not hlg.filter(union__isnull=False).exists()
    assert list(
        hlg.filter(founding_case__stage=Stage.PREPARING).values_list("name", flat=True)
    ) == ["北京顺丰速运有限公司回龙观分公司"]
    assert Enterprise.objects.filter(org__name="德胜街道总工会").count() == 2
    fire_drill = Enterprise.objects.select_related("union__parent").get(name="北京建工新材新科公司")
    assert _union_of(fire_drill).name == "北京建工新材新科公司工会"
    assert str(_union_of(fire_drill).parent) == "西城区总工会"
    assert Enterprise.objects.filter(org__name="门头沟区总工会", union__isnull=False).count() == 2


def test_the_generated_data_is_the_same_every_time():
    first, second = build_dataset(), build_dataset()
    assert first == second
    assert sum(c.headcount for c, _on in first.historical) == 199_128 - 6800 - 3600 - 650 - 2460


# --- the recruitment story (demo.members) ----------------------------------------------------

ZGC = "中关村科学城总工会"
HLG = "回龙观街道总工会"
SOHU = "搜狐集团（北京）有限公司"


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def test_23_events_at_20_companies_brought_5137_members(loaded):
    zgc = Org.objects.get(name=ZGC)
    events = list(
        RecruitmentEvent.objects.exclude(title=OPEN_EVENT_TITLE).select_related(
            "enterprise__union", "org"
        )
    )
    assert len(events) == 23
    assert {event.org for event in events} == {zgc}
    assert all(_local(event.starts_at).year == 2026 for event in events)
    per_company = Counter(event.enterprise.name for event in events if event.enterprise)
    assert len(per_company) == 20
    assert sorted(n for n in per_company.values() if n > 1) == [2, 2, 2]
    assert {SOHU, "小米科技有限责任公司", "贝壳找房（北京）科技有限公司"} <= set(per_company)
    assert "北京掌趣科技股份有限公司" in per_company
    assert all(e.enterprise and e.enterprise.industry in {"I", "C", "M"} for e in events)
    assert Member.objects.filter(recruitment_event__isnull=False).count() == 5137
    approved = Application.objects.filter(event__isnull=False, status="approved")
    assert approved.count() == 5137
    # Every approved application made exactly the member recruited through its event.
    assert not approved.exclude(member__recruitment_event=F("event")).exists()
    totals = Counter[str]()
    for event in events:
        figures = event_figures(event)
        assert figures.scans > figures.applications >= figures.approved > 0, event.title
        assert figures.members == figures.approved
        assert 0.8 * figures.applications <= figures.gifts_given <= event.gift_stock
        totals.update(scans=figures.scans, applications=figures.applications)
        totals.update(approved=figures.approved, rejected=figures.rejected)
        # Routing on the day: the company's union if it had one, else 中关村 itself.
        assert event.enterprise is not None
        union = event.enterprise.union
        founded = event.enterprise.union_established_on
        had_union = founded is not None and founded < _local(event.starts_at).date()
        expected = union if had_union else zgc
        assert set(Application.objects.filter(event=event).values_list("org", flat=True)) == {
            expected.pk if expected else None
        }
        times = Application.objects.filter(event=event).values_list("submitted_at", flat=True)
        assert all(event.starts_at <= t <= event.ends_at for t in times)
    assert totals["approved"] == 5137
    assert totals["scans"] > totals["applications"] > totals["approved"]
    assert totals["rejected"] > 0
    entries = AuditEntry.objects.filter(action="members.member.bulk_created", org=zgc)
    assert entries.get().changes["members"] == 5137


def test_482_joined_at_sohu_about_one_a_minute_and_moved_to_their_new_union(loaded):
    zgc = Org.objects.get(name=ZGC)
    sohu_union = Org.objects.get(name="搜狐集团（北京）工会")
    event = RecruitmentEvent.objects.get(enterprise__name=SOHU)
    assert event.place == "搜狐媒体大厦"
    assert _local(event.starts_at).month == 7
    figures = event_figures(event)
    assert figures.applications == figures.approved == figures.members == 482
    assert 1 <= figures.peak_per_minute <= 15
    minutes = (event.ends_at - event.starts_at).total_seconds() / 60
    assert 0.9 <= 482 / minutes <= 1.1  # 平均每分钟就有1名职工提交申请
    # 搜狐 had no union in July: the applications went to 中关村科学城总工会 …
    applications = Application.objects.filter(event=event)
    assert set(applications.values_list("org", flat=True)) == {zgc.pk}
    assert not applications.filter(has_employer_union=True).exists()
    # … whose numbers the members keep after moving to the union founded on 19 October.
    members = Member.objects.filter(recruitment_event=event)
    assert members.count() == 482
    assert set(members.values_list("org", flat=True)) == {sohu_union.pk}
    assert all(n.startswith(f"{zgc.pk:06d}-") for n in members.values_list("number", flat=True))
    assert all(d.month == 7 for d in members.values_list("joined_on", flat=True))
    moved = Transfer.objects.filter(
        member__recruitment_event=event, from_org=zgc, to_org=sohu_union, status="accepted"
    )
    assert moved.count() == 482
    assert {_local(t.requested_at).date() for t in moved} == {date(2026, 10, 20)}
    episodes = Episode.objects.filter(member__recruitment_event=event)
    assert episodes.count() == 964
    assert episodes.filter(org=zgc, ended_on=date(2026, 10, 20)).count() == 482
    assert (
        episodes.filter(org=sohu_union, started_on=date(2026, 10, 20), ended_on=None).count() == 482
    )


def test_members_are_plausible_people_with_valid_unique_numbers(loaded):
    rows = list(Member.objects.values_list("id_number", "mobile", "gender", "ethnicity", "name"))
    assert len(rows) > 5137
    ids = [str(row[0]) for row in rows]
    assert len(set(ids)) == len(ids)
    for id_number, _mobile, gender, _ethnicity, name in rows:
        assert normalize_id_number(str(id_number)) == id_number
        assert 1970 <= birth_date_of(str(id_number)).year <= 2004
        assert int(str(id_number)[16]) % 2 == (1 if gender == "M" else 0)
        assert 2 <= len(name) <= 3
    mobiles = [str(row[1]) for row in rows]
    assert len(set(mobiles)) == len(mobiles)
    assert all(normalize_mobile(mobile) == mobile for mobile in mobiles)
    regions = Counter(id_number[:2] for id_number in ids)
    assert len(regions) >= 25  # from across China
    han = sum(1 for row in rows if row[3] == "01") / len(rows)
    assert 0.85 < han < 0.97
    # The high-tech story's members are mostly employees; the postal unions' (the study
    # campaign's, demo.learning) are postmen and couriers.
    tech = Member.objects.exclude(org__parent__name="中国邮政集团工会")
    employees = tech.filter(job_type="employee")
    assert employees.count() / tech.count() > 0.85
    degrees = employees.filter(education__in=["bachelor", "graduate"]).count()
    assert degrees / employees.count() > 0.75
    # Member numbers come from each union's sequence, which knows how far it got.
    prefixes = Counter(
        number.split("-")[0] for number in Member.objects.values_list("number", flat=True)
    )
    sequences = {
        f"{org:06d}": last for org, last in MemberSequence.objects.values_list("org", "last")
    }
    assert prefixes == sequences
    assert Application.objects.values("receipt").distinct().count() == Application.objects.count()


def test_the_queues_wait_and_li_shifu_holds_his_card(loaded):
    zgc_admin = User.objects.get(username="zgc_admin")
    hlg_staff = User.objects.get(username="hlg_staff")
    hlg = Org.objects.get(name=HLG)
    for user in (zgc_admin, hlg_staff):
        queue = list_applications(user, "members.review", filters=ApplicationFilters())
        assert len(queue) >= 3
        assert count_waiting(user, "members.review") >= 2  # older than the warning threshold
        assert count_waiting(user, "members.review") < len(queue)
    flagged = [
        a
        for a in list_applications(zgc_admin, "members.review", filters=ApplicationFilters())
        if getattr(a, "is_member_already")  # noqa: B009 — an annotation, unknown to mypy
    ]
    assert len(flagged) == 1
    # New-employment-form members at 回龙观, whose employers or platforms have no union.
    couriers = Member.objects.filter(org=hlg)
    assert couriers.count() >= 30
    assert set(couriers.values_list("job_type", flat=True)) <= {
        "courier",
        "rider",
        "truck",
        "ride_hailing",
    }
    assert not couriers.filter(has_employer_union=True).exists()
    assert not couriers.filter(recruitment_event__isnull=False).exists()
    # 李师傅 signs in with his mobile and finds his membership.
    worker = User.objects.get_by_mobile(DEMO_WORKER_MOBILE)
    member = get_own_member(worker)
    assert member is not None
    assert member.is_active
    assert member.org == hlg
    assert member.job_type == "courier"
    assert str(member.mobile) == DEMO_WORKER_MOBILE
    assert worker.name == "李师傅"
    # The next approval continues 回龙观's sequence.
    last = MemberSequence.objects.get(org=hlg).last
    waiting = Application.objects.filter(org=hlg, status="pending").first()
    assert waiting is not None
    approved = approve_application(actor=hlg_staff, application=waiting)
    assert approved.number == f"{hlg.pk:06d}-{last + 1:06d}"


def test_the_recruitment_data_is_the_same_every_time():
    now = timezone.now()
    first = build_members_dataset(now, worker_mobile=DEMO_WORKER_MOBILE)
    second = build_members_dataset(now, worker_mobile=DEMO_WORKER_MOBILE)
    assert first == second
    people = [a.person for e in first.events for a in e.applicants]
    assert sum(1 for e in first.events for a in e.applicants if a.status == "approved") == 5137
    assert len({p.id_number for p in people}) == len(people)


def test_an_event_is_open_and_activities_are_upcoming_whenever_the_demo_is_loaded(loaded, client):
    """The README's journeys: a worker scans an open event's poster and applies; the demo
    worker (李师傅) sees activities coming up at /a/, which a visitor is told are for members."""
    now = timezone.now()
    event = RecruitmentEvent.objects.get(title=OPEN_EVENT_TITLE)
    assert (event.org.name, event.enterprise, event.place) == (HLG, None, "回龙观地铁站工会驿站")
    # Two hours before the load, two weeks after it (the module's load ran moments ago).
    assert timedelta(hours=2) <= now - event.starts_at < timedelta(hours=3)
    assert timedelta(days=13, hours=23) < event.ends_at - now <= timedelta(days=14)
    join = client.get(f"/j/{event.code}/")
    assert join.status_code == 200
    assert 'id="join-form"' in join.content.decode()
    assert 'id="event-closed"' not in join.content.decode()
    worker = Client()
    worker.force_login(User.objects.get_by_mobile(DEMO_WORKER_MOBILE))
    activities = worker.get("/a/").content.decode()
    titles = re.findall(r'<a class="activity-title" href="/a/(\d+)/">([^<]+)</a>', activities)
    shown = {title for _pk, title in titles}
    assert {"冬季送温暖 · 快递小哥免费健康体检", "迎新春 · 职工冰雪嘉年华普惠专场"} <= shown
    carnival = next(pk for pk, title in titles if title == "迎新春 · 职工冰雪嘉年华普惠专场")
    assert client.get(f"/a/{carnival}/").status_code == 403
