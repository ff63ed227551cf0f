"""--template chat through the stages: SFT on conversations, GRPO on TRL's conversational prompts (rollouts end at
the end of the turn), step 4 rendering the checkpoint's own template, and what each records."""

import json
import shutil

import pandas as pd
import pytest
import torch

from r1zero.core.errors import UserError
from r1zero.testing.toy_data import write_toy_dataset

pytestmark = pytest.mark.usefixtures("one_torch_thread")
SYSTEM = "Solve it and put the final answer in a box."
CHAT = ["--template", "chat", "--answer_rule", "boxed", "--system_prompt", SYSTEM]


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory):
    return write_toy_dataset(tmp_path_factory.mktemp("toy"), n_train=48, n_val=8)


def _grpo_argv(model, data, out, *extra):
    return ["--config", "config/demo/grpo.yaml", "--model_name_or_path", str(model), "--data_dir", str(data),
            "--output_dir", str(out), "--per_device_train_batch_size", "8", "--num_generations", "4",
            "--logging_steps", "1", "--save_strategy", "no", *CHAT, *extra]


def sum_of(text: str) -> int:
    a, b = text.split(" + ")
    return int(a) + int(b)


def test_chat_rollouts_end_at_the_end_of_turn_and_are_graded_by_the_boxed_rule(tiny_model_dir, toy_data, tmp_path,
                                                                               monkeypatch):
    """The tiny model's generation config stops only on <|endoftext|>: the chat format adds <|im_end|>, so what a
    talkative policy writes after its turn is cut, and its boxed answer earns the reward."""
    from transformers import AutoTokenizer, GenerationMixin

    from step3_GRPO.train_trl import main

    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    seen = []

    def talkative_generate(self, input_ids=None, **kwargs):  # answers, ends its turn, then goes on
        rows = []
        for i, ids in enumerate(input_ids):
            seen.append(tok.decode(ids))
            answer = sum_of(seen[-1].split("What is ")[1].split("?")[0]) + i % 2  # odd rows answer wrong
            rows.append(tok(f"so \\boxed{{{answer}}}<|im_end|> and then it goes on", add_special_tokens=False)
                        ["input_ids"])
        width = max(map(len, rows))
        rows = [r + [tok.pad_token_id] * (width - len(r)) for r in rows]
        return torch.cat([input_ids, torch.tensor(rows, device=input_ids.device)], dim=1)

    monkeypatch.setattr(GenerationMixin, "generate", talkative_generate)
    out = tmp_path / "grpo"
    trainer = main(_grpo_argv(tiny_model_dir, toy_data, out, "--max_steps", "1", "--eval_every_steps", "0",
                              "--max_completion_length", "40", "--enable_thinking", "false"))
    assert trainer.args.chat_template_kwargs == {"enable_thinking": False}  # what TRL renders prompts with
    assert seen[0].startswith(f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\nWhat is ")
    assert seen[0].endswith("<|im_end|>\n<|im_start|>assistant\n")
    logged = pd.read_parquet(out / "completions" / "completions_00001.parquet")  # TRL's log: conversations
    texts = [list(c) for c in logged["completion"]]
    assert all(len(c) == 1 and c[0]["content"].startswith("so \\boxed{") for c in texts), texts
    assert not any("goes on" in c[0]["content"] for c in texts)
    assert logged["r1_zero"].tolist() == [1.0, 0.0] * 4  # right and wrong by the chat boxed rule
    assert json.loads((out / "final" / "manifest.json").read_text())["prompt"]["name"] == "chat_boxed"
    assert trainer.eos_token_ids[-1] == tok.convert_tokens_to_ids("<|im_end|>")


@pytest.mark.slow
def test_chat_sft_then_grpo_then_eval_record_the_prompt_format(tiny_model_dir, toy_data, tmp_path):
    from step2_sft.train_sft import main as sft
    from step3_GRPO.train_trl import main as grpo
    from step4_eval import evaluate

    sft(["--config", "config/demo/sft.yaml", "--model_name_or_path", str(tiny_model_dir), "--data_dir", str(toy_data),
         "--output_dir", str(tmp_path / "sft"), "--max_steps", "3", *CHAT])
    sft_manifest = json.loads((tmp_path / "sft" / "final" / "manifest.json").read_text())
    generation = json.loads((tmp_path / "sft" / "final" / "generation_config.json").read_text())
    assert 2 in generation["eos_token_id"] or generation["eos_token_id"] == 2  # <|im_end|> ends generate()
    grpo(_grpo_argv(tmp_path / "sft", toy_data, tmp_path / "grpo", "--max_steps", "1", "--eval_every_steps", "1",
                    "--eval_samples", "4", "--eval_max_new_tokens", "8"))
    in_training = tmp_path / "grpo" / "eval" / "step_00001" / "generations.jsonl"
    assert json.loads(in_training.read_text().splitlines()[0])["prompt"].startswith(f"<|im_start|>system\n{SYSTEM}")

    argv = ["--ckpt", str(tmp_path / "grpo" / "final"), "--data", str(toy_data / "val.parquet"), "--limit", "2",
            "--engine", "hf", "--max_tokens", "8", "--output_dir", str(tmp_path / "eval"), "--report_to", "none"]
    evaluate.main([*argv, *CHAT])
    contract = json.loads((tmp_path / "eval" / "summary.json").read_text())["contract"]["template"]
    assert {k: contract[k] for k in ("name", "answer_rule", "enable_thinking")} == {
        "name": "chat_boxed", "answer_rule": "boxed", "enable_thinking": None}
    for manifest in (sft_manifest, json.loads((tmp_path / "grpo" / "final" / "manifest.json").read_text())):
        recorded = manifest["prompt"]
        assert recorded["system_prompt_hash"] == contract["system_prompt_hash"]
        assert recorded["chat_template_hash"] == contract["chat_template_hash"]
    row = json.loads((tmp_path / "eval" / "generations.jsonl").read_text().splitlines()[0])
    assert row["prompt"].startswith(f"<|im_start|>system\n{SYSTEM}<|im_end|>")
    # another system prompt is another protocol: the finished eval is not reused for it
    with pytest.raises(UserError, match="system_prompt_hash"):
        evaluate.main([*argv, "--template", "chat", "--answer_rule", "boxed", "--system_prompt", "Be terse."])


def test_chat_needs_a_chat_template_said_in_one_line(tiny_model_dir, toy_data, tmp_path):
    from step3_GRPO.train_trl import main

    model = tmp_path / "no_template"
    shutil.copytree(tiny_model_dir, model)
    config = json.loads((model / "tokenizer_config.json").read_text())
    config.pop("chat_template", None)
    (model / "tokenizer_config.json").write_text(json.dumps(config))
    (model / "chat_template.jinja").unlink(missing_ok=True)
    with pytest.raises(UserError, match="--template chat needs a tokenizer with a chat template"):
        main(_grpo_argv(model, toy_data, tmp_path / "out", "--max_steps", "1"))
