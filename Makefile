# jitsudo — the two commands a new machine needs: `make dev` and `make test`.
SWIFT ?= swift
JOBS ?= 2
SWIFT_FLAGS ?= -j $(JOBS)
DEV_DIR := .dev
DEV_PG_PORT ?= 55432

.PHONY: test build dev dev-db dev-stop conformance clean help

help:
	@echo "make dev    build, start a local PostgreSQL in $(DEV_DIR)/ and run the control plane"
	@echo "make test   install what is missing, start PostgreSQL, build and run every test"

## One debug configuration throughout: build once, then run the tests without rebuilding.
build:
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)

test:
	scripts/ensure-deps.sh
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)
	scripts/with-test-postgres.sh $(SWIFT) test --skip-build

conformance: build
	$(SWIFT) run --skip-build rego-conformance ../shared/conformance/rego

dev-db:
	@scripts/ensure-deps.sh
	@scripts/pg-cluster.sh start $(DEV_DIR)/postgres $(DEV_PG_PORT) >/dev/null
	@psql -q -h 127.0.0.1 -p $(DEV_PG_PORT) -U postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'jitsudo'" | grep -q 1 \
		|| psql -q -h 127.0.0.1 -p $(DEV_PG_PORT) -U postgres -c "CREATE DATABASE jitsudo"

dev: dev-db
	$(SWIFT) build $(SWIFT_FLAGS) --product jitsudod
	DATABASE_URL="postgres://postgres@127.0.0.1:$(DEV_PG_PORT)/jitsudo?sslmode=disable" $$($(SWIFT) build --show-bin-path)/jitsudod migrate
	@echo
	@echo "Local PostgreSQL: postgres://postgres@127.0.0.1:$(DEV_PG_PORT)/jitsudo?sslmode=disable (data in $(DEV_DIR)/postgres)"
	@echo "  psql \"postgres://postgres@127.0.0.1:$(DEV_PG_PORT)/jitsudo\"      # inspect the schema"
	@echo "  make dev-stop                                                   # stop it"
	@echo "The API server, development OIDC issuer and mock provider arrive with the control plane (docs/ROADMAP.md)."

dev-stop:
	scripts/pg-cluster.sh stop $(DEV_DIR)/postgres

clean:
	rm -rf .build $(DEV_DIR)
