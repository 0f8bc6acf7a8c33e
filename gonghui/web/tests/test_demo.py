from datetime import date

import pytest
from django.db import connection
from django.test import Client

from gonghui.accounts.models import User
from gonghui.core.models import AuditEntry
from gonghui.enterprises.credit_code import normalize_credit_code
from gonghui.enterprises.models import Enterprise, FoundingCase, FoundingStep, Stage
from gonghui.enterprises.queries import coverage_of
from gonghui.orgs.models import Org, OrgKind
from gonghui.web.demo import DEMO_PASSWORD, DEMO_STAFF, DEMO_WORKER_MOBILE, load_demo
from gonghui.web.demo_enterprises import HAIDIAN_STREETS, build_dataset

pytestmark = pytest.mark.django_db

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


def test_demo_tells_the_seed_story():
    load_demo()
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


def test_every_demo_login_works():
    load_demo()
    for username, *_rest in DEMO_STAFF:
        client = Client()
        response = client.post("/staff/login/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        assert client.get("/staff/").status_code == 200
    assert User.objects.get_by_mobile(DEMO_WORKER_MOBILE).name == "李师傅"
    sohu_staff = User.objects.get(username="sohu_staff")
    assert sohu_staff.grants.get().org.name == "搜狐集团（北京）工会"


def test_a_dump_of_the_demo_holds_no_mobile_number_in_clear():
    load_demo()
    dump = _dump_all_tables()
    mobiles = [DEMO_WORKER_MOBILE] + [mobile for _u, _n, mobile, _o, _r in DEMO_STAFF]
    assert User.objects.exclude(mobile="").count() == len(mobiles)
    contacts = [
        str(mobile) for mobile in Enterprise.objects.values_list("contact_mobile", flat=True)
    ]
    assert len(contacts) == Enterprise.objects.count() == 633
    assert all(len(mobile) == 11 for mobile in contacts)
    for mobile in mobiles + contacts:
        assert mobile not in dump


def test_zhongguancun_has_the_seed_pages_582_unions_covering_199128_workers():
    load_demo()
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


def test_the_famous_enterprises_are_linked_to_their_unions_in_the_tree():
    load_demo()
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


def test_sohu_union_is_founded_through_its_case_with_the_congress_on_19_october():
    load_demo()
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


def test_open_founding_cases_wait_at_every_stage():
    load_demo()
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


def test_generated_enterprises_are_plausible():
    load_demo()
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


def test_other_subtrees_hold_enterprises_too():
    load_demo()
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
