# tokenscale — see README.md. Two entry points for a fresh machine:
#   make notebooks   the main job: execute every notebook through Jupyter + GoNB
#   make test        vet + Go tests (+ the notebooks, headless)
SHELL := /bin/bash
export GOMLX_BACKEND ?= go
export GOMLX_NO_AUTO_INSTALL ?= 1
export GOFLAGS ?= -buildvcs=false

.PHONY: test vet gotest build bench
test: vet gotest

vet:
	go vet ./...

gotest:
	go test ./...

build:
	go build -o out/bin/tokenscale ./cmd/tokenscale
