#!/usr/bin/env bash
# Launch GRPO training with accelerate on N GPUs (vLLM colocate), or with a dedicated vLLM server.
#
#   ./step3_GRPO/launch_trl.sh [N] [--field value ...]            # colocate: N training GPUs (default 1)
#   ZERO=2 ./step3_GRPO/launch_trl.sh 4                           # DeepSpeed ZeRO-2 (or ZERO=3)
#   VLLM_GPUS=1 ./step3_GRPO/launch_trl.sh --server 3 [...]       # vLLM on GPU 0, training on GPUs 1-3
#
# Accelerate config: config/accelerate/single_gpu.yaml for N=1, ddp.yaml for N>1, zero<ZERO>.yaml with
# ZERO=2|3 (ACCEL_CONFIG=path overrides). CONFIG=path picks the GRPO YAML (default config/grpo_config.yaml).
# Arguments after N pass through to train_trl.py. DRY_RUN=1 prints the commands instead of running them.
# PYTHON=path picks the interpreter used to read the config (default: python on PATH).
# Server mode starts `trl vllm-serve` (VLLM_PORT, default 8000; VLLM_ARGS adds serve options such as
# "--max_model_len 2048 --gpu_memory_utilization 0.9") on the first VLLM_GPUS GPUs, waits for its
# /health endpoint (VLLM_TIMEOUT seconds, default 600), trains on the next N GPUs with
# --vllm_mode server, and stops the server on exit (also on Ctrl-C or failure). The server binds
# VLLM_HOST, 127.0.0.1 by default: its API (generation and weight updates) has no authentication, so only
# set VLLM_HOST=0.0.0.0 on a trusted network (docs/security.md).
set -euo pipefail
cd "$(dirname "$0")/.."

SERVER=0
if [[ "${1:-}" == "--server" ]]; then SERVER=1; shift; fi
N=1
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then N=$1; shift; fi
CONFIG=${CONFIG:-config/grpo_config.yaml}
ZERO=${ZERO:-}
run() { if [[ -n "${DRY_RUN:-}" ]]; then echo "$*"; else "$@"; fi; }

if [[ -n "${ACCEL_CONFIG:-}" ]]; then ACCEL=$ACCEL_CONFIG
elif [[ -n "$ZERO" ]]; then ACCEL=config/accelerate/zero${ZERO}.yaml
elif [[ "$N" -gt 1 ]]; then ACCEL=config/accelerate/ddp.yaml
else ACCEL=config/accelerate/single_gpu.yaml; fi
[[ -f "$ACCEL" ]] || { echo "error: accelerate config $ACCEL not found (ZERO must be 2 or 3)" >&2; exit 2; }
[[ -f "$CONFIG" ]] || { echo "error: GRPO config $CONFIG not found" >&2; exit 2; }

EXTRA=()
if [[ "$SERVER" == 1 ]]; then
  VLLM_GPUS=${VLLM_GPUS:-1}
  VLLM_PORT=${VLLM_PORT:-8000}
  VLLM_HOST=${VLLM_HOST:-127.0.0.1}
  CLIENT_HOST=$VLLM_HOST; [[ "$VLLM_HOST" == "0.0.0.0" ]] && CLIENT_HOST=127.0.0.1
  VLLM_TIMEOUT=${VLLM_TIMEOUT:-600}
  # The model vLLM serves: --model_name_or_path among the extra args, else the config's (an SFT run folder
  # resolves to its final/ model).
  MODEL=""
  ARGS=("$@")
  for ((i = 0; i < ${#ARGS[@]}; i++)); do
    if [[ "${ARGS[$i]}" == "--model_name_or_path" ]]; then MODEL=${ARGS[$((i + 1))]:-}; fi
  done
  MODEL=$("${PYTHON:-python}" - "$CONFIG" "$MODEL" <<'PY'
import sys, yaml
from common.training import resolve_model_path
cfg, override = sys.argv[1], sys.argv[2]
print(resolve_model_path(override or yaml.safe_load(open(cfg)).get("model_name_or_path", "")))
PY
)
  VLLM_DEVICES=$(seq -s, 0 $((VLLM_GPUS - 1)))
  TRAIN_DEVICES=$(seq -s, "$VLLM_GPUS" $((VLLM_GPUS + N - 1)))
  echo "vLLM server: $MODEL on GPU(s) $VLLM_DEVICES, $VLLM_HOST:$VLLM_PORT; training on GPU(s) $TRAIN_DEVICES"
  if [[ -n "${DRY_RUN:-}" ]]; then
    echo "CUDA_VISIBLE_DEVICES=$VLLM_DEVICES trl vllm-serve --model $MODEL --tensor_parallel_size $VLLM_GPUS --host $VLLM_HOST --port $VLLM_PORT ${VLLM_ARGS:-}"
  else
    CUDA_VISIBLE_DEVICES=$VLLM_DEVICES trl vllm-serve --model "$MODEL" --tensor_parallel_size "$VLLM_GPUS" \
      --host "$VLLM_HOST" --port "$VLLM_PORT" ${VLLM_ARGS:-} > "${VLLM_LOG:-vllm_server.log}" 2>&1 &
    VLLM_PID=$!
    cleanup() { kill "$VLLM_PID" 2>/dev/null && wait "$VLLM_PID" 2>/dev/null; echo "vLLM server stopped"; }
    trap cleanup EXIT INT TERM
    echo -n "waiting for vLLM /health"
    for ((t = 0; t < VLLM_TIMEOUT; t += 5)); do
      if curl -sf "http://$CLIENT_HOST:$VLLM_PORT/health" > /dev/null; then echo " ready after ${t}s"; break; fi
      kill -0 "$VLLM_PID" 2>/dev/null || { echo; echo "error: vLLM server exited; see ${VLLM_LOG:-vllm_server.log}" >&2; exit 1; }
      echo -n "."; sleep 5
    done
    curl -sf "http://$CLIENT_HOST:$VLLM_PORT/health" > /dev/null || { echo "error: vLLM not healthy after ${VLLM_TIMEOUT}s" >&2; exit 1; }
  fi
  export CUDA_VISIBLE_DEVICES=$TRAIN_DEVICES
  EXTRA=(--use_vllm true --vllm_mode server --vllm_server_host "$CLIENT_HOST" --vllm_server_port "$VLLM_PORT")
fi

run accelerate launch --num_processes "$N" --config_file "$ACCEL" \
  step3_GRPO/train_trl.py --config "$CONFIG" "${EXTRA[@]}" "$@"
