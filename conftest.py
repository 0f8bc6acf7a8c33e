"""The repository's top-level conftest: it only registers the shared browser fixtures (one
Chromium per test session) so that every app's browser tests use the same one."""

pytest_plugins = ["gonghui.web.tests.browser"]
