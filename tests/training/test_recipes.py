"""The seeds' recipes (config/recipes/, docs/recipes.md): each GRPO config runs 2 steps on CPU through the real
file, with only the tiny model, toy data and what a CPU cannot do swapped in (``SMOKE``)."""

import json
from pathlib import Path

import pytest

from r1zero.core.config import load_yaml_config
from r1zero.testing.toy_data import write_toy_dataset

pytestmark = [pytest.mark.usefixtures("one_torch_thread"), pytest.mark.slow]
RECIPES = Path(__file__).resolve().parents[2] / "config" / "recipes"
GRPO_RECIPES = sorted(p.name for p in RECIPES.glob("*.yaml") if not p.name.endswith("_sweep.yaml"))
# What the smoke run changes: the CPU cannot run vLLM or bf16, and 2 short steps of one prompt group each.
SMOKE = {"use_vllm": "false", "use_cpu": "true", "bf16": "false", "max_steps": "2", "gradient_accumulation_steps": "1",
         "max_completion_length": "16", "save_strategy": "no", "report_to": "none", "logging_steps": "1",
         "eval_every_steps": "2", "eval_samples": "2", "eval_max_new_tokens": "8", "eval_batch_size": "2",
         "gold_check_samples": "16"}


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory):
    return write_toy_dataset(tmp_path_factory.mktemp("toy"), n_train=32, n_val=4)


def smoke_argv(recipe: str, model, data, out, **extra) -> list[str]:
    config = load_yaml_config(RECIPES / recipe)
    options = {**SMOKE, "per_device_train_batch_size": str(config.get("num_generations", 8)), **extra}
    argv = ["--config", str(RECIPES / recipe), "--model_name_or_path", str(model), "--data_dir", str(data),
            "--output_dir", str(out)]
    return argv + [token for key, value in options.items() for token in (f"--{key}", value)]


@pytest.mark.parametrize("recipe", GRPO_RECIPES)
def test_recipe_runs_two_steps_on_cpu(recipe, tiny_model_dir, toy_data, mbpp_data_dir, tmp_path):
    from step3_GRPO.train.registry import PRESETS
    from step3_GRPO.train_trl import main

    config = load_yaml_config(RECIPES / recipe)
    data = mbpp_data_dir if "mbpp" in config["reward_funcs"] else toy_data
    trainer = main(smoke_argv(recipe, tiny_model_dir, data, tmp_path / "grpo"))
    assert trainer.state.global_step == 2
    # every setting the smoke run leaves alone is the recipe's
    kept = {k: v for k, v in config.items() if k not in SMOKE and k not in (
        "model_name_or_path", "data_dir", "output_dir", "per_device_train_batch_size")}
    manifest = json.loads((tmp_path / "grpo" / "final" / "manifest.json").read_text())
    parsed = {**manifest["config"]["model"], **manifest["config"]["script"], **vars(trainer.args)}
    for key, value in kept.items():  # list values: the monitor's weight-0 rewards ride along after the recipe's
        got = list(parsed[key])[:len(value)] if isinstance(value, list) else parsed[key]
        assert got == value, (key, parsed[key], value)
    assert manifest["prompt"]["name"] == f"chat_{config['answer_rule']}"
    logged = {k for row in trainer.state.log_history for k in row}
    names = [c for n in config["reward_funcs"] for c in (PRESETS[n] if n in PRESETS else [n])]  # presets: their parts
    assert all(f"rewards/{n}/mean" in logged for n in names), (names, logged)
    assert "eval_accuracy" in logged  # the in-training eval ran in the chat format


def test_reasoning_vocabulary_side_of_the_qwen3_sweep_runs(tiny_model_dir, toy_data, tmp_path):
    """The sweep's second run: the same recipe with the reasoning vocabulary (the tokenizer's length, as 151,646
    is Qwen2's), in the thinking chat format."""
    from transformers import AutoTokenizer

    from step3_GRPO.train_trl import main

    sweep = load_yaml_config(RECIPES / "rlvr_vocab_qwen3_sweep.yaml")
    assert (RECIPES.parents[1] / sweep["grpo_config"]).resolve() == RECIPES / "rlvr_vocab_qwen3.yaml"
    assert sweep["grid"] == {"reasoning_vocab_size": [0, 151646]}
    size = len(AutoTokenizer.from_pretrained(tiny_model_dir))
    trainer = main(smoke_argv("rlvr_vocab_qwen3.yaml", tiny_model_dir, toy_data, tmp_path / "grpo",
                              reasoning_vocab_size=str(size)))
    assert trainer.state.global_step == 2 and trainer.reasoning is not None
    assert trainer.model.get_input_embeddings().weight.shape[0] >= 2 * size
