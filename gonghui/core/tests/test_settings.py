"""Production mode refuses to start half-configured, and passes Django's deploy check."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GONGHUI_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return subprocess.run(
        [sys.executable, "-m", "gonghui.cli", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _production_env(tmp_path: Path) -> dict[str, str]:
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    secret_file = tmp_path / "secret_key"
    secret_file.write_text(secrets.token_urlsafe(60))
    return {
        "GONGHUI_MODE": "production",
        "GONGHUI_DATA_DIR": str(tmp_path),
        "GONGHUI_SECRET_KEY_FILE": str(secret_file),
        "GONGHUI_ENCRYPTION_KEYS": f"2026a:{key}",
        "GONGHUI_LOOKUP_KEY": secrets.token_urlsafe(32),
        "GONGHUI_CARD_SIGNING_KEY": secrets.token_urlsafe(32),
        "GONGHUI_ALLOWED_HOSTS": "gonghui.example.org",
        "GONGHUI_SMS_SENDER": "gonghui.core.tests.gateway.GatewaySmsSender",
    }


def test_production_refuses_to_start_without_secrets(tmp_path):
    result = _run({"GONGHUI_MODE": "production", "GONGHUI_DATA_DIR": str(tmp_path)}, "check")
    assert result.returncode != 0
    assert "GONGHUI_SECRET_KEY" in result.stderr
    assert "GONGHUI_ENCRYPTION_KEYS" in result.stderr


def test_production_refuses_a_weak_secret_key(tmp_path):
    env = _production_env(tmp_path)
    del env["GONGHUI_SECRET_KEY_FILE"]
    env["GONGHUI_SECRET_KEY"] = "changeme"
    result = _run(env, "check")
    assert result.returncode != 0
    assert "too short" in result.stderr


def test_deploy_check_reports_nothing(tmp_path):
    result = _run(_production_env(tmp_path), "check", "--deploy", "--fail-level", "DEBUG")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_development_runs_with_nothing_configured(tmp_path):
    result = _run({"GONGHUI_DATA_DIR": str(tmp_path)}, "check")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "dev-secrets.json").exists()
