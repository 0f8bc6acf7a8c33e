"""Flash claim: a scarce member offer ("the first 12,500 members") opens and a crowd of signed-in
members presses Claim at once, through POST /api/v1/offers/<id>/claim on the production server
and PostgreSQL.

    python -m bench.flash_claim            # 20,000 members, quota 12,500, 200 connections

The offer's 12,500 are split as the demo's is: 7,500 for the members of 海淀区总工会's subtree
and 5,000 for 昌平区总工会's; 12,000 of the 20,000 members belong to 海淀's unions and 8,000 to
回龙观's (under 昌平), so both shares run out and exactly 12,500 claims must be granted. Every
fifth member double-taps: a second press with its own Idempotency-Key, racing the first on
another connection (24,000 requests); the per-member limit is one.

How members are signed in: each has a browser session made before the run (as a phone signed
in by SMS holds one: a django_session row with the user's id, backend and auth hash), and
wrk sends its session cookie with the CSRF cookie and header that a page calling the API
sends. So every request pays what a real one pays: the session and user lookups, the CSRF
check, the Idempotency-Key record, the member lookup, the claim itself.

In the same run, the bare Django baseline (a ticket lookup and a row insert) is served and
loaded the same way, and the result is printed as a ratio to it. Printed: claims granted/s
(the quota over the time from the first to the last claim), requests/s, p50/p99 latency, the
answers by status and code, and counts from the database: granted = quota, each share within
its size, 0 members over the limit, rows = counters = tallies = distinct 201 answers.
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
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench import harness
from bench.joining_burst import Finished

LUA = Path(__file__).resolve().parent / "flash_claim.lua"
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
WARM_UP_MEMBERS = 100


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--quota", type=int, default=12_500)
    parser.add_argument(
        "--haidian-share", type=int, default=7_500, help="the rest of the quota is 昌平's"
    )
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument(
        "--double-every", type=int, default=5, help="every Nth member presses twice (0: none)"
    )
    parser.add_argument("--workers", type=int, default=harness.WORKERS)
    parser.add_argument("--threads", type=int, default=harness.THREADS)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--server-arg", action="append", default=[])
    parser.add_argument("--baseline-seconds", type=int, default=20)
    parser.add_argument("--max-seconds", type=int, default=300, help="give up after this long")
    parser.add_argument("--database", default="gonghui_bench_flash")
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args(argv)


# --- data --------------------------------------------------------------------------------------


def _id_number(n: int) -> str:
    born = date(1975, 1, 1) + timedelta(days=n // 1000)
    body = f"110108{born:%Y%m%d}{n % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


@dataclass
class Setup:
    offer_id: int
    warm_up_offer_id: int
    session_prefix: str
    warm_up_prefix: str
    warm_up_first: int
    csrf: str
    haidian_id: int
    changping_id: int
    warm_up_org_id: int


def _members(orgs: list[Any], count: int, first: int, session_prefix: str) -> None:
    """`count` members spread over `orgs`, each with an account and a signed-in session;
    member, username and session key are numbered from `first`."""
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from gonghui.accounts.models import User
    from gonghui.members.models import Member

    unusable = make_password(None)  # members sign in by SMS code; no password
    users = User.objects.bulk_create(
        [User(username=f"flash{first + i:07d}", password=unusable) for i in range(count)],
        batch_size=2000,
    )
    today = timezone.localdate()
    Member.objects.bulk_create(
        [
            Member(
                number=f"FC{first + i:08d}", org=orgs[i % len(orgs)], joined_on=today,
                name="王小明", gender="M", ethnicity="01", id_number=_id_number(first + i),
                mobile=f"136{first + i:08d}", job_type="rider", education="high_school",
                political_status="masses", user=user,
            )
            for i, user in enumerate(users)
        ],
        batch_size=2000,
    )  # fmt: skip
    store = SessionStore()
    expires = timezone.now() + timedelta(days=14)
    signed_in_at = time.time()
    backend = settings.AUTHENTICATION_BACKENDS[0]
    Session.objects.bulk_create(
        [
            Session(
                session_key=f"{session_prefix}{first + i:08d}",
                session_data=store.encode(
                    {
                        "_auth_user_id": str(user.pk),
                        "_auth_user_backend": backend,
                        "_auth_user_hash": user.get_session_auth_hash(),
                        # As an SMS sign-in leaves it (accounts/sessions.py).
                        "gonghui.signin": "sms",
                        "gonghui.second_factor": False,
                        "gonghui.signed_in_at": signed_in_at,
                        "gonghui.last_seen": signed_in_at,
                    }
                ),
                expire_date=expires,
            )
            for i, user in enumerate(users)
        ],
        batch_size=2000,
    )


def load_data(args: argparse.Namespace) -> Setup:
    """A small union tree, the members with their sessions, and the offer (opened a minute
    ago) with its two shares; a separate union and offer for warming the workers up."""
    from django.utils import timezone

    from gonghui.accounts.models import User
    from gonghui.benefits import actions
    from gonghui.orgs.actions import create_org
    from gonghui.orgs.models import OrgKind

    started = time.monotonic()
    operator = User.objects.create_superuser("operator", secrets.token_urlsafe(16))

    def org(name: str, kind: str, parent: Any) -> Any:
        return create_org(actor=operator, parent=parent, name=name, kind=kind)

    root = org("北京市总工会", OrgKind.FEDERATION, None)
    haidian = org("海淀区总工会", OrgKind.FEDERATION, root)
    zgc = org("中关村科学城总工会", OrgKind.FEDERATION, haidian)
    haidian_unions = [org(f"中关村科技企业{n:02d}工会", OrgKind.ENTERPRISE, zgc) for n in range(20)]
    changping = org("昌平区总工会", OrgKind.FEDERATION, root)
    hlg = org("回龙观街道总工会", OrgKind.STREET, changping)
    hlg_units = [hlg, *(org(f"回龙观驿站{n:02d}", OrgKind.STATION, hlg) for n in range(10))]
    warm_up_org = org("预热工会", OrgKind.FEDERATION, root)
    session_prefix = secrets.token_hex(12)  # 24 characters + 8 digits: a 32-character key
    warm_up_prefix = secrets.token_hex(12)
    in_haidian = args.members * 3 // 5
    _members(haidian_unions, in_haidian, 0, session_prefix)
    _members(hlg_units, args.members - in_haidian, in_haidian, session_prefix)
    _members([warm_up_org], WARM_UP_MEMBERS, args.members, warm_up_prefix)

    provider = actions.create_provider(
        actor=operator,
        org=zgc,
        name="京畅共享单车",
        kind="enterprise",
        contact_phone="400-010-6666",
    )
    service = actions.create_service(
        actor=operator, provider=provider, org=zgc, category="transport", title="会员免费骑行月卡",
        on_site="在App中激活", audience="members", publish=True,
    )  # fmt: skip
    now = timezone.now()
    offer = actions.create_offer(
        actor=operator, service=service, title="免费骑行月卡（前12,500名会员）", kind="coupon",
        quota=args.quota, per_member_limit=1, claims_open_at=now - timedelta(minutes=1),
        claims_close_at=now + timedelta(hours=2),
        shares=[(haidian, args.haidian_share), (changping, args.quota - args.haidian_share)],
        publish=True,
    )  # fmt: skip
    warm_up = actions.create_offer(
        actor=operator, service=service, title="预热", kind="coupon", quota=None,
        claims_open_at=now - timedelta(minutes=1), claims_close_at=now + timedelta(hours=2),
        publish=True,
    )  # fmt: skip
    harness.log(
        f"data loaded in {time.monotonic() - started:.1f} s: {args.members:,} members "
        f"({in_haidian:,} in 海淀, {args.members - in_haidian:,} in 昌平) with sessions; "
        f"offer {offer.pk}: quota {args.quota:,} = {args.haidian_share:,} + "
        f"{args.quota - args.haidian_share:,}"
    )
    return Setup(
        offer_id=offer.pk, warm_up_offer_id=warm_up.pk, session_prefix=session_prefix,
        warm_up_prefix=warm_up_prefix, warm_up_first=args.members, csrf=secrets.token_hex(16),
        haidian_id=haidian.pk, changping_id=changping.pk, warm_up_org_id=warm_up_org.pk,
    )  # fmt: skip


def warm_up(server: harness.Server, setup: Setup) -> None:
    """Every warm-up member claims the warm-up offer once, one after the other, so every
    worker has imported its code and opened its database connection."""
    for n in range(WARM_UP_MEMBERS):
        request = urllib.request.Request(  # noqa: S310 — loopback URL built here
            server.url(f"/api/v1/offers/{setup.warm_up_offer_id}/claim"),
            data=b"",
            headers={
                "Cookie": (
                    f"sessionid={setup.warm_up_prefix}{setup.warm_up_first + n:08d}; "
                    f"csrftoken={setup.csrf}"
                ),
                "X-CSRFToken": setup.csrf,
                "Idempotency-Key": f"warm-{n}",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            if answer.status != 201:
                raise RuntimeError(f"warm-up claim answered {answer.status}")


# --- checking the outcome ----------------------------------------------------------------------


def read_answers(folder: Path) -> tuple[int, Counter[int], Counter[str], list[str]]:
    expected = 0
    statuses: Counter[int] = Counter()
    codes: Counter[str] = Counter()
    ids: list[str] = []
    for line in (folder / "answers.txt").read_text().splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "expected":
            expected += int(rest)
        elif kind == "status":
            status, count = rest.split()
            statuses[int(status)] += int(count)
        elif kind == "code":
            code, count = rest.split()
            codes[code] += int(count)
        elif kind == "id":
            ids.append(rest)
    return expected, statuses, codes, ids


def check_counts(setup: Setup, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """What the members were answered against what the database holds."""
    from django.db.models import Count, Max, Min, Sum

    from gonghui.benefits.models import Claim, Offer, OfferQuota
    from gonghui.orgs.models import Tally

    expected, statuses, codes, ids = read_answers(folder)
    offer = Offer.objects.get(pk=setup.offer_id)
    claims = Claim.objects.filter(offer=offer)
    rows = claims.count()
    times = claims.aggregate(first=Min("claimed_at"), last=Max("claimed_at"))
    shares = {
        org_id: (quota, claimed, claims.filter(share__org_id=org_id).count())
        for org_id, quota, claimed in OfferQuota.objects.filter(offer=offer).values_list(
            "org_id", "quota", "claimed"
        )
    }
    tallied = (
        Tally.objects.filter(metric="benefits.claims")
        .exclude(org_id=setup.warm_up_org_id)
        .aggregate(n=Sum("value"))["n"]
        or 0
    )
    over = claims.values("member").annotate(n=Count("pk")).filter(n__gt=1).count()
    stored_ids = {str(pk) for pk in claims.values_list("pk", flat=True)}
    answered = Counter(ids)
    sellout = (times["last"] - times["first"]).total_seconds() if rows else 0.0
    return {
        "requests_sent": expected,
        "requests_answered": sum(statuses.values()),
        "statuses": dict(sorted(statuses.items())),
        "refusal_codes": dict(sorted(codes.items())),
        "answers_5xx": sum(n for status, n in statuses.items() if status >= 500),
        "granted_rows": rows,
        "offer_counter": offer.claimed,
        "quota": offer.quota,
        "answered_201": statuses.get(201, 0),
        "distinct_claims_answered_201": len(answered),
        "claims_answered_twice": sum(1 for n in answered.values() if n > 1),
        "claims_answered_not_stored": len(set(answered) - stored_ids),
        "claims_stored_never_answered": len(stored_ids - set(answered)),
        "members_over_limit": over,
        "shares": {
            "haidian": dict(
                zip(("quota", "counter", "rows"), shares[setup.haidian_id], strict=True)
            ),
            "changping": dict(
                zip(("quota", "counter", "rows"), shares[setup.changping_id], strict=True)
            ),
        },
        "tally_benefits_claims": tallied,
        "sellout_seconds": round(sellout, 3),
    }


def verdict(counts: dict[str, Any], expected_requests: int, quota: int) -> list[str]:
    problems = []
    if counts["requests_answered"] != expected_requests:
        problems.append(f"{expected_requests - counts['requests_answered']} requests unanswered")
    for name in ("answers_5xx", "members_over_limit", "claims_answered_twice",
                 "claims_answered_not_stored", "claims_stored_never_answered"):  # fmt: skip
        if counts[name]:
            problems.append(f"{name} = {counts[name]}")
    same = ("granted_rows", "offer_counter", "answered_201", "distinct_claims_answered_201",
            "tally_benefits_claims")  # fmt: skip
    granted = {counts[k] for k in same}
    if granted != {quota}:
        problems.append(f"granted ≠ quota: {granted} vs {quota}")
    for name, share in counts["shares"].items():
        if not share["counter"] == share["rows"] == share["quota"]:
            problems.append(f"share {name}: {share}")
    return problems


# --- the run -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not 0 < args.haidian_share < args.quota:
        raise SystemExit("--haidian-share must be between 0 and --quota")
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="gonghui-bench-flash-"))
    answers = work / "answers"
    answers.mkdir()
    harness.log(f"work folder: {work}")
    with harness.throwaway_database(args.database, keep=args.keep_db) as url:
        env = harness.production_env(url, work / "data")
        harness.migrate(env)
        harness.configure_django(env)
        setup = load_data(args)
        harness.close_django_connections()

        baseline = harness.measure_baseline(
            url, work / "logs", connections=args.connections, seconds=args.baseline_seconds,
            workers=args.workers, threads=args.threads, server_args=tuple(args.server_arg),
        )  # fmt: skip

        prefix = "f" + secrets.token_hex(6)
        doubles = args.members // args.double_every if args.double_every else 0
        expected_requests = args.members + doubles
        path = f"/api/v1/offers/{setup.offer_id}/claim"
        with harness.serve_gonghui(
            env, work / "logs", workers=args.workers, threads=args.threads,
            server_args=tuple(args.server_arg),
        ) as server:  # fmt: skip
            warm_up(server, setup)
            harness.log(
                f"flash: {args.members:,} members + {doubles:,} double taps from "
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
                        path, str(args.members), str(args.wrk_threads), str(args.double_every),
                        str(answers), setup.session_prefix, setup.csrf, prefix,
                    ],
                    stop_when=finished,
                )  # fmt: skip
            cpu = meter.result
        counts = check_counts(setup, args, answers)
        harness.close_django_connections()

    load_after = os.getloadavg()[0]
    cpus = os.cpu_count() or 1
    problems = verdict(counts, expected_requests, args.quota)
    sellout = counts["sellout_seconds"] or result.elapsed
    claims_per_s = counts["granted_rows"] / sellout if sellout else 0.0
    requests_per_s = counts["requests_answered"] / result.elapsed
    ratio = requests_per_s / baseline.requests_per_second
    request_cpu = {
        name.removesuffix("_cpu_s"): seconds * 1000 / max(counts["requests_answered"], 1)
        for name, seconds in cpu.items()
        if name.endswith("_cpu_s")
    }
    base_cpu = baseline.cpu_ms_per_request()
    summary = {
        "members": args.members,
        "double_taps": doubles,
        "quota": args.quota,
        "connections": args.connections,
        "workers": args.workers,
        "threads": args.threads,
        "elapsed_s": round(result.elapsed, 2),
        "claims_granted_per_s": round(claims_per_s, 1),
        "requests_per_s": round(requests_per_s, 1),
        "p50_ms": round(result.p50_ms, 1),
        "p90_ms": round(float(result.stats["p90_us"]) / 1000, 1),
        "p99_ms": round(result.p99_ms, 1),
        "max_ms": round(float(result.stats["max_us"]) / 1000, 1),
        "wrk_errors": result.stats["errors"],
        "baseline_requests_per_s": round(baseline.requests_per_second, 1),
        "baseline_p50_ms": round(baseline.p50_ms, 1),
        "baseline_p99_ms": round(baseline.p99_ms, 1),
        "ratio_to_baseline": round(ratio, 3),
        "cpu_ms_per_request": {k: round(v, 2) for k, v in request_cpu.items()},
        "baseline_cpu_ms_per_request": {k: round(v, 2) for k, v in base_cpu.items()},
        "load_average_1min": {"before": load_before, "after": load_after},
        "cpus": cpus,
        "counts": counts,
        "problems": problems,
    }
    (work / "result.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    shares = counts["shares"]
    print(
        f"""
Flash claim — {args.members:,} signed-in members + {doubles:,} double taps for a quota of
{args.quota:,} ({shares["haidian"]["quota"]:,} 海淀 + {shares["changping"]["quota"]:,} 昌平), {args.connections} connections, {args.workers} workers × {args.threads} threads

  claims granted/s    {claims_per_s:8.1f}   (the quota gone {counts["sellout_seconds"]:.1f} s after the first claim)
  requests/s          {requests_per_s:8.1f}   ({counts["requests_answered"]:,} answered in {result.elapsed:.1f} s)
  latency             p50 {result.p50_ms:.1f} ms   p90 {summary["p90_ms"]} ms   p99 {result.p99_ms:.1f} ms   max {summary["max_ms"]} ms
  baseline            {baseline.requests_per_second:8.1f} requests/s (p50 {baseline.p50_ms:.1f} ms, p99 {baseline.p99_ms:.1f} ms)
  ratio               {ratio:.3f} × baseline (requests/s)
  CPU per request     server {request_cpu["server"]:.2f} ms + PostgreSQL {request_cpu["postgres"]:.2f} ms (baseline {base_cpu["server"]:.2f} + {base_cpu["postgres"]:.2f} ms)
  load average        {load_before:.1f} before, {load_after:.1f} after, on {cpus} CPUs

  answers             {counts["statuses"]}   refusals {counts["refusal_codes"]}
  granted             {counts["granted_rows"]:,} rows = {counts["offer_counter"]:,} counter = {counts["answered_201"]:,} answered 201 = {counts["tally_benefits_claims"]:,} tallied
  shares              海淀 {shares["haidian"]["rows"]:,}/{shares["haidian"]["quota"]:,}   昌平 {shares["changping"]["rows"]:,}/{shares["changping"]["quota"]:,}
  over the limit      {counts["members_over_limit"]} members

  {"OK: exactly the quota granted, 0 over the per-member limit, no 5xx" if not problems else "PROBLEMS: " + "; ".join(problems)}
  (details: {work / "result.json"})
"""  # noqa: E501
    )
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
