"""The eval contract: everything that decides an eval's numbers, recorded in ``summary.json``.

Two summaries are comparable only when their contracts agree (apart from the checkpoint, which is
what one compares). A partial eval is resumed only under the very same contract. Code evals under different
MBPP prompt protocols (``contract.code.protocol``: every test shown, or the first) are never compared:
``protocol_clash`` says why, and ``compare.py`` refuses them.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from r1zero.core.artifacts import file_sha256, package_versions
from r1zero.core.prompts import get_template

# keys that differ between checkpoints of one comparison by design
COMPARE_IGNORE = ("checkpoint",)


def grader_version() -> str:
    """``r1zero.grading.grader.GRADER_VERSION`` when the grader declares one, else a hash of its source."""
    import r1zero.grading.grader as grading

    declared = getattr(grading, "GRADER_VERSION", None)
    if declared:
        return str(declared)
    return "src-" + file_sha256(Path(grading.__file__))[:12]


def build_contract(*, sampling, engine: dict, data_sha256: str, num_problems: int, checkpoint: dict,
                   template: str = "r1_zero", prompt: dict | None = None) -> dict:
    """``prompt``: what ``r1zero.core.chat.PromptFormat.describe`` says of the prompts (a chat template's hash,
    system prompt hash, answer rule); default: the registered ``template``'s description."""
    prompt = prompt or get_template(template).describe()
    return {
        "prompt_template_hash": prompt["hash"],
        "template": prompt,  # name, hash, stop rule and format rule: base-model numbers depend on it
        "sampling": {**asdict(sampling), "stop": list(sampling.stop), "stop_tokens": list(sampling.stop_tokens)},
        "seed": sampling.seed,
        "engine": engine,
        "grader_version": grader_version(),
        "packages": package_versions(),
        "data": {"sha256": data_sha256, "num_problems": num_problems},
        "checkpoint": checkpoint,
    }


def _flatten(obj, prefix=""):
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            out.update(_flatten(value, f"{prefix}{key}."))
        return out
    return {prefix[:-1]: obj}


def contract_diff(a: dict | None, b: dict | None, ignore=()) -> list[str]:
    """Dotted keys whose values differ between two contracts (missing contracts differ everywhere)."""
    if not a or not b:
        return ["contract (missing)"]
    fa, fb = _flatten(a), _flatten(b)
    keys = sorted(set(fa) | set(fb))
    return [k for k in keys if fa.get(k) != fb.get(k) and not k.startswith(tuple(f"{i}" for i in ignore))]


def describe_diff(a: dict | None, b: dict | None, ignore=COMPARE_IGNORE, limit: int = 6) -> str | None:
    """One line saying how two contracts differ, or None when they agree."""
    keys = contract_diff(a, b, ignore)
    if not keys:
        return None
    if keys == ["contract (missing)"]:
        return "a contract is missing, so the numbers may not be comparable"
    fa, fb = _flatten(a), _flatten(b)
    shown = ", ".join(f"{k} ({fa.get(k)!r} vs {fb.get(k)!r})" for k in keys[:limit])
    more = f" and {len(keys) - limit} more" if len(keys) > limit else ""
    return f"contracts differ in {shown}{more}"


def protocol_clash(a: dict | None, b: dict | None) -> str | None:
    """Why two code evals must not be compared (their prompt protocols differ), or None."""
    code_a, code_b = ((c or {}).get("code") for c in (a, b))
    if not code_a or not code_b:
        return None
    pa, pb = code_a.get("protocol", "unknown"), code_b.get("protocol", "unknown")
    if pa == pb:
        return None
    return (f"the code evals' prompts follow different protocols ({pa} vs {pb}: tests shown in the prompt), so "
            "their pass@k are not comparable; evaluate both on data prepared under one --code_protocol")
