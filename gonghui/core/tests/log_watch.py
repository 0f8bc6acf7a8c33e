"""A pytest plugin (registered by the top-level conftest): one log handler watches every record
emitted during the whole test session, and the session fails if any held a mobile number, an
ID number, a status link or a sign-in code (`core.log_hygiene.find_leaks`).

Cheap: each record is checked once, as it is emitted, and only findings are kept (the test,
the logger, the kinds found; never the text). Robust: the handler sits on the root logger
from the session's start, after Django configured logging (which replaces root's handlers),
and the session also fails if it was removed before the end.
"""

import logging
import traceback

import pytest

from gonghui.core.log_hygiene import find_leaks

_current_test = ["(outside any test)"]


class LeakWatch(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.records = 0
        self.findings: list[tuple[str, str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records += 1
        try:
            text = record.getMessage()
        except Exception:  # a broken format string is not our business here
            text = str(record.msg)
        if record.exc_info:
            text += "".join(traceback.format_exception(*record.exc_info))
        elif record.exc_text:
            text += record.exc_text
        kinds = find_leaks(text)
        if kinds:
            self.findings.append((_current_test[0], record.name, ", ".join(kinds)))


WATCH = LeakWatch()


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    logging.getLogger().addHandler(WATCH)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> object:
    _current_test[0] = item.nodeid
    try:
        return (yield)
    finally:
        _current_test[0] = "(between tests)"


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    problems = [
        f"{test}: a record of logger {name!r} held: {kinds}" for test, name, kinds in WATCH.findings
    ]
    if WATCH not in logging.getLogger().handlers:
        problems.append("the log watch was removed from the root logger during the session")
    if not problems:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = ["Log records held personal data or secrets:", *problems]
    if reporter is not None:
        reporter.ensure_newline()
        reporter.write_sep("=", "log leaks", red=True)
        for line in lines:
            reporter.write_line(line)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
