# WalkMe Session Agent. `make demo` shows the product; `make test` runs every test.
GO ?= go
BIN := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/walkme/session-agent/internal/version.Version=$(VERSION)
# Packages that use no cgo and must keep building on macOS.
DARWIN_PKGS = $(shell GOOS=darwin CGO_ENABLED=0 $(GO) list -e -f '{{if and (not .CgoFiles) (or .GoFiles .TestGoFiles .XTestGoFiles)}}{{.ImportPath}}{{end}}' ./... 2>/dev/null)

.PHONY: all build test test-go test-race test-fuzz fuzz soak cross lint demo bench deps clean

all: build

build:
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

deps:
	@scripts/install-deps.sh

# Every test: unit, end-to-end with real parts, cross-builds for other OSes.
test: deps lint cross test-go test-race test-fuzz

test-go:
	$(GO) test -count=1 -timeout 15m ./...

# The concurrent parts once more under the race detector: the agent, its
# transport and keychain, power events and the tray; the service's concurrent
# paths (rotation from many clients, two instances on one Redis, the store
# conformance suites); and the e2e tests whose harness runs servers in the
# test process (the fake logind, the front, the tray panel). The Windows
# tests under wine are skipped here (their binaries are not raced), and so
# are the server's other tests, whose bcrypt sign-ins are slow under -race.
RACE_PKGS = ./agent/... ./platform/ipc/... ./platform/keychain/... ./platform/power/... ./ui/tray/...
RACE_SERVER = Concurrent|TwoInstances|Conformance|FirstWriterWins
RACE_E2E = TestSleepStopsRenewalsAndWakeRenews|TestClosedLidIsSleep|TestTrayFollowsTheRealAgent
test-race:
	$(GO) test -count=1 -race -timeout 10m -skip UnderWine $(RACE_PKGS)
	$(GO) test -count=1 -race -timeout 10m -run '$(RACE_SERVER)' ./server/...
	$(GO) test -count=1 -race -timeout 10m -run '^($(RACE_E2E))$$' ./e2e/

# Fuzz tests (go test -fuzz), package:target. `go test` runs their seeds
# and crashers (testdata/fuzz); `make fuzz` fuzzes each for FUZZTIME, and
# make test for a short slice. Figures in docs/reliability.md.
FUZZTIME ?= 60s
FUZZ_TARGETS = ./agent/config:FuzzConfigFile ./platform/policy:FuzzPolicyFile \
	./agent/localapi:FuzzLocalAPI ./agent/localapi:FuzzTokenEndpoint \
	./browser/nativemsg:FuzzNativeHost ./server:FuzzServerEndpoints
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; echo "fuzz $$name ($$pkg) for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done

# The crash soak (e2e TestSoak): SOAK_STEPS lifecycle steps with the agent
# and the server killed at random moments; make test runs 50.
SOAK_STEPS ?= 1000
soak:
	WALKME_SOAK_STEPS=$(SOAK_STEPS) $(GO) test -count=1 -timeout 60m -run '^TestSoak$$' -v ./e2e/

test-fuzz:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=2s

cross:
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build ./...
	GOOS=darwin GOARCH=arm64 CGO_ENABLED=0 $(GO) vet $(DARWIN_PKGS)
	GOOS=darwin GOARCH=amd64 CGO_ENABLED=0 $(GO) vet $(DARWIN_PKGS)

lint:
	@test -z "$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go'))" || { gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go'); echo 'gofmt: files above need formatting'; exit 1; }
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

demo:
	$(GO) run ./cmd/walkme-demo

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf $(BIN) dist

# Targets owned by their areas: packages (packaging/), screenshots (ui/).
-include packaging/packaging.mk ui/ui.mk
