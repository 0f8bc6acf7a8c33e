"""The only settings module. Everything comes from GONGHUI_* environment variables.

With nothing configured it runs in development mode: an embedded SQLite database and generated
secrets under the data folder, tasks run inline, SMS codes written to the console. Production
mode (GONGHUI_MODE=production) refuses to start without real secrets.
"""

import json
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"GONGHUI_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if not value:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    """A whole number of at least 1 from GONGHUI_<NAME>; anything else stops start-up."""
    value = env(name, str(default))
    if not value.isdigit() or int(value) < 1:
        raise ImproperlyConfigured(f"GONGHUI_{name} must be a whole number of at least 1.")
    return int(value)


def env_secret(name: str) -> str:
    """A secret from GONGHUI_<NAME> or from the file named by GONGHUI_<NAME>_FILE."""
    value = env(name)
    if value:
        return value
    path = env(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return ""


MODE = env("MODE", "development")
if MODE not in {"development", "production"}:
    raise ImproperlyConfigured("GONGHUI_MODE must be 'development' or 'production'.")
PRODUCTION = MODE == "production"

DATA_DIR = Path(env("DATA_DIR", str(Path.cwd() / "data"))).resolve()


def development_secrets() -> dict[str, str]:
    """Secrets generated once per data folder, so a development database stays readable."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "dev-secrets.json"
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        if "card_signing_key" not in stored:  # data folders made before cards existed
            stored["card_signing_key"] = secrets.token_urlsafe(32)
            path.write_text(json.dumps(stored), encoding="utf-8")
        return stored
    generated = {
        "secret_key": secrets.token_urlsafe(50),
        "encryption_keys": "dev1:" + secrets.token_urlsafe(32),
        "lookup_key": secrets.token_urlsafe(32),
    }
    generated["card_signing_key"] = secrets.token_urlsafe(32)
    path.write_text(json.dumps(generated), encoding="utf-8")
    path.chmod(0o600)
    return generated


SECRET_KEY = env_secret("SECRET_KEY")
# "kid:base64key[,kid:base64key...]": the first key encrypts, all of them decrypt (rotation).
PERSONAL_DATA_KEYS = env_secret("ENCRYPTION_KEYS")
# Keyed hash for lookups of encrypted values (duplicate checks, sign-in by phone).
PERSONAL_DATA_LOOKUP_KEY = env_secret("LOOKUP_KEY")
# Ed25519 private key (32 bytes, base64) that signs e-member card QR codes; devices verify
# them offline with the public half.
CARD_SIGNING_KEY = env_secret("CARD_SIGNING_KEY")

if PRODUCTION:
    missing = [
        name
        for name, value in (
            ("GONGHUI_SECRET_KEY", SECRET_KEY),
            ("GONGHUI_ENCRYPTION_KEYS", PERSONAL_DATA_KEYS),
            ("GONGHUI_LOOKUP_KEY", PERSONAL_DATA_LOOKUP_KEY),
            ("GONGHUI_CARD_SIGNING_KEY", CARD_SIGNING_KEY),
        )
        if not value
    ]
    if missing:
        raise ImproperlyConfigured(
            "Production mode needs these secrets (or their *_FILE variants): " + ", ".join(missing)
        )
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("GONGHUI_SECRET_KEY is too short or too simple.")
else:
    dev = development_secrets()
    SECRET_KEY = SECRET_KEY or dev["secret_key"]
    PERSONAL_DATA_KEYS = PERSONAL_DATA_KEYS or dev["encryption_keys"]
    PERSONAL_DATA_LOOKUP_KEY = PERSONAL_DATA_LOOKUP_KEY or dev["lookup_key"]
    CARD_SIGNING_KEY = CARD_SIGNING_KEY or dev["card_signing_key"]

DEBUG = env_bool("DEBUG") and not PRODUCTION
ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks_db",
    "ninja",
    "gonghui.core",
    "gonghui.orgs",
    "gonghui.accounts",
    "gonghui.enterprises",
    "gonghui.members",
    "gonghui.checkins",
    "gonghui.ledger",
    "gonghui.reviews",
    "gonghui.events",
    "gonghui.benefits",
    "gonghui.stations",
    "gonghui.volunteers",
    "gonghui.care",
    "gonghui.learning",
    "gonghui.innovation",
    "gonghui.dashboards",
    "gonghui.web",
    "gonghui.api",
    "gonghui.housekeeping",
    "gonghui.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "gonghui.web.headers.PrivacyHeadersMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "gonghui.core.request_context.RequestContextMiddleware",
    "gonghui.accounts.sessions.SessionGuardMiddleware",
    "gonghui.core.idempotency.IdempotencyMiddleware",
    # Last, so its process_exception sees a page view's error first (ADR 0015).
    "gonghui.web.errors.PageErrorMiddleware",
]

ROOT_URLCONF = "gonghui.urls"
WSGI_APPLICATION = "gonghui.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gonghui.web.context.shell",
            ],
        },
    },
]

DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # PostgreSQL's JIT adds ~60 ms to any query the planner rates expensive (a city-wide
        # dashboard sum over tallies); our queries are short, so compiling never pays back.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "gonghui.sqlite3"),
            "OPTIONS": {
                # WAL lets the web server read while the task worker writes; IMMEDIATE takes the
                # write lock at BEGIN so two writers queue on the busy timeout instead of failing
                # with "database is locked" halfway through a transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["gonghui.accounts.backends.StaffPasswordBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(DATA_DIR / "static")))
# Development serves static files straight from the apps; production and the demo serve the
# collected, compressed and fingerprinted copies (`gonghui serve` in production and `gonghui
# demo` collect them first), each cached for good under its hashed name.
DEMO = env_bool("DEMO")
WHITENOISE_USE_FINDERS = not (PRODUCTION or DEMO)
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
if PRODUCTION or DEMO:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
# The TrueType font embedded in the PDF posters and cards (Debian's fonts-wqy-microhei).
POSTER_FONT = env("POSTER_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
# Uploaded documents live outside the web root and are served only through permission checks.
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(DATA_DIR / "media")))
MEDIA_URL = "/media-not-served/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks_db.DatabaseBackend"
            if env("TASK_BACKEND", "immediate") == "database"
            else "django.tasks.backends.immediate.ImmediateBackend"
        )
    }
}

# The child process that reads an uploaded spreadsheet (core/sandbox.py) is held to these
# limits by the operating system: address space, CPU time, and time on the clock (enforced by
# the worker). Reading and checking a 200,000-row roster took the child 141 MB at its peak
# and well under a minute of CPU (bench/RESULTS.md): the defaults leave room to spare.
IMPORT_MEMORY_MB = int(env("IMPORT_MEMORY_MB", "1536"))
IMPORT_CPU_SECONDS = int(env("IMPORT_CPU_SECONDS", "300"))
IMPORT_WALL_SECONDS = int(env("IMPORT_WALL_SECONDS", "600"))
# A running import whose worker has not beaten its heartbeat for this long is failed.
IMPORT_STALLED_MINUTES = int(env("IMPORT_STALLED_MINUTES", "5"))
# Spreadsheet importers by kind (see core/imports.py).
IMPORTERS = {
    "enterprises": "gonghui.enterprises.imports.EnterpriseImporter",
    "members": "gonghui.members.imports.MemberImporter",
}
# The privacy notice a joining worker consents to; bump the version when its text changes.
CONSENT_VERSION = "2026-11"
# How long personal data outlives its purpose before `gonghui anonymise_personal_data` clears
# it, in days (docs/decisions/0016-personal-data-retention.md): applications rejected or
# withdrawn (from the decision), applications never reviewed (from submission), former members
# (from the day they left).
RETAIN_REJECTED_APPLICATIONS_DAYS = env_int("RETAIN_REJECTED_APPLICATIONS_DAYS", 180)
RETAIN_UNREVIEWED_APPLICATIONS_DAYS = env_int("RETAIN_UNREVIEWED_APPLICATIONS_DAYS", 365)
RETAIN_FORMER_MEMBERS_DAYS = env_int("RETAIN_FORMER_MEMBERS_DAYS", 3 * 365)
# Reviewers see applications older than this many days flagged in their queue.
REVIEW_WAITING_DAYS = int(env("REVIEW_WAITING_DAYS", "3"))

# Development writes text messages to the terminal; production must name its gateway's sender
# and refuses the two senders that do not send (they would hold sign-in codes and status links
# in a terminal or in memory instead of delivering them).
SMS_SENDER = env("SMS_SENDER", "" if PRODUCTION else "gonghui.core.sms.ConsoleSmsSender")
NON_SENDING_SMS_SENDERS = frozenset(
    {"gonghui.core.sms.ConsoleSmsSender", "gonghui.core.sms.MemorySmsSender"}
)
if PRODUCTION and not SMS_SENDER:
    raise ImproperlyConfigured(
        "Production mode needs GONGHUI_SMS_SENDER: the dotted path of your SMS gateway's sender."
    )
if PRODUCTION and SMS_SENDER in NON_SENDING_SMS_SENDERS:
    raise ImproperlyConfigured(
        f"GONGHUI_SMS_SENDER={SMS_SENDER} does not send text messages (it would write sign-in "
        "codes to the terminal); production mode needs a real gateway's sender."
    )
# Development prints mail to the console; production sends it over SMTP (EMAIL_HOST etc.).
MAILERS = {
    "default": {
        "BACKEND": env(
            "EMAIL_BACKEND",
            "django.core.mail.backends.smtp.EmailBackend"
            if PRODUCTION
            else "django.core.mail.backends.console.EmailBackend",
        )
    }
}

# Members sign in by SMS on their own phones and stay signed in this long; staff sessions (any
# password sign-in) also end after an idle time and a maximum age (accounts/sessions.py).
SESSION_COOKIE_AGE = 24 * 3600 * env_int("MEMBER_SESSION_DAYS", 14)
STAFF_IDLE_SECONDS = 60 * env_int("STAFF_IDLE_MINUTES", 30)
STAFF_SESSION_MAX_SECONDS = 3600 * env_int("STAFF_SESSION_HOURS", 12)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Nothing runs or styles a page but our own files: no inline script, style or event handler
# (htmx's indicator styles come from app.css, see web/base.html), no other origin. Images may
# be data: URIs (the API docs' icons); the camera's picture never leaves the page.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(env("HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)
    # Only a proxy we were told about may say the request came over HTTPS; `gonghui serve`
    # makes gunicorn trust X-Forwarded-Proto on the same condition.
    if env_bool("BEHIND_TLS_PROXY"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Behind a proxy that terminates TLS the redirect check is the proxy's job; Django's
    # deploy check still wants the setting on, which it is by default.
    SILENCED_SYSTEM_CHECKS: list[str] = []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Nothing logs mobile or ID numbers or status links (the test suite checks every record);
    # the formatter masks them anyway should a third-party message carry one.
    "formatters": {
        "plain": {
            "()": "gonghui.core.log_hygiene.RedactingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "filters": {"redact_path": {"()": "gonghui.core.log_hygiene.RedactingPathFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # Request bodies never reach the log; django.request logs only the path and status.
        "django.request": {"level": "ERROR"},
        # A refused CSRF check is worth a warning, but its message holds the client's path.
        "django.security.csrf": {"filters": ["redact_path"]},
        "django.db.backends": {"level": "INFO"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50

# How long an Idempotency-Key is remembered.
IDEMPOTENCY_TTL_HOURS = 48
# Worker sign-in codes.
LOGIN_CODE_TTL_SECONDS = 300
LOGIN_CODE_RESEND_SECONDS = 60
LOGIN_CODE_MAX_ATTEMPTS = 5
# The second sign-in step (authenticator code) must follow the password within this time.
TWO_FACTOR_PENDING_SECONDS = 300
# The name authenticator apps show next to the account.
TOTP_ISSUER = env("TOTP_ISSUER", "Gonghui")

# Rate limits (core/ratelimits.py): name -> (allowed, window in seconds). A window opens at a
# key's first count. GONGHUI_RATE_LIMITS overrides some: "join.ip=100/600,sms.global=50/60".
RATE_LIMITS: dict[str, tuple[int, int]] = {
    # Staff password sign-in: failures per account (every identifier that resolves to it, or
    # the normalised identifier when none does) and per client IP; both lock sign-in.
    "signin.account": (5, 15 * 60),
    "signin.ip": (30, 15 * 60),
    # Worker sign-in codes: requests per IP, all requests, wrong codes per number per day.
    "sms_code.ip": (20, 3600),
    "sms_code.global": (600, 60),
    "sms_code.guesses": (10, 24 * 3600),
    # Joining without sign-in: submissions per IP, per mobile number, all submissions.
    "join.ip": (60, 10 * 60),
    "join.mobile": (3, 3600),
    "join.global": (18_000, 60),
    # Texts that anonymous requests make us send to one number (codes and receipts), per day.
    "sms.mobile": (10, 24 * 3600),
    # A worker's full copy of their own data (page download and API), per account.
    "personal_data.download": (10, 3600),
    # Photos decoded at a scanning desk (checkins/decoding.py), per desk user or, on the
    # public card verifier, per client IP: a busy desk takes one every few seconds.
    "scan.photo": (60, 60),
    # Ballots from one network (client IP) in one poll, per hour: a factory canteen's Wi-Fi
    # carries a few hundred honest voters; a brushing script carries thousands.
    "vote.ip": (500, 3600),
}
for _override in filter(None, (item.strip() for item in env("RATE_LIMITS").split(","))):
    _name, _sep, _value = _override.partition("=")
    _allowed, _slash, _seconds = _value.partition("/")
    if _name not in RATE_LIMITS or not (_allowed.isdigit() and _seconds.isdigit()):
        raise ImproperlyConfigured(
            f"GONGHUI_RATE_LIMITS: {_override!r} is not <known name>=<allowed>/<seconds>."
        )
    RATE_LIMITS[_name] = (int(_allowed), max(1, int(_seconds)))
# Empty: rate-limit counters live in the database (table core_ratecounter), shared by every
# app server on it. A redis:// URL moves them to Redis.
RATE_LIMIT_REDIS_URL = env("REDIS_URL")
RATE_LIMIT_REDIS_PREFIX = "gonghui:rate:"
