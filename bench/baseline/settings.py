"""Settings of the bare baseline: no middleware, one app, the benchmark's database."""

import os

import dj_database_url

SECRET_KEY = os.environ["BASELINE_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
INSTALLED_APPS = ["bench.baseline"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.baseline.urls"
# The same connection reuse as the real server's settings.
DATABASES = {"default": dj_database_url.parse(os.environ["BASELINE_DATABASE_URL"], conn_max_age=60)}
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
