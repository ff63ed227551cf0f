"""GRPOTrainer plus what our runs need: in-training eval and a per-step completions history.

- ``R1ZeroGRPOTrainer.log`` adds pending eval metrics and GPU memory (``gpu/peak_allocated_gb``,
  ``gpu/used_gb``) to each log line. TRL itself keeps the completions (``log_completions``: a
  ``completions/completions_<step>.parquet`` file and a W&B table per logging step).
- ``InTrainingEval`` generates greedily on a val subset every N steps, grades with
  ``common.grading.grade_many``, buckets with ``common.scoring`` and logs ``eval_accuracy``,
  ``eval_format_accuracy``, ``eval_correct_rate``, ``eval_wrong_answer_rate``,
  ``eval_format_failure_rate`` and ``eval_truncated_rate`` (``eval/...`` in W&B).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from transformers import TrainerCallback
from trl import GRPOTrainer

from common.prompts import ANSWER_CLOSE

logger = logging.getLogger("step3_GRPO")


def _wandb_run():
    try:
        import wandb
    except ImportError:
        return None
    return wandb if wandb.run is not None else None


def gpu_memory_logs() -> dict[str, float]:
    """Peak memory PyTorch allocated (training + vLLM's tensors in colocate) and the device's used memory, GiB."""
    import torch

    if not torch.cuda.is_available():
        return {}
    free, total = torch.cuda.mem_get_info()
    return {"gpu/peak_allocated_gb": torch.cuda.max_memory_allocated() / 1024**3,
            "gpu/used_gb": (total - free) / 1024**3}


class R1ZeroGRPOTrainer(GRPOTrainer):
    """GRPOTrainer whose log lines also carry the in-training eval's metrics and GPU memory.

    ``log`` is the Trainer's public logging hook; everything else (completions tables and parquet files per
    logging step with ``log_completions``, reward metrics) is TRL's own.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pending_logs: dict[str, float] = {}

    def log(self, logs: dict[str, float], start_time: float | None = None) -> None:
        if self.pending_logs:
            logs.update(self.pending_logs)
            self.pending_logs = {}
        logs.update(gpu_memory_logs())
        super().log(logs, start_time)


def generate_greedy(trainer, prompts: list[str], *, max_new_tokens: int, batch_size: int) -> list[dict]:
    """Greedy completions for ``prompts`` (this process's share), stopping at EOS or ``</answer>``."""
    import torch
    from trl.models.utils import unwrap_model_for_generation

    tok = trainer.processing_class
    side, tok.padding_side = tok.padding_side, "left"
    out = []
    try:
        with unwrap_model_for_generation(trainer.model_wrapped, trainer.accelerator,
                                         gather_deepspeed3_params=trainer.args.ds3_gather_for_generation) as model:
            was_training = model.training
            model.eval()
            for at in range(0, len(prompts), batch_size):
                batch = prompts[at:at + batch_size]
                enc = tok(batch, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
                with torch.no_grad():
                    ids = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                                         stop_strings=[ANSWER_CLOSE], tokenizer=tok,
                                         eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
                for row in ids[:, enc["input_ids"].shape[1]:].tolist():
                    ended = tok.eos_token_id in row
                    row = row[:row.index(tok.eos_token_id)] if ended else row
                    text = tok.decode(row, skip_special_tokens=True)
                    stopped = ended or text.rstrip().endswith(ANSWER_CLOSE)
                    out.append({"completion": text, "completion_tokens": len(row),
                                "truncated": not stopped and len(row) >= max_new_tokens})
            if was_training:
                model.train()
    finally:
        tok.padding_side = side
    return out


class InTrainingEval(TrainerCallback):
    """Greedy eval on ``rows`` (dicts with prompt, answer, source, id) every ``every`` optimizer steps."""

    def __init__(self, rows: list[dict], *, every: int, max_new_tokens: int, batch_size: int, code_limits=None):
        self.rows, self.every, self.code_limits = rows, every, code_limits  # code_limits: for code data
        self.max_new_tokens, self.batch_size = max_new_tokens, batch_size
        self.trainer: R1ZeroGRPOTrainer | None = None

    def on_step_end(self, args, state, control, **kwargs):
        if self.trainer is None or not self.every or state.global_step % self.every:
            return control
        metrics = self.evaluate(state.global_step)
        if metrics:
            self.trainer.pending_logs.update(metrics)
            control.should_log = True
        return control

    def evaluate(self, step: int) -> dict[str, float]:
        from accelerate.utils import gather_object

        from common.scoring import CATEGORIES, score_completions

        trainer = self.trainer
        acc = trainer.accelerator
        start = time.perf_counter()
        mine = self.rows[acc.process_index::acc.num_processes]
        gens = generate_greedy(trainer, [r["prompt"] for r in mine], max_new_tokens=self.max_new_tokens,
                               batch_size=self.batch_size)
        rows = gather_object([{**r, **g} for r, g in zip(mine, gens, strict=True)])
        if not acc.is_main_process:
            return {}
        records, summary = score_completions(rows, extra={"step": step}, code_limits=self.code_limits)
        total = max(1, summary["total"])
        metrics = {"eval_accuracy": summary["accuracy"], "eval_format_accuracy": summary["format_accuracy"],
                   **{f"eval_{c}_rate": summary["counts"][c] / total for c in CATEGORIES},
                   "eval_truncated_rate": sum(r["truncated"] for r in records) / total}
        if len(summary["by_source"]) > 1:
            metrics.update({f"eval_by_source/{src}/accuracy": b["accuracy"] for src, b in summary["by_source"].items()})
        self._save(step, records, summary)
        logger.info("eval at step %d on %d val problems in %.1f s: accuracy %.3f, format %.3f, truncated %.3f",
                    step, summary["total"], time.perf_counter() - start, summary["accuracy"],
                    summary["format_accuracy"], metrics["eval_truncated_rate"])
        return metrics

    def _save(self, step: int, records: list[dict], summary: dict) -> None:
        import pandas as pd

        from common.artifacts import atomic_write_json, atomic_write_parquet
        from common.scoring import samples_table

        folder = Path(self.trainer.args.output_dir) / "eval"
        frame = pd.DataFrame(records).assign(step=step)
        frame["gold"] = frame["gold"].astype(str)
        atomic_write_parquet(folder / f"eval_{step:05d}.parquet", frame)
        atomic_write_json(folder / f"summary_{step:05d}.json", summary)
        wandb = _wandb_run() if "wandb" in (self.trainer.args.report_to or []) else None
        if wandb is not None:
            wandb.log({f"eval_samples/step_{step:06d}": samples_table(records), "train/global_step": step})
