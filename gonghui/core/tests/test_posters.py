"""The posters' one font: embedded from the configured file, or a refusal saying what to
install."""

import os
import subprocess
import sys
from pathlib import Path

from gonghui.core.checks import check_poster_font

# A child process: reportlab registers a font once per process, for good.
PROBE = "import django; django.setup(); from gonghui.core.posters import poster_font; poster_font()"


def test_a_missing_font_file_names_the_package_to_install(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGHUI_")}
    env |= {
        "GONGHUI_DATA_DIR": str(tmp_path),
        "GONGHUI_POSTER_FONT": str(tmp_path / "missing.ttc"),
        "DJANGO_SETTINGS_MODULE": "gonghui.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"django.core.exceptions.ImproperlyConfigured: The poster font {tmp_path}/missing.ttc "
        "cannot be read ("
    )
    assert last.endswith(
        "Install it with 'apt-get install fonts-wqy-microhei' or set GONGHUI_POSTER_FONT to a "
        "TrueType font with Chinese glyphs."
    )


def test_the_system_check_warns_of_a_missing_font(settings, tmp_path: Path):
    assert check_poster_font(None) == []
    settings.POSTER_FONT = str(tmp_path / "missing.ttc")
    (warning,) = check_poster_font(None)
    assert warning.id == "gonghui.W003"
    assert warning.msg == (
        f"The poster font {tmp_path}/missing.ttc is missing: PDF posters and member cards "
        "cannot be made."
    )
