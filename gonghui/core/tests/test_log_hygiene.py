"""What must never reach a log is found, and masked on the way out."""

import logging
from types import SimpleNamespace

from django.test import Client
from gunicorn.config import Config

from gonghui.core.log_hygiene import (
    RedactingFormatter,
    RedactingGunicornLogger,
    find_leaks,
    redact,
)
from gonghui.core.tests.log_watch import WATCH, LeakWatch

ID_NUMBER = "11010819950615019X"


def test_each_kind_of_secret_is_found():
    assert find_leaks(f"applicant {ID_NUMBER} with 13800138000") == ["mobile", "id_number"]
    assert find_leaks("id 11010819950615019x") == ["id_number"]
    assert find_leaks("GET /r/Zx8_k2Lq9vT3mW4nB7cD1eF5/ 200") == ["status_link"]
    assert find_leaks("GET /api/v1/applications/status/Zx8_k2Lq9vT3mW4nB7cD1eF5") == ["status_link"]
    assert find_leaks("Your Gonghui sign-in code is 042137. It is valid") == ["sign_in_code"]
    assert find_leaks("您的工会平台登录验证码为 042137，5 分钟内有效。") == ["sign_in_code"]
    assert find_leaks("mobile １３８００１３８０００ in full width") == ["mobile"]


def test_ordinary_log_lines_are_not_findings():
    for line in (
        "SMS to 138****8000 written",
        "applicant 110***********019X",
        "Task id=Gqy1feFzp2CSuwSdYfWCp0l5ujJ8PKUL path=gonghui.core.tasks.check_import_job",
        "GET /r/… 200",
        "expires_at=1765123456789 count=3",
        "110108199506150010 fails its check character, so it is no ID number",
        "HTTP status code 200 after 123456 bytes",
    ):
        assert find_leaks(line) == [], line


def test_redact_masks_numbers_and_blanks_status_links():
    assert redact(f"{ID_NUMBER} 13800138000 GET /r/Zx8_k2Lq9vT3mW4n/") == (
        "110***********019X 138****8000 GET /r/…/"
    )


def test_the_console_formatter_masks_without_touching_the_record():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "to %s", ("13800138000",), None)
    assert RedactingFormatter("%(message)s").format(record) == "to 138****8000"
    assert record.getMessage() == "to 13800138000"  # what the other handlers (and tests) see


def test_a_refused_csrf_check_logs_the_path_masked(db, caplog):
    # Django logs the path of a request whose CSRF check fails; the path is the client's, so
    # a number in it is masked in the record itself before any handler (or the watch) sees it.
    client = Client(enforce_csrf_checks=True)
    with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
        response = client.post("/j/13800138000/", {"name": "王"})
    assert response.status_code == 403
    (record,) = [r for r in caplog.records if r.name == "django.security.csrf"]
    assert record.getMessage() == "Forbidden (CSRF cookie not set.): /j/138****8000/"


def test_the_access_log_never_writes_a_status_link():
    logger = RedactingGunicornLogger(Config())
    request = SimpleNamespace(
        method="GET",
        uri="/r/Zx8_k2Lq9vT3mW4nB7cD1eF5/",
        path="/r/Zx8_k2Lq9vT3mW4nB7cD1eF5/",
        query="",
        version=(1, 1),
        headers=[("REFERER", "https://gonghui.example.org/r/Zx8_k2Lq9vT3mW4nB7cD1eF5/")],
    )
    response = SimpleNamespace(status="200 OK", response_length=10, sent=10, headers=[])
    environ = {
        "REMOTE_ADDR": "203.0.113.1",
        "REQUEST_METHOD": "GET",
        "RAW_URI": request.uri,
        "PATH_INFO": request.path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": request.headers[0][1],
    }
    atoms = logger.atoms(response, request, environ, SimpleNamespace(seconds=0, microseconds=5))
    line = logger.cfg.access_log_format % atoms
    assert "Zx8_k2Lq9vT3mW4nB7cD1eF5" not in line
    assert '"GET /r/…/ HTTP/1.1"' in line


def test_the_session_watch_is_on_and_counts_findings():
    assert WATCH in logging.getLogger().handlers
    watch = LeakWatch()
    watch.emit(logging.LogRecord("x", logging.INFO, __file__, 1, "ID %s", (ID_NUMBER,), None))
    watch.emit(logging.LogRecord("x", logging.INFO, __file__, 1, "nothing here", (), None))
    assert watch.records == 2
    assert [kinds for _test, _name, kinds in watch.findings] == ["id_number"]
