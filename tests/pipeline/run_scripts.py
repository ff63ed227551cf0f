"""Load a script of runs/ (scripts, not a package) as a module, for the tests of runs/demo.py and runs/sweep.py."""

import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def load_run_script(name: str):
    """runs/<name>.py as the module ``name``."""
    spec = importlib.util.spec_from_file_location(name, REPO / "runs" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module
