"""Playwright on Debian's chromium: the bundled browsers cannot be downloaded here."""
from __future__ import annotations

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(autouse=True)
def seeded_regions(transactional_db):
    """``live_server`` needs transactional tests, whose flush also removes the rows the
    migrations seeded (the city, its districts, the policy parameters): put them back."""
    import importlib

    from django.apps import apps

    importlib.import_module("civilaffairs.registry.migrations.0002_seed_regions_parameters").seed(apps, None)
