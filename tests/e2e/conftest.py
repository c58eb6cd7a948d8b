"""Playwright on Debian's chromium: the bundled browsers cannot be downloaded here."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")

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


def pytest_collection_modifyitems(config, items):
    """Without Debian's chromium the browser tests are skipped with a reason, except in CI
    (CI_REQUIRE_BROWSER=1), where a missing browser is a failure, not a silent skip."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI_REQUIRE_BROWSER"):
        raise pytest.UsageError("CI_REQUIRE_BROWSER is set but /usr/bin/chromium is missing: apt-get install chromium")
    skip = pytest.mark.skip(reason="browser tests need Debian's chromium: apt-get install chromium")
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(skip)
