# The two commands that matter: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
STAMP  := $(VENV)/.installed

.PHONY: run test lint format install translations chromium bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile -d hotline/translations --statistics 2>&1 | tail -n 2

run: install translations
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed
	$(FLASK) demo
	$(FLASK) run --host 127.0.0.1 --port 5000

# Browser tests drive Debian's Chromium (never a downloaded browser).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Install the 'chromium' package for the browser tests (sudo apt-get install chromium)"; fi; }

test: install translations chromium
	$(BIN)/pytest -q -n 2

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Benchmarks: a fresh database with BENCH_CALLS synthetic contacts, then timings of the busiest pages.
# BENCH_DATABASE_URL=postgresql+psycopg://... runs it on PostgreSQL (the database must exist and be empty).
BENCH_CALLS ?= 100000
BENCH_DATABASE_URL ?= sqlite:///$(CURDIR)/instance/bench.db

bench: install translations
	mkdir -p instance
	rm -f instance/bench.db
	DATABASE_URL=$(BENCH_DATABASE_URL) $(FLASK) db upgrade
	DATABASE_URL=$(BENCH_DATABASE_URL) $(FLASK) seed
	DATABASE_URL=$(BENCH_DATABASE_URL) $(FLASK) demo-data --calls $(BENCH_CALLS)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(FLASK) bench

clean:
	rm -rf $(VENV) .pytest_cache instance/*.db
