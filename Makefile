# The two set-up commands:  `make train`  and  `make test`.
# Both create .venv on first use: torch first (the CPU build named below), then the package.

VENV ?= .venv
PYTHON := $(VENV)/bin/python
SYSTEM_PYTHON ?= python3
# torch is installed before the package so pip keeps this build instead of fetching another.
TORCH ?= torch==2.13.0
ARGS ?=

.PHONY: env env-ray train sweep test test-slow test-all lint format docs bench gpu-check clean-logs

env: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PYTHON) || $(SYSTEM_PYTHON) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet $(TORCH)
	# hydra-optuna-sweeper (Optuna 2.x) came with older versions of the sweep extra: remove it.
	$(PYTHON) -m pip uninstall --quiet -y hydra-optuna-sweeper
	$(PYTHON) -m pip install --quiet -e ".[dev]"
	touch $@

## The ray extra (launcher=ray; Ray and its plugin, about 400 MB) added to .venv. CI installs it, so
## no Ray test is skipped there.
env-ray: $(VENV)/.installed-ray

$(VENV)/.installed-ray: $(VENV)/.installed
	$(PYTHON) -m pip install --quiet -e ".[dev,ray]"
	touch $@

## Train the default job (seq2seq with dot attention on the reverse task). Extra overrides: ARGS="..."
train: env
	$(PYTHON) train.py $(ARGS)

## Every attention variant x 3 seeds (experiment=attention_sweep), then its leaderboard. ARGS="data=dates"
sweep: env
	$(PYTHON) train.py -m experiment=attention_sweep $(ARGS)
	$(PYTHON) compare.py "$$(ls -td logs/attention_sweep/multiruns/*/ | head -n 1)"

## The fast test suite (what CI runs), in parallel processes (pytest-xdist).
test: env
	WANDB_MODE=offline $(PYTHON) -m pytest -q -n auto --maxprocesses 4 --dist loadscope

## The slow tests alone (real sweeps, DDP, the docs' commands run as typed; about 20 min on 2 cores).
test-slow: env
	WANDB_MODE=offline $(PYTHON) -m pytest -q -n auto --maxprocesses 4 --dist loadscope -m slow

## Every test, slow ones included.
test-all: env
	WANDB_MODE=offline $(PYTHON) -m pytest -q -n auto --maxprocesses 4 --dist loadscope -m "slow or not slow"

## The figures and tables of README.md and docs/*.md, written from benchmarks/results/ and
## docs/results/ (scripts/make_docs.py; the fast suite fails when a page differs from them).
docs: env
	$(PYTHON) scripts/make_docs.py

## Speed benchmarks on the CPU, short settings (a few minutes; tables printed, files in logs/bench/).
## Full length, as in docs/speed.md (writes benchmarks/results/; then make docs): make bench BENCH_ARGS=
BENCH_ARGS ?= --quick --output-dir logs/bench
bench: env
	$(PYTHON) -m benchmarks.overhead $(BENCH_ARGS)
	$(PYTHON) -m benchmarks.startup $(BENCH_ARGS)
	$(PYTHON) -m benchmarks.attention_cost $(BENCH_ARGS)
	$(PYTHON) -m benchmarks.data_loading $(BENCH_ARGS)
	$(PYTHON) -m benchmarks.data_pipeline $(BENCH_ARGS)
	$(PYTHON) -m benchmarks.bucketing $(BENCH_ARGS)
	$(PYTHON) -m benchmarks.attention_prepare $(BENCH_ARGS)

## Everything that needs a GPU (precisions, compile, DDP, attention cost), one markdown table in
## logs/gpu_check/. Runs on the Python and torch already there, never installs torch; without a
## GPU it says so and stops. Offline: GPU_ARGS="--wheelhouse <dir>" (see scripts/gpu_check.py).
GPU_PYTHON ?= python3
GPU_ARGS ?=
gpu-check:
	$(GPU_PYTHON) scripts/gpu_check.py $(GPU_ARGS)

lint: env
	$(PYTHON) -m ruff check . && $(PYTHON) -m ruff format --check .

format: env
	$(PYTHON) -m ruff format . && $(PYTHON) -m ruff check --fix .

clean-logs:
	rm -rf logs/*/
