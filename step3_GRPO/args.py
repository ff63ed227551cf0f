"""Our own GRPO options (data, rewards, in-training eval, preflight); TRL's GRPOConfig and ModelConfig hold the rest.

``parse(argv)`` returns ``(GRPOScriptArguments, GRPOConfig, ModelConfig)`` from ``--config x.yaml`` plus
``--field value`` overrides; train_trl.py and preflight.py share it so they read one config the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from r1zero.core.chat import PromptOptions


@dataclass
class GRPOScriptArguments(PromptOptions):
    # Each option's help and bounds ("ge", "gt", "le": r1zero/core/config.py checks them while parsing).
    # data
    data_dir: str = field(default="data/numina", metadata={"help": "step1's output folder (train/val parquet)."})
    max_train_samples: int | None = field(
        default=None, metadata={"help": "Use only the first N train rows.", "ge": 1})
    max_prompt_tokens: int = field(
        default=512, metadata={"help": "Train prompts longer than this (in tokens) are left out and counted.", "ge": 1})
    # rewards
    reward_funcs: list[str] = field(
        default_factory=lambda: ["r1_zero"],
        metadata={"help": "Reward names, or one preset name (see step3_GRPO/train/registry.py). "
                          "Weights go to GRPOConfig's reward_weights."})
    code_timeout_s: float = field(
        default=10.0, metadata={"help": "Code rewards: wall-clock limit per program and its tests, in the "
                                        "sandbox (r1zero/sandbox/execute.py)."})
    code_workers: int | None = field(
        default=None, metadata={"help": "Code rewards: programs run at once (default: the CPUs shared among "
                                        "this machine's ranks; more hides the sandbox's start-up, "
                                        "docs/sandbox.md)."})
    # reasoning vocabulary (r1zero/training/reasoning_vocab.py)
    reasoning_vocab_size: int | None = field(
        default=None, metadata={"help": "Reason in a copy of the vocabulary with this many ids (0: off; at most the "
                                        "model's embedding rows); needs use_vllm: false. Default: the start model's "
                                        "(or the resumed checkpoint's) own. See docs/reasoning_vocab.md.", "ge": 0})
    # resume
    auto_resume: bool = field(
        default=True, metadata={"help": "Resume from the last checkpoint-N in output_dir when one exists."})
    restart: bool = field(
        default=False, metadata={"help": "When output_dir holds a run made with other settings (another training "
                                         "contract, r1zero/training/contract.py), move it aside to "
                                         "<output_dir>.old-<time> and start over; a run under the same settings "
                                         "resumes as usual."})
    # in-training eval (our callback; TRL's own eval_strategy stays off)
    eval_every_steps: int = field(default=0, metadata={"help": "Greedy eval on val every N steps (0: off).", "ge": 0})
    eval_samples: int = field(default=128, metadata={"help": "Val rows used by the in-training eval.", "ge": 1})
    eval_max_new_tokens: int = field(default=1024, metadata={"help": "Token budget per eval answer.", "ge": 1})
    eval_batch_size: int = field(default=32, metadata={"help": "Prompts per generate() call in the eval.", "ge": 1})
    # preflight
    preflight: bool = field(default=True, metadata={"help": "Run the preflight checks before training."})
    preflight_override: bool = field(
        default=False, metadata={"help": "Start even if preflight says the run will not fit or cannot work."})
    gpu_memory_gb: float | None = field(
        default=None, metadata={"help": "GPU memory (GiB) for the memory plan; default: the visible GPU's, "
                                        "else 80.", "gt": 0})
    vllm_server_gpus: int = field(
        default=1, metadata={"help": "Server mode: the vLLM server's GPUs (launch_trl.sh passes VLLM_GPUS), for "
                                     "the memory plan.", "ge": 1})
    gold_check_samples: int = field(
        default=2000, metadata={"help": "Train gold answers checked for gradability (0: all).", "ge": 0})
    max_ungradable_fraction: float = field(
        default=0.01, metadata={"help": "Preflight refuses when more gold answers than this fail to grade.",
                                "ge": 0, "le": 1})


def code_limits(script_args):
    """The sandbox limits of the code rewards and the code eval, from our options."""
    from r1zero.sandbox.execute import Limits

    return Limits(timeout_s=script_args.code_timeout_s)


def rewards(script_args, training_args, extra=()):
    """The run's reward functions and weights (GRPOTrainer's reward_funcs, GRPOConfig's reward_weights), the code
    ones under our sandbox options; ``extra``: the caller's own functions, chosen by name like the built-in ones."""
    from step3_GRPO.train.registry import reward_funcs

    return reward_funcs(script_args.reward_funcs, training_args.reward_weights, code_limits=code_limits(script_args),
                        code_workers=script_args.code_workers, extra=extra,
                        template=script_args.prompt_format().name)


def parse(argv=None):
    from trl import GRPOConfig, ModelConfig

    from r1zero.core.config import parse_args
    from r1zero.training.peers import init_cpu_collectives

    return parse_args([GRPOScriptArguments, GRPOConfig, ModelConfig], argv, before_build=init_cpu_collectives)
