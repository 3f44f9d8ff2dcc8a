"""Django settings: embedded SQLite by default, PostgreSQL through JILIANG_DATABASE_URL."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("JILIANG_DATA_DIR", Path.cwd() / "var"))

# The key is never in the repository: take it from the environment, else keep a per-install
# random key in the data directory so sessions survive restarts of the demo.
SECRET_KEY = os.environ.get("JILIANG_SECRET_KEY", "")
if not SECRET_KEY:
    _key_file = DATA_DIR / "secret_key"
    if _key_file.exists():
        SECRET_KEY = _key_file.read_text().strip()
    else:
        SECRET_KEY = secrets.token_urlsafe(50)
        try:
            DATA_DIR.mkdir(parents=True, exist_ok=True)
            _key_file.write_text(SECRET_KEY)
            _key_file.chmod(0o600)
        except OSError:
            pass

# Production mode (JILIANG_PRODUCTION=1, or JILIANG_ENV=production): behind nginx with TLS,
# docs/deploy.md. It needs the key and the host names from the environment and turns on
# secure cookies, HSTS and the HTTPS redirect; the demo/dev mode serves plain http://127.0.0.1.
PRODUCTION = (
    os.environ.get("JILIANG_PRODUCTION", "0") == "1"
    or os.environ.get("JILIANG_ENV", "") == "production"
)
DEBUG = os.environ.get("JILIANG_DEBUG", "0") == "1" and not PRODUCTION
ALLOWED_HOSTS = os.environ.get("JILIANG_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
if PRODUCTION and not os.environ.get("JILIANG_ALLOWED_HOSTS"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "production mode needs JILIANG_ALLOWED_HOSTS (the public host names, comma-separated)"
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "ninja",  # the API docs' Swagger UI from our own static files, not a CDN (CSP 'self')
    "jiliang.accounts",
    "jiliang.registry",
    "jiliang.calibration",
    "jiliang.ledger",
    "jiliang.taximeters",
    "jiliang.comparisons",
    "jiliang.intervals",
    "jiliang.lots",
    "jiliang.notices",
    "jiliang.monitoring",
    "jiliang.market",
    "jiliang.services",
    "jiliang.cloud",
    "jiliang.dashboards",  # home dashboards, global search, menu and number template tags
    "django_tables2",
    "django_filters",
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
    "jiliang.accounts.middleware.CurrentUserMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into the 429 page
]

# Login throttling (django-axes): the first backend refuses a login for a username from an
# address after AXES_FAILURE_LIMIT failures, for AXES_COOLOFF_TIME; the page, the admin and
# every other authenticate(request, ...) pass through it (accounts.backends says why a call
# without a request is not throttled).
AUTHENTICATION_BACKENDS = [
    "jiliang.accounts.backends.LoginThrottle",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("JILIANG_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("JILIANG_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Behind nginx the client's address is the last X-Forwarded-For hop nginx appends; directly
# served (demo), REMOTE_ADDR. A forged header cannot pick the address nginx writes last.
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("JILIANG_PROXY_COUNT", "1" if PRODUCTION else "0"))
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

# API tokens: lifetime unless the issuer chooses another (accounts.models.ApiToken.issue).
API_TOKEN_DAYS = int(os.environ.get("JILIANG_API_TOKEN_DAYS", "90"))

ROOT_URLCONF = "jiliang.urls"
WSGI_APPLICATION = "jiliang.wsgi.application"

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


def _database() -> dict[str, object]:
    url = os.environ.get("JILIANG_DATABASE_URL", "")
    if url:
        return dict(dj_database_url.parse(url, conn_max_age=60))
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("JILIANG_SQLITE_PATH", str(DATA_DIR / "jiliang.sqlite3")),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            # A 64 MiB page cache (the default is 2 MiB) and memory-mapped reads: at 10^6 rows
            # every insert walks several B-trees whose inner pages then stay cached.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                " PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456; PRAGMA temp_store=MEMORY;"
            ),
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# E-mail of notices (docs/notices.md): Django's mailers, a real SMTP server from the environment.
_email_port = os.environ.get("JILIANG_EMAIL_PORT", "25")
if not _email_port.isdigit():
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"JILIANG_EMAIL_PORT={_email_port!r}: a port number, e.g. 25 or 587")
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ.get("JILIANG_EMAIL_HOST", "localhost"),
            "port": int(_email_port),
            "username": os.environ.get("JILIANG_EMAIL_USER", ""),
            "password": os.environ.get("JILIANG_EMAIL_PASSWORD", ""),
            "use_tls": os.environ.get("JILIANG_EMAIL_TLS", "0") == "1",
            "timeout": 20,
        },
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("JILIANG_EMAIL_FROM", "jiliang 计量 <noreply@localhost>")
SITE_URL = os.environ.get("JILIANG_SITE_URL", "http://127.0.0.1:8000")  # links in e-mails

# Energy monitoring (docs/monitoring.md): the Parquet root of readings, the MQTT broker that
# `jiliang energy listen` subscribes to, and the exporter's outbox/URL.
ENERGY_DATA = Path(os.environ.get("JILIANG_ENERGY_DATA", DATA_DIR / "energy"))
MQTT_HOST = os.environ.get("JILIANG_MQTT_HOST", "127.0.0.1")
MQTT_PORT = int(os.environ.get("JILIANG_MQTT_PORT", "1883"))
ENERGY_EXPORT_URL = os.environ.get("JILIANG_ENERGY_EXPORT_URL", "")

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# plotly.js from the installed plotly package at jiliang/vendor/plotly.min.js (offline, no CDN)
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "jiliang.dashboards.finders.VendorFinder",
]
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy in every mode: the templates carry no inline script or style (the
# stylesheet and the API docs' scripts are static files), so nothing needs 'unsafe-inline'.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

if PRODUCTION:
    # TLS ends at nginx, which sets X-Forwarded-Proto (docs/deploy.md); Django trusts it only
    # because nothing but nginx can reach the server's socket.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("JILIANG_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = os.environ.get("JILIANG_HSTS_PRELOAD", "1") == "1"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_AGE = 8 * 3600
    CSRF_TRUSTED_ORIGINS = [f"https://{host}" for host in ALLOWED_HOSTS if host]
