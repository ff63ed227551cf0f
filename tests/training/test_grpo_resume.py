"""Resume: a rerun continues from the last checkpoint-N at the right step instead of restarting."""

import logging
import os

import pytest

from r1zero.core.errors import UserError
from r1zero.testing.toy_data import write_toy_dataset
from r1zero.training.checkpoint_record import write_record
from r1zero.training.checkpoints import find_resume_checkpoint


def _ckpt(root, step, complete=True):
    folder = root / f"checkpoint-{step}"
    folder.mkdir(parents=True)
    if complete:
        (folder / "trainer_state.json").write_text(f'{{"global_step": {step}}}')
        write_record(folder)
    return folder


def test_last_complete_checkpoint_wins(tmp_path):
    _ckpt(tmp_path, 9)
    ten = _ckpt(tmp_path, 10)  # numeric order, not string order ("checkpoint-9" > "checkpoint-10")
    _ckpt(tmp_path, 11, complete=False)  # a crash mid-save leaves no completeness record
    assert find_resume_checkpoint(tmp_path, None) == str(ten)
    assert find_resume_checkpoint(tmp_path, None, auto_resume=False) is None
    assert find_resume_checkpoint(tmp_path / "missing", None) is None


def test_explicit_checkpoint_and_opt_out(tmp_path):
    nine = _ckpt(tmp_path, 9)
    _ckpt(tmp_path, 10)
    assert find_resume_checkpoint(tmp_path, str(nine)) == str(nine)
    assert find_resume_checkpoint(tmp_path, "false") is None
    with pytest.raises(UserError, match="not a complete checkpoint folder: not a folder"):
        find_resume_checkpoint(tmp_path, str(tmp_path / "checkpoint-3"))


@pytest.mark.slow
def test_grpo_rerun_resumes_at_the_right_step(tiny_model_dir, tmp_path, caplog, one_torch_thread):
    from step3_GRPO.train_trl import main

    data = write_toy_dataset(tmp_path / "data", n_train=48, n_val=8)
    out = tmp_path / "grpo"
    argv = ["--config", "config/demo/grpo.yaml", "--model_name_or_path", str(tiny_model_dir), "--data_dir",
            str(data), "--output_dir", str(out), "--save_steps", "2", "--eval_every_steps", "0",
            "--preflight", "false", "--per_device_train_batch_size", "8", "--num_generations", "4",
            "--max_completion_length", "32", "--logging_steps", "1"]
    first = main(argv + ["--max_steps", "2"])
    assert first.state.global_step == 2 and (out / "checkpoint-2" / "trainer_state.json").is_file()
    step1 = out / "completions" / "completions_00001.parquet"
    stamp = os.stat(step1).st_mtime_ns

    caplog.set_level(logging.INFO, logger="step3_GRPO")
    second = main(argv + ["--max_steps", "4"])
    assert f"resuming from {out / 'checkpoint-2'}" in caplog.text
    assert second.state.global_step == 4
    steps = [h["step"] for h in second.state.log_history if "loss" in h]
    assert steps == [1, 2, 3, 4]  # steps 1-2 restored from the checkpoint, 3-4 trained now: no restart
    assert os.stat(step1).st_mtime_ns == stamp  # step 1 was not trained (and logged) again
    assert (out / "completions" / "completions_00004.parquet").is_file()
    assert (out / "checkpoint-4").is_dir()

    # rerunning the finished run changes nothing: no step past max_steps, final/ and checkpoints untouched
    before = _snapshot(out)
    caplog.clear()
    assert main(argv + ["--max_steps", "4"]) is None
    assert "holds a finished run (step 4) for these settings: nothing to do" in caplog.text
    assert _snapshot(out) == before


def _snapshot(folder):
    """Every file under ``folder`` with its size and modification time (the run lock aside)."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".run.lock")}
