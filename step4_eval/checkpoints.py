"""Resolve ``--ckpt`` into the models to evaluate.

``--ckpt`` is a checkpoint name inside the run folder (``checkpoint-200``, ``final``), a path, a hub id
(``org/name``), or ``all``: every ``checkpoint-N`` of the run plus the base model as step 0. The base
model comes from ``base_model`` in the eval config, else from the run's ``manifest.json`` config.
A folder named ``final`` or ``checkpoint-N`` given by its path belongs to the run folder holding it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from r1zero.core.artifacts import MANIFEST_NAME, read_manifest, sampled_sha256
from r1zero.core.errors import UserError
from r1zero.core.model_folder import check_model_folder
from r1zero.training.checkpoints import CHECKPOINT_RE as CKPT_RE
from r1zero.training.checkpoints import FINAL_DIR, list_checkpoints

HUB_ID_RE = re.compile(r"^[\w.-]+/[\w.-]+$")


@dataclass(frozen=True)
class Checkpoint:
    label: str          # folder name for its eval outputs: checkpoint-200, base, final, org--name
    model: str          # what the engine loads: a local folder or a hub id
    step: int | None    # training step (0 for the base model), None when unknown
    local: bool
    run_dir: str | None = None  # the training run folder it belongs to (its eval goes beside it), None if none


def _available(run_dir: Path) -> str:
    names = [p.name for p in list_checkpoints(run_dir)]
    names += [n for n in ("final",) if (run_dir / n).is_dir()]
    return ", ".join(names) if names else "none"


def step_of(path: Path) -> int | None:
    """The training step of a checkpoint folder: from its name, else its trainer_state.json, else its
    manifest.json (training writes one into ``final/``), else None."""
    match = CKPT_RE.match(path.name)
    if match:
        return int(match.group(1))
    for name in ("trainer_state.json", MANIFEST_NAME):
        file = path / name
        if file.is_file():
            try:
                return int(json.loads(file.read_text()).get("global_step"))
            except (ValueError, TypeError, AttributeError):  # unreadable, not a dict, no step: unknown
                continue
    return None


def _find_key(obj, key: str):
    """Depth-first search for ``key`` in nested dicts (manifests nest configs differently per stage)."""
    if isinstance(obj, dict):
        if isinstance(obj.get(key), str) and obj[key]:
            return obj[key]
        for value in obj.values():
            found = _find_key(value, key)
            if found:
                return found
    return None


def base_model_of(run_dir: Path, base_model: str | None) -> str | None:
    if base_model:
        return base_model
    manifest = read_manifest(run_dir) or {}
    return _find_key(manifest.get("config") or {}, "model_name_or_path")


def hub_label(model_id: str) -> str:
    return model_id.replace("/", "--")


def _local(path: Path, run_dir: Path | None) -> Checkpoint:
    resolved = check_model_folder(path.resolve())
    return Checkpoint(resolved.name, str(resolved), step_of(resolved), True, str(run_dir) if run_dir else None)


def _model(model: str, label: str, step: int | None, run_dir: Path) -> Checkpoint:
    path = Path(model).expanduser()
    if path.is_dir():
        return Checkpoint(label, str(check_model_folder(path.resolve())), step, True, str(run_dir))
    return Checkpoint(label, model, step, False, str(run_dir))


def run_of(path: Path) -> Path | None:
    """The training run folder holding a checkpoint folder given by its path: its parent when the folder is a
    run's ``final/`` or ``checkpoint-N/``, else None (a model of its own)."""
    return path.parent if path.name == FINAL_DIR or CKPT_RE.match(path.name) else None


def resolve(spec: str, run_dir: str | Path, base_model: str | None = None) -> list[Checkpoint]:
    """The checkpoints ``--ckpt spec`` names, in step order for ``all``."""
    run_dir = Path(run_dir).expanduser()
    if spec == "all":
        ckpts = [_local(p, run_dir) for p in list_checkpoints(run_dir)]
        if not ckpts:
            raise UserError(f"--ckpt all: no checkpoint-N folders in run_dir {run_dir}")
        base = base_model_of(run_dir, base_model)
        if base is None:
            raise UserError(f"--ckpt all: cannot tell the base model of {run_dir} (no model_name_or_path in its "
                            "manifest.json); pass --base_model")
        return [_model(base, "base", 0, run_dir), *ckpts]
    path = Path(spec).expanduser()
    if path.is_dir():
        return [_local(path, run_of(path.absolute()))]
    if (run_dir / spec).is_dir():
        return [_local(run_dir / spec, run_dir)]
    if HUB_ID_RE.match(spec) and not spec.startswith((".", "/")):
        return [Checkpoint(hub_label(spec), spec, None, False)]
    raise UserError(f"unknown checkpoint {spec!r}: not a folder, nor in run_dir {run_dir} "
                    f"(available: {_available(run_dir)}), nor a hub id (org/name)")


def fingerprint(ckpt: Checkpoint, sample_bytes: int = 1 << 16) -> dict:
    """Identify a model cheaply: for a folder, each file's name, size and a few sampled blocks
    (``r1zero.core.artifacts.sampled_sha256``)."""
    if not ckpt.local:
        return {"model": ckpt.model, "hub": True}
    return {"model": ckpt.label, "sha256_sampled": sampled_sha256(ckpt.model, sample_bytes)[:16]}
