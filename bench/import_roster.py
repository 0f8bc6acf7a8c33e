#!/usr/bin/env python3
"""Benchmark: importing a 200,000-row member roster (会员信息采集表) on PostgreSQL.

    createdb -h 127.0.0.1 -U postgres gonghui_bench_import
    export GONGHUI_DATABASE_URL=postgres://postgres@127.0.0.1:5432/gonghui_bench_import
    gonghui migrate
    python bench/import_roster.py            # --rows N, --inline-strings, --profile

It writes a roster of valid, unique people (.xlsx with shared strings, as Excel and WPS save
it), uploads it through the real pipeline, then runs, each in a fresh process so that its peak
memory is its own:

- baseline: the same file streamed with openpyxl in read-only mode, no checks, no writes;
- reader: the same file streamed by core.spreadsheets (the pipeline's reader), no checks;
- dry run: `check_job`, as the worker runs it (every row checked, nothing written);
- import: `run_job`, as the worker runs it after confirmation (the file is checked again,
  then every row written).

It prints seconds, CPU seconds (the phase's process and the sandboxed child that reads the
file), rows/s, peak memory (ru_maxrss) of the process and of the child, and the ratio to the
baseline, and exits non-zero only if the counts are wrong (every row valid, exactly N members
created). Nothing is asserted about time: the figures go to bench/RESULTS.md.
"""

import argparse
import cProfile
import json
import os
import pstats
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_ROOT = "基准测试总工会"
BENCH_UNION = "基准测试街道总工会"
BENCH_STAFF = "bench-importer"

# GB/T 2260 region codes that python-stdnum accepts for every birth date from 1965 on (its
# table knows when each code came into use).
REGIONS = [
    "110101", "110102", "110105", "110106", "110108",
    "310101", "310104", "310105", "310106", "120101",
]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强海燕红梅玉兰"
EMPLOYERS = ["美团外卖", "饿了么", "顺丰速运", "京东物流", "滴滴出行", "货拉拉", "中通快递"]
JOBS = ["外卖骑手", "骑手", "快递员", "网约车司机", "货车司机", "家政服务员", "企业职工"]
EDUCATION = ["初中", "高中", "中专", "大专", "本科", "研究生"]
POLITICS = ["群众", "群众", "群众", "共青团员", "中共党员"]
ETHNIC = ["汉族"] * 9 + ["回族", "满族", "蒙古族"]
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
HEADER = ["姓名", "性别", "民族", "身份证号", "手机号", "工作单位", "岗位类型", "学历",
          "政治面貌", "入会时间"]  # fmt: skip


def person_row(i: int, rng: random.Random) -> list[Any]:
    """Row i of the roster: a valid, unique person (unique ID number and mobile number)."""
    region = REGIONS[i % len(REGIONS)]
    rest = i // len(REGIONS)
    born = date(1965, 1, 1) + timedelta(days=rest % 14_000)  # 1965 to 2003
    serial = (rest // 14_000) * 10 + i % 7
    body = f"{region}{born:%Y%m%d}{serial:03d}"
    total = sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True))
    id_number = body + "10X98765432"[total % 11]
    joined = date(2020, 1, 1) + timedelta(days=rng.randrange(1_800))  # after the 16th birthday
    joined_text = (
        f"{joined:%Y-%m-%d}",
        f"{joined.year}/{joined.month}/{joined.day}",
        f"{joined.year}年{joined.month}月{joined.day}日",
    )[i % 3]
    return [
        rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))),
        "男" if serial % 2 else "女",
        rng.choice(ETHNIC),
        id_number,
        f"13{i:09d}",
        rng.choice(EMPLOYERS),
        rng.choice(JOBS),
        rng.choice(EDUCATION),
        rng.choice(POLITICS),
        joined_text,
    ]


def generate(path: Path, rows: int, *, inline_strings: bool) -> None:
    """Write the roster with xlsxwriter. By default with shared strings, as Excel saves files;
    --inline-strings uses constant_memory mode (inline strings, which openpyxl reads slower)."""
    import xlsxwriter

    rng = random.Random(20_240_501)  # test data, not secrets
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": inline_strings})
    sheet = workbook.add_worksheet("会员信息")
    text = workbook.add_format({"num_format": "@"})
    sheet.set_column(0, len(HEADER) - 1, 14, text)
    sheet.write_row(0, 0, HEADER)
    for i in range(1, rows + 1):
        for column, value in enumerate(person_row(i, rng)):
            sheet.write_string(i, column, value)
    workbook.close()


# --- the phases, each run in a child process ------------------------------------------------


# The pipeline reads the file in a sandboxed child process (core/sandbox.py): its CPU time
# counts, and its peak memory is reported beside the worker's.
def _peak_mb() -> float:
    # VmHWM, reset when the phase starts: ru_maxrss of a process started by fork and exec
    # begins at the parent's peak (the generator's 300 MB), which would hide the phase's own.
    status = Path("/proc/self/status").read_text(encoding="ascii")
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5", encoding="ascii")


def _child_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _cpu_seconds() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
    import django

    django.setup()


def phase_baseline(path: str) -> dict[str, Any]:
    from openpyxl import load_workbook

    started, cpu = time.perf_counter(), _cpu_seconds()
    workbook = load_workbook(path, read_only=True, data_only=False)
    rows = sum(1 for _row in workbook.worksheets[0].iter_rows(values_only=True)) - 1
    workbook.close()
    return {"seconds": time.perf_counter() - started, "cpu": _cpu_seconds() - cpu, "rows": rows}


def phase_reader(path: str) -> dict[str, Any]:
    _setup_django()
    from gonghui.core.spreadsheets import open_sheet

    started, cpu = time.perf_counter(), _cpu_seconds()
    rows = sum(1 for _row in open_sheet(Path(path), max_rows=10**7).rows)
    return {"seconds": time.perf_counter() - started, "cpu": _cpu_seconds() - cpu, "rows": rows}


def phase_careful(path: str) -> dict[str, Any]:
    _setup_django()
    from gonghui.core.spreadsheets import _xlsx_rows

    started, cpu = time.perf_counter(), _cpu_seconds()
    rows = sum(1 for _number, cells in _xlsx_rows(Path(path)) if cells) - 1
    return {"seconds": time.perf_counter() - started, "cpu": _cpu_seconds() - cpu, "rows": rows}


def phase_check(job_id: int) -> dict[str, Any]:
    _setup_django()
    from gonghui.core.imports import check_job

    started, cpu = time.perf_counter(), _cpu_seconds()
    job = check_job(job_id)
    return {
        "seconds": time.perf_counter() - started,
        "cpu": _cpu_seconds() - cpu,
        "rows": job.total_rows,
        "valid": job.valid_rows,
        "errors": job.error_count,
        "status": job.status,
        "failure": job.failure,
    }


def phase_run(job_id: int) -> dict[str, Any]:
    _setup_django()
    from gonghui.core.imports import run_job
    from gonghui.members.imports import MemberImporter

    timing: dict[str, float] = {}
    write = MemberImporter.write

    def timed_write(self: MemberImporter, job: Any, valid: list[Any]) -> dict[str, int]:
        began = time.perf_counter()
        try:
            return write(self, job, valid)
        finally:
            timing["write"] = time.perf_counter() - began

    MemberImporter.write = timed_write  # type: ignore[method-assign]  # measuring only
    started, cpu = time.perf_counter(), _cpu_seconds()
    job = run_job(job_id)
    return {
        "seconds": time.perf_counter() - started,
        "cpu": _cpu_seconds() - cpu,
        "write_seconds": timing.get("write", 0.0),
        "rows": job.valid_rows + job.error_count,
        "created": job.summary.get("created", 0),
        "status": job.status,
        "failure": job.failure,
    }


PHASES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "baseline": phase_baseline,
    "reader": phase_reader,
    "careful": phase_careful,
    "check": phase_check,
    "run": phase_run,
}


def child(phase: str, argument: str, profile: bool) -> None:
    _reset_peak()
    function = PHASES[phase]
    value: Any = argument if phase in ("baseline", "reader", "careful") else int(argument)
    if profile:
        profiler = cProfile.Profile()
        result: dict[str, Any] = profiler.runcall(function, value)
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(25)
        stats.sort_stats("tottime").print_stats(20)
    else:
        result = function(value)
    result["peak_mb"] = _peak_mb()
    result["child_peak_mb"] = _child_peak_mb()
    print(json.dumps(result))


def run_child(phase: str, argument: object, profile: bool) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", phase, str(argument)]
    if profile:
        command.append("--profile")
    completed = subprocess.run(  # noqa: S603 — this script, with our own arguments
        command, check=True, capture_output=True, text=True, cwd=ROOT
    )
    if profile:
        print(completed.stderr, file=sys.stderr)
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


# --- the parent: data, job, table -----------------------------------------------------------


def prepare(path: Path) -> tuple[int, int]:
    """A bench union emptied of earlier runs' members, its staff member, and the uploaded
    roster as an import job waiting for its check. Returns (job id, union id)."""
    _setup_django()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection, transaction

    from gonghui.accounts.models import RoleGrant, User
    from gonghui.accounts.roles import Role
    from gonghui.core.imports import start_import
    from gonghui.orgs.actions import create_org
    from gonghui.orgs.models import Org, OrgKind

    if connection.vendor != "postgresql":
        print("warning: not PostgreSQL; set GONGHUI_DATABASE_URL", file=sys.stderr)
    operator = User.objects.filter(username="bench-operator").first()
    if operator is None:
        operator = User.objects.create_superuser(
            "bench-operator", secrets.token_urlsafe(), name="基准"
        )
    root = Org.objects.filter(name=BENCH_ROOT, parent=None).first() or create_org(
        actor=operator, parent=None, name=BENCH_ROOT, kind=OrgKind.FEDERATION
    )
    union = Org.objects.filter(name=BENCH_UNION, parent=root).first() or create_org(
        actor=operator, parent=root, name=BENCH_UNION, kind=OrgKind.STREET
    )
    staff = User.objects.filter(username=BENCH_STAFF).first()
    if staff is None:
        staff = User.objects.create_user(BENCH_STAFF, secrets.token_urlsafe(), name="基准经办人")
        RoleGrant.objects.create(user=staff, org=union, role=Role.ORG_ADMIN)
    with connection.cursor() as cursor, transaction.atomic():
        # Earlier runs' members (raw SQL: deleting 200,000 rows through the ORM takes long).
        cursor.execute("DELETE FROM members_episode WHERE org_id = %s", [union.pk])
        cursor.execute("DELETE FROM members_member WHERE org_id = %s", [union.pk])
        cursor.execute("DELETE FROM members_membersequence WHERE org_id = %s", [union.pk])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE members_member")
        cursor.execute("VACUUM ANALYZE members_episode")
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    # The check is queued on commit; the tasks backend is the database one (set in main), so
    # nothing runs here: the child process runs it as the worker would.
    job = start_import(actor=staff, org=union, kind="members", upload=upload)
    return job.pk, union.pk


def confirm(job_id: int) -> None:
    from gonghui.core.imports import confirm_import
    from gonghui.core.models import ImportJob

    job = ImportJob.objects.select_related("org", "created_by").get(pk=job_id)
    confirm_import(actor=job.created_by, job=job)


def count_members(union_id: int) -> int:
    from gonghui.members.models import Episode, Member

    members = Member.objects.filter(org_id=union_id).count()
    episodes = Episode.objects.filter(org_id=union_id).count()
    return members if members == episodes else -1


def drop_queued_tasks() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_tasks_database_dbtaskresult WHERE task_path LIKE %s",
            ["gonghui.core.tasks.%_import_job"],
        )


def table(rows: int, figures: dict[str, dict[str, Any]]) -> str:
    base = figures["baseline"]
    lines = [
        f"{'phase':<32} {'seconds':>8} {'CPU s':>6} {'rows/s':>8} {'peak MB':>8}"
        f" {'child MB':>8} {'× baseline':>10}",
    ]

    def line(label: str, seconds: float, cpu: float, peak: float, child: float = 0) -> None:
        ratio = f"{seconds / base['seconds']:>9.1f}×" if base["seconds"] else ""
        lines.append(
            f"{label:<32} {seconds:>8.1f} {cpu:>6.1f} {rows / seconds:>8,.0f} {peak:>8.0f}"
            f" {child:>8.0f} {ratio}"
        )

    check, run, reader = figures["check"], figures["run"], figures["reader"]
    line("baseline: openpyxl read-only", base["seconds"], base["cpu"], base["peak_mb"])
    careful = figures["careful"]
    line("expat reader (the fallback)", careful["seconds"], careful["cpu"], careful["peak_mb"])
    line("reader: scan + calamine", reader["seconds"], reader["cpu"], reader["peak_mb"])
    line(
        "dry run: check_job",
        check["seconds"], check["cpu"], check["peak_mb"], check["child_peak_mb"],
    )  # fmt: skip
    line(
        "import: run_job (check + write)",
        run["seconds"], run["cpu"], run["peak_mb"], run["child_peak_mb"],
    )  # fmt: skip
    lines.append(
        f"{'  of which the write':<32} {run['write_seconds']:>8.1f} {'':>6}"
        f" {rows / max(run['write_seconds'], 1e-9):>8,.0f}"
    )
    line(
        "dry run + import",
        check["seconds"] + run["seconds"],
        check["cpu"] + run["cpu"],
        max(check["peak_mb"], run["peak_mb"]),
        max(check["child_peak_mb"], run["child_peak_mb"]),
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else "")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--inline-strings", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile each phase (stderr)")
    parser.add_argument("--child", nargs=2, metavar=("PHASE", "ARGUMENT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child:
        child(args.child[0], args.child[1], args.profile)
        return 0
    os.environ["GONGHUI_TASK_BACKEND"] = "database"
    load_at_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "会员信息采集表.xlsx"
        started = time.perf_counter()
        generate(path, args.rows, inline_strings=args.inline_strings)
        print(
            f"generated {args.rows:,} rows in {time.perf_counter() - started:.1f} s"
            f" ({path.stat().st_size / 1e6:.1f} MB, "
            f"{'inline' if args.inline_strings else 'shared'} strings)",
            flush=True,
        )
        job_id, union_id = prepare(path)
        figures = {"baseline": run_child("baseline", path, args.profile)}
        figures["careful"] = run_child("careful", path, args.profile)
        figures["reader"] = run_child("reader", path, args.profile)
        figures["check"] = run_child("check", job_id, args.profile)
        confirm(job_id)
        figures["run"] = run_child("run", job_id, args.profile)
        created = count_members(union_id)
        drop_queued_tasks()
    print(table(args.rows, figures))
    from django.db import connection

    print(
        f"{connection.vendor} · {os.cpu_count()} cores · Python {sys.version.split()[0]}"
        f" · load average {load_at_start:.1f} at the start, {os.getloadavg()[0]:.1f} now"
        f" · {date.today():%Y-%m-%d}"  # noqa: DTZ011 — the calendar day of the run
    )
    problems = []
    if figures["baseline"]["rows"] != args.rows:
        problems.append(f"baseline read {figures['baseline']['rows']} rows")
    if figures["reader"]["rows"] != args.rows:
        problems.append(f"reader read {figures['reader']['rows']} rows")
    if (figures["check"]["valid"], figures["check"]["errors"]) != (args.rows, 0):
        problems.append(f"dry run: {figures['check']}")
    if figures["run"]["created"] != args.rows or created != args.rows:
        problems.append(f"import: {figures['run']}, {created} members with episodes")
    for problem in problems:
        print("WRONG COUNT:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
