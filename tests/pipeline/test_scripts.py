"""Every entry-point script runs by path from any folder: the project is an installed package (make setup
installs it in editable mode), so no script edits its import path."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = ["step1_data/prepare.py", "step1_data/synthetic.py", "step2_sft/train_sft.py", "step3_GRPO/train_trl.py",
           "step4_eval/evaluate.py", "step4_eval/compare.py", "runs/demo.py", "r1zero/testing/tiny_model.py",
           "r1zero/core/launch.py", "runs/sweep.py", "step4_eval/compare_runs.py"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_runs_by_path_from_another_folder(script, tmp_path):
    proc = subprocess.run([sys.executable, str(REPO / script), "--help"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "usage:" in proc.stdout


def test_no_sys_path_edits():
    pattern = "sys" + ".path."  # split so that this file does not match itself
    edits = [f"{path.relative_to(REPO)}:{number}" for path in REPO.rglob("*.py")
             if not any(part.startswith(".") for part in path.relative_to(REPO).parts)
             for number, line in enumerate(path.read_text().splitlines(), 1) if pattern in line]
    assert edits == []
