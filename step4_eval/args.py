"""``evaluate.py``'s settings (``config/eval.yaml``; every key is also a flag) and what follows from them: the
sampling, the engine settings recorded in the contract, the grading, and where each checkpoint's eval goes.

Without ``--output_dir``, an eval goes to ``eval/<checkpoint>`` beside the training run folder it belongs to:
``<run_dir>/../eval/<checkpoint>`` for a name in ``run_dir`` (and for every checkpoint of ``--ckpt all``),
``outputs/demo/eval/final`` for the path ``outputs/demo/grpo/final`` (a ``final/`` or ``checkpoint-N/`` is a
run's checkpoint, so its run is the folder holding it). A model outside any run (a hub id, another model
folder) is scored for ``run_dir``'s run: ``<run_dir>/../eval/<name>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from r1zero.core.chat import PromptFormat, PromptOptions
from r1zero.evaluation.engines import ENGINES, Sampling
from r1zero.evaluation.job import Grading
from r1zero.sandbox.execute import Limits

DTYPES = ("auto", "float32", "bfloat16", "float16")


@dataclass
class EvalArgs(PromptOptions):
    template: str | None = field(default=None, metadata={
        "help": "r1_zero | boxed | chat (docs/chat.md); default: the format the checkpoint was trained with (its run's "
                "manifest), else r1_zero"})
    ckpt: str | None = field(default=None, metadata={"help": "checkpoint name in run_dir, a path, a hub id, or `all`"})
    run_dir: str = field(default="outputs/qwen2.5-math-1.5b-r1zero/grpo", metadata={"help": "training run folder holding checkpoint-N"})
    base_model: str | None = field(default=None, metadata={"help": "step-0 model for --ckpt all (default: run manifest)"})
    data: str = field(default="data/numina/val.parquet", metadata={
        "help": "step1 val.parquet (id, source, prompt, answer; problem, for a template other than r1_zero)"})
    benchmarks: str | None = field(default=None, metadata={
        "help": "evaluate these instead of --data: names (math500, aime24, amc23, minerva, olympiadbench, gsm8k), "
                "presets (standard, all) or name=path, comma-separated"})
    benchmark_dir: str | None = field(default=None, metadata={"help": "folder with the benchmarks' files (default: the embedded copies)"})
    output_dir: str | None = field(default=None, metadata={
        "help": "default: eval/<checkpoint> beside the checkpoint's training run (<run_dir>/../eval/<checkpoint>)"})
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
    report_to: str = field(default="auto", metadata={
        "help": "wandb | tensorboard (<output root>/runs/) | none | auto (wandb when WANDB_MODE or WANDB_API_KEY is set)"})
    wandb_project: str = "r1zero-math"
    wandb_samples: int = field(default=200, metadata={"help": "rows in the W&B samples table", "ge": 0})

    def prompt_format(self):
        return PromptFormat.from_options(self.template or "r1_zero", self.answer_rule, self.system_prompt,
                                         self.enable_thinking)

    def adopt_training_format(self, ckpt) -> None:
        """Without ``--template``, evaluate in the prompt format the checkpoint was trained with (the prompt
        options its run's manifest records), so a chat run is scored in its own template and system prompt."""
        if self.template is not None:
            return
        from r1zero.core.artifacts import read_manifest

        for folder in (ckpt.model, ckpt.run_dir):
            script = ((read_manifest(folder) or {}).get("config") or {}).get("script") or {} if folder and \
                Path(folder).is_dir() else {}
            if script.get("template"):
                for key in ("template", "answer_rule", "system_prompt", "enable_thinking"):
                    if getattr(self, key) is None:
                        setattr(self, key, script.get(key))
                print(f"[eval] prompts: the {self.prompt_format().name} template {ckpt.label} was trained with "
                      f"({folder}/manifest.json)", flush=True)
                return
        self.template = "r1_zero"

    def __post_init__(self):
        if self.engine not in ENGINES:
            raise ValueError(f"--engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        if self.report_to not in ("auto", "wandb", "tensorboard", "none"):
            raise ValueError(f"--report_to must be auto, wandb, tensorboard or none, got {self.report_to!r}")
        for name in ("num_samples", "max_tokens", "chunk_size", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"--{name} must be >= 1, got {getattr(self, name)}")
        if self.dtype not in DTYPES:
            raise ValueError(f"--dtype must be one of {', '.join(DTYPES)}, got {self.dtype!r}")
        if self.temperature < 0 or not 0 < self.top_p <= 1:
            raise ValueError(f"need --temperature >= 0 and 0 < --top_p <= 1, got {self.temperature}, {self.top_p}")
        if self.template is not None:  # a bad template, answer rule or chat option is refused before anything loads
            self.prompt_format()

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
        return Sampling.for_template(self.prompt_format().name, n=self.num_samples, temperature=self.temperature,
                                     top_p=self.top_p, max_tokens=self.max_tokens, seed=self.seed)

    @property
    def grading(self) -> Grading:
        return Grading(workers=self.grader_workers, timeout_s=self.grader_timeout_s,
                       code_limits=Limits(timeout_s=self.code_timeout_s))

    def output_root(self) -> Path:
        """Where ``--ckpt all`` puts one folder per checkpoint and the tables comparing them."""
        return Path(self.output_dir) if self.output_dir else Path(self.run_dir).expanduser().parent / "eval"

    def checkpoint_dir(self, ckpt) -> Path:
        """The folder of one checkpoint's eval (a ``checkpoints.Checkpoint``): ``--output_dir`` itself for a single
        checkpoint, else ``eval/<label>`` beside the checkpoint's training run (``run_dir``'s for other models)."""
        if self.output_dir and self.ckpt != "all":
            return Path(self.output_dir)
        if self.output_dir:
            return Path(self.output_dir) / ckpt.label
        return Path(ckpt.run_dir or self.run_dir).expanduser().parent / "eval" / ckpt.label

    def tensorboard_root(self, ckpts) -> Path:
        """Where ``report_to: tensorboard`` puts ``runs/``: ``--output_dir``, else the ``eval/`` folder beside the
        (first) checkpoint's run, so ``tensorboard --logdir outputs/<run>`` shows training and eval together."""
        return Path(self.output_dir) if self.output_dir else self.checkpoint_dir(ckpts[0]).parent
