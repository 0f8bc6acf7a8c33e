"""The repository's top-level conftest: it registers the shared browser fixtures (one Chromium
per test session) so that every app's browser tests use the same one, and the session-wide
log watch that fails the run if any log record held personal data or a secret."""

pytest_plugins = ["gonghui.core.tests.browser", "gonghui.core.tests.log_watch"]
