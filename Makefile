# ipc — build, test and check. CI runs .ci/run, which calls these targets.
GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
FUZZTIME  ?= 10s
PKGS      := ./...

.PHONY: all build test test-nocgo vet fmt deps fuzz check bench clean cross reliability soak clients screenshots measure-web

all: build

# The product uses no cgo: bin/ipc is a static binary, built without a C
# compiler.
build:
	CGO_ENABLED=0 $(GO) build -ldflags "-X main.version=$(VERSION)" -o bin/ipc ./cmd/ipc

# The race detector needs cgo and a C compiler; test-nocgo is the same
# suite without it, for machines that have none.
test:
	$(GO) test -race $(PKGS)

test-nocgo:
	CGO_ENABLED=0 $(GO) test $(PKGS)

vet:
	$(GO) vet $(PKGS)

fmt:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# The import arrows of ARCHITECTURE.md: the core imports no door, the
# engines import no rule, no door imports another, the Go client imports
# neither the core nor fsnotify nor flock, and only cmd/ reads the
# environment. The table is in .ci/deps.sh.
deps:
	@GO=$(GO) bash .ci/deps.sh

# Every fuzz target of every package, one go test -fuzz call each. Go 1.26's
# fuzz coordinator can report "context deadline exceeded" at the -fuzztime
# boundary without any failing input (golang/go#75804): a target that fails
# without writing a new input under testdata/fuzz/<target> runs once more;
# one that writes a failing input fails at once.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
			before=$$(ls $$dir/testdata/fuzz/$$f 2>/dev/null | wc -l); \
			if ! $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg; then \
				after=$$(ls $$dir/testdata/fuzz/$$f 2>/dev/null | wc -l); \
				if [ "$$after" != "$$before" ]; then exit 1; fi; \
				echo "fuzz $$f stopped without a failing input (golang/go#75804): once more"; \
				$(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg; \
			fi; \
		done; \
	done

# Cross builds, with vet so that tests for other systems compile too.
cross:
	GOOS=windows GOARCH=amd64 $(GO) build ./...
	GOOS=windows GOARCH=amd64 $(GO) vet ./...
	GOOS=darwin GOARCH=arm64 $(GO) build ./...
	GOOS=darwin GOARCH=arm64 $(GO) vet ./...
	GOOS=linux GOARCH=arm64 $(GO) build ./...

check: fmt vet deps test fuzz cross

# The reliability suite with its long loops (IPC_LONG=1): 20 SIGKILLs of
# ipc serve during 10,000 pipelined sends, 20 reader kills per door, 60
# rounds of damage under running agents, the 30 s share_command limit, and
# the rest of the crash, fault, hostile-input and security tests. The
# figures lines are what RELIABILITY.md reports; the whole log is kept in
# reliability.log. Disk-full and read-only tests need root (a tmpfs).
RELIABILITY := Kill
RELIABILITY := $(RELIABILITY)|Fault
RELIABILITY := $(RELIABILITY)|RenameRace
RELIABILITY := $(RELIABILITY)|RenameCrash
RELIABILITY := $(RELIABILITY)|DiskFull
RELIABILITY := $(RELIABILITY)|ReadOnly
RELIABILITY := $(RELIABILITY)|Idle
RELIABILITY := $(RELIABILITY)|Exhaustion
RELIABILITY := $(RELIABILITY)|Hostile
RELIABILITY := $(RELIABILITY)|Umask
RELIABILITY := $(RELIABILITY)|Loopback
RELIABILITY := $(RELIABILITY)|LiveIdentity
RELIABILITY := $(RELIABILITY)|Stolen
RELIABILITY := $(RELIABILITY)|Tokens
RELIABILITY := $(RELIABILITY)|ActsOnly
RELIABILITY := $(RELIABILITY)|SecureMode
RELIABILITY := $(RELIABILITY)|Share
RELIABILITY := $(RELIABILITY)|Colon
RELIABILITY := $(RELIABILITY)|Poll
RELIABILITY := $(RELIABILITY)|Framed
RELIABILITY := $(RELIABILITY)|Rendering
RELIABILITY := $(RELIABILITY)|HomeRemoved
RELIABILITY := $(RELIABILITY)|MailboxRemoved
RELIABILITY := $(RELIABILITY)|IndexCorruption
RELIABILITY := $(RELIABILITY)|MultiProcess
RELIABILITY := $(RELIABILITY)|Slowloris
RELIABILITY := $(RELIABILITY)|ConnectionCap
RELIABILITY := $(RELIABILITY)|Spoofing
RELIABILITY := $(RELIABILITY)|OnDiskLayout
RELIABILITY := $(RELIABILITY)|WaitersRace
RELIABILITY := $(RELIABILITY)|OtherUser
RELIABILITY := $(RELIABILITY)|PeerUID
RELIABILITY := $(RELIABILITY)|LockOut
RELIABILITY := $(RELIABILITY)|Takeover
RELIABILITY := $(RELIABILITY)|ReleaseName
RELIABILITY := $(RELIABILITY)|LegacyCompat
RELIABILITY := $(RELIABILITY)|Foreign
RELIABILITY := $(RELIABILITY)|StopCommand
RELIABILITY := $(RELIABILITY)|RenameDuringBurst
reliability:
	@IPC_LONG=1 $(GO) test -race -count=1 -timeout 60m -v -run '$(RELIABILITY)' ./maildir ./socket ./mcp ./cmd/ipc >reliability.log 2>&1; \
	status=$$?; grep -E '^(--- FAIL|FAIL|ok |panic)|figures:' reliability.log; exit $$status

soak: reliability

# The real clients: .ci/clients.sh installs the pinned Claude Code, Codex
# and Gemini CLI from npm outside the repository, and the e2e tests run each
# against ipc and a scripted fake model endpoint (docs/clients.md). A
# client npm could not install is reported and its tests skip. The whole
# log is kept in clients.log; the figures lines are the measurements.
clients:
	@eval "$$(.ci/clients.sh --env)"; \
	IPC_CLIENTS=1 $(GO) test -count=1 -timeout 15m -v ./e2e >clients.log 2>&1; \
	status=$$?; grep -E '^(--- |FAIL|ok |panic)|figures:|is not installed' clients.log; exit $$status

# The web console's screens, photographed by its browser tests (e2e/console,
# headless Chromium) on a seeded mailbox: docs/screenshots/*.png, which
# README.md and docs/web.md show.
SCREENS := Screens|Compose|Narrow
screenshots:
	IPC_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run '$(SCREENS)' ./e2e/console

# What the web console costs in the browser: the time from ipc send to the
# row in the open stream (median and p95 of 100 sends), and the page's heap,
# DOM and main-thread time with 10,000 messages in view (docs/web.md,
# "Measured").
measure-web:
	@IPC_MEASURE=1 $(GO) test -count=1 -timeout 15m -v -run Measure ./e2e/console >measure-web.log 2>&1; \
	status=$$?; grep -E '^(--- |FAIL|ok |panic)|figures:' measure-web.log; exit $$status

# The benchmark suite (bench/cmd/ipcbench, its own module) against bin/ipc:
# make bench for the full run, make bench ARGS=--quick for the short one.
bench: build
	cd bench && $(GO) run ./cmd/ipcbench --ipc ../bin/ipc $(ARGS)

clean:
	rm -rf bin
