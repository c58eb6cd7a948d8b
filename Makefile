# The two commands: `make run` and `make test`. They need only Python 3.11+.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install bench bench-quick clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m civilaffairs.devstack

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf var/celery staticfiles

# Benchmarks: `make bench` (full sizes) or `make bench-quick` (small, as in CI).
# With no DATABASE_URL they use a separate database on the embedded server.
bench: $(STAMP)
	EMBEDDED_DATABASE_NAME=civilaffairs_bench $(BIN)/python -m benchmarks $(BENCH_ARGS)

bench-quick: $(STAMP)
	EMBEDDED_DATABASE_NAME=civilaffairs_bench $(BIN)/python -m benchmarks --quick $(BENCH_ARGS)
