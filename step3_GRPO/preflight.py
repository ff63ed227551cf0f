"""Preflight for GRPO: catch the run that cannot work before it spends GPU hours.

1. The prompt template, the tokenizer's EOS and the reward functions agree: prompts are the r1_zero
   template ending in `<think>`, a well-formed completion (`... </think> <answer> X </answer>`) earns
   more reward than one without the tags (also after a tokenizer round trip), and the model's
   generation config stops on the tokenizer's EOS.
2. The layout (machines x processes, colocate or server mode) suits vLLM: a colocated tensor-parallel
   group stays within one machine.
3. A memory plan for vLLM colocate mode (weights, gradients, optimizer under the ZeRO stage,
   activations with and without gradient checkpointing, vLLM weights + KV cache) against the GPU's
   memory, printed as a table with suggestions; in server mode, whether the server's GPUs hold the
   model and the KV cache of every process's batch.
4. The train set's gold answers are gradable: a completion that states the gold answer gets full marks
   (a code dataset's reference solutions pass their own tests in the sandbox; its rewards must be code
   rewards).

It refuses to start (exit 2) when a check fails, unless `--preflight_override true`.

    python -m step3_GRPO.preflight --config config/grpo_config.yaml [--world_size 16 --gpus_per_node 8 --zero_stage 2]
    python -m step3_GRPO.preflight --config config/demo/grpo.yaml --model_name_or_path M --data_dir D

train_trl.py runs the same checks at start (`--preflight false` to skip).
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field

from r1zero.core.errors import UserError, run_cli
from r1zero.core.prompts import (
    ANSWER_CLOSE,
    THINK_CLOSE_ANSWER_OPEN,
    THINK_OPEN,
    build_prompt,
    build_response,
)
from r1zero.grading.grader import gold_answers
from r1zero.sandbox.code_grader import CODE_DATA_COLUMNS
from step3_GRPO.args import code_limits, rewards
from step3_GRPO.train.rewards_code import CODE_REWARDS

logger = logging.getLogger("step3_GRPO.preflight")
PROMPT_SAMPLE = 256


@dataclass
class PlanArguments:
    """Only for the standalone preflight: the launch it should plan for (train_trl.py reads accelerate's)."""

    world_size: int | None = field(default=None, metadata={"help": "Processes (GPUs) over all machines; default: "
                                                                    "WORLD_SIZE or 1."})
    gpus_per_node: int | None = field(default=None, metadata={"help": "Processes per machine; default: "
                                                                      "LOCAL_WORLD_SIZE, else world_size.", "ge": 1})
    zero_stage: int | None = field(default=None, metadata={"help": "DeepSpeed ZeRO stage 0-3; default: "
                                                                    "accelerate's, else 0."})


@dataclass
class PreflightReport:
    problems: list[str] = field(default_factory=list)  # any of these refuses the run
    warnings: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # what was checked, for the log
    memory_table: str | None = None

    def text(self) -> str:
        out = ["preflight:"] + [f"  ok   {line}" for line in self.lines]
        out += [f"  WARN {w}" for w in self.warnings] + [f"  FAIL {p}" for p in self.problems]
        if self.memory_table:
            out += ["memory plan (per GPU):", self.memory_table]
        return "\n".join(out)


def _total_rewards(funcs, weights, prompts, completions, answers, columns=None) -> list[float]:
    """Weighted total reward; ``columns`` are the other dataset columns TRL passes (a code set's tests)."""
    totals = [0.0] * len(completions)
    for fn, w in zip(funcs, weights, strict=True):
        values = fn(prompts=prompts, completions=completions, answer=answers, **(columns or {}))
        totals = [t + w * (v or 0.0) for t, v in zip(totals, values, strict=True)]
    return totals


def check_template(report: PreflightReport, df, tokenizer, funcs, weights, model_config=None) -> None:
    """Template / EOS / reward agreement on a sample of the train rows."""
    sample = df.iloc[:PROMPT_SAMPLE]
    prompts = sample["prompt"].astype(str).tolist()
    not_think = sum(not p.rstrip().endswith(THINK_OPEN) for p in prompts)
    if not_think:
        report.problems.append(f"{not_think}/{len(prompts)} prompts do not end with `{THINK_OPEN}`: the r1_zero "
                               f"reward needs the model to write `{THINK_CLOSE_ANSWER_OPEN} ... {ANSWER_CLOSE}`")
    if "problem" in sample.columns:
        off = sum(p != build_prompt(str(q)) for p, q in zip(prompts, sample["problem"], strict=True))
        if off:
            report.problems.append(f"{off}/{len(prompts)} prompts differ from r1zero.core.prompts.build_prompt(problem): "
                                   "the data was made with another template; re-run step1")
    if not report.problems:
        report.lines.append(f"{len(prompts)} prompts follow the r1_zero template and end with `{THINK_OPEN}`")

    code_data = "tests" in sample.columns
    if code_data and not any(fn.__name__ in CODE_REWARDS and w > 0 for fn, w in zip(funcs, weights, strict=True)):
        report.problems.append("the data is a code dataset (it has a `tests` column) but no code reward has a "
                               f"positive weight; use reward_funcs: [mbpp] (or one of {', '.join(CODE_REWARDS)})")
    first = [next(iter(gold_answers(a)), "") for a in sample["answer"]]  # a list column: its first accepted answer
    rows = [i for i, f in enumerate(first) if f.strip()][:8]
    if not rows:
        report.problems.append("no row with a non-empty gold answer in the first rows of the train set")
        return
    p8, gold = [prompts[i] for i in rows], [sample["answer"].iloc[i] for i in rows]
    columns = {c: [sample[c].iloc[i] for i in rows] for c in CODE_DATA_COLUMNS if c in sample.columns}
    good = [" " + build_response("Let me compute it step by step.", first[i]) for i in rows]
    untagged = [f" Let me compute it step by step. The answer is {first[i]}." for i in rows]
    r_good = _total_rewards(funcs, weights, p8, good, gold, columns)
    r_bad = _total_rewards(funcs, weights, p8, untagged, gold, columns)
    names = ", ".join(f"{fn.__name__} x {w:g}" for fn, w in zip(funcs, weights, strict=True))
    if not all(g > b for g, b in zip(r_good, r_bad, strict=True)):
        report.problems.append(f"the rewards ({names}) do not prefer a well-formed completion "
                               f"(`{THINK_CLOSE_ANSWER_OPEN} X {ANSWER_CLOSE}`, reward {min(r_good):g}) over an "
                               f"untagged one ({max(r_bad):g}): template and reward disagree")
    else:
        report.lines.append(f"rewards ({names}) give a well-formed completion {min(r_good):g} and an untagged one "
                            f"{max(r_bad):g}")
    check_unpaid(report, funcs, weights, p8, good, gold, columns)
    if tokenizer is not None:
        round_trip = [tokenizer.decode(tokenizer(t, add_special_tokens=False)["input_ids"]) for t in good]
        r_trip = _total_rewards(funcs, weights, p8, round_trip, gold, columns)
        if r_trip != r_good:
            report.problems.append(f"after a tokenizer encode/decode round trip the reward changes ({r_good[0]:g} -> "
                                   f"{r_trip[0]:g}); e.g. {round_trip[0]!r}")
        check_eos(report, tokenizer, model_config)


# Why a reward may pay nothing to `</think> <answer> X </answer>`, where we know it
UNPAID_HINTS = {"accuracy_reward": "TRL's accuracy_reward reads a \\boxed{} or $...$ answer (or a bare LaTeX command), "
                                   "never a plain one such as `42`; ask for \\boxed{} in the prompt or add r1_zero"}


def check_unpaid(report: PreflightReport, funcs, weights, prompts, good, gold, columns=None) -> None:
    """Warn about a weighted reward that pays nothing to any well-formed completion stating the gold: it adds
    no signal where the others pay (TRL's accuracy_reward on plain answers)."""
    for fn, w in zip(funcs, weights, strict=True):
        if w <= 0:
            continue
        values = fn(prompts=prompts, completions=good, answer=gold, **(columns or {}))
        if not any(values):
            hint = UNPAID_HINTS.get(fn.__name__, "check that it reads this template's answers")
            report.warnings.append(f"{fn.__name__} pays 0 to all {len(good)} well-formed completions that state the "
                                   f"gold answer (e.g. {good[0].strip()!r}): {hint}")


def check_eos(report: PreflightReport, tokenizer, model_config=None) -> None:
    if tokenizer.eos_token is None:
        report.problems.append("the tokenizer has no eos_token: completions would never stop")
        return
    line = f"tokenizer EOS is {tokenizer.eos_token!r} (id {tokenizer.eos_token_id})"
    gen = getattr(model_config, "generation_eos", None) if model_config is not None else None
    if gen is not None:
        ids = [gen] if isinstance(gen, int) else list(gen)
        if tokenizer.eos_token_id not in ids:
            report.warnings.append(f"the model's generation_config stops on {ids}, not on the tokenizer's EOS "
                                   f"{tokenizer.eos_token_id}: TRL stops on the tokenizer's, step4 may not")
        else:
            line += ", and the model's generation config stops on it"
    report.lines.append(line)


def check_gold(report: PreflightReport, answers, *, max_fraction: float, tests=None, test_setup=None,
               limits=None) -> None:
    """A completion that states the gold answer must grade as correct; with ``tests`` (a code dataset), the
    reference code must pass its own tests in the sandbox."""
    golds = [gold_answers(a) for a in answers]
    empty = [i for i, g in enumerate(golds) if not g]
    keep = [i for i in range(len(golds)) if golds[i]]
    first = [golds[i][0] for i in keep]
    responses = [build_response("check", str(f)) for f in first]
    if tests is not None:
        from r1zero.sandbox.code_grader import grade_code_many

        setups = None if test_setup is None else [test_setup[i] for i in keep]
        results = grade_code_many(responses, [tests[i] for i in keep], setups=setups, limits=limits) if keep else []
        failed = [f"{str(f)[:60]}... ({r['error']})" for f, r in zip(first, results, strict=True) if r["all_passed"] < 1]
    else:
        from r1zero.grading.grader import grade_many

        results = grade_many(responses, [golds[i] for i in keep]) if keep else []
        failed = [str(f) for f, r in zip(first, results, strict=True) if r["answer_reward"] < 1]
    bad = len(failed) + len(empty)
    frac = bad / max(1, len(golds))
    msg = (f"{bad}/{len(golds)} gold answers are not gradable ({len(empty)} empty, {len(failed)} not matched by "
           f"the grader" + (f", e.g. {failed[:3]}" if failed else "") + ")")
    if frac > max_fraction:
        report.problems.append(msg + f"; over the {max_fraction:.0%} allowed (--max_ungradable_fraction)")
    elif bad:
        report.warnings.append(msg)
    else:
        report.lines.append(f"all {len(golds)} checked gold answers grade as correct")


def gpu_memory_gb(requested: float | None) -> float:
    if requested:
        return float(requested)
    try:
        import torch

        if torch.cuda.is_available():
            return torch.cuda.get_device_properties(0).total_memory / 1024**3
    except Exception:  # noqa: BLE001 - no usable CUDA means "assume the common 80 GB card"
        pass
    return 80.0


def zero_stage_from_env(training_args) -> int:
    stage = os.environ.get("ACCELERATE_DEEPSPEED_ZERO_STAGE")
    if stage:
        return int(stage)
    ds = getattr(training_args, "deepspeed", None)
    if isinstance(ds, dict):
        return int(ds.get("zero_optimization", {}).get("stage", 0))
    return 0


def fp32_weights(model_args, model_config) -> bool:
    """Whether train_trl.py loads the policy in fp32 (its default when `dtype` is unset, as TRL's)."""
    dtype = getattr(model_args, "dtype", None) or "float32"
    if dtype == "auto":
        dtype = str(getattr(model_config, "dtype", None) or getattr(model_config, "torch_dtype", None) or "float32")
    return "float32" in str(dtype)


def check_precision(report: PreflightReport, training_args, model_args, model_config, zero_stage: int) -> None:
    """bf16 weights updated by plain AdamW lose updates far below bf16's resolution (~0.4% of a weight)."""
    if zero_stage == 0 and not training_args.use_cpu and not fp32_weights(model_args, model_config) \
            and training_args.learning_rate < 1e-4:
        report.warnings.append(
            f"the policy trains in pure bf16 (dtype {model_args.dtype}) with learning_rate "
            f"{training_args.learning_rate:g}: most AdamW updates round away; use dtype: float32 with bf16: true "
            "(mixed precision) or DeepSpeed (fp32 master weights)")


def memory_plan_for(script_args, training_args, model_config, *, world_size: int, zero_stage: int,
                    prompt_len: int, n_params: int | None = None, model_args=None):
    from step3_GRPO.memory_plan import ModelShape, PlanInputs, plan

    shape = ModelShape.from_config(model_config, n_params=n_params)
    steps_per_gen = training_args.steps_per_generation or training_args.gradient_accumulation_steps
    inputs = PlanInputs(
        shape=shape, gpu_gb=gpu_memory_gb(script_args.gpu_memory_gb), world_size=world_size, zero_stage=zero_stage,
        bf16=bool(training_args.bf16), fp32_weights=fp32_weights(model_args, model_config),
        gradient_checkpointing=bool(training_args.gradient_checkpointing),
        micro_batch=training_args.per_device_train_batch_size, prompt_len=prompt_len,
        completion_len=training_args.max_completion_length or 256, beta=training_args.beta,
        use_vllm=training_args.use_vllm, colocate=training_args.vllm_mode == "colocate",
        vllm_gpu_memory_utilization=training_args.vllm_gpu_memory_utilization,
        vllm_tensor_parallel_size=training_args.vllm_tensor_parallel_size,
        vllm_sleep_mode=training_args.vllm_enable_sleep_mode,
        gen_sequences=training_args.per_device_train_batch_size * steps_per_gen,
        vllm_server_gpus=script_args.vllm_server_gpus,
    )
    return plan(inputs)


def check_layout(report: PreflightReport, training_args, *, world_size: int, per_node: int) -> None:
    """Machines x processes, and whether vLLM's tensor-parallel groups fit it (TRL groups consecutive ranks)."""
    nodes = max(1, world_size // max(1, per_node))
    vllm = ("no vLLM" if not training_args.use_vllm else f"vLLM {training_args.vllm_mode}"
            + (f", tensor parallel {training_args.vllm_tensor_parallel_size}"
               if training_args.vllm_mode == "colocate" else ""))
    report.lines.append(f"layout: {nodes} machine(s) x {per_node} process(es), {vllm}")
    tp = training_args.vllm_tensor_parallel_size
    if training_args.use_vllm and training_args.vllm_mode == "colocate" and tp > 1 and per_node % tp:
        report.problems.append(f"vllm_tensor_parallel_size {tp} does not divide the {per_node} processes of a machine: "
                               "a tensor-parallel group would span machines")


def check_server(report: PreflightReport, server) -> None:
    """Server mode: the server's GPUs must hold the weights; a KV cache short of the batch only slows it."""
    if not server.holds_weights:
        report.problems.append(f"the vLLM server cannot hold the model: {server.line()}; give it more GPUs "
                               "(VLLM_GPUS)")
    elif server.sequences_at_once < server.sequences:
        report.warnings.append(f"the vLLM server's KV cache holds {server.sequences_at_once} of the {server.sequences} "
                               f"sequences a generation round asks for ({server.line()}): generation runs in several "
                               "waves; more server GPUs (VLLM_GPUS) or a shorter max_completion_length speed it up")
    else:
        report.lines.append(server.line())


def check_memory(report: PreflightReport, script_args, training_args, model_config, *, world_size: int,
                 zero_stage: int, prompt_len: int, n_params: int | None = None, plan_anyway: bool = False,
                 model_args=None) -> None:
    from step3_GRPO.memory_plan import suggestions

    if training_args.use_cpu and not plan_anyway:
        report.lines.append("memory plan skipped: use_cpu is set")
        return
    mp = memory_plan_for(script_args, training_args, model_config, world_size=world_size, zero_stage=zero_stage,
                         prompt_len=prompt_len, n_params=n_params, model_args=model_args)
    advice = suggestions(mp)
    report.memory_table = mp.table() + "".join(f"\n  suggestion: {s}" for s in advice)
    head = (f"{world_size} GPU(s), ZeRO-{zero_stage}, peak ~{mp.peak_gb:.1f} of {mp.inputs.gpu_gb:.1f} GiB per GPU")
    if mp.fits:
        report.lines.append(f"memory plan fits: {head}")
    else:  # the first change to make goes in the one-line error; the table above has the rest
        report.problems.append(f"memory plan does not fit: {head}; first try {advice[0].split(' -> ')[0]}"
                               if advice else f"memory plan does not fit: {head}")
    if mp.server is not None:
        check_server(report, mp.server)


def check_reasoning_vocab(report: PreflightReport, training_args, model_config, requested: int | None, path: str):
    """The reasoning vocabulary the run trains with (r1zero/training/reasoning_vocab.py); returns the config the memory plan
    counts, with the rows the run adds."""
    from r1zero.training.reasoning_vocab import VLLM_UNSUPPORTED, planned_config, resolve_size, stored_size

    size = resolve_size(stored_size(model_config), requested, path)
    if not size:
        return model_config
    planned = planned_config(model_config, size)
    text = planned.get_text_config()
    matrices = 1 if getattr(text, "tie_word_embeddings", False) else 2
    report.lines.append(f"reasoning vocabulary: {size:,} ids after the base {text.vocab_size - size:,} embedding rows, "
                        f"+{size * text.hidden_size * matrices:,} parameters ({matrices} x {size:,} x "
                        f"{text.hidden_size}, {'tied' if matrices == 1 else 'untied'} embeddings), counted in the "
                        "memory plan")
    if training_args.use_vllm:
        report.problems.append(f"{VLLM_UNSUPPORTED}: set use_vllm: false")
    return planned


def count_params(model_config) -> int | None:
    """Exact parameter count from an empty (meta-device) model; None if the architecture is unknown."""
    try:
        import torch
        from transformers import AutoModelForCausalLM

        with torch.device("meta"):
            model = AutoModelForCausalLM.from_config(model_config)
        return sum(p.numel() for p in model.parameters())
    except Exception:  # noqa: BLE001 - fall back to the Qwen2/Llama formula
        return None


def load_model_config(model_name_or_path: str, tokenizer=None):
    """The model's config (with its generation config's EOS as ``generation_eos``) and tokenizer, without
    loading any weights."""
    from transformers import AutoConfig, AutoTokenizer, GenerationConfig

    from r1zero.training.checkpoints import resolve_model_path

    path = resolve_model_path(model_name_or_path)
    try:
        model_config = AutoConfig.from_pretrained(path)
        tokenizer = tokenizer or AutoTokenizer.from_pretrained(path)
    except OSError as exc:
        raise UserError(f"cannot load model {path}: {str(exc).splitlines()[0]}") from None
    try:
        model_config.generation_eos = GenerationConfig.from_pretrained(path).eos_token_id
    except OSError:
        model_config.generation_eos = None
    return path, model_config, tokenizer


def check_data(report: PreflightReport, script_args, df, tokenizer, funcs, weights, model_config) -> int:
    """The template and gold checks on the training data; returns its longest sampled prompt, in tokens."""
    check_template(report, df, tokenizer, funcs, weights, model_config)
    n = script_args.gold_check_samples
    checked = df if not n or n <= 0 else df.iloc[:n]
    code_columns = {c: checked[c].tolist() for c in CODE_DATA_COLUMNS if c in checked.columns}
    check_gold(report, checked["answer"], max_fraction=script_args.max_ungradable_fraction, **code_columns,
               limits=code_limits(script_args))
    return max(len(ids) for ids in tokenizer(df["prompt"].iloc[:PROMPT_SAMPLE].tolist())["input_ids"])


def finish(report: PreflightReport, override: bool) -> None:
    """Print the report (rank 0) and refuse to go on when a check failed, unless overridden."""
    if int(os.environ.get("RANK", "0")) == 0:  # every rank checks (a refusal stops all), one prints
        print(report.text(), flush=True)
    if not report.problems:
        return
    if override:
        logger.warning("preflight failed (%d problem(s)) but --preflight_override is set: going on",
                       len(report.problems))
        return
    more = f" (+{len(report.problems) - 1} more above)" if len(report.problems) > 1 else ""
    raise UserError(f"preflight failed: {report.problems[0]}{more}; fix it or pass --preflight_override true")


def run_preflight(script_args, training_args, model_args, *, df=None, tokenizer=None, funcs=None, weights=None,
                  world_size: int | None = None, gpus_per_node: int | None = None, zero_stage: int | None = None,
                  plan_anyway: bool = False) -> PreflightReport:
    """All checks; raises UserError when one fails and --preflight_override is not set."""
    from r1zero.training.data_io import load_split

    if df is None:
        df = load_split(script_args.data_dir, "train", ["prompt", "answer"], max_rows=script_args.max_train_samples)
    if funcs is None:
        funcs, default_weights = rewards(script_args, training_args)  # as train_trl.py builds them
        weights = weights or default_weights
    path, model_config, tokenizer = load_model_config(model_args.model_name_or_path, tokenizer)

    report = PreflightReport()
    model_config = check_reasoning_vocab(report, training_args, model_config,
                                         getattr(script_args, "reasoning_vocab_size", None), path)
    prompt_tokens = check_data(report, script_args, df, tokenizer, funcs, weights, model_config)
    world = world_size or int(os.environ.get("WORLD_SIZE", "1"))
    per_node = gpus_per_node or int(os.environ.get("LOCAL_WORLD_SIZE", "0")) or world
    stage = zero_stage if zero_stage is not None else zero_stage_from_env(training_args)
    check_layout(report, training_args, world_size=world, per_node=min(per_node, world))
    check_precision(report, training_args, model_args, model_config, stage)
    check_memory(report, script_args, training_args, model_config, world_size=world, zero_stage=stage,
                 model_args=model_args,
                 prompt_len=min(script_args.max_prompt_tokens, prompt_tokens), n_params=count_params(model_config),
                 plan_anyway=plan_anyway)
    finish(report, script_args.preflight_override)
    return report


def main(argv=None) -> PreflightReport:
    import torch
    from trl import GRPOConfig, ModelConfig

    from r1zero.core.config import parse_args
    from step3_GRPO.args import GRPOScriptArguments

    argv = list(sys.argv[1:] if argv is None else argv)
    no_gpu = not torch.cuda.is_available()
    if no_gpu:  # plan a GPU run from a machine without one: TrainingArguments refuses bf16 unless use_cpu
        argv += ["--use_cpu", "true"]
    script_args, training_args, model_args, plan_args = parse_args(
        [GRPOScriptArguments, GRPOConfig, ModelConfig, PlanArguments], argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if no_gpu:
        # the config's own use_cpu decides whether a memory plan makes sense
        from r1zero.core.config import load_yaml_config

        at = argv.index("--config") if "--config" in argv else -1
        cfg = load_yaml_config(argv[at + 1]) if at >= 0 else {}
        wants_gpu = not cfg.get("use_cpu", False) and "--use_cpu" not in argv[:-2]
        if wants_gpu:
            logger.info("no GPU here: planning memory for a %s GiB GPU", script_args.gpu_memory_gb or 80)
        training_args.use_cpu = not wants_gpu
    return run_preflight(script_args, training_args, model_args, world_size=plan_args.world_size,
                         gpus_per_node=plan_args.gpus_per_node, zero_stage=plan_args.zero_stage, plan_anyway=False)


if __name__ == "__main__":
    run_cli(main)
