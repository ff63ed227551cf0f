"""SIGTERM in the middle of a real step4 eval (a subprocess) leaves it resumable: the rerun keeps the whole
chunks, generates the rest, and ends with the same generations and summary as an eval never interrupted."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from r1zero.testing.toy_data import write_toy_dataset

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def evaluate(val, out, tiny_model_dir):
    args = [sys.executable, "step4_eval/evaluate.py", "--ckpt", str(tiny_model_dir), "--data", str(val),
            "--output_dir", str(out), "--engine", "hf", "--num_samples", "2", "--max_tokens", "24",
            "--chunk_size", "2", "--batch_size", "2", "--temperature", "1.0"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    return subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.is_file() else []


def test_sigterm_mid_eval_then_rerun_matches_an_uninterrupted_eval(tiny_model_dir, tmp_path):
    val = write_toy_dataset(tmp_path / "data", n_train=8, n_val=16) / "val.parquet"
    full = evaluate(val, tmp_path / "full", tiny_model_dir)
    assert full.wait(timeout=300) == 0, full.stdout.read()[-3000:]

    part = tmp_path / "part"
    proc = evaluate(val, part, tiny_model_dir)
    deadline = time.time() + 300
    while len(lines(part / "generations.jsonl")) < 4 and time.time() < deadline:  # chunk 0 on disk (2 x 2 rows)
        assert proc.poll() is None, proc.stdout.read()[-3000:]
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == -signal.SIGTERM  # stopped mid-eval (8 chunks in all), not finished
    done = len(lines(part / "generations.jsonl"))
    assert 4 <= done < 32 and not (part / "summary.json").exists()

    rerun = evaluate(val, part, tiny_model_dir)
    out = rerun.communicate(timeout=300)[0]
    assert rerun.returncode == 0, out[-3000:]
    kept = done // 4  # whole chunks only; a torn one is generated again
    assert f"resuming ({kept} of 8 chunks done)" in out, out[-3000:]
    assert sorted(lines(part / "generations.jsonl")) == sorted(lines(tmp_path / "full" / "generations.jsonl"))
    summaries = [json.loads((d / "summary.json").read_text()) for d in (tmp_path / "full", part)]
    assert [{k: v for k, v in s.items() if k not in ("timing", "generations")} for s in summaries] == \
        [{k: v for k, v in summaries[0].items() if k not in ("timing", "generations")}] * 2
