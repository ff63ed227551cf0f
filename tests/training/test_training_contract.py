"""A finished run is finished for its own settings only: the training contract (r1zero/training/contract.py).

The issue's scenario on the tiny model and toy data: a short finished run, then another data folder or learning
rate (refused in one line naming the key), the same settings (nothing to do), a larger max_steps (continues),
--restart (the old run moved aside); and a resume from a checkpoint of an unfinished run under another setting.
"""

import logging

import pytest

from r1zero.core.artifacts import read_manifest
from r1zero.core.errors import UserError
from r1zero.testing.toy_data import write_toy_dataset
from r1zero.training.contract import CONTRACT_NAME, describe_difference

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def two_datasets(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    return (write_toy_dataset(root / "a", n_train=32, n_val=8),
            write_toy_dataset(root / "b", n_train=32, n_val=8, seed=1))


def _files(folder):
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")
            if p.is_file() and not p.name.startswith(".run.lock")}


def _refusal(run, argv) -> str:
    with pytest.raises(UserError) as caught:
        run(argv)
    message = str(caught.value)
    assert "\n" not in message and "pass --restart true to move it aside and start over" in message
    return message


def test_the_contract_leaves_out_what_only_continues_or_logs_a_run():
    recorded = {"data": {"train_sha256": "a" * 64}, "training": {"learning_rate": 1e-3, "seed": 0}}
    now = {"data": {"train_sha256": "b" * 64}, "training": {"learning_rate": 2e-3, "seed": 0}}
    assert describe_difference(recorded, now) == ("differs in: data.train_sha256 ('aaaaaaaaaaaaaaaaaaaa... -> "
                                                  "'bbbbbbbbbbbbbbbbbbbb...), training.learning_rate (0.001 -> 0.002)")
    assert describe_difference(recorded, recorded) is None
    # a setting only another transformers/TRL version has is not a difference; a changed start model is
    newer = {**recorded, "training": {**recorded["training"], "new_trl_field": 1}}
    assert describe_difference(recorded, newer) is None
    local, hub = {"base_model": {"fingerprint": "f"}}, {"base_model": {"hub_id": "org/m", "revision": "main"}}
    assert describe_difference(local, hub).startswith("differs in: base_model.fingerprint ('f' -> None)")


def test_sft_finished_run_is_finished_for_its_own_settings_only(tiny_model_dir, two_datasets, tmp_path, caplog):
    from step2_sft.train_sft import main

    data_a, data_b = two_datasets
    out = tmp_path / "sft"

    def argv(data, *extra):
        return ["--config", "config/demo/sft.yaml", "--model_name_or_path", str(tiny_model_dir), "--data_dir",
                str(data), "--output_dir", str(out), "--per_device_train_batch_size", "4", "--save_steps", "1",
                "--save_strategy", "steps", "--logging_steps", "1", *extra]

    # the issue's scenario: a run finished by its epochs (32 rows in batches of 4: 8 steps), then --max_steps 5
    assert main(argv(data_a, "--num_train_epochs", "1")).state.global_step == 8
    contract = read_manifest(out)["contract"]
    assert contract["training"]["learning_rate"] == 1e-3 and "num_train_epochs" not in contract["training"]
    assert "output_dir" not in str(contract) and "logging_steps" not in str(contract)
    before = _files(out)

    # another data folder, another learning rate: refused, naming what differs; nothing written
    message = _refusal(main, argv(data_b, "--max_steps", "5"))
    assert message.startswith(f"{out} holds a run made with other settings (differs in: data.train_sha256 (")
    message = _refusal(main, argv(data_a, "--max_steps", "5", "--learning_rate", "5e-3"))
    assert "differs in: training.learning_rate (0.001 -> 0.005)" in message
    assert _files(out) == before

    # the same settings: nothing to do (also with logging changed)
    caplog.set_level(logging.INFO, logger="step2_sft")
    assert main(argv(data_a, "--max_steps", "5", "--logging_steps", "7")) is None
    assert "holds a finished run (step 8) for these settings: nothing to do" in caplog.text
    assert _files(out) == before

    # a larger max_steps continues the run from its checkpoint
    assert main(argv(data_a, "--max_steps", "9")).state.global_step == 9
    assert f"resuming from {out / 'checkpoint-8'}" in caplog.text

    # --restart true moves the run aside and starts over under the new settings
    restarted = main(argv(data_b, "--max_steps", "1", "--restart", "true"))
    assert restarted.state.global_step == 1 and "--restart: moved the earlier run in" in caplog.text
    (old,) = tmp_path.glob("sft.old-*")
    assert (old / "final" / "config.json").is_file() and (old / "checkpoint-9").is_dir()
    assert read_manifest(old)["global_step"] == 9 and read_manifest(out)["global_step"] == 1
    assert not (out / "checkpoint-9").exists() and (out / ".run.lock").is_file()


def test_a_resume_from_a_checkpoint_under_other_settings_is_refused(tiny_model_dir, two_datasets, tmp_path, caplog):
    """An unfinished run (checkpoints, no final/ nor manifest, as a kill leaves it) is guarded by the contract
    that training wrote into output_dir before its first checkpoint."""
    import shutil

    from step2_sft.train_sft import main

    data_a, _ = two_datasets
    out = tmp_path / "sft"

    def argv(*extra):
        return ["--config", "config/demo/sft.yaml", "--model_name_or_path", str(tiny_model_dir), "--data_dir",
                str(data_a), "--output_dir", str(out), "--per_device_train_batch_size", "4", "--save_steps", "1",
                "--save_strategy", "steps", "--max_steps", "2", *extra]

    main(argv())
    shutil.rmtree(out / "final")
    (out / "manifest.json").unlink()
    assert (out / CONTRACT_NAME).is_file() and (out / "checkpoint-2").is_dir()

    message = _refusal(main, argv("--max_steps", "4", "--per_device_train_batch_size", "8"))
    assert "differs in: training.per_device_train_batch_size (4 -> 8)" in message
    caplog.set_level(logging.INFO, logger="step2_sft")
    assert main(argv("--max_steps", "3")).state.global_step == 3  # the same settings resume
    assert f"resuming from {out / 'checkpoint-2'}" in caplog.text

    # a run that recorded no contract (made before contracts) cannot be checked: refused until --restart
    (out / CONTRACT_NAME).unlink()
    (out / "manifest.json").unlink()
    message = _refusal(main, argv("--max_steps", "4"))
    assert f"holds a run that cannot be checked against these settings (its {CONTRACT_NAME} is missing" in message
    (out / CONTRACT_NAME).write_text("{torn")  # unreadable: the same, and --restart still moves it aside
    assert "cannot be checked" in _refusal(main, argv("--max_steps", "4"))
    assert main(argv("--max_steps", "1", "--restart", "true")).state.global_step == 1
    assert (next(tmp_path.glob("sft.old-*")) / "checkpoint-3").is_dir()


@pytest.mark.slow
def test_grpo_finished_run_is_finished_for_its_own_settings_only(tiny_model_dir, two_datasets, tmp_path, caplog):
    from step3_GRPO.train_trl import main

    data_a, data_b = two_datasets
    out = tmp_path / "grpo"

    def argv(data, *extra):
        return ["--config", "config/demo/grpo.yaml", "--model_name_or_path", str(tiny_model_dir), "--data_dir",
                str(data), "--output_dir", str(out), "--save_steps", "1", "--eval_every_steps", "0",
                "--preflight", "false", "--per_device_train_batch_size", "8", "--num_generations", "4",
                "--max_completion_length", "16", "--logging_steps", "1", *extra]

    assert main(argv(data_a, "--max_steps", "1")).state.global_step == 1
    before = _files(out)
    message = _refusal(main, argv(data_b, "--max_steps", "1"))
    assert "differs in: data.train_sha256 (" in message
    message = _refusal(main, argv(data_a, "--max_steps", "1", "--num_generations", "8", "--beta", "0.1"))
    assert "training.beta (" in message and "training.num_generations (4 -> 8)" in message
    assert _files(out) == before

    caplog.set_level(logging.INFO, logger="step3_GRPO")
    assert main(argv(data_a, "--max_steps", "1")) is None
    assert "holds a finished run (step 1) for these settings: nothing to do" in caplog.text
    assert main(argv(data_a, "--max_steps", "2")).state.global_step == 2  # continues
    assert f"resuming from {out / 'checkpoint-1'}" in caplog.text
    assert read_manifest(out)["contract"]["training"]["reward_funcs"] == ["r1_zero"]
