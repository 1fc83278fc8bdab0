# `make serve` and `make test` are all a fresh machine needs: each installs what it uses.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install build serve check test benchmark clean

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

benchmark: install
	$(PY) scripts/benchmark.py

clean:
	rm -rf public .public.staging .public.old test-artifacts
