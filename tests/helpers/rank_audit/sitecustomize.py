"""Test helper: log what each rank of a launch writes, to check that only rank 0 writes the run's files, and
the weights each rank ends its training with, to check that the ranks agree.

Put this folder first on PYTHONPATH and set RANK_AUDIT_DIR: Python imports ``sitecustomize`` at start-up,
and every process that has a RANK (torchrun sets it) appends to two files in RANK_AUDIT_DIR:

- ``rank<RANK>.jsonl``: one JSON line per write-like event: files opened for writing, renames (atomic writes
  end in one), folders made and files removed, with absolute paths. The events come from Python's audit
  hooks (PEP 578), so writes made inside C/C++/Rust code (torch.save, safetensors) are not seen.
- ``weights<RANK>.jsonl``: after each ``Trainer.train`` (SFT and GRPO alike), the global step and
  ``rank_weights.fingerprint`` of the rank's model. ``Trainer.train`` is wrapped when ``transformers.trainer``
  is first imported, so a process that never trains does not import transformers for it.
"""

import functools
import importlib.abc
import importlib.util
import json
import os
import sys

_RANK, _DIR = os.environ.get("RANK"), os.environ.get("RANK_AUDIT_DIR")
_PATH_EVENTS = {"os.rename": 2, "os.mkdir": 1, "os.remove": 1, "os.rmdir": 1, "shutil.rmtree": 1}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND


def _paths(event, args):
    if event == "open":
        path, mode, flags = args
        writing = any(c in mode for c in "wax+") if isinstance(mode, str) else bool((flags or 0) & _WRITE_FLAGS)
        return [path] if writing and isinstance(path, str | bytes | os.PathLike) else []
    count = _PATH_EVENTS.get(event, 0)
    return [a for a in args[:count] if isinstance(a, str | bytes | os.PathLike)]


def _record_weights_after_train(trainer_class):
    train = trainer_class.train

    @functools.wraps(train)
    def train_then_record(self, *args, **kwargs):
        result = train(self, *args, **kwargs)
        from rank_weights import fingerprint

        line = {"global_step": self.state.global_step, "sha256": fingerprint(self.model)}
        with open(os.path.join(_DIR, f"weights{_RANK}.jsonl"), "a") as f:
            f.write(json.dumps(line) + "\n")
        return result

    trainer_class.train = train_then_record


class _WrapTrainOnImport(importlib.abc.MetaPathFinder):
    """Finds ``transformers.trainer`` through the other finders and wraps its Trainer's train once it has run."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "transformers.trainer":
            return None
        sys.meta_path.remove(self)  # once, and so that the lookup below skips this finder
        spec = importlib.util.find_spec(fullname)
        exec_module = spec.loader.exec_module

        def exec_then_wrap(module):
            exec_module(module)
            _record_weights_after_train(module.Trainer)

        spec.loader.exec_module = exec_then_wrap
        return spec


if _RANK is not None and _DIR:
    os.makedirs(_DIR, exist_ok=True)
    _log = open(os.path.join(_DIR, f"rank{_RANK}.jsonl"), "a", buffering=1)  # noqa: SIM115 - lives with the process
    _busy = [False]

    def _hook(event, args):
        if _busy[0] or (event != "open" and event not in _PATH_EVENTS):
            return
        _busy[0] = True
        try:
            for path in _paths(event, args):
                _log.write(json.dumps({"event": event, "path": os.path.abspath(os.fsdecode(path))}) + "\n")
        finally:
            _busy[0] = False

    sys.addaudithook(_hook)
    sys.meta_path.insert(0, _WrapTrainOnImport())
