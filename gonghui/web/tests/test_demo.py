import pytest
from django.db import connection
from django.test import Client

from gonghui.accounts.models import User
from gonghui.orgs.models import Org
from gonghui.web.demo import DEMO_PASSWORD, DEMO_STAFF, DEMO_WORKER_MOBILE, load_demo

pytestmark = pytest.mark.django_db


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


def test_a_dump_of_the_demo_holds_no_mobile_number_in_clear():
    load_demo()
    dump = _dump_all_tables()
    mobiles = [DEMO_WORKER_MOBILE] + [mobile for _u, _n, mobile, _o, _r in DEMO_STAFF]
    assert User.objects.exclude(mobile="").count() == len(mobiles)
    for mobile in mobiles:
        assert mobile not in dump
