# Every routine action of the lab. `make run` and `make test` work on a fresh machine.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint bench bench-generator bench-tune bench-ab bench-gil soak venv test-tools clean up claims docs screenshot

## The venv: uv installs the pinned versions in seconds (pip took 45 s on a fresh clone); pip does it alone
## where uv cannot be installed. Both write the bytecode of what they install, and compileall the lab's own:
## where PYTHONDONTWRITEBYTECODE is set (CI images, containers) Python never caches it, and every server
## worker and Locust process compiled FastAPI, pydantic and Locust again (1.8 s against 0.8 s to import the
## app and Locust). A source edited since is compiled afresh, as always.
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt uv \
	    && $(PY) -m uv pip install -q --compile-bytecode --python $(PY) -c constraints.txt -e '.[dev]' \
	    || $(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	$(PY) -m compileall -q lab locustfiles examples bench tests
	touch $@

venv: $(STAMP)

test-tools:
	@scripts/ensure-test-tools.sh

## The main job: a comparison on the embedded default, written under results/<timestamp>/.
run: $(STAMP)
	$(VENV)/bin/lab compare

## The whole suite: lint, types, then every test (real servers, Locust, Prometheus), three modules at a time
## (pytest-xdist, one module per worker, in the order tests/scheduling.py picks) with one load at a time
## among them; a `serial` test (one that judges what a run measured) holds that lock throughout while the
## others run at nice 19 (tests/load_lock.py). Where this process may not renice, the `serial` tests run
## alone afterwards instead; either phase failing fails the target.
test: $(STAMP) test-tools lint
	@if $(PY) -m tests.load_lock; then \
	    $(VENV)/bin/pytest -n 3 --dist loadfile; \
	else \
	    echo "no right to renice: the serial tests run alone after the others"; \
	    $(VENV)/bin/pytest -n 3 --dist loadfile -m "not serial"; first=$$?; \
	    $(VENV)/bin/pytest -m serial; second=$$?; \
	    test $$first -eq 0 && test $$second -eq 0; \
	fi

## The quick loop: the same lint and types, then every test not marked `slow` (nothing started: no server,
## Locust, Prometheus, PostgreSQL, browser), so the Debian tools are not needed. Under 3 minutes on 2 cores.
test-fast: $(STAMP) lint
	$(VENV)/bin/pytest -m "not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check lab tests bench locustfiles examples
	$(VENV)/bin/ruff format --check lab tests bench locustfiles examples
	$(VENV)/bin/mypy

## Benchmarks run on demand: interleaved A/B rounds, ratios reported. ARGS= passes flags to the script,
## e.g. make bench ARGS='--rounds 1 --seconds 1' (the suite runs each once at its smallest size: tests/bench).
ARGS ?=
bench: $(STAMP)
	$(PY) bench/instrumentation.py $(ARGS)

## lab tune against the full grid over the same space, per case: cells and req/s as ratios (docs/tune.md).
## e.g. make bench-tune ARGS='--cases geocoder --duration 3s'
bench-tune: $(STAMP)
	$(PY) -m bench.tune $(ARGS)

## What one Locust process can send (against wrk, 1 and 2 processes, interleaved rounds): docs/bench.md.
bench-generator: $(STAMP)
	$(PY) -m bench.generator $(ARGS)

## lab ab's false alarms (an unchanged copy) and catches (a handler 20% slower), trials interleaved: docs/bench.md.
bench-ab: $(STAMP)
	$(PY) -m bench.ab_rates $(ARGS)

## Where CPU-bound threads of one process per core lose their cores: free against pinned, threads per process.
bench-gil: $(STAMP)
	$(PY) -m bench.gil_placement $(ARGS)

## Soak: gunicorn-multi under moderate load for 30 min, a worker SIGKILLed every 3 min (MINUTES=, KILL_EVERY=).
MINUTES ?= 30
KILL_EVERY ?= 3m
soak: $(STAMP)
	$(PY) bench/soak.py --minutes $(MINUTES) --kill-every $(KILL_EVERY) $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

## "What the lab found" in docs/claims.md: check every claim for real, then rewrite the table between the markers.
claims: $(STAMP)
	$(VENV)/bin/lab claims --out results/claims-latest
	$(PY) -m lab.claims.readme results/claims-latest/claims.json docs/claims.md

## The live stack without Docker: the app, the Locust web UI and Prometheus (CONFIG=name to choose).
CONFIG ?= uvicorn-single
up: $(STAMP)
	$(VENV)/bin/lab up $(CONFIG)

## The docs site (mkdocs-material) into site/, strictly: a broken link or anchor fails the build.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

## The README's screenshot, docs/img/report.png: a real short comparison's report.html opened in chromium by
## the browser test, its top saved (LAB_SCREENSHOT).
screenshot: $(STAMP) test-tools
	LAB_SCREENSHOT=$(CURDIR)/docs/img/report.png $(VENV)/bin/pytest \
	    tests/browser/test_report.py::test_the_report_opens_with_the_verdict_table
