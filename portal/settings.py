"""Settings, read from environment variables.

Production defaults are safe; development conveniences apply only with DEBUG=true.
Every variable is documented in README.md ("Configuration").
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
try:  # the embedded defaults keep their SQLite files, broker and mail here
    VAR_DIR.mkdir(parents=True, exist_ok=True)
except OSError:  # a read-only image configured by environment needs none of it
    pass


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("DSR_TESTING", False)

# Development-only keys. They are refused unless DEBUG (or the test run) is on.
_DEV_SECRET_KEY = "dev-insecure-secret-key-do-not-use-in-production"
_DEV_PII_KEY = "ZGV2LWluc2VjdXJlLXBpaS1lbmNyeXB0aW9uLWtleSE="  # 32 bytes, base64
_DEV_HASH_KEY = "dev-insecure-personnummer-lookup-key"

SECRET_KEY = env("SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG or TESTING else None)
# Fernet keys for personal numbers at rest, newest first: a key rotation adds the new
# key in front and then runs `manage.py rotate_pii_keys` (README, "Key rotation").
PII_ENCRYPTION_KEYS = env_list("PII_ENCRYPTION_KEYS") or (
    [_DEV_PII_KEY] if DEBUG or TESTING else []
)
# HMAC key for the look-up hash of personal numbers. Changing it orphans every hash
# (the suppression list included), so it is not rotated with the encryption keys.
PII_HASH_KEY = env("PII_HASH_KEY") or (_DEV_HASH_KEY if DEBUG or TESTING else None)

if not SECRET_KEY or not PII_ENCRYPTION_KEYS or not PII_HASH_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY, PII_ENCRYPTION_KEYS and PII_HASH_KEY must be set when DEBUG is off "
        "(see README.md, Configuration)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
PORTAL_BASE_URL = env("PORTAL_BASE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "rights_requests.staff.apps.StaffAdminConfig",  # the admin, with a second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from 'self', no CDN
    "portal",
    "datamap",
    "identity",
    "consent",
    "retention",
    "rights_requests",
    "rights_requests.api.apps.ApiConfig",
    # Staff sign-in with a second factor: TOTP apps and one-time recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost but one, so that every answer gets the CSP, even one made by a
    # middleware below (a CSRF failure, a redirect, a refused NUL).
    "portal.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Databases. The default is a SQLite file for `make run`; production sets DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    ),
    # The demo customer information system (CIS) that the SQL connector reaches. It is
    # a separate database on purpose: the portal never migrates it or joins against it.
    "cis": dj_database_url.parse(
        env("CIS_DATABASE_URL", f"sqlite:///{VAR_DIR / 'demo_cis.sqlite3'}"),
    ),
}
for _db in DATABASES.values():
    if _db["ENGINE"] == "django.db.backends.sqlite3":
        # Worker, beat and web share the file: wait for locks instead of failing.
        _db.setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
        _db["CONN_MAX_AGE"] = 0
DATABASE_ROUTERS = ["portal.routers.CisRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: Swedish first, English one click away.
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
if DEBUG or TESTING:  # WhiteNoise serves from STATIC_ROOT and warns when it is missing
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Generated files and uploads hold personal data: they live outside the web root and
# are served only through views that check permission (never through MEDIA_URL).
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG and not TESTING
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# E-mail. Development writes messages to files under var/mail so that codes can be read.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "no-reply@dsr-portal.invalid")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Security. Production is HTTPS only; DEBUG relaxes what needs TLS.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", True) else None
)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG and not TESTING)
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG and not TESTING
CSRF_COOKIE_SECURE = not DEBUG and not TESTING
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(env("SESSION_COOKIE_AGE", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"

# Logging: personal numbers are masked by a filter on every handler.
LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_pii": {"()": "datamap.pii.PersonalNumberLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_pii"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "celery": {"level": LOG_LEVEL},
    },
}

# REST API (rights_requests/api/): systems with a token, customers with their session.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "rights_requests.api.schema.ApiAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rights_requests.api.authentication.ApiClientAuthentication",
        "rights_requests.api.authentication.CustomerSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rights_requests.api.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "rights_requests.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "rights_requests.api.errors.exception_handler",
    "URL_FORMAT_OVERRIDE": None,  # JSON only; no ?format= switching
    "DEFAULT_THROTTLE_CLASSES": [
        "rights_requests.api.throttling.SystemRateThrottle",
        "rights_requests.api.throttling.CustomerRateThrottle",
        "rights_requests.api.throttling.AnonymousRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "system": env("API_RATE_SYSTEM", "1200/min"),
        "customer": env("API_RATE_CUSTOMER", "120/min"),
        "anon": env("API_RATE_ANON", "60/min"),
        # Look-ups by personal number: a lower budget against trawling.
        "consent_lookup": env("API_RATE_CONSENT_LOOKUP", "300/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "DSR portal API",
    "DESCRIPTION": (
        "Data-subject-rights requests for the utility's systems (a token per system, "
        "scoped to companies) and for signed-in customers. Personal numbers are accepted "
        "in request bodies and never returned."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ChannelEnum": "rights_requests.models.Channel",
        "SystemChannelEnum": "rights_requests.api.serializers.SYSTEM_CHANNELS",
        "RightEnum": "rights_requests.models.Right",
        "IdentityLevelEnum": "identity.levels.IdentityLevel",
        "StatusEnum": "rights_requests.models.Status",
    },
}

# Cache: rate limits (identity, API throttles) count in it, so several web processes
# must share one: CACHE_URL=redis://host:6379/1 in production. The default is per process.
CACHE_URL = env("CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Celery. Embedded default: kombu's filesystem transport under var/broker, so that
# `make run` needs no service. Production: CELERY_BROKER_URL=redis://...
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://localhost//")
_filesystem_broker = CELERY_BROKER_URL.startswith("filesystem")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # The worker looks again this often when it may take no more messages (one
        # unacknowledged task per process): at kombu's default of 1 s, `make run` ran two
        # tasks a second while a backlog waited (the demo data's notices, say).
        "polling_interval": 0.1,
    }
    if _filesystem_broker
    else {
        # Longer than the longest task (an extract of ten years of readings), so a
        # message is not redelivered to a second worker while the first still runs.
        "visibility_timeout": int(env("CELERY_VISIBILITY_TIMEOUT", "3600")),
        "socket_timeout": 10,
        "socket_connect_timeout": 5,
        "retry_on_timeout": True,
        "health_check_interval": 30,
    }
)
if _filesystem_broker:  # kombu's filesystem transport expects its folders to exist
    for _folder in ("queue", "processed", "control"):
        try:
            (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
        except OSError:
            pass
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 5
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 3000
CELERY_TASK_SOFT_TIME_LIMIT = 2700
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The one beat schedule: every periodic sweep of the portal is listed here.
CELERY_BEAT_SCHEDULE = {
    "deadline-sweep": {
        "task": "rights_requests.tasks.deadline_sweep",
        "schedule": timedelta(seconds=int(env("DEADLINE_SWEEP_SECONDS", "300"))),
    },
    "deadline-sweep-after-midnight": {
        "task": "rights_requests.tasks.deadline_sweep",
        "schedule": crontab(hour=0, minute=5),
    },
}

# Domain settings.
# Build the register extract and the portability export, and carry out an objection, as
# soon as a request's identity suffices (rights_requests.workflow._queue_fulfilment).
DSR_FULFIL_ON_START = env_bool("DSR_FULFIL_ON_START", True)
DSR_DUE_SOON_DAYS = int(env("DSR_DUE_SOON_DAYS", "7"))
DSR_INTERNAL_TARGET_WORKING_DAYS = int(env("DSR_INTERNAL_TARGET_WORKING_DAYS", "10"))
# EDPB-GL §159: a pause counts only if the identity question went out "without undue
# delay"; the policy reads that as within this many working days of receipt (R9).
DSR_PROMPT_IDENTITY_ASK_WORKING_DAYS = int(env("DSR_PROMPT_IDENTITY_ASK_WORKING_DAYS", "2"))

# Staff sign-in (rights_requests/staff/auth.py): a second factor for the admin, and a
# lockout after repeated failures per username, counted in the database.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "DSR portal")
STAFF_LOCKOUT_FAILURES = int(env("STAFF_LOCKOUT_FAILURES", "5"))
STAFF_LOCKOUT_MINUTES = int(env("STAFF_LOCKOUT_MINUTES", "15"))
STAFF_RECOVERY_CODES = 10

# Identity (identity/): customer sign-in with e-identification over OpenID Connect
# (BankID, Freja eID+ through a broker) or a one-time code by e-mail.
OIDC_ISSUER = env("OIDC_ISSUER", "")  # exactly as the provider names itself
OIDC_CLIENT_ID = env("OIDC_CLIENT_ID", "")
OIDC_CLIENT_SECRET = env("OIDC_CLIENT_SECRET", "")
OIDC_SCOPES = env("OIDC_SCOPES", "openid profile")
# The claim that carries the personal number; the Swedish OIDC profile's claim
# (https://id.oidc.se/claim/personalNumber) is accepted as well.
OIDC_PERSONAL_NUMBER_CLAIM = env("OIDC_PERSONAL_NUMBER_CLAIM", "personal_number")
# Space-separated acr values to ask for and require, e.g. http://id.elegnamnden.se/loa/1.0/loa3.
OIDC_ACR_VALUES = env("OIDC_ACR_VALUES", "")
OIDC_TOKEN_ENDPOINT_AUTH_METHOD = env("OIDC_TOKEN_ENDPOINT_AUTH_METHOD", "client_secret_basic")
# The demonstration provider ("Test e-identification (demo only)") mounted at
# /identity/dev-eid/: on by default in development without OIDC_ISSUER; a system check
# (identity.E001) refuses it without DEBUG, and it is never served then.
DEV_EID_ENABLED = env_bool("DEV_EID_ENABLED", DEBUG and not OIDC_ISSUER)
# A customer session ends after SESSION_COOKIE_AGE idle seconds, and in any case this
# many seconds after sign-in.
IDENTITY_SESSION_MAX_AGE = int(env("IDENTITY_SESSION_MAX_AGE", str(2 * 60 * 60)))
# Reverse proxies in front of the portal that append to X-Forwarded-For (for per-address
# rate limits). 0: use the connection's address.
IDENTITY_TRUSTED_PROXY_COUNT = int(env("IDENTITY_TRUSTED_PROXY_COUNT", "0"))
# Largest accepted proof of a representative's authority (bytes).
IDENTITY_PROOF_MAX_BYTES = int(env("IDENTITY_PROOF_MAX_BYTES", str(10 * 1024 * 1024)))
CELERY_BEAT_SCHEDULE["identity-prune"] = {
    "task": "identity.tasks.prune",
    "schedule": crontab(hour=3, minute=17),
}

# Outbox, reminders and escalation (rights_requests/outbox.py, reminders.py). Every effect
# (e-mail, extract, export, connector call) is a row written with the change; a pending
# row is queued again after DSR_OUTBOX_REQUEUE_SECONDS (a broker outage, a killed worker).
DSR_OUTBOX_REQUEUE_SECONDS = int(env("DSR_OUTBOX_REQUEUE_SECONDS", "300"))
DSR_OUTBOX_LEASE_SECONDS = int(env("DSR_OUTBOX_LEASE_SECONDS", "300"))  # one e-mail's send
DSR_OUTBOX_MAX_ATTEMPTS = int(env("DSR_OUTBOX_MAX_ATTEMPTS", "8"))
DSR_REMINDER_WORKING_DAYS = int(env("DSR_REMINDER_WORKING_DAYS", "5"))
DSR_ESCALATE_UNASSIGNED_WORKING_DAYS = int(env("DSR_ESCALATE_UNASSIGNED_WORKING_DAYS", "2"))
DSR_DPO_ALERT_WORKING_DAYS = int(env("DSR_DPO_ALERT_WORKING_DAYS", "5"))
# Requests a company answers per working day at least, for the extension proposals.
DSR_MIN_DAILY_CAPACITY = float(env("DSR_MIN_DAILY_CAPACITY", "1"))
CELERY_BEAT_SCHEDULE["outbox-sweep"] = {
    "task": "rights_requests.tasks.outbox_sweep",
    "schedule": timedelta(seconds=int(env("OUTBOX_SWEEP_SECONDS", "60"))),
}
CELERY_BEAT_SCHEDULE["reminder-sweep"] = {
    "task": "rights_requests.tasks.reminder_sweep",
    "schedule": crontab(minute=10),
}

# Retention (retention/): the nightly sweep erases or anonymises what is past its rule
# (`manage.py retention_sweep --dry-run` shows what it would do). Closed requests, with
# their messages, are anonymised this many years after they were closed.
RETENTION_CLOSED_REQUEST_YEARS = int(env("RETENTION_CLOSED_REQUEST_YEARS", "3"))
CELERY_BEAT_SCHEDULE["retention-sweep"] = {
    "task": "retention.tasks.nightly_sweep",
    "schedule": crontab(hour=2, minute=30),
}

# Register extracts, data exports and the daily print batch (rights_requests/fulfilment/).
# Files are kept DSR_ARTIFACT_DAYS days for download (legal-rules.md R15); the letters of
# a day go to the printing company as one PDF after midnight (`manage.py print_batch`).
DSR_ARTIFACT_DAYS = int(env("DSR_ARTIFACT_DAYS", "30"))
CELERY_IMPORTS = ["rights_requests.fulfilment.tasks"]
CELERY_BEAT_SCHEDULE["print-batch"] = {
    "task": "rights_requests.fulfilment.tasks.print_batch",
    "schedule": crontab(hour=0, minute=30),
}
