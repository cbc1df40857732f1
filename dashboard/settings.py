"""Settings, read from the environment. Every setting is one line; the defaults run the bundled fake cluster.

SQLite and the in-memory channel layer are the defaults so that a fresh checkout works with `make run` and
nothing else installed; the README's configuration table lists every variable.
"""

from __future__ import annotations

import os
from pathlib import Path

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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": envstr("SQLITE_PATH", str(BASE_DIR / "var" / "clusterviz.sqlite3")),
    }
}

CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "static"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}

# --- clusterviz ---------------------------------------------------------------------------------------------
CLUSTERVIZ_TICK = envfloat("CLUSTERVIZ_TICK", "0.25")
"""Seconds between coalesced deltas: every change within a tick reaches browsers as one message."""
CLUSTERVIZ_HEARTBEAT = envfloat("CLUSTERVIZ_HEARTBEAT", "2")
"""Seconds of quiet after which a heartbeat tells browsers the stream is still alive."""
CLUSTERVIZ_FAKE = {
    "name": envstr("CLUSTERVIZ_FAKE_NAME", "demo"),
    "seed": envint("CLUSTERVIZ_FAKE_SEED", "0"),
    "workers": envint("CLUSTERVIZ_FAKE_WORKERS", "3"),
    "pods_per_node": envint("CLUSTERVIZ_FAKE_PODS_PER_NODE", "0"),
    "scenario": envstr("CLUSTERVIZ_FAKE_SCENARIO", "demo"),
    "speed": envfloat("CLUSTERVIZ_FAKE_SPEED", "1"),
}
CLUSTERVIZ_FAKE_CONTROLS = envbool("CLUSTERVIZ_FAKE_CONTROLS", "True")
"""Show the buttons that script the fake cluster (break a node, scale, crash a pod). Fake clusters only."""
