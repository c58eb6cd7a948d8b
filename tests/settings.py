"""Settings for the test run: the site's settings plus the test-only sample programme
(tests/sampleprogramme), which proves a programme plugs in without a platform change. Used by
pytest only (pyproject's ``DJANGO_SETTINGS_MODULE``); ``make run`` and production use
``civilaffairs.settings`` and never install it."""
from civilaffairs.settings import *  # noqa: F401,F403
from civilaffairs.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.sampleprogramme"]
