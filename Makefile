# make test       lint (ruff, mypy), unit tests and every chapter notebook (nbval)
# make reproduce  the book's headline experiments, ours beside the book's (FULL_MNIST=1 for all 70k digits)
# make bench      lincoln vs PyTorch CPU on identical work
# Each target creates .venv from requirements.txt (plus `pip install -e .`) when it is missing.

VENV ?= .venv
PY := $(VENV)/bin/python
NBVAL := --nbval-lax --nbval-current-env --nbval-sanitize-with nbval_sanitize.cfg

.PHONY: test lint pytest reproduce bench clean

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet -e .
	touch $@

test: lint pytest

lint: $(VENV)/.installed
	$(PY) -m ruff check lincoln tests benchmarks reproduce
	$(PY) -m ruff format --check lincoln tests benchmarks reproduce
	$(PY) -m mypy

# One BLAS thread for the tests: the suite takes the same time on an idle machine (2 min 40 s
# either way, measured) and does not slow down tenfold when other work shares the cores.
pytest: $(VENV)/.installed
	OPENBLAS_NUM_THREADS=1 $(PY) -m pytest $(NBVAL) tests chapters

reproduce: $(VENV)/.installed
	$(PY) -m reproduce $(if $(FULL_MNIST),--full-mnist)

bench: $(VENV)/.installed
	$(PY) -m benchmarks.bench_mlp
	$(PY) -m benchmarks.bench_cnn
	$(PY) -m benchmarks.bench_rnn

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
