# tokenscale — see README.md. Two entry points for a fresh machine:
#   make notebooks   the main job: execute every notebook through Jupyter + GoNB
#   make test        vet + Go tests + the notebooks, headless (what CI runs)
SHELL := /bin/bash
export GOMLX_BACKEND ?= go
export GOMLX_NO_AUTO_INSTALL ?= 1
export GOFLAGS ?= -buildvcs=false
# GoMLX's AVX2/AVX-512 matmul kernels (Go 1.26's SIMD experiment; chosen at run time by what the
# CPU has, plain Go where it has neither). GOEXPERIMENT= (empty) builds without them.
export GOEXPERIMENT ?= simd
# The Python that has Jupyter (Debian's by default; a conda env's python also works).
export TOKENSCALE_PYTHON ?= /usr/bin/python3
# Project-local Jupyter data dir where kernels/install puts the GoNB kernel spec.
export JUPYTER_PATH := $(CURDIR)/kernels/jupyter$(if $(JUPYTER_PATH),:$(JUPYTER_PATH))

.PHONY: test vet gotest build bench kernel notebooks notebook jupyter browser-test browser-test-install figures clean fuzz

test: vet kernel gotest notebooks

vet:
	go vet ./...

# The lab's quick sweep trains for minutes (2½ on two idle cores, over 10 on a busy one): go test's
# default 10-minute limit per package would make it fail by load, not by result.
gotest:
	go test -timeout 60m ./...

build:
	go build -o out/bin/tokenscale ./cmd/tokenscale

# Build GoNB + goimports from go.mod's tool pins and write the project-local kernel spec;
# installs Jupyter from Debian packages when missing (as root), or says what to run.
kernel:
	kernels/install

# Execute every notebooks/*.ipynb in order through Jupyter (nbclient) and the GoNB kernel.
# Writes out/notebooks/<name>.ipynb + .html and the figures to out/figures/<figure id>.png;
# stops at the first failing cell, naming the notebook and the cell.
notebooks: kernel
	$(TOKENSCALE_PYTHON) kernels/run-notebooks --out out

# One notebook: make notebook NB=notebooks/02-scaling-fits.ipynb
notebook: kernel
	$(TOKENSCALE_PYTHON) kernels/run-notebooks --out out $(NB)

# Interactive Jupyter with the project-local GoNB kernel, on 127.0.0.1 (JUPYTER_IP=0.0.0.0 to share it),
# no browser opened, the URL with its token printed; --allow-root when run as root. See kernels/jupyter-serve.
jupyter: kernel
	kernels/jupyter-serve

# The notebooks' controls in a real browser: starts Jupyter through kernels/jupyter-serve on a random port,
# runs notebooks 01, 02 and 20 in headless Chromium, moves one control in each and checks the figure
# changed; screenshots in out/browser/. Needs Chromium and playwright-core: make browser-test-install.
browser-test: kernel
	kernels/browser-test/run

# What browser-test needs: Debian's chromium (as root) and playwright-core from the lock file.
browser-test-install:
	if ! command -v chromium >/dev/null; then apt-get update && apt-get install -y chromium; fi
	cd kernels/browser-test && npm ci --no-audit --no-fund

# The same figures without Jupyter.
figures:
	go run ./cmd/tokenscale figures --out out/figures-cli

clean:
	rm -rf out

# Go's native fuzzing of every parser of user files, FUZZTIME each (make fuzz FUZZTIME=10s).
# "go test" (and so "make test") runs each target's seed corpus as a plain test.
FUZZTIME ?= 60s
FUZZ_TARGETS := \
	./lib/safetensors:FuzzOpen \
	./lib/llama:FuzzParseConfig \
	./lib/clip:FuzzParseConfig \
	./lib/vlm:FuzzReadConfig \
	./lib/vlm:FuzzReadRecords \
	./lib/branch:FuzzReadPairs \
	./lib/branch:FuzzReadStates \
	./lib/tokenizer/sentencepiece:FuzzParse \
	./lib/tokenizer/sentencepiece:FuzzEncode \
	./lib/tokenizer/clipbpe:FuzzParseSimpleVocab \
	./lib/tokenizer/clipbpe:FuzzEncode \
	./lib/chat:FuzzBuild \
	./lib/vision:FuzzDecode \
	./lib/eval:FuzzReadTSV \
	./lib/eval:FuzzReadPredictions \
	./lib/eval:FuzzRunSidecar \
	./lib/eval:FuzzParseStringList \
	./cmd/tokenscale:FuzzReadTidy
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; echo "== $$fn in $$pkg ($(FUZZTIME))"; \
		go test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

# GoMLX (pure-Go backend) against PyTorch on this CPU, every workload side by side at 1 and 2
# threads, tokens/s and GFLOP/s (bench/cpu_bench.py; needs python3-torch; about 8 minutes on 2 cores).
bench:
	$(TOKENSCALE_PYTHON) bench/cpu_bench.py
