"""The import worker under stress: the operating system's limits on the sandboxed child, a
worker stopped with SIGTERM while a child runs, and jobs whose worker died."""

import io
import os
import signal
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker

from gonghui.core import imports
from gonghui.core.models import AuditEntry, ImportJob
from gonghui.members.actions import start_roster_import
from gonghui.members.models import Member
from gonghui.members.tests.factories import id_number, mobile

INTERRUPTED = (
    "The server was stopped while it was processing this file; nothing was imported. Upload "
    "the file again."
)
STALLED = (
    "The server processing this file stopped responding; nothing was imported. Upload the "
    "file again."
)


def slow_roster(rows: int = 300_000) -> SimpleUploadedFile:
    """A CSV whose every row needs checking (and fails it): seconds of work for the child."""
    lines = ["姓名,身份证号,手机号"] + [f"李小红{i},1101,139" for i in range(rows)]
    return SimpleUploadedFile("会员.csv", "\n".join(lines).encode())


def wordy_roster() -> SimpleUploadedFile:
    """A CSV of 30 MB of Chinese text (under every limit of the file): reading it takes
    about 100 MB of memory."""
    lines = ["姓名,身份证号,手机号"] + ["长" * 30_000 + ",1,2" for _ in range(350)]
    return SimpleUploadedFile("会员.csv", "\n".join(lines).encode())


def good_roster() -> SimpleUploadedFile:
    text = f"姓名,身份证号,手机号\n李小红,{id_number()},{mobile()}\n"
    return SimpleUploadedFile("会员.csv", text.encode())


@pytest.fixture
def start(tree, make_staff, django_capture_on_commit_callbacks):
    admin = make_staff(tree.zgc)

    def upload(file: SimpleUploadedFile, *, run: bool = True) -> ImportJob:
        with django_capture_on_commit_callbacks(execute=run):
            job: ImportJob = start_roster_import(actor=admin, org=tree.zgc, upload=file)
        job.refresh_from_db()
        return job

    return upload


@pytest.mark.parametrize(
    ("limit", "value", "roster", "message"),
    [
        (
            "IMPORT_WALL_SECONDS",
            1,
            slow_roster,
            "Reading the file took more than 1 seconds; split it into smaller files or try "
            "again later.",
        ),
        (
            "IMPORT_CPU_SECONDS",
            1,
            slow_roster,
            "Reading the file took more than 1 seconds of processor time; split it into "
            "smaller files.",
        ),
        (
            "IMPORT_MEMORY_MB",
            40,
            wordy_roster,
            "Reading the file needed more than 40 MB of memory; split it into smaller files.",
        ),
    ],
)
def test_the_operating_system_stops_a_child_over_its_limits(
    start, settings, english, limit, value, roster, message
):
    setattr(settings, limit, value)
    began = time.monotonic()
    job = start(roster())
    assert (job.status, job.failure) == (ImportJob.Status.FAILED, message)
    assert time.monotonic() - began < 30
    assert not Path(job.file.path).exists()


def _children() -> list[int]:
    me = str(os.getpid())
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == me:
                found.append(int(entry.name))
    return found


def _terminate_once_a_child_runs() -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if _children():
            time.sleep(0.3)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        time.sleep(0.02)


def test_sigterm_kills_the_child_fails_the_job_and_stops_the_worker(start, english, caplog):
    # The handler a real `gonghui worker` has installed, in the middle of a task.
    worker = Worker(
        queue_names=["default"],
        interval=1,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    )
    worker.running_task = True
    previous = signal.signal(signal.SIGTERM, worker.shutdown)
    signaller = threading.Thread(target=_terminate_once_a_child_runs)
    try:
        signaller.start()
        began = time.monotonic()
        job = start(slow_roster())
        took = time.monotonic() - began
    finally:
        signaller.join()
        signal.signal(signal.SIGTERM, previous)
    assert (job.status, job.failure) == (ImportJob.Status.FAILED, INTERRUPTED)
    assert worker.running is False  # the worker finishes this task, then stops
    assert took < 10
    assert _children() == []
    assert not Path(job.file.path).exists()
    assert "Received Terminated - shutting down gracefully" in caplog.text


def test_a_job_whose_worker_died_is_failed_within_minutes(start, english):
    job = start(good_roster(), run=False)  # the worker took it, beat once, then died
    assert imports._beat(job.pk, ImportJob.Status.CHECKING)
    beat = ImportJob.objects.get(pk=job.pk).heartbeat_at
    assert beat is not None
    assert imports.fail_stalled_jobs(now=beat + timedelta(minutes=4)) == 0
    assert imports.fail_stalled_jobs(now=beat + timedelta(minutes=6)) == 1
    job.refresh_from_db()
    assert (job.status, job.failure) == (ImportJob.Status.FAILED, STALLED)
    assert not Path(job.file.path).exists()
    assert AuditEntry.objects.filter(action="core.import.stalled", target_id=str(job.pk)).exists()
    # The task, should it still run (its queue row survived the worker), leaves the job alone.
    assert imports.check_job(job.pk).status == ImportJob.Status.FAILED


def test_a_job_that_never_started_is_left_to_its_queue(start):
    job = start(good_roster(), run=False)
    assert imports.fail_stalled_jobs(now=timezone.now() + timedelta(days=1)) == 0
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKING


def test_an_import_given_up_as_stalled_writes_nothing(
    start, tree, django_capture_on_commit_callbacks
):
    job = start(good_roster())
    assert (job.status, job.valid_rows) == (ImportJob.Status.CHECKED, 1)
    with django_capture_on_commit_callbacks(execute=False):
        imports.confirm_import(actor=job.created_by, job=job)
    assert imports._beat(job.pk, ImportJob.Status.IMPORTING)
    assert imports.fail_stalled_jobs(now=timezone.now() + timedelta(minutes=6)) == 1
    assert imports.run_job(job.pk).status == ImportJob.Status.FAILED
    assert Member.objects.count() == 0


def test_the_stalled_imports_command(start):
    job = start(good_roster(), run=False)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=30))
    out = io.StringIO()
    call_command("fail_stalled_imports", stdout=out)
    assert out.getvalue() == "Stalled imports failed: 1\n"
