# fiberpo-check: every target creates the virtual environment itself when it is missing.
PYTHON_BOOT ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
FC := $(PY) -m fiberpo_check
# `make all FULL=1` runs the full-size experiments instead of the quick default.
PRESET := $(if $(FULL),full,default)

.PHONY: all venv derivations verify experiments figures notebooks ledger report certificates test test-all bench clean

all: $(STAMP)
	$(FC) all --preset $(PRESET)

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev,notebooks,trl,verl]'
	touch $(STAMP)

derivations: $(STAMP)
	$(FC) derivations

verify: $(STAMP)
	$(FC) verify

experiments: $(STAMP)
	$(FC) experiments --preset $(PRESET)

figures: $(STAMP)
	$(FC) figures --preset $(PRESET)

notebooks: $(STAMP)
	$(FC) notebooks

ledger: $(STAMP)
	$(FC) ledger --write

report: $(STAMP)
	$(FC) report

# every erratum's witness, re-checked by its standalone certificate (standard library only, no install needed)
certificates:
	@status=0; for f in reports/certificates/*.py; do python3 -I $$f >/dev/null || { echo "FAILED: $$f"; status=1; }; done; \
	  test $$status = 0 && echo "every certificate passed ($$(ls reports/certificates/*.py | wc -l))"

test: $(STAMP)
	$(PY) -m pytest -q -n 2

test-all: $(STAMP)
	$(PY) -m pytest -q -n 2 -m ''

bench: $(STAMP)
	$(FC) bench
	$(FC) bench --lm

clean:
	rm -rf $(VENV) results reports .pytest_cache .hypothesis
