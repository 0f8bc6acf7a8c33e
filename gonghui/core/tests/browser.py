"""Browser fixtures: one headless Chromium per test session, a fresh context per test.

The browser is Debian's Chromium (/usr/bin/chromium), never one downloaded by
`playwright install`. If it is missing the fixtures FAIL: CI requires the browser tests to run,
so a missing browser must never turn into a quiet skip.
"""

import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Repository root: gonghui/core/tests/browser.py -> /work/main
ARTIFACTS_DIR = Path(__file__).resolve().parents[3] / "test-artifacts"
# axe-core, installed from the npm registry at test time (scripts/test runs `npm ci` in tests-js).
AXE = Path(__file__).resolve().parents[3] / "tests-js" / "node_modules" / "axe-core" / "axe.min.js"

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
# A visitor whose browser asks for Chinese, as the members' phones do.
CHINESE_VISITOR = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
TIMEOUT_MS = 10_000
_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests after every other test (keeping pytest-django's order otherwise).

    From the moment Playwright starts, its event loop counts as running in the main thread, so
    Django's ORM only works there with DJANGO_ALLOW_ASYNC_UNSAFE set. Setting that variable
    before other tests would leak it into them, and into the processes they start (the deploy
    check in core/tests/test_settings.py warns about it). Going last, nothing else sees it.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    # Let the page fixture know whether the test body failed, to keep a screenshot of it.
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    # Sync Playwright runs an event loop in the main thread until it stops; Django's ORM,
    # called from that thread by fixtures and tests, would otherwise refuse with
    # SynchronousOnlyOperation. The browser tests run last (see above), so only they see it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            yield playwright
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"The browser tests need Chromium at {CHROMIUM} (Debian package `chromium`, with "
            "`fonts-wqy-microhei` for Chinese glyphs). Install it; do not run "
            "`playwright install`.",
            pytrace=False,
        )
    try:
        browser = playwright_instance.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
    except Exception as error:
        pytest.fail(f"Chromium at {CHROMIUM} did not start: {error}", pytrace=False)
    yield browser
    browser.close()


PageFactory = Callable[..., Page]


@pytest.fixture
def new_page(
    request: pytest.FixtureRequest, browser: Browser, live_server: Any
) -> Iterator[PageFactory]:
    """Open a page in a fresh browser context pointed at the live server.

    Keyword arguments go to `browser.new_context` on top of a Chinese-speaking desktop
    visitor. JavaScript errors on any page fail the test.
    """
    contexts: list[BrowserContext] = []
    pages: list[Page] = []
    js_errors: list[str] = []

    def make(**options: Any) -> Page:
        context = browser.new_context(
            **{**DESKTOP, **CHINESE_VISITOR, "base_url": live_server.url, **options}
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: js_errors.append(str(error)))
        pages.append(page)
        return page

    yield make

    if request.node.stash.get(_CALL_FAILED, False):
        failures = ARTIFACTS_DIR / "failures"
        failures.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        for number, page in enumerate(pages):
            if not page.is_closed():
                page.screenshot(path=failures / f"{stem}-{number}.png", full_page=True)
    for context in contexts:
        context.close()
    if js_errors:
        pytest.fail("JavaScript errors in the page: " + "; ".join(js_errors), pytrace=False)


@pytest.fixture
def page(new_page: PageFactory) -> Page:
    """A desktop page, as union staff use the back office."""
    return new_page()


@pytest.fixture
def phone_page(new_page: PageFactory) -> Page:
    """A phone-sized page (390×844 CSS pixels at 2× density), as members use the site."""
    return new_page(**PHONE)


def sign_in_staff(page: Page, username: str, password: str = "pw-staff") -> None:
    """Sign a staff member in through the real pages: the password, then the second step
    their account needs. The authenticator code is computed from the stored secret, as their
    phone would; an account whose role requires one and has none sets one up on the way."""
    from gonghui.accounts import totp
    from gonghui.accounts.models import TotpDevice

    def code_for(secret: str, last_step: int) -> str:
        # A fresh step: a code is accepted once, and tests sign in more than once a minute.
        return totp.hotp(secret, max(totp.step_at(time.time()), last_step + 1))

    page.goto("/staff/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("main form.form button").click()
    page.wait_for_url(re.compile(r"/staff/(login/code/|login/setup/)?$"))
    if page.url.endswith("/staff/login/setup/"):
        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        page.locator("input[name=code]").fill(code_for(secret, 0))
        page.locator("main form.form button").click()
        page.locator("#recovery-codes").wait_for()
        page.locator("main a.button").click()
    elif page.url.endswith("/staff/login/code/"):
        device = TotpDevice.objects.get(user__username=username)
        page.locator("input[name=code]").fill(code_for(str(device.secret), device.last_step))
        page.locator("main form.form button").click()
    page.wait_for_url(re.compile(r"/staff/$"))


def sign_in_worker(page: Page, sms_outbox: list[Any], mobile: str) -> None:
    """Sign a worker in on the SMS sign-in form the page shows: the mobile number, then the
    six-digit code from the text message just sent, as the worker would copy it."""
    page.locator("input[name=mobile]").fill(mobile)
    page.locator("main form.form button").click()
    expect(page.locator("input[name=code]")).to_be_visible()
    found = re.findall(r"(?<!\d)\d{6}(?!\d)", sms_outbox[-1].text)
    assert len(found) == 1, sms_outbox[-1].text
    page.locator("input[name=code]").fill(found[0])
    page.locator("main form.form button").click()


def axe_problems(page: Page) -> list[str]:
    """The serious and critical accessibility violations axe-core finds on the page as it is
    now, one line each: rule id, impact, the elements it concerns and what to do.

    The page's context must bypass the Content-Security-Policy (`bypass_csp=True`): the policy
    allows scripts from the site only, and axe is injected from the test's own disk. Only these
    checking contexts do; every other browser test runs under the policy."""
    if not AXE.is_file():
        pytest.fail(
            f"axe-core is not installed at {AXE}: run `npm ci --prefix tests-js` "
            "(scripts/test does).",
            pytrace=False,
        )
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}) on {' '.join(node['target'])} "
        f"{node['html'][:120]}: {node['failureSummary'].splitlines()[-1].strip()}"
        for violation in result["violations"]
        if violation["impact"] in {"serious", "critical"}
        for node in violation["nodes"]
    ]
