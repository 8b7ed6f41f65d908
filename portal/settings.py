"""Settings for the family medical-insurance portal.

Everything that differs between a laptop, CI and production is read from the
environment here, in one place (12-factor). With nothing set, the portal uses
the embedded PostgreSQL and Redis that `make run` starts from pip wheels, on Unix
sockets under ``var/run`` (portal/embedded.py): the same engines as production.
Production sets at least ``SECRET_KEY``, ``DEBUG=0``,
``ALLOWED_HOSTS``, ``DATABASE_URL`` and ``REDIS_URL`` (see README.md).
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from core.logs import logging_config
from portal import embedded

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

# A fixed development key is only acceptable when DEBUG is on; `check --deploy`
# flags it (security.W009) so production cannot miss setting a real one.
SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-dev-only-key-change-me"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"

# HTTPS hardening is on by default outside DEBUG. Tests and the local run turn it
# off explicitly (HTTPS_ONLY=0) because they talk plain HTTP to localhost.
HTTPS_ONLY = env_bool("HTTPS_ONLY", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS_ONLY
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000 if HTTPS_ONLY else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS_ONLY
SECURE_HSTS_PRELOAD = HTTPS_ONLY
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies stand in front of the portal, each appending the address it
# saw to X-Forwarded-For: the visitor's address is that many entries from the
# right (portal.security.client_ip). 1: the TLS proxy alone; 2: a CDN and it.
TRUSTED_PROXY_HOPS = max(env_int("TRUSTED_PROXY_HOPS", 1), 1)
# /healthz answers plain HTTP so load balancers can probe the app directly.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "portal.vendor_apps.LockoutsConfig",  # django-axes
    "django_otp",
    "portal.vendor_apps.AuthenticatorsConfig",  # django_otp.plugins.otp_totp
    "portal.vendor_apps.RecoveryCodesConfig",  # django_otp.plugins.otp_static
    "portal",
    "core",
    "accounts",
    "wallet",
    "claims",
    "bulk",
]

MIDDLEWARE = [
    "core.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.PortalLocaleMiddleware",
    # Before anything reads a field: NUL bytes and overlong fields get a 400
    # (a page in the visitor's language, hence after the locale).
    "core.hostile.HostileInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.middleware.PrivatePagesMiddleware",
    "portal.middleware.SessionLimitsMiddleware",
    "portal.devices.KnownDeviceMiddleware",  # A5: a login from a new device is told
    "portal.middleware.PasskeyMiddleware",  # A10: a login with passkeys finishes with one
    "portal.middleware.StaffSecondFactorMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its answer.
    "axes.middleware.AxesMiddleware",
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
                "portal.context_processors.portal",
            ],
        },
    },
]

# PostgreSQL through psycopg 3 (DATABASE_URL=postgres://user@host:5432/name); with
# nothing set, the embedded server `make run` starts (portal/embedded.py).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or embedded.database_url(VAR_DIR),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", 60)),
        conn_health_checks=True,
    )
}
# The hottest hand-written statements (wallet transfers) are prepared once per
# connection (core/db.py); the ORM's client-side-binding cursors never prepare,
# whatever this says. Turn it off behind a transaction-mode pooler that cannot
# follow prepared statements (PgBouncer before 1.21).
if env_bool("PORTAL_PREPARED_STATEMENTS", True):
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A test clock for staging and demos (core/clock.py): lets an operator move the
# portal's time. Never in production: `check --deploy` refuses it there.
PORTAL_TEST_CLOCK = env_bool("PORTAL_TEST_CLOCK", False)
# Four eyes (S2, core/four_eyes.py): a refund or an out-of-pocket claim above this
# amount, and more than this many lockouts lifted by one person a day, need a
# second member of staff.
FOUR_EYES_AMOUNT = os.environ.get("FOUR_EYES_AMOUNT", "5000.00")
FOUR_EYES_LOCKOUT_LIFTS = int(os.environ.get("FOUR_EYES_LOCKOUT_LIFTS", "5"))
# Whom an audit row is about (core.models.AuditEvent.person): the insured person.
AUDIT_PERSON_MODEL = "accounts.InsuredPerson"

# Django's checks, worded and translated by the portal (core/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "core.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "core.passwords.MinimumLengthValidator"},
    {"NAME": "core.passwords.CommonPasswordValidator"},
    {"NAME": "core.passwords.NumericPasswordValidator"},
]
# Log in by username or by the phone number on one's insurance record. django-axes
# comes first: it refuses a locked-out username or address before any password
# is checked (see "Login lockout" below).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "portal.security.LoginGateBackend",  # accounts' username-or-phone check, gated (A5)
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Simplified Chinese by default, English available; China Standard Time.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# The language chosen with the switcher is kept for a year on this browser (not
# only until it closes), and with the login (LoginPreference.language) for the
# next browser it signs in on.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Out-of-pocket claim documents (M1, claims/storage.py): private, never under
# MEDIA_ROOT. Local files by default; CLAIMS_DOCUMENT_STORAGE=s3 uses an
# S3-compatible store through django-storages (installed where it is used, with
# its AWS_* settings read from the environment by the backend).
if os.environ.get("CLAIMS_DOCUMENT_STORAGE", "") == "s3":
    STORAGES["claims_private"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("CLAIMS_DOCUMENT_BUCKET", "portal-claims"),
            "endpoint_url": os.environ.get("CLAIMS_DOCUMENT_ENDPOINT") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    STORAGES["claims_private"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(
                Path(os.environ.get("CLAIMS_DOCUMENT_ROOT", VAR_DIR / "private" / "claims"))
            ),
            "base_url": "/no-public-url/",
        },
    }
# Tests render pages without running collectstatic first.
WHITENOISE_MANIFEST_STRICT = False

# The cache holds the rate-limit counters (core/ratelimit.py) in Redis, so every
# web process counts together: REDIS_URL, or the embedded Redis of `make run`.
REDIS_URL = os.environ.get("REDIS_URL") or embedded.redis_url(VAR_DIR)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "portal"),
        # A Redis that does not answer must not hang a request (the rate
        # limiter then keeps its doors shut for a minute, core/ratelimit.py).
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
    }
}

# --- Read replica (core/replicas/) -------------------------------------------
# With REPLICA_DATABASE_URL (a PostgreSQL streaming replica of DATABASE_URL),
# read-only pages (statements, summary, bills list, exports, admin lists) read
# from it unless the person wrote in the last REPLICA_READ_YOUR_WRITES_SECONDS,
# or it is down or more than REPLICA_MAX_LAG_SECONDS behind (measured every
# REPLICA_CHECK_SECONDS per process). Without it: one database, nothing changes.
REPLICA_DATABASE_URL = os.environ.get("REPLICA_DATABASE_URL", "")
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 4)
REPLICA_CHECK_SECONDS = env_int("REPLICA_CHECK_SECONDS", 1)
REPLICA_READ_YOUR_WRITES_SECONDS = env_int("REPLICA_READ_YOUR_WRITES_SECONDS", 5)
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = dj_database_url.parse(
        REPLICA_DATABASE_URL,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    # A replica that is gone must not hold a page for long: the page reads
    # the primary instead. Tests mirror the primary's test database.
    DATABASES["replica"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "connect_timeout": 2,
    }
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["core.replicas.ReplicaRouter"]
    MIDDLEWARE.append("core.replicas.ReplicaMiddleware")
# -----------------------------------------------------------------------------

# Longest value of one query or form field (core/hostile.py): a longer one, or
# any NUL byte, gets a 400 before a view or a query sees it. Forms carry
# their own, smaller max_length.
REQUEST_FIELD_MAX_CHARS = env_int("REQUEST_FIELD_MAX_CHARS", 20_000)

# A proof of insurance's verify link (accounts/proof.py) works for this many
# days after the day of issue; then it says "expired" and shows no facts.
PROOF_VALID_DAYS = env_int("PROOF_VALID_DAYS", 90)

# Login lockout (django-axes, A5): LOGIN_FAILURE_LIMIT wrong passwords for one
# login (by username or phone) lock it for LOGIN_LOCKOUT_MINUTES;
# LOGIN_IP_FAILURE_LIMIT from one address across logins lock that address. The
# admin's login is guarded too. Administrators see and lift lockouts under
# "Axes" in the admin.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
# 25 per address = five times the per-login limit: a family shares one Wi-Fi
# (one address), and one member locking their own login after 5 wrong passwords
# must leave the others theirs (a household of five can each use all five tries).
# It still shuts an address that sprays passwords across logins after 25.
# Raise it further where many families share one address (a carrier's NAT).
LOGIN_IP_FAILURE_LIMIT = env_int("LOGIN_IP_FAILURE_LIMIT", 25)
AXES_HANDLER = "portal.security.LoginAttemptsHandler"
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A try during the lockout does not push its end further: the page says when.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.backends.axes_username"
AXES_CLIENT_IP_CALLABLE = "portal.security.client_ip"
AXES_LOCKOUT_CALLABLE = "portal.auth_views.locked_out"
# (second_password: the second member of staff approving a lockout's lift, S2.)
AXES_SENSITIVE_PARAMETERS = [
    "password",
    "password1",
    "password2",
    "otp_token",
    "code",
    "second_password",
]
AXES_VERBOSE = False

# Sessions: logged out after SESSION_IDLE_MINUTES without a request and, however
# active, SESSION_MAX_HOURS after logging in (portal/middleware.py says so on
# the login page and keeps a half-sent form).
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 12)
# The stored session outlives both limits by a day, so that the middleware, not
# a silent expiry, ends it and can say why (`clearsessions` removes old rows).
SESSION_COOKIE_AGE = (SESSION_MAX_HOURS + 24) * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Staff second factor (TOTP, django-otp): on by default outside DEBUG; `make run`
# turns it off for the demo. With it on, a staff login must enter a code from an
# authenticator app (or a recovery code) before any page; a first login enrols.
STAFF_2FA = env_bool("STAFF_2FA", not DEBUG)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Family insurance portal")
STAFF_2FA_RECOVERY_CODES = 10
# A staff member's first authenticator is enrolled through a one-time link
# another administrator issues (manage.py staff_enrol for the first one),
# valid this many hours.
STAFF_ENROL_LINK_HOURS = env_int("STAFF_ENROL_LINK_HOURS", 24)
# The SMS outbox in the admin shows one-time codes only in the demo (make run,
# DEBUG on), where the README's walkthrough reads them there; otherwise masked.
SMS_OUTBOX_SHOWS_CODES = env_bool("SMS_OUTBOX_SHOWS_CODES", DEBUG)
# The admin lists authenticators (to remove a lost one) but never shows their
# secret key, QR code or recovery codes: only the owner sees those, once.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Passkeys (WebAuthn) as a family login's second factor (A10). The relying
# party is the portal's host name unless PASSKEY_RP_ID names a parent domain
# (passkeys are bound to it: changing it later strands every one made before).
# A passkey only works on a host name, never on a bare IP address.
PASSKEY_RP_ID = os.environ.get("PASSKEY_RP_ID", "")
PASSKEY_RP_NAME = os.environ.get("PASSKEY_RP_NAME", "家庭医保")
PASSKEYS_PER_LOGIN = env_int("PASSKEYS_PER_LOGIN", 10)
# How long the browser has to answer one passkey request, in seconds.
PASSKEY_CHALLENGE_SECONDS = env_int("PASSKEY_CHALLENGE_SECONDS", 300)

# SMS sends (codes for sign-up, password reset, relatives): per phone and per
# login, at most one every SMS_INTERVAL_SECONDS and SMS_PER_DAY a day.
SMS_INTERVAL_SECONDS = env_int("SMS_INTERVAL_SECONDS", 60)
# Adding a relative: at most DEPENDENT_ADD_PER_DAY tries a day per login (A6),
# so its answers cannot be used to sweep ID numbers.
DEPENDENT_ADD_PER_DAY = env_int("DEPENDENT_ADD_PER_DAY", 10)
# The new-password page answers no sooner than RESET_ANSWER_MS after the request
# came, whether a login was found or not (A6): a found login does a few more
# writes (the text, its audit row), ~17 ms, which must not be measurable. Well
# above the slower path's usual time, so both answers take the floor.
RESET_ANSWER_MS = env_int("RESET_ANSWER_MS", 250)
# Adding a relative likewise answers no sooner than DEPENDENT_ANSWER_MS: a
# request that texts a real relative and one that matched no record take the
# same time (A6).
DEPENDENT_ANSWER_MS = env_int("DEPENDENT_ANSWER_MS", 250)
SMS_PER_DAY = env_int("SMS_PER_DAY", 10)
# Of a phone's SMS_PER_DAY, SMS_KEPT_FOR_SIGNED_IN are kept for texts its owner's
# own signed-in use brings (A6): a stranger at the sign-up or new-password door
# can spend at most the rest, never the owner's whole day.
SMS_KEPT_FOR_SIGNED_IN = env_int("SMS_KEPT_FOR_SIGNED_IN", 4)
# The doors that text without a login (sign-up, a new password): at most
# SMS_ANONYMOUS_PER_ADDRESS uses a day from one address (a household asks a few
# times; a script asks thousands), SMS_ANONYMOUS_PER_DAY for the whole portal
# (the SMS bill's ceiling when addresses rotate).
SMS_ANONYMOUS_PER_ADDRESS = env_int("SMS_ANONYMOUS_PER_ADDRESS", 20)
SMS_ANONYMOUS_PER_DAY = env_int("SMS_ANONYMOUS_PER_DAY", 5000)

# F3: a non-local registration starts today or later, and at most this many days
# ahead (a year). It is filed for a move or a planned stay; a start years away (2099) is a
# slip of the date picker, not a plan, and would block other filings (overlaps).
REGISTRATION_MAX_DAYS_AHEAD = env_int("REGISTRATION_MAX_DAYS_AHEAD", 365)

# Private pages: no inline script or style anywhere (static/js/portal.js holds
# the portal's few lines of script), nothing from other sites.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# Celery's broker: the same Redis (CELERY_BROKER_URL to use another).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or (
    REDIS_URL if os.environ.get("REDIS_URL") else embedded.broker_url(VAR_DIR)
)
# The longest job (a bulk batch of a million rows, a morning sweep of a million
# transfers) ends well within this hard limit (seconds); a soft limit a minute
# earlier lets it stop between chunks (every job resumes from its last commit).
TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", 3600))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis hands a message that was taken but not acknowledged to another
    # worker after this many seconds: longer than the longest job, or a job
    # still running would be started a second time.
    "visibility_timeout": 2 * TASK_TIME_LIMIT,
    # A broker that does not answer must not hang a web request for long.
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = False
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Surviving a killed worker. Every job is idempotent (each row or transfer is done
# exactly once however often a job runs), so a message is acknowledged only once
# its job has finished (acks_late) and handed back to the queue if the process
# running it dies (reject_on_worker_lost, set on each task): a job is never lost,
# at worst run again. A worker takes one message at a time (prefetch 1): a long
# job holds no others hostage while it runs, and a killed worker had only that one.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = TASK_TIME_LIMIT
CELERY_TASK_SOFT_TIME_LIMIT = TASK_TIME_LIMIT - 60
# A connection to the broker lost while a job runs: the job stops, and its message
# comes back (acks_late) instead of finishing unacknowledged (Celery 6's default).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# The worker logs through LOGGING below (JSON in production, the request id).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Sending a job to a broker that is down fails after a short try, not minutes of
# retries: the job outbox keeps the job and sends it again later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}

# The job outbox (core/jobs.py): a job whose worker shows no progress for this
# many minutes is presumed dead and sent again (each job is idempotent), at most
# JOBS_MAX_SENDS times. The relay that does it runs from beat every
# JOBS_RELAY_EVERY_SECONDS (60; portal/celery.py) and whenever a worker starts.
JOBS_STALLED_AFTER_MINUTES = float(os.environ.get("JOBS_STALLED_AFTER_MINUTES", 2))
JOBS_MAX_SENDS = int(os.environ.get("JOBS_MAX_SENDS", 6))

# Logs: one line per record on stderr, JSON in production (LOG_FORMAT=json, the
# default unless DEBUG), with the request id (core/logs.py); ID numbers, phone
# numbers and one-time codes are masked in every line.
LOG_FORMAT = os.environ.get("LOG_FORMAT") or ("plain" if DEBUG else "json")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}")
LOGGING = logging_config(
    json_lines=LOG_FORMAT == "json", level=os.environ.get("LOG_LEVEL", "INFO").upper()
)

# Admin-facing contact for `check --deploy`-style hardening; nothing is mailed in dev.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
