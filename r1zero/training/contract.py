"""The training contract: what decides a training run's weights, recorded in its output folder.

A rerun into a folder that holds a run (a complete ``checkpoint-N`` or ``final/``) continues it, or has nothing
to do, only under the same contract; another one is refused in one line naming the keys that differ, and
``--restart true`` moves the earlier run aside to start over. The contract holds:

- ``data``: the sha256 of step 1's ``train.parquet`` (not its path: moving the folder changes nothing) and the
  options that choose its rows;
- ``base_model``: a local folder's sampled fingerprint (``r1zero.core.artifacts.sampled_sha256``), or the hub
  id and revision;
- ``prompt``: the prompt format options (template, answer_rule, system_prompt, enable_thinking);
- ``training``: the settings that change the result, as given (the TRAINING_KEYS of the stage), and the
  number of processes (they multiply the batch).

``max_steps`` and ``num_train_epochs`` are left out (raising them continues a run), and so are logging,
saving, evaluation, output and speed-only settings (dataloader workers, gradient checkpointing, attention
kernel, vLLM or transformers rollouts). The contract is written to ``training_contract.json`` when training
starts, before the first checkpoint, so a resume under other settings is refused too; the finished run's
manifest holds it as well.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

from r1zero.core.artifacts import atomic_write_json, file_sha256, read_manifest, sampled_sha256, to_jsonable
from r1zero.core.chat import PromptOptions
from r1zero.core.errors import UserError

CONTRACT_NAME = "training_contract.json"
# TrainingArguments fields both stages read; a field this transformers lacks is left out
COMMON_KEYS = (
    "learning_rate", "lr_scheduler_type", "lr_scheduler_kwargs", "warmup_steps", "warmup_ratio", "weight_decay",
    "optim", "optim_args", "adam_beta1", "adam_beta2", "adam_epsilon", "max_grad_norm",
    "per_device_train_batch_size", "gradient_accumulation_steps", "seed", "data_seed", "bf16", "fp16",
    "label_smoothing_factor", "neftune_noise_alpha", "average_tokens_across_devices",
)
TRAINING_KEYS = {
    "sft": COMMON_KEYS + (
        "max_length", "packing", "packing_strategy", "padding_free", "completion_only_loss",
        "assistant_only_loss", "loss_type", "truncation_mode", "shuffle_dataset", "eos_token", "pad_token",
        "chat_template_path",
    ),
    "grpo": COMMON_KEYS + (
        "num_generations", "generation_batch_size", "steps_per_generation", "num_iterations",
        "max_completion_length", "temperature", "top_p", "top_k", "min_p", "repetition_penalty",
        "generation_kwargs", "chat_template_kwargs", "beta", "epsilon", "epsilon_high", "delta", "loss_type",
        "scale_rewards", "importance_sampling_level", "mask_truncated_completions", "top_entropy_quantile",
        "reward_weights", "multi_objective_aggregation", "sync_ref_model", "ref_model_sync_steps",
        "ref_model_mixup_alpha", "disable_dropout", "shuffle_dataset", "use_bias_correction_kl",
        "cast_lm_head_to_fp32", "entropy_coef", "use_adaptive_entropy", "vllm_importance_sampling_correction",
        "vllm_importance_sampling_mode", "vllm_importance_sampling_cap",
    ),
}
# our script options that change the result (prompt options aside); absent ones are left out
SCRIPT_KEYS = ("reward_funcs", "reasoning_vocab_size", "max_prompt_tokens", "code_timeout_s")
MODEL_KEYS = ("dtype", "model_revision")


def _pick(args, keys) -> dict:
    present = {f.name for f in dataclasses.fields(args)}
    return {k: to_jsonable(getattr(args, k)) for k in keys if k in present}


def base_model_identity(model_path: str, revision: str | None = None) -> dict:
    """A local model folder by its sampled fingerprint (its path may move), a hub id by name and revision."""
    if Path(model_path).is_dir():
        return {"fingerprint": sampled_sha256(model_path)[:16]}
    return {"hub_id": model_path, "revision": revision or "main"}


def build_training_contract(stage: str, script_args, training_args, model_args, model_path: str) -> dict:
    """The contract of a run from its parsed options (before training adjusts any of them); ``model_path``:
    the resolved start model (``resolve_model_path``)."""
    train = Path(script_args.data_dir) / "train.parquet"
    if not Path(script_args.data_dir).is_dir():
        raise UserError(f"--data_dir {script_args.data_dir} is not a folder (run step1_data/prepare.py first)")
    if not train.is_file():
        raise UserError(f"{train} not found: --data_dir must be step1's output folder with train.parquet")
    prompt = {f.name: getattr(script_args, f.name) for f in dataclasses.fields(PromptOptions)}
    contract = {
        "stage": stage,
        "data": {"train_sha256": file_sha256(train), "max_train_samples": script_args.max_train_samples},
        "base_model": base_model_identity(model_path, getattr(model_args, "model_revision", None)),
        "prompt": prompt,
        "training": {**_pick(training_args, TRAINING_KEYS[stage]), **_pick(script_args, SCRIPT_KEYS),
                     **_pick(model_args, MODEL_KEYS), "world_size": training_args.world_size},
    }
    return json.loads(json.dumps(to_jsonable(contract)))  # as it reads back from the file: enums as their values


def recorded_contract(output_dir: str | Path) -> dict | None:
    """The contract a folder's run recorded: ``training_contract.json``, else its manifest's, else None (also
    when unreadable: such a run cannot be checked, and ``--restart`` must still be able to move it)."""
    path = Path(output_dir) / CONTRACT_NAME
    try:
        recorded = json.loads(path.read_text()) if path.is_file() else (read_manifest(output_dir) or {}).get("contract")
    except (OSError, ValueError, UserError):
        return None
    return recorded if isinstance(recorded, dict) else None


def record_contract(training_args, contract: dict | None) -> None:
    """Write the contract into ``output_dir`` as training starts (by the processes that save checkpoints)."""
    if contract is not None and training_args.should_save:
        atomic_write_json(Path(training_args.output_dir) / CONTRACT_NAME, contract)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 24 else text[:21] + "..."


def differing_keys(recorded: dict, contract: dict) -> list[str]:
    """``section.key`` for each value that differs. A training setting that only one side has is not compared:
    it is a field another transformers or TRL version added or dropped, not a choice of the user's."""
    keys = []
    for section in sorted(set(recorded) | set(contract)):
        a, b = recorded.get(section), contract.get(section)
        if isinstance(a, dict) and isinstance(b, dict):
            names = set(a) & set(b) if section == "training" else set(a) | set(b)
            keys += [f"{section}.{k}" for k in sorted(names) if a.get(k) != b.get(k)]
        elif a != b:
            keys.append(section)
    return keys


def describe_difference(recorded: dict, contract: dict, limit: int = 4) -> str | None:
    """``differs in: key (recorded -> now), ...`` for the keys that differ, or None when the contracts agree."""
    keys = differing_keys(recorded, contract)
    if not keys:
        return None

    def value(obj, key):
        for part in key.split("."):
            obj = obj.get(part) if isinstance(obj, dict) else None
        return obj

    shown = ", ".join(f"{k} ({_short(value(recorded, k))} -> {_short(value(contract, k))})" for k in keys[:limit])
    return "differs in: " + shown + (f" and {len(keys) - limit} more" if len(keys) > limit else "")


def move_aside(output_dir: Path, keep: tuple[str, ...]) -> Path:
    """Move everything in ``output_dir`` but ``keep`` (the run lock) into a new sibling folder, by renames on
    one filesystem: nothing is copied or deleted, and a crash midway leaves each entry whole in one place."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    dest = output_dir.with_name(f"{output_dir.name}.old-{stamp}")
    n = 1
    while dest.exists():
        n += 1
        dest = output_dir.with_name(f"{output_dir.name}.old-{stamp}-{n}")
    dest.mkdir()
    entries = sorted((p for p in output_dir.iterdir() if p.name not in keep), key=lambda p: p.name == CONTRACT_NAME)
    for entry in entries:  # the contract last: a folder left half moved still says what its checkpoints are
        entry.rename(dest / entry.name)
    return dest
