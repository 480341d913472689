# seerrpilot — build, test and benchmark targets. Only Go is needed.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
GO      ?= go
PKGS    := ./...

.PHONY: all build run demo test lint bench soak fuzz clean

all: build

## build: compile bin/seerrpilot (static, version stamped)
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/seerrpilot ./cmd/seerrpilot

## run: build and run the service with the environment you give it (see README)
run: build
	./bin/seerrpilot serve

## demo: fake Seerr + fake MoviePilot + seerrpilot on loopback; prints what MoviePilot received
demo:
	$(GO) run ./cmd/demo

## test: gofmt check + go vet + go test -race -count=1 ./... (the README's and CI's command)
test:
	$(GO) run ./cmd/check

## lint: the test checks plus staticcheck (installed on demand into ./bin)
lint:
	$(GO) run ./cmd/check -short
	GOBIN=$(CURDIR)/bin $(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2
	./bin/staticcheck $(PKGS)

## bench: store (1M tasks), reconcile, service figures (latency, MP call rate, RSS, start → ready, stalled bodies, durable intake)
bench:
	SEERRPILOT_BENCH_TASKS=$${SEERRPILOT_BENCH_TASKS:-1000000} $(GO) test -run '^$$' -bench 'LargeStore' -benchtime=2000x -timeout 60m -v ./pkg/taskdb/
	$(GO) test -run '^$$' -bench 'EnqueueParallel' -benchtime=3s ./pkg/taskdb/
	$(GO) test -run '^$$' -bench 'Pass10k' -benchtime=1x -timeout 30m ./reconcile/
	$(GO) test -run '^$$' -bench 'IntakeDurable|Handler' ./webhook/
	$(GO) run ./cmd/opsbench

## soak: kill -9 rounds and outage scenarios against the real binary (~15 min, not in CI)
soak:
	$(GO) run ./cmd/soak

## fuzz: run each fuzz target for FUZZTIME (default 60s)
FUZZTIME ?= 60s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./webhook/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeResponses$$' -fuzztime $(FUZZTIME) ./pkg/seerr/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeResponses$$' -fuzztime $(FUZZTIME) ./pkg/moviepilot/
	$(GO) test -run '^$$' -fuzz '^FuzzConfig$$' -fuzztime $(FUZZTIME) ./pkg/config/

clean:
	rm -rf bin
