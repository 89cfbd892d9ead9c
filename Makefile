# The two commands that matter: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
STAMP  := $(VENV)/.installed

.PHONY: run test lint format install translations chromium bench clean vendor-voice-sdk

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

# Benchmarks (README.md, "Benchmarks"): a fresh database with BENCH_CALLS synthetic contacts, served by
# gunicorn (BENCH_WORKERS workers, 127.0.0.1) and measured over HTTP; the figures are printed and written
# as JSON under bench/results/. BENCH_DATABASE_URL=postgresql+psycopg://... runs it on PostgreSQL (the
# database must exist and be empty); BENCH_REUSE=1 times the data already there.
BENCH_CALLS ?= 100000
BENCH_DATABASE_URL ?= sqlite:///$(CURDIR)/instance/bench.db
BENCH_WORKERS ?= 4
BENCH_RUNS ?= 30
BENCH_REUSE ?=
BENCH_ARGS ?=

bench: install translations
	mkdir -p instance
	$(if $(BENCH_REUSE),,rm -f instance/bench.db instance/bench.db-wal instance/bench.db-shm)
	$(BIN)/python -m bench --database-url "$(BENCH_DATABASE_URL)" --calls $(BENCH_CALLS) \
	  --workers $(BENCH_WORKERS) --runs $(BENCH_RUNS) $(if $(BENCH_REUSE),--reuse) $(BENCH_ARGS)

# The Twilio Voice JavaScript SDK for the softphone, from the npm registry: only its minified dist
# file and its licence are kept (committed under hotline/static/telephony/vendor, so `make test`
# needs no network). Run again to upgrade; update the version in templates/telephony/softphone.html.
VOICE_SDK_VERSION ?= 2.18.5
vendor-voice-sdk:
	rm -rf .vendor-tmp && mkdir -p .vendor-tmp hotline/static/telephony/vendor
	cd .vendor-tmp && npm pack --silent @twilio/voice-sdk@$(VOICE_SDK_VERSION) >/dev/null && tar xzf *.tgz
	cp .vendor-tmp/package/dist/twilio.min.js hotline/static/telephony/vendor/twilio-voice-$(VOICE_SDK_VERSION).min.js
	cp .vendor-tmp/package/LICENSE.md hotline/static/telephony/vendor/LICENSE-twilio-voice-sdk.md
	rm -rf .vendor-tmp

clean:
	rm -rf $(VENV) .pytest_cache instance/*.db
