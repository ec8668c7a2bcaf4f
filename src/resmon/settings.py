"""Settings, all from the environment.

RESMON_ENV selects the profile: "development" (default for `make run`), "test", or "production".
Production refuses to start without SECRET_KEY and never runs with DEBUG.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
ENV = os.environ.get("RESMON_ENV", "development")
PRODUCTION = ENV == "production"

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment when RESMON_ENV=production.")
    SECRET_KEY = "insecure-development-key-not-for-production"  # noqa: S105

DEBUG = (not PRODUCTION) and os.environ.get("DEBUG", "") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h] or (
    [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Demo data (password "demo") may be loaded only outside production.
DEMO_DATA_ALLOWED = not PRODUCTION

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "template_partials",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "resmon.core",
    "resmon.audit",
    "resmon.agencies",
    "resmon.accounts",
    "resmon.notifications",
    "resmon.catalogue",
    "resmon.planning",
    "resmon.reporting",
    "resmon.restructuring",
    "resmon.rollups",
    "resmon.monitoring.forecasts",
    "resmon.monitoring.alerts",
    "resmon.monitoring.bottlenecks",
    "resmon.monitoring.directives",
    "resmon.monitoring.evaluation",
    "resmon.dashboards",
    "resmon.exports",
    "resmon.web",
    "resmon.api",
    "resmon.ops",
    "resmon.demo",
]

MIDDLEWARE = [
    "resmon.ops.middleware.RequestMiddleware",  # first: the request id and the latency of everything
    "resmon.core.dbrouter.ReplicaReadsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "resmon.web.middleware.VietnameseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "resmon.web.middleware.StorageFullMiddleware",  # a full disk: a 507 page saying so
    "django_htmx.middleware.HtmxMiddleware",
    "resmon.accounts.middleware.SessionTimeoutMiddleware",
    "resmon.accounts.middleware.SecondFactorMiddleware",
    "resmon.accounts.middleware.PasswordChangeRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
    "resmon.accounts.ratelimits.RateLimitMiddleware",
]

ROOT_URLCONF = "resmon.urls"
WSGI_APPLICATION = "resmon.wsgi.application"

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
                "resmon.web.context.navigation",
            ],
        },
    }
]

# Database: SQLite (WAL) by default, DATABASE_URL for PostgreSQL.
DATA_DIR = Path(os.environ.get("RESMON_DATA_DIR", PROJECT_DIR / "var"))
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(DATA_DIR / "resmon.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
# A PostgreSQL read replica (streaming replication) for the read-heavy paths: GET requests under
# REPLICA_READ_PATHS read from it (resmon.core.dbrouter, decision 019); writes, sign-in data and
# everything else use the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=60, conn_health_checks=True
    )
DATABASE_REPLICA_READS = "replica" in DATABASES
DATABASE_ROUTERS = ["resmon.core.dbrouter.ReplicaRouter"]
REPLICA_READ_PATHS = ["/dashboards/", "/exports/", "/api/v1/dashboard"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Current guidance (NIST SP 800-63B): length and a common-password check, no composition rules.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout after repeated failures (django-axes): 5 failures per username and address, 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "resmon.accounts.views.locked_out"
AXES_VERBOSE = False

# Rate limits (django-ratelimit; resmon.accounts.ratelimits), "N/s", "N/m", "N/h" or "N/d": sign-in
# POSTs per client address, API tokens per address (POST /api/v1/auth/token) and per user (the
# tokens page), exports and downloads per user. Counted in the "ratelimit" cache below, a database
# table every gunicorn worker shares (resmon.core.counters). Behind a proxy, name the header that
# carries the client's address as Django sees it (e.g. HTTP_X_REAL_IP) in RESMON_CLIENT_IP_HEADER.
RESMON_RATE_SIGN_IN = os.environ.get("RESMON_RATE_SIGN_IN", "30/m")
RESMON_RATE_TOKENS = os.environ.get("RESMON_RATE_TOKENS", "10/m")
RESMON_RATE_EXPORTS = os.environ.get("RESMON_RATE_EXPORTS", "30/m")
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_IP_META_KEY = os.environ.get("RESMON_CLIENT_IP_HEADER") or None

# Two-factor sign-in (django-otp; docs/decisions/018-two-factor.md): a TOTP authenticator app and
# ten single-use recovery codes. Required for these roles (they enrol at their first sign-in),
# available to everyone. Sensitive actions (accepting or reopening a report, changing roles or
# memberships, exporting a whole province or the nation) ask for the password (and a code) again
# when the last confirmation is older than RESMON_REAUTH_MINUTES.
# The demo (`make run`, the development profile) requires it of nobody, so a first look needs no
# phone; production and the tests require it of these roles unless the variable says otherwise.
_REQUIRED_2FA_DEFAULT = "" if ENV == "development" else "system_admin,agency_admin,leader"
RESMON_2FA_REQUIRED_ROLES = [
    r.strip()
    for r in os.environ.get("RESMON_2FA_REQUIRED_ROLES", _REQUIRED_2FA_DEFAULT).split(",")
    if r.strip()
]
RESMON_REAUTH_MINUTES = int(os.environ.get("RESMON_REAUTH_MINUTES", "15"))
OTP_TOTP_ISSUER = "Resmon"
# Each user's sign-in history keeps RESMON_SIGNIN_HISTORY_DAYS days: the daily run's
# `prune_sign_in_history` removes older lines (the audit log keeps its own rows, never removed).
RESMON_SIGNIN_HISTORY_DAYS = int(os.environ.get("RESMON_SIGNIN_HISTORY_DAYS", "400"))
if RESMON_SIGNIN_HISTORY_DAYS < 1:
    raise ImproperlyConfigured("RESMON_SIGNIN_HISTORY_DAYS must be a number of days, at least 1.")

# Sessions: expire after 8 hours and when the browser closes; cookies secure in production.
# SESSION_COOKIE_AGE is also the absolute limit of a sign-in, enforced on the server
# (resmon.accounts.middleware.SessionTimeoutMiddleware) with the idle limit below.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
RESMON_SESSION_IDLE_MINUTES = int(os.environ.get("RESMON_SESSION_IDLE_MINUTES", "30"))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = PRODUCTION and os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_HSTS_SECONDS = 31536000 if PRODUCTION else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: no inline scripts or styles anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
FORMAT_MODULE_PATH = ["resmon.formats"]
# The data cut-off of reporting periods: "decree09" (15th of the previous month to the 14th,
# Decree 09/2019/NĐ-CP) or "calendar" (1st to the last day of the month).
REPORTING_CUTOFF = os.environ.get("REPORTING_CUTOFF", "decree09")

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = DATA_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The largest evidence file accepted (the reporting service says so in the user's language).
EVIDENCE_MAX_BYTES = int(os.environ.get("EVIDENCE_MAX_BYTES", str(20 * 1024 * 1024)))

# E-mail: printed to the console unless EMAIL_HOST names an SMTP server.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "").lower() in {"1", "true", "yes"}
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Resmon <no-reply@localhost>")
# The site's address, for links in e-mails (e.g. https://resmon.example.vn); empty: paths only.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The daily run (`manage.py run_daily --loop`, the Procfile's scheduler): these management
# commands in this order, once a day at DAILY_RUN_AT (Asia/Ho_Chi_Minh, HH:MM).
DAILY_RUN_AT = os.environ.get("RESMON_DAILY_RUN_AT", "05:30")
DAILY_JOBS = [
    "forecast",
    "run_alerts",
    "send_reminders",
    "generate_period_documents",
    "send_digests",
    "prune_sign_in_history",
]

# Reminders (đôn đốc; the `send_reminders` job): the lead agency of a task, the recipients of a
# directive and an agency owing a period report are reminded these many days before the due date
# (a week ahead, then the day before: each once), and on the day after it is missed; after
# RESMON_ESCALATE_AFTER_DAYS overdue (0: never) the supervising level (the agency that assigned
# the task, issued the directive or accepts the report) is told who is overdue. A reminder whose
# day is more than RESMON_REMINDER_CATCH_UP_DAYS past is not sent late (no flood on a first run).
RESMON_REMIND_BEFORE_DAYS = tuple(
    int(d) for d in os.environ.get("RESMON_REMIND_BEFORE_DAYS", "7,1").split(",") if d.strip()
)
RESMON_ESCALATE_AFTER_DAYS = int(os.environ.get("RESMON_ESCALATE_AFTER_DAYS", "14"))
RESMON_REMINDER_CATCH_UP_DAYS = int(os.environ.get("RESMON_REMINDER_CATCH_UP_DAYS", "7"))

# Caches. "local" (per process): answers keyed on a stamp that changes whenever they may: the
# dashboards' (on the roll-ups' fold, resmon.dashboards.cache; kept RESMON_READ_CACHE_SECONDS at
# most, 0: off) and API tokens with their users (on the audit head, resmon.accounts.tokens).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "local": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "local",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}
RESMON_READ_CACHE_SECONDS = int(os.environ.get("RESMON_READ_CACHE_SECONDS", "60"))
# "ratelimit": the rate limits' counters, shared by all processes (a table made by `migrate`).
CACHES["ratelimit"] = {
    "BACKEND": "resmon.core.counters.CounterDatabaseCache",
    "LOCATION": "resmon_ratelimit_cache",
    "OPTIONS": {"MAX_ENTRIES": 100_000},
}

# Audit chain checkpoints: the head of the hash chain, HMAC-signed, in a file outside the database.
AUDIT_CHECKPOINT_PATH = Path(os.environ.get("AUDIT_CHECKPOINT_PATH", DATA_DIR / "audit-checkpoints.jsonl"))
AUDIT_CHECKPOINT_KEY = os.environ.get("AUDIT_CHECKPOINT_KEY", "")  # empty: SECRET_KEY signs them

# --- PDF signatures (resmon.exports.signing) -------------------------------------------------
# RESMON_SIGNING_P12: the signing certificate and key as PKCS#12 (.p12/.pfx), with its password in
# RESMON_SIGNING_P12_PASSWORD. Unset: the self-signed demo certificate that
# `manage.py make_demo_certificate` creates (never for real use). RESMON_TSA_URL: an RFC 3161
# timestamp server for the signing time; unset: the server clock. Verification never fetches.
SIGNING_DEMO_P12_PATH = DATA_DIR / "signing" / "demo-signer.p12"
SIGNING_P12_PATH = Path(os.environ.get("RESMON_SIGNING_P12") or SIGNING_DEMO_P12_PATH)
SIGNING_P12_PASSWORD = os.environ.get("RESMON_SIGNING_P12_PASSWORD", "")
SIGNING_TSA_URL = os.environ.get("RESMON_TSA_URL", "")
# --- end of PDF signatures ---------------------------------------------------------------------

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

# Logs go to standard error: the message alone (LOG_FORMAT=text, the default) or one JSON object a
# line (LOG_FORMAT=json: time, level, logger, message, request_id, and exc_info on errors).
# LOG_REQUESTS=1 adds one line per request (resmon.requests: route, status, duration, request id).
LOG_FORMAT = "json" if os.environ.get("LOG_FORMAT", "").lower() == "json" else "text"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "resmon.core.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
            "json_ensure_ascii": False,
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "resmon.requests": {"level": "INFO" if os.environ.get("LOG_REQUESTS", "") == "1" else "WARNING"},
    },
}

# Operations (docs/operations.md). /metrics answers the addresses or networks of
# METRICS_ALLOWED_IPS connecting directly, or a request with "Authorization: Bearer METRICS_TOKEN";
# anyone else gets a 404. /readyz says "stale" when a background job has waited longer than
# READYZ_QUEUE_MAX_WAIT seconds. `manage.py backup` writes its archives to RESMON_BACKUP_DIR.
METRICS_ALLOWED_IPS = [
    ip.strip() for ip in os.environ.get("METRICS_ALLOWED_IPS", "127.0.0.1,::1").split(",") if ip.strip()
]
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
READYZ_QUEUE_MAX_WAIT = int(os.environ.get("READYZ_QUEUE_MAX_WAIT", "600"))
BACKUP_DIR = Path(os.environ.get("RESMON_BACKUP_DIR", DATA_DIR / "backups"))

if ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast tests only
    # Tests read the English msgids; tests of the Vietnamese default override this explicitly.
    LANGUAGE_CODE = os.environ.get("TEST_LANGUAGE_CODE", "en")
    AXES_FAILURE_LIMIT = 5
    # per process in tests (tests/conftest.py empties it before each test)
    CACHES["ratelimit"] = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "ratelimit",
    }
