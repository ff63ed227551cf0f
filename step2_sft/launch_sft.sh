#!/usr/bin/env bash
# Launch SFT with accelerate: N processes (GPUs) per machine, on one machine or several.
#
#   ./step2_sft/launch_sft.sh [N] [--field value ...]     # N GPUs (default 1); DDP for N>1
#   ZERO=3 ./step2_sft/launch_sft.sh 8                    # DeepSpeed ZeRO-2/3 (ZERO=2|3)
#   CPU=1 CONFIG=config/demo/sft.yaml ./step2_sft/launch_sft.sh 2        # 2 CPU processes (gloo)
#   NNODES=2 NODE_RANK=0|1 MASTER_ADDR=10.0.0.1 ./step2_sft/launch_sft.sh 8   # on each of 2 machines
#
# Layout (accelerate config, machines, ports, failures): see r1zero/core/launch.py, which runs the launch
# (ACCEL_CONFIG, ZERO, CPU, NNODES, NODE_RANK, MASTER_ADDR, MASTER_PORT, RDZV_TIMEOUT, DRY_RUN=1 prints
# the command instead of running it; without it and CPU=1, a machine without GPUs is one line naming the CPU
# command, before anything starts). CONFIG=path (or --config path) picks the SFT YAML (default
# config/sft.yaml); arguments after N pass through to train_sft.py. PYTHON=path picks the interpreter (default: python).
set -euo pipefail
cd "$(dirname "$0")/.."

N=1
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then N=$1; shift; fi
CONFIG=${CONFIG:-config/sft.yaml}
ARGS=()  # `--config path` among the arguments is the same as CONFIG=path
while (($#)); do
  if [[ "$1" == --config ]]; then CONFIG=${2:?--config needs a path}; shift 2; else ARGS+=("$1"); shift; fi
done
set -- "${ARGS[@]}"
[[ -f "$CONFIG" ]] || { echo "error: SFT config $CONFIG not found" >&2; exit 2; }
CPU_ARGS=()
[[ "${CPU:-0}" != 0 ]] && CPU_ARGS=(--use_cpu true)
exec "${PYTHON:-python}" -m r1zero.core.launch "$N" step2_sft/train_sft.py --config "$CONFIG" "${CPU_ARGS[@]}" "$@"
