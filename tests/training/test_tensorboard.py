"""report_to: tensorboard in step2 and step3: the event files under <output_dir>/runs/ hold the loss, the rewards and
the in-training eval, at the trainer's step numbers (read back with TensorBoard's own event reader)."""

import pytest

from r1zero.testing.rewards import digit_count
from r1zero.testing.tensorboard import read_scalars
from r1zero.testing.toy_data import write_toy_dataset

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory):
    return write_toy_dataset(tmp_path_factory.mktemp("toy"), n_train=48, n_val=8)


def logged(trainer, key: str) -> dict[int, float]:
    """What the trainer logged for ``key`` (its log history): {step: value}."""
    return {h["step"]: h[key] for h in trainer.state.log_history if key in h}


@pytest.mark.slow
def test_sft_writes_loss_to_tensorboard(tiny_model_dir, toy_data, tmp_path):
    from step2_sft.train_sft import main

    out = tmp_path / "sft"
    trainer = main(["--config", "config/demo/sft.yaml", "--model_name_or_path", str(tiny_model_dir),
                    "--data_dir", str(toy_data), "--output_dir", str(out), "--max_steps", "2", "--logging_steps", "1",
                    "--save_strategy", "no", "--report_to", "tensorboard"])
    scalars = read_scalars(out)
    assert list(scalars["train/loss"]) == [1, 2]
    assert scalars["train/loss"] == pytest.approx(logged(trainer, "loss"))
    assert list(scalars["train/learning_rate"]) == [1, 2]


@pytest.mark.slow
def test_grpo_writes_loss_rewards_and_eval_to_tensorboard(tiny_model_dir, toy_data, tmp_path):
    from step3_GRPO.train_trl import main

    out = tmp_path / "grpo"
    trainer = main(["--config", "config/demo/grpo.yaml", "--model_name_or_path", str(tiny_model_dir),
                    "--data_dir", str(toy_data), "--output_dir", str(out), "--max_steps", "2", "--logging_steps", "1",
                    "--per_device_train_batch_size", "8", "--num_generations", "4", "--max_completion_length", "16",
                    "--reward_funcs", "digit_count", "r1_zero_format", "--reward_weights", "1", "0",
                    "--eval_every_steps", "2", "--eval_samples", "8", "--eval_batch_size", "8",
                    "--eval_max_new_tokens", "16", "--save_strategy", "no", "--preflight", "false",
                    "--report_to", "tensorboard"], extra_rewards=[digit_count])
    scalars = read_scalars(out)
    # the Trainer's TensorBoard callback files training logs under train/ and eval_* keys under eval/
    for tag, key in (("train/loss", "loss"), ("train/reward", "reward"),
                     ("train/rewards/digit_count/mean", "rewards/digit_count/mean"),
                     ("train/rewards/r1_zero_format/mean", "rewards/r1_zero_format/mean")):
        assert list(scalars[tag]) == [1, 2], tag
        assert scalars[tag] == pytest.approx(logged(trainer, key)), tag
    assert any(v > 0 for v in scalars["train/rewards/digit_count/mean"].values())  # a real reward, not zeros
    assert scalars["eval/accuracy"] == pytest.approx(logged(trainer, "eval_accuracy"))
    assert list(scalars["eval/accuracy"]) == [2]


@pytest.mark.parametrize("stage", ["sft", "grpo"])
def test_tensorboard_without_the_package_is_a_one_line_error(tiny_model_dir, toy_data, tmp_path, monkeypatch, stage):
    import transformers.integrations

    from r1zero.core.errors import UserError
    from step2_sft.train_sft import main as sft
    from step3_GRPO.train_trl import main as grpo

    monkeypatch.setattr(transformers.integrations, "is_tensorboard_available", lambda: False)
    config = {"sft": "config/demo/sft.yaml", "grpo": "config/demo/grpo.yaml"}[stage]
    with pytest.raises(UserError, match="report_to: tensorboard needs the tensorboard package"):
        {"sft": sft, "grpo": grpo}[stage](["--config", config, "--model_name_or_path", str(tiny_model_dir),
                                           "--data_dir", str(toy_data), "--output_dir", str(tmp_path / "out"),
                                           "--report_to", "tensorboard"])
    assert not (tmp_path / "out").exists()  # refused before the output folder is taken
