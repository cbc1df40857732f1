"""Settings, read from the environment. Every setting is one line; the defaults run the bundled fake cluster.

SQLite and the in-memory channel layer are the defaults so that a fresh checkout works with `make run` and
nothing else installed; the README's configuration table lists every variable.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: str = "False") -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: str) -> int:
    return int(os.environ.get(name, default))


def envfloat(name: str, default: str) -> float:
    return float(os.environ.get(name, default))


DEBUG = envbool("DEBUG")
SECRET_KEY = envstr("SECRET_KEY", "clusterviz-development-key-not-for-production")
ALLOWED_HOSTS = envstr("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "dashboard",
    "dashboard.access",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "dashboard.access.csp.csp_middleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dashboard.access.middleware.access_middleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: it answers a locked-out login with 429
]

ROOT_URLCONF = "dashboard.urls"
ASGI_APPLICATION = "dashboard.asgi.application"

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
            ],
        },
    },
]

DATABASES: dict[str, dict[str, Any]] = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": envstr("SQLITE_PATH", str(BASE_DIR / "var" / "clusterviz.sqlite3")),
    }
}

CHANNEL_LAYERS: dict[str, dict[str, Any]] = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
REDIS_URL = envstr("REDIS_URL")
"""redis://host:port/db: the channel layer is Redis (channels_redis), shared by every process, instead of in-memory."""
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": "clusterviz",
                # A browser more than 500 deltas (two minutes of ticks) behind loses the rest and resyncs; a message
                # older than 30 s is no use to a live map (the client sees the gap and resyncs), nor is a request
                # no web process still waits for. The full state never goes through a group: a watcher sends it
                # to the one consumer that asked.
                "capacity": 500,
                "expiry": 30,
            },
        }
    }

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ko", "한국어")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static", ("uplot", BASE_DIR / "node_modules" / "uplot" / "dist")]
"""Our static files, and uPlot (the history charts) as npm installs it from package-lock.json (`npm ci`): served at
/static/uplot/, collected with the rest, never copied into the repository."""
STATIC_ROOT = envstr("STATIC_ROOT", str(BASE_DIR / "var" / "static"))
"""Where ``collectstatic`` puts the static files (the image collects them into /app/staticfiles)."""
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# --- logins: throttled by django-axes, passwords checked by Django's validators -------------------------------
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = envint("CLUSTERVIZ_LOGIN_FAILURES", "20")
"""Failed logins, per username and per client address, before further attempts are refused."""
AXES_COOLOFF_TIME = envfloat("CLUSTERVIZ_LOGIN_LOCKOUT_MINUTES", "15") / 60
"""Hours a lockout lasts (django-axes takes hours); then the counter starts again."""
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
"""Either one locks: a guesser spraying one account from many addresses, or many accounts from one address."""
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_SENSITIVE_PARAMETERS = ["password", "token"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # every line through the console, runserver's access log included, has display-token secrets blanked out
    "filters": {"redact_tokens": {"()": "dashboard.access.logs.RedactTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}

# --- clusterviz ---------------------------------------------------------------------------------------------
CLUSTERVIZ_TICK = envfloat("CLUSTERVIZ_TICK", "0.25")
"""Seconds between coalesced deltas: every change within a tick reaches browsers as one message."""
CLUSTERVIZ_HEARTBEAT = envfloat("CLUSTERVIZ_HEARTBEAT", "2")
"""Seconds of quiet after which a heartbeat tells browsers the stream is still alive."""
CLUSTERVIZ_GC_FREEZE_SECONDS = envfloat("CLUSTERVIZ_GC_FREEZE_SECONDS", "60")
"""After each full list and every this many seconds, what is alive is frozen out of Python's cyclic collector's
walks (dashboard/memory.py: 0.9-1.4 s a walk at 150,000 real pods otherwise); 0 turns it off."""
CLUSTERVIZ_GC_THAW_SECONDS = envfloat("CLUSTERVIZ_GC_THAW_SECONDS", "86400")
"""How often the frozen objects are thawed and walked once, so that reference cycles that died frozen are freed."""
CLUSTERVIZ_FAKE = {
    "name": envstr("CLUSTERVIZ_FAKE_NAME", "demo"),
    "seed": envint("CLUSTERVIZ_FAKE_SEED", "0"),
    "workers": envint("CLUSTERVIZ_FAKE_WORKERS", "3"),
    "pods_per_node": envint("CLUSTERVIZ_FAKE_PODS_PER_NODE", "0"),
    "scenario": envstr("CLUSTERVIZ_FAKE_SCENARIO", "demo"),
    "speed": envfloat("CLUSTERVIZ_FAKE_SPEED", "1"),
}
CLUSTERVIZ_ANONYMOUS_READ = envbool("CLUSTERVIZ_ANONYMOUS_READ")
"""Let anyone read the dashboard without logging in. Off unless switched on (`make run` does, on the fake cluster)."""
CLUSTERVIZ_CSP_REPORT_ONLY = envbool("CLUSTERVIZ_CSP_REPORT_ONLY")
"""Report Content-Security-Policy violations instead of blocking them (browser tests: Playwright polls by eval)."""
DAPHNE_WEBSOCKET_MAX_MESSAGE_SIZE = envint("CLUSTERVIZ_WS_MAX_MESSAGE_MB", "512") * 1024 * 1024
"""The websocket sends the full state as its first message: 80 MB at 150,000 pods (daphne's default cap is 1 MiB).
Daphne would apply the same cap to what clients send; dashboard.access.daphne takes that part over (below)."""
CLUSTERVIZ_WS_MAX_INBOUND_BYTES = envint("CLUSTERVIZ_WS_MAX_INBOUND_BYTES", "4096")
"""Largest message (and frame) a client may send on a websocket: the pages send none, so a small cap; larger closes
the socket (1009) before the message is buffered. Outgoing messages (the state) are not capped by it."""
CLUSTERVIZ_WS_MAX_OUTBOUND_BYTES = envint("CLUSTERVIZ_WS_MAX_OUTBOUND_BYTES", str(16 * 1024 * 1024))
"""Bytes a websocket client may leave unread (deltas it does not take, or what waits behind its first state) before
the server drops it (dashboard/outbound.py); the browser reconnects and starts again with a state."""
CLUSTERVIZ_WS_FIRST_STATE_SECONDS = envfloat("CLUSTERVIZ_WS_FIRST_STATE_SECONDS", "120")
"""Seconds a websocket client has to read its first state before it is dropped (it holds that state's bytes)."""
CLUSTERVIZ_ALLOWED_ORIGINS = [o for o in envstr("CLUSTERVIZ_ALLOWED_ORIGINS").split(",") if o.strip()]
"""Websocket origins (scheme://host[:port]) allowed besides the page's own; empty: those of CSRF_TRUSTED_ORIGINS."""
CLUSTERVIZ_WATCHER = envstr("CLUSTERVIZ_WATCHER", "inline")
"""``inline``: each web process runs its clusters' watchers (one process, the default). ``external``: web processes run
none; ``manage.py watch_cluster`` does (one leader per cluster, elected through PostgreSQL), over Redis."""
if CLUSTERVIZ_WATCHER not in ("inline", "external"):
    raise ValueError(f"CLUSTERVIZ_WATCHER: inline or external, not {CLUSTERVIZ_WATCHER!r}")
if CLUSTERVIZ_WATCHER == "external" and not REDIS_URL:
    raise ValueError("CLUSTERVIZ_WATCHER=external needs a channel layer shared between processes: set REDIS_URL")
CLUSTERVIZ_FAKE_CONTROLS = envbool("CLUSTERVIZ_FAKE_CONTROLS", "True")
"""Show the buttons that script the fake cluster (break a node, scale, crash a pod). Fake clusters only."""

# --- history: snapshots, timeline, export/import (dashboard/history/) -----------------------------------------
CLUSTERVIZ_HISTORY = envbool("CLUSTERVIZ_HISTORY", "True")
"""Record every cluster's history (checkpoints and the deltas between them) in the database."""
CLUSTERVIZ_CHECKPOINT_SECONDS = envfloat("CLUSTERVIZ_CHECKPOINT_SECONDS", "600")
"""Seconds of cluster time between full checkpoints (a gap in the stream also starts one)."""
CLUSTERVIZ_HISTORY_FLUSH_SECONDS = envfloat("CLUSTERVIZ_HISTORY_FLUSH_SECONDS", "5")
"""Seconds the recorder batches deltas before writing them as one change block."""
CLUSTERVIZ_SAMPLE_SECONDS = envfloat("CLUSTERVIZ_SAMPLE_SECONDS", "60")
"""Seconds of cluster time between chart samples (pods by status, nodes Ready, restarts, per-node requests)."""
CLUSTERVIZ_RETENTION_HOURS = envfloat("CLUSTERVIZ_RETENTION_HOURS", "48")
"""History older than this is deleted (checked every minute, in the recorder's thread)."""
CLUSTERVIZ_RETENTION_MB = envint("CLUSTERVIZ_RETENTION_MB", "1024")
"""Above this many MB of history, the oldest segments are deleted first."""
CLUSTERVIZ_IMPORT_MAX_MB = envint("CLUSTERVIZ_IMPORT_MAX_MB", "128")
"""Largest snapshot file (uncompressed) an import accepts: parsing takes ~6x its size (BENCHMARKS.md), so 128 MB
(~150,000 pods) peaks near 800 MB. A gzip file that unpacks over 200 times its size is refused after 16 MiB."""
CLUSTERVIZ_IMPORT_KEEP_DAYS = envfloat("CLUSTERVIZ_IMPORT_KEEP_DAYS", "30")
"""Imported snapshots older than this are deleted (0: kept until someone deletes them)."""
CLUSTERVIZ_REPLAY_CACHE = envint("CLUSTERVIZ_REPLAY_CACHE", "2")
"""Parsed imported snapshots kept in memory per process, so a replay's panels do not each parse it again."""


def database_from_env() -> dict[str, object] | None:
    """PostgreSQL (psycopg 3) from DATABASE_URL=postgresql://user:pass@host:port/db or POSTGRES_* variables."""
    from urllib.parse import unquote, urlsplit

    url = envstr("DATABASE_URL")
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("postgres", "postgresql"):
            raise ValueError(f"DATABASE_URL: only postgresql:// is supported, not {parts.scheme}://")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "clusterviz",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 0,  # one connection per request/thread under ASGI
        }
    if envstr("POSTGRES_DB") or envstr("POSTGRES_HOST"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": envstr("POSTGRES_DB", "clusterviz"),
            "USER": envstr("POSTGRES_USER", "clusterviz"),
            "PASSWORD": envstr("POSTGRES_PASSWORD"),
            "HOST": envstr("POSTGRES_HOST", "127.0.0.1"),
            "PORT": envstr("POSTGRES_PORT", "5432"),
            "CONN_MAX_AGE": 0,  # one connection per request/thread under ASGI
        }
    return None


_postgres = database_from_env()
if _postgres is not None:
    DATABASES = {"default": _postgres}
else:
    # WAL: the recorder's writes never block the pages reading history
    DATABASES["default"].setdefault("OPTIONS", {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"})
