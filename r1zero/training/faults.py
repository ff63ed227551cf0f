"""Faults a training run meets, and how it ends on them: a stop signal saves and exits resumable, a non-finite
loss or gradient norm stops it before anything of that step is saved.

``FaultGuard`` is a transformers ``TrainerCallback`` that ``train_and_save`` puts on every SFT and GRPO
trainer (public callback API only):

- **SIGTERM / SIGUSR1** (a scheduler's preemption or time limit, ``scancel``, an eviction) only set a flag.
  At the end of the optimizer step under way the ranks all-reduce their flags, so all of them stop at the
  same step even when the signal reached only some; the Trainer then saves a normal ``checkpoint-N`` (as a
  periodic save would, so auto-resume finds it) and ``train_and_save`` exits with ``EXIT_STOPPED`` (75)
  without writing ``final/``.
- **A non-finite loss** (any micro-batch of the step) **or gradient norm** (after clipping, before the
  optimizer step) stops the run in ``on_step_end``, which the Trainer calls before its save of the same step:
  no checkpoint holds the poisoned weights, the earlier ones stay, one line names the step (exit 1).

Test-only hook: ``R1ZERO_TEST_FAULT=KIND:STEP[:RANK]`` makes the fault happen at that step (on that rank
only, else on all): ``sigterm`` sends SIGTERM to the process at the end of the step, ``sigkill`` SIGKILL as
the step begins (the other ranks are then mid-step: a dead rank, r1zero/training/peers.py), ``nanloss`` makes
its loss NaN, ``nangrad`` its gradients. Tests use it to deliver faults at a known step instead of sleeping.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import sys
import threading
from contextlib import contextmanager

from transformers import TrainerCallback

from r1zero.core.errors import EXIT_STOPPED, Stopped, TrainingFault, UserError

STOP_SIGNALS = (signal.SIGTERM, signal.SIGUSR1)
TEST_FAULT_ENV = "R1ZERO_TEST_FAULT"
TEST_FAULT_KINDS = ("sigterm", "sigkill", "nanloss", "nangrad")
logger = logging.getLogger(__name__)


def parse_test_fault(raw: str | None) -> tuple[str, int, int | None] | None:
    """``KIND:STEP[:RANK]`` -> (kind, step, rank or None); None when unset."""
    if not raw:
        return None
    parts = raw.split(":")
    if len(parts) not in (2, 3) or parts[0] not in TEST_FAULT_KINDS or not all(p.isdigit() for p in parts[1:]):
        raise UserError(f"{TEST_FAULT_ENV} must be KIND:STEP[:RANK] with KIND one of {', '.join(TEST_FAULT_KINDS)},"
                        f" got {raw!r}")
    return parts[0], int(parts[1]), int(parts[2]) if len(parts) == 3 else None


class FaultGuard(TrainerCallback):
    """Stops training cleanly on a stop signal (after saving) and on a non-finite loss or gradient norm."""

    def __init__(self):
        self.signal_name: str | None = None  # the stop signal this rank received
        self.stopped_at: int | None = None  # the step all ranks stopped (and saved) at
        self._bad = None  # this step's "not finite" flag, a tensor on the training device (no sync per micro-batch)
        self._test = parse_test_fault(os.environ.get(TEST_FAULT_ENV))

    # -- signals ---------------------------------------------------------------------------------------------
    def _on_signal(self, signum, _frame) -> None:
        if self.signal_name is None:
            self.signal_name = signal.Signals(signum).name
            # a plain write: logging from a signal handler may deadlock on the handler's lock
            print(f"[faults] {self.signal_name} received: stopping after this step, with a checkpoint",
                  file=sys.stderr, flush=True)

    @contextmanager
    def handling_signals(self):
        """SIGTERM/SIGUSR1 set the stop flag while the block runs (main thread only: Python's rule)."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {sig: signal.signal(sig, self._on_signal) for sig in STOP_SIGNALS}
        try:
            yield self
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    # -- non-finite loss and gradients -----------------------------------------------------------------------
    def watch_loss(self, trainer) -> None:
        """Wrap the trainer's public ``training_step`` to flag a non-finite loss of any micro-batch."""
        import torch

        step = trainer.training_step

        def training_step(model, inputs, *args, **kwargs):
            loss = step(model, inputs, *args, **kwargs)
            if self._fault_now("nanloss", trainer.state.global_step + 1, trainer.args.process_index):
                loss = loss * math.nan
            self._flag(~torch.isfinite(loss.detach()).all())
            return loss

        trainer.training_step = training_step

    def _flag(self, bad) -> None:
        self._bad = bad if self._bad is None else self._bad | bad

    def on_pre_optimizer_step(self, args, state, control, model=None, **kwargs):
        import torch

        if model is None:
            return
        if self._fault_now("nangrad", state.global_step + 1, args.process_index):
            for param in model.parameters():
                if param.grad is not None:
                    param.grad.fill_(math.nan)
        # DeepSpeed keeps gradients in its own partitions (param.grad is None): the loss check still runs there
        grads = [p.grad for p in model.parameters() if p.grad is not None]
        if grads:
            self._flag(~torch.isfinite(torch.nn.utils.get_total_norm(grads)))

    def on_step_begin(self, args, state, control, **kwargs):
        if self._fault_now("sigkill", state.global_step + 1, args.process_index):
            os.kill(os.getpid(), signal.SIGKILL)

    # -- the decision, at each step's end --------------------------------------------------------------------
    def on_step_end(self, args, state, control, **kwargs):
        if self._fault_now("sigterm", state.global_step, args.process_index):
            os.kill(os.getpid(), signal.SIGTERM)
        stop, bad = self._agree(args)
        self._bad = None
        if bad:
            raise TrainingFault(f"step {state.global_step}: the loss or gradient norm is not finite (NaN or inf); "
                                f"stopped before saving this step, the last good checkpoint is "
                                f"{last_checkpoint(args.output_dir) or 'none'} (lower the learning rate, or check "
                                "the data of this step)")
        if stop and self.stopped_at is None and not (control.should_training_stop and state.global_step >= state.max_steps):
            self.stopped_at = state.global_step
            control.should_save = True
            control.should_training_stop = True
        return control

    def _agree(self, args) -> tuple[bool, bool]:
        """(stop, not finite) over all ranks: one all-reduce (max) of two flags per step, so all ranks decide alike."""
        import torch
        import torch.distributed as dist

        flags = torch.zeros(2, device=args.device)
        flags[0] = float(self.signal_name is not None)
        if self._bad is not None:
            flags[1] = self._bad.to(flags.device).float()
        if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
            dist.all_reduce(flags, op=dist.ReduceOp.MAX)
        stop, bad = flags.tolist()
        return stop > 0, bad > 0

    def _fault_now(self, kind: str, step: int, rank: int) -> bool:
        return self._test is not None and self._test[:2] == (kind, step) and self._test[2] in (None, rank)


def last_checkpoint(output_dir) -> str | None:
    from r1zero.training.checkpoints import find_resume_checkpoint

    return find_resume_checkpoint(output_dir, None)


def finish_stopped(guard: FaultGuard, trainer) -> None:
    """After a stop: wait until every rank has saved its part of the checkpoint, then exit ``EXIT_STOPPED``
    (rank 0 with one line, the others silently)."""
    trainer.accelerator.wait_for_everyone()
    if not trainer.accelerator.is_main_process:
        raise SystemExit(EXIT_STOPPED)
    step, args = guard.stopped_at, trainer.args
    where = os.path.join(args.output_dir, f"checkpoint-{step}")
    raise Stopped(f"{guard.signal_name or 'a stop signal (on another rank)'} received, saved {where} (step {step} of "
                  f"{trainer.state.max_steps}); rerun the same command to resume from it (exit status {EXIT_STOPPED})")
