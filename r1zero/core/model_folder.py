"""Checks on a local model folder before anything loads it: one line for a folder that cannot work.

A missing or malformed ``config.json`` or a truncated weight file otherwise surfaces as a long traceback
from deep inside transformers or vLLM, sometimes minutes into a run. ``check_model_folder`` reads only
``config.json`` and the safetensors headers (which safetensors checks against the file size), so it costs
milliseconds even for a 7B model. Weights must be safetensors: the other format (``pytorch_model.bin``) is
a pickle, which can run code when loaded, so no stage loads it.
"""

from __future__ import annotations

import json
from pathlib import Path

from r1zero.core.errors import UserError

CONFIG = "config.json"
SHARD_INDEX = "model.safetensors.index.json"


def _read_json(path: Path, what: str) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"{path} is not valid JSON ({exc.__class__.__name__}): the {what} is damaged") from None
    if not isinstance(data, dict):
        raise UserError(f"{path} must hold a JSON object: the {what} is damaged")
    return data


def _weight_files(folder: Path) -> list[Path]:
    index = folder / SHARD_INDEX
    if index.is_file():
        shards = sorted(set((_read_json(index, "shard index").get("weight_map") or {}).values()))
        missing = [s for s in shards if not (folder / s).is_file()]
        if missing:
            raise UserError(f"{folder} lacks weight shard(s) {', '.join(missing[:3])} named in {SHARD_INDEX}")
        return [folder / s for s in shards]
    return sorted(folder.glob("*.safetensors"))


def check_model_folder(folder: str | Path) -> Path:
    """Raise UserError unless ``folder`` holds a config.json with a model_type and readable safetensors."""
    from safetensors import SafetensorError, safe_open

    folder = Path(folder)
    config_path = folder / CONFIG
    if not config_path.is_file():
        raise UserError(f"{folder} holds no {CONFIG}: not a model folder")
    if "model_type" not in _read_json(config_path, "model config"):
        raise UserError(f"{config_path} has no model_type: not a transformers model config")
    weights = _weight_files(folder)
    if not weights:
        pickled = [p.name for p in folder.glob("*.bin")]
        hint = f" (found {', '.join(pickled[:2])}: pickle weights are not loaded, convert them to safetensors)" \
            if pickled else ""
        raise UserError(f"{folder} holds no *.safetensors weights{hint}")
    for path in weights:
        try:
            with safe_open(str(path), framework="pt") as handle:
                handle.keys()
        except (SafetensorError, OSError) as exc:
            raise UserError(f"{path} is not a readable safetensors file: {str(exc).splitlines()[0]}") from None
    return folder
