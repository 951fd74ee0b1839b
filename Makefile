# Quick start: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
export PORT
FLASK := $(BIN)/flask --app wsgi

.PHONY: setup run test test-quick bench lint format translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

run: setup
	$(FLASK) db upgrade
	$(FLASK) seed demo
	@echo "Tracker berjalan di http://127.0.0.1:$(PORT)/ — hentikan dengan Ctrl+C."
	TRACKER_BASE_URL="$${TRACKER_BASE_URL:-http://127.0.0.1:$(PORT)}" $(FLASK) serve --host 127.0.0.1 --port $(PORT) --with-scheduler

# The whole suite, in parallel: one worker per core, each with its own databases.
TEST_WORKERS ?= auto
test: setup
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The inner loop: SQLite only, no browser.
test-quick: setup
	TEST_DATABASE_URL= $(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup -m "not browser" $(PYTEST_ARGS)

# City-scale benchmark (not a test): generates data in bench-data/ and reports timings.
bench: setup
	$(BIN)/python -m bench.run $(BENCH_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Extract user-facing strings and merge them into the catalogs; then translate
# tracker/translations/*/LC_MESSAGES/messages.po and run `make translations-compile`.
translations: setup
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o tracker/translations/messages.pot .
	$(BIN)/pybabel update -i tracker/translations/messages.pot -d tracker/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d tracker/translations

translations-compile: setup
	$(BIN)/pybabel compile -d tracker/translations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
