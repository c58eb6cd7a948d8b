"""Schemathesis against the live test server: every operation of /api/schema/, as a grid worker
and as a resident, over real objects (households, an application, an open review).

It fails on any 5xx, any status code the schema does not document and any response that does
not match its schema. Bounded (examples per operation and a wall-time cap) and seeded, so a CI
failure reproduces with the same command. The database is flushed after it, like the e2e tests."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from assistance import services as svc
from tests.assistance.conftest import monthly_income, pdf, walk

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

CHECKS = os.environ.get("FUZZ_CHECKS", "not_a_server_error,status_code_conformance,response_schema_conformance,"
                                        "positive_data_acceptance,negative_data_rejection")
# The operations that may refuse a schema-valid request (400) for a reason no schema can state,
# each with its reason.
CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "5"))
WALL_SECONDS = int(os.environ.get("FUZZ_WALL_SECONDS", "50"))
SEED = 20261202


def _token_for(user) -> str:
    """The one place the fuzz test gets an API key: a hashed token with every scope the account holds."""
    from tests.factories import api_token

    return api_token(user)


@pytest.fixture
def world(city, home_household, other_household, resident, grid_worker, township_officer, district_approver):
    """An approved application with its benefit and an open review, and a resident's draft."""
    monthly_income(home_household.head, "1500.00")
    approved = svc.application_create(actor=resident, household=home_household, applicant=home_household.head,
                                      programmes=["dibao"], reason="家庭收入低。")
    svc.application_set_members(actor=resident, application_id=approved.pk, members=[
        {"person_id": m.person_id, "declared_monthly_income": "1500" if m.relation == "head" else "0"}
        for m in approved.members.all()])
    svc.material_add(actor=resident, application_id=approved.pk, uploaded=pdf(), kind="id_card")
    walk(approved, "approved", resident=resident, township=township_officer, grid=grid_worker,
         district=district_approver)
    svc.review_round_start(on=timezone.localdate())
    svc.application_create(actor=resident, household=home_household, applicant=home_household.head,
                           programmes=["tekun"], reason="草稿")
    return {"grid": grid_worker, "resident": resident}


def _schemathesis(base_url: str, token: str, workdir) -> subprocess.CompletedProcess:
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run", f"{base_url}/api/schema/",
        "--url", base_url,
        "-H", f"Authorization: Token {token}",
        "--checks", CHECKS,
        "--max-examples", str(MAX_EXAMPLES),
        "--phases", "examples,coverage,fuzzing",
        "--seed", str(SEED), "--generation-deterministic",
        "--max-time", str(WALL_SECONDS), "--workers", os.environ.get("FUZZ_WORKERS", "1"),
        "--request-timeout", "20", "--no-color",
        "--report", "ndjson", "--report-ndjson-path", str(workdir / "events.ndjson"),
    ]
    # cwd: schemathesis keeps a crash cache (.schemathesis/) in the working directory; a fresh one
    # per run keeps runs reproducible and the checkout clean.
    return subprocess.run(command, capture_output=True, text=True, timeout=WALL_SECONDS + 120, cwd=workdir,
                          env={**os.environ, "PYTHONHASHSEED": "0"})


@pytest.mark.parametrize("persona", ["grid", "resident"])
def test_every_operation_answers_as_its_schema_says(live_server, world, persona, tmp_path):
    result = _schemathesis(live_server.url, _token_for(world[persona]), tmp_path)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-4000:]
    tested = _operations_tested(tmp_path / "events.ndjson", phase="coverage")
    assert len(tested) >= 61, f"only {len(tested)} operations reached within {WALL_SECONDS}s: {sorted(tested)}"


def _operations_tested(report, *, phase: str) -> set[str]:
    """The operations schemathesis ran in ``phase`` (from its ndjson report): a run cut short by the
    time budget before it reached them all must not pass as if it had."""
    labels = set()
    for line in report.read_text().splitlines():
        event = json.loads(line).get("ScenarioFinished")
        if event and event.get("phase") == phase and event.get("status") != "skip":
            labels.add(event["recorder"]["label"])
    return labels
