"""The in-training eval: every N optimizer steps, step 4's eval of the live policy on a val subset.

It is step 4's path, not a copy of it: the same engine (``r1zero.evaluation.engines.hf.HFEngine``, here wrapped around
the live policy), the same sampling settings object (``Sampling.for_template``: greedy, the template's
stop rule), and the same eval job (``r1zero.evaluation.job.EvalJob``): the same rows from the samples, the
same grading into the same records and the same summary. It writes ``<output_dir>/eval/step_<N>/{generations.jsonl,
summary.json}``, so ``evaluate.py --engine hf --temperature 0`` on ``checkpoint-N`` with the same settings
gives the same summary. Each process generates its share of the problems; rank 0 grades and writes.

Logged: ``eval_accuracy``, ``eval_format_accuracy``, ``eval_correct_rate``, ``eval_wrong_answer_rate``,
``eval_format_failure_rate``, ``eval_truncated_rate`` and ``eval_by_source/<source>/accuracy``
(``eval/...`` in W&B), plus a samples table per eval.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from transformers import TrainerCallback

from r1zero.evaluation.engines import EngineOptions, Sampling
from r1zero.evaluation.job import EvalJob, Grading

logger = logging.getLogger("step3_GRPO")


def eval_folder(output_dir: str | Path, step: int) -> Path:
    return Path(output_dir) / "eval" / f"step_{step:05d}"


class InTrainingEval(TrainerCallback):
    """Eval of ``rows`` (dicts with id, source, prompt, answer) every ``every`` optimizer steps."""

    def __init__(self, rows: list[dict], *, every: int, sampling: Sampling, batch_size: int,
                 template: str = "r1_zero", code_limits=None):
        import pandas as pd

        self.problems = pd.DataFrame(rows)  # index: the problem's position, which seeds its sampling
        self.every, self.sampling, self.template = every, sampling, template
        self.grading = Grading(code_limits=code_limits)
        self.options = EngineOptions(batch_size=batch_size)
        self.trainer = None  # set once the trainer exists

    def on_step_end(self, args, state, control, **kwargs):
        if self.trainer is None or not self.every or state.global_step % self.every:
            return control
        metrics = self.evaluate(state.global_step)
        if metrics:
            self.trainer.pending_logs.update(metrics)
            control.should_log = True
        return control

    def job(self, step: int) -> EvalJob:
        return EvalJob(problems=self.problems, sampling=self.sampling, template=self.template, grading=self.grading,
                       out_dir=eval_folder(self.trainer.args.output_dir, step), summary_fields={"step": step})

    def generate(self, job: EvalJob) -> list[dict]:
        """This process's share of the job's problems, generated with the live policy: completion rows."""
        import torch
        from trl.models.utils import unwrap_model_for_generation

        from r1zero.evaluation.engines.hf import HFEngine

        trainer = self.trainer
        acc = trainer.accelerator
        mine = job.problems.iloc[acc.process_index::acc.num_processes]
        # the engine seeds torch per batch (as step 4 does); fork_rng keeps the training's own random stream
        # (rollout sampling) as if no eval had run
        with torch.random.fork_rng(), unwrap_model_for_generation(
                trainer.model_wrapped, acc, gather_deepspeed3_params=trainer.args.ds3_gather_for_generation) as model:
            engine = HFEngine(model, trainer.processing_class, self.options)
            samples = engine.generate(mine["prompt"].tolist(), mine.index.tolist(), job.sampling)
        return job.completion_rows(mine, samples)

    def evaluate(self, step: int) -> dict[str, float]:
        from accelerate.utils import gather_object

        start = time.perf_counter()
        job = self.job(step)
        rows = gather_object(self.generate(job))
        if not self.trainer.accelerator.is_main_process:
            return {}
        summary = job.summarize(job.grade(rows))
        job.write()
        if "wandb" in (self.trainer.args.report_to or []):
            log_samples_table(job.records, step)
        metrics = eval_metrics(summary)
        logger.info("eval at step %d on %d val problems in %.1f s: accuracy %.3f, format %.3f, truncated %.3f",
                    step, summary["num_problems"], time.perf_counter() - start, summary["accuracy"],
                    summary["format_accuracy"], metrics["eval_truncated_rate"])
        return metrics


def eval_metrics(summary: dict) -> dict[str, float]:
    """The scalars logged with the training metrics."""
    from r1zero.evaluation.metrics import CATEGORIES, MONITOR_FLAGS

    total = max(1, summary["total"])
    metrics = {"eval_accuracy": summary["accuracy"], "eval_format_accuracy": summary["format_accuracy"],
               **{f"eval_{c}_rate": summary["counts"][c] / total for c in CATEGORIES},
               "eval_truncated_rate": summary["truncation_rate"]}
    if len(summary["by_source"]) > 1:
        metrics.update({f"eval_by_source/{src}/accuracy": b["accuracy"] for src, b in summary["by_source"].items()})
    monitor = summary.get("answer_monitor") or {}  # the reward-hacking monitor (math only)
    metrics.update({f"eval_{flag}_rate": monitor[flag] for flag in MONITOR_FLAGS if flag in monitor})
    return metrics


def log_samples_table(records: list[dict], step: int) -> None:
    """One W&B samples table per eval, under its own key, when a W&B run is active."""
    try:
        import wandb
    except ImportError:
        return
    if wandb.run is not None:
        from r1zero.evaluation.report import samples_table

        wandb.log({f"eval_samples/step_{step:06d}": samples_table(records), "train/global_step": step})
