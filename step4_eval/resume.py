"""What an eval's folder already holds: a finished eval to reuse, or whole chunks to resume from.

``eval_state.json`` keeps the job's contract and running timing. A partial run made under another contract is
refused unless ``--overwrite``; a kill can tear the last chunk, so only whole chunks are kept.
"""

from __future__ import annotations

import json

from r1zero.core.artifacts import atomic_write_bytes, atomic_write_json
from r1zero.core.errors import UserError
from r1zero.evaluation.contract import contract_diff
from r1zero.evaluation.job import SUMMARY, EvalJob
from r1zero.evaluation.records import GENERATIONS, read_generations

STATE = "eval_state.json"
TIMING_KEYS = ("load_s", "generation_s", "grading_s", "write_s", "wall_s")


def save_state(job: EvalJob) -> None:
    atomic_write_json(job.out_dir / STATE, {"contract": job.contract, "timing": job.timing})


def finished_summary(job: EvalJob, overwrite: bool) -> dict | None:
    """The summary of a finished eval in the job's folder made under its contract, else None (rerun: no change)."""
    path = job.out_dir / SUMMARY
    if overwrite or not path.is_file():
        return None
    try:
        summary = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return summary if isinstance(summary, dict) and not contract_diff(summary.get("contract"), job.contract) else None


def prepare_output(job: EvalJob, chunk_size: int, overwrite: bool) -> dict:
    """Check what the job's folder already holds and return the timing to continue from.

    Keeps only whole chunks of generations (unreadable lines are skipped), refuses a partial run made under
    another contract unless ``overwrite``. A folder holding no generations (an earlier attempt failed before its
    first chunk, say with a bad checkpoint) blocks nothing.
    """
    out_dir, state_path = job.out_dir, job.out_dir / STATE
    rows, bad = read_generations(job.generations) if job.generations.is_file() else ([], 0)
    if overwrite or not rows:
        for name in (GENERATIONS, SUMMARY, STATE):
            (out_dir / name).unlink(missing_ok=True)
        job.timing = {**dict.fromkeys(TIMING_KEYS, 0.0), "sessions": 0}
        save_state(job)
        return job.timing
    try:
        state = json.loads(state_path.read_text())
    except (OSError, ValueError):
        raise UserError(f"{out_dir} holds generations without a readable {STATE}; pass --overwrite to start over") from None
    diff = contract_diff(state.get("contract"), job.contract)
    if diff:
        raise UserError(f"{out_dir} holds an eval made with another contract (differs in: {', '.join(diff[:5])}); "
                        "pass --overwrite to start over, or choose another --output_dir")
    complete = complete_chunks(rows, chunk_size, len(job.problems), job.sampling.n)
    keep = [r for r in rows if r["index"] // chunk_size in complete]
    if len(keep) != len(rows) or bad:
        atomic_write_bytes(job.generations, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in keep).encode())
        print(f"[eval] resume: kept {len(keep)} of {len(rows)} rows (whole chunks only)"
              f"{f'; skipped {bad} unreadable line(s)' if bad else ''}", flush=True)
    job.timing = state["timing"]
    return job.timing


def complete_chunks(rows: list[dict], chunk_size: int, num_problems: int, n: int) -> set[int]:
    """The chunks of which ``rows`` hold every sample."""
    counts: dict[int, int] = {}
    for r in rows:
        c = r["index"] // chunk_size
        counts[c] = counts.get(c, 0) + 1
    return {c for c, got in counts.items() if got == min(chunk_size, num_problems - c * chunk_size) * n}
