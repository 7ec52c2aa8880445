# 3D Asset Workbench -- the two commands a newcomer needs:
#   make run    install into .venv/ and start the app on its embedded defaults
#   make test   install everything (plus dev tools and the ML extra) and run the whole test suite
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501

export LITELLM_LOCAL_MODEL_COST_MAP := True

.PHONY: run test lint format system-deps install install-ml install-dev bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip >/dev/null

$(VENV)/.req-stamp: requirements.txt | $(BIN)/python
	$(BIN)/pip install -r requirements.txt
	touch $@

$(VENV)/.dev-stamp: requirements-dev.txt $(VENV)/.req-stamp
	$(BIN)/pip install -r requirements-dev.txt
	touch $@

# optional ML extra (torch, diffusers): local Shap-E / Point-E; not part of `make run`
$(VENV)/.ml-stamp: requirements-ml.txt $(VENV)/.req-stamp
	$(BIN)/pip install -r requirements-ml.txt
	touch $@

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# <model-viewer> is served by the app itself (static/, Streamlit static serving): offline
static/vendor/model-viewer.min.js: node_modules/.stamp
	mkdir -p static/vendor
	cp node_modules/@google/model-viewer/dist/model-viewer.min.js $@

system-deps:
	@bash tools/system-deps.sh

install: system-deps $(VENV)/.req-stamp static/vendor/model-viewer.min.js

install-ml: install $(VENV)/.ml-stamp

install-dev: install $(VENV)/.dev-stamp $(VENV)/.ml-stamp
	@bash tools/system-deps.sh --test

run: install
	$(BIN)/streamlit run Home.py --server.port $(PORT)

lint: $(VENV)/.dev-stamp
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/hadolint Dockerfile
	$(BIN)/lint-imports

format: $(VENV)/.dev-stamp
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install-dev lint
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/remote.py
	$(BIN)/python bench/reconstruct.py
	$(BIN)/python bench/scale.py

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache .ruff_cache .coverage test-artifacts
