"""evaluate.py --report_to tensorboard: each checkpoint's eval metrics at its training step, in event files beside
the training run's (`<run>/../eval/runs/`), and no W&B run."""

import json
import shutil

import pytest

from r1zero.testing.tensorboard import read_scalars
from step4_eval import evaluate
from tests.evaluation.test_eval import make_val


def test_eval_of_every_checkpoint_writes_its_metrics_at_its_step(tmp_path, tiny_model_dir, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "offline")  # W&B would start a run here: report_to tensorboard must not
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "wb"))
    run = tmp_path / "r" / "grpo"
    for step in (2, 4):
        shutil.copytree(tiny_model_dir, run / f"checkpoint-{step}")
    val = make_val(tmp_path / "data" / "val.parquet", n=4)
    summaries = evaluate.main(["--ckpt", "all", "--run_dir", str(run), "--base_model", str(tiny_model_dir), "--data", str(val), "--engine", "hf",
                               "--max_tokens", "4", "--temperature", "0", "--report_to", "tensorboard"])
    scalars = read_scalars(tmp_path / "r" / "eval")
    assert scalars["eval/accuracy"] == pytest.approx({s["step"]: s["accuracy"] for s in summaries})
    assert list(scalars["eval/accuracy"]) == [0, 2, 4]  # the base model, then the checkpoints
    total = json.loads((tmp_path / "r" / "eval" / "checkpoint-4" / "summary.json").read_text())["total"]
    assert scalars["eval/total"][4] == total == 4
    assert "eval/by_source/gsm8k/accuracy" in scalars
    assert not (tmp_path / "wb").exists()


def test_tensorboard_is_a_report_to_choice_and_others_are_refused(tmp_path):
    assert evaluate.EvalArgs(report_to="tensorboard").report_to == "tensorboard"
    with pytest.raises(ValueError, match="--report_to must be auto, wandb, tensorboard or none"):
        evaluate.EvalArgs(report_to="tensorbored")


def test_benchmark_suite_writes_each_benchmarks_accuracy(tmp_path, tiny_model_dir):
    (report,) = evaluate.main(["--ckpt", str(tiny_model_dir), "--benchmarks", "gsm8k,math500", "--limit", "2",
                               "--engine", "hf", "--max_tokens", "4", "--temperature", "0",
                               "--output_dir", str(tmp_path), "--report_to", "tensorboard"])
    scalars = read_scalars(tmp_path)
    for name in ("gsm8k", "math500", "average"):
        block = report["average"] if name == "average" else report["benchmarks"][name]
        assert scalars[f"benchmarks/{name}/accuracy"] == pytest.approx({0: block["accuracy"]}), name


def test_tensorboard_without_the_package_is_a_one_line_error(tmp_path, monkeypatch):
    import sys

    from r1zero.core.errors import UserError
    from r1zero.evaluation.report import tensorboard_session

    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # what importing it without tensorboard gives
    with pytest.raises(UserError, match="report_to: tensorboard needs the tensorboard package"):
        with tensorboard_session("tensorboard", tmp_path):
            pass
    with tensorboard_session("wandb", tmp_path) as board:  # other choices never import it
        assert board is None
