# Two commands for a newcomer: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
export PORT  # the app builds its links (BASE_URL) from the port it serves on

.PHONY: run test bench soak setup migrate seed scheduler clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

migrate: setup
	$(FLASK) db-upgrade

seed: migrate
	$(FLASK) seed-demo --if-empty

run: seed
	$(FLASK) serve-dev --port $(PORT)

scheduler: migrate
	$(FLASK) scheduler

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m bench.run

soak: setup
	$(BIN)/python -m bench.soak

clean:
	rm -rf $(VENV) node_modules instance/reach.db*
