# Two entry points: `make demo` and `make test`. Both set up .venv first, from requirements/lock.txt.
# `make upgrade` re-resolves the lock to the newest releases the lower bounds in pyproject.toml allow, then tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements/lock.txt

.PHONY: demo test check setup upgrade clean bench

# A new lock or pyproject.toml gives a new .venv (not one patched over the old: a package dropped from the lock
# must go too). Every package comes from the lock with its hashes, nothing is resolved here (--no-deps). The
# lock's setuptools goes in first and the rest is built without build isolation, so pyspark (an sdist) and
# crossline itself are built with it rather than with whatever setuptools the index serves that day.
$(STAMP): $(LOCK) pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	awk '/^setuptools==/ {p = 1} p && !/^ *#/ {print} p && !/\\$$/ {p = 0}' $(LOCK) > $(VENV)/build-backend.txt
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(VENV)/build-backend.txt
	$(BIN)/pip install --quiet --require-hashes --no-deps --no-build-isolation -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/crossline demo

# The suite runs on every core (pytest-xdist): a test file stays on one worker (--dist loadfile), so its
# module fixtures are built once; the session fixtures (the seed-1 scenario) are built once per worker.
test: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile

# Lint (ruff: pycodestyle, pyflakes, import order, bugbear, pyupgrade) and types (mypy over src/); CI runs it first.
check: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

# uv comes from the lock too (dev extras). --universal: one lock for Linux x86_64 and aarch64 (and the rest),
# Python 3.11 and later. The new lock is newer than the stamp, so `make test` reinstalls before it runs the suite.
upgrade: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 --universal \
		--upgrade --custom-compile-command "make upgrade" -o $(LOCK)
	$(MAKE) test

bench: $(STAMP)
	$(BIN)/python benchmarks/import_bench.py

clean:
	rm -rf $(VENV) crossline-workspace crossline-demo
