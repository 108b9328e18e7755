# Two entry points, both self-installing on a fresh machine (Python >= 3.11 on PATH):
#   make demo   install into .venv and plan the bundled demo scenario
#   make test   install into .venv (with test tools) and run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/planner assign --accounts scenarios/demo/accounts.csv --managers scenarios/demo/managers.csv \
		--policy scenarios/demo/policy.yaml --out out/demo --time-limit 30

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check planner api tests benchmarks
	$(BIN)/ruff format --check planner api tests benchmarks
	$(BIN)/mypy planner api

clean:
	rm -rf $(VENV) out
