# Two entry points: `make demo` (set up + end-to-end demo) and `make test` (set up + full test suite).
# The first interpreter that really runs and is 3.11 or 3.12 (a pyenv shim can exist without its Python).
PYTHON ?= $(shell for p in python3.12 python3.11 python3; do \
  $$p -c 'import sys; sys.exit(sys.version_info[:2] not in ((3, 11), (3, 12)))' 2>/dev/null && { command -v $$p; break; }; done)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint browser bench-tools clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: Python 3.11 or 3.12 is required (durable-rules does not import on 3.13)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,llm]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/redaccount demo

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: install Debian's chromium package to run the browser tests"; fi; }
	@test -f node_modules/axe-core/axe.min.js || { command -v npm >/dev/null 2>&1 && npm install --no-audit --no-fund --silent \
	  || echo "note: install npm and run 'npm install' for the accessibility checks (axe-core)"; }

# Benchmarks only (not CI): wrk drives the served mix of `python -m evals.bench_scale` (--loadgen wrk) and,
# unlike the Python load generator, leaves the server its cores (docs/performance.md).
bench-tools:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null; \
	  else echo "note: install wrk (Debian/Ubuntu: sudo apt-get install wrk; macOS: brew install wrk) for bench_scale --loadgen wrk"; fi; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# pytest exits 5 when it collects nothing: that is a failure here, not a pass.
test: $(STAMP) browser
	@$(BIN)/python -m pytest -q -p no:cacheprovider; status=$$?; \
	  if [ $$status -eq 5 ]; then echo "error: pytest collected no tests"; exit 1; fi; exit $$status

clean:
	rm -rf $(VENV) .redaccount
