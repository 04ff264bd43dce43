# Two commands on a fresh machine: `make run` and `make test` (see README).
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup run api test lint browser-deps repeat bench screenshots clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## The monitor; with SYNC_MONITOR_API_URL unset it starts the bundled local API in-process.
run: setup
	$(VENV)/bin/streamlit run app.py

## The bundled local Dotoro API alone (flags: make api ARGS="--contract head").
api: setup
	$(VENV)/bin/sync-monitor-api $(ARGS)

## Browser tests drive Debian's Chromium; install it when missing (needs root, as in CI).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

## Everything: lint, types, unit, integration, app and browser tests.
test: setup browser-deps lint
	$(PY) -m pytest

## The whole suite N times in a row, stopping at the first failure: a flaky test shows here.
## The browser tests run every BROWSER_EVERY-th time (make repeat N=20 BROWSER_EVERY=4).
N ?= 20
BROWSER_EVERY ?= 4
repeat: setup browser-deps
	@for i in $$(seq $(N)); do \
		if [ $$((i % $(BROWSER_EVERY))) -eq 0 ]; then marks=""; else marks="not browser"; fi; \
		echo "== run $$i of $(N) ($${marks:-all tests})"; \
		$(PY) -m pytest -x -q -p no:cacheprovider -m "$$marks" || exit 1; \
	done

bench: setup browser-deps
	$(PY) bench/local_api_latency.py
	$(PY) bench/hub_latency.py
	$(PY) bench/page_run.py
	$(PY) bench/browser_freshness.py
	$(PY) bench/viewer_cpu.py
	$(PY) bench/soak.py
	$(PY) bench/fanout.py

## Screenshots of the live page in docs/ (light, dark, 375 px).
screenshots: setup browser-deps
	$(PY) docs/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
