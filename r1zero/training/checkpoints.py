"""A run's folders: the model it starts from, its ``checkpoint-N`` folders, the one to resume from, and
whether it is already finished."""

from __future__ import annotations

import re
from pathlib import Path

from r1zero.core.errors import UserError

FINAL_DIR = "final"
CHECKPOINT_RE = re.compile(r"^checkpoint-(\d+)$")


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
                           auto_resume: bool = True, logger=None) -> str | None:
    """What to resume from: an explicit path wins; else the last complete ``checkpoint-N`` if auto_resume.

    A checkpoint is complete when its completeness record matches its files and they pass cheap checks
    (r1zero/training/checkpoint_record.py), so a folder left by a kill or a full disk mid-save is skipped for
    the previous complete one; with ``logger``, that is said in one line. An explicit path must be complete.
    """
    from r1zero.training.checkpoint_record import checkpoint_problem

    if resume_from_checkpoint not in (None, "", "auto"):
        if str(resume_from_checkpoint).lower() in ("false", "none", "no"):
            return None
        path = Path(resume_from_checkpoint)
        if why := checkpoint_problem(path):
            raise UserError(f"--resume_from_checkpoint {path} is not a complete checkpoint folder: {why}")
        return str(path)
    if not auto_resume and resume_from_checkpoint != "auto":
        return None
    chosen, damaged = newest_complete(output_dir)
    if damaged and logger is not None:
        names = ", ".join(f"{p.name} ({why})" for p, why in damaged)
        logger.warning("skipped incomplete or damaged %s: %s", names,
                       f"resuming from {chosen.name}" if chosen else "no complete checkpoint, starting from step 0")
    return str(chosen) if chosen else None


def newest_complete(output_dir: str | Path) -> tuple[Path | None, list[tuple[Path, str]]]:
    """The newest complete checkpoint (or None), and the newer ones that are not, each with why."""
    from r1zero.training.checkpoint_record import checkpoint_problem

    damaged = []
    for path in reversed(list_checkpoints(output_dir)):
        try:
            why = checkpoint_problem(path)
        except OSError as exc:  # a folder being deleted by another process, an unreadable file
            why = f"unreadable ({exc.strerror or exc})"
        if why is None:
            return path, damaged
        damaged.append((path, why))
    return None, damaged


def holds_run(output_dir: str | Path) -> bool:
    """True when ``output_dir`` holds something a rerun would build on: a complete checkpoint or ``final/``."""
    return bool(find_resume_checkpoint(output_dir, None)) or (Path(output_dir) / FINAL_DIR / "config.json").is_file()


def check_contract(training_args, contract: dict, *, restart: bool, logger) -> None:
    """Refuse, in one line, a folder holding a run made under another training contract; with ``restart``, move
    that run aside instead (to ``<output_dir>.old-<time>``) and start over. A run under the same contract is
    left alone, so ``restart`` is safe in a job that is requeued."""
    from r1zero.core.locks import LOCK_NAME, OWNER_NAME
    from r1zero.training.contract import CONTRACT_NAME, describe_difference, move_aside, recorded_contract

    output_dir = Path(training_args.output_dir)
    if not holds_run(output_dir):
        return
    recorded = recorded_contract(output_dir)
    why = describe_difference(recorded, contract) if recorded else f"its {CONTRACT_NAME} is missing or unreadable"
    if why is None:
        return
    if not restart:
        what = "made with other settings" if recorded else "that cannot be checked against these settings"
        raise UserError(f"{output_dir} holds a run {what} ({why}); pass --restart true to move it aside and start "
                        "over, or choose another output_dir")
    if training_args.should_save:  # the process that saves checkpoints moves them; the others wait for it
        moved = move_aside(output_dir, keep=(LOCK_NAME, OWNER_NAME))
        logger.warning("--restart: moved the earlier run in %s (%s) to %s; delete that folder when you no longer "
                       "need it", output_dir, why, moved)


def is_finished(training_args, logger, contract: dict | None = None, *, restart: bool = False) -> bool:
    """True, and says so, when ``output_dir`` holds a finished run that these settings would not extend.

    A run is finished when ``train_and_save`` wrote ``final/`` and marked the folder's manifest complete;
    rerunning it with the same ``max_steps`` (or epochs) must change nothing, while a larger ``max_steps``
    continues it from its last checkpoint. With a ``contract`` (r1zero/training/contract.py), a finished or
    unfinished run made under another contract is refused first (``check_contract``).
    """
    from r1zero.core.artifacts import read_manifest

    output_dir = Path(training_args.output_dir)
    if contract is not None:
        # the saving process checks (and with restart moves) first, so no rank reads a folder midway through a move
        with training_args.main_process_first(local=training_args.save_on_each_node, desc="training contract"):
            check_contract(training_args, contract, restart=restart, logger=logger)
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
