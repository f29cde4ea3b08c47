"""Healthscore settings: one file, every deploy-time value read from the environment.

See README.md, "Configuration", for the variables. The helpers in ``env.py``
refuse malformed values with a message naming the variable.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from healthscore.env import (
    env_bool,
    env_choice,
    env_header_pair,
    env_int,
    env_list,
    env_str,
    env_timezone,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false")
    SECRET_KEY = "insecure-dev-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000", schemes=("http", "https")).rstrip("/")

# --- Security: secure by default when DEBUG is off; each one overridable by its Django name ----------
# (`manage.py check --deploy` passes with only DEBUG=false, SECRET_KEY and ALLOWED_HOSTS set.)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe these over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
# "HTTP_X_FORWARDED_PROTO,https" behind a TLS-terminating proxy that sets (and strips) that header.
SECURE_PROXY_SSL_HEADER = env_header_pair("SECURE_PROXY_SSL_HEADER", None)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = env_choice("SESSION_COOKIE_SAMESITE", "Lax", choices=("Lax", "Strict"))
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 3600, minimum=300)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = env_str("SECURE_REFERRER_POLICY", "same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # the health badge opts out (it is made to be framed by helpdesks)
# Content-Security-Policy (django-csp): our own scripts and styles only, no inline script, no eval.
# The one inline <style> (validation pages) carries the request's nonce. Two views widen style-src
# with a decorator: the embeddable health badge (self-contained inline styles, no script) and the
# Swagger UI of /api/docs/ (its React components set style attributes).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    },
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "axes",
    "csp",
    "healthscore",
    "accounts",
    "scoring",
    "playbooks",
    "support",
    "integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files straight from the web process, hashed names cached for a year (no nginx needed).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the rest: refuses NUL in query parameters and maps bad input / a lost database (errors.py).
    "healthscore.errors.ErrorResponseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: turns a locked-out login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "healthscore.urls"
WSGI_APPLICATION = "healthscore.wsgi.application"
ASGI_APPLICATION = "healthscore.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "healthscore.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
_default_db = f"sqlite:///{BASE_DIR / 'healthscore.sqlite3'}"
DATABASE_URL = env_url("DATABASE_URL", _default_db, schemes=("sqlite", "postgres", "postgresql"))
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0, minimum=0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; the timeout makes
    # a writer wait for the other process's lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10, minimum=8)}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes) on /login/ and the admin: after AXES_FAILURE_LIMIT wrong passwords
# for one username from one address, that pair is locked out (429) for AXES_COOLOFF_MINUTES, even
# with the right password. Counts live in the shared cache, so every web process sees them.
AUTHENTICATION_BACKENDS = [
    "healthscore.auth_backends.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The address is REMOTE_ADDR (a client can forge X-Forwarded-For); behind a proxy that makes the
# lockout per username, still never more tries than the limit.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- I18N / time ----------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_timezone("TIME_ZONE", "UTC")
USE_I18N = True
# Our own date formats (healthscore/formats/en): one format across the workspace and the admin.
FORMAT_MODULE_PATH = ["healthscore.formats"]
USE_TZ = True

# --- Static ---------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves collected files with content-hashed names (collectstatic builds the manifest);
# the demo and the test suite serve the source files as they are.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Email / notifications -------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "healthscore@localhost")
SLACK_WEBHOOK_URL = env_url("SLACK_WEBHOOK_URL", None, schemes=("http", "https"))

# --- Background work (django-q2) and the shared cache -------------------------
REDIS_URL = env_url("REDIS_URL", None, schemes=("redis", "rediss"))
# One cache shared by every web and worker process: the API throttles, the login throttling and
# django-q2's cluster status. Redis when REDIS_URL is set, else a table in the database
# (created by `migrate`, see healthscore/apps.py). A per-process cache would let each process
# grant the full rate.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": "hs"}}
else:
    CACHES = {"default": {"BACKEND": "healthscore.cache.DatabaseCache", "LOCATION": "healthscore_cache"}}
Q_WORKERS = env_int("Q_WORKERS", 2, minimum=1, maximum=64)
Q_CLUSTER = {
    "name": "healthscore",
    "workers": Q_WORKERS,
    # The longest task is a chunk of the daily recompute; timeout must stay
    # below retry, or a slow task would be handed to a second worker while
    # the first is still running it.
    "timeout": 300,
    "retry": 360,
    "max_attempts": 3,
    "queue_limit": 50,
    "bulk": 10,
    "save_limit": 1000,
    "catch_up": False,
    "poll": 0.2,
    "label": "Background tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
# Tests run tasks synchronously unless a test starts a real worker.
Q_SYNC = env_bool("Q_SYNC", False)
if Q_SYNC:
    Q_CLUSTER["sync"] = True

# --- Scoring ---------------------------------------------------------------
# A score move of at least this many points writes a change-log entry even
# when the tier does not change.
SCORE_CHANGE_MIN_POINTS = env_int("SCORE_CHANGE_MIN_POINTS", 5, minimum=1, maximum=100)
RECOMPUTE_CHUNK_SIZE = env_int("RECOMPUTE_CHUNK_SIZE", 2000, minimum=10)
# The daily run: accounts per chunk (small, so every worker takes a share), and how long a chunk
# may run (or a run stand still) before the watchdog re-enqueues it. Keep the lease above the
# longest chunk; Q_CLUSTER's timeout (300 s) kills a chunk long before the default lease.
DAILY_CHUNK_SIZE = env_int("DAILY_CHUNK_SIZE", 500, minimum=1)
DAILY_CHUNK_LEASE_SECONDS = env_int("DAILY_CHUNK_LEASE_SECONDS", 360, minimum=1)
# manage.py schedule_clock looks at the schedules this often (a qcluster alone: every 30 s).
SCHEDULE_CLOCK_SECONDS = env_int("SCHEDULE_CLOCK_SECONDS", 1, minimum=1)

# --- API -----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "support.api_auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON in, JSON out: one bounded parser (size and nesting limits), no browsable HTML pages.
    "DEFAULT_PARSER_CLASSES": ["healthscore.json_parser.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "EXCEPTION_HANDLER": "healthscore.errors.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {"token": env_str("API_THROTTLE_RATE", "600/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Healthscore API",
    "DESCRIPTION": "Push signals, accounts, tickets and outcomes; read health scores.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}
# The largest request body (API JSON and form posts) in bytes: a 5,000-item batch is about 1 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024, minimum=1024)
# The admin's CSV upload (a background job, support/import_jobs.py): the largest file accepted, in bytes.
CSV_UPLOAD_MAX_BYTES = env_int("CSV_UPLOAD_MAX_BYTES", 64 * 1024 * 1024, minimum=1024)
BADGE_SIGNING_MAX_AGE = env_int("BADGE_SIGNING_MAX_AGE", 3600, minimum=60)
# Helpdesk webhooks: how far a signed timestamp (Zendesk) may be from our clock, in seconds.
INTEGRATIONS_SIGNATURE_WINDOW = env_int("INTEGRATIONS_SIGNATURE_WINDOW", 300, minimum=30)

# --- Operations -------------------------------------------------------------
# /metrics (Prometheus) answers only with "Authorization: Bearer $METRICS_TOKEN" (or to a superuser).
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
# /readyz turns unhealthy when the stalest active account was last scored longer ago than this.
DAILY_RUN_MAX_AGE_HOURS = env_int("DAILY_RUN_MAX_AGE_HOURS", 26, minimum=1)

LOG_FORMAT = env_str("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'text' or 'json', not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "healthscore.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}, "axes": {"level": "WARNING"}},
}
