"""Supervised fine-tuning on step1's data: prompt -> sft_target, loss on the completion only.

With ``--template chat`` (r1zero/core/chat.py, docs/chat.md) each row is a conversation instead: a system turn, the
problem as the user turn and the target as the assistant turn, rendered by the model's chat template, with the
loss on the assistant turn only (TRL's conversational prompt/completion); the target follows ``--answer_rule``.

The completion is the reasoning, then `</think> <answer> X </answer>`, then the tokenizer's EOS (TRL
appends it), so the tuned model learns to stop after `</answer>`. With `--reasoning_vocab_size R` the model
gets a reasoning vocabulary (docs/reasoning_vocab.md) and the reasoning part of each completion is written in
it. The final model lands in `<output_dir>/final/` (what step3 and step4 load; passing `<output_dir>` itself
also works), intermediate `checkpoint-N/` beside it, and a rerun resumes from the last checkpoint.

    # CPU (tiny model, a few steps)
    python step2_sft/train_sft.py --config config/demo/sft.yaml --model_name_or_path M --data_dir D \
        --output_dir outputs/demo/sft --max_steps 5
    # 1 GPU
    python step2_sft/train_sft.py --config config/sft.yaml
    # N GPUs (DDP / ZeRO via accelerate)
    ./step2_sft/launch_sft.sh 4 [--any_field value ...]

Options: our fields below (data), TRL's ModelConfig (model_name_or_path, dtype, attn_implementation)
and all of TRL's SFTConfig (learning_rate, max_steps, per_device_train_batch_size, ...).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from r1zero.core.chat import PromptOptions
from r1zero.core.errors import UserError, run_cli

logger = logging.getLogger("step2_sft")
STAGE = "sft"


@dataclass
class SFTScriptArguments(PromptOptions):
    data_dir: str = field(default="data/numina", metadata={"help": "step1's output folder (train.parquet)."})
    max_train_samples: int | None = field(
        default=None, metadata={"help": "Use only the first N train rows.", "ge": 1})
    auto_resume: bool = field(
        default=True, metadata={"help": "Resume from the last checkpoint-N in output_dir when one exists."})
    restart: bool = field(
        default=False, metadata={"help": "When output_dir holds a run made with other settings (another training "
                                         "contract, r1zero/training/contract.py), move it aside to "
                                         "<output_dir>.old-<time> and start over; a run under the same settings "
                                         "resumes as usual."})
    reasoning_vocab_size: int | None = field(
        default=None, metadata={"help": "Reason in a copy of the vocabulary with this many ids (0: off; at most the "
                                        "model's embedding rows): the targets' reasoning is written in it. Default: "
                                        "the start model's own. See docs/reasoning_vocab.md.", "ge": 0})


def parse(argv=None):
    from trl import ModelConfig, SFTConfig

    from r1zero.core.config import parse_args
    from r1zero.training.peers import init_cpu_collectives

    return parse_args([SFTScriptArguments, SFTConfig, ModelConfig], argv, before_build=init_cpu_collectives)


def build_dataset(df, fmt=None):
    """prompt/completion pairs (conversations for a chat ``fmt``, a ``r1zero.core.chat.PromptFormat``); rows with
    an empty prompt or target are counted and left out."""
    from datasets import Dataset

    source = "problem" if fmt is not None and fmt.chat else "prompt"
    bad = {f"empty {source}": int((df[source].fillna("").str.strip() == "").sum()),
           "empty sft_target": int((df["sft_target"].fillna("").str.strip() == "").sum())}
    keep = (df[source].fillna("").str.strip() != "") & (df["sft_target"].fillna("").str.strip() != "")
    df = df[keep]
    if any(bad.values()):
        logger.warning("left out %s", ", ".join(f"{n} rows with {why}" for why, n in bad.items() if n))
    if df.empty:
        raise UserError(f"no usable SFT rows (every {source} or sft_target is empty)")
    if source == "problem":
        responses = [answered(fmt, t) for t in df["sft_target"]]
        untagged = sum(r is None for r in responses)
        if untagged:
            logger.warning("left out %d rows whose sft_target lacks `</think> <answer> ... </answer>`", untagged)
        if untagged == len(df):
            raise UserError("no usable SFT rows: no sft_target has `</think> <answer> ... </answer>` to rewrite "
                            f"for the {fmt.name} template")
        df = df[[r is not None for r in responses]]
        rows = {"prompt": [fmt.messages(q) for q in df["problem"]],
                "completion": [[{"role": "assistant", "content": r}] for r in responses if r is not None]}
        if fmt.template_kwargs:  # TRL passes a row's chat_template_kwargs to the template
            rows["chat_template_kwargs"] = [fmt.template_kwargs] * len(df)
        return Dataset.from_dict(rows)
    # The prompt ends in "<think>"; the completion starts with a space so the reasoning is a new word.
    completion = df["sft_target"].map(lambda t: t if t[:1].isspace() else " " + t)
    return Dataset.from_dict({"prompt": df["prompt"].tolist(), "completion": completion.tolist()})


def answered(fmt, sft_target: str) -> str | None:
    """``sft_target`` as ``fmt``'s assistant turn, or None when it has no tagged answer to rewrite."""
    try:
        return fmt.response(sft_target)
    except UserError:
        return None


def resolve_reasoning_vocab(model_path: str, script_args, training_args) -> None:
    """The run's reasoning vocabulary size (the resumed checkpoint's, the start model's or the option's), recorded
    in script_args for the training contract and the manifest."""
    from r1zero.training.checkpoints import find_resume_checkpoint
    from r1zero.training.reasoning_vocab import run_size

    resume = find_resume_checkpoint(training_args.output_dir, training_args.resume_from_checkpoint,
                                    auto_resume=script_args.auto_resume)
    script_args.reasoning_vocab_size = run_size(model_path, script_args.reasoning_vocab_size, resume)


def add_reasoning_vocab(model, tokenizer, model_path: str, script_args, training_args):
    """Give the model the run's reasoning vocabulary; returns it, or None when the run has none."""
    from r1zero.training.reasoning_vocab import ReasoningVocab, prepare

    resolve_reasoning_vocab(model_path, script_args, training_args)
    prepare(model, script_args.reasoning_vocab_size)
    return ReasoningVocab.of(model.config, tokenizer)


def reasoning_dataset(pairs, tokenizer, vocab, num_proc=None):
    """The prompt/completion pairs tokenized for TRL (input_ids + completion_mask, which TRL turns into
    completion-only labels): the completion's reasoning in the reasoning vocabulary, then `</think>`, the
    answer and EOS in base ids. Rows whose reasoning cannot be written so are counted and left out."""

    def tokenize(row):
        completion = vocab.completion_ids(row["completion"])
        if completion is None:
            return {"input_ids": [], "completion_mask": []}
        prompt = tokenizer(row["prompt"])["input_ids"]
        completion.append(tokenizer.eos_token_id)
        return {"input_ids": prompt + completion, "completion_mask": [0] * len(prompt) + [1] * len(completion)}

    tokenized = pairs.map(tokenize, remove_columns=["prompt", "completion"], num_proc=num_proc,
                          desc="reasoning vocabulary targets")
    kept = tokenized.filter(lambda row: len(row["input_ids"]) > 0, num_proc=num_proc)
    if len(kept) < len(tokenized):
        logger.warning("left out %d rows whose completion has no </think> or reasoning tokens without a copy "
                       "(ids >= reasoning_vocab_size, or special tokens)", len(tokenized) - len(kept))
    if not len(kept):
        raise UserError("no SFT row can be written in the reasoning vocabulary (see the warning above)")
    return kept


def load_model_and_tokenizer(model_args, training_args):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from r1zero.training.checkpoints import resolve_model_path

    path = resolve_model_path(model_args.model_name_or_path)
    dtype = model_args.dtype if model_args.dtype in (None, "auto") else getattr(torch, model_args.dtype)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, revision=model_args.model_revision)
        model = AutoModelForCausalLM.from_pretrained(
            path, revision=model_args.model_revision, dtype=dtype,
            attn_implementation=model_args.attn_implementation, use_safetensors=True,  # never a pickle
        )
    except OSError as exc:
        raise UserError(f"cannot load model {path}: {str(exc).splitlines()[0]}") from None
    if tokenizer.eos_token is None:
        raise UserError(f"tokenizer of {path} has no eos_token: the tuned model could never learn to stop")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer, path


def ensure_generation_stops(model, tokenizer, fmt=None) -> None:
    """Make generate() stop on the EOS we trained on (base models often list another token), and for a chat
    ``fmt`` at the end of the assistant turn (``<|im_end|>``), which is what the chat targets end with."""
    ids = model.generation_config.eos_token_id
    ids = [] if ids is None else [ids] if isinstance(ids, int) else list(ids)
    ends = [tokenizer.eos_token_id, *(fmt.stop_token_ids(tokenizer) if fmt is not None else ())]
    missing = [t for t in ends if t not in ids]
    if missing:
        model.generation_config.eos_token_id = [*missing, *ids]
    if model.generation_config.pad_token_id is None:
        model.generation_config.pad_token_id = tokenizer.pad_token_id


def build_trainer(script_args, training_args, model_args):
    """Data, model and SFTTrainer (tokenized dataset included); returns (trainer, tokenizer, model_path)."""
    from trl import SFTTrainer

    from r1zero.training.data_io import load_split

    fmt = script_args.prompt_format()
    text = "problem" if fmt.chat else "prompt"
    df = load_split(script_args.data_dir, "train", [text, "sft_target"], max_rows=script_args.max_train_samples)
    train_ds = build_dataset(df, fmt)
    logger.info("SFT on %d examples from %s (%s template)", len(train_ds), script_args.data_dir, fmt.name)
    model, tokenizer, model_path = load_model_and_tokenizer(model_args, training_args)
    logger.info("%s", fmt.check_tokenizer(tokenizer))
    if fmt.chat and script_args.reasoning_vocab_size:
        raise UserError("--reasoning_vocab_size needs --template r1_zero (its targets are written after `<think>`)")
    vocab = add_reasoning_vocab(model, tokenizer, model_path, script_args, training_args)
    if vocab is not None:
        train_ds = reasoning_dataset(train_ds, tokenizer, vocab, training_args.dataset_num_proc)
        if training_args.completion_only_loss is None:  # what TRL decides for prompt/completion text
            training_args.completion_only_loss = True
    if training_args.completion_only_loss is False:
        logger.warning("completion_only_loss is false: the loss also covers the prompt")
    trainer = SFTTrainer(model=model, args=training_args, train_dataset=train_ds, processing_class=tokenizer)
    # packed rows end anywhere, so the check only makes sense without packing; a chat turn ends with its
    # end-of-turn token and what the template writes after it ("<|im_end|>\n")
    ends = {tokenizer.eos_token_id, *fmt.stop_token_ids(tokenizer)}
    cut = 0 if training_args.packing else sum(
        not ends.intersection(ids[-2:] if fmt.chat else ids[-1:]) for ids in trainer.train_dataset["input_ids"])
    if cut:
        logger.warning("%d/%d examples are cut at max_length=%s and lose their end: raise max_length",
                       cut, len(trainer.train_dataset), training_args.max_length)
    return trainer, tokenizer, model_path, fmt


def main(argv=None):
    script_args, training_args, model_args = parse(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    from r1zero.core.locks import hold_output_dir
    from r1zero.training.checkpoints import is_finished, resolve_model_path
    from r1zero.training.contract import build_training_contract
    from r1zero.training.run import check_report_to, train_and_save

    check_report_to(training_args)
    with hold_output_dir(training_args.output_dir, STAGE):
        model_path = resolve_model_path(model_args.model_name_or_path)
        resolve_reasoning_vocab(model_path, script_args, training_args)  # the contract holds the size trained with
        contract = build_training_contract(STAGE, script_args, training_args, model_args, model_path)
        if is_finished(training_args, logger, contract, restart=script_args.restart):
            return None
        trainer, tokenizer, model_path, fmt = build_trainer(script_args, training_args, model_args)
        ensure_generation_stops(trainer.model, tokenizer, fmt)  # saved with final/: generate() stops where we trained
        result, final_dir, elapsed = train_and_save(trainer, tokenizer, stage=STAGE, model_path=model_path,
                                                    script_args=script_args, training_args=training_args,
                                                    model_args=model_args, logger=logger,
                                                    extra={"prompt": fmt.describe(tokenizer)}, contract=contract)
    logger.info("saved the tuned model to %s (%d steps, %.1f s)", final_dir, result.global_step, elapsed)
    return trainer


if __name__ == "__main__":
    run_cli(main)
