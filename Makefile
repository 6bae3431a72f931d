# The two commands a new machine needs: `make up` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := libs/contracts libs/runtime infra services/api services/agent services/sandbox services/billing services/integrations
STAMP := $(VENV)/.installed

.PHONY: up test install system-deps test-deps lint typecheck unit integration e2e docs bench clean

$(STAMP): constraints.txt requirements-dev.txt $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -c constraints.txt $(foreach p,$(PACKAGES),-e $(p)) -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# bubblewrap for the sandboxes: installed when missing (root with apt-get), else the exact command to run.
system-deps:
	$(PYTHON) infra/src/cheatcode_infra/system_deps.py

up: $(STAMP) system-deps
	$(BIN)/cheatcode up

# kubectl too: the k8s manifest checks build the manifests with `kubectl kustomize` (offline).
test-deps:
	$(PYTHON) infra/src/cheatcode_infra/system_deps.py --tests

test: $(STAMP) system-deps test-deps lint typecheck
	$(BIN)/pytest -q tests/unit tests/integration tests/e2e

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

integration: $(STAMP)
	$(BIN)/pytest -q tests/integration

e2e: $(STAMP)
	$(BIN)/pytest -q tests/e2e

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy libs/contracts/src libs/runtime/src infra/src services/*/src

docs: $(STAMP)
	$(BIN)/python scripts/gen_asyncapi.py

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV)
