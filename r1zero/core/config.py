"""Config parsing shared by every stage: ``--config file.yaml`` then ``--field value`` overrides.

Built on TRL's ``TrlParser`` (itself ``HfArgumentParser``), so scripts declare plain dataclasses and
pass TRL's ``SFTConfig`` / ``GRPOConfig`` straight through instead of re-declaring their options.

Differences from a bare ``TrlParser``, all about user mistakes:
- an unknown key (in the YAML or on the command line) or a bad value is one line naming it, exit 2;
- flags are never abbreviated (``--learning_rat`` is an unknown flag, not ``--learning_rate``);
- scalar YAML values are validated with the field's type (``lr: abc`` is refused, not carried along);
- sizes, counts, rates and timeouts out of range (``--limit -3``, ``--num_generations 0``) are refused
  before any dataclass is built, so before any model loads (``OPTION_BOUNDS``);
- a missing or non-mapping config file is one line, not a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from r1zero.core.errors import UserError, fail


def load_yaml_config(path: str | Path) -> dict:
    """Read a YAML mapping, with one-line errors for the usual mistakes."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise UserError(f"config file {path} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserError(f"config file {path} must hold a YAML mapping (key: value), not {type(data).__name__}")
    return data


# Lowest (and highest) values of options, ours and TRL's / transformers', whose bad values would otherwise
# fail late and deep (a ZeroDivisionError inside GRPOConfig, a negative deque size mid-training):
# name -> (low, high, low_inclusive). An option absent from a script, or set to None, is not checked.
OPTION_BOUNDS: dict[str, tuple[float, float | None, bool]] = {
    **{name: (1, None, True) for name in (
        # TRL / transformers
        "per_device_train_batch_size", "per_device_eval_batch_size", "gradient_accumulation_steps",
        "num_generations", "max_completion_length", "max_prompt_length", "max_length", "num_iterations",
        "steps_per_generation", "generation_batch_size", "vllm_tensor_parallel_size", "save_total_limit",
        "vllm_server_gpus", "gpus_per_node",
        # ours
        "limit", "num_samples", "max_tokens", "chunk_size", "batch_size", "grader_workers", "tensor_parallel_size",
        "max_model_len", "max_train_samples", "max_prompt_tokens", "eval_samples", "eval_max_new_tokens",
        "eval_batch_size", "max_problem_chars", "max_solution_chars", "max_sft_target_tokens", "ngram_size",
        "num_proc")},
    **{name: (0, None, True) for name in (
        "learning_rate", "warmup_steps", "weight_decay", "max_grad_norm", "beta", "epsilon", "temperature",
        "dataloader_num_workers", "eval_every_steps", "gold_check_samples", "wandb_samples", "val_size",
        "reasoning_vocab_size")},
    **{name: (0, None, False) for name in (
        "num_train_epochs", "logging_steps", "save_steps", "eval_steps", "grader_timeout_s", "gpu_memory_gb")},
    **{name: (0, 1, False) for name in ("top_p", "gpu_memory_utilization", "vllm_gpu_memory_utilization")},
    "max_ungradable_fraction": (0, 1, True),
}


def check_bounds(values: dict) -> None:
    """Raise UserError naming the first option outside ``OPTION_BOUNDS`` (``max_steps``: -1 or >= 1)."""
    steps = values.get("max_steps")
    if isinstance(steps, int) and not isinstance(steps, bool) and (steps == 0 or steps < -1):
        raise UserError(f"--max_steps must be -1 (use num_train_epochs) or at least 1, got {steps}")
    for name, (low, high, inclusive) in OPTION_BOUNDS.items():
        value = values.get(name)
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if value < low or (value == low and not inclusive) or (high is not None and value > high):
            expected = f"{'>=' if inclusive else '>'} {low:g}" + (f" and <= {high:g}" if high is not None else "")
            raise UserError(f"--{name} must be {expected}, got {value:g}")


def _make_parser(dataclass_types):
    from trl import TrlParser

    class OneLineParser(TrlParser):
        """argparse prints usage plus the error; we print only the error line. Values are range-checked
        as soon as argparse has them, before the dataclasses (and their own checks) run."""

        def error(self, message):  # noqa: D401 - argparse hook
            fail(message)

        def parse_known_args(self, args=None, namespace=None):
            namespace, remaining = super().parse_known_args(args, namespace)
            check_bounds(vars(namespace))
            return namespace, remaining

    return OneLineParser(dataclass_types, allow_abbrev=False)


def _stringify_scalars(config: dict) -> dict:
    """argparse type-checks string defaults only, so scalars go in as strings and are validated."""
    return {k: str(v) if isinstance(v, bool | int | float) else v for k, v in config.items()}


def parse_args(dataclass_types: Sequence[type], argv: Sequence[str] | None = None) -> tuple:
    """Parse ``--config file.yaml`` plus overrides into instances of ``dataclass_types``.

    Returns one instance per dataclass type, in order. User mistakes raise ``UserError``
    (or exit 2 directly for argparse errors).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _make_parser(list(dataclass_types))
    config = {}
    if "--config" in argv:
        at = argv.index("--config")
        if at + 1 >= len(argv):
            raise UserError("--config needs a path to a YAML file")
        config = load_yaml_config(argv[at + 1])
        del argv[at : at + 2]
    env = config.pop("env", None)
    if env is not None:
        if not isinstance(env, dict):
            raise UserError("`env` in the config must be a mapping of environment variables")
        import os

        for key, value in env.items():
            os.environ[str(key)] = str(value)
    unknown = parser.set_defaults_with_config(**_stringify_scalars(config))
    if unknown:
        names = ", ".join(sorted({s[2:] for s in unknown[::2]}))
        raise UserError(f"unknown config key(s): {names}")
    try:
        *parsed, leftover = parser.parse_args_into_dataclasses(args=argv, return_remaining_strings=True)
    except ValueError as exc:
        # dataclass __post_init__ validation (TrainingArguments and ours) raises ValueError on bad values
        raise UserError(str(exc).strip().splitlines()[0]) from None
    if leftover:
        raise UserError(f"unknown argument(s): {' '.join(leftover)}")
    return tuple(parsed)
