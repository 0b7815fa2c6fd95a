# jitsudo — the two commands a new machine needs: `make dev` and `make test`.
SWIFT ?= swift
JOBS ?= 2
SWIFT_FLAGS ?= -j $(JOBS)
DEV_DIR := .dev
DEV_PG_PORT ?= 55432

.PHONY: bench cluster cluster-down drill test lint build dev dev-stop console-screenshots conformance fuzz fuzz-rego fuzz-api fuzz-libfuzzer soak clean help kube-up kube-down kube-status images release test-images
FUZZ_SEED ?= $(shell date +%s)
FUZZ_PER_BUILTIN ?= 120

help:
	@echo "make dev    build, start a local PostgreSQL in $(DEV_DIR)/ and run the control plane with a development issuer"
	@echo "make test   install what is missing, start PostgreSQL and a Kubernetes API server, build and run every test"
	@echo "make fuzz   longer randomised runs (make fuzz-rego: every Rego builtin against real OPA, fresh seed; FUZZ_SEED=N repeats one;"
	@echo "           make fuzz-api: schemathesis with a fresh seed; make fuzz-libfuzzer: libFuzzer targets; make soak: 10-minute soak)"
	@echo "make cluster / cluster-down   jitsudo installed with helm on a local Kubernetes (ops/cluster.sh); make drill: the runbook drills"
	@echo "make kube-up / kube-down   a local Kubernetes API server for development (builds it once; see scripts/kube-testenv.sh)"
	@echo "make images   OCI images of jitsudod and jitsudo-operator in .build-images/ (no Docker; scripts/build-image.sh)"
	@echo "make bench    throughput: SQL and HTTPS baselines vs jitsudo's audit appends, create -> ACTIVE and audit verify (release build)"
	@echo "make release  tarballs of jitsudo, jitsudod and jitsudo-operator for linux x86_64 in .build-dist/"

## One debug configuration throughout: build once, then run the tests without rebuilding.
build:
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)

## The shipped images are built too (release, static Swift runtime; scripts/build-image.sh): ImageTests run them from
## their own root filesystems, and the drills' cluster runs jitsudod's pods from its image (scripts/kube-testenv.sh).
test:
	scripts/ensure-deps.sh
	$(MAKE) --no-print-directory lint
	@started=$$(date +%s); $(SWIFT) build --build-tests $(SWIFT_FLAGS) || exit 1; echo "debug build: $$(($$(date +%s) - started)) s"
	@started=$$(date +%s); JOBS=$(JOBS) scripts/build-image.sh jitsudod jitsudo-operator || exit 1; echo "images: $$(($$(date +%s) - started)) s"
	scripts/with-test-postgres.sh scripts/with-kube-testenv.sh scripts/run-tests.sh

## Only the image tests: build the images, then run them from their root filesystems.
test-images:
	scripts/ensure-deps.sh
	JOBS=$(JOBS) scripts/build-image.sh jitsudod jitsudo-operator
	scripts/with-test-postgres.sh Tests/ImageTests/image-tests.sh

## The throughput benchmark of issue 18 (release build, one PostgreSQL, baselines and ratios; see BENCHMARKS.md).
bench:
	scripts/ensure-deps.sh
	Benchmarks/run.sh

## Style gates, part of `make test`: swift-format (.swift-format: 4 spaces, 150 columns) and shellcheck on every script.
## `swift format format -r -i Package.swift Sources Tests` fixes what the first one reports.
lint:
	$(SWIFT) format lint --strict --recursive --parallel Package.swift Sources Tests
	@! grep -rnE 'JSONDecoder(\(\)|\.kubernetes)\.decode\(' Sources || { echo "lint: decode JSON with decodeBounded (BoundedJSON): Foundation's JSONDecoder traps on 513 nested arrays" >&2; exit 1; }
	@! grep -rn 'Yams\.load(' Sources || { echo "lint: load YAML with YAMLText.load (CheckedYAML): Yams.load traps on a mapping key that is a mapping" >&2; exit 1; }
	shellcheck -x scripts/*.sh Tests/Fuzz/*.sh Tests/ImageTests/*.sh Tests/APIContractTests/*.sh Tests/DevWalkthroughTests/*.sh Benchmarks/*.sh Benchmarks/http/*.sh ops/*.sh ops/*/*.sh

## The console's main pages as PNG into docs/images/ (the browser test's run, saving what it sees).
console-screenshots: build
	scripts/with-test-postgres.sh Tests/ConsoleBrowserTests/console_browser_test.py --screenshots docs/images

conformance: build
	$(SWIFT) run --skip-build rego-conformance ../shared/conformance/rego

fuzz: fuzz-rego fuzz-api fuzz-libfuzzer

## Coverage-guided fuzzing (libFuzzer + ASan, scripts/libfuzzer.sh) of each target for FUZZ_SECONDS (default 300).
## Not in `make test`: compiling the Rego target with the sanitizers alone takes several minutes on 2 cores.
fuzz-libfuzzer:
	for target in rego inputs jws audit config; do scripts/libfuzzer.sh $$target $${FUZZ_SECONDS:-300} || exit 1; done

## The API contract run (Tests/APIContractTests) with a fresh seed and 10x the examples of `make test`;
## FUZZ_SEED=N repeats one run.
fuzz-api: build
	scripts/ensure-deps.sh
	CONTRACT_SEED=$(FUZZ_SEED) CONTRACT_MAX_EXAMPLES=$${CONTRACT_MAX_EXAMPLES:-80} \
		scripts/with-test-postgres.sh Tests/APIContractTests/api-contract-tests.sh

## The soak of Tests/APIContractTests alone, for SOAK_SECONDS (default 600; `make test` runs it for 45 s).
soak: build
	scripts/ensure-deps.sh
	SOAK_SECONDS=$${SOAK_SECONDS:-600} scripts/with-test-postgres.sh Tests/APIContractTests/api-contract-tests.sh soak

## Fresh hostile cases from real OPA (Python bindings), replayed by the Swift engine: a trap kills the test process,
## an unlisted disagreement fails it. Bounded: ~15,000 cases, a few seconds in OPA and well under a minute in Swift.
fuzz-rego: build
	pip install --quiet --ignore-requires-python opa-golib-python-bindings
	python3 Tests/RegoTests/differential/fuzz_builtins.py --seed $(FUZZ_SEED) --per-builtin $(FUZZ_PER_BUILTIN) \
		--category fuzz-random --out .build/rego-fuzz-$(FUZZ_SEED).jsonl
	REGO_FUZZ_FIXTURE=$(CURDIR)/.build/rego-fuzz-$(FUZZ_SEED).jsonl timeout 600 \
		$(SWIFT) test --skip-build --filter RegoTests.FuzzTests

dev:
	@scripts/ensure-deps.sh
	$(SWIFT) build $(SWIFT_FLAGS)
	$$($(SWIFT) build --show-bin-path)/jitsudod dev --data-dir $(DEV_DIR) --pg-port $(DEV_PG_PORT)

dev-stop:
	scripts/pg-cluster.sh stop $(DEV_DIR)/postgres

## A real kube-apiserver + controller-manager + fakelet on loopback; `eval "$$(make -s kube-up | tail -1)"` sets KUBECONFIG.
kube-up:
	$(SWIFT) build --product jitsudo-fakelet $(SWIFT_FLAGS)
	scripts/kube-testenv.sh up

kube-down:
	scripts/kube-testenv.sh down

kube-status:
	scripts/kube-testenv.sh status

## The local cluster installed the way production is (ops/cluster.sh: test bed, PostgreSQL, helm install of the chart,
## jitsudod as processes, jitsudo.internal); `. .ops-cluster/env.sh` then makes the runbooks' commands work as written.
cluster:
	@scripts/ensure-deps.sh
	$(SWIFT) build $(SWIFT_FLAGS)
	ops/cluster.sh up

cluster-down:
	ops/cluster.sh down

## The six runbook drills (ops/drills/) against that cluster (brought up for the run if it is not up); ends "N passed, M failed".
drill:
	@scripts/ensure-deps.sh
	$(SWIFT) build $(SWIFT_FLAGS)
	ops/drills/run.sh

## Release builds (static Swift runtime) share the scratch path .build-release; ImageTests run what `images` built.
images:
	@scripts/ensure-deps.sh
	JOBS=$(JOBS) scripts/build-image.sh jitsudod jitsudo-operator

release:
	@scripts/ensure-deps.sh
	JOBS=$(JOBS) scripts/build-release.sh

clean:
	rm -rf .build .build-release .build-images .build-dist $(DEV_DIR)
