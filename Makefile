# The two entry points for a fresh machine: `make demo` and `make test`.
# Both create .venv and install everything they need themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: test demo lint typecheck unit fuzz bench bench-scale realworld clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks realworld
	$(BIN)/ruff format --check src tests benchmarks realworld

typecheck: $(STAMP)
	$(BIN)/mypy --strict src

unit: $(STAMP)
	$(BIN)/pytest -q

test: lint typecheck unit

# Every property test from new random seeds, FUZZ_EXAMPLES examples each, in
# two processes (docs/design.md, "Property tests"); not part of `make test`,
# whose examples are fixed. Failures are kept in .hypothesis/ and replayed
# first next time. The statistics give each property's count.
FUZZ_EXAMPLES ?= 20000
FUZZ_SLOW := tests/scan/test_large_modules.py tests/test_entrypoint_grammar.py
FUZZ_LOG := .hypothesis/fuzz
fuzz: $(STAMP)
	mkdir -p $(FUZZ_LOG)
	EPMIGRATE_FUZZ=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -m hypothesis --hypothesis-show-statistics \
		$(FUZZ_SLOW) > $(FUZZ_LOG)/slow.log 2>&1 & slow=$$!; \
	EPMIGRATE_FUZZ=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -m hypothesis --hypothesis-show-statistics \
		$(addprefix --ignore=,$(FUZZ_SLOW)) tests > $(FUZZ_LOG)/rest.log 2>&1; rest=$$?; \
	wait $$slow; slow=$$?; cat $(FUZZ_LOG)/slow.log $(FUZZ_LOG)/rest.log; \
	test $$slow -eq 0 && test $$rest -eq 0

demo: $(STAMP)
	EPMIGRATE=$(CURDIR)/$(BIN)/epmigrate bash sample_projects/demo.sh

bench: $(STAMP)
	$(BIN)/python benchmarks/suite.py

# Whole-process scans of generated trees of 1,500, 15,000 and 60,000 files
# (minutes; EPMIGRATE_BENCH_DIR names a disk with room for them).
bench-scale: $(STAMP)
	$(BIN)/python benchmarks/scale.py

# The real-code tier (docs/design.md): released trees from the package index,
# the scan against each project's own legacy loader. Needs the index; not part
# of `make test`. REFRESH=1 records the loaders' answers again.
realworld: $(STAMP)
	$(BIN)/python realworld/record_oracle.py $(if $(REFRESH),--refresh)
	$(BIN)/python realworld/compare.py

clean:
	rm -rf $(VENV) build src/*.egg-info .mypy_cache .pytest_cache .ruff_cache
