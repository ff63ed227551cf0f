"""Every CPU command block of the README and docs/ runs as written after `make demo`, so a doc cannot drift
from the code.

A block is marked by the line `<!-- cpu-check -->` right before its ```bash or ```python fence; blocks that
need a GPU, the hub or minutes stay unmarked. The slow test copies the repository (without outputs/, data/,
.git and .venv) into a temporary folder, runs the demo there once, smaller (the data `make demo` writes, but
a few training steps and a few eval problems: the docs' commands use the demo's folders, not its figures),
then runs each file's marked blocks in order from an empty outputs/try/, bash blocks with `bash -e` and
python blocks with `python -c`, with the venv active (the copy's .venv is the running one).
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
MARK = "<!-- cpu-check -->"
MARKED_BLOCK = re.compile(r"^<!-- cpu-check -->\n```(bash|python)\n(.*?)^```", re.S | re.M)
OUTPUT_FLAG = re.compile(r"--(?:output_dir|output|out_dir|out)[ =](\S+)")
# What the copy leaves out: the demo's and the user's outputs, git, the venv, caches (top level only)
LEFT_OUT = {".git", ".venv", "outputs", "data", "wandb", ".whl", "tmp", ".pytest_cache", ".ruff_cache",
            ".hypothesis"}
# The test's demo: `make demo`'s data and model, with each stage cut to seconds
SMALL_STAGES = {"sft": {"max_steps": 4}, "grpo": {"max_steps": 2, "gold_check_samples": 20},
                "eval": {"limit": 8, "num_samples": 1}}
BLOCK_TIMEOUT_S = 300


def marked_blocks(path: Path) -> list[tuple[int, str, str]]:
    """(line, language, code) of each marked block of a Markdown file, in order."""
    text = path.read_text()
    blocks = [(text.count("\n", 0, m.start()) + 2, m.group(1), m.group(2)) for m in MARKED_BLOCK.finditer(text)]
    if len(blocks) != len(re.findall(f"^{MARK}$", text, re.M)):
        raise AssertionError(f"{path.relative_to(REPO)}: a {MARK} line is not followed at once by a ```bash or "
                             "```python block")
    return blocks


def test_the_stage_pages_have_cpu_blocks_that_write_outside_the_demos_folders():
    for page in ("docs/data.md", "docs/sft.md", "docs/grpo.md", "docs/eval.md", "docs/code_rl.md"):
        assert marked_blocks(REPO / page), f"{page} has no {MARK} block"
    for path in DOCS:  # rerun into the demo's own folders, a stage has nothing to do or refuses another contract
        for line, _, code in marked_blocks(path):
            for folder in OUTPUT_FLAG.findall(code):
                assert not folder.startswith("outputs/demo"), \
                    f"{path.relative_to(REPO)}:{line}: writes into the demo's {folder}; write under outputs/try/"


def test_bench_demo_help_says_other_flags_go_to_the_demo():
    out = subprocess.run([sys.executable, "-m", "bench.bench_demo", "--help"], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout
    assert "Any other flag passes through to runs/demo.py" in " ".join(out.split())


def _copy_repo(dest: Path) -> None:
    def ignore(folder, names):
        top = Path(folder).resolve() == REPO
        return [n for n in names if n == "__pycache__" or (top and (n in LEFT_OUT or n.endswith(".egg-info")))]

    shutil.copytree(REPO, dest, ignore=ignore, symlinks=True)


def _add_venv(repo: Path) -> None:
    """The copy's .venv is the running one (`source .venv/bin/activate` works), or a stand-in without a venv."""
    if sys.prefix != sys.base_prefix:
        (repo / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    else:
        (repo / ".venv" / "bin").mkdir(parents=True)
        (repo / ".venv" / "bin" / "activate").write_text(f'PATH="{Path(sys.executable).parent}:$PATH"\n')


def _env(repo: Path) -> dict:
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "PYTHONPATH": str(repo), "HF_HUB_OFFLINE": "1", "WANDB_MODE": "disabled",
            "TOKENIZERS_PARALLELISM": "false"}


def _small_demo(repo: Path, configs: Path, env: dict) -> None:
    """runs/demo.py with `make demo`'s config and data, each stage's config cut down (SMALL_STAGES)."""
    flags = []
    for stage, overrides in SMALL_STAGES.items():
        config = yaml.safe_load((repo / "config" / "demo" / f"{stage}.yaml").read_text())
        path = configs / f"{stage}.yaml"
        path.write_text(yaml.safe_dump({**config, **overrides}))
        flags += [f"--{stage}_config", str(path)]
    proc = subprocess.run([sys.executable, "runs/demo.py", "--config", "config/demo/demo.yaml", *flags],
                          cwd=repo, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"the demo failed:\n{(proc.stdout + proc.stderr)[-3000:]}"


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(f.relative_to(folder)): (f.stat().st_size, f.stat().st_mtime_ns)
            for f in folder.rglob("*") if f.is_file()}


def _run_block(repo: Path, language: str, code: str, env: dict) -> subprocess.CompletedProcess:
    if language == "python":
        cmd = [sys.executable, "-c", code]
    else:  # name the failing command: bash -e stops at it, the trap prints it
        cmd = ["bash", "-e", "-c", f"trap 'echo \"cpu-check: failed: $BASH_COMMAND\" >&2' ERR\n{code}"]
    return subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=BLOCK_TIMEOUT_S)


@pytest.mark.slow
def test_every_cpu_block_runs_as_written_after_the_demo(tmp_path):
    repo = tmp_path / "repo"
    _copy_repo(repo)
    _add_venv(repo)
    env = _env(repo)
    configs = tmp_path / "configs"
    configs.mkdir()
    _small_demo(repo, configs, env)
    demo_before = _files(repo / "outputs" / "demo")
    failures, ran = [], 0
    for doc in DOCS:
        shutil.rmtree(repo / "outputs" / "try", ignore_errors=True)  # each page on its own, as a reader runs it
        name = doc.relative_to(REPO).as_posix()
        for number, (line, language, code) in enumerate(marked_blocks(repo / name), 1):
            proc = _run_block(repo, language, code, env)
            ran += 1
            if proc.returncode:
                failures.append(f"{name}, block {number} (line {line}), exit status {proc.returncode}:\n"
                                f"{(proc.stdout + proc.stderr)[-2000:]}")
    assert ran, f"no {MARK} block found"
    assert not failures, "\n\n".join(failures)
    changed = sorted(set(demo_before.items()) ^ set(_files(repo / "outputs" / "demo").items()))
    assert not changed, f"the docs' commands changed the demo's outputs: {[name for name, _ in changed][:5]}"
