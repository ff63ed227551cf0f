"""Checkpoints are complete only with a matching record, resume checks them, and a save cut short at any point
(a SIGKILL, a full disk) leaves the previous complete checkpoint to resume from (issue 26, item 2)."""

import json
import logging
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from r1zero.core.errors import UserError
from r1zero.testing.toy_data import write_toy_dataset
from r1zero.training.checkpoint_record import RECORD_NAME, checkpoint_problem, write_record
from r1zero.training.checkpoints import find_resume_checkpoint

REPO = Path(__file__).resolve().parents[2]
KILL_STEP = 3  # the save cut short: checkpoints 1 and 2 are complete, and rotation (limit 2) deletes 1 in it


def make_checkpoint(root: Path, step: int, record: bool = True) -> Path:
    """A small but real checkpoint: safetensors weights, torch-saved optimizer, scheduler and RNG, the state."""
    import torch
    from safetensors.torch import save_file

    folder = root / f"checkpoint-{step}"
    folder.mkdir(parents=True)
    save_file({"w": torch.ones(64, 64)}, folder / "model.safetensors")
    torch.save({"state": {0: torch.ones(64, 64)}}, folder / "optimizer.pt")
    torch.save({"last_epoch": step}, folder / "scheduler.pt")
    torch.save({"python": [1, 2, 3]}, folder / "rng_state.pth")
    (folder / "trainer_state.json").write_text(json.dumps({"global_step": step, "log_history": []}))
    if record:
        write_record(folder)
    return folder


def cut(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


@pytest.mark.parametrize("damage, why", [
    (lambda f: (f / RECORD_NAME).unlink(), "no checkpoint_complete.json"),
    (lambda f: (f / RECORD_NAME).write_text('{"files": '), "checkpoint_complete.json is unreadable"),
    (lambda f: cut(f / "optimizer.pt"), "optimizer.pt has"),
    (lambda f: (f / "scheduler.pt").unlink(), "scheduler.pt is missing"),
    (lambda f: (f / "trainer_state.json").write_text('{"global_step": 2, "log_history": {}}'),  # same size
     "trainer_state.json differs from the record"),
    # damaged before the record was written, so the record vouches for them: the content checks catch it
    (lambda f: (cut(f / "model.safetensors"), write_record(f)), "model.safetensors is not a readable safetensors"),
    (lambda f: (cut(f / "rng_state.pth"), write_record(f)), "rng_state.pth is not a whole torch archive"),
    (lambda f: ((f / "trainer_state.json").write_text('{"global_step": 9}'), write_record(f)),
     "trainer_state.json is at step 9, not 2"),
    (lambda f: ((f / "trainer_state.json").write_text('{"global'), write_record(f)), "trainer_state.json does not parse"),
    (lambda f: ((f / "scheduler.pt").unlink(), write_record(f)), "no scheduler"),
])
def test_a_damaged_newest_checkpoint_is_skipped_in_one_line(tmp_path, caplog, damage, why):
    one = make_checkpoint(tmp_path, 1)
    two = make_checkpoint(tmp_path, 2)
    assert checkpoint_problem(two) is None and find_resume_checkpoint(tmp_path, None) == str(two)
    damage(two)
    assert why in checkpoint_problem(two)
    logger = logging.getLogger("test_checkpoint_faults")
    with caplog.at_level(logging.WARNING, logger=logger.name):
        assert find_resume_checkpoint(tmp_path, None, logger=logger) == str(one)
    assert [r.getMessage() for r in caplog.records] == [
        f"skipped incomplete or damaged checkpoint-2 ({checkpoint_problem(two)}): resuming from checkpoint-1"]
    with pytest.raises(UserError, match=f"^--resume_from_checkpoint {two} is not a complete checkpoint folder: "):
        find_resume_checkpoint(tmp_path, str(two))


def test_no_complete_checkpoint_starts_over_and_says_so(tmp_path, caplog):
    make_checkpoint(tmp_path, 1, record=False)
    logger = logging.getLogger("test_checkpoint_faults")
    with caplog.at_level(logging.WARNING, logger=logger.name):
        assert find_resume_checkpoint(tmp_path, None, logger=logger) is None
    assert caplog.messages == ["skipped incomplete or damaged checkpoint-1 (no checkpoint_complete.json (its save did "
                               "not finish)): no complete checkpoint, starting from step 0"]


def test_a_folder_saved_again_is_incomplete_until_recorded_again(tmp_path):
    """Resuming from an older checkpoint saves over newer ones: their old record must not vouch for a half-new
    folder, so it goes as soon as the Trainer decides to save there, and comes back once the save is done."""
    from types import SimpleNamespace

    from r1zero.training.checkpoint_record import CheckpointRecord

    three = make_checkpoint(tmp_path, 3)
    args = SimpleNamespace(output_dir=str(tmp_path), should_save=True)
    state, control = SimpleNamespace(global_step=3), SimpleNamespace(should_save=True)
    record = CheckpointRecord()
    record.on_step_end(args, state, control)
    assert record.saving == three and checkpoint_problem(three).startswith("no checkpoint_complete.json")
    record.on_save(args, state, control)
    assert record.saving is None and checkpoint_problem(three) is None


def test_save_total_limit_below_two_is_refused_in_one_line():
    from trl import ModelConfig, SFTConfig

    from r1zero.core.config import parse_args
    from step2_sft.train_sft import SFTScriptArguments

    with pytest.raises(UserError, match=r"^--save_total_limit must be >= 2, got 1$"):
        parse_args([SFTScriptArguments, SFTConfig, ModelConfig], ["--save_total_limit", "1"])


# -- real SFT runs, cut short mid-save ---------------------------------------------------------------------------

def sft_argv(model, data, out):
    return ["--config", "config/demo/sft.yaml", "--model_name_or_path", str(model), "--data_dir", str(data),
            "--output_dir", str(out), "--per_device_train_batch_size", "4", "--logging_steps", "1",
            "--report_to", "none", "--save_strategy", "steps", "--save_steps", "1", "--save_total_limit", "2",
            "--max_steps", str(KILL_STEP), "--disable_tqdm", "true"]


@pytest.fixture(scope="module")
def killed_saves(tiny_model_dir, tmp_path_factory):
    """One SFT run whose save of checkpoint-3 is SIGKILLed at each of its points in turn (tests/helpers/
    save_kills.py): the output folder as each kill left it, and as it was before the save."""
    root = tmp_path_factory.mktemp("save_kills")
    data = write_toy_dataset(root / "data", n_train=48, n_val=8)
    snapshots = root / "snapshots"
    snapshots.mkdir()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false", "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "tests/helpers/save_kills.py", str(snapshots), str(KILL_STEP), "--",
                           *sft_argv(tiny_model_dir, data, root / "run")], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    points = [line.split("kill point: ")[1] for line in proc.stderr.splitlines() if "kill point: " in line]
    kills = sorted((p for p in snapshots.iterdir() if p.name != "before"), key=lambda p: int(p.name))
    assert len(kills) == len(points)
    return data, snapshots / "before", list(zip(points, kills, strict=True))


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_a_kill_at_any_point_of_a_save_resumes_from_a_complete_checkpoint(tiny_model_dir, killed_saves, caplog,
                                                                          one_torch_thread):
    from step2_sft.train_sft import main

    data, before, kills = killed_saves
    assert len(kills) >= 20, [p for p, _ in kills]
    kinds = {point.split()[0] for point, _ in kills}
    assert {"open", "os.mkdir", "os.rename", "midway", "shutil.rmtree", "os.remove"} <= kinds, kinds
    complete = files_of(before / "checkpoint-2")
    caplog.set_level(logging.INFO, logger="step2_sft")
    for point, out in kills:
        # the previous checkpoint is untouched, and it is the one resume takes
        assert files_of(out / "checkpoint-2") == complete, point
        assert find_resume_checkpoint(out, None) == str(out / "checkpoint-2"), point
        cut_short = (out / f"checkpoint-{KILL_STEP}").exists()
        caplog.clear()
        result = main(sft_argv(tiny_model_dir, data, out))
        assert result.state.global_step == KILL_STEP and (out / "final" / "config.json").is_file(), point
        assert f"resuming from {out / 'checkpoint-2'}" in caplog.text, point
        skipped = [m for m in caplog.messages if m.startswith("skipped incomplete or damaged")]
        assert len(skipped) == cut_short, (point, skipped)
        assert checkpoint_problem(out / f"checkpoint-{KILL_STEP}") is None, point  # saved again, whole


@pytest.mark.slow
def test_a_full_disk_mid_save_is_one_line_and_keeps_the_previous_checkpoint(tiny_model_dir, killed_saves, tmp_path,
                                                                            caplog, one_torch_thread):
    from step2_sft.train_sft import main

    data, before, _ = killed_saves
    out = tmp_path / "run"
    shutil.copytree(before, out)
    complete = files_of(out / "checkpoint-2")
    weights = (out / "checkpoint-2" / "model.safetensors").stat().st_size
    # a file-size limit below the weights' size: the write fails mid-file as on a full disk (SIGXFSZ ignored,
    # so the write raises EFBIG instead of killing the process)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (weights // 2, hard))
    try:
        with pytest.raises(UserError) as err:
            main(sft_argv(tiny_model_dir, data, out))
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"saving {out / 'checkpoint-3'} failed (")
    assert "File too large" in message and "the last complete checkpoint, checkpoint-2, is intact" in message
    assert files_of(out / "checkpoint-2") == complete and checkpoint_problem(out / "checkpoint-3")

    caplog.set_level(logging.INFO, logger="step2_sft")
    result = main(sft_argv(tiny_model_dir, data, out))
    assert result.state.global_step == KILL_STEP and f"resuming from {out / 'checkpoint-2'}" in caplog.text
    assert sum(m.startswith("skipped incomplete or damaged checkpoint-3") for m in caplog.messages) == 1
