# Two commands a newcomer needs: `make run` and `make test`. Both set up .venv themselves.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install migrations-check browser fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

# The modules compiled with mypyc (setup.py) are listed once, in pyproject.toml
# ([tool.edi_gateway] compiled): rebuild whenever one of them changes, and drop old
# extension modules first so a stale build never shadows the Python source.
READ_COMPILED := -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["tool"]["edi_gateway"]["compiled"])'
COMPILED := $(shell $(PYTHON) $(READ_COMPILED) 2>/dev/null || python3 $(READ_COMPILED))
ifeq ($(strip $(COMPILED)),)
$(error cannot read [tool.edi_gateway] compiled from pyproject.toml (needs Python 3.11+))
endif
COMPILED_DIRS := $(sort $(dir $(COMPILED)))
$(STAMP): $(BIN)/python pyproject.toml setup.py $(COMPILED)
	rm -f $(addsuffix *.so,$(COMPILED_DIRS)) *__mypyc*.so
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/edi-gateway serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The models and the migrations must describe the same schema.
migrations-check: $(STAMP)
	rm -f .venv/migrations-check.db
	EDI_GATEWAY_DATABASE_URL=sqlite+aiosqlite:///$(CURDIR)/.venv/migrations-check.db $(BIN)/alembic upgrade head
	EDI_GATEWAY_DATABASE_URL=sqlite+aiosqlite:///$(CURDIR)/.venv/migrations-check.db $(BIN)/alembic check
	rm -f .venv/migrations-check.db

# The HTML report and the console are tested in a real browser: Debian's chromium (never a
# downloaded one).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "install Debian's chromium (apt-get install chromium) for the browser test"; exit 1; fi; }

test: lint migrations-check browser
	$(BIN)/python -m pytest

# Fuzz the validator, mappers, guides and acknowledgment builders for FUZZ_SECONDS (300) in
# all, half per harness, with atheris (installed into the venv when missing; fuzz/README.md).
FUZZ_SECONDS ?= 300
fuzz: $(STAMP)
	$(BIN)/python -c "import atheris" 2>/dev/null || $(BIN)/python -m pip install --quiet atheris
	FUZZ_SECONDS=$$(( $(FUZZ_SECONDS) / 2 )) $(BIN)/python fuzz/fuzz_validate.py
	FUZZ_SECONDS=$$(( $(FUZZ_SECONDS) / 2 )) $(BIN)/python fuzz/fuzz_mutate.py
