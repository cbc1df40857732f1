"""Production settings: the project's settings, hardened. ``DJANGO_SETTINGS_MODULE=dashboard.settings_production``.

TLS is expected to end at an ingress or proxy in front of daphne, which sets ``X-Forwarded-Proto``.
``manage.py check --deploy --settings=dashboard.settings_production`` is clean (a test holds it).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from dashboard.settings import *  # noqa: F403
from dashboard.settings import MIDDLEWARE, envbool, envint, envstr

DEBUG = False
SECRET_KEY = envstr("SECRET_KEY")
if len(SECRET_KEY) < 50 or "development" in SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of 50 characters or more in production")

CLUSTERVIZ_ANONYMOUS_READ = envbool("CLUSTERVIZ_ANONYMOUS_READ")  # off unless someone switches it on, knowingly
CLUSTERVIZ_FAKE_CONTROLS = envbool("CLUSTERVIZ_FAKE_CONTROLS")
CLUSTERVIZ_CSP_REPORT_ONLY = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "True")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", str(365 * 24 * 3600))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = [o for o in envstr("CSRF_TRUSTED_ORIGINS").split(",") if o]
X_FRAME_OPTIONS = "DENY"
# The kubelet probes over plain HTTP inside the cluster: a redirect to https would fail every probe.
SECURE_REDIRECT_EXEMPT = [r"^livez$", r"^readyz$"]

# Static files without DEBUG: servestatic serves what `collectstatic` put in STATIC_ROOT (the image does that when
# it is built), compressed (gzip, and brotli when available) and with caching headers; placed right after
# SecurityMiddleware, as its documentation asks, so that static files skip sessions and the access check.
MIDDLEWARE = [MIDDLEWARE[0], "servestatic.middleware.ServeStaticMiddleware", *MIDDLEWARE[1:]]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "servestatic.storage.CompressedStaticFilesStorage"},
}
