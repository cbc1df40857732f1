"""Settings for the test run: the project's settings with a throwaway database and a quiet, fast fake cluster."""

from dashboard.settings import *  # noqa: F403

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
CLUSTERVIZ_TICK = 0.05
CLUSTERVIZ_FAKE = {**CLUSTERVIZ_FAKE, "scenario": "quiet", "seed": 7, "speed": 20.0}  # noqa: F405
