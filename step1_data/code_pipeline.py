"""prepare.py for code datasets (``KIND = "code"`` adapters, MBPP): rows -> fixed splits with tests.

Writes ``train.parquet``, ``val.parquet`` and ``test.parquet`` (the adapter's ``WRITTEN_SPLITS``; a split
with no rows is written empty) with the math columns (id, source, problem, answer, solution, prompt,
sft_target) plus ``tests`` (list of asserts), ``test_setup``, ``task_id`` and ``protocol``; then ``stats.json``
and ``manifest.json``. The split is the dataset's own, by task_id, so ``--val_size`` and ``--seed`` do not
apply. Every input row is written, left out as a prompt example / outside the split ranges, or counted as
malformed, unsupported_test (a test whose verdict cannot be decided outside the sandbox, ``r1zero.sandbox.probes``:
an assert inside a loop, say) or duplicate (a task_id seen before).

The prompt protocol (``--code_protocol``; ``r1zero.sandbox.code_grader.PROTOCOLS``) decides which tests the prompt
shows: ``evalplus`` the first (the default), ``original`` all of them. ``--prompt_tests N`` still works: it
names the protocol that shows N tests, or records ``prompt_tests=N`` for any other N. The protocol goes into
every row, stats.json and the manifest, and from the rows into step4's eval contract.

MBPP has no worked reasoning: the SFT target's reasoning is the one sentence ``SFT_REASONING``, so SFT
teaches the answer format and the code, not how to think about it.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from pathlib import Path

from r1zero.core.errors import UserError

log = logging.getLogger("step1_data.prepare")
SFT_REASONING = "I will write a Python function that passes the tests."
CODE_COLUMNS = ("id", "source", "problem", "answer", "solution", "prompt", "sft_target", "tests", "test_setup",
                "task_id", "protocol")
REASONS = ("malformed", "unsupported_test", "duplicate", "prompt_example", "outside_splits", "max_train_samples")
DEFAULT_PROTOCOL = "evalplus"


def resolve_protocol(args) -> tuple[str, int]:
    """The prompt protocol's name and the tests it shows (0: all), from --code_protocol and --prompt_tests."""
    from r1zero.sandbox.code_grader import PROTOCOLS

    name, count = args.code_protocol, args.prompt_tests
    if name is not None and name not in PROTOCOLS:
        raise UserError(f"--code_protocol must be one of {', '.join(PROTOCOLS)}, got {name!r}")
    if count is not None and count < 0:
        raise UserError(f"--prompt_tests must be >= 0 (0: all), got {count}")
    if name is None:
        if count is None:
            return DEFAULT_PROTOCOL, PROTOCOLS[DEFAULT_PROTOCOL]
        return next((n for n, shown in PROTOCOLS.items() if shown == count), f"prompt_tests={count}"), count
    if count is not None and count != PROTOCOLS[name]:
        raise UserError(f"--prompt_tests {count} contradicts --code_protocol {name}, which shows "
                        f"{PROTOCOLS[name] or 'all'} test(s); give one of the two")
    return name, PROTOCOLS[name]


def _unsupported(task) -> str | None:
    from r1zero.sandbox.probes import plan_tests

    return next((plan.error for plan in plan_tests(tuple(task.tests)) if plan.error), None)


def _records(args, adapter, inputs: list[str], cache: str) -> tuple[dict[str, list[dict]], Counter, int]:
    from r1zero.core.prompts import build_prompt, build_response
    from step1_data.loading import MALFORMED, check_columns, load_table

    protocol, shown = args.code_protocol, args.prompt_tests  # resolved by prepare_code
    splits: dict[str, list[dict]] = {name: [] for name in adapter.WRITTEN_SPLITS}
    rejected, seen, rows_in = Counter(), set(), 0
    for spec in inputs:
        ds = load_table(spec, split=args.split or adapter.HUB_SPLIT, hub_config=args.hub_config or adapter.HUB_CONFIG,
                        cache_dir=cache, column_types=adapter.COLUMN_TYPES)
        check_columns(ds, adapter.required_columns(ds.column_names), spec, adapter.NAME)
        log.info("read %s: %d rows", spec, len(ds))
        for row in ds:
            rows_in += 1
            task = None if row.get(MALFORMED) else adapter.extract(row)
            split = adapter.split_of(task.task_id) if task else None
            if task is None or task.task_id in seen:
                rejected["malformed" if task is None else "duplicate"] += 1
                continue
            seen.add(task.task_id)
            unsupported = _unsupported(task)
            if unsupported:
                if not rejected["unsupported_test"]:
                    log.warning("task %d left out: %s", task.task_id, unsupported)
                rejected["unsupported_test"] += 1
                continue
            if split not in splits:
                rejected["prompt_example" if split == "prompt" else "outside_splits"] += 1
                continue
            problem, answer = adapter.problem_text(task, shown), adapter.answer_text(task)
            splits[split].append({
                "id": f"{adapter.NAME}-{task.task_id}", "source": task.source, "problem": problem,
                "answer": answer, "solution": task.code, "prompt": build_prompt(problem),
                "sft_target": build_response(SFT_REASONING, answer), "tests": list(task.tests),
                "test_setup": task.setup, "task_id": task.task_id, "protocol": protocol})
    return splits, rejected, rows_in


def _write(path: Path, rows: list[dict]) -> None:
    import pyarrow as pa

    from r1zero.core.artifacts import atomic_write_parquet

    schema = pa.schema([*((c, pa.string()) for c in CODE_COLUMNS[:7]), ("tests", pa.list_(pa.string())),
                        ("test_setup", pa.string()), ("task_id", pa.int64()), ("protocol", pa.string())])
    atomic_write_parquet(path, pa.Table.from_pylist(sorted(rows, key=lambda r: r["task_id"]), schema=schema))
    path.chmod(0o644)  # data files are meant to be shared (the temporary file was 0600)


def prepare_code(args, adapter, out: Path) -> dict:
    """Run step1 for a code dataset into ``out``; returns the stats dict (also written to stats.json)."""
    import shutil
    import tempfile

    from r1zero.core.artifacts import atomic_write_json, file_sha256, write_manifest

    if args.val_size is not None:
        raise UserError(f"--val_size does not apply to --dataset {adapter.NAME}: its splits are fixed by task_id")
    if args.max_train_samples is not None and args.max_train_samples < 0:
        raise UserError(f"--max_train_samples must be >= 0, got {args.max_train_samples}")
    inputs = args.input or [adapter.DEFAULT_INPUT]
    args.code_protocol, args.prompt_tests = resolve_protocol(args)  # the manifest records the resolved pair
    t0 = time.perf_counter()
    cache = tempfile.mkdtemp(prefix=".prepare-cache-", dir=out)
    try:
        splits, rejected, rows_in = _records(args, adapter, inputs, cache)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    if args.max_train_samples is not None and len(splits["train"]) > args.max_train_samples:
        kept = sorted(splits["train"], key=lambda r: r["task_id"])
        rejected["max_train_samples"] += len(kept) - args.max_train_samples
        splits["train"] = kept[: args.max_train_samples]
    for name, rows in splits.items():
        _write(out / f"{name}.parquet", rows)
    stats = {
        "dataset": adapter.NAME, "inputs": inputs, "input_rows": rows_in,
        **{f"{name}_rows": len(rows) for name, rows in splits.items()},
        "rejected": {r: rejected.get(r, 0) for r in REASONS},
        "per_source": dict(sorted(Counter(r["source"] for rows in splits.values() for r in rows).items())),
        "split_task_ids": {name: list(adapter.SPLITS[name]) for name in splits},
        "protocol": args.code_protocol, "prompt_tests": args.prompt_tests,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    assert rows_in == sum(len(rows) for rows in splits.values()) + sum(rejected.values())
    atomic_write_json(out / "stats.json", stats)
    write_manifest(out, "step1_data", args, inputs={f"input_{k}": spec for k, spec in enumerate(inputs)},
                   extra={"outputs": {f"{n}.parquet": file_sha256(out / f"{n}.parquet") for n in splits},
                          "output_columns": list(CODE_COLUMNS)})
    print(f"\nstep1_data summary ({adapter.NAME}, protocol {stats['protocol']}, {stats['seconds']:.1f} s) -> {out}")
    for key in ("input_rows", *(f"{name}_rows" for name in splits)):
        print(f"  {key.replace('_', ' '):<26} {stats[key]:>7,}")
    for reason, count in stats["rejected"].items():
        if count:
            print(f"  {'left out: ' + reason.replace('_', ' '):<26} {count:>7,}")
    return stats
