"""The repository's import graph, read from the source (nothing is imported), and the layout rules it must keep.

Every ``import`` counts, including those inside functions (a cycle hidden in a function is still a cycle).
Importing ``a.b.c`` from outside package ``a.b`` also imports ``a.b``'s ``__init__``, so that edge counts too.

    python tools/import_graph.py          # prints each rule broken, exits 1 if any
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIPPED = {".venv", ".git", "outputs", "build", "__pycache__", ".whl"}
MAX_MODULES_PER_FOLDER = 15
MAX_MODULE_LINES = 450


def python_files(root: Path = ROOT) -> list[Path]:
    return sorted(p for p in root.rglob("*.py")
                  if not SKIPPED & set(p.relative_to(root).parts) and not p.parts[-2].endswith(".egg-info"))


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(tree: ast.AST, package: str) -> Iterator[str]:
    """Every dotted name an import statement in ``tree`` may load (``from a import b`` yields ``a.b`` and ``a``)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                base = ".".join(parent + ([base] if base else []))
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """module -> the repository's modules it imports."""
    paths = {module_name(p, root): p for p in python_files(root)}

    def owner(name: str) -> str | None:  # the longest known module that ``name`` is or lies in
        while name and name not in paths:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for mod, path in paths.items():
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        deps = set()
        for name in _imported(ast.parse(path.read_text(encoding="utf-8")), package):
            target = owner(name)
            if target is None:
                continue
            deps.add(target)
            parts = target.split(".")  # the packages it lies in, unless ``mod`` lies there too
            deps.update(p for p in (".".join(parts[:i]) for i in range(1, len(parts)))
                        if p in paths and not (mod == p or mod.startswith(p + ".")))
        deps.discard(mod)
        graph[mod] = deps
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def private_reaches(graph: dict[str, set[str]]) -> list[str]:
    """Imports of a library module whose name starts with ``_`` from outside its subpackage (and its tests,
    ``tests/<subpackage>/``, which test it from within)."""
    broken = []
    for mod, deps in graph.items():
        for dep in deps:
            parts = dep.split(".")
            if dep.startswith("r1zero.") and parts[-1].startswith("_") and parts[-1] != "__init__":
                home = ".".join(parts[:-1])
                sub = parts[1] if len(parts) > 2 else ""
                if not (mod.startswith(home + ".") or mod == home or mod.startswith(f"tests.{sub}.")):
                    broken.append(f"{mod} imports the private module {dep}")
    return broken


INSTALLED = ("r1zero", "step1_data", "step2_sft", "step3_GRPO", "step4_eval")  # pyproject's packages
NOT_INSTALLED = ("bench", "runs", "tools", "tests")


def installed_reaches(graph: dict[str, set[str]]) -> list[str]:
    """Imports from the installed packages into folders that are not installed (they would break a wheel)."""
    return [f"{mod} (installed) imports {dep}" for mod, deps in graph.items() for dep in sorted(deps)
            if mod.split(".")[0] in INSTALLED and dep.split(".")[0] in NOT_INSTALLED]


def layout_problems(root: Path = ROOT) -> list[str]:
    """Every rule of the layout that the tree breaks, one line each."""
    graph = import_graph(root)
    problems = [f"import cycle: {' <-> '.join(c)}" for c in cycles(graph)]
    problems += private_reaches(graph) + installed_reaches(graph)
    per_folder: dict[Path, int] = {}
    for path in python_files(root):
        if path.name != "__init__.py":
            per_folder[path.parent] = per_folder.get(path.parent, 0) + 1
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            problems.append(f"{path.relative_to(root)}: {lines} lines (at most {MAX_MODULE_LINES})")
    problems += [f"{folder.relative_to(root)}/: {n} modules (at most {MAX_MODULES_PER_FOLDER})"
                 for folder, n in sorted(per_folder.items()) if n > MAX_MODULES_PER_FOLDER]
    return problems


if __name__ == "__main__":
    found = layout_problems()
    print("\n".join(found) or "layout ok: no import cycle, no folder or module over its limit")
    sys.exit(1 if found else 0)
