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
``--output_dir`` (default ``eval/<checkpoint>`` beside the checkpoint's training run: ``step4_eval/args.py``):
``generations.jsonl`` (one graded row per sample), ``summary.json`` (buckets, rates, pass@k / maj@k / mean@n,
lengths, timing, contract) and ``manifest.json``. Generations are appended per chunk, so a killed eval resumes
where it stopped (``step4_eval/runner.py``); a partial run made under another contract is refused unless
``--overwrite``. ``--benchmarks`` evaluates named benchmarks instead of ``--data`` (``step4_eval/suite.py``: one
folder per benchmark plus ``benchmarks.json``).
"""


from __future__ import annotations

from pathlib import Path

from r1zero.core.artifacts import check_manifest, file_sha256
from r1zero.core.errors import UserError, run_cli
from r1zero.evaluation.job import SUMMARY
from r1zero.evaluation.report import (
    flat_metrics,
    format_summary,
    log_scalars,
    log_to_wandb,
    tensorboard_session,
    wandb_session,
)
from r1zero.grading.grader import gold_answers
from r1zero.sandbox.code_grader import CODE_DATA_COLUMNS, PROTOCOL_COLUMN
from step4_eval import checkpoints
from step4_eval.args import EvalArgs
from step4_eval.report import write_comparison
from step4_eval.runner import Evaluator
from step4_eval.suite import run_suite

REQUIRED_COLUMNS = ("id", "prompt", "answer")


def _is_list(value) -> bool:
    return hasattr(value, "__len__") and not isinstance(value, str)


def load_problems(path: str | Path, limit: int | None = None, fmt=None):
    """The val problems as a DataFrame (id, source, prompt, answer, and problem where the data has it); rows unusable
    for eval are counted and dropped. A prompt format (``r1zero.core.chat.PromptFormat``) other than r1_zero
    builds its prompts from the ``problem`` column (a chat format's later, by each checkpoint's tokenizer)."""
    from r1zero.training.data_io import read_step1_parquet

    path = Path(path)
    if not path.is_file():
        raise UserError(f"--data {path} not found (make it with step1_data)")
    check_manifest(path.parent)
    df = read_step1_parquet(path, REQUIRED_COLUMNS)
    if fmt is not None and fmt.name != "r1_zero":
        if "problem" not in df.columns:
            raise UserError(f"--template {fmt.name} builds prompts from the problem text, and --data {path} has no "
                            "`problem` column (step1 writes one)")
        df["prompt"] = df["problem"] if fmt.chat else df["problem"].map(lambda q: fmt.render(str(q)))
    if "source" not in df.columns:
        df["source"] = "unknown"
    code_columns = (*CODE_DATA_COLUMNS, PROTOCOL_COLUMN)
    df = df[["id", "source", "prompt", "answer", *(c for c in ("problem", *code_columns) if c in df.columns)]].copy()
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


def main(argv=None) -> list[dict]:
    from r1zero.core.config import parse_args

    (args,) = parse_args([EvalArgs], argv)
    if not args.ckpt:
        raise UserError("--ckpt is required: a checkpoint name in run_dir, a path, a hub id, or `all`")
    if args.num_samples > 1 and args.temperature == 0:
        print("[eval] warning: temperature 0 with several samples gives identical samples", flush=True)
    if args.benchmarks:
        return run_suite(args)
    ckpts = checkpoints.resolve(args.ckpt, args.run_dir, args.base_model)
    args.adopt_training_format(ckpts[-1])
    problems = load_problems(args.data, args.limit, args.prompt_format())
    data_sha = file_sha256(args.data)
    many = args.ckpt == "all"
    summaries = []
    with wandb_session(args.report_to, args.wandb_project, f"eval-{Path(args.run_dir).parent.name}-{args.ckpt}",
                       args) as run, tensorboard_session(args.report_to, args.tensorboard_root(ckpts)) as board:
        for ckpt in ckpts:
            evaluator = Evaluator(args, ckpt)
            job = evaluator.run(evaluator.job(problems, data_sha, args.checkpoint_dir(ckpt)))
            print(f"\n== {ckpt.label} (step {ckpt.step}) -> {job.out_dir / SUMMARY}\n{format_summary(job.summary)}\n",
                  flush=True)
            if run is not None:
                log_to_wandb(job.summary, job.records, step=ckpt.step if many else None, max_rows=args.wandb_samples,
                             run=run)
            if board is not None:
                log_scalars(board, flat_metrics(job.summary), ckpt.step)
            summaries.append(job.summary)
        if many:
            written = write_comparison(args.output_root(), summaries)
            print(written[0].read_text())
            print(f"[eval] wrote {', '.join(str(p) for p in written)}", flush=True)
    return summaries


if __name__ == "__main__":
    run_cli(main)
