# briefwatch: `make demo` and `make test` install what they need by themselves (a local .venv).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test soak lint format bench i18n clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/briefwatch demo

test: install
	sh scripts/ensure-chromium
	$(BIN)/python -m pytest -q -p no:cacheprovider

soak: install
	$(BIN)/python -m pytest -q -p no:cacheprovider -m soak -s tests/soak

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python benchmarks/run_all.py --rounds 3

i18n: install
	$(BIN)/python -m briefwatch.i18n_catalog extract
	$(BIN)/python -m briefwatch.i18n_catalog update
	$(BIN)/python -m briefwatch.i18n_catalog compile
	$(BIN)/python -m briefwatch.i18n_catalog check

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
