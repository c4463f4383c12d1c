# The two commands: `make run` and `make test`. Both create .venv and install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 7860

.PHONY: run test soak e2e install ingest serve lint format clean bench bench-quick bench-scale calibrate

run: ingest serve

test: install
	$(BIN)/python -m pytest

# The long variants of the robustness tests (about 20 minutes): load for 2 minutes, over
# 1,000 fuzzed API cases (and a failure if fewer ran), 50 SIGKILLs of a running ingest.
# Figures go to test-artifacts/load.json and fuzz.json.
SOAK_TESTS := tests/robustness/test_load.py tests/api/test_fuzz.py tests/index/test_crash_safety.py

soak: install
	PAPERCHAT_LOAD_SECONDS=120 PAPERCHAT_FUZZ_EXAMPLES=150 PAPERCHAT_FUZZ_MIN_CASES=1000 \
	PAPERCHAT_CRASH_KILLS=50 $(BIN)/python -m pytest -s $(SOAK_TESTS)

# Open WebUI (PyPI's open-webui, in its own venv: several GB with its CPU torch) against
# `paperchat serve`, driven in Debian's headless Chromium (tests/e2e, which `make test`
# does not collect). Its screenshot is docs/images/open-webui-sources.png.
E2E_VENV := .venv-e2e
E2E_STAMP = $(E2E_VENV)/.installed-$(OPEN_WEBUI_VERSION)
OPEN_WEBUI_VERSION := 0.12.4

e2e: install $(E2E_STAMP)
	@test -x /usr/bin/chromium || { echo "make e2e needs Debian's chromium: apt-get install -y chromium"; exit 1; }
	$(BIN)/python -m pytest tests/e2e

# open-webui needs torch (sentence-transformers, accelerate): 2.13.0 first, as above.
$(E2E_STAMP):
	$(PYTHON) -m venv $(E2E_VENV)
	$(E2E_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(E2E_VENV)/bin/python -m pip install --quiet torch==2.13.0
	$(E2E_VENV)/bin/python -m pip install --quiet open-webui==$(OPEN_WEBUI_VERSION)
	touch $(E2E_STAMP)

install: $(STAMP)

# torch==2.13.0 first: this machine carries its CPU build; any other torch request
# would pull several GB of CUDA packages.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# `make bench` (full, < 30 min) or `make bench QUICK=1` / `make bench-quick` (< 5 min):
# writes docs/benchmarks.md and docs/benchmarks.json (bench/run.py).
BENCH_STAMP := $(VENV)/.installed-bench

bench: install $(BENCH_STAMP)
	$(BIN)/python -m bench.run $(if $(QUICK),--quick)

bench-quick:
	$(MAKE) bench QUICK=1

# `make bench-scale` (SCALE_PAPERS=N, default 1,000,000): N papers in a `chroma run`
# server, the bundled 466 among synthetic ones, served by fresh `paperchat serve` replicas
# over HTTP, then streaming ingest of 100,000 generated arXiv records (bench/stream.py:
# rate, memory, a kill and resume, the encoder per 1,000 papers); writes its section of
# docs/benchmarks.md and docs/benchmarks-scale.json (bench/scale_million.py). Its length
# is set by the write rate: see that section.
SCALE_PAPERS ?= 1000000

bench-scale: install $(BENCH_STAMP)
	$(BIN)/python -m bench.scale_million --papers $(SCALE_PAPERS)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

ingest: install
	$(BIN)/paperchat ingest

serve: install
	$(BIN)/paperchat serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(E2E_VENV) .pytest_cache .ruff_cache

# Refit the relevance model (src/paperchat/retrieve/relevance-*.json) on the tune split of
# evals/questions.jsonl, for the default embedder and the hash embedder the fast tests use.
CALIBRATE_DIR ?= $(shell mktemp -d)

calibrate: install
	PAPERCHAT_DATA_DIR=$(CALIBRATE_DIR)/minilm $(BIN)/paperchat ingest
	PAPERCHAT_DATA_DIR=$(CALIBRATE_DIR)/minilm $(BIN)/paperchat calibrate --split tune
	PAPERCHAT_DATA_DIR=$(CALIBRATE_DIR)/hash PAPERCHAT_EMBED_MODEL=hash $(BIN)/paperchat ingest
	PAPERCHAT_DATA_DIR=$(CALIBRATE_DIR)/hash PAPERCHAT_EMBED_MODEL=hash $(BIN)/paperchat calibrate --split tune
