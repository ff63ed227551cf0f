#!/usr/bin/env bash
# Launch SFT with accelerate on N GPUs.
#
#   ./step2_sft/launch_sft.sh [N] [--field value ...]     # N GPUs (default 1); DDP for N>1
#   ZERO=3 ./step2_sft/launch_sft.sh 8                    # DeepSpeed ZeRO-2/3 (ZERO=2|3)
#
# Accelerate config: config/accelerate/single_gpu.yaml for N=1, ddp.yaml for N>1, zero<ZERO>.yaml with
# ZERO=2|3 (ACCEL_CONFIG=path overrides). CONFIG=path picks the SFT YAML (default config/sft.yaml).
# Arguments after N pass through to train_sft.py. DRY_RUN=1 prints the command instead of running it.
set -euo pipefail
cd "$(dirname "$0")/.."

N=1
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then N=$1; shift; fi
CONFIG=${CONFIG:-config/sft.yaml}
ZERO=${ZERO:-}
if [[ -n "${ACCEL_CONFIG:-}" ]]; then ACCEL=$ACCEL_CONFIG
elif [[ -n "$ZERO" ]]; then ACCEL=config/accelerate/zero${ZERO}.yaml
elif [[ "$N" -gt 1 ]]; then ACCEL=config/accelerate/ddp.yaml
else ACCEL=config/accelerate/single_gpu.yaml; fi
[[ -f "$ACCEL" ]] || { echo "error: accelerate config $ACCEL not found (ZERO must be 2 or 3)" >&2; exit 2; }
[[ -f "$CONFIG" ]] || { echo "error: SFT config $CONFIG not found" >&2; exit 2; }

CMD=(accelerate launch --num_processes "$N" --config_file "$ACCEL" step2_sft/train_sft.py --config "$CONFIG" "$@")
if [[ -n "${DRY_RUN:-}" ]]; then echo "${CMD[*]}"; else exec "${CMD[@]}"; fi
