"""Score checkpoints with the r1_zero reward: correct / wrong answer / format failure, by source.

    # CPU (transformers engine), the tiny demo model:
    python step4_eval/evaluate.py --ckpt outputs/demo/grpo/final --data data/demo/val.parquet --engine hf
    # 1 GPU (vLLM engine, settings from config/eval.yaml):
    python step4_eval/evaluate.py --config config/eval.yaml --ckpt checkpoint-200
    # every checkpoint of the run plus the base model (step 0), learning curve and comparison table:
    python step4_eval/evaluate.py --config config/eval.yaml --ckpt all
    # N GPUs: one model across them with vLLM tensor parallelism
    python step4_eval/evaluate.py --config config/eval.yaml --ckpt final --tensor_parallel_size 4
    # the standard benchmark table (MATH-500, AIME24, AMC23, Minerva, OlympiadBench) under a protocol preset
    python step4_eval/evaluate.py --config config/protocols/oat_zero.yaml --ckpt final --benchmarks standard

Code data (step1's MBPP output, with a ``tests`` column) is scored by running each program against its
tests in the sandbox (``r1zero.sandbox.code_grader``): correct means every test passed, and the summary adds
the mean fraction of tests passed and program timeouts / errors (``--code_timeout_s`` per program).

``--ckpt`` is a checkpoint name in ``run_dir``, a path, a hub id, or ``all``. Outputs go to
``--output_dir`` (default ``<run_dir>/../eval/<checkpoint>``): ``generations.jsonl`` (one graded row per
sample), ``summary.json`` (buckets, rates, pass@k / maj@k / mean@n, lengths, timing, contract) and
``manifest.json``. Generations are appended per chunk, so a killed eval resumes where it stopped; a
partial run made under another contract is refused unless ``--overwrite``. ``--benchmarks`` evaluates named
benchmarks instead of ``--data`` (``step4_eval/suite.py``: one folder per benchmark plus ``benchmarks.json``).
"""

from __future__ import annotations

import json
import os
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from r1zero.core.artifacts import (
    atomic_write_bytes,
    atomic_write_json,
    check_manifest,
    file_sha256,
    write_manifest,
)
from r1zero.core.errors import UserError, run_cli
from r1zero.core.locks import hold_output_dir
from r1zero.core.prompts import get_template
from r1zero.evaluation.engines import ENGINES, EngineOptions, Sampling, load_engine
from r1zero.evaluation.metrics import build_summary, check_summary
from r1zero.evaluation.records import (
    GENERATIONS,
    completion_rows,
    grade_records,
    read_generations,
    record_line,
)
from r1zero.evaluation.report import format_summary
from r1zero.grading.grader import gold_answers
from r1zero.sandbox.code_grader import CODE_DATA_COLUMNS, PROTOCOL_COLUMN, code_contract, protocol_of
from r1zero.sandbox.execute import Limits
from step4_eval import checkpoints
from step4_eval.contract import build_contract, contract_diff
from step4_eval.report import SUMMARY, write_comparison

STATE = "eval_state.json"
DTYPES = ("auto", "float32", "bfloat16", "float16")
REQUIRED_COLUMNS = ("id", "prompt", "answer")


@dataclass
class EvalArgs:
    ckpt: str | None = field(default=None, metadata={"help": "checkpoint name in run_dir, a path, a hub id, or `all`"})
    run_dir: str = field(default="outputs/qwen2.5-math-1.5b-r1zero/grpo", metadata={"help": "training run folder holding checkpoint-N"})
    base_model: str | None = field(default=None, metadata={"help": "step-0 model for --ckpt all (default: run manifest)"})
    data: str = field(default="data/numina/val.parquet", metadata={"help": "step1 val.parquet (id, source, prompt, answer)"})
    benchmarks: str | None = field(default=None, metadata={
        "help": "evaluate these instead of --data: names (math500, aime24, amc23, minerva, olympiadbench, gsm8k), "
                "presets (standard, all) or name=path, comma-separated"})
    benchmark_dir: str | None = field(default=None, metadata={"help": "folder with the benchmarks' offline files"})
    template: str = field(default="r1_zero", metadata={"help": "prompt template for --benchmarks: r1_zero | boxed"})
    output_dir: str | None = field(default=None, metadata={"help": "default: <run_dir>/../eval[/<checkpoint>]"})
    limit: int | None = field(default=None, metadata={"help": "evaluate only the first N problems", "ge": 1})
    engine: str = field(default="vllm", metadata={"help": "vllm | hf"})
    num_samples: int = field(default=1, metadata={"help": "samples per problem (n); n > 1 adds pass@k, maj@k, mean@n", "ge": 1})
    max_tokens: int = field(default=1024, metadata={"ge": 1})
    temperature: float = field(default=1.0, metadata={"help": "0 for greedy", "ge": 0})
    top_p: float = field(default=1.0, metadata={"gt": 0, "le": 1})
    seed: int = 42
    chunk_size: int = field(default=256, metadata={"help": "problems generated, graded and flushed together", "ge": 1})
    batch_size: int = field(default=16, metadata={"help": "hf engine: prompts per generate call", "ge": 1})
    dtype: str = field(default="auto", metadata={"help": "auto (bf16 on GPU, fp32 on CPU) | float32 | bfloat16 | float16"})
    gpu_memory_utilization: float = field(default=0.85, metadata={"gt": 0, "le": 1})
    tensor_parallel_size: int = field(default=1, metadata={"ge": 1})
    max_model_len: int | None = field(default=None, metadata={"ge": 1})
    reasoning_vocab_size: int | None = field(default=None, metadata={
        "help": "hf engine: a checkpoint's reasoning vocabulary is used without this; give it to expand a model "
                "without one (docs/reasoning_vocab.md)", "ge": 0})
    grader_workers: int | None = field(default=None, metadata={"ge": 1})
    grader_timeout_s: float = field(default=2.0, metadata={"gt": 0})
    code_timeout_s: float = field(default=10.0, metadata={"help": "code data: wall-clock limit per program"})
    overwrite: bool = field(default=False, metadata={"help": "discard a partial or finished eval in output_dir"})
    report_to: str = field(default="auto", metadata={"help": "wandb | none | auto (wandb when WANDB_MODE or WANDB_API_KEY is set)"})
    wandb_project: str = "r1zero-math"
    wandb_samples: int = field(default=200, metadata={"help": "rows in the W&B samples table", "ge": 0})

    def __post_init__(self):
        if self.engine not in ENGINES:
            raise ValueError(f"--engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        if self.report_to not in ("auto", "wandb", "none"):
            raise ValueError(f"--report_to must be auto, wandb or none, got {self.report_to!r}")
        for name in ("num_samples", "max_tokens", "chunk_size", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"--{name} must be >= 1, got {getattr(self, name)}")
        if self.dtype not in DTYPES:
            raise ValueError(f"--dtype must be one of {', '.join(DTYPES)}, got {self.dtype!r}")
        if self.temperature < 0 or not 0 < self.top_p <= 1:
            raise ValueError(f"need --temperature >= 0 and 0 < --top_p <= 1, got {self.temperature}, {self.top_p}")
        get_template(self.template)

    @property
    def engine_settings(self) -> dict:
        """Every engine setting that can change the generated text (the hf engine's batch composition
        changes its samples), recorded in the eval contract."""
        settings = {"name": self.engine, "dtype": self.dtype, "chunk_size": self.chunk_size,
                    "batch_size": self.batch_size if self.engine == "hf" else None,
                    "max_model_len": self.max_model_len, "tensor_parallel_size": self.tensor_parallel_size}
        if self.reasoning_vocab_size:  # a checkpoint's own reasoning vocabulary is part of its fingerprint
            settings["reasoning_vocab_size"] = self.reasoning_vocab_size
        return settings

    @property
    def sampling(self) -> Sampling:
        return Sampling.for_template(self.template, n=self.num_samples, temperature=self.temperature,
                                     top_p=self.top_p, max_tokens=self.max_tokens, seed=self.seed)


# ---------------------------------------------------------------------------------------------- data

def _is_list(value) -> bool:
    return hasattr(value, "__len__") and not isinstance(value, str)


def load_problems(path: str | Path, limit: int | None = None):
    """The val problems as a DataFrame (id, source, prompt, answer); rows unusable for eval are counted and dropped."""
    from r1zero.training.data_io import read_step1_parquet

    path = Path(path)
    if not path.is_file():
        raise UserError(f"--data {path} not found (make it with step1_data)")
    check_manifest(path.parent)
    df = read_step1_parquet(path, REQUIRED_COLUMNS)
    if "source" not in df.columns:
        df["source"] = "unknown"
    code_columns = (*CODE_DATA_COLUMNS, PROTOCOL_COLUMN)
    df = df[["id", "source", "prompt", "answer", *(c for c in code_columns if c in df.columns)]].copy()
    df["id"] = df["id"].astype(str)
    dropped = {
        "empty prompt": df["prompt"].isna() | (df["prompt"].astype(str).str.strip() == ""),
        "empty answer": df["answer"].map(lambda a: not gold_answers(a)),
    }
    bad = dropped["empty prompt"] | dropped["empty answer"]
    if bad.any():
        reasons = ", ".join(f"{int(m.sum())} {r}" for r, m in dropped.items() if m.any())
        print(f"[eval] skipping {int(bad.sum())} of {len(df)} rows: {reasons}", flush=True)
        df = df[~bad]
    dupes = df["id"].duplicated()
    if dupes.any():
        raise UserError(f"--data {path} has {int(dupes.sum())} duplicate id(s), e.g. {df['id'][dupes].iloc[0]!r}")
    if limit is not None:
        df = df.head(limit)
    if df.empty:
        raise UserError(f"--data {path} has no problems to evaluate")
    df["source"] = df["source"].fillna("unknown").astype(str)
    # several accepted answers may come as a list column: keep them as a list of strings for the grader
    df["answer"] = df["answer"].map(lambda a: [str(x) for x in a] if _is_list(a) else str(a))
    return df.reset_index(drop=True)


# -------------------------------------------------------------------------------------------- resume

def prepare_output(out_dir: Path, contract: dict, chunk_size: int, num_problems: int, n: int,
                   overwrite: bool) -> dict:
    """Check what ``out_dir`` already holds and return the state to continue from.

    Keeps only whole chunks of generations (a kill can tear a chunk; unreadable lines are skipped), refuses
    a partial run made under another contract unless ``overwrite``. A folder holding no generations (an
    earlier attempt failed before its first chunk, say with a bad checkpoint) blocks nothing.
    """
    gen_path, state_path = out_dir / GENERATIONS, out_dir / STATE
    rows, bad = read_generations(gen_path) if gen_path.is_file() else ([], 0)
    if overwrite or not rows:
        for name in (GENERATIONS, SUMMARY, STATE):
            (out_dir / name).unlink(missing_ok=True)
        fresh = {"contract": contract, "timing": {"load_s": 0.0, "generation_s": 0.0, "grading_s": 0.0,
                                                  "write_s": 0.0, "wall_s": 0.0, "sessions": 0}}
        atomic_write_json(state_path, fresh)
        return fresh
    try:
        state = json.loads(state_path.read_text())
    except (OSError, ValueError):
        raise UserError(f"{out_dir} holds generations without a readable {STATE}; pass --overwrite to start over") from None
    diff = contract_diff(state.get("contract"), contract)
    if diff:
        raise UserError(f"{out_dir} holds an eval made with another contract (differs in: {', '.join(diff[:5])}); "
                        "pass --overwrite to start over, or choose another --output_dir")
    complete = _complete_chunks(rows, chunk_size, num_problems, n)
    keep = [r for r in rows if r["index"] // chunk_size in complete]
    if len(keep) != len(rows) or bad:
        atomic_write_bytes(gen_path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in keep).encode())
        print(f"[eval] resume: kept {len(keep)} of {len(rows)} rows (whole chunks only)"
              f"{f'; skipped {bad} unreadable line(s)' if bad else ''}", flush=True)
    return state


def finished_summary(out_dir: Path, contract: dict, overwrite: bool) -> dict | None:
    """The summary of a finished eval in ``out_dir`` made under ``contract``, else None (rerun: no change)."""
    path = out_dir / SUMMARY
    if overwrite or not path.is_file():
        return None
    try:
        summary = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return summary if isinstance(summary, dict) and not contract_diff(summary.get("contract"), contract) else None


def _complete_chunks(rows: list[dict], chunk_size: int, num_problems: int, n: int) -> set[int]:
    counts: dict[int, int] = {}
    for r in rows:
        c = r["index"] // chunk_size
        counts[c] = counts.get(c, 0) + 1
    return {c for c, got in counts.items() if got == min(chunk_size, num_problems - c * chunk_size) * n}


# ---------------------------------------------------------------------------------------------- core

def open_engine(args: EvalArgs, ckpt: checkpoints.Checkpoint):
    return load_engine(args.engine, ckpt.model, EngineOptions(
        dtype=args.dtype, batch_size=args.batch_size, gpu_memory_utilization=args.gpu_memory_utilization,
        tensor_parallel_size=args.tensor_parallel_size, max_model_len=args.max_model_len,
        reasoning_vocab_size=args.reasoning_vocab_size), seed=args.seed)


def evaluate_checkpoint(args: EvalArgs, ckpt: checkpoints.Checkpoint, problems, data_sha: str, out_dir: Path,
                        on_chunk=None, get_engine=None) -> tuple[dict, list[dict]]:
    """Generate, grade and summarize one checkpoint into ``out_dir``; resumes a partial run there.

    ``on_chunk(chunk_index)`` is called after each chunk is safely on disk (tests use it to simulate a kill).
    ``get_engine()``, when given, returns an engine shared across calls (the suite's benchmarks), which is
    then not closed here; by default the engine is loaded when there is work and closed after generation.
    """
    return start_checkpoint(args, ckpt, problems, data_sha, out_dir, on_chunk, get_engine)()


def start_checkpoint(args: EvalArgs, ckpt: checkpoints.Checkpoint, problems, data_sha: str, out_dir: Path,
                     on_chunk=None, get_engine=None):
    """``evaluate_checkpoint`` in two steps: this one returns once generation is done, with a function that
    waits for the last chunk's grading and writes the summary (``-> (summary, records)``). The suite calls
    it to grade one benchmark's last chunk while the next benchmark generates. ``out_dir`` stays locked
    from the start of the first step to the end of the second."""
    lock = ExitStack()
    lock.enter_context(hold_output_dir(out_dir, "eval"))
    try:
        finish = _start_locked(args, ckpt, problems, data_sha, out_dir, on_chunk, get_engine)
    except BaseException:
        lock.close()
        raise

    def finish_and_unlock() -> tuple[dict, list[dict]]:
        with lock:
            return finish()

    return finish_and_unlock


def _start_locked(args, ckpt, problems, data_sha, out_dir, on_chunk, get_engine):
    t_start = time.perf_counter()
    contract = build_contract(sampling=args.sampling, engine=args.engine_settings, data_sha256=data_sha,
                              num_problems=len(problems), checkpoint=checkpoints.fingerprint(ckpt),
                              template=args.template)
    if "tests" in problems.columns:  # code: the programs' grader, sandbox, limits and prompt protocol count too
        contract["code"] = code_contract(Limits(timeout_s=args.code_timeout_s),
                                         protocol_of(problems.get(PROTOCOL_COLUMN)))
    finished = finished_summary(out_dir, contract, args.overwrite)
    if finished is not None:
        print(f"[eval] {ckpt.label}: {out_dir} already holds this finished eval; nothing to do", flush=True)
        return lambda: (finished, read_generations(out_dir / GENERATIONS)[0])
    state = prepare_output(out_dir, contract, args.chunk_size, len(problems), args.sampling.n, args.overwrite)
    timing = state["timing"]
    for key in ("engine_close_s", "summary_s", "grade_wait_s"):
        timing.setdefault(key, 0.0)
    wall_before = timing["wall_s"]
    wall = lambda: wall_before + time.perf_counter() - t_start  # noqa: E731 - over every session of this eval
    last_grading = _generate_missing_chunks(args, ckpt, problems, out_dir, state, wall, on_chunk, get_engine)

    def finish() -> tuple[dict, list[dict]]:
        if last_grading is not None:
            last_grading()
        t_sum = time.perf_counter()
        records = read_generations(out_dir / GENERATIONS)[0]
        records.sort(key=lambda r: (r["index"], r["sample_index"]))
        summary = summarize(records, ckpt, contract, out_dir)
        timing["summary_s"] = time.perf_counter() - t_sum
        timing["wall_s"] = wall()
        summary["timing"] = _timing_block(timing, summary)
        atomic_write_json(out_dir / STATE, state)
        atomic_write_json(out_dir / SUMMARY, summary)
        write_manifest(out_dir, "eval", args, inputs={"data": args.data}, seed=args.seed,
                       extra={"checkpoint": {"label": ckpt.label, "model": ckpt.model, "step": ckpt.step}})
        return summary, records

    return finish


def _generate_missing_chunks(args, ckpt, problems, out_dir, state, wall, on_chunk, get_engine):
    """Generate the chunks ``out_dir`` does not hold yet (all of them on a first run); returns the function
    that waits for the last chunk's grading, or None when there was nothing to do."""
    gen_path, timing = out_dir / GENERATIONS, state["timing"]
    rows = read_generations(gen_path)[0] if gen_path.is_file() else []
    done = _complete_chunks(rows, args.chunk_size, len(problems), args.sampling.n)
    num_chunks = -(-len(problems) // args.chunk_size)
    todo = [c for c in range(num_chunks) if c not in done]
    if not todo:
        return None
    timing["sessions"] += 1
    print(f"[eval] {ckpt.label}: {len(problems)} problems x {args.sampling.n} samples with {args.engine}"
          f"{f', resuming ({len(done)} of {num_chunks} chunks done)' if done else ''} -> {out_dir}", flush=True)
    t0 = time.perf_counter()
    engine = get_engine() if get_engine is not None else open_engine(args, ckpt)
    timing["load_s"] += time.perf_counter() - t0
    try:
        return _run_chunks(args, engine, problems, todo, len(rows), gen_path, state, wall, on_chunk)
    finally:
        if get_engine is None:
            t0 = time.perf_counter()
            engine.close()
            timing["engine_close_s"] += time.perf_counter() - t0


def _run_chunks(args, engine, problems, todo, rows_done, gen_path, state, wall, on_chunk):
    """Generate every chunk in ``todo``, each graded and appended by ``_GradingPipeline`` while the next
    generates. Returns after the last generation with a function that waits for the last chunk's grading."""
    from tqdm.auto import tqdm

    bar = tqdm(total=len(problems) * args.sampling.n, initial=rows_done, desc="generate", unit="sample",
               dynamic_ncols=True, mininterval=2.0)
    pipeline = _GradingPipeline(args, gen_path, state, wall, on_chunk, bar)
    try:
        for chunk in todo:
            part = problems.iloc[chunk * args.chunk_size:(chunk + 1) * args.chunk_size]
            t0 = time.perf_counter()
            samples = engine.generate(part["prompt"].tolist(), part.index.tolist(), args.sampling,
                                      progress=bar.update)
            pipeline.submit(chunk, part, samples, time.perf_counter() - t0)
    except BaseException:
        pipeline.close()
        raise
    return pipeline.finish


class _GradingPipeline:
    """Grades and appends chunk k in a worker thread while chunk k+1 generates (the grader mostly waits on
    its subprocess pool), so grading hides behind generation. Chunks reach the file whole and in order."""

    def __init__(self, args, gen_path: Path, state: dict, wall, on_chunk, bar):
        from concurrent.futures import ThreadPoolExecutor

        self.args, self.gen_path, self.state, self.wall, self.on_chunk, self.bar = (
            args, gen_path, state, wall, on_chunk, bar)
        self.timing = state["timing"]
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="grade")
        self.fh = open(gen_path, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()
        self.pending = None  # (chunk, future, generation seconds) of the chunk being graded

    def submit(self, chunk: int, part, samples, gen_s: float) -> None:
        self.timing["generation_s"] += gen_s
        self.wait_pending()
        self.pending = (chunk, self.pool.submit(self.grade_and_write, part, samples), gen_s)

    def grade_and_write(self, part, samples):
        t0 = time.perf_counter()
        problems = [{**row, "index": i} for i, row in zip(part.index, part.to_dict("records"), strict=True)]
        records = grade_records(completion_rows(problems, samples), workers=self.args.grader_workers,
                                timeout_s=self.args.grader_timeout_s, template=self.args.template,
                                code_limits=Limits(timeout_s=self.args.code_timeout_s))
        t1 = time.perf_counter()
        self.fh.write("".join(record_line(r) for r in records))
        self.fh.flush()
        os.fsync(self.fh.fileno())
        return records, t1 - t0, time.perf_counter() - t1

    def wait_pending(self) -> None:
        """Wait for the chunk being graded, then record its timing and the resumable state."""
        if self.pending is None:
            return
        chunk, future, gen_s = self.pending
        self.pending = None
        t0 = time.perf_counter()
        records, grade_s, write_s = future.result()
        self.timing["grade_wait_s"] += time.perf_counter() - t0  # the part of grading generation did not hide
        self.timing["grading_s"] += grade_s
        self.timing["write_s"] += write_s
        self.timing["wall_s"] = self.wall()
        atomic_write_json(self.gen_path.parent / STATE, self.state)
        tokens = sum(r["completion_tokens"] or 0 for r in records)
        self.bar.set_postfix(tok_s=f"{tokens / max(gen_s, 1e-9):.0f}",
                             acc=f"{sum(r['category'] == 'correct' for r in records) / len(records):.3f}")
        if self.on_chunk is not None:
            self.on_chunk(chunk)

    def finish(self) -> None:
        try:
            self.wait_pending()
        finally:
            self.close()

    def close(self) -> None:
        self.pool.shutdown(wait=True)  # a chunk being graded still reaches the file
        self.fh.close()
        self.bar.close()


def _timing_block(timing: dict, summary: dict) -> dict:
    tokens = (summary.get("completion_tokens") or {}).get("total", 0)
    gen = timing["generation_s"]
    out = {k: round(v, 3) if isinstance(v, float) else v for k, v in timing.items()}
    out["generated_tokens"] = tokens
    out["tokens_per_s"] = round(tokens / gen, 1) if gen > 0 else None
    out["samples_per_s"] = round(summary["total"] / gen, 2) if gen > 0 else None
    return out


def summarize(records, ckpt, contract, out_dir) -> dict:
    """The summary.json dict. Timing aside, it depends only on the records and the contract."""
    summary = build_summary(records, extra={
        "checkpoint": ckpt.label, "model": ckpt.model, "step": ckpt.step,
        "generations": str(out_dir / GENERATIONS), "contract": contract,
    })
    check_summary(summary)
    return summary


# ---------------------------------------------------------------------------------------------- W&B

def wandb_run(args: EvalArgs, name: str):
    """A W&B run when reporting is on (``report_to`` wandb, or auto with WANDB_MODE / WANDB_API_KEY set)."""
    mode = os.environ.get("WANDB_MODE", "")
    if args.report_to == "none" or mode == "disabled":
        return None
    if args.report_to == "auto" and not (mode or os.environ.get("WANDB_API_KEY")):
        return None
    import wandb

    from r1zero.core.artifacts import to_jsonable

    return wandb.init(project=args.wandb_project, name=name, job_type="eval", config=to_jsonable(args))


@contextmanager
def wandb_session(args: EvalArgs, name: str):
    """``wandb_run`` for a ``with`` block: finished at the end, whatever happens."""
    run = wandb_run(args, name)
    try:
        yield run
    finally:
        if run is not None:
            run.finish()


# --------------------------------------------------------------------------------------------- main

def output_root(args: EvalArgs) -> Path:
    return Path(args.output_dir) if args.output_dir else Path(args.run_dir).expanduser().parent / "eval"


def checkpoint_dir(args: EvalArgs, root: Path, ckpt: checkpoints.Checkpoint) -> Path:
    """One folder per checkpoint, except that a single checkpoint with ``--output_dir`` writes there."""
    return root / ckpt.label if args.ckpt == "all" or not args.output_dir else root


def main(argv=None) -> list[dict]:
    from r1zero.core.config import parse_args
    from r1zero.evaluation.report import log_to_wandb

    (args,) = parse_args([EvalArgs], argv)
    if not args.ckpt:
        raise UserError("--ckpt is required: a checkpoint name in run_dir, a path, a hub id, or `all`")
    if args.num_samples > 1 and args.temperature == 0:
        print("[eval] warning: temperature 0 with several samples gives identical samples", flush=True)
    if args.benchmarks:
        from step4_eval.suite import run_suite

        return run_suite(args)
    if args.template != "r1_zero":
        raise UserError(f"--template {args.template} needs --benchmarks: --data holds step1's r1_zero prompts")
    ckpts = checkpoints.resolve(args.ckpt, args.run_dir, args.base_model)
    problems = load_problems(args.data, args.limit)
    data_sha = file_sha256(args.data)
    root, many = output_root(args), args.ckpt == "all"
    summaries = []
    with wandb_session(args, f"eval-{Path(args.run_dir).parent.name}-{args.ckpt}") as run:
        for ckpt in ckpts:
            out_dir = checkpoint_dir(args, root, ckpt)
            summary, records = evaluate_checkpoint(args, ckpt, problems, data_sha, out_dir)
            print(f"\n== {ckpt.label} (step {ckpt.step}) -> {out_dir / SUMMARY}\n{format_summary(summary)}\n", flush=True)
            if run is not None:
                log_to_wandb(summary, records, step=ckpt.step if many else None, max_rows=args.wandb_samples, run=run)
            summaries.append(summary)
        if many:
            from step4_eval.report import comparison_markdown

            written = write_comparison(root, summaries)
            print(comparison_markdown(summaries))
            print(f"[eval] wrote {', '.join(str(p) for p in written)}", flush=True)
    return summaries


if __name__ == "__main__":
    run_cli(main)
