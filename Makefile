# The two commands of the README: `make run` and `make test`. Everything else is a step they need.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := .local/stamps
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test unit lint bench install python-deps node-deps browser checkov bicep-check web clean

run: install web
	$(PY) -m devhost run

test: install web browser checkov lint bicep-check
	$(PY) -m pytest tests/unit
	$(PY) -m pytest tests/integration tests/e2e tests/infra

# The unit layer alone: pure rules, no service started, seconds.
unit: python-deps
	$(PY) -m pytest tests/unit

# Lint and types (settings in pyproject.toml).
lint: python-deps
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .
	$(PY) -m mypy

# Benchmarks: ratios measured side by side in one run, printed as one table (bench/__main__.py).
bench: install web browser
	$(PY) -m bench

install: python-deps node-deps

python-deps: $(STAMP)/python
$(STAMP)/python: requirements.txt requirements-dev.txt
	@mkdir -p $(STAMP)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is needed")'
	@echo "== Python packages (.venv)"
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check --progress-bar off -q -r requirements-dev.txt
	@touch $@

node-deps: $(STAMP)/node
$(STAMP)/node: package.json package-lock.json $(wildcard patches/*)
	@mkdir -p $(STAMP)
	@echo "== Node packages (node_modules, patched)"
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Debian's Chromium for the browser tests (Playwright cannot download its own browser here),
# and a Thai font so that the Thai pages render in screenshots.
browser:
	@{ command -v chromium && [ -d /usr/share/fonts/truetype/tlwg ]; } >/dev/null || { echo "== Chromium, Thai fonts (apt)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-thai-tlwg >/dev/null; }

# checkov lives in its own environment: it conflicts with the app's packages.
checkov: $(STAMP)/checkov
$(STAMP)/checkov:
	@mkdir -p $(STAMP)
	@echo "== checkov (.local/checkov-venv)"
	@[ -x .local/checkov-venv/bin/python ] || $(PYTHON) -m venv .local/checkov-venv
	.local/checkov-venv/bin/pip install --disable-pip-version-check --progress-bar off -q "checkov==3.3.30"
	@touch $@

# The team's offline schema check of the Bicep templates (no Bicep compiler installs here): every
# resource type, API version and property against Azure's published types. It lives in the shared
# checkout beside this repo (read-only in CI) and makes its own venv under ~/.cache on first use.
BICEP_CHECK := ../shared/tools/bicep-check/run
bicep-check:
	@[ -x $(BICEP_CHECK) ] || { echo "bicep-check is missing: expected $(BICEP_CHECK) (the team's shared/ checkout beside this repo)" >&2; exit 1; }
	$(BICEP_CHECK) infra

# The portal is served as it is (plain ES modules, no build step) but for its third-party files,
# built from npm packages into web/vendor/ (git-ignored) by assets/build_vendor.mjs: the maps'
# library (the parts of Leaflet the maps use, and the TopoJSON decoder, bundled by esbuild) and
# ALTCHA's proof-of-work solver.
web: node-deps web/vendor/map.js
web/vendor/map.js: assets/build_vendor.mjs assets/map_bundle.mjs package-lock.json
	node assets/build_vendor.mjs

clean:
	rm -rf .local $(VENV) node_modules
