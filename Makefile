# Two commands on a fresh machine: `make run` and `make test` (see README).
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup run api test check lint browser-deps postgres oidc-deps pgboss-deps nginx repeat bench screenshots clean

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

## The tests' OpenID Connect provider (npm's oidc-provider, in tests/support/oidc), installed
## from its lock file with the machine's Node.js and npm.
## Without npm it says so and goes on: those tests then skip, and fail under CI.
oidc-deps:
	@command -v npm >/dev/null 2>&1 || { \
		echo "npm not found: the sign-in tests need Node.js 20+ and npm (they skip; under CI they fail)"; \
		exit 0; }; \
	cd tests/support/oidc && { [ node_modules/.package-lock.json -nt package-lock.json ] || \
		npm ci --no-audit --no-fund --loglevel=error; }

## The pg-boss tests' client (npm's pg-boss at Dotoro's version, in tests/support/pgboss_client),
## installed from its lock file with the machine's Node.js and npm.
## Without npm it says so and goes on: those tests then skip, and fail under CI.
pgboss-deps:
	@command -v npm >/dev/null 2>&1 || { \
		echo "npm not found: the pg-boss tests need Node.js 20+ and npm (they skip; under CI they fail)"; \
		exit 0; }; \
	cd tests/support/pgboss_client && { [ node_modules/.package-lock.json -nt package-lock.json ] || \
		npm ci --no-audit --no-fund --loglevel=error; }

## Debian's nginx for the reverse-proxy tests: installed when missing (needs root, as in CI).
## The tests run their own nginx (tests/support/proxy.py); the package's service must not start
## (as root, on port 80): a policy-rc.d, unless the machine has one, refuses it during the
## install; one started anyway is stopped, and not started at boot under systemd.
nginx:
	@[ -x /usr/sbin/nginx ] && exit 0; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "not root: cannot install nginx; the reverse-proxy tests skip (fail under CI)"; exit 0; fi; \
	echo "installing Debian's nginx for the reverse-proxy tests"; \
	policy=/usr/sbin/policy-rc.d; \
	if [ ! -e $$policy ]; then \
		trap 'rm -f '$$policy EXIT; trap 'exit 1' INT TERM; \
		printf '#!/bin/sh\n# make nginx: no service starts while it installs nginx\nexit 101\n' >$$policy; \
		chmod 755 $$policy; fi; \
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light; \
	status=$$?; \
	if [ -d /run/systemd/system ]; then systemctl disable --now --quiet nginx 2>/dev/null; \
	elif [ -s /run/nginx.pid ] && kill -0 "$$(cat /run/nginx.pid)" 2>/dev/null; then \
		echo "stopping the nginx service the package started"; /usr/sbin/nginx -s quit; fi; \
	exit $$status

## PostgreSQL for the history and pg-boss tests: Debian's server, its cluster started with
## pg_ctlcluster, and a role that may create the tests' databases and their read-only role, and
## drop them with FORCE (needs root, as in CI; elsewhere those tests skip unless
## SYNC_MONITOR_TEST_POSTGRES_URL names such a server).
postgres:
	@if [ "$$(id -u)" != 0 ]; then \
		echo "not root: PostgreSQL tests need SYNC_MONITOR_TEST_POSTGRES_URL, or they skip"; exit 0; fi; \
	command -v pg_ctlcluster >/dev/null 2>&1 || { \
		echo "installing Debian's postgresql for the history tests"; \
		apt-get update -q && LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql; }; \
	if [ -z "$$(pg_lsclusters -h)" ]; then \
		pg_createcluster --locale C.UTF-8 "$$(ls /usr/lib/postgresql | sort -n | tail -1)" main; fi; \
	set -- $$(pg_lsclusters -h | head -1); \
	pg_ctlcluster "$$1" "$$2" start 2>/dev/null || pg_ctlcluster "$$1" "$$2" status >/dev/null; \
	runuser -u postgres -- psql -q -p "$$3" -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'sync_monitor'" | grep -q 1 || \
		runuser -u postgres -- psql -q -p "$$3" -c "CREATE ROLE sync_monitor PASSWORD 'sync_monitor'"; \
	runuser -u postgres -- psql -q -p "$$3" -c "ALTER ROLE sync_monitor LOGIN CREATEDB CREATEROLE" \
		-c "GRANT pg_signal_backend TO sync_monitor"

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

## The inner loop, well under a minute: lint, types, import contracts and the unit tests.
check: lint
	$(PY) -m pytest -q -p no:cacheprovider tests/unit

## Everything: lint, types, unit, integration, app and browser tests.
test: setup browser-deps postgres oidc-deps pgboss-deps nginx lint
	$(PY) -m pytest

## The whole suite N times in a row, stopping at the first failure: a flaky test shows here.
## The browser tests run every BROWSER_EVERY-th time (make repeat N=20 BROWSER_EVERY=4).
N ?= 20
BROWSER_EVERY ?= 4
repeat: setup browser-deps postgres oidc-deps pgboss-deps nginx
	@for i in $$(seq $(N)); do \
		if [ $$((i % $(BROWSER_EVERY))) -eq 0 ]; then marks=""; else marks="not browser"; fi; \
		echo "== run $$i of $(N) ($${marks:-all tests})"; \
		$(PY) -m pytest -x -q -p no:cacheprovider -m "$$marks" || exit 1; \
	done

bench: setup browser-deps postgres
	$(PY) bench/local_api_latency.py
	$(PY) bench/hub_latency.py
	$(PY) bench/page_run.py
	$(PY) bench/browser_freshness.py
	$(PY) bench/viewer_cpu.py
	$(PY) bench/soak.py
	$(PY) bench/fanout.py
	$(PY) bench/analysis.py
	$(PY) bench/recording.py
	$(PY) bench/pgboss.py
	$(PY) bench/startup.py

## Screenshots in docs/ (the live page light, dark, 375 px and on head; the analysis).
screenshots: setup browser-deps
	$(PY) docs/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
