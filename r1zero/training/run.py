"""Helpers shared by the training stages (step2 SFT, step3 GRPO) and step4's checkpoint lookup.

- ``load_split``: read step1's ``<data_dir>/<split>.parquet`` after checking its manifest (prompt
  template) and columns, with one-line errors for the usual mistakes.
- ``resolve_model_path``: a hub id, a model folder, or a run folder whose model is in ``final/``.
- ``list_checkpoints`` / ``find_resume_checkpoint``: a run's ``checkpoint-N`` folders by step, and the one
  to resume from (explicit, or the last complete one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from r1zero.core.errors import UserError

FINAL_DIR = "final"
CHECKPOINT_RE = re.compile(r"^checkpoint-(\d+)$")


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def cpu_supports_bf16() -> bool:
    """True when this CPU runs bf16 natively (AVX512-BF16 or AMX): bf16 autocast then roughly halves
    CPU step time; elsewhere it is emulated and slower than fp32."""
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def read_step1_parquet(path: Path, columns: Sequence[str]):
    """A step1 parquet file (train or val), with one-line errors for an unreadable file or missing columns."""
    import pandas as pd

    try:
        df = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a bad file
        raise UserError(f"{path} is not a readable parquet file: {str(exc).splitlines()[0]}") from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise UserError(f"{path} lacks column(s) {', '.join(missing)} (has {', '.join(map(str, df.columns))})")
    for column in ("prompt", "sft_target"):
        if column in columns:
            bad = df.index[df[column].map(lambda v: v is not None and v == v and not isinstance(v, str))]
            if len(bad):
                raise UserError(f"{path}: column {column} must hold text, but row {bad[0]} holds "
                                f"{type(df[column][bad[0]]).__name__}")
    return df


def load_split(data_dir: str | Path, split: str, columns: Sequence[str], *, max_rows: int | None = None):
    """step1's ``<split>.parquet`` as a DataFrame holding ``columns``; refuses another prompt template."""
    from r1zero.core.artifacts import check_manifest

    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise UserError(f"--data_dir {data_dir} is not a folder (run step1_data/prepare.py first)")
    check_manifest(data_dir)
    path = data_dir / f"{split}.parquet"
    if not path.is_file():
        raise UserError(f"{path} not found: --data_dir must be step1's output folder with {split}.parquet")
    df = read_step1_parquet(path, columns)
    if df.empty:
        raise UserError(f"{path} has no rows")
    if max_rows is not None and max_rows > 0:
        df = df.iloc[:max_rows]
    return df.reset_index(drop=True)


def resolve_model_path(name_or_path: str) -> str:
    """A hub id or model folder as is; a run folder (``outputs/<run>/sft``) resolves to its ``final/``."""
    if not name_or_path:
        raise UserError("--model_name_or_path is required")
    from r1zero.core.model_folder import check_model_folder

    path = Path(name_or_path)
    if path.is_dir():
        if (path / FINAL_DIR / "config.json").is_file() and not (path / "config.json").is_file():
            path = path / FINAL_DIR
        if not (path / "config.json").is_file():
            raise UserError(f"{path} holds no model (no config.json there or in {FINAL_DIR}/)")
        return str(check_model_folder(path))
    if path.is_absolute() or name_or_path.startswith((".", "~")) or name_or_path.count("/") > 1:
        raise UserError(f"model folder {name_or_path} does not exist")
    return name_or_path  # a hub id such as Qwen/Qwen2.5-Math-1.5B


def list_checkpoints(output_dir: str | Path) -> list[Path]:
    """``checkpoint-N`` folders in ``output_dir``, oldest step first."""
    folder = Path(output_dir)
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if p.is_dir() and (m := CHECKPOINT_RE.match(p.name))]
    return [p for _, p in sorted(found)]


def find_resume_checkpoint(output_dir: str | Path, resume_from_checkpoint: str | None, *,
                           auto_resume: bool = True) -> str | None:
    """What to resume from: an explicit path wins; else the last complete ``checkpoint-N`` if auto_resume.

    A checkpoint counts as complete when it holds ``trainer_state.json`` (written last by the Trainer),
    so a folder left by a crash mid-save is skipped rather than crashing the resume.
    """
    if resume_from_checkpoint not in (None, "", "auto"):
        if str(resume_from_checkpoint).lower() in ("false", "none", "no"):
            return None
        path = Path(resume_from_checkpoint)
        if not (path / "trainer_state.json").is_file():
            raise UserError(f"--resume_from_checkpoint {path} is not a checkpoint folder (no trainer_state.json)")
        return str(path)
    if not auto_resume and resume_from_checkpoint != "auto":
        return None
    complete = [p for p in list_checkpoints(output_dir) if (p / "trainer_state.json").is_file()]
    return str(complete[-1]) if complete else None


def is_finished(training_args, logger) -> bool:
    """True, and says so, when ``output_dir`` holds a finished run that these settings would not extend.

    A run is finished when ``train_and_save`` wrote ``final/`` and marked the folder's manifest complete;
    rerunning it with the same ``max_steps`` (or epochs) must change nothing, while a larger ``max_steps``
    continues it from its last checkpoint.
    """
    from r1zero.core.artifacts import read_manifest

    output_dir = Path(training_args.output_dir)
    manifest = read_manifest(output_dir) or {}
    if not manifest.get("complete") or not (output_dir / FINAL_DIR / "config.json").is_file():
        return False
    step = int(manifest.get("global_step") or 0)
    if training_args.max_steps > 0:
        finished = step >= training_args.max_steps
    else:
        recorded = ((manifest.get("config") or {}).get("training") or {}).get("num_train_epochs")
        finished = recorded is not None and float(recorded) >= training_args.num_train_epochs
    if finished:
        logger.info("%s holds a finished run (step %d) for these settings: nothing to do (raise max_steps to "
                    "continue it, or choose another output_dir)", output_dir, step)
    return finished


def accept_indexed_cpu_locations() -> None:
    """Let torch.load map tensors to ``cpu:N``, as transformers asks when a multi-process CPU run resumes.

    The Trainer loads the optimizer with ``map_location=args.device``, which in a multi-process CPU run is
    ``cpu:<local rank>``; torch.load knows only ``cpu`` and fails. ``register_package`` (torch's public
    hook for storage locations) adds the missing case: ``cpu:N`` is the CPU. Registering twice is harmless.
    """
    import torch

    def restore(storage, location: str):
        return storage.cpu() if location.startswith("cpu:") else None

    torch.serialization.register_package(50, lambda _storage: None, restore)


def train_and_save(trainer, tokenizer, *, stage: str, model_path: str, script_args, training_args, model_args,
                   logger, extra: dict | None = None):
    """Train (resuming from the last complete checkpoint), then write what both training stages leave:
    ``final/`` (model + tokenizer), ``trainer_state.json`` and a manifest in ``final/`` and ``output_dir``.

    Returns (train result, final folder, seconds spent training).
    """
    import time

    from r1zero.core.artifacts import write_manifest

    resume = find_resume_checkpoint(training_args.output_dir, training_args.resume_from_checkpoint,
                                    auto_resume=script_args.auto_resume)
    if resume:
        logger.info("resuming from %s", resume)
        if training_args.use_cpu and training_args.world_size > 1:
            accept_indexed_cpu_locations()
    start = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=resume)
    elapsed = time.perf_counter() - start

    final_dir = Path(training_args.output_dir) / FINAL_DIR
    trainer.save_model(str(final_dir))
    trainer.save_state()  # <output_dir>/trainer_state.json: the full log history, also when save_strategy is no
    if trainer.accelerator.is_main_process:
        tokenizer.save_pretrained(final_dir)
        info = {"base_model": model_path, "global_step": result.global_step, "train_seconds": round(elapsed, 1),
                "train_loss": result.training_loss, "resumed_from": resume, "complete": True, **(extra or {})}
        config = {"script": script_args, "training": training_args, "model": model_args}
        inputs = {"train": Path(script_args.data_dir) / "train.parquet"}
        for folder in (final_dir, Path(training_args.output_dir)):
            write_manifest(folder, stage, config, inputs=inputs, seed=training_args.seed, extra=info)
    return result, final_dir, elapsed

