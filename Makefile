# Airlock: two commands on a fresh machine.
#   make demo   set up .venv, install Airlock, screen the examples, fill a demo store, serve the dashboard
#   make test   set up .venv if needed, lint, run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test setup lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

DEMO_DB := $(CURDIR)/.airlock-demo.db
# DASHBOARD: auto serves the dashboard when run from a terminal; yes always; no never.
DASHBOARD ?= auto

# Screen the example snippets (exit 1 means "something was flagged", which is the point),
# fill a fresh demo store through the real pipeline, then serve the dashboard over it.
demo: $(STAMP)
	$(BIN)/airlock scan examples/agent_snippets || [ $$? -eq 1 ]
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm $(DEMO_DB).lock
	$(BIN)/airlock demo --db $(DEMO_DB)
	@if [ "$(DASHBOARD)" = yes ] || { [ "$(DASHBOARD)" = auto ] && [ -t 0 ]; }; then \
		$(BIN)/airlock dashboard --db $(DEMO_DB); \
	else echo "Dashboard: $(BIN)/airlock dashboard --db $(DEMO_DB)"; fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python benchmarks/scan_latency.py
	$(BIN)/python benchmarks/scan_throughput.py
	$(BIN)/python benchmarks/cli_startup.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
