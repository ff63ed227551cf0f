"""One run per output folder: every stage holds a lock on its output folder for the whole run.

Two runs writing into one folder corrupt each other silently (two evals appending to one
generations.jsonl, two trainings saving the same checkpoints). ``hold_output_dir`` takes an OS file lock
(``filelock``, an ``flock`` on Linux) on ``<folder>/.run.lock`` and writes who holds it to
``.run.lock.owner``. A second run fails at once with one line naming the folder and the holder's pid. The
OS releases the lock when the holding process dies, however it dies, so a stale lock from a killed run is
simply taken over by the next run; the owner file it left is overwritten.

In a multi-process launch (``RANK`` set by torchrun / accelerate), only rank 0 holds the lock: the other
ranks of the same run write to the same folder by design. Locks need a filesystem with working ``flock``
(local disks and most cluster filesystems; see docs/security.md).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from r1zero.core.errors import UserError

LOCK_NAME = ".run.lock"
OWNER_NAME = ".run.lock.owner"


def check_output_dir(folder: str | Path, option: str = "output_dir") -> Path:
    """Create ``folder`` if needed; one-line errors when it is a file or cannot be written."""
    folder = Path(folder).expanduser()
    if folder.exists() and not folder.is_dir():
        raise UserError(f"--{option} {folder} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"--{option} {folder} cannot be created: {exc.strerror or exc}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"--{option} {folder} is not writable")
    return folder


def _is_main_rank() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


def _holder(folder: Path) -> str:
    try:
        owner = json.loads((folder / OWNER_NAME).read_text())
        return f"{owner['stage']} run, pid {owner['pid']} on {owner['host']}, started {owner['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "run whose pid is not recorded yet"


@contextmanager
def hold_output_dir(folder: str | Path, stage: str, option: str = "output_dir"):
    """Check and create ``folder``, then hold its run lock while the block runs (rank 0 only)."""
    from filelock import FileLock, Timeout

    folder = check_output_dir(folder, option)
    if not _is_main_rank():
        yield folder
        return
    lock = FileLock(str(folder / LOCK_NAME))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise UserError(f"{folder} is in use by another {_holder(folder)}; wait for it to finish or choose "
                        f"another --{option}") from None
    owner = {"stage": stage, "pid": os.getpid(), "host": socket.gethostname(),
             "started": time.strftime("%Y-%m-%d %H:%M:%S"), "command": " ".join(sys.argv)[:500]}
    try:
        (folder / OWNER_NAME).write_text(json.dumps(owner) + "\n")
        yield folder
    finally:
        (folder / OWNER_NAME).unlink(missing_ok=True)
        lock.release()
