"""Running a training stage (step2 SFT, step3 GRPO) to its end: resume, train, and write ``final/`` with its
manifest."""

from __future__ import annotations

from pathlib import Path

from r1zero.core.errors import Stopped, TrainingFault, UserError
from r1zero.training.checkpoints import FINAL_DIR, find_resume_checkpoint


def accept_indexed_cpu_locations() -> None:
    """Let torch.load map tensors to ``cpu:N``, as transformers asks when a multi-process CPU run resumes.

    The Trainer loads the optimizer with ``map_location=args.device``, which in a multi-process CPU run is
    ``cpu:<local rank>``; torch.load knows only ``cpu`` and fails. ``register_package`` (torch's public
    hook for storage locations) adds the missing case: ``cpu:N`` is the CPU. Registering twice is harmless.
    """
    import torch

    def restore(storage, location: str):
        return storage.cpu() if location.startswith("cpu:") else None

    torch.serialization.register_package(50, lambda _storage: None, restore)


def check_report_to(training_args) -> None:
    """``report_to: tensorboard`` without the package is a one-line error before any model loads (transformers
    would stop at the trainer's construction, telling the user to update PyTorch)."""
    from transformers.integrations import is_tensorboard_available

    if "tensorboard" in (training_args.report_to or []) and not is_tensorboard_available():
        raise UserError("report_to: tensorboard needs the tensorboard package (a project dependency): "
                        "pip install tensorboard, or rerun `make setup`")


def failed_save(folder: Path, exc: Exception, logger) -> UserError:
    """One line for an error while the Trainer wrote ``folder`` (most often a full disk or a file-size limit)."""
    from r1zero.training.checkpoints import newest_complete

    logger.debug("the save of %s failed", folder, exc_info=exc)
    detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
    previous, _ = newest_complete(folder.parent)
    kept = f"the last complete checkpoint, {previous.name}, is intact" if previous else "no complete checkpoint yet"
    return UserError(f"saving {folder} failed ({type(exc).__name__}: {detail}); {kept}: free disk space (or raise "
                     "the file-size limit) and rerun the same command to resume")


def train_and_save(trainer, tokenizer, *, stage: str, model_path: str, script_args, training_args, model_args,
                   logger, extra: dict | None = None, contract: dict | None = None):
    """Train (resuming from the last complete checkpoint), then write what both training stages leave:
    ``final/`` (model + tokenizer), ``trainer_state.json`` and a manifest in ``final/`` and ``output_dir``.
    A stop signal or a non-finite loss ends training early without either (r1zero.training.faults); a lost rank
    ends it in one line naming that rank (r1zero.training.peers).

    ``contract`` (r1zero/training/contract.py) goes into ``output_dir`` before the first checkpoint, so that a
    resume under other settings is refused, and into the manifests. Returns (train result, final folder,
    seconds spent training).
    """
    import time

    from r1zero.core.artifacts import write_manifest
    from r1zero.training.checkpoint_record import CheckpointRecord
    from r1zero.training.contract import record_contract
    from r1zero.training.faults import FaultGuard, finish_stopped
    from r1zero.training.peers import PeerLost, PeerWatch, report_peer_lost

    resume = find_resume_checkpoint(training_args.output_dir, training_args.resume_from_checkpoint,
                                    auto_resume=script_args.auto_resume,
                                    logger=logger if training_args.should_save else None)
    if resume:
        logger.info("resuming from %s", resume)
        if training_args.use_cpu and training_args.world_size > 1:
            accept_indexed_cpu_locations()
    record_contract(training_args, contract)
    guard = FaultGuard()  # a stop signal saves and exits resumable; a non-finite loss stops before any save
    trainer.add_callback(guard)
    guard.watch_loss(trainer)
    record = CheckpointRecord()  # after the guard: it sees the guard's decision to save
    trainer.add_callback(record)
    start = time.perf_counter()
    peers = PeerWatch.start()  # names the rank that is missing when a collective fails
    try:
        with guard.handling_signals():
            result = trainer.train(resume_from_checkpoint=resume)
    except (UserError, Stopped, TrainingFault):
        raise  # every rank raises these alike: no rank is missing
    except Exception as exc:
        if peers is not None:
            try:
                peers.explain(exc)  # raises PeerLost when a rank has gone; returns when all are there
            except PeerLost as lost:
                report_peer_lost(lost)
        if record.saving is not None:  # all ranks are there: the save itself failed (a full disk, say)
            raise failed_save(record.saving, exc, logger) from exc
        raise
    finally:
        if peers is not None:
            peers.close()
    elapsed = time.perf_counter() - start
    if guard.stopped_at is not None:
        finish_stopped(guard, trainer)  # neither final/ nor a complete manifest: the rerun resumes

    final_dir = Path(training_args.output_dir) / FINAL_DIR
    trainer.save_model(str(final_dir))
    trainer.save_state()  # <output_dir>/trainer_state.json: the full log history, also when save_strategy is no
    if trainer.accelerator.is_main_process:
        tokenizer.save_pretrained(final_dir)
        info = {"base_model": model_path, "global_step": result.global_step, "train_seconds": round(elapsed, 1),
                "train_loss": result.training_loss, "resumed_from": resume, "complete": True, **(extra or {}),
                **({"contract": contract} if contract is not None else {})}
        config = {"script": script_args, "training": training_args, "model": model_args}
        inputs = {"train": Path(script_args.data_dir) / "train.parquet"}
        for folder in (final_dir, Path(training_args.output_dir)):
            write_manifest(folder, stage, config, inputs=inputs, seed=training_args.seed, extra=info)
    return result, final_dir, elapsed
