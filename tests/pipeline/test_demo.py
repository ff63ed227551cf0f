"""runs/demo.py: which seed and data each stage gets (the stages themselves run in the other tests and in `make demo`)."""

import pytest
from run_scripts import load_run_script

from r1zero.core.errors import UserError


def _stage_commands(monkeypatch, tmp_path, **args) -> dict[str, list[str]]:
    demo = load_run_script("demo")
    commands = {}
    monkeypatch.setattr(demo, "run_stage", lambda title, cmd, timings, env: commands.update({title: cmd}))
    demo.run_pipeline(demo.DemoArgs(**args), tmp_path, [], {})
    return commands


def _flag(cmd: list[str], flag: str) -> str:
    return cmd[cmd.index(flag) + 1]


def _stage_seeds(monkeypatch, tmp_path, **args) -> dict[str, str]:
    commands = _stage_commands(monkeypatch, tmp_path, **args)
    return {title: _flag(cmd, "--seed") for title, cmd in commands.items() if "--seed" in cmd}


def test_data_seed_fixes_the_stories_and_split_while_seed_drives_training(monkeypatch, tmp_path):
    seeds = _stage_seeds(monkeypatch, tmp_path, seed=3, data_seed=0)
    assert seeds["step1: synthetic arithmetic"] == seeds["step1: prepare"] == "0"
    trained = {title: s for title, s in seeds.items() if not title.startswith("step1")}
    assert set(trained) >= {"step2: SFT", "step3: GRPO", "step4: evaluate sft", "step4: evaluate grpo"}
    assert set(trained.values()) == {"3"}


def test_without_data_seed_every_stage_gets_the_seed(monkeypatch, tmp_path):
    assert set(_stage_seeds(monkeypatch, tmp_path, seed=2).values()) == {"2"}


def test_sft_learns_from_slipped_solutions_of_the_same_problems_and_grpo_from_true_answers(monkeypatch, tmp_path):
    commands = _stage_commands(monkeypatch, tmp_path, sft_slip_rate=0.5)
    writes = [cmd for title, cmd in commands.items() if title.startswith("step1: synthetic")]
    assert len(writes) == 2
    clean, slipped = writes
    assert "--slip_rate" not in clean and _flag(slipped, "--slip_rate") == "0.5"
    assert [a for a in slipped if a not in ("--slip_rate", "0.5")][:-2] == clean[:-2]  # all but --output
    # one seed and val size for both sets, so the val problems are the same: only the files differ
    prepares = [cmd for title, cmd in commands.items() if title.startswith("step1: prepare")]
    assert len(prepares) == 2
    for flag in ("--seed", "--val_size", "--config", "--dataset"):
        assert _flag(prepares[0], flag) == _flag(prepares[1], flag)
    assert {_flag(cmd, "--output_dir") for cmd in prepares} == {str(tmp_path / "data"), str(tmp_path / "data_sft")}
    assert _flag(commands["step2: SFT"], "--data_dir") == str(tmp_path / "data_sft")
    assert _flag(commands["step3: GRPO"], "--data_dir") == str(tmp_path / "data")
    assert _flag(commands["step4: evaluate grpo"], "--data") == str(tmp_path / "data" / "val.parquet")


def test_without_slips_sft_learns_from_the_true_solutions(monkeypatch, tmp_path):
    commands = _stage_commands(monkeypatch, tmp_path, sft_slip_rate=0.0)
    assert sum(title.startswith("step1: synthetic") for title in commands) == 1
    assert _flag(commands["step2: SFT"], "--data_dir") == str(tmp_path / "data")


def test_a_bad_slip_rate_is_refused_before_anything_is_written(tmp_path):
    demo = load_run_script("demo")
    with pytest.raises(UserError, match="--sft_slip_rate must be between 0 and 1, got 2.0"):
        demo.main(["--sft_slip_rate", "2", "--out_dir", str(tmp_path / "demo"), "--bf16", "false"])
    assert not (tmp_path / "demo").exists()
