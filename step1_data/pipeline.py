"""The per-row pass of prepare.py: adapter, filters, prompt and SFT target, run as one batched ``map``.

One pass over the data does everything that depends on a single row; prepare.py then does what needs
the whole table (dedupe, split) from small columns (reason, key, source).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from r1zero.core.prompts import build_prompt, build_response
from step1_data.adapters import get_adapter
from step1_data.answers import OK
from step1_data.decontaminate import contamination
from step1_data.dedupe import problem_key
from step1_data.filters import is_multiple_choice, is_proof
from step1_data.loading import MALFORMED

OUTPUT_COLUMNS = ("id", "source", "problem", "answer", "solution", "prompt", "sft_target")
# prompt is not stored by the map: the writer builds it in Arrow (prefix + problem + suffix), which saves
# writing ~500 characters per row to the temporary Arrow files. See prompt_parts().
TEXT_COLUMNS = ("id", "source", "problem", "answer", "solution", "sft_target", "reason", "key")
LENGTH_COLUMNS = ("problem_chars", "solution_chars", "sft_target_chars")
CONTAMINATED_BY = "contaminated_by"  # bitmask of the eval sets a contaminated row overlaps (bit i = set i)
TOKEN_COLUMNS = ("prompt_tokens", "sft_target_tokens")
_ANSWER_REASONS = {"no_box": "no_answer", "no_solution": "no_solution", "empty_box": "empty_box",
                   "unbalanced_box": "unbalanced_box", "answer_mismatch": "answer_mismatch"}


@dataclass
class RowOptions:
    """What process_batch needs; picklable so ``map(num_proc=N)`` can ship it to workers."""

    dataset: str
    drop_proofs: bool = True
    drop_multiple_choice: bool = True
    max_problem_chars: int | None = None
    max_solution_chars: int | None = None
    tokenizer: object | None = None
    max_prompt_tokens: int | None = None
    max_sft_target_tokens: int | None = None
    eval_grams: dict = field(default_factory=dict)  # n-gram -> bitmask of the eval sets holding it
    ngram_size: int = 8


def prompt_parts() -> tuple[str, str]:
    """(prefix, suffix) with build_prompt(p) == prefix + p + suffix for a stripped problem p."""
    marker = "\x00"
    prefix, suffix = build_prompt(marker).split(marker)
    return prefix, suffix


def output_features(with_tokens: bool):
    """The map's output schema, fixed so that several inputs (parquet, JSON) concatenate cleanly."""
    from datasets import Features, Value

    ints = LENGTH_COLUMNS + (CONTAMINATED_BY,) + (TOKEN_COLUMNS if with_tokens else ())
    return Features({**{c: Value("string") for c in TEXT_COLUMNS}, **{c: Value("int64") for c in ints}})


def _reject_reason(ex, opts: RowOptions) -> str:
    if opts.drop_proofs and is_proof(ex.problem, ex.solution, ex.status != "no_box"):
        return "proof"
    if ex.status != OK:
        return _ANSWER_REASONS[ex.status]
    if opts.drop_multiple_choice and is_multiple_choice(ex.problem, ex.answer):
        return "multiple_choice"
    if (opts.max_problem_chars is not None and len(ex.problem) > opts.max_problem_chars) or (
        opts.max_solution_chars is not None and len(ex.solution) > opts.max_solution_chars
    ):
        return "too_long"
    return ""


def process_batch(batch: dict, indices: list[int], *, input_no: int, opts: RowOptions) -> dict:
    adapter = get_adapter(opts.dataset)
    n = len(indices)
    flags = batch.get(MALFORMED) or [False] * n
    cols = {"id": [], "source": [], "problem": [], "answer": [], "solution": [], "sft_target": [], "reason": [], "key": [], "problem_chars": [], "solution_chars": [], "sft_target_chars": [], CONTAMINATED_BY: [0] * n}
    for j in range(n):
        row = {c: batch[c][j] for c in adapter.REQUIRED_COLUMNS}
        ex = None if flags[j] else adapter.extract(row)
        cols["id"].append(f"{opts.dataset}-{input_no}-{indices[j]}")
        if ex is None:
            src = row.get("source", getattr(adapter, "SOURCE", None))  # SOURCE: a one-source dataset
            for c, v in (("source", src if isinstance(src, str) and src.strip() else "unknown"), ("problem", ""),
                         ("answer", ""), ("solution", ""), ("sft_target", ""),
                         ("reason", "malformed"), ("key", ""), ("problem_chars", 0), ("solution_chars", 0),
                         ("sft_target_chars", 0)):
                cols[c].append(v)
            continue
        reason = _reject_reason(ex, opts)
        target = build_response(ex.reasoning, ex.answer) if not reason else ""
        for c, v in (("source", ex.source), ("problem", ex.problem), ("answer", ex.answer),
                     ("solution", ex.solution), ("sft_target", target), ("reason", reason),
                     ("key", problem_key(ex.problem) if not reason else ""), ("problem_chars", len(ex.problem)),
                     ("solution_chars", len(ex.solution)), ("sft_target_chars", len(target))):
            cols[c].append(v)
    if opts.tokenizer is not None:
        _token_filter(cols, opts)
    if opts.eval_grams:
        for j in range(n):
            if not cols["reason"][j] and (mask := contamination(cols["problem"][j], opts.eval_grams, opts.ngram_size)):
                cols["reason"][j] = "contaminated"
                cols[CONTAMINATED_BY][j] = mask
    return cols


def _token_filter(cols: dict, opts: RowOptions) -> None:
    """Token lengths of prompt and SFT target for rows still kept; over a limit -> too_long."""
    live = [j for j, r in enumerate(cols["reason"]) if not r]
    n = len(cols["reason"])
    cols["prompt_tokens"], cols["sft_target_tokens"] = [0] * n, [0] * n
    if not live:
        return
    tok = opts.tokenizer
    p_ids = tok([build_prompt(cols["problem"][j]) for j in live], add_special_tokens=False)["input_ids"]
    t_ids = tok([cols["sft_target"][j] for j in live], add_special_tokens=False)["input_ids"]
    for j, p, t in zip(live, p_ids, t_ids, strict=True):
        cols["prompt_tokens"][j], cols["sft_target_tokens"][j] = len(p), len(t)
        if (opts.max_prompt_tokens is not None and len(p) > opts.max_prompt_tokens) or (
            opts.max_sft_target_tokens is not None and len(t) > opts.max_sft_target_tokens
        ):
            cols["reason"][j] = "too_long"
