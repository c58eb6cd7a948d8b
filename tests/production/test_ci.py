"""`.ci/run` runs the checks that found issue 9's defects: the authorization matrix, the fuzz test,
the Redis-down tests and the production smoke test, none deselected and none allowed to skip
quietly (CI=true turns the smoke test's skip into a failure)."""
from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEPT = ("tests/test_authorization_matrix.py", "tests/platform/test_api_fuzz.py",
        "tests/platform/test_redis_down.py", "tests/production/test_smoke.py")


def ci_lines() -> list[str]:
    return [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
            if line.strip() and not line.strip().startswith("#")]


def test_ci_runs_make_test_with_every_marker():
    lines = ci_lines()
    runs = [line for line in lines if re.match(r"(\S+=\S*\s+)*make\s+test\b", line)]
    assert runs == ["make test"], runs  # no PYTEST_ARGS: no -m, -k or path narrows it
    assert "export CI=true" in lines
    assert "PYTEST_ADDOPTS" not in "\n".join(lines)
    makefile = (ROOT / "Makefile").read_text()
    assert "$(BIN)/python -m pytest $(PYTEST_ARGS)" in makefile


def test_pytest_collects_the_kept_checks_and_deselects_none():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    addopts = shlex.split(config.get("addopts", ""))
    assert not {"-m", "-k", "--ignore", "--deselect"} & set(addopts), addopts
    assert not any(a.startswith(("--ignore", "--deselect", "-m", "-k")) for a in addopts), addopts
    for path in KEPT:
        assert (ROOT / path).is_file(), path
        assert any(path.startswith(p.rstrip("/") + "/") for p in config["testpaths"]), path
