"""Settings for the test run: the project's settings with a throwaway database and a quiet, fast fake cluster."""

import os

# Existing tests read anonymously; the access tests switch it off. Browser-test servers inherit it from here.
os.environ.setdefault("CLUSTERVIZ_ANONYMOUS_READ", "1")
# Playwright's wait_for_function polls through eval, which an enforced CSP blocks: browser tests run it in
# report-only mode and fail on any reported violation other than that eval.
os.environ.setdefault("CLUSTERVIZ_CSP_REPORT_ONLY", "1")

from dashboard.settings import *  # noqa: F403

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
CLUSTERVIZ_HISTORY = False  # the history tests build their own recorder
CLUSTERVIZ_TICK = 0.05
CLUSTERVIZ_GC_FREEZE_SECONDS = 0  # a test run's objects stay collectable (tests/dashboard/test_memory.py freezes)
CLUSTERVIZ_FAKE = {**CLUSTERVIZ_FAKE, "scenario": "quiet", "seed": 7, "speed": 20.0}  # noqa: F405
