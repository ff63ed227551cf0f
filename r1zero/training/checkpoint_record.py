"""A checkpoint counts as complete only once its completeness record says so, and resume checks it.

The Trainer writes ``checkpoint-N`` in place (transformers has no public way to write it elsewhere and rename
it), so the commit is a record instead: ``CheckpointRecord`` (a ``TrainerCallback``; ``on_save`` runs after
the Trainer wrote every file of the checkpoint, on every rank) waits for all ranks, then writes
``checkpoint_complete.json`` into the folder (a temporary file, fsync, ``os.replace``): every file's size,
and a SHA-256 of the small ones. A kill or a full disk before that leaves a folder without a valid record,
which resume skips for the previous complete checkpoint.

``checkpoint_problem`` is resume's check: the record matches the files, and cheap checks of the content
(safetensors headers cover their files, ``*.pt``/``*.pth``/``*.bin`` are whole torch zip archives,
``trainer_state.json`` parses and names the folder's step, the optimizer, scheduler and RNG state exist).

Rotation (``save_total_limit``) deletes old checkpoints after the new one is written but before ``on_save``,
so a kill there leaves the new one without a record: ``save_total_limit`` must be at least 2 (the parser's
bound), so the previous complete one always survives.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile
from pathlib import Path

from transformers import TrainerCallback

RECORD_NAME = "checkpoint_complete.json"
HASHED_BYTES = 1 << 20  # files up to 1 MiB (trainer state, scheduler, RNG, configs) are hashed; larger by size
STEP_RE = re.compile(r"checkpoint-(\d+)$")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(folder: Path) -> list[Path]:
    """The checkpoint's files, the record and hidden temporaries left out."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != RECORD_NAME and not p.name.startswith("."))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_record(folder: str | Path) -> Path:
    """Record ``folder``'s files (after they reach the disk), atomically: the checkpoint is then complete."""
    folder = Path(folder)
    files = {}
    for path in _files(folder):
        size = path.stat().st_size
        files[path.relative_to(folder).as_posix()] = {"size": size, **(
            {"sha256": _sha256(path)} if size <= HASHED_BYTES else {})}
        _fsync(path)  # a machine that dies after the record must not lose the files it vouches for
    temp = folder / f".{RECORD_NAME}.tmp"
    with open(temp, "w") as handle:
        json.dump({"files": files}, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, folder / RECORD_NAME)
    _fsync(folder)  # the rename itself
    return folder / RECORD_NAME


def _record_problem(folder: Path) -> str | None:
    try:
        files = json.loads((folder / RECORD_NAME).read_text())["files"]
    except FileNotFoundError:
        return f"no {RECORD_NAME} (its save did not finish)"
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"{RECORD_NAME} is unreadable ({type(exc).__name__})"
    for name, want in files.items():
        path = folder / name
        if not path.is_file():
            return f"{name} is missing"
        if path.stat().st_size != want.get("size"):
            return f"{name} has {path.stat().st_size} bytes, the record says {want.get('size')}"
        if "sha256" in want and _sha256(path) != want["sha256"]:
            return f"{name} differs from the record"
    return None


def _content_problem(folder: Path, name: str) -> str | None:
    path = folder / name
    if name.endswith(".safetensors"):
        from safetensors import safe_open

        try:
            with safe_open(str(path), "pt") as handle:  # reads the header; refuses a file the header does not cover
                handle.keys()
        except Exception as exc:  # noqa: BLE001 - safetensors raises its own SafetensorError and OSErrors
            return f"{name} is not a readable safetensors file ({str(exc).splitlines()[0][:120]})"
    elif name.endswith((".pt", ".pth", ".bin")):
        if not zipfile.is_zipfile(path):  # torch.save's archive ends with its directory: a cut file has none
            return f"{name} is not a whole torch archive"
    elif name == "trainer_state.json":
        try:
            step = json.loads(path.read_text()).get("global_step")
        except (OSError, ValueError, AttributeError):
            return "trainer_state.json does not parse"
        match = STEP_RE.search(folder.name)
        if match and step != int(match.group(1)):
            return f"trainer_state.json is at step {step}, not {match.group(1)}"
    return None


def checkpoint_problem(folder: str | Path) -> str | None:
    """Why ``folder`` is not a complete checkpoint to resume from, in a few words; None when it is."""
    folder = Path(folder)
    if not folder.is_dir():
        return "not a folder"
    why = _record_problem(folder)
    if why:
        return why
    names = [p.relative_to(folder).as_posix() for p in _files(folder)]
    if "trainer_state.json" not in names:
        return "no trainer_state.json"
    if "optimizer.pt" in names or any(n.startswith("global_step") for n in names):  # a full, not model-only, save
        for needed, what in (("scheduler.pt", "scheduler"), ("rng_state", "RNG state")):
            if not any(n.startswith(needed) for n in names):
                return f"no {what} ({needed}*)"
    for name in names:
        if why := _content_problem(folder, name):
            return why
    return None


class CheckpointRecord(TrainerCallback):
    """Marks each checkpoint complete once every rank has written its part (see the module's docstring).

    ``saving`` names the checkpoint being written between the decision to save and ``on_save``, so that an
    error escaping the Trainer there (a full disk) can be reported as a failed save."""

    def __init__(self):
        self.saving: Path | None = None

    def _before_save(self, args, state, control):
        if control.should_save:
            self.saving = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            if args.should_save:  # a folder saved again (a resume from an older one) is not complete until re-recorded
                (self.saving / RECORD_NAME).unlink(missing_ok=True)

    def on_step_end(self, args, state, control, **kwargs):
        self._before_save(args, state, control)

    def on_epoch_end(self, args, state, control, **kwargs):
        self._before_save(args, state, control)

    def on_save(self, args, state, control, **kwargs):
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
            dist.barrier()  # every rank's files (its RNG state, its shards) are written before the record
        folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        if args.should_save and folder.is_dir():
            write_record(folder)
        self.saving = None
        return control
