"""How long `gonghui demo` takes on a fresh data folder until its first page answers.

Starts `gonghui demo 127.0.0.1:<free port>` in a new temporary data folder (SQLite, nothing
configured, as a newcomer runs it), polls `GET /` until it answers 200, then stops the demo.
The baseline in the same run is `gonghui migrate` alone on another fresh folder: the part of
the start that building the schema costs, whatever the demo then loads. Each line the demo
prints is echoed with the second it appeared, so the slow stage shows.

Also prints the CPU seconds of the whole process tree (the loader, the server and the worker
until they stop), the steadier figure when the machine is shared, and the load average.

Usage: python bench/demo_start.py [--runs N] [--timeout SECONDS]
"""

import argparse
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

GONGHUI = [sys.executable, "-m", "gonghui.cli"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGHUI_")}
    env["GONGHUI_DATA_DIR"] = str(data_dir)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def migrate_alone() -> tuple[float, float]:
    """Wall and CPU seconds of `gonghui migrate` on a fresh folder."""
    with tempfile.TemporaryDirectory(prefix="gonghui-bench-migrate-") as folder:
        cpu = _cpu_of_children()
        started = time.monotonic()
        subprocess.run([*GONGHUI, "migrate", "-v0"], env=_env(Path(folder)), check=True)  # noqa: S603
        return time.monotonic() - started, _cpu_of_children() - cpu


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 — loopback
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def demo_start(timeout: float) -> tuple[float, float]:
    """Wall seconds from starting `gonghui demo` to the first 200 on `/`, and the CPU seconds
    of its process tree (through its shutdown)."""
    with tempfile.TemporaryDirectory(prefix="gonghui-bench-demo-") as folder:
        port = _free_port()
        url = f"http://127.0.0.1:{port}/"
        cpu = _cpu_of_children()
        started = time.monotonic()
        demo = subprocess.Popen(  # noqa: S603
            [*GONGHUI, "demo", f"127.0.0.1:{port}"],
            env=_env(Path(folder)),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        assert demo.stdout is not None
        os.set_blocking(demo.stdout.fileno(), False)
        answered = None
        try:
            while time.monotonic() - started < timeout:
                for line in demo.stdout:
                    print(f"  [{time.monotonic() - started:5.1f} s] {line.rstrip()}")
                if demo.poll() is not None:
                    raise SystemExit(f"gonghui demo exited with {demo.returncode}")
                if _answers(url):
                    answered = time.monotonic() - started
                    break
                time.sleep(0.25)
        finally:
            demo.send_signal(signal.SIGTERM)  # the demo stops its server and worker
            demo.wait(timeout=30)
        if answered is None:
            raise SystemExit(f"no 200 on {url} within {timeout:.0f} s")
        return answered, _cpu_of_children() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    for run in range(1, args.runs + 1):
        before = os.getloadavg()[0]
        base_wall, base_cpu = migrate_alone()
        print(f"run {run}: gonghui demo on a fresh data folder")
        wall, cpu = demo_start(args.timeout)
        after = os.getloadavg()[0]
        print(
            f"run {run}: first 200 on / after {wall:.1f} s (CPU {cpu:.1f} s, demo process tree);"
            f" baseline gonghui migrate alone {base_wall:.1f} s (CPU {base_cpu:.1f} s);"
            f" {wall / base_wall:.1f}x baseline; load average {before:.2f} -> {after:.2f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
