#!/usr/bin/env bash
# The offline install end to end, with the CPU set (the GPU set is the same code with --python/--torch):
# build the wheelhouse (needs PyPI), make a clean venv, install from the folder with --no-index, then run
# the vLLM colocate test inside that venv. Prints each stage's time and the wheelhouse's size.
#
#   bash tools/check_wheelhouse.sh [WORK_DIR]        # default: a fresh temp folder; ~4 GB, ~8 minutes here
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
WORK=${1:-$(mktemp -d -t wheelhouse-check-XXXX)}
mkdir -p "$WORK"
t0=$(date +%s)
# the build runs with a current pip (tools/wheelhouse.py MIN_PIP), from a venv of its own
rm -rf "$WORK/build" && "$PY" -m venv "$WORK/build" && "$WORK/build/bin/python" -m pip install -q --upgrade pip
"$WORK/build/bin/python" tools/wheelhouse.py build --set cpu --out "$WORK/wheels"
t1=$(date +%s)
rm -rf "$WORK/venv" && "$PY" -m venv "$WORK/venv"
"$PY" tools/wheelhouse.py install --wheelhouse "$WORK/wheels" --python "$WORK/venv/bin/python"
t2=$(date +%s)
"$WORK/venv/bin/python" -c "import vllm, trl, transformers, torch; print('imports ok:', 'vllm', vllm.__version__, \
'trl', trl.__version__, 'transformers', transformers.__version__, 'torch', torch.__version__)"
HF_HUB_OFFLINE=1 "$WORK/venv/bin/python" -m pytest -q -p no:cacheprovider tests/training/test_grpo_vllm_colocate.py
t3=$(date +%s)
echo "wheelhouse-check: build $((t1 - t0)) s, install --no-index $((t2 - t1)) s, colocate test $((t3 - t2)) s;" \
     "$(du -sh "$WORK/wheels" | cut -f1) of wheels, venv $(du -sh "$WORK/venv" | cut -f1) ($WORK)"
