# One-command set-up on a fresh machine: every target installs what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EXAMPLE ?= examples/service-ownership/health-pathway-unanchored.yaml

.PHONY: setup demo test test-any-day test-slow bench wheel-check clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/system-deps.sh
	bash scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,web]'
	touch $@

demo: setup
	@mkdir -p out
	$(BIN)/assess evaluate $(EXAMPLE)
	$(BIN)/assess report $(EXAMPLE) -o out/report.pdf
	@echo "wrote out/report.pdf"

# Tests run on every core (pytest-xdist); PYTEST_WORKERS=0 runs them in one process. With work
# stealing each worker takes a contiguous share and an idle one takes half of what another has
# left: a file's module-scoped renders are made once, and no long test starts last on one worker
# while the other waits.
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist worksteal

test: setup
	$(PYTEST)

# The quick share again with the clock a year ahead (libfaketime), so a test that leans on
# today's date fails here, not on a fresh clone next month. Left out: files that read no date
# (generated-input differential, fuzz and determinism checks) and the browser tests (Chromium
# is not run under a faked clock), and the web writers' lock tests, which read no date but wait for
# timeouts that libfaketime stretches to a year (its monotonic clock moves too, and leaving that
# clock real breaks time.sleep).
ANY_DAY_SKIP := test_differential test_fuzz test_determinism test_fact_encoding test_web_browser test_web_browser_folders test_web_writers
test-any-day: setup
	faketime -f '+365d' $(PYTEST) -p no:cacheprovider $(ANY_DAY_SKIP:%=--ignore=tests/%.py)

test-slow: setup
	$(PYTEST) -m slow

bench: setup
	$(BIN)/python bench/figures.py

wheel-check: setup
	bash scripts/check-wheel.sh

clean:
	rm -rf out dist build .pytest_cache .hypothesis
