"""Config parsing shared by every stage: ``--config file.yaml`` then ``--field value`` overrides.

Built on TRL's ``TrlParser`` (itself ``HfArgumentParser``), so scripts declare plain dataclasses and
pass TRL's ``SFTConfig`` / ``GRPOConfig`` straight through instead of re-declaring their options.

Differences from a bare ``TrlParser``, all about user mistakes:
- an unknown key (in the YAML or on the command line) or a bad value is one line naming it, exit 2;
- flags are never abbreviated (``--learning_rat`` is an unknown flag, not ``--learning_rate``);
- scalar YAML values are validated with the field's type (``lr: abc`` is refused, not carried along);
- sizes, counts, rates and timeouts out of range (``--limit -3``, ``--num_generations 0``) are refused
  before any dataclass is built, so before any model loads: each option's bounds live in its field's
  metadata (``"ge"``, ``"gt"``, ``"le"``), TRL's and transformers' options' in ``LIBRARY_BOUNDS``;
- a missing or non-mapping config file is one line, not a traceback.
"""

from __future__ import annotations

import dataclasses
import operator
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


# An option's bounds live with it, in its dataclass field's metadata: "ge" (value >= it) or "gt" (value > it),
# and "le" (value <= it), e.g. ``field(default=512, metadata={"help": ..., "ge": 1})``. parse_args checks them
# before any dataclass is built, so a bad value fails early and in one line, not deep inside (a
# ZeroDivisionError inside GRPOConfig, a negative deque size mid-training). An option set to None is not checked.
BOUND_TESTS = {"ge": (">=", operator.lt), "gt": (">", operator.le), "le": ("<=", operator.gt)}  # (says, breaks)

# The same for TRL's and transformers' options, whose dataclasses are not ours to annotate: name -> bounds.
LIBRARY_BOUNDS: dict[str, dict[str, float]] = {
    **dict.fromkeys((
        "per_device_train_batch_size", "per_device_eval_batch_size", "gradient_accumulation_steps", "num_generations",
        "max_completion_length", "max_length", "num_iterations", "steps_per_generation", "generation_batch_size",
        "vllm_tensor_parallel_size"), {"ge": 1}),
    # rotation deletes the previous checkpoint before the new one is recorded complete (r1zero.training.
    # checkpoint_record): with 1, a kill in between would leave none to resume from
    "save_total_limit": {"ge": 2},
    **dict.fromkeys((
        "learning_rate", "warmup_steps", "weight_decay", "max_grad_norm", "beta", "epsilon", "temperature",
        "dataloader_num_workers"), {"ge": 0}),
    **dict.fromkeys(("num_train_epochs", "logging_steps", "save_steps", "eval_steps"), {"gt": 0}),
    **dict.fromkeys(("top_p", "vllm_gpu_memory_utilization"), {"gt": 0, "le": 1}),
}


def option_bounds(dataclass_types: Sequence[type]) -> dict[str, dict[str, float]]:
    """Each option's bounds, by name: its field's metadata, else ``LIBRARY_BOUNDS``."""
    bounds = {}
    for cls in dataclass_types:
        for f in dataclasses.fields(cls):
            own = {key: f.metadata[key] for key in BOUND_TESTS if key in f.metadata}
            if own or f.name in LIBRARY_BOUNDS:
                bounds[f.name] = own or LIBRARY_BOUNDS[f.name]
    return bounds


def check_bounds(values: dict, bounds: dict[str, dict[str, float]]) -> None:
    """Raise UserError naming the first option outside its ``bounds`` (``max_steps``: -1 or >= 1)."""
    steps = values.get("max_steps")
    if isinstance(steps, int) and not isinstance(steps, bool) and (steps == 0 or steps < -1):
        raise UserError(f"--max_steps must be -1 (use num_train_epochs) or at least 1, got {steps}")
    for name, bound in bounds.items():
        value = values.get(name)
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if any(BOUND_TESTS[key][1](value, limit) for key, limit in bound.items()):
            expected = " and ".join(f"{BOUND_TESTS[key][0]} {limit:g}" for key, limit in bound.items())
            raise UserError(f"--{name} must be {expected}, got {value:g}")


def _make_parser(dataclass_types, before_build=None):
    from trl import TrlParser

    bounds = option_bounds(dataclass_types)

    class OneLineParser(TrlParser):
        """argparse prints usage plus the error; we print only the error line. Values are range-checked
        as soon as argparse has them, before the dataclasses (and their own checks) run."""

        def error(self, message):  # noqa: D401 - argparse hook
            fail(message)

        def add_argument(self, *args, **kwargs):
            # HfArgumentParser hands a field's metadata to argparse; the bounds in it are ours to check
            return super().add_argument(*args, **{k: v for k, v in kwargs.items() if k not in BOUND_TESTS})

        def parse_known_args(self, args=None, namespace=None):
            namespace, remaining = super().parse_known_args(args, namespace)
            check_bounds(vars(namespace), bounds)
            if before_build is not None:
                before_build(vars(namespace))
            return namespace, remaining

    return OneLineParser(dataclass_types, allow_abbrev=False)


def _stringify_scalars(config: dict) -> dict:
    """argparse type-checks string defaults only, so scalars go in as strings and are validated."""
    return {k: str(v) if isinstance(v, bool | int | float) else v for k, v in config.items()}


def parse_args(dataclass_types: Sequence[type], argv: Sequence[str] | None = None, before_build=None) -> tuple:
    """Parse ``--config file.yaml`` plus overrides into instances of ``dataclass_types``.

    Returns one instance per dataclass type, in order. User mistakes raise ``UserError``
    (or exit 2 directly for argparse errors). ``before_build(values)``, if given, sees the parsed options
    (a dict) before any dataclass is built: TrainingArguments starts the process group while it is built.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _make_parser(list(dataclass_types), before_build)
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
