"""The `gonghui` command: demo, serve, worker, and every Django management command."""

import os
import signal
import subprocess
import sys
from pathlib import Path

DEMO_HOST = "127.0.0.1:8000"
DEMO_APP = "gonghui.demo.wsgi:application"


def _django(argv: list[str]) -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["gonghui", *argv])


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "gonghui.cli", *args], env=env)  # noqa: S603


def demo(argv: list[str]) -> int:
    """Create (first run) or reuse the demo database, then serve with a worker beside it."""
    os.environ.setdefault("GONGHUI_DEMO", "1")
    os.environ.setdefault("GONGHUI_TASK_BACKEND", "database")
    import django

    django.setup()
    from django.core.management import call_command

    from gonghui.demo.load import load_or_find_demo, print_demo_logins

    print("Preparing the database …", flush=True)
    call_command("migrate", verbosity=0)
    bind = argv[0] if argv else DEMO_HOST
    env = dict(os.environ)
    # The web server boots while the data loads, on a small machine's other core (collecting
    # the static files first when they changed, as production does); until the load commits,
    # every page answers "loading" (gonghui.demo.wsgi).
    server = _spawn(["serve", "--bind", bind, "--workers", "2", "--app", DEMO_APP], env)
    worker: subprocess.Popen[bytes] | None = None

    def on_term(*_args: object) -> None:
        raise SystemExit(0)  # a load in progress rolls back; the children stop below

    signal.signal(signal.SIGTERM, on_term)
    try:
        load_or_find_demo(report=lambda line: print(line, flush=True))
        print_demo_logins(f"http://{bind}")
        worker = _spawn(["worker"], env)
        print(f"\nGonghui demo: http://{bind}/   (Ctrl+C stops it)\n", flush=True)
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for process in (server, worker):
            if process is not None and process.poll() is None:
                process.terminate()
        for process in (server, worker):
            if process is not None:
                process.wait(timeout=30)


def _behind_tls_proxy() -> bool:
    return os.environ.get("GONGHUI_BEHIND_TLS_PROXY", "").lower() in {"1", "true", "yes", "on"}


def gunicorn_args(argv: list[str], *, app: str = "gonghui.wsgi:application") -> list[str]:
    """gunicorn's command line serving `app`: our defaults from GONGHUI_* variables, then `argv`."""
    defaults = {
        "--bind": os.environ.get("GONGHUI_BIND", "127.0.0.1:8000"),
        "--workers": os.environ.get("GONGHUI_WEB_WORKERS", str((os.cpu_count() or 1) * 2 + 1)),
        "--threads": os.environ.get("GONGHUI_WEB_THREADS", "4"),
        "--access-logfile": "-",
        # Status pages' addresses are their secret: the access log writes them blanked.
        "--logger-class": "gonghui.core.log_hygiene.RedactingGunicornLogger",
        # gunicorn believes X-Forwarded-Proto from 127.0.0.1 by default, so any local process
        # could claim HTTPS; only a configured TLS proxy may (settings do the same for Django).
        "--forwarded-allow-ips": "127.0.0.1,::1" if _behind_tls_proxy() else "",
    }
    args = ["gunicorn", app]
    for flag, value in defaults.items():
        if flag not in argv:
            args += [flag, value]
    return [*args, *argv]


def collected_static_is_current() -> bool:
    """Whether the collected static files are newer than every source file: the demo then
    starts without collecting again (about 2 s of CPU to hash and compress them all)."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return False
    collected = manifest.stat().st_mtime
    ignore = ["CVS", ".*", "*~"]  # collectstatic's own default ignore patterns
    for finder in get_finders():
        for path, storage in finder.list(ignore):
            if Path(storage.path(path)).stat().st_mtime > collected:
                return False
    return True


def serve(argv: list[str]) -> int:
    """The production server: gunicorn, configured from GONGHUI_* variables.

    Extra arguments go to gunicorn and win over the environment (e.g. --bind, --workers).
    """
    collect = "--no-collect" not in argv
    argv = [a for a in argv if a != "--no-collect"]
    app = "gonghui.wsgi:application"
    if "--app" in argv:  # another WSGI application, as `gonghui demo` serves its own
        at = argv.index("--app")
        app, argv = argv[at + 1], argv[:at] + argv[at + 2 :]
    production = os.environ.get("GONGHUI_MODE") == "production"
    # Production collects on every start; the demo only when the files changed since.
    demo = bool(os.environ.get("GONGHUI_DEMO"))
    if collect and (production or (demo and not collected_static_is_current())):
        _django(["collectstatic", "--noinput", "--verbosity", "0"])
    args = gunicorn_args(argv, app=app)
    from gunicorn.app.wsgiapp import run

    sys.argv = args
    run()
    return 0


def worker(argv: list[str]) -> int:
    """Run background tasks from the database queue, after failing the imports that a worker
    which died before this one left running."""
    # db_worker runs Django's system checks as it starts, right after: once is enough (they
    # cost a second of CPU, which a small machine spends while the web server boots beside).
    _django(["fail_stalled_imports", "--skip-checks"])
    _django(["db_worker", *argv])
    return 0


COMMANDS = {"demo": demo, "serve": serve, "worker": worker}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
    argv = sys.argv[1:]
    if argv and argv[0] in COMMANDS:
        sys.exit(COMMANDS[argv[0]](argv[1:]))
    if not argv:
        print(Path(__file__).read_text(encoding="utf-8").splitlines()[0].strip('"'))
        print("Usage: gonghui demo | serve | worker | <django management command>")
    _django(argv or ["help"])


if __name__ == "__main__":
    main()
