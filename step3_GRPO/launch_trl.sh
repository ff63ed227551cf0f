#!/usr/bin/env bash
# Launch GRPO training with accelerate: N processes (GPUs) per machine, on one machine or several.
#
#   ./step3_GRPO/launch_trl.sh [N] [--field value ...]            # colocate: vLLM on each of N GPUs (default 1)
#   ZERO=2 ./step3_GRPO/launch_trl.sh 4                           # DeepSpeed ZeRO-2 (or ZERO=3)
#   CPU=1 CONFIG=config/demo/grpo.yaml ./step3_GRPO/launch_trl.sh 2   # 2 CPU processes (gloo), no vLLM
#   NNODES=2 NODE_RANK=0|1 MASTER_ADDR=10.0.0.1 ./step3_GRPO/launch_trl.sh 8   # on each of 2 machines
#   VLLM_GPUS=1 ./step3_GRPO/launch_trl.sh --server 3 [...]       # vLLM on GPU 0, training on GPUs 1-3
#   VLLM_HOST=10.0.0.9 VLLM_GPUS=8 ./step3_GRPO/launch_trl.sh --serve   # only a vLLM server, on this machine
#   VLLM_SERVER=10.0.0.9:8000 ./step3_GRPO/launch_trl.sh 8        # train against that server
#
# Layout (accelerate config, machines, ports, failures): see r1zero/core/launch.py, which runs the launch
# (ACCEL_CONFIG, ZERO, CPU, NNODES, NODE_RANK, MASTER_ADDR, MASTER_PORT, RDZV_TIMEOUT, DRY_RUN=1 prints
# the commands instead of running them; without it and CPU=1, a machine without GPUs is one line naming the CPU
# command, before anything starts). CONFIG=path (or --config path) picks the GRPO YAML (default
# config/grpo_config.yaml); arguments after N pass through to train_trl.py. PYTHON=path picks the
# interpreter (default: python).
#
# Server mode starts `trl vllm-serve` (VLLM_PORT, default 8000; VLLM_ARGS adds serve options such as
# "--max_model_len 2048 --gpu_memory_utilization 0.9") on the first VLLM_GPUS GPUs, waits for its
# /health endpoint (VLLM_TIMEOUT seconds, default 600), trains on the next N GPUs with
# --vllm_mode server, and stops the server on exit (also on Ctrl-C or failure). The server binds
# VLLM_HOST, 127.0.0.1 by default: its API (generation and weight updates) has no authentication, so only
# set VLLM_HOST to an address other machines reach on a trusted network (docs/security.md,
# docs/scaling.md). --serve runs only that server, in the foreground, for training on other machines
# (VLLM_SERVER=host:port there; TRL waits up to vllm_server_timeout for it).
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=colocate
case "${1:-}" in
  --server) MODE=server; shift ;;
  --serve) MODE=serve; shift ;;
esac
N=1
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then N=$1; shift; fi
CONFIG=${CONFIG:-config/grpo_config.yaml}
ARGS=()  # `--config path` among the arguments is the same as CONFIG=path
while (($#)); do
  if [[ "$1" == --config ]]; then CONFIG=${2:?--config needs a path}; shift 2; else ARGS+=("$1"); shift; fi
done
set -- "${ARGS[@]}"
PY=${PYTHON:-python}
[[ -f "$CONFIG" ]] || { echo "error: GRPO config $CONFIG not found" >&2; exit 2; }
EXTRA=()
[[ "${CPU:-0}" != 0 ]] && EXTRA=(--use_cpu true)

if [[ "$MODE" != colocate ]]; then
  VLLM_GPUS=${VLLM_GPUS:-1}
  VLLM_PORT=${VLLM_PORT:-8000}
  VLLM_HOST=${VLLM_HOST:-127.0.0.1}
  CLIENT_HOST=$VLLM_HOST; [[ "$VLLM_HOST" == "0.0.0.0" ]] && CLIENT_HOST=127.0.0.1
  VLLM_TIMEOUT=${VLLM_TIMEOUT:-600}
  if [[ "$MODE" == server && "${NNODES:-1}" != 1 ]]; then
    echo "error: --server puts vLLM on this machine's first GPUs; with NNODES > 1 run it on its own machine" \
         "(launch_trl.sh --serve) and give the training machines VLLM_SERVER=host:port" >&2
    exit 2
  fi
  # The model vLLM serves: --model_name_or_path among the extra args, else the config's (an SFT run folder
  # resolves to its final/ model). The port must be free: a server already there (another run's) would
  # otherwise answer the health check and train someone else's model.
  MODEL=""
  ARGS=("$@")
  for ((i = 0; i < ${#ARGS[@]}; i++)); do
    if [[ "${ARGS[$i]}" == "--model_name_or_path" ]]; then MODEL=${ARGS[$((i + 1))]:-}; fi
  done
  # Without DRY_RUN (which only plans), the vLLM and training GPUs must be there before the server starts.
  NEED=$VLLM_GPUS
  [[ "$MODE" == server ]] && NEED=$((VLLM_GPUS + N))
  MODEL=$("$PY" - "$CONFIG" "$MODEL" "$VLLM_PORT" "${DRY_RUN:-}" "$NEED" "${CPU:-0}" "--$MODE, VLLM_GPUS=$VLLM_GPUS" <<'PY'
import sys, yaml
from r1zero.core.errors import run_cli
from r1zero.core.launch import check_gpus, check_port_free
from r1zero.training.checkpoints import resolve_model_path
cfg, override, port, dry, need, cpu, what = sys.argv[1:]
def main():
    if not dry:
        check_port_free(int(port), "VLLM_PORT")
        if cpu in ("", "0"):
            check_gpus(int(need), "step3_GRPO/train_trl.py", what)
    print(resolve_model_path(override or yaml.safe_load(open(cfg)).get("model_name_or_path", "")))
run_cli(main)
PY
)
  # the first VLLM_GPUS of the GPUs this launch may use (CUDA_VISIBLE_DEVICES, else 0, 1, ...) serve, the next N train
  IFS=, read -ra VISIBLE <<< "${CUDA_VISIBLE_DEVICES:-$(seq -s, 0 $((VLLM_GPUS + N - 1)))}"
  if ((${#VISIBLE[@]} < NEED)); then
    echo "error: $NEED GPU(s) needed (VLLM_GPUS=$VLLM_GPUS for vLLM, then the training ones) but" \
         "CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES lists ${#VISIBLE[@]}" >&2
    exit 2
  fi
  VLLM_DEVICES=$(IFS=,; echo "${VISIBLE[*]:0:VLLM_GPUS}")
  SERVE=(trl vllm-serve --model "$MODEL" --tensor_parallel_size "$VLLM_GPUS" --host "$VLLM_HOST" --port "$VLLM_PORT")
  if [[ "$MODE" == serve ]]; then
    echo "vLLM server: $MODEL on GPU(s) $VLLM_DEVICES, $VLLM_HOST:$VLLM_PORT"
    if [[ -n "${DRY_RUN:-}" ]]; then echo "CUDA_VISIBLE_DEVICES=$VLLM_DEVICES ${SERVE[*]} ${VLLM_ARGS:-}"; exit 0; fi
    CUDA_VISIBLE_DEVICES=$VLLM_DEVICES exec "${SERVE[@]}" ${VLLM_ARGS:-}
  fi
  TRAIN_DEVICES=$(IFS=,; echo "${VISIBLE[*]:VLLM_GPUS:N}")
  echo "vLLM server: $MODEL on GPU(s) $VLLM_DEVICES, $VLLM_HOST:$VLLM_PORT; training on GPU(s) $TRAIN_DEVICES"
  if [[ -n "${DRY_RUN:-}" ]]; then
    echo "CUDA_VISIBLE_DEVICES=$VLLM_DEVICES ${SERVE[*]} ${VLLM_ARGS:-}"
  else
    CUDA_VISIBLE_DEVICES=$VLLM_DEVICES "${SERVE[@]}" ${VLLM_ARGS:-} > "${VLLM_LOG:-vllm_server.log}" 2>&1 &
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
  EXTRA+=(--use_vllm true --vllm_mode server --vllm_server_host "$CLIENT_HOST" --vllm_server_port "$VLLM_PORT"
          --vllm_server_gpus "$VLLM_GPUS")
elif [[ -n "${VLLM_SERVER:-}" ]]; then
  [[ "$VLLM_SERVER" =~ ^([^:]+):([0-9]+)$ ]] || { echo "error: VLLM_SERVER must be host:port, got '$VLLM_SERVER'" >&2; exit 2; }
  EXTRA+=(--use_vllm true --vllm_mode server --vllm_server_host "${BASH_REMATCH[1]}"
          --vllm_server_port "${BASH_REMATCH[2]}" --vllm_server_gpus "${VLLM_GPUS:-1}")
fi

# without `exec`: the EXIT trap must still stop the vLLM server when training ends
"$PY" -m r1zero.core.launch "$N" step3_GRPO/train_trl.py --config "$CONFIG" "${EXTRA[@]}" "$@"
