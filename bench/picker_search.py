"""The union picker's search over 10,000 unions, beside the baseline it replaced: reading every
union in scope to draw a <select> (what the forms did, capped at 500, before the picker).

Run from the repository root on a scratch database (it writes 10,000 unions and drops them):

    GONGHUI_DATA_DIR=$(mktemp -d) python bench/picker_search.py                # SQLite
    GONGHUI_DATABASE_URL=postgres://…/scratch python bench/picker_search.py   # PostgreSQL

It prints the median of 50 runs of each search and of the baseline, and the ratio.
"""

import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

UNIONS = 10_000
RUNS = 50


def _median_ms(work: Callable[[], Any]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from gonghui.accounts.models import RoleGrant, User
    from gonghui.core.pickers import suggest
    from gonghui.orgs.models import Org, OrgKind
    from gonghui.orgs.pickers import OrgSource

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        if Org.objects.exists():
            print("the database is not empty: use a scratch one", file=sys.stderr)
            return 1
        root = Org.objects.create(name="北京市总工会", kind=OrgKind.FEDERATION, path="00001")
        zgc = Org.objects.create(
            name="中关村科学城总工会", kind=OrgKind.FEDERATION, parent=root, path="0000100001"
        )
        Org.objects.bulk_create(
            Org(
                name="搜狐集团（北京）工会" if n == 4_321 else f"第{n}分公司工会",
                kind=OrgKind.ENTERPRISE,
                parent=zgc,
                path=f"{zgc.path}{n + 1:05d}",
            )
            for n in range(UNIONS)
        )
        staff = User.objects.create_user("bench_staff", "x")
        RoleGrant.objects.create(user=staff, org=zgc, role="org_admin")
    try:
        staff.scope_paths("members.recruit")
        source = OrgSource(("members.recruit",), (OrgKind.STATION,))

        def baseline() -> None:
            orgs = Org.objects.filter(is_active=True).visible_to(staff, "members.recruit")
            list(orgs.exclude(kind=OrgKind.STATION).order_by("path"))

        figures = {
            "picker: 搜狐 (1 match)": _median_ms(lambda: suggest(source, staff, "搜狐")),
            "picker: 分公司 (10,000 match, 20 listed)": _median_ms(
                lambda: suggest(source, staff, "分公司")
            ),
            "picker: 第4321 (1 match)": _median_ms(lambda: suggest(source, staff, "第4321")),
        }
        base = _median_ms(baseline)
        print(f"{connection.vendor}, {UNIONS:,} unions under one, median of {RUNS} runs")
        print(f"| search | ms | × baseline ({base:.1f} ms: every union in scope, as a select) |")
        print("| --- | ---: | ---: |")
        for name, ms in figures.items():
            print(f"| {name} | {ms:.1f} | {ms / base:.2f} |")
    finally:
        with transaction.atomic():
            RoleGrant.objects.filter(user=staff).delete()
            staff.delete()
            Org.objects.filter(parent=zgc).delete()
            zgc.delete()
            root.delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
