# `make serve` and `make test` are all a fresh machine needs: each installs what it uses.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install build serve check test bench bench-compare clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

build: install
	$(PY) build.py build

serve: install
	$(PY) build.py serve

check: install
	$(PY) build.py check

test: install
	bash scripts/install-test-tools.sh
	$(PY) -m pytest

# Not part of `make test`: performance is measured, never asserted.
bench: install
	$(PY) scripts/benchmark.py --articles 1000 10000

bench-compare: install
	$(PY) scripts/bench_compare.py --articles 1000 10000

clean:
	rm -rf public .public.staging .public.old test-artifacts .healthsite-cache
