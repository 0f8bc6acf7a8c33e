"""The demo serves static files as production does: collected once into the data folder,
under hashed names, cached for good and compressed."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

# Run in a child process: the demo's settings (GONGHUI_DEMO) are read when Django starts.
PROBE = """
import json
from gonghui.cli import _django, collected_static_is_current

before = collected_static_is_current()
_django(["collectstatic", "--noinput", "--verbosity", "0"])
after = collected_static_is_current()
from django.templatetags.static import static
from django.test import Client

url = static("gonghui/app.css")
zipped = Client().get(url, headers={"Accept-Encoding": "gzip"})
plain = Client().get(url)
print(json.dumps({
    "before": before,
    "after": after,
    "url": url,
    "zipped": [zipped.status_code, zipped.get("Content-Encoding"), zipped["Cache-Control"]],
    "plain": [plain.status_code, plain.get("Content-Encoding"), plain["Cache-Control"]],
    "sizes": [int(zipped["Content-Length"]), int(plain["Content-Length"])],
}))
"""


def test_the_demo_serves_hashed_compressed_static_files_cached_for_good(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGHUI_")}
    env |= {
        "GONGHUI_DEMO": "1",
        "GONGHUI_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "gonghui.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.splitlines()[-1])
    # Collected on the first start only: the second start finds them current.
    assert (answer["before"], answer["after"]) == (False, True)
    assert (tmp_path / "static" / "staticfiles.json").exists()
    name = answer["url"].removeprefix("/static/gonghui/")
    assert re.fullmatch(r"app\.[0-9a-f]{12}\.css", name)
    forever = "max-age=315360000, public, immutable"
    assert answer["zipped"] == [200, "gzip", forever]
    assert answer["plain"] == [200, None, forever]
    zipped, plain = answer["sizes"]
    assert plain == (tmp_path / "static" / "gonghui" / name).stat().st_size
    assert zipped < plain / 2
