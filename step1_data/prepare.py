"""Prepare a dataset for SFT and GRPO: gold answers, filters, dedupe, decontamination, seeded split.

Reads NuminaMath-CoT (``--dataset numina``), GSM8K (``gsm8k``), Hendrycks MATH (``math``) or DeepScaleR
(``deepscaler``) from a hub id or local .parquet/.jsonl/.json files and writes to ``--output_dir``:
  train.parquet, val.parquet  columns id, source, problem, answer, solution, prompt (r1_zero), sft_target
  stats.json                  input/train/val rows, rejected rows by reason, per-source counts, lengths
  manifest.json               resolved config, git commit, package versions, input hashes, seed
Every input row is either written or counted under one reject reason (see step1_data/filters.py).
Code datasets (``--dataset mbpp``) keep their own task_id splits and add test columns: see
step1_data/code_pipeline.py and docs/code_rl.md.

CPU only (no GPU needed; ``--num_proc`` workers share the rows):
    python step1_data/prepare.py --config config/data.yaml --dataset numina \
        --input AI-MO/NuminaMath-CoT --output_dir data/numina
    python step1_data/prepare.py --config config/data.yaml --dataset numina \
        --input data/raw/arith.jsonl step1_data/sample/numina_sample.jsonl --output_dir data/demo --val_size 100
    python step1_data/prepare.py --config config/mbpp/data.yaml       # MBPP from the hub, or --input mbpp.jsonl
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from r1zero.core.errors import UserError, run_cli
from r1zero.core.locks import hold_output_dir

log = logging.getLogger("step1_data.prepare")


@dataclass
class DataArgs:
    dataset: str = field(default="numina", metadata={
        "help": "numina, gsm8k, math, deepscaler or mbpp (code)"})
    input: list[str] | None = field(default=None, metadata={
        "help": "hub id(s) or local .parquet/.jsonl/.json file(s); default: the dataset's hub id"})
    output_dir: str | None = field(default=None, metadata={"help": "default: data/<dataset>"})
    split: str | None = field(default=None, metadata={
        "help": "split to read from a hub id (default: train; mbpp: all, re-split by task_id)"})
    hub_config: str | None = field(default=None, metadata={"help": "hub config name (gsm8k: main)"})
    val_size: int | None = field(default=None, metadata={
        "help": "val rows, stratified by source (default: numina 5000, others 500)", "ge": 0})
    seed: int = field(default=42, metadata={"help": "seed of the split and of the row order"})
    max_train_samples: int | None = field(default=None, metadata={
        "help": "keep at most this many train rows (the rest counted as max_train_samples)", "ge": 1})
    max_problem_chars: int | None = field(default=3000, metadata={"help": "reject longer problems", "ge": 1})
    max_solution_chars: int | None = field(default=8000, metadata={
        "help": "reject longer solutions", "ge": 1})
    tokenizer: str | None = field(default=None, metadata={
        "help": "tokenizer (hub id or folder) to also limit lengths in tokens"})
    max_prompt_tokens: int | None = field(default=512, metadata={
        "help": "token limit on prompt (with --tokenizer)", "ge": 1})
    max_sft_target_tokens: int | None = field(default=2048, metadata={
        "help": "token limit on sft_target (with --tokenizer)", "ge": 1})
    drop_proofs: bool = field(default=True, metadata={"help": "reject proof problems"})
    drop_multiple_choice: bool = field(default=True, metadata={"help": "reject multiple-choice problems"})
    dedupe: bool = field(default=True, metadata={"help": "reject repeated problems (normalized text)"})
    decontaminate: list[str] = field(default_factory=list, metadata={
        "help": "eval sets whose n-grams training rows must not share: benchmark names (math500, aime24, amc23, "
                "minerva, olympiadbench, gsm8k), presets (standard, all), name=path, or hub id[:config][@split] / "
                "local file"})
    benchmark_dir: str | None = field(default=None, metadata={
        "help": "folder with the benchmarks' files (default: the embedded copies)"})
    ngram_size: int = field(default=8, metadata={"help": "n of the contamination n-grams (words)", "ge": 1})
    num_proc: int | None = field(default=None, metadata={
        "help": "worker processes (default: all cores for >= 20k rows, else 1)", "ge": 1})
    code_protocol: str | None = field(default=None, metadata={
        "help": "code datasets: the prompt protocol, evalplus (the first test shown; default) or original (all "
                "tests: Austin et al. 2021, bigcode-evaluation-harness); the reward runs every test either way"})
    prompt_tests: int | None = field(default=None, metadata={
        "help": "code datasets: show this many tests instead (0: all); 1 is evalplus, 0 original, any other N is "
                "recorded as protocol prompt_tests=N"})


def _auto_num_proc(rows: int, requested: int | None) -> int | None:
    if requested is not None:
        if requested < 1:
            raise UserError(f"--num_proc must be >= 1, got {requested}")
        return requested if requested > 1 else None
    return max(1, min(os.cpu_count() or 1, 8)) if rows >= 20_000 else None


def _length_stats(values) -> dict:
    import numpy as np

    values = np.asarray(values)
    if values.size == 0:
        return {"count": 0}
    q = np.percentile(values, [50, 90, 99])
    return {"count": int(values.size), "mean": round(float(values.mean()), 1), "min": int(values.min()),
            "p50": int(q[0]), "p90": int(q[1]), "p99": int(q[2]), "max": int(values.max())}


def _print_summary(stats: dict, out: Path) -> None:
    rows = [("input rows", stats["input_rows"]), ("train rows", stats["train_rows"]),
            ("val rows", stats["val_rows"])]
    rows += [(f"rejected: {k}", v) for k, v in stats["rejected"].items() if v]
    rows += [(f"  overlapping {k}", v) for k, v in stats["decontamination"]["removed_by_eval_set"].items() if v]
    width = max(len(k) for k, _ in rows)
    print(f"\nstep1_data summary ({stats['dataset']}, {stats['seconds']:.1f} s) -> {out}")
    for k, v in rows:
        print(f"  {k:<{width}}  {v:>9,}")
    src_w = max([len(s) for s in stats["per_source"]] + [6])
    print(f"\n  {'source':<{src_w}}  {'input':>9}  {'train':>9}  {'val':>7}  {'rejected':>9}")
    for s, c in stats["per_source"].items():
        print(f"  {s:<{src_w}}  {c['input']:>9,}  {c['train']:>9,}  {c['val']:>7,}  {c['rejected']:>9,}")


def output_dir(args: DataArgs) -> Path:
    return Path(args.output_dir or f"data/{args.dataset}")


def prepare(args: DataArgs, out: Path | None = None) -> dict:
    """Run the stage into ``out`` (default: ``output_dir(args)``); returns the stats dict (also written to
    stats.json). ``main`` adds the folder's lock and its clean-up after a failed first run."""
    import datasets
    from huggingface_hub.utils import logging as hub_logging

    from r1zero.core.artifacts import atomic_write_json, file_sha256, write_manifest
    from step1_data.adapters import get_adapter
    from step1_data.pipeline import OUTPUT_COLUMNS
    from step1_data.writer import write_split

    out = out or output_dir(args)
    out.mkdir(parents=True, exist_ok=True)
    hub_logging.set_verbosity_error()  # offline retries would print many lines; our one error line says it
    adapter = get_adapter(args.dataset)
    if isinstance(args.input, str):  # `input: one/path` in the YAML rather than a list
        args.input = [args.input]
    if getattr(adapter, "KIND", "math") == "code":
        from step1_data.code_pipeline import prepare_code

        return prepare_code(args, adapter, out)
    if isinstance(args.decontaminate, str):  # `decontaminate: standard` in the YAML, or a comma list
        args.decontaminate = [s.strip() for s in args.decontaminate.split(",") if s.strip()]
    inputs = args.input or [adapter.DEFAULT_INPUT]
    val_size = adapter.DEFAULT_VAL_SIZE if args.val_size is None else args.val_size
    check_sizes(args, val_size)
    t0 = time.perf_counter()
    cache = tempfile.mkdtemp(prefix=".prepare-cache-", dir=out)  # beside the outputs: same disk, not RAM
    datasets.disable_caching()
    try:
        opts, eval_counts = row_options(args, adapter, cache)
        ds = filter_inputs(args, adapter, inputs, opts, cache)
        rows = choose_rows(ds.data.table, args, val_size)  # ds.data.table: the memory-mapped Arrow table
        for name, idx in (("train", rows.train), ("val", rows.val)):
            t1 = time.perf_counter()
            write_split([f["filename"] for f in ds.cache_files], len(ds), idx, out / f"{name}.parquet")
            log.info("wrote %s.parquet: %d rows in %.1f s", name, idx.size, time.perf_counter() - t1)
        stats = {"dataset": adapter.NAME, "inputs": inputs,
                 **split_stats(ds.data.table, rows, eval_counts),
                 "eval_sets": eval_counts, "seed": args.seed, "val_size": val_size}
        stats["decontamination"] = {"ngram_size": args.ngram_size, "removed": stats["rejected"]["contaminated"],
                                    "removed_by_eval_set": stats.pop("removed_by_eval_set")}
        seconds = time.perf_counter() - t0
        stats.update(seconds=round(seconds, 2), rows_per_second=round(stats["input_rows"] / max(seconds, 1e-9), 1))
        atomic_write_json(out / "stats.json", stats)
        write_manifest(out, "step1_data", args, seed=args.seed,
                       inputs={f"input_{k}": spec for k, spec in enumerate(inputs)},
                       extra={"outputs": {f: file_sha256(out / f) for f in ("train.parquet", "val.parquet")},
                              "val_size": val_size, "output_columns": list(OUTPUT_COLUMNS)})
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    _print_summary(stats, out)
    return stats


def check_sizes(args: DataArgs, val_size: int) -> None:
    for name in ("val_size", "max_train_samples", "max_problem_chars", "max_solution_chars"):
        value = val_size if name == "val_size" else getattr(args, name)
        if value is not None and value < 0:
            raise UserError(f"--{name} must be >= 0, got {value}")


def row_options(args: DataArgs, adapter, cache: str):
    """What the per-row pass needs: the filters' settings, the tokenizer for token limits, and the
    decontamination n-grams; also the eval sets' problem counts."""
    from step1_data.decontaminate import eval_ngrams
    from step1_data.pipeline import RowOptions

    eval_grams, eval_counts = {}, {}
    if args.decontaminate:
        eval_grams, eval_counts = eval_ngrams(args.decontaminate, args.ngram_size, cache, args.benchmark_dir)
        log.info("decontamination: %d %d-grams from %s", len(eval_grams), args.ngram_size, eval_counts)
    tokenizer = None
    if args.tokenizer:
        from transformers import AutoTokenizer

        try:
            tokenizer = AutoTokenizer.from_pretrained(args.tokenizer)
        except Exception as exc:
            raise UserError(f"cannot load tokenizer {args.tokenizer!r}: {str(exc).splitlines()[0]}") from None
    opts = RowOptions(
        dataset=adapter.NAME, drop_proofs=args.drop_proofs, drop_multiple_choice=args.drop_multiple_choice,
        max_problem_chars=args.max_problem_chars, max_solution_chars=args.max_solution_chars,
        tokenizer=tokenizer, max_prompt_tokens=args.max_prompt_tokens,
        max_sft_target_tokens=args.max_sft_target_tokens, eval_grams=eval_grams, ngram_size=args.ngram_size)
    return opts, eval_counts


def filter_inputs(args: DataArgs, adapter, inputs: list[str], opts, cache: str):
    """Every input read and passed through the per-row pass (gold answer, filters, prompt, target): one row
    out per row in, with its reject reason (empty when kept)."""
    import datasets

    from step1_data.loading import MALFORMED, check_columns, load_table
    from step1_data.pipeline import output_features, process_batch

    parts = []
    for k, spec in enumerate(inputs):
        t1 = time.perf_counter()
        ds = load_table(spec, split=args.split or "train", hub_config=args.hub_config or adapter.HUB_CONFIG,
                        cache_dir=cache, columns=adapter.REQUIRED_COLUMNS)
        check_columns(ds, adapter.REQUIRED_COLUMNS, spec, adapter.NAME)
        keep = [c for c in (*adapter.REQUIRED_COLUMNS, MALFORMED) if c in ds.column_names]
        ds = ds.select_columns(keep)
        log.info("read %s: %d rows in %.1f s", spec, len(ds), time.perf_counter() - t1)
        t1, num_proc = time.perf_counter(), _auto_num_proc(len(ds), args.num_proc)
        ds = ds.map(partial(process_batch, input_no=k, opts=opts), batched=True, with_indices=True,
                    batch_size=1000, num_proc=num_proc, remove_columns=keep,
                    features=output_features(opts.tokenizer is not None),
                    cache_file_name=os.path.join(cache, f"rows-{k}.arrow"),  # removed with the cache folder
                    new_fingerprint=f"prepare-{k}-{os.getpid()}", desc=f"filtering {Path(spec).name}")
        seconds = time.perf_counter() - t1
        log.info("filtered %d rows in %.1f s (%.0f rows/s, %d process(es))", len(ds), seconds,
                 len(ds) / max(seconds, 1e-9), num_proc or 1)
        parts.append(ds)
    return datasets.concatenate_datasets(parts) if len(parts) > 1 else parts[0]


@dataclass
class ChosenRows:
    reason: object  # numpy array: each input row's reject reason ("" when written)
    source: object  # numpy array: each input row's source
    kept: object    # positions kept by the filters and dedupe
    train: object   # positions written to train.parquet
    val: object     # positions written to val.parquet


def choose_rows(table, args: DataArgs, val_size: int) -> ChosenRows:
    """Dedupe, then the seeded split stratified by source, then the train cap; refuses when nothing is left."""
    import numpy as np

    from step1_data.dedupe import first_occurrences
    from step1_data.split import stratified_split

    reason = np.asarray(table.column("reason").to_pylist(), dtype=object)
    source = np.asarray(table.column("source").to_pylist(), dtype=object)
    kept = np.flatnonzero(reason == "")
    if args.dedupe and kept.size:
        keys = table.column("key").take(kept).to_pylist()
        reason[kept[~first_occurrences(keys)]] = "duplicate"
        kept = np.flatnonzero(reason == "")
    if kept.size == 0:
        counts = Counter(r for r in reason.tolist() if r)
        raise UserError(f"no usable rows: all {len(reason)} input rows were rejected "
                        f"({', '.join(f'{n} {r}' for r, n in counts.most_common())})")
    train_pos, val_pos = stratified_split(source[kept].tolist(), val_size, args.seed)
    train_idx, val_idx = kept[train_pos], kept[val_pos]
    if args.max_train_samples is not None and train_idx.size > args.max_train_samples:
        reason[train_idx[args.max_train_samples:]] = "max_train_samples"
        train_idx = train_idx[: args.max_train_samples]
    log.info("dedupe and split: %d rows kept, %d train, %d val", kept.size, train_idx.size, val_idx.size)
    return ChosenRows(reason, source, kept, train_idx, val_idx)


def split_stats(table, rows: ChosenRows, eval_counts: dict) -> dict:
    """Row counts (they always add up), rejects by reason, per-source counts, lengths, and the rows removed
    per decontamination set."""
    import numpy as np

    from step1_data.filters import REASONS
    from step1_data.pipeline import CONTAMINATED_BY

    reason, source = rows.reason, rows.source
    counts = Counter(reason.tolist())
    unexpected = set(counts) - set(REASONS) - {""}
    assert not unexpected, f"unknown reject reasons {unexpected}"
    rejected = {r: counts.get(r, 0) for r in REASONS}
    removed_by = {}  # eval set -> contaminated rows overlapping it (a row may overlap several)
    if eval_counts:
        masks = table.column(CONTAMINATED_BY).to_numpy()[reason == "contaminated"]
        removed_by = {label: int(((masks >> i) & 1).sum()) for i, label in enumerate(eval_counts)}
    split_of = np.full(len(reason), "", dtype=object)
    split_of[rows.train], split_of[rows.val] = "train", "val"
    per_source = {}
    for s in sorted(set(source.tolist())):
        mask = source == s
        per_source[s] = {"input": int(mask.sum()), "train": int((split_of[mask] == "train").sum()),
                         "val": int((split_of[mask] == "val").sum()), "rejected": int((reason[mask] != "").sum())}
    length_cols = ["problem_chars", "solution_chars", "sft_target_chars"]
    length_cols += [c for c in ("prompt_tokens", "sft_target_tokens") if c in table.column_names]
    lengths = {name: {c: _length_stats(table.column(c).to_numpy()[idx]) for c in length_cols}
               for name, idx in (("train", rows.train), ("val", rows.val))}
    stats = {"input_rows": len(reason), "kept_rows": int(rows.train.size + rows.val.size),
             "train_rows": int(rows.train.size), "val_rows": int(rows.val.size), "rejected": rejected,
             "per_source": per_source, "lengths": lengths, "removed_by_eval_set": removed_by}
    assert stats["input_rows"] == stats["kept_rows"] + sum(rejected.values())
    return stats


def main(argv: list[str] | None = None) -> None:
    from r1zero.core.config import parse_args

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    log.setLevel(logging.INFO)
    (args,) = parse_args([DataArgs], argv)
    out = output_dir(args)
    created = not out.exists()
    with hold_output_dir(out, "step1_data"):
        try:
            prepare(args, out)
        except BaseException:
            if created:  # a failed first run leaves no half-made folder behind
                shutil.rmtree(out, ignore_errors=True)
            raise


if __name__ == "__main__":
    run_cli(main)
