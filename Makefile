# Ferry — two commands on a fresh machine:
#   make demo   set everything up and synthesise speech with the shipped voice
#   make test   set everything up and run the whole test suite
# Both are idempotent: a second run reinstalls nothing.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.ferry-stamp
CARGO ?= cargo
# libtorch's OpenMP spin-waits by default (2 threads ran 7x slower than 1 on a 2-core box).
export OMP_WAIT_POLICY ?= PASSIVE
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libasound2-dev pkg-config libopus-dev curl nginx

.PHONY: setup sys-deps venv browser-deps build demo test bench bench-wyoming fixtures clean voice eval-voice

setup: sys-deps venv

# System packages, installed only when absent: ALSA headers (cpal), libopus (the Opus
# encoder of `ferry serve`), curl (the serve tests' client), nginx (the load balancer of the
# replica test; installed, not started), and Chromium + Node.js for the listening-test
# browser test.
sys-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

# Python environment with torch 2.11.0 (libtorch for tch) and librosa (reference numbers).
venv: $(STAMP)
$(STAMP): scripts/requirements.txt scripts/requirements-eval.txt
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r scripts/requirements.txt -r scripts/requirements-eval.txt
	@touch $@

# playwright-core drives the system Chromium in the listening-test browser test (no browser download).
browser-deps: tests/browser/node_modules/.package-lock.json
tests/browser/node_modules/.package-lock.json: tests/browser/package-lock.json | sys-deps
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix tests/browser --no-audit --no-fund

build: setup
	$(CARGO) build --release

# The demo uses the dev build that `make test` shares (libraries at -O3): no second compile.
# With the shipped voice it speaks DEMO_TEXT through the voice's default vocoder; without one
# it falls back to copy synthesis of the teacher sample through Griffin-Lim.
DEMO_TEXT ?= Hello! This is Ferry, a text to speech engine trained on two CPU cores.
demo: setup
	$(CARGO) build --bin ferry
	@mkdir -p runs/demo
	./target/debug/ferry voices
	@if [ -f voices/joe/voice.json ]; then \
	  ./target/debug/ferry synth "$(DEMO_TEXT)" --voice joe -o runs/demo/joe.wav --verbose && \
	  echo "wrote runs/demo/joe.wav (voice joe, its default vocoder)." && \
	  echo "Hear another family: ./target/debug/ferry synth \"Your text.\" -o out.wav --vocoder FAMILY (the families voice joe has are listed above; griffin-lim always works)," && \
	  echo "or live: ./target/debug/ferry say \"Your text.\" --vocoder FAMILY"; \
	else \
	  ./target/debug/ferry resynth data/samples/teacher.wav -o runs/demo/resynth-griffin-lim.wav --vocoder griffin-lim --verbose && \
	  echo "wrote runs/demo/resynth-griffin-lim.wav (no voice installed: copy synthesis of data/samples/teacher.wav)"; \
	fi

test: setup browser-deps
	$(CARGO) test --no-fail-fast 2>&1

bench: build
	./target/release/ferry bench mel
	./target/release/ferry bench all
	./target/release/ferry bench say --families gan --minutes 5

# Ferry's Wyoming server against wyoming-piper (the teacher voice), driven by wyoming-bench in
# one run (.venv-peer from scripts/peer/requirements.txt); the report goes to bench/results/.
bench-wyoming: build
	scripts/bench_wyoming.sh joe gan

# Train the shipped voice on this machine: the teacher corpus (VOICE_HOURS of audio,
# resumable), then every stage of voices/joe/recipe.json within MINUTES of wall time. Rerun to
# continue; finished stages are skipped, improved models are exported into voices/joe.
# PARALLEL stages train at once, one libtorch thread each (1.5x the work per CPU-hour here).
MINUTES ?= 150
VOICE_HOURS ?= 10
PARALLEL ?= 2
voice: build
	$(MAKE) corpus HOURS=$(VOICE_HOURS)
	./target/release/ferry recipe run voices/joe/recipe.json --minutes $(MINUTES) --parallel $(PARALLEL)

# Evaluates voices/joe on the teacher's reading of 100 test sentences (text to speech and
# copy synthesis, every family, whisper WER and DistillMOS); tables land in voices/joe/eval/.
eval-voice: build eval-refs
	scripts/eval_voice.sh joe data/corpus/joe-test

# Regenerates the librosa reference fixtures of the mel parity test.
fixtures: venv
	$(VENV)/bin/python scripts/make_mel_fixtures.py

clean:
	$(CARGO) clean

# Sentences, the teacher corpus (make corpus HOURS=0.1) and the data fixture: see data/README.md.
include scripts/corpus.mk
