"""Joining burst: applications from many concurrent connections against
POST /api/v1/join/<code> on the production server and PostgreSQL, some of them retried.

    python -m bench.joining_burst            # 10,000 applications, 200 connections

By default 10,000 applicants are sent from 200 connections, and every fifth application (20 %)
is sent a second time with the same body and Idempotency-Key (12,000 requests). The database
is a throwaway one holding the demo data (the union tree, enterprises, 23 recruitment events
and their members); the burst goes to a new event at 搜狐. In the same run, a bare Django view
that looks a ticket up by its secret and inserts a row is served the same way and loaded the
same way; the result is printed as a ratio to it.

Printed: applications/s, requests/s, p50/p99 latency, the status counts, and counts from the
database proving that nothing was lost or duplicated.
"""

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import harness

LUA = Path(__file__).resolve().parent / "joining_burst.lua"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument(
        "--retry-every", type=int, default=5, help="send every Nth application twice (0: none)"
    )
    parser.add_argument("--workers", type=int, default=harness.WORKERS)
    parser.add_argument("--threads", type=int, default=harness.THREADS)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument(
        "--server-arg",
        action="append",
        default=[],
        help="an extra gunicorn argument for both servers, e.g. --server-arg=--keep-alive=5",
    )
    parser.add_argument("--baseline-seconds", type=int, default=20)
    parser.add_argument("--max-seconds", type=int, default=300, help="give up after this long")
    parser.add_argument("--database", default="gonghui_bench_burst")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--no-demo", action="store_true", help="a bare tree instead of the demo")
    parser.add_argument("--py-spy", default="", help="path of py-spy (default: from PATH)")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="SECONDS",
        help="record the workers with py-spy for this long during the burst",
    )
    return parser.parse_args(argv)


# --- data --------------------------------------------------------------------------------------


def load_data(*, demo: bool) -> tuple[Any, Any]:
    """The demo data set, then the burst's event at 搜狐 and a warm-up event; returns both."""
    from django.utils import timezone

    from gonghui.accounts.models import User
    from gonghui.enterprises.models import Enterprise
    from gonghui.members.actions import create_recruitment_event
    from gonghui.orgs.actions import create_org
    from gonghui.orgs.models import Org, OrgKind

    started = time.monotonic()
    if demo:
        from gonghui.demo.load import load_demo

        load_demo()
        operator = User.objects.get(username="operator")
        sohu = Enterprise.objects.filter(name__contains="搜狐", union__isnull=False).first()
    else:
        operator = User.objects.create_superuser("operator", secrets.token_urlsafe(16))
        root = create_org(actor=operator, parent=None, name="北京市总工会", kind=OrgKind.FEDERATION)
        create_org(actor=operator, parent=root, name="海淀区总工会", kind=OrgKind.FEDERATION)
        sohu = None
    org = sohu.org if sohu is not None else Org.objects.filter(parent=None).get()
    now = timezone.now()

    def event(title: str) -> Any:
        return create_recruitment_event(
            actor=operator,
            org=org,
            enterprise=sohu,
            title=title,
            place="搜狐网络大厦一层大堂",
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=8),
            target=10_000,
        )

    burst, warm_up = event("双沟通·入会集中日"), event("预热")
    from gonghui.members.models import Application, Member

    harness.log(
        f"data loaded in {time.monotonic() - started:.1f} s: {Org.objects.count()} orgs, "
        f"{Member.objects.count()} members, {Application.objects.count()} applications; "
        f"the burst goes to {burst.org.name} → {sohu.union.name if sohu and sohu.union else org}"
    )
    return burst, warm_up


def warm_up(server: harness.Server, event: Any, consent_version: str, count: int = 100) -> None:
    """Sequential joins on a separate event, so every worker has imported and connected."""
    for n in range(count):
        body = {
            "name": "预热测试",
            "gender": "M",
            "ethnicity": "01",
            "id_number": _id_number(1_000_000 + n, region="110103"),
            "mobile": f"137{n:08d}",
            "employer_name": "",
            "has_employer_union": False,
            "job_type": "other",
            "education": "college",
            "political_status": "masses",
            "consent": True,
            "consent_version": consent_version,
        }
        request = urllib.request.Request(  # noqa: S310 — loopback URL built here
            server.url(f"/api/v1/join/{event.code}"),
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Idempotency-Key": f"warm-{n}"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            if answer.status != 202:
                raise RuntimeError(f"warm-up join answered {answer.status}")


def _id_number(n: int, region: str) -> str:
    """The Lua script's ID numbers, for the warm-up (another region, so no clash)."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    year, month, day = 1970 + n % 30, 1 + (n // 30) % 12, 1 + (n // 360) % 28
    body = f"{region}{year:04d}{month:02d}{day:02d}{(n // 10080) % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


# --- checking the outcome ----------------------------------------------------------------------


def read_answers(folder: Path) -> tuple[int, Counter[int], int]:
    """What wrk's done() wrote: requests expected, the statuses answered, and how many
    answers were replays (Idempotent-Replayed: true)."""
    expected = 0
    replayed = 0
    statuses: Counter[int] = Counter()
    for line in (folder / "answers.txt").read_text().splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "expected":
            expected += int(rest)
        elif kind == "status":
            status, count = rest.split()
            statuses[int(status)] += int(count)
        elif kind == "replayed":
            replayed += int(rest)
    return expected, statuses, replayed


class Finished:
    """wrk's stop condition: every thread has all its answers, or the database has stopped
    changing for `stall` seconds (a request lost with a dropped connection is never
    answered, and its thread would wait for ever)."""

    def __init__(self, folder: Path, threads: int, prefix: str, stall: float = 10) -> None:
        self.folder, self.threads, self.prefix, self.stall = folder, threads, prefix, stall
        self.last_count = -1
        self.last_change = time.monotonic()
        self.next_poll = 0.0
        self.stalled = False

    def __call__(self) -> float | None:
        now = time.monotonic()
        if len(list(self.folder.glob("thread-*.done"))) == self.threads:
            return now
        if now < self.next_poll:
            return None
        self.next_poll = now + 0.5
        from gonghui.core.models import IdempotencyRecord

        count = IdempotencyRecord.objects.filter(key__startswith=f"{self.prefix}-").count()
        if count != self.last_count:
            self.last_count, self.last_change = count, now
        elif count and now - self.last_change > self.stall:
            self.stalled = True
            harness.log(f"no progress for {self.stall:.0f} s: stopping wrk")
            return self.last_change
        return None


def check_counts(event: Any, prefix: str, applications: int, folder: Path) -> dict[str, Any]:
    """Compare what the clients were answered with what the database holds."""
    from gonghui.core.models import IdempotencyRecord
    from gonghui.members.models import Application

    expected, statuses, replayed = read_answers(folder)
    rows = list(
        Application.objects.filter(event=event).values_list(
            "pk", "submission_key", "id_number_hash"
        )
    )
    stored_keys = {key for _pk, key, _hash in rows}
    sent_keys = {f"{prefix}-{n}" for n in range(applications)}
    records = IdempotencyRecord.objects.filter(key__startswith=f"{prefix}-")
    ok_keys = {key for key, status in records.values_list("key", "status_code") if status < 300}
    # The answers are alike for every applicant (joining tells nobody who is a member), so
    # each key's fate is read from its stored answer and the application it created.
    return {
        "requests_sent": expected,
        "requests_answered": sum(statuses.values()),
        "statuses": dict(sorted(statuses.items())),
        "answers_5xx": sum(n for status, n in statuses.items() if status >= 500),
        "answers_replayed": replayed,
        "applications_stored": len(rows),
        "distinct_keys_answered_2xx": len(ok_keys),
        # lost: a key that was answered 2xx with no application
        "lost_keys_2xx_without_application": len(ok_keys - stored_keys),
        "keys_sent_without_application": len(sent_keys - stored_keys),
        # duplicated: an application whose key was never answered 2xx, or a person stored twice
        "applications_without_2xx_key": len(stored_keys - ok_keys),
        "duplicate_people": len(rows) - len({h for _pk, _key, h in rows}),
        "foreign_keys": len(stored_keys - sent_keys),
    }


def verdict(counts: dict[str, Any], expected_requests: int, retries: int) -> list[str]:
    problems = []
    if counts["requests_sent"] != expected_requests:
        problems.append(f"{counts['requests_sent']} requests prepared, not {expected_requests}")
    if counts["requests_answered"] != expected_requests:
        problems.append(f"{expected_requests - counts['requests_answered']} requests unanswered")
    elif counts["statuses"] == {202: expected_requests} and counts["answers_replayed"] != retries:
        problems.append(f"{counts['answers_replayed']} retries answered by replay, not {retries}")
    for name in (
        "answers_5xx",
        "lost_keys_2xx_without_application",
        "applications_without_2xx_key",
        "duplicate_people",
        "foreign_keys",
    ):
        if counts[name]:
            problems.append(f"{name} = {counts[name]}")
    if counts["applications_stored"] != counts["distinct_keys_answered_2xx"]:
        problems.append("applications ≠ distinct keys answered 2xx")
    return problems


# --- profiling ---------------------------------------------------------------------------------


def start_profiler(server: harness.Server, seconds: int, folder: Path, py_spy: str) -> list[Any]:
    """py-spy on each worker for `seconds` (pip install py-spy; needs ptrace permission).
    Each worker's samples of the thread holding the GIL go to profile-<pid>.txt as collapsed
    stacks."""
    import shutil
    import subprocess

    py_spy = py_spy or shutil.which("py-spy") or "py-spy"
    processes = []
    for pid in server.worker_pids():
        output = folder / f"profile-{pid}.txt"
        command = [py_spy, "record", "--pid", str(pid), "--duration", str(seconds)]
        command += ["--rate", "200", "--format", "raw", "--output", str(output), "--nonblocking"]
        command += ["--gil"]  # only the thread holding the GIL: where the Python CPU goes
        processes.append(
            subprocess.Popen(  # noqa: S603 — py-spy on our own worker processes
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        )
    return processes


# --- the run -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="gonghui-bench-burst-"))
    answers = work / "answers"
    answers.mkdir()
    harness.log(f"work folder: {work}")
    with harness.throwaway_database(args.database, keep=args.keep_db) as url:
        # Every request comes from wrk on 127.0.0.1: lift the per-address and overall joining
        # limits, which would otherwise refuse the burst after 60 (per-number ones stay).
        env = harness.production_env(
            url, work / "data", GONGHUI_RATE_LIMITS="join.ip=1000000/600,join.global=1000000/60"
        )
        harness.migrate(env)
        harness.configure_django(env)
        from django.conf import settings

        event, warm_up_event = load_data(demo=not args.no_demo)
        harness.close_django_connections()

        baseline = harness.measure_baseline(
            url,
            work / "logs",
            connections=args.connections,
            seconds=args.baseline_seconds,
            workers=args.workers,
            threads=args.threads,
            server_args=tuple(args.server_arg),
        )

        prefix = "b" + secrets.token_hex(6)
        retries = args.applications // args.retry_every if args.retry_every else 0
        expected_requests = args.applications + retries
        path = f"/api/v1/join/{event.code}"
        with harness.serve_gonghui(
            env,
            work / "logs",
            workers=args.workers,
            threads=args.threads,
            server_args=tuple(args.server_arg),
        ) as server:
            warm_up(server, warm_up_event, settings.CONSENT_VERSION)
            profilers = (
                start_profiler(server, args.profile, work, args.py_spy) if args.profile else []
            )
            harness.log(
                f"burst: {args.applications:,} applications + {retries:,} retries from "
                f"{args.connections} connections → {path}"
            )
            finished = Finished(answers, args.wrk_threads, prefix)
            with harness.CpuMeter(server, args.database) as meter:
                result = harness.run_wrk(
                    server.url(path),
                    LUA,
                    connections=args.connections,
                    threads=args.wrk_threads,
                    duration=args.max_seconds,
                    script_args=[
                        path,
                        str(args.applications),
                        str(args.wrk_threads),
                        str(args.retry_every),
                        str(answers),
                        prefix,
                        settings.CONSENT_VERSION,
                    ],
                    stop_when=finished,
                )
            cpu = meter.result
            for profiler in profilers:
                profiler.wait(timeout=args.profile + 60)

        counts = check_counts(event, prefix, args.applications, answers)
        harness.close_django_connections()

    load_after = os.getloadavg()[0]
    cpus = os.cpu_count() or 1
    stored = counts["applications_stored"] or 1
    throughput = counts["applications_stored"] / result.elapsed
    ratio = throughput / baseline.requests_per_second
    problems = verdict(counts, expected_requests, retries)
    # CPU milliseconds per application (the burst's own cost, retries included) and per
    # baseline request: unlike the rates, these hardly depend on what else the machine runs.
    app_cpu = {
        name.removesuffix("_cpu_s"): seconds * 1000 / stored
        for name, seconds in cpu.items()
        if name.endswith("_cpu_s")
    }
    base_cpu = baseline.cpu_ms_per_request()
    app_cost = app_cpu["server"] + app_cpu["postgres"] + app_cpu["load_generator"]
    base_cost = base_cpu["server"] + base_cpu["postgres"] + base_cpu["load_generator"]
    others = cpu["machine_busy_cpu_s"] - sum(
        cpu[k] for k in ("server_cpu_s", "postgres_cpu_s", "load_generator_cpu_s")
    )
    summary = {
        "applications": args.applications,
        "retries": retries,
        "connections": args.connections,
        "workers": args.workers,
        "threads": args.threads,
        "elapsed_s": round(result.elapsed, 2),
        "applications_per_s": round(throughput, 1),
        "requests_per_s": round(counts["requests_answered"] / result.elapsed, 1),
        "p50_ms": round(result.p50_ms, 1),
        "p90_ms": round(float(result.stats["p90_us"]) / 1000, 1),
        "p99_ms": round(result.p99_ms, 1),
        "max_ms": round(float(result.stats["max_us"]) / 1000, 1),
        "wrk_errors": result.stats["errors"],
        "baseline_requests_per_s": round(baseline.requests_per_second, 1),
        "baseline_p50_ms": round(baseline.p50_ms, 1),
        "baseline_p99_ms": round(baseline.p99_ms, 1),
        "ratio_to_baseline": round(ratio, 3),
        "cpu_ms_per_application": {k: round(v, 2) for k, v in app_cpu.items()},
        "baseline_cpu_ms_per_request": {k: round(v, 2) for k, v in base_cpu.items()},
        "cpu_ratio_to_baseline": round(base_cost / app_cost, 3) if app_cost else None,
        "applications_per_s_if_alone": round(cpus * 1000 / app_cost, 1) if app_cost else None,
        "other_processes_cpu_share": round(others / (cpu["wall_s"] * cpus), 3),
        "load_average_1min": {"before": load_before, "after_burst": load_after},
        "counts": counts,
        "problems": problems,
    }
    (work / "result.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    print(
        f"""
Joining burst — {args.applications:,} applications + {retries:,} retries (same body, same
Idempotency-Key), {args.connections} connections, {args.workers} workers × {args.threads} threads

  applications/s      {throughput:8.1f}   ({result.elapsed:.1f} s; {summary["requests_per_s"]} requests/s)
  latency             p50 {result.p50_ms:.1f} ms   p90 {summary["p90_ms"]} ms   p99 {result.p99_ms:.1f} ms   max {summary["max_ms"]} ms
  baseline            {baseline.requests_per_second:8.1f} requests/s (p50 {baseline.p50_ms:.1f} ms, p99 {baseline.p99_ms:.1f} ms)
  ratio               {ratio:.3f} × baseline

  CPU per application server {app_cpu["server"]:.2f} ms + PostgreSQL {app_cpu["postgres"]:.2f} ms + wrk {app_cpu["load_generator"]:.2f} ms = {app_cost:.2f} ms
  CPU per baseline    server {base_cpu["server"]:.2f} ms + PostgreSQL {base_cpu["postgres"]:.2f} ms + wrk {base_cpu["load_generator"]:.2f} ms = {base_cost:.2f} ms
  CPU ratio           {summary["cpu_ratio_to_baseline"]} × baseline; alone on the {cpus} CPUs: ≈ {summary["applications_per_s_if_alone"]} applications/s
  other processes     {summary["other_processes_cpu_share"] * 100:.0f} % of the machine during the burst (1-minute load {load_before:.1f} before the run)

  answers             {counts["statuses"]}   (5xx: {counts["answers_5xx"]})
  stored              {counts["applications_stored"]:,} applications = {counts["distinct_keys_answered_2xx"]:,} distinct keys answered 2xx
  retries answered    {counts["answers_replayed"]:,} answers replayed (Idempotent-Replayed: true) for {retries:,} retries
  lost                {counts["lost_keys_2xx_without_application"]} keys answered 2xx without an application
  duplicated          {counts["applications_without_2xx_key"]} applications without a key answered 2xx, {counts["duplicate_people"]} people stored twice

  {"OK: 0 lost, 0 duplicated, no 5xx" if not problems else "PROBLEMS: " + "; ".join(problems)}
  (details: {work / "result.json"})
"""  # noqa: E501
    )
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
