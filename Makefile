# The two entry points for a fresh machine: `make demo` and `make test`.
# Both create .venv and install everything they need themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: test demo lint typecheck unit fuzz bench bench-scale realworld realworld-adopt realworld-metadata realworld-move realworld-fix-callers clean

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

# Every property test from new random seeds, at least FUZZ_EXAMPLES examples
# each, one process per property, two at a time (docs/design.md, "Property
# tests"); not part of `make test`, whose examples are fixed. Each property's
# log (with a failure's @reproduce_failure blob) is kept in .hypothesis/fuzz/.
FUZZ_EXAMPLES ?= 20000
fuzz: $(STAMP)
	$(BIN)/python tests/run_fuzz.py --examples $(FUZZ_EXAMPLES) --jobs 2

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
	$(BIN)/python realworld/adopt.py
	$(BIN)/python realworld/metadata.py --jobs 2
	$(BIN)/python realworld/move.py --jobs 2
	$(BIN)/python realworld/fix_callers.py

# `epmigrate adopt` on released Neutron and Cinder, checked by their own tests
# and their own managers (realworld/adopt.py; about 40 minutes, most of it
# Cinder's tests run before and after). TREES=... picks some.
realworld-adopt: $(STAMP)
	$(BIN)/python realworld/adopt.py $(TREES)

# `epmigrate write --metadata` on the released sdists of realworld/metadata.toml,
# checked by the wheels pip builds before and after (realworld/metadata.py;
# about an hour for all 233, PER_KIND=N for N of each kind).
realworld-metadata: $(STAMP)
	$(BIN)/python realworld/metadata.py --jobs 2 $(if $(PER_KIND),--per-kind $(PER_KIND))

# `epmigrate move` on the pbr, setuptools-cfg and setuptools-py sdists of
# realworld/metadata.toml (and the setuptools-pyproject ones with entry points
# still in setup.cfg or setup.py), checked by the entry points and core
# metadata of the wheels pip builds before and after (realworld/move.py;
# about a quarter of an hour).
realworld-move: $(STAMP)
	$(BIN)/python realworld/move.py

# `epmigrate fix-callers` on released packages that read entry points through
# pkg_resources, checked by their own tests before (setuptools<82) and after
# (setuptools>=82, no pkg_resources) and by their import time
# (realworld/fix_callers.py; about 20 minutes).
realworld-fix-callers: $(STAMP)
	$(BIN)/python realworld/fix_callers.py

clean:
	rm -rf $(VENV) build src/*.egg-info .mypy_cache .pytest_cache .ruff_cache
