# Gongshi developer entry points. `make` (or `make help`) lists them.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

SERVICES := bash scripts/services.sh
ENV_FILE := .data/env
# Packages share the same PostgreSQL/Redis, so test packages run one at a time.
TEST_P ?= 1
TEST_TIMEOUT ?= 15m
TEST_FLAGS ?=
PKGS ?= ./...
FUZZ_PKG ?= ./internal/domain
FUZZTIME ?= 10s
FUZZ_REQUESTS ?= 20000

.PHONY: help build run test test-faults bench stop lint fuzz test-scale

help: ## List the targets
	@echo "Gongshi make targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  \1\t\2/' | expand -t 10

build: ## Build bin/portal and bin/flowchart (the command the portal runs to draw flowcharts)
	go build -o bin/portal ./cmd/portal
	go build -o bin/flowchart ./cmd/flowchart

run: build ## Start services, migrate, load demo data if the database is empty, serve
	$(SERVICES) up
	. $(ENV_FILE) && \
	bin/portal migrate up && \
	bin/portal demo --if-empty && \
	exec bin/portal serve

test: ## Run all tests against real services (installs what is missing)
	$(SERVICES) up --no-meili-server --browser --s3
	. $(ENV_FILE) && \
	export GONGSHI_REQUIRE_SERVICES=1 && \
	go test -count=1 -p $(TEST_P) -timeout $(TEST_TIMEOUT) $(TEST_FLAGS) $(PKGS)

test-faults: ## Fault and abuse scenarios on private PostgreSQL/Redis/Meilisearch, longer loads (GONGSHI_FAULTS=long)
	$(SERVICES) up --no-meili-server
	. $(ENV_FILE) && \
	export GONGSHI_REQUIRE_SERVICES=1 GONGSHI_FAULTS=long && \
	go test -count=1 -v -timeout 30m -run '$(or $(RUN),.)' ./e2e/faults

bench: ## Run scripts/bench.sh against running services
	$(SERVICES) up
	@if [ -f scripts/bench.sh ]; then \
		. $(ENV_FILE) && exec bash scripts/bench.sh; \
	else \
		echo "no benchmarks yet"; \
	fi

.PHONY: bench-scale
bench-scale: ## Public reads at 1M and 5M penalties: p50/p95 uncached and after a publish, cache hit ratio (BENCH_SCALE_SIZES; minutes)
	$(SERVICES) up --no-meili-server
	. $(ENV_FILE) && exec bash scripts/bench-scale.sh

stop: ## Stop the services that scripts/services.sh started
	$(SERVICES) down

lint: ## gofmt (fails on unformatted files) and go vet
	@files=$$(find . -name '*.go' -not -path './.data/*' -not -path './node_modules/*' -not -path './bin/*'); \
	bad=$$( [ -z "$$files" ] || gofmt -l $$files ); \
	if [ -n "$$bad" ]; then echo "gofmt needed on:"; echo "$$bad"; exit 1; fi; \
	echo "gofmt: ok"
	go vet ./...

REDOCLY_VERSION := 2.77.0
REDOCLY := .data/tools/node_modules/.bin/redocly

.PHONY: lint-spec
lint-spec: ## Lint openapi/openapi.yaml with Redocly CLI (installed under .data/tools with npm); fails on any error
	@if [ ! -x $(REDOCLY) ] || ! $(REDOCLY) --version 2>/dev/null | grep -qx '$(REDOCLY_VERSION)'; then \
		mkdir -p .data/tools && npm install --silent --no-audit --no-fund --prefix .data/tools @redocly/cli@$(REDOCLY_VERSION) >/dev/null; \
	fi
	$(REDOCLY) lint --format=summary openapi/openapi.yaml 2>&1 | grep -Ev '^ *[║╔╚]' | grep -v '^$$'

.PHONY: lint-deploy
lint-deploy: ## Check deploy/ (kustomize build, strict schemas), Dockerfile and docker-compose.yml; no services needed
	go test -count=1 ./deploy/

.PHONY: fuzz-api
fuzz-api: ## Fuzz every operation of openapi.yaml against a real server (FUZZ_REQUESTS=20000; GONGSHI_FUZZ_SEED replays)
	$(SERVICES) up --no-meili-server
	. $(ENV_FILE) && \
	export GONGSHI_REQUIRE_SERVICES=1 GONGSHI_FUZZ_REQUESTS=$(FUZZ_REQUESTS) && \
	go test -count=1 -v -timeout 30m -run '^TestFuzzAPI$$' ./server

fuzz: ## Run each Fuzz* target in ./internal/domain briefly (FUZZTIME=10s each)
	@list=$$(go test -list 'Fuzz.*' $(FUZZ_PKG)); \
	targets=$$(echo "$$list" | grep -E '^Fuzz' || true); \
	if [ -z "$$targets" ]; then echo "no Fuzz* targets in $(FUZZ_PKG)"; exit 0; fi; \
	for t in $$targets; do \
		echo "== $$t ($(FUZZTIME))"; \
		go test -run='^$$' -fuzz="^$$t\$$" -fuzztime=$(FUZZTIME) $(FUZZ_PKG); \
	done

test-scale: ## Three replicas behind nginx, a PostgreSQL replica, two Meilisearch, two indexers, under load with faults (loopback only, a few minutes)
	$(SERVICES) up --no-meili-server --s3
	. $(ENV_FILE) && GONGSHI_SCALE=1 go test -count=1 -timeout 15m -v -run TestScale ./e2e/scale/
