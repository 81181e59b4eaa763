# Two entry points: `make demo` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: demo test test-fast lint typecheck bench clean bubblewrap agent-clis chromium

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install -q -e '.[example,web]'
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(PY) scripts/demo.py

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

# The real Claude Code, Codex and Gemini CLIs for tests/contract: pinned in tests/contract/package*.json,
# installed by `npm ci` into the git-ignored .cache/npm (a stamp skips it until the pins change). Without
# npm the contract tests skip with a notice; an install that fails makes them fail.
agent-clis: $(VENV)/.dev-installed
	$(PY) tests/contract/install_clis.py

# Coverage counts the test processes and every `python -m chant` they spawn ([tool.coverage] in
# pyproject.toml); the report fails under fail_under (raise it as coverage grows, never lower it).
# `make test-fast` is the same suite without coverage (about a third of the time).
test: $(VENV)/.dev-installed lint typecheck bubblewrap agent-clis chromium
	rm -rf .cache/coverage
	$(PY) -m coverage run -m pytest -q -n 2 --dist loadgroup
	$(PY) -m coverage combine -q
	$(PY) -m coverage report

test-fast: $(VENV)/.dev-installed
	$(PY) -m pytest -q -n 2 --dist loadgroup

# run_command's sandbox (docs/sandbox.md); its tests use the real bwrap. Once installed this is one `command -v`.
bubblewrap:
	@command -v bwrap >/dev/null 2>&1 || { \
	  if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "notice: bwrap not found and no apt-get here: the sandbox tests will be skipped (docs/sandbox.md)"; \
	  elif [ "$$(id -u)" = 0 ]; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q bubblewrap \
	    || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q bubblewrap; }; \
	  else \
	    sudo -n apt-get install -y -q bubblewrap \
	    || { echo "error: bwrap is missing; install it with: sudo apt-get install bubblewrap" >&2; exit 1; }; \
	  fi; }

# The dashboard's browser tests drive Debian's Chromium with Playwright (tests/web; never `playwright install`).
chromium:
	@test -x /usr/bin/chromium || { \
	  if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "notice: /usr/bin/chromium not found and no apt-get here: the browser tests will be skipped (docs/web.md)"; \
	  elif [ "$$(id -u)" = 0 ]; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium \
	    || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }; \
	  else \
	    sudo -n apt-get install -y -q chromium \
	    || { echo "error: chromium is missing; install it with: sudo apt-get install chromium" >&2; exit 1; }; \
	  fi; }

bench: $(VENV)/.installed
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .cache
