"""Sphères settings: one module, every deployment knob from the environment.

Development mode (SPHERES_DEMO=1, implied by DJANGO_DEBUG=1) is the embedded default: SQLite,
kombu's filesystem broker, the database cache, development-only secrets, MFA optional, plain http
on 127.0.0.1 and e-mails written to var/mail/. `make run` serves it with DEBUG off, so the demo
answers as production does (French error pages, no technical page). Production sets
DJANGO_SECRET_KEY, DATABASE_URL, CELERY_BROKER_URL, CACHE_URL, DJANGO_ALLOWED_HOSTS,
SPHERES_MFA_ENCRYPTION_KEY, SPHERES_RESEARCH_ID_KEY and EMAIL_URL; bad or missing values raise
ImproperlyConfigured with the variable's name.
"""

import base64
import hashlib
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from spheres.ratelimit import client_ip_settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("SPHERES_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def _bool(name: str, default: bool) -> bool:
    # django-environ reads any unknown word as False; a typo must not silently turn security off.
    raw = env.str(name, default=None)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (0/1, true/false), not {raw!r}.")


def _int(name: str, default: int) -> int:
    try:
        return env.int(name, default=default)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer.") from exc


DEBUG = _bool("DJANGO_DEBUG", False)
# Development mode, apart from DEBUG: the embedded defaults above and seed_demo's published
# password. Never on a deployment (a deploy check refuses it; docker-compose forces it off).
SPHERES_DEMO = _bool("SPHERES_DEMO", DEBUG)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not SPHERES_DEMO:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required outside development mode: set it to a long random value "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if SPHERES_DEMO else []
)
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is required outside development mode.")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "spheres.admin_site.SpheresAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",  # allauth's security-key list page loads it
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "guardian",
    "auditlog",
    "csp",
    "django_htmx",
    "bootstrap",
    "import_export",
    "django_zxcvbn_password_validator",  # its French messages
    "spheres",
    "referrals",
    "followups",
    "committees",
    "research",
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
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "spheres.middleware.SessionLifetimeMiddleware",
    "spheres.middleware.RequireMFAMiddleware",
    "spheres.middleware.NoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
]

ROOT_URLCONF = "spheres.urls"
WSGI_APPLICATION = "spheres.wsgi.application"

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
                "spheres.context_processors.navigation",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------------
try:
    DATABASES = {
        "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'spheres.sqlite3'}")
    }
except (ValueError, KeyError) as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: a new PostgreSQL connection per request costs a server process and cold
# catalogue caches — measured, more database CPU than all of a weekly-note save's queries. The
# health check (one round trip at a request's first query) replaces a connection the server
# closed (restart, idle timeout) instead of failing that request. 0 closes after each request.
DATABASES["default"]["CONN_MAX_AGE"] = _int("DATABASE_CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = _bool("DATABASE_CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the embedded worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # Tests on a file too, as the app runs: Django's default in-memory test database uses a
    # shared cache, whose table locks fail at once ("database table is locked") instead of
    # waiting, when a real Celery worker thread writes while the test reads.
    DATABASES["default"].setdefault("TEST", {}).setdefault(
        "NAME", str(VAR_DIR / "test-spheres.sqlite3")
    )
elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql") and not _bool(
    "SPHERES_PG_JIT", False
):
    # JIT compilation costs more than it saves on our short OLTP queries (measured: 56 of 104 ms
    # on the largest caseload query); SPHERES_PG_JIT=1 turns it back on.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: shared by every process (allauth's rate limits and used TOTP codes live here) -------
CACHE_URL = env.str("CACHE_URL", default="dbcache://spheres_cache")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "spheres",
        }
    }
elif CACHE_URL.startswith("dbcache://"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_URL.removeprefix("dbcache://") or "spheres_cache",
        }
    }
else:
    raise ImproperlyConfigured(
        "CACHE_URL must be redis://host:port/db or dbcache://table: a per-process cache would "
        "break login rate limits and single-use MFA codes."
    )

# --- Authentication ----------------------------------------------------------------------------
AUTH_USER_MODEL = "spheres.User"
AUTHENTICATION_BACKENDS = [
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Strength as an attacker would guess it (repeats, keyboard walks, dates, the person's own
    # name and e-mail address, which the validator takes from the account).
    {"NAME": "spheres.passwords.PersonalZxcvbnValidator"},
]
PASSWORD_MINIMAL_STRENGTH = 3  # zxcvbn's 0–4 scale: 3 = "safely unguessable" offline
PASSWORD_EXTRA_DICTIONARY = ["spheres", "sphères"]

ACCOUNT_ADAPTER = "spheres.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Sphères] "
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    # The key is the account *and* the client address (spheres.ratelimit): failures from an
    # attacker's address never lock the account's owner out from elsewhere.
    "login_failed": "10/m/ip,5/5m/key",
    # The account as a whole is only slowed down: a few failures in a short window, then a wait.
    "login_failed_account": "3/30s/key",
    "reset_password": "5/m/ip,3/5m/key",
    "reset_password_from_key": "20/m/ip",
    "reauthenticate": "10/m/user",
    "change_password": "5/m/user",
}
# The invitation link is the password-reset link: valid three days, single use.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

MFA_ADAPTER = "spheres.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = False  # a security key is a second factor here, not a password
# WebAuthn needs HTTPS; only development on http://localhost may relax that.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = _bool("SPHERES_WEBAUTHN_ALLOW_INSECURE_ORIGIN", SPHERES_DEMO)
MFA_TOTP_ISSUER = "Sphères"
MFA_RECOVERY_CODE_COUNT = 10
SPHERES_REQUIRE_MFA = _bool("SPHERES_REQUIRE_MFA", not SPHERES_DEMO)
_mfa_keys = env.list("SPHERES_MFA_ENCRYPTION_KEY", default=[])
if not _mfa_keys:
    if not SPHERES_DEMO:
        raise ImproperlyConfigured(
            "SPHERES_MFA_ENCRYPTION_KEY is required outside development mode: a Fernet key (python "
            "-c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')."
        )
    _mfa_keys = [base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()]
SPHERES_MFA_ENCRYPTION_KEYS = _mfa_keys  # first key encrypts; all keys decrypt (rotation)

# Research IDs in the de-identified export are HMAC-SHA256 of an internal id under this key: stable
# from one export to the next (waves can be linked), meaningless without it. Never rotate it
# casually: a new key gives every participant a new research ID.
SPHERES_RESEARCH_ID_KEY = env.str("SPHERES_RESEARCH_ID_KEY", default="")
if not SPHERES_RESEARCH_ID_KEY:
    if not SPHERES_DEMO:
        raise ImproperlyConfigured(
            "SPHERES_RESEARCH_ID_KEY is required outside development mode: a long random value "
            "(python -c 'import secrets; print(secrets.token_urlsafe(48))'), kept apart from the "
            "exports."
        )
    SPHERES_RESEARCH_ID_KEY = hashlib.sha256(b"research-id:" + SECRET_KEY.encode()).hexdigest()

# Guardian: no anonymous user object; object permissions only through our own services.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

# --- Sessions: 30 minutes idle, 12 hours absolute ----------------------------------------------
SESSION_COOKIE_AGE = _int("SPHERES_SESSION_IDLE_SECONDS", 30 * 60)
# Activity renews the idle expiry, but the session row is written at most once a minute
# (spheres.middleware.SessionLifetimeMiddleware), not on every request.
SESSION_SAVE_EVERY_REQUEST = False
SPHERES_SESSION_RENEW_SECONDS = _int("SPHERES_SESSION_RENEW_SECONDS", 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SPHERES_SESSION_ABSOLUTE_SECONDS = _int("SPHERES_SESSION_ABSOLUTE_SECONDS", 12 * 3600)

# --- Security ----------------------------------------------------------------------------------
_secure = not SPHERES_DEMO
SECURE_SSL_REDIRECT = _bool("DJANGO_SECURE_SSL_REDIRECT", _secure)
SECURE_HSTS_SECONDS = _int("DJANGO_SECURE_HSTS_SECONDS", 31536000 if _secure else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", _secure)
# Preload is a commitment (browsers hard-code the domain): only once the domain is submitted.
SECURE_HSTS_PRELOAD = _bool("DJANGO_SECURE_HSTS_PRELOAD", False)
# check --deploy would warn about it (security.W021): preload is opt-in, as above.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if _bool("DJANGO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The client's address (login rate limits) behind the reverse proxy: see spheres/ratelimit.py.
ALLAUTH_TRUSTED_PROXY_COUNT, ALLAUTH_TRUSTED_CLIENT_IP_HEADER = client_ip_settings(
    proxy_count=_int("SPHERES_TRUSTED_PROXY_COUNT", 0),
    client_ip_header=env.str("SPHERES_TRUSTED_CLIENT_IP_HEADER", default=""),
    behind_proxy=_bool("DJANGO_BEHIND_TLS_PROXY", False),
)
SESSION_COOKIE_SECURE = _bool("DJANGO_SECURE_COOKIES", _secure)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Stop receiving a file past this size rather than spooling the whole body to disk first.
SPHERES_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "spheres.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Signed forms are readable by the application's user only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Uploads (signed consent forms) live outside any URL and are served by permission-checked views.
PRIVATE_STORAGE_ROOT = Path(
    env.str("SPHERES_PRIVATE_STORAGE_ROOT", default=str(VAR_DIR / "private"))
)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_STORAGE_ROOT), "base_url": None},
    },
    "staticfiles": {
        # Hashed, compressed files need `collectstatic`; development and tests use the finders.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if _bool("SPHERES_STATIC_MANIFEST", not SPHERES_DEMO)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "fr-ca"
LANGUAGES = [("fr-ca", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["spheres.formats"]  # fr_CA dates and times as Django should write them
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "America/Montreal"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Development mode serves static files through the app, from the finders (no collectstatic).
WHITENOISE_USE_FINDERS = SPHERES_DEMO

# --- E-mail ------------------------------------------------------------------------------------
if SPHERES_DEMO and not env.str("EMAIL_URL", default=""):
    # Development mode writes each e-mail to a file in var/mail/ (the README names the folder).
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
else:
    if not env.str("EMAIL_URL", default=""):
        # No silent fallback: printed to the console, invitations and password-reset links
        # would end up in the logs.
        raise ImproperlyConfigured(
            "EMAIL_URL is required outside development mode (smtp+tls://user:password@host:587)."
        )
    try:
        vars().update(env.email_url("EMAIL_URL"))
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"EMAIL_URL is not a valid e-mail URL: {exc}") from exc
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Sphères <no-reply@spheres.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery: JSON only, ids only in arguments ---------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = _bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = TIME_ZONE
# The worker logs through LOGGING above (its redacting formatter), not handlers of its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Follow-ups become inactive after this many failed attempts since the last successful contact.
SPHERES_INACTIVITY_FAILED_ATTEMPTS = _int("SPHERES_INACTIVITY_FAILED_ATTEMPTS", 2)
SPHERES_INACTIVITY_CHECK_MINUTES = _int("SPHERES_INACTIVITY_CHECK_MINUTES", 60)
# Committee agendas are refreshed from their sources until each meeting starts.
SPHERES_AGENDA_REFRESH_MINUTES = _int("SPHERES_AGENDA_REFRESH_MINUTES", 15)
SPHERES_AGENDA_HORIZON_DAYS = _int("SPHERES_AGENDA_HORIZON_DAYS", 60)
CELERY_BEAT_SCHEDULE = {
    "flag-unreachable-followups": {
        "task": "followups.tasks.flag_unreachable_followups",
        "schedule": SPHERES_INACTIVITY_CHECK_MINUTES * 60,
    },
    "missing-notes-reminder": {
        "task": "followups.tasks.send_missing_notes_reminders",
        # Mondays at 8:00, Montréal time.
        "schedule": crontab(minute=0, hour=8, day_of_week="mon"),
    },
    "refresh-committee-agendas": {
        "task": "committees.tasks.refresh_agendas",
        "schedule": SPHERES_AGENDA_REFRESH_MINUTES * 60,
    },
}
# --- Research export ---------------------------------------------------------------------------
# Every combination of quasi-identifiers occurs at least this many times (k-anonymity); the
# program's promise is k >= 5, so a smaller value is refused.
SPHERES_RESEARCH_K = _int("SPHERES_RESEARCH_K", 5)
if SPHERES_RESEARCH_K < 5:
    raise ImproperlyConfigured("SPHERES_RESEARCH_K must be at least 5.")
# Records still in too-small groups after generalisation are suppressed only while they are at
# most this share of the export (percent); beyond it, quasi-identifiers are generalised further.
SPHERES_RESEARCH_MAX_SUPPRESSION_PERCENT = _int("SPHERES_RESEARCH_MAX_SUPPRESSION_PERCENT", 5)
if not 0 <= SPHERES_RESEARCH_MAX_SUPPRESSION_PERCENT <= 100:
    raise ImproperlyConfigured("SPHERES_RESEARCH_MAX_SUPPRESSION_PERCENT must be 0 to 100.")
SPHERES_RESEARCH_EXPORT_HOURS = _int("SPHERES_RESEARCH_EXPORT_HOURS", 24)
# A build still running after this long had its worker killed: it ends as failed.
SPHERES_RESEARCH_EXPORT_STALE_MINUTES = _int("SPHERES_RESEARCH_EXPORT_STALE_MINUTES", 120)
CELERY_BEAT_SCHEDULE["research-export-purge"] = {
    "task": "research.tasks.research_exports_purge",
    "schedule": 15 * 60,
}
# An uploaded legacy workbook not confirmed within this many hours is deleted.
SPHERES_LEGACY_IMPORT_HOURS = _int("SPHERES_LEGACY_IMPORT_HOURS", 24)
CELERY_BEAT_SCHEDULE["legacy-import-purge"] = {
    "task": "research.tasks.legacy_imports_purge",
    "schedule": 15 * 60,
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Admin and audit ---------------------------------------------------------------------------
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = True  # an IP address is personal data we do not need here

# --- Logging: ids only, never names ------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # No personal data in logs: exceptions are named by their class, never their message.
    "formatters": {
        "plain": {
            "()": "spheres.logs.RedactingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        # Request errors would log the full request (POST data included): log the path only.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

SPHERES_DEMO_PASSWORD = env.str("SPHERES_DEMO_PASSWORD", default="Spheres-demo-2026")

# Absolute links in e-mails (invitations); the request is not available in a worker.
SPHERES_BASE_URL = env.str("SPHERES_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
FORM_RENDERER = "spheres.forms_rendering.SpheresFormRenderer"

# Dashboards: counts from 1 to this minus one show as "< N" to everyone but the coordinator.
SPHERES_SMALL_COUNT_THRESHOLD = _int("SPHERES_SMALL_COUNT_THRESHOLD", 5)
if SPHERES_SMALL_COUNT_THRESHOLD < 2:
    raise ImproperlyConfigured("SPHERES_SMALL_COUNT_THRESHOLD must be at least 2.")
