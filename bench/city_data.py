"""The city-scale data set for bench/city_scale.py, written with set-based SQL on PostgreSQL.

A city federation (北京市总工会) holds 16 district federations; each district holds 20 street
federations and 2 industry unions (the "areas" where enterprises are registered) and each
street runs 2 stations. Enterprises are registered in the areas; about 65 % have their own
union (an enterprise-union org below the area) and a founding case is open at part of the
rest. Members belong to enterprise unions (82 %) or directly to street unions (gig workers,
18 %); recruitment events, applications, transfers, leavings, activities with checkpoints,
registrations and check-ins (activities and stations) fill the last year.

Every table is filled with `INSERT ... SELECT` over `generate_series` and small planning
tables, never row by row. Primary keys are taken from each table's identity sequence first
(`nextval`), so rows can name each other before they are written. The large tables (members,
episodes, applications, registrations, check-ins) are written without their secondary indexes
and foreign keys, which are then put back exactly as the migrations defined them (one sort per
index, one validating join per foreign key): many times faster than maintaining 7 indexes and
queueing 10 million deferred foreign-key checks row by row.

Columns are taken from the Django models: a column the generator does not set gets the
field's default (one constant), `now()` for auto timestamps, or NULL; a new required field
without a default makes the generator stop with its name, rather than guess.

Personal data: the ID-number and mobile columns hold real ciphertexts (the project's own
AES-GCM field encryption with this run's key) of a pool of 1,000 valid, generated people,
reused across rows: every value has the size and shape of a real one, and none is read by the
figures. The lookup hashes are unique per person (a SHA-256 of a serial, as long as the real
HMAC), because the one-membership-per-person constraint needs them unique.
"""

# ruff: noqa: S608 — the SQL here is assembled from this module's own constants, table names and
# integers (no input from anywhere); values that vary go as parameters.

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg

DISTRICTS = [
    "东城区", "西城区", "朝阳区", "海淀区", "丰台区", "石景山区", "门头沟区", "房山区",
    "通州区", "顺义区", "昌平区", "大兴区", "怀柔区", "平谷区", "密云区", "延庆区",
]  # fmt: skip
STREETS_PER_DISTRICT = 20
INDUSTRY_UNIONS = ["建筑业工会", "物流快递业工会"]  # per district
STATIONS_PER_STREET = 2
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
)
GIVEN = [
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "华", "建国", "志强", "海燕", "红梅",
    "玉兰", "晓东", "小红", "文", "斌", "鹏", "宇", "婷", "浩", "晨", "欣", "佳",
]  # fmt: skip
TRADE_NAMES = [
    "华信", "恒通", "金泰", "宏远", "鼎盛", "瑞丰", "天成", "嘉禾", "永安", "新源", "博雅",
    "中科", "智联", "安达", "顺捷", "盛世", "东方", "北辰", "京华", "汇通",
]  # fmt: skip
TRADES = [
    ("科技", "I"), ("物流", "G"), ("餐饮", "H"), ("建筑", "E"), ("商贸", "F"), ("制造", "C"),
    ("信息技术", "I"), ("文化传媒", "R"), ("物业服务", "K"), ("医药", "C"),
]  # fmt: skip
GIG_JOBS = ["courier", "rider", "ride_hailing", "truck", "domestic", "content"]
EDUCATION = ["middle_school", "high_school", "vocational", "college", "bachelor", "graduate"]
POLITICS = ["masses", "masses", "masses", "masses", "league", "cpc"]
CATEGORIES = ["benefit", "seminar", "contest", "drill", "showcase", "study", "volunteer", "other"]
PLATFORMS = ["美团外卖", "饿了么", "顺丰速运", "京东物流", "滴滴出行", "货拉拉", "中通快递"]
PERSON_POOL = 1_000


@dataclass(frozen=True)
class Sizes:
    members: int
    enterprises: int
    activities: int
    checkins: int  # activity check-ins and station visits together
    events: int
    applications: int
    transfers: int
    station_share: float = 0.2  # of the check-ins, station visits

    @classmethod
    def scaled(cls, scale: float) -> "Sizes":
        return cls(
            members=round(1_000_000 * scale),
            enterprises=round(10_000 * scale),
            activities=round(20_000 * scale),
            checkins=round(10_000_000 * scale),
            events=max(round(3_000 * scale), 10),
            applications=round(200_000 * scale),
            transfers=round(15_000 * scale),
        )


@dataclass
class Generated:
    counts: dict[str, int]
    seconds: dict[str, float]


class Writer:
    """Set-based inserts into the project's tables through one psycopg connection."""

    def __init__(self, conn: psycopg.Connection[Any], today: date, tz: str) -> None:
        self.conn = conn
        self.today = today
        self.tz = tz
        self.seconds: dict[str, float] = {}

    def sql(self, statement: str, params: Sequence[Any] | None = None) -> int:
        cursor = self.conn.execute(statement, params)
        return cursor.rowcount

    def value(self, statement: str, params: Sequence[Any] | None = None) -> Any:
        row = self.conn.execute(statement, params).fetchone()
        return row[0] if row else None

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        yield
        self.seconds[name] = time.monotonic() - started
        from bench.harness import log

        log(f"{name}: {self.seconds[name]:.1f} s")

    def insert(
        self, model: Any, values: dict[str, str], source: str, params: Sequence[Any] = ()
    ) -> int:
        """INSERT INTO model's table SELECT values FROM source. `values` maps attnames (and
        "id") to SQL expressions over the source; every other column gets its default."""
        from django.db import connection

        meta = model._meta
        names = {f.attname for f in meta.concrete_fields}
        unknown = set(values) - names
        if unknown:
            raise ValueError(f"{model.__name__} has no column {sorted(unknown)}")
        columns: list[str] = []
        exprs: list[str] = []
        constants: list[Any] = []
        for field in meta.concrete_fields:
            if field.attname in values:
                expr = values[field.attname]
            elif field.primary_key:
                continue
            elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                expr = "now()"
            else:
                default = field.get_default()
                if default is None:
                    if not field.null:
                        raise ValueError(f"{model.__name__}.{field.name} needs a value")
                    expr = "NULL"
                else:
                    expr = "%s"
                    constants.append(field.get_db_prep_save(default, connection))
            columns.append(connection.ops.quote_name(field.column))
            exprs.append(expr)
        # Constants come first in the SELECT list, the source's parameters after them.
        statement = (
            f"INSERT INTO {meta.db_table} ({', '.join(columns)}) SELECT {', '.join(exprs)} {source}"
        )
        return self.sql(statement, [*constants, *params])

    def seq(self, model: Any) -> str:
        """The SQL naming the primary-key sequence of a model's table."""
        return f"pg_get_serial_sequence('{model._meta.db_table}', 'id')"

    def sync_sequence(self, model: Any) -> None:
        table = model._meta.db_table
        self.sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
        )

    def local(self, day: str, clock: str) -> str:
        """SQL for the moment at local time `clock` (an interval expression) on `day`."""
        return f"((({day})::timestamp + ({clock})) AT TIME ZONE '{self.tz}')"

    @contextmanager
    def bulk(self, *models: Any) -> Iterator[None]:
        """Write the tables without their secondary indexes and foreign keys; put them back
        afterwards with the definitions PostgreSQL holds for them (the migrations')."""
        restore: list[str] = []
        for model in models:
            table = model._meta.db_table
            constraints = self.conn.execute(
                "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('f', 'u')",
                [table],
            ).fetchall()
            indexes = self.conn.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid "
                "AND c.conrelid = x.indrelid)",
                [table],
            ).fetchall()
            for name, definition, _kind in constraints:
                self.sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            for name, definition in indexes:
                self.sql(f'DROP INDEX "{name}"')
                restore.insert(0, definition)  # indexes before the foreign keys
        yield
        for statement in restore:
            self.sql(statement)


def _array(values: Sequence[str]) -> str:
    """An SQL array literal, in parentheses so that it can be subscripted."""
    return "(ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "])"


def _pick(values: Sequence[str], index: str) -> str:
    """SQL picking values[index mod len] (index: a non-negative integer expression)."""
    return f"{_array(values)}[1 + mod({index}, {len(values)})]"


def person_pool(size: int = PERSON_POOL) -> list[tuple[str, str]]:
    """(ID-number ciphertext, mobile ciphertext) of `size` valid generated people, prepared by
    the model fields themselves (this run's encryption key)."""
    from django.db import connection

    from gonghui.members.models import Member
    from gonghui.members.tests.factories import id_number, mobile

    id_field = Member._meta.get_field("id_number")
    mobile_field = Member._meta.get_field("mobile")
    return [
        (
            id_field.get_db_prep_save(id_number(serial=900_000 + n), connection),
            mobile_field.get_db_prep_save(mobile(50_000_000 + n), connection),
        )
        for n in range(size)
    ]


def _has(model: Any, attname: str) -> bool:
    return any(f.attname == attname for f in model._meta.concrete_fields)


def generate(conn: psycopg.Connection[Any], sizes: Sizes, *, today: date, tz: str) -> Generated:
    """Fill the migrated, empty database; returns the row counts and the seconds per step."""
    from django.conf import settings

    from gonghui.accounts.models import User
    from gonghui.checkins.models import CheckIn, Checkpoint, Registration
    from gonghui.enterprises.models import Enterprise, FoundingCase
    from gonghui.events.models import Activity
    from gonghui.members.models import (
        Application,
        Episode,
        Member,
        MemberSequence,
        RecruitmentEvent,
        Transfer,
    )
    from gonghui.orgs.models import Org
    from gonghui.stations.models import Station

    w = Writer(conn, today, tz)
    w.sql("SET synchronous_commit = off")
    w.sql("SET work_mem = '256MB'")
    w.sql("SET maintenance_work_mem = '1GB'")
    w.sql("SELECT setseed(0.2026)")
    # Planning tables are TEMP (this connection only); `today` is the local date of the run.
    w.sql("CREATE TEMP TABLE params AS SELECT %s::date AS today", [today])
    staff = User.objects.create_user("bench-city", None, name="基准测试")
    user = str(staff.pk)
    t = "(SELECT today FROM params)"
    counts: dict[str, int] = {}

    with w.step("personal-data pool (1,000 people encrypted)"):
        w.sql("CREATE TEMP TABLE pool (idx int PRIMARY KEY, id_number text, mobile text)")
        with conn.cursor().copy("COPY pool (idx, id_number, mobile) FROM STDIN") as copy:
            for n, (id_cipher, mobile_cipher) in enumerate(person_pool()):
                copy.write_row((n, id_cipher, mobile_cipher))

    with w.step("orgs: city, 16 districts, streets, industry unions"):
        w.sql(
            "CREATE TEMP TABLE plan_org (id bigint, parent_id bigint, path text, kind text, "
            "name text, district text)"
        )
        w.sql(
            f"INSERT INTO plan_org SELECT nextval({w.seq(Org)}), NULL, '00001', 'federation', "
            "'北京市总工会', '北京市'"
        )
        district = _pick(DISTRICTS, "d - 1")
        w.sql(
            f"INSERT INTO plan_org SELECT nextval({w.seq(Org)}), r.id, "
            f"r.path || lpad(d::text, 5, '0'), 'federation', {district} || '总工会', {district} "
            f"FROM plan_org r, generate_series(1, {len(DISTRICTS)}) d"
        )
        streets, areas = STREETS_PER_DISTRICT, STREETS_PER_DISTRICT + len(INDUSTRY_UNIONS)
        industry = _pick(INDUSTRY_UNIONS, f"s - {streets} - 1")
        w.sql(
            f"INSERT INTO plan_org SELECT nextval({w.seq(Org)}), d.id, "
            "d.path || lpad(s::text, 5, '0'), "
            f"CASE WHEN s <= {streets} THEN 'street' ELSE 'industry' END, "
            f"CASE WHEN s <= {streets} THEN d.district || '第' || s || '街道总工会' "
            f"ELSE d.district || {industry} END, d.district "
            f"FROM plan_org d, generate_series(1, {areas}) s "
            "WHERE d.kind = 'federation' AND d.parent_id IS NOT NULL"
        )
        w.sql(
            "CREATE TEMP TABLE areas AS SELECT row_number() OVER (ORDER BY id) AS idx, * "
            "FROM plan_org WHERE kind IN ('street', 'industry')"
        )
        w.sql(
            "CREATE TEMP TABLE streets AS SELECT row_number() OVER (ORDER BY id) AS idx, * "
            "FROM plan_org WHERE kind = 'street'"
        )
        n_areas = w.value("SELECT count(*) FROM areas")
        n_streets = w.value("SELECT count(*) FROM streets")

    with w.step("enterprises, enterprise unions, founding cases"):
        trades = _array([name for name, _ in TRADES])
        sections = _array([section for _, section in TRADES])
        trade = f"1 + mod(e / {len(TRADE_NAMES)}, {len(TRADES)})"
        w.sql(
            "CREATE TEMP TABLE plan_ent AS SELECT e AS n, "
            f"nextval({w.seq(Enterprise)}) AS id, a.id AS area_id, a.path AS area_path, "
            "a.district, a.name AS area_name, random() < 0.65 AS has_union, "
            "(10 + exp(random() * ln(3000)))::int AS headcount, random() AS r1, random() AS r2, "
            f"'北京' || {_pick(TRADE_NAMES, 'e')} || {trades}[{trade}] || "
            "CASE WHEN e > 200 THEN '第' || (e / 200) || '分' ELSE '' END || '有限公司' AS name, "
            f"{sections}[{trade}] AS industry, NULL::bigint AS union_id, NULL::text AS union_path, "
            "NULL::date AS established "
            f"FROM generate_series(1, {sizes.enterprises}) e "
            f"JOIN areas a ON a.idx = 1 + mod(e * 7919, {n_areas})"
        )
        w.sql(
            f"UPDATE plan_ent p SET union_id = nextval({w.seq(Org)}), "
            "union_path = p.area_path || lpad((100 + o.k)::text, 5, '0'), "
            # Most unions are years old; 8 % were established in the last twelve months.
            f"established = CASE WHEN p.r1 < 0.08 THEN {t} - (p.r2 * 364)::int "
            f"ELSE date '2003-01-01' + (p.r2 * ({t} - 366 - date '2003-01-01'))::int END "
            "FROM (SELECT n, row_number() OVER (PARTITION BY area_id ORDER BY n) AS k "
            "FROM plan_ent WHERE has_union) o WHERE o.n = p.n"
        )
        w.sql(
            "INSERT INTO plan_org SELECT union_id, area_id, union_path, 'enterprise', "
            "name || '工会', district FROM plan_ent WHERE has_union"
        )
        counts["orgs"] = w.insert(
            Org,
            {"id": "id", "parent_id": "parent_id", "path": "path", "kind": "kind",
             "name": "name", "district": "district", "is_active": "true"},
            "FROM plan_org ORDER BY path",
        )  # fmt: skip
        counts["enterprises"] = w.insert(
            Enterprise,
            {
                "id": "p.id", "name": "p.name",
                "credit_code": "'91110' || lpad(p.n::text, 13, '0')",
                "industry": "p.industry", "district": "p.district",
                "street": "left(p.area_name, 40)", "address": "p.district || '某路' || p.n || '号'",
                "headcount": "p.headcount", "gig_headcount": "(p.headcount * p.r1 * 0.3)::int",
                "contact_name": "'王经理'", "contact_mobile": "pool.mobile",
                "union_established_on": "p.established", "org_id": "p.area_id",
                "union_id": "p.union_id",
            },
            "FROM plan_ent p JOIN pool ON pool.idx = mod(p.n, 1000)",
        )  # fmt: skip
        # A founding case is under way at 30 % of the enterprises without a union.
        counts["founding cases"] = w.insert(
            FoundingCase,
            {"enterprise_id": "id", "stage": "1 + mod(n, 3)",
             "stage_since": f"{t} - mod(n, 90)", "opened_on": f"{t} - 90 - mod(n, 200)",
             "closed_on": "NULL"},
            "FROM plan_ent WHERE NOT has_union AND r2 < 0.3",
        )  # fmt: skip
        w.sql(
            "CREATE TEMP TABLE unions AS SELECT row_number() OVER (ORDER BY union_id) AS idx, "
            "union_id AS org_id, id AS enterprise_id, name, district FROM plan_ent "
            "WHERE has_union"
        )
        n_unions = w.value("SELECT count(*) FROM unions")

    with w.step("recruitment events and applications"):
        events = sizes.events
        w.sql(
            "CREATE TEMP TABLE plan_event AS SELECT e, "
            f"nextval({w.seq(RecruitmentEvent)}) AS id, "
            f"CASE WHEN mod(e, 10) < 6 THEN u.org_id ELSE s.id END AS org_id, "
            "CASE WHEN mod(e, 10) < 6 THEN u.enterprise_id END AS enterprise_id, "
            "CASE WHEN mod(e, 10) < 6 THEN u.name ELSE s.name END AS host, "
            f"{w.local(f'{t} - 400 + (e * 400 / {events})', "interval '10 hours'")} AS starts_at "
            f"FROM generate_series(1, {events}) e "
            f"JOIN unions u ON u.idx = 1 + mod(e * 7919, {n_unions}) "
            f"JOIN streets s ON s.idx = 1 + mod(e * 104729, {n_streets})"
        )
        counts["recruitment events"] = w.insert(
            RecruitmentEvent,
            {"id": "id", "org_id": "org_id", "enterprise_id": "enterprise_id",
             "title": "host || '双沟通入会活动'", "place": "host", "starts_at": "starts_at",
             "ends_at": "starts_at + interval '4 hours'", "target": "100",
             "code": "'c' || lpad(e::text, 9, '0')", "created_by_id": user,
             "created_at": "starts_at - interval '7 days'"},
            "FROM plan_event",
        )  # fmt: skip
        # 90 % of the applications come through an event (in its four hours), the rest online.
        w.sql(
            "CREATE TEMP TABLE plan_app AS SELECT a, "
            f"nextval({w.seq(Application)}) AS id, "
            "CASE WHEN mod(a, 10) = 0 THEN NULL ELSE ev.id END AS event_id, "
            "CASE WHEN mod(a, 10) = 0 THEN s.id ELSE ev.org_id END AS org_id, "
            "CASE WHEN mod(a, 10) = 0 THEN NULL ELSE ev.enterprise_id END AS enterprise_id, "
            "CASE WHEN mod(a, 10) = 0 "
            f"THEN {w.local(f'{t} - 400 + mod(a, 400)', "interval '9 hours'")} "
            "ELSE ev.starts_at END + random() * interval '4 hours' AS submitted_at, "
            "random() AS r1, random() AS r2 "
            f"FROM generate_series(1, {sizes.applications}) a "
            f"JOIN plan_event ev ON ev.e = 1 + mod(a::bigint * 7919, {events}) "
            f"JOIN streets s ON s.idx = 1 + mod(a * 31, {n_streets})"
        )
        # Pending only when recent; the rest reviewed within two days: 94 % approved.
        w.sql("ALTER TABLE plan_app ADD status text, ADD reviewed_at timestamptz, ADD hash text")
        w.sql(
            "UPDATE plan_app SET status = CASE "
            "WHEN submitted_at > now() - interval '20 days' AND r1 < 0.5 THEN 'pending' "
            "WHEN r2 < 0.94 THEN 'approved' ELSE 'rejected' END, "
            "hash = encode(sha256(convert_to('bench:person:a' || a, 'UTF8')), 'hex')"
        )
        w.sql(
            "UPDATE plan_app SET reviewed_at = least(now() - interval '1 minute', "
            "submitted_at + r1 * interval '2 days') WHERE status <> 'pending'"
        )
        with w.bulk(Application):
            counts["applications"] = w.insert(
                Application,
                _person("p.a", "pool", "p.hash") | {
                    "id": "p.id", "org_id": "p.org_id", "event_id": "p.event_id",
                    "enterprise_id": "p.enterprise_id", "status": "p.status",
                    "reject_reason": "CASE WHEN p.status = 'rejected' THEN '不符合入会条件' "
                                     "ELSE '' END",
                    "consent_version": f"'{settings.CONSENT_VERSION}'",
                    "consented_at": "p.submitted_at",
                    "submission_key": "'bench-' || p.a",
                    "receipt": "md5('receipt' || p.a)",
                    "channel": "'web'",
                    "employer_name": _pick(PLATFORMS, "p.a"),
                    "job_type": f"CASE WHEN mod(p.a, 3) = 0 THEN 'employee' "
                    f"ELSE {_pick(GIG_JOBS, 'p.a')} END",
                    "submitted_at": "p.submitted_at",
                    "reviewed_by_id": f"CASE WHEN p.status <> 'pending' THEN {user} END",
                    "reviewed_at": "p.reviewed_at",
                },
                "FROM plan_app p JOIN pool ON pool.idx = mod(p.a, 1000)",
            )  # fmt: skip
        w.sql(
            "UPDATE members_recruitmentevent e SET scans = 3 * c.n "
            "FROM (SELECT event_id, count(*) AS n FROM plan_app WHERE event_id IS NOT NULL "
            "GROUP BY event_id) c WHERE c.event_id = e.id"
        )

    with w.step("members (with numbers per union) and membership sequences"):
        recruited = w.value("SELECT count(*) FROM plan_app WHERE status = 'approved'")
        historic = sizes.members - recruited
        first_id = w.value(f"SELECT nextval({w.seq(Member)})")
        # One row per member before numbering: `historic` members recorded over the years
        # (7 % in the last twelve months, 4 % gone since), then the recruited applicants.
        w.sql(
            "CREATE TEMP TABLE plan_member AS SELECT g, "
            "CASE WHEN x.at_union THEN u.org_id ELSE s.id END AS org_id, "
            "CASE WHEN x.at_union THEN u.enterprise_id END AS enterprise_id, "
            f"CASE WHEN x.at_union THEN u.name ELSE {_pick(PLATFORMS, 'g')} "
            "END AS employer_name, x.at_union, "
            f"CASE WHEN x.r1 < 0.07 THEN {t} - (x.r2 * 365)::int "
            f"ELSE date '2008-01-01' + (x.r2 * ({t} - 366 - date '2008-01-01'))::int "
            "END AS joined_on, x.r3, x.r4, NULL::bigint AS event_id, "
            "encode(sha256(convert_to('bench:person:m' || g, 'UTF8')), 'hex') AS hash "
            f"FROM generate_series(1, {historic}) g "
            "CROSS JOIN LATERAL (SELECT mod(g, 100) < 82 AS at_union, random() + 0 * g AS r1, "
            "random() AS r2, random() AS r3, random() AS r4) x "
            f"JOIN unions u ON u.idx = 1 + mod(g::bigint * 2654435761, {n_unions}) "
            f"JOIN streets s ON s.idx = 1 + mod(g::bigint * 40503, {n_streets})"
        )
        w.sql(
            "INSERT INTO plan_member SELECT "
            f"{historic} + row_number() OVER (ORDER BY p.id), p.org_id, p.enterprise_id, "
            "coalesce(u.name, '美团外卖'), u.org_id IS NOT NULL, "
            f"(p.reviewed_at AT TIME ZONE '{tz}')::date, 0.5, 1.0, p.event_id, p.hash "
            "FROM plan_app p LEFT JOIN unions u ON u.org_id = p.org_id "
            "WHERE p.status = 'approved'"
        )
        gone = "m.r3 < 0.04 AND m.event_id IS NULL"
        with w.bulk(Member):
            counts["members"] = w.insert(
                Member,
                _person("m.g", "pool", "m.hash") | {
                    "id": f"{first_id} - 1 + m.g",
                    "employer_name": "left(m.employer_name, 120)",
                    "has_employer_union": "m.at_union",
                    "job_type": f"CASE WHEN m.at_union AND mod(m.g, 10) > 0 THEN 'employee' "
                                f"ELSE {_pick(GIG_JOBS, 'm.g')} END",
                    "number": "lpad(m.org_id::text, 6, '0') || '-' || lpad((row_number() OVER "
                              "(PARTITION BY m.org_id ORDER BY m.g))::text, 6, '0')",
                    "org_id": "m.org_id", "enterprise_id": "m.enterprise_id",
                    "status": f"CASE WHEN {gone} THEN CASE WHEN m.r3 < 0.02 THEN 'withdrawn' "
                              "ELSE 'lapsed' END ELSE 'active' END",
                    "joined_on": "m.joined_on",
                    "left_on": f"CASE WHEN {gone} "
                               f"THEN m.joined_on + (m.r4 * ({t} - m.joined_on))::int END",
                    "leave_reason": f"CASE WHEN {gone} THEN '离职' ELSE '' END",
                    "recruitment_event_id": "m.event_id",
                },
                "FROM plan_member m JOIN pool ON pool.idx = mod(m.g, 1000)",
            )  # fmt: skip
        w.sync_sequence(Member)
        w.sql(
            "UPDATE members_application a SET member_id = m.id FROM members_member m "
            "WHERE a.status = 'approved' AND m.id_number_hash = a.id_number_hash"
        )
        w.insert(
            MemberSequence,
            {"org_id": "org_id", "last": "count(*)"},
            "FROM members_member GROUP BY org_id",
        )

    with w.step("episodes and accepted transfers"):
        with w.bulk(Episode):
            w.insert(
                Episode,
                {"member_id": "id", "org_id": "org_id", "employer_name": "employer_name",
                 "started_on": "joined_on", "ended_on": "left_on"},
                "FROM members_member",
            )  # fmt: skip
            # Transfers accepted in the last twelve months, from a street union: the first
            # episode ends at the old union on that day, the second starts at the new one.
            w.sql(
                "CREATE TEMP TABLE plan_transfer AS SELECT m.id AS member_id, s.id AS from_org, "
                "m.org_id AS to_org, m.employer_name, "
                f"greatest(m.joined_on + 1, {t} - 364) + (random() * "
                f"({t} - greatest(m.joined_on + 1, {t} - 364)))::int AS day "
                "FROM members_member m "
                f"JOIN streets s ON s.idx = 1 + mod(m.id * 31, {n_streets}) "
                f"WHERE m.status = 'active' AND m.joined_on < {t} - 30 AND s.id <> m.org_id "
                f"AND m.recruitment_event_id IS NULL AND mod(m.id, 37) = 0 "
                f"ORDER BY m.id LIMIT {sizes.transfers}"
            )
            w.sql(
                "UPDATE members_episode e SET org_id = p.from_org, ended_on = p.day "
                "FROM plan_transfer p WHERE e.member_id = p.member_id"
            )
            w.insert(
                Episode,
                {"member_id": "member_id", "org_id": "to_org", "employer_name": "employer_name",
                 "started_on": "day", "ended_on": "NULL"},
                "FROM plan_transfer",
            )  # fmt: skip
        counts["episodes"] = w.value("SELECT count(*) FROM members_episode")
        counts["transfers"] = w.insert(
            Transfer,
            {"member_id": "member_id", "from_org_id": "from_org", "to_org_id": "to_org",
             "new_employer_name": "left(employer_name, 120)", "status": "'accepted'",
             "requested_by_id": user,
             "requested_at": w.local("day - 2", "interval '10 hours'"),
             "decided_by_id": user, "decided_at": w.local("day", "interval '15 hours'")},
            "FROM plan_transfer",
        )  # fmt: skip

    with w.step("activities and their checkpoints"):
        n_act = sizes.activities
        target = round(sizes.checkins * (1 - sizes.station_share))
        districts_sql = (
            "(SELECT id FROM plan_org WHERE kind = 'federation' AND parent_id IS NOT NULL "
            f"ORDER BY id OFFSET mod(i, {len(DISTRICTS)}) LIMIT 1)"
        )
        w.sql(
            "CREATE TEMP TABLE plan_act AS SELECT i, "
            f"nextval({w.seq(Activity)}) AS id, nextval({w.seq(Checkpoint)}) AS cp_id, "
            # Organisers: enterprise unions 60 %, streets 28 %, industry unions 4 %,
            # districts 7 %, the city 1 %.
            "CASE WHEN x.r < 0.01 THEN (SELECT id FROM plan_org WHERE parent_id IS NULL) "
            f"WHEN x.r < 0.08 THEN {districts_sql} "
            f"WHEN x.r < 0.36 THEN (SELECT id FROM streets WHERE idx = 1 + mod(i * 7, {n_streets}))"
            " "
            f"WHEN x.r < 0.40 THEN (SELECT id FROM areas WHERE kind = 'industry' "
            f"ORDER BY id OFFSET mod(i, {len(DISTRICTS) * len(INDUSTRY_UNIONS)}) LIMIT 1) "
            f"ELSE (SELECT org_id FROM unions WHERE idx = 1 + mod(i * 7919, {n_unions})) "
            "END AS org_id, "
            + w.local(f"{t} - 365 + (i * 380 / {n_act})", "make_interval(hours => 9 + mod(i, 9))")
            + " AS starts_at, "
            "CASE mod(i, 100) WHEN 0 THEN 'cancelled' WHEN 1 THEN 'draft' ELSE 'published' "
            f"END AS status, mod(i, 5) < 2 AS req, {_pick(CATEGORIES, 'i')} AS category, "
            "x.r2, x.r3, 0 AS n, 0 AS nreg "
            f"FROM generate_series(1, {n_act}) i "
            "CROSS JOIN LATERAL (SELECT random() + 0 * i AS r, random() AS r2, random() AS r3) x"
        )
        # Check-ins at the published activities held so far: most a few dozen to six hundred,
        # one in a hundred three to fifteen thousand; scaled to the target total.
        w.sql(
            "UPDATE plan_act SET n = (CASE WHEN r2 < 0.01 THEN 3000 + 12000 * r3 "
            "ELSE 30 + 570 * r3 * r3 END * 1000)::int "
            "WHERE status = 'published' AND starts_at < now() - interval '4 hours'"
        )
        raw = w.value("SELECT sum(n) FROM plan_act")
        # (at most one check-in per member: only a tiny trial run comes near that)
        w.sql(
            f"UPDATE plan_act SET n = least(round(n::numeric * {target} / {raw})::int, "
            f"{sizes.members * 10 // 11})"
        )
        w.sql(
            "UPDATE plan_act SET nreg = CASE WHEN n > 0 THEN (n * 1.1)::int "
            "WHEN status = 'published' THEN 60 ELSE 0 END WHERE req"
        )
        titles = _array(
            ["职工趣味运动会", "安全生产培训", "劳模工匠宣讲", "消防应急演练", "职工读书分享会",
             "志愿服务日", "法律咨询进企业", "职工健康讲座", "技能竞赛", "青年联谊会"]
        )  # fmt: skip
        checkpoint_values = {
            "id": "cp_id", "org_id": "org_id", "kind": "'activity'",
            "title": f"{titles}[1 + mod(i, 10)]",
            "opens_at": "starts_at - interval '1 hour'",
            "closes_at": "starts_at + interval '3 hours'",
            "registration_closes_at": "starts_at + interval '3 hours'",
            "requires_registration": "req", "allows_walk_ins": "true",
            "confirmed_places": "nreg", "checked_in": "n", "walk_ins": "0",
            "created_at": "starts_at - interval '20 days'",
        }  # fmt: skip
        counts["checkpoints (activities)"] = w.insert(
            Checkpoint, checkpoint_values, "FROM plan_act"
        )
        counts["activities"] = w.insert(
            Activity,
            {"id": "id", "org_id": "org_id", "checkpoint_id": "cp_id",
             "title": f"{titles}[1 + mod(i, 10)]", "category": "category",
             "description": "''", "audience": "'members'", "place": "'职工之家'",
             "starts_at": "starts_at", "ends_at": "starts_at + interval '3 hours'",
             "status": "status",
             "published_at": "CASE WHEN status <> 'draft' THEN starts_at - interval '20 days' END",
             "created_at": "starts_at - interval '20 days'", "created_by_id": user},
            "FROM plan_act",
        )  # fmt: skip

    with w.step("stations and their checkpoints"):
        w.sql(
            "CREATE TEMP TABLE plan_station AS SELECT row_number() OVER (ORDER BY s.id, k) "
            f"AS st, nextval({w.seq(Station)}) AS id, nextval({w.seq(Checkpoint)}) AS cp_id, "
            "s.id AS org_id, s.name AS street_name, s.district, "
            "replace(s.name, '总工会', '') || '户外劳动者驿站' || k AS name "
            f"FROM streets s, generate_series(1, {STATIONS_PER_STREET}) k"
        )
        station_checkpoint = {
            "id": "cp_id", "org_id": "org_id", "kind": "'station'", "title": "left(name, 120)",
            "requires_registration": "false", "allows_walk_ins": "true",
            "created_at": f"{w.local(f'{t} - 400', 'interval \'9 hours\'')}",
        }  # fmt: skip
        if _has(Checkpoint, "once_a_day"):
            station_checkpoint["once_a_day"] = "true"
        counts["checkpoints (stations)"] = w.insert(
            Checkpoint, station_checkpoint, "FROM plan_station"
        )
        counts["stations"] = w.insert(
            Station,
            {"id": "id", "org_id": "org_id", "checkpoint_id": "cp_id", "name": "left(name, 120)",
             "district": "district", "street": "left(street_name, 40)",
             "address": "district || '某街' || st || '号'", "weekdays": "'1234567'",
             "all_day": "true", "is_active": "true", "created_by_id": user},
            "FROM plan_station",
        )  # fmt: skip

    with w.step("registrations"):
        member_of = f"{first_id} + mod(a.i::bigint * 104729 + k::bigint * 7919, {sizes.members})"
        with w.bulk(Registration):
            counts["registrations"] = w.insert(
                Registration,
                {"checkpoint_id": "a.cp_id", "member_id": member_of, "places": "1",
                 "status": "'confirmed'",
                 "created_at": "least(now() - interval '1 hour', a.starts_at - "
                               "make_interval(days => 1 + mod(k, 6), mins => mod(k, 600)))",
                 "updated_at": "least(now() - interval '1 hour', a.starts_at - "
                               "make_interval(days => 1 + mod(k, 6), mins => mod(k, 600)))"},
                "FROM plan_act a CROSS JOIN LATERAL generate_series(0, a.nreg - 1) k "
                "WHERE a.nreg > 0",
            )  # fmt: skip

    with w.step("check-ins at activities and visits to stations"):
        method = "poster" if "poster" in CheckIn.Method.values else "screen"
        station_target = sizes.checkins - target
        days = 365
        mean = station_target / (w.value("SELECT count(*) FROM plan_station") * days)
        w.sql(
            "CREATE TEMP TABLE plan_visit AS SELECT st.st, st.cp_id, "
            f"{t} - d AS day, floor(random() * {2 * mean} + random() + 0 * d)::int AS n "
            f"FROM plan_station st, generate_series(0, {days - 1}) d"
        )
        with w.bulk(CheckIn):
            counts["check-ins (activities)"] = w.insert(
                CheckIn,
                {"checkpoint_id": "a.cp_id", "member_id": member_of,
                 "checked_in_at": "a.starts_at - interval '30 minutes' + "
                                  "(k::float8 / a.n) * interval '90 minutes'",
                 "method": "CASE WHEN mod(k, 10) = 0 THEN 'batch' WHEN mod(k, 10) < 4 "
                           "THEN 'card' ELSE 'screen' END",
                 "walk_in": "false"},
                "FROM plan_act a CROSS JOIN LATERAL generate_series(0, a.n - 1) k "
                "WHERE a.n > 0",
            )  # fmt: skip
            visitor = (
                f"{first_id} + mod(v.st * 15485863 + (v.day - date '2000-01-01') * 104729 "
                f"+ k::bigint * 7919, {sizes.members})"
            )
            visit = {
                "checkpoint_id": "v.cp_id", "member_id": visitor,
                "checked_in_at": w.local("v.day", "interval '7 hours' + mod(k * 37, 780) * "
                                         "interval '1 minute'"),
                "method": f"'{method}'", "walk_in": "false",
            }  # fmt: skip
            if _has(CheckIn, "day"):
                visit["day"] = "v.day"
            counts["check-ins (stations)"] = w.insert(
                CheckIn,
                visit,
                "FROM plan_visit v CROSS JOIN LATERAL generate_series(0, v.n - 1) k WHERE v.n > 0",
            )
        w.sql(
            "UPDATE checkins_checkpoint c SET checked_in = v.n FROM (SELECT cp_id, sum(n) AS n "
            "FROM plan_visit GROUP BY cp_id) v WHERE v.cp_id = c.id"
        )

    for model in (Org, Enterprise, RecruitmentEvent, Application, Activity, Checkpoint, Station):
        w.sync_sequence(model)
    return Generated(counts, w.seconds)


def _person(serial: str, pool: str, hash_column: str) -> dict[str, str]:
    """The PersonFields columns of a generated person number `serial` (an SQL integer)."""
    return {
        "name": f"{_pick(SURNAMES, serial)} || {_pick(GIVEN, f'{serial} / {len(SURNAMES)}')}",
        "gender": f"CASE WHEN mod({serial}, 2) = 0 THEN 'M' ELSE 'F' END",
        "ethnicity": f"CASE WHEN mod({serial}, 20) = 0 THEN '03' ELSE '01' END",
        "id_number": f"{pool}.id_number",
        "id_number_hash": hash_column,
        "mobile": f"{pool}.mobile",
        "mobile_hash": f"encode(sha256(convert_to('bench:mobile:' || {hash_column}, 'UTF8')), "
        "'hex')",
        "employer_name": "''",
        "has_employer_union": "false",
        "job_type": _pick(GIG_JOBS, serial),
        "education": _pick(EDUCATION, f"{serial} / 7"),
        "political_status": _pick(POLITICS, f"{serial} / 3"),
    }
