"""Settings for the test run: the site's settings plus the test-only sample programme
(tests/sampleprogramme), which proves a programme plugs in without a platform change. Used by
pytest only (pyproject's ``DJANGO_SETTINGS_MODULE``); ``make run`` and production use
``civilaffairs.settings`` and never install it."""
from civilaffairs.settings import *  # noqa: F401,F403
from civilaffairs.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.sampleprogramme"]

# The self-check's per-address limit counts in the shared cache across the whole run (every test
# client is 127.0.0.1); its own test sets a small limit and its own address.
SELF_CHECK_RATE_LIMIT = 100_000
