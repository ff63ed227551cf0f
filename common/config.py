"""Config parsing shared by every stage: ``--config file.yaml`` then ``--field value`` overrides.

Built on TRL's ``TrlParser`` (itself ``HfArgumentParser``), so scripts declare plain dataclasses and
pass TRL's ``SFTConfig`` / ``GRPOConfig`` straight through instead of re-declaring their options.

Differences from a bare ``TrlParser``, all about user mistakes:
- an unknown key (in the YAML or on the command line) or a bad value is one line naming it, exit 2;
- scalar YAML values are validated with the field's type (``lr: abc`` is refused, not carried along);
- a missing or non-mapping config file is one line, not a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from common.errors import UserError, fail


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


def _make_parser(dataclass_types):
    from trl import TrlParser

    class OneLineParser(TrlParser):
        """argparse prints usage plus the error; we print only the error line."""

        def error(self, message):  # noqa: D401 - argparse hook
            fail(message)

    return OneLineParser(dataclass_types)


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
