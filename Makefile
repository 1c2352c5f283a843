# exreconcile: declarative transport security for Exchange Server over WinRM.
# `make help` lists the targets.

GO        ?= go
BIN       := bin
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
GOFILES    = $(shell git ls-files '*.go' 2>/dev/null)

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-15s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build bin/exreconcile and bin/exsim.
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/exreconcile ./cmd/exreconcile
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/exsim ./cmd/exsim

.PHONY: test
test: lint ## Lint, then run every unit test, fuzz seed corpus and end-to-end spec.
	$(GO) test -count=1 ./...

.PHONY: lint
lint: ## gofmt check and go vet.
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

.PHONY: schema
schema: ## Regenerate the JSON Schema of every kind into manifests/schema/.
	$(GO) run ./hack/schemagen -o manifests/schema

.PHONY: check-scripts
check-scripts: ## Parse every golden PowerShell script with tree-sitter-powershell (needs npm and cgo).
	hack/check-scripts.sh

.PHONY: validate-examples
validate-examples: build ## Validate every example scenario offline (each folder is one site).
	@for d in manifests/examples/*/; do echo "validate $$d"; $(BIN)/exreconcile validate -f $$d || exit 1; done

.PHONY: clean
clean: ## Remove build output and caches.
	rm -rf $(BIN) .cache

.PHONY: demo
demo: ## Start exsim on loopback, plan/apply the two-forests example, catch and repair drift.
	$(GO) run ./hack/demo

.PHONY: bench
bench: ## Benchmark exreconcile vs a per-resource baseline on exsim at 10 and 50 servers (~4 min).
	$(GO) run ./hack/bench -servers 10,50
