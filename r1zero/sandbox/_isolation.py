"""The isolation in effect, detected once per process: bubblewrap if a canary program passes under it, else the
resource-limit fallback, with a warning that says what is missing (``R1ZERO_SANDBOX`` chooses; docs/sandbox.md).
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import threading

from r1zero.core.errors import UserError
from r1zero.sandbox._batch import run_jobs
from r1zero.sandbox._launch import Isolation, Limits, harness_dir

logger = logging.getLogger("r1zero.sandbox.execute")
MODES = ("auto", "bwrap", "rlimits")
_ISOLATION: Isolation | None = None
_DETECT_LOCK = threading.Lock()
# It imports standard modules that are not frozen into the interpreter: a program runs after the runner drops
# to its own uid, and an interpreter under /root (pyenv) then starts but cannot read its standard library.
_CANARY = ("import collections, json, re\ndef canary():\n    return 42\n", ("assert canary() == 42",), "")


def _works(iso: Isolation) -> str | None:
    """None if a canary program passes under ``iso``, else why not."""
    result = run_jobs([_CANARY], 1, Limits(timeout_s=30), iso)[0]
    return None if result["status"] == "passed" else str(result["error"])


def _detect() -> Isolation:
    wanted = os.environ.get("R1ZERO_SANDBOX", "auto").strip().lower() or "auto"
    if wanted not in MODES:
        raise UserError(f"R1ZERO_SANDBOX must be one of {', '.join(MODES)}, got {wanted!r}")
    root = os.geteuid() == 0
    python = os.path.realpath(sys.executable)
    if wanted != "rlimits":
        why = "bwrap (bubblewrap) is not installed" if shutil.which("bwrap") is None else None
        why = why or _works(Isolation("bwrap", root, python))
        if why is None:
            return Isolation("bwrap", root, python)
        if wanted == "bwrap":
            raise UserError(f"R1ZERO_SANDBOX=bwrap, but bubblewrap cannot sandbox here: {why}")
        logger.warning("code sandbox: bubblewrap cannot run here (%s)", why)
    missing = ["network isolation", "a read-only view of the file system (programs write wherever their user may)",
               "hiding the machine's files and processes", "a size limit on the working folder"]
    if root:  # the system interpreter when ours lives where other users cannot read it (/root/.pyenv)
        for candidate in dict.fromkeys([python, shutil.which("python3", path="/usr/bin:/bin")]):
            if candidate and _works(Isolation("rlimits", True, candidate)) is None:
                iso = Isolation("rlimits", True, candidate, tuple(missing))
                break
        else:
            iso = Isolation("rlimits", False, python, tuple(missing + [
                "a uid of its own (no interpreter readable by other users), so no limit on processes, and the "
                "program can signal or read the files of the caller's processes"]))
    else:
        iso = Isolation("rlimits", False, python, tuple(missing + [
            "a limit on processes of its own (the limit counts all of the user's processes, so programs cannot "
            "start any)", "protection of the caller's processes (same user)",
            "killing processes that leave the process group"]))
    logger.warning("code sandbox runs programs WITHOUT %s. Install bubblewrap (apt-get install bubblewrap) for "
                   "full isolation; see docs/sandbox.md", "; ".join(iso.missing))
    return iso


def isolation() -> Isolation:
    global _ISOLATION
    with _DETECT_LOCK:
        if _ISOLATION is None:
            _ISOLATION = _detect()
        return _ISOLATION


def sandbox_info() -> dict:
    """The isolation in effect: mode (bwrap or rlimits), whether each program gets a uid of its own, the
    interpreter, the protections missing (empty with bwrap), and the harness's folder (on the command line of
    every process this process sandboxes)."""
    iso = isolation()
    return {"mode": iso.mode, "own_uid": iso.own_uid, "python": iso.python, "missing": list(iso.missing),
            "harness": harness_dir(iso.python)}
