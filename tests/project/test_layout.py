"""The layout rules hold for the whole tree (tests included), and the checker behind them catches each break."""

import tomllib

import setuptools

from tools.import_graph import INSTALLED, ROOT, layout_problems


def test_the_tree_keeps_every_layout_rule():
    assert layout_problems() == []


def test_only_the_library_and_the_stages_are_installed():
    find = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    packages = setuptools.find_packages(where=ROOT, include=find["include"])
    assert {p.split(".")[0] for p in packages} == set(INSTALLED)
    assert "r1zero.grading" in packages and "r1zero.evaluation.engines" in packages


def write(root, path, text=""):
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(text)


def test_the_checker_reports_each_kind_of_break(tmp_path):
    write(tmp_path, "pkg/__init__.py")
    write(tmp_path, "pkg/a.py", "def later():\n    from pkg import b\n")  # a cycle hidden in a function
    write(tmp_path, "pkg/b.py", "import pkg.a\n")
    write(tmp_path, "r1zero/__init__.py")
    write(tmp_path, "r1zero/grading/__init__.py")
    write(tmp_path, "r1zero/grading/_inner.py")
    write(tmp_path, "r1zero/sandbox/__init__.py", "from r1zero.grading._inner import x\n")
    write(tmp_path, "r1zero/core/__init__.py", "import bench.tool\n")
    write(tmp_path, "bench/tool.py")
    write(tmp_path, "tests/grading/test_inner.py", "from r1zero.grading import _inner\n")  # its own tests: allowed
    write(tmp_path, "long/long.py", "x = 1\n" * 451)
    for i in range(16):
        write(tmp_path, f"wide/m{i}.py")
    problems = layout_problems(tmp_path)
    assert "import cycle: pkg.a <-> pkg.b" in problems
    assert "r1zero.sandbox imports the private module r1zero.grading._inner" in problems
    assert "r1zero.core (installed) imports bench.tool" in problems
    assert "long/long.py: 451 lines (at most 450)" in problems
    assert "wide/: 16 modules (at most 15)" in problems
    assert len(problems) == 5, problems
