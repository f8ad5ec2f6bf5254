# tokenscale — see README.md. Two entry points for a fresh machine:
#   make notebooks   the main job: execute every notebook through Jupyter + GoNB
#   make test        vet + Go tests + the notebooks, headless (what CI runs)
SHELL := /bin/bash
export GOMLX_BACKEND ?= go
export GOMLX_NO_AUTO_INSTALL ?= 1
export GOFLAGS ?= -buildvcs=false
# The Python that has Jupyter (Debian's by default; a conda env's python also works).
export TOKENSCALE_PYTHON ?= /usr/bin/python3
# Project-local Jupyter data dir where kernels/install puts the GoNB kernel spec.
export JUPYTER_PATH := $(CURDIR)/kernels/jupyter$(if $(JUPYTER_PATH),:$(JUPYTER_PATH))

.PHONY: test vet gotest build bench kernel notebooks notebook jupyter browser-test browser-test-install figures clean

test: vet kernel gotest notebooks

vet:
	go vet ./...

gotest:
	go test ./...

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

# Speed comparisons against a reference run, printed side by side (see bench/README.md).
bench:
	bench/llama_cpu.sh
