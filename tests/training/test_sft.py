"""step2_sft: data shaping, completion-only loss with EOS, loss going down, and a tuned model that stops."""

import pandas as pd
import pytest

from r1zero.core.errors import UserError
from r1zero.testing.toy_data import write_toy_dataset

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory):
    return write_toy_dataset(tmp_path_factory.mktemp("toy"), n_train=256, n_val=16)


def _argv(model, data, out, *extra):
    return ["--config", "config/demo/sft.yaml", "--model_name_or_path", str(model), "--data_dir", str(data),
            "--output_dir", str(out), *extra]


def test_build_dataset_adds_space_and_counts_empty_rows(caplog):
    from step2_sft.train_sft import build_dataset

    df = pd.DataFrame({"prompt": ["P1 <think>", "P2 <think>", ""],
                       "sft_target": ["a </think> <answer> 1 </answer>", "", "x"]})
    ds = build_dataset(df)
    assert ds["prompt"] == ["P1 <think>"] and ds["completion"] == [" a </think> <answer> 1 </answer>"]
    assert "1 rows with empty prompt" in caplog.text and "1 rows with empty sft_target" in caplog.text


def test_sft_rewrites_targets_in_the_chat_rule_and_counts_untagged_ones(caplog):
    from r1zero.core.chat import PromptFormat
    from r1zero.core.prompts import build_response
    from step2_sft.train_sft import build_dataset

    target = build_response("3 + 4 = 7.", "7")
    fmt = PromptFormat.from_options("chat", "boxed", system_prompt="S")
    df = pd.DataFrame({"problem": ["What is 3 + 4?", "q2", ""], "prompt": ["p", "p", "p"],
                       "sft_target": [target, "no tags", "x </think> <answer> 1 </answer>"]})
    ds = build_dataset(df, fmt)
    assert ds["prompt"] == [[{"role": "system", "content": "S"}, {"role": "user", "content": "What is 3 + 4?"}]]
    assert ds["completion"] == [[{"role": "assistant", "content": "3 + 4 = 7.\n\nThe final answer is $\\boxed{7}$."}]]
    assert "1 rows with empty problem" in caplog.text and "left out 1 rows whose sft_target lacks" in caplog.text
    with pytest.raises(UserError, match="no sft_target has"):
        build_dataset(df.iloc[1:2], fmt)


def test_missing_column_is_a_one_line_user_error(tiny_model_dir, toy_data, tmp_path):
    from step2_sft.train_sft import main

    pd.read_parquet(toy_data / "train.parquet").drop(columns=["sft_target"]).to_parquet(tmp_path / "train.parquet")
    with pytest.raises(UserError, match="lacks column.*sft_target"):
        main(_argv(tiny_model_dir, tmp_path, tmp_path / "out"))


def test_training_examples_end_with_eos_and_mask_the_prompt(tiny_model_dir, toy_data, tmp_path):
    from step2_sft.train_sft import build_trainer, parse

    trainer, tokenizer, _, _ = build_trainer(*parse(_argv(tiny_model_dir, toy_data, tmp_path / "out")))
    ds = trainer.train_dataset
    assert len(ds) == 256
    for ids, labels in zip(ds["input_ids"][:32], ds["labels"][:32], strict=True):
        mask = [label != -100 for label in labels]  # TRL folds the completion mask into the labels
        assert ids[-1] == tokenizer.eos_token_id  # the model is taught to stop ...
        assert mask[-1] and labels[-1] == tokenizer.eos_token_id  # ... with the EOS inside the loss
        assert not mask[0] and 0 < sum(mask) < len(mask)  # prompt tokens carry no loss
        completion = tokenizer.decode([t for t, m in zip(ids, mask, strict=True) if m])
        assert completion.endswith("</answer>" + tokenizer.eos_token)


@pytest.mark.slow
def test_sft_lowers_loss_and_the_tuned_model_stops(tiny_model_dir, toy_data, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from step2_sft.train_sft import main

    out = tmp_path / "sft"
    # 60 steps of 32 at lr 2e-3 learn the format and the stop; the demo's batch 8 would need more steps
    steps = ["--max_steps", "60", "--logging_steps", "5", "--save_steps", "1000",
             "--per_device_train_batch_size", "32", "--learning_rate", "2e-3"]
    trainer = main(_argv(tiny_model_dir, toy_data, out, *steps))
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    assert len(losses) == 12 and losses[-1] < 0.5 * losses[0]

    final = out / "final"
    assert (final / "manifest.json").is_file() and (out / "manifest.json").is_file()
    tok = AutoTokenizer.from_pretrained(final)
    model = AutoModelForCausalLM.from_pretrained(final)
    eos_ids = model.generation_config.eos_token_id
    assert tok.eos_token_id in (eos_ids if isinstance(eos_ids, list) else [eos_ids])
    prompts = pd.read_parquet(toy_data / "train.parquet")["prompt"][:4]
    for prompt in prompts:
        enc = tok(prompt, return_tensors="pt")
        ids = model.generate(**enc, max_new_tokens=48, do_sample=False)[0, enc["input_ids"].shape[1]:].tolist()
        assert tok.eos_token_id in ids, tok.decode(ids)  # it stops on its own, well before the budget
        text = tok.decode(ids[: ids.index(tok.eos_token_id)])
        assert text.rstrip().endswith("</answer>") and "</think> <answer>" in text

    # a rerun of the finished run trains nothing and writes nothing
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and not p.name.startswith(".run.lock")}
    assert main(_argv(tiny_model_dir, toy_data, out, *steps)) is None
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
