# Two commands for a newcomer: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
export PORT  # the app builds its links (BASE_URL) from the port it serves on

.PHONY: run test bench soak setup system-packages migrate seed scheduler clean

setup: system-packages $(VENV)/.installed node_modules/.installed

# WeasyPrint draws the advice summary's PDF with Pango and HarfBuzz, which come from the system, not from pip:
# Debian's packages, installed when missing (with sudo when not root).
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "Install Pango and HarfBuzz for WeasyPrint first (on Debian: $$missing)"; exit 1; fi; \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

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
