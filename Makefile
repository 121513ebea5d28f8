# Two commands do all the set-up on a fresh machine (Rust, Python 3.11 and Node installed):
#   make dev   local AWS stack + table + demo data + every function on http://127.0.0.1:9000
#   make test  the whole suite against its own local AWS stack
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
# The stamp changes whenever the pinned requirements do, so `make` reinstalls them.
TOOLS := $(VENV)/.installed-$(shell cat infra/requirements.txt infra/requirements.lock | sha256sum | cut -c1-12)
# checkov in a venv of its own: its pins conflict with the SAM CLI's.
CHECKOV_VENV := .venv-checkov
CHECKOV := $(CHECKOV_VENV)/.installed-$(shell cat infra/checkov.txt infra/checkov.lock | sha256sum | cut -c1-12)
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export SAM_CLI_TELEMETRY := 0

# dynoxide, the second DynamoDB the tests run against, built from crates.io into .tools/,
# pinned (the stamp's name carries the version and features).
DYNOXIDE_VERSION := 3.2.0
DYNOXIDE_FEATURES := native-sqlite,http-server,cli
DYNOXIDE := .tools/.dynoxide-$(DYNOXIDE_VERSION)

# The local stack of `make dev`: a fixed port so the README's commands work as printed.
DEV_MOTO_PORT ?= 4566

.PHONY: help tools dev package deploy bench test test-rust test-contract check-template check-security check-openapi lint clean

help:
	@echo "make dev    run the local stack and serve the API on http://127.0.0.1:9000"
	@echo "make test   run every test (starts and stops its own local AWS stack)"
	@echo "make lint   cargo fmt --check and clippy -D warnings"
	@echo "make package / make deploy   build every function for arm64, then sam deploy --guided"
	@echo "make bench  start, latency, memory, size and cost per use case (bench/results.md)"

tools: $(TOOLS)

$(TOOLS): infra/requirements.txt infra/requirements.lock
	rm -f $(VENV)/.installed-*
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check \
	  -r infra/requirements.txt -c infra/requirements.lock
	touch $@

$(CHECKOV): infra/checkov.txt infra/checkov.lock
	rm -f $(CHECKOV_VENV)/.installed-*
	python3 -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check \
	  -r infra/checkov.txt -c infra/checkov.lock
	touch $@

$(DYNOXIDE):
	rm -f .tools/.dynoxide-*
	cargo install --quiet --locked --root .tools --version $(DYNOXIDE_VERSION) \
	  --no-default-features --features $(DYNOXIDE_FEATURES) dynoxide-rs
	touch $@

dev: tools
	cargo build --workspace --bins
	infra/with-moto.sh --port $(DEV_MOTO_PORT) infra/dev.sh

test: tools check-template check-security check-openapi test-rust test-contract

# Every test against moto, then the store's and the functions' again with DynamoDB served by
# dynoxide (stricter, checked against real DynamoDB by a public conformance suite).
test-rust: tools $(DYNOXIDE)
	infra/with-moto.sh cargo test --workspace --all-targets --no-fail-fast
	infra/with-moto.sh infra/with-dynoxide.sh cargo test -p integration-tests --tests --no-fail-fast

# Both linters run offline.
check-template: tools
	cfn-lint template.yaml
	sam validate --lint --region us-east-1 --template template.yaml

# Every finding is fixed or skipped in the template's Metadata with its reason.
check-security: $(CHECKOV)
	$(CHECKOV_VENV)/bin/checkov --skip-download --quiet --compact --framework cloudformation -f template.yaml

check-openapi: tools
	openapi-spec-validator openapi.yaml

# schemathesis against every route of openapi.yaml, served by cargo lambda watch.
test-contract: tools
	infra/with-moto.sh infra/contract.sh

# Every function, release, arm64, in one cargo run (zig comes with cargo-lambda from PyPI);
# template.yaml's CodeUris point at target/lambda/<function>/.
package: tools
	cargo lambda build --release --arm64 --workspace --exclude local-stack --exclude integration-tests --exclude bench --exclude floor

# Start, latency, memory, size and cost per use case: bench/results.md and .json.
# Sizes are of the arm64 binaries; the runs use the same release profile and flags, natively.
# The native binaries it runs are built as the deployed ones are: position-dependent
# (.cargo/config.toml), which needs an explicit --target so that proc macros are not.
HOST := $(shell rustc -vV | sed -n 's/^host: //p')
bench: tools
	cargo lambda build --release --arm64 --workspace --exclude local-stack --exclude integration-tests --exclude bench
	cargo build --release --target $(HOST) --config 'target.$(HOST).rustflags = ["-C", "relocation-model=static"]' \
	  --workspace --bins --exclude local-stack --exclude integration-tests
	infra/with-moto.sh target/$(HOST)/release/bench

deploy: package
	sam deploy --guided

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .local .tools
	cargo clean
