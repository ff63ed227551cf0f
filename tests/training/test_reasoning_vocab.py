"""The reasoning vocabulary (r1zero/training/reasoning_vocab.py): the copied rows, the saved option and its one-line errors,
the sampling rule under transformers' generate, text that round-trips, SFT targets, GRPO rollouts, the memory
plan's arithmetic, R = 0 training bit-identically to plain TRL, and the baseline-vs-expanded comparison sweep on CPU."""

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import torch
import yaml

from r1zero.core.errors import UserError
from r1zero.testing.toy_data import write_toy_dataset

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory):
    return write_toy_dataset(tmp_path_factory.mktemp("toy"), n_train=48, n_val=8)


@pytest.fixture(scope="module")
def expanded_dir(tiny_model_dir, tmp_path_factory):
    """The tiny model with a full reasoning vocabulary (R = V), saved as a checkpoint would be."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from r1zero.training.reasoning_vocab import expand

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    expand(model, model.get_input_embeddings().num_embeddings)
    out = tmp_path_factory.mktemp("expanded")
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(tiny_model_dir).save_pretrained(out)
    return out


def _vocab(model_dir):
    from transformers import AutoConfig, AutoTokenizer

    from r1zero.training.reasoning_vocab import ReasoningVocab

    return ReasoningVocab.of(AutoConfig.from_pretrained(model_dir), AutoTokenizer.from_pretrained(model_dir))


def _reasoning_then_base(vocab, ids):
    """Check the rule on one completion: reasoning ids (>= V) until the text holds </think>, base ids after."""
    text_so_far, answering = [], False
    for token in ids:
        if answering:
            assert token < vocab.base, ids
        elif token >= vocab.base:
            assert vocab.has_copy(token - vocab.base)
        else:  # a base id while reasoning: an end token or the tag's next token
            assert token == vocab.tokenizer.eos_token_id or token in vocab.tag_ids, ids
        text_so_far.append(token)
        answering = answering or "</think>" in vocab.decode(text_so_far)


# ----------------------------------------------------------------------------------------- the copy

@pytest.mark.parametrize("tied", [True, False])
def test_new_row_v_plus_i_copies_row_i_and_the_model_reads_it_the_same(tied):
    from transformers import AutoModelForCausalLM, Qwen2Config

    from r1zero.training.reasoning_vocab import expand

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(Qwen2Config(
        vocab_size=50, hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
        num_key_value_heads=1, tie_word_embeddings=tied)).eval()
    ids = torch.tensor([[1, 7, 29, 3]])
    before = model(input_ids=ids).logits
    expand(model, 30)
    embed, head = model.get_input_embeddings().weight, model.get_output_embeddings().weight
    assert embed.shape == head.shape == (80, 16) and (head is embed) == tied
    assert torch.equal(embed[50:], embed[:30]) and torch.equal(head[50:], head[:30])
    assert model.config.vocab_size == 80 and model.config.reasoning_vocab_size == 30
    after = model(input_ids=ids).logits
    assert torch.equal(after[..., :50], before) and torch.equal(after[..., 50:], before[..., :30])
    assert torch.allclose(model(input_ids=ids + torch.tensor([[50, 0, 50, 0]])).logits, after)  # copies as input
    with pytest.raises(UserError, match="between 1 and the base vocabulary's 80"):
        expand(model, 81)


def test_the_saved_option_rebuilds_the_model_and_a_contradicting_flag_is_one_line(expanded_dir, tiny_model_dir,
                                                                                    tmp_path):
    from r1zero.evaluation.engines import EngineOptions, load_engine
    from r1zero.evaluation.engines.hf import HFEngine
    from r1zero.training.reasoning_vocab import run_size

    engine = HFEngine.from_pretrained(str(expanded_dir), EngineOptions())  # no flag: the checkpoint's own
    assert engine.reasoning.size == engine.reasoning.base == 600
    assert engine.model.get_input_embeddings().num_embeddings == 1200
    assert HFEngine.from_pretrained(str(expanded_dir), EngineOptions(reasoning_vocab_size=600)).reasoning.size == 600
    assert HFEngine.from_pretrained(str(tiny_model_dir), EngineOptions(reasoning_vocab_size=0)).reasoning is None
    errors = []
    for call in (lambda: HFEngine.from_pretrained(str(expanded_dir), EngineOptions(reasoning_vocab_size=5)),
                 lambda: run_size(str(expanded_dir), 0, None),  # a start model keeps its vocabulary
                 lambda: run_size(str(tiny_model_dir), 600, str(tiny_model_dir)),  # a resumed 0 binds too
                 lambda: load_engine("vllm", str(expanded_dir), EngineOptions(), seed=0)):
        with pytest.raises(UserError) as info:
            call()
        errors.append(str(info.value))
    assert all("\n" not in e for e in errors), errors
    assert "made with reasoning_vocab_size 600, but --reasoning_vocab_size 5 was given" in errors[0]
    assert "made with reasoning_vocab_size 0" in errors[2] and errors[3].endswith("use --engine hf")
    assert run_size(str(tiny_model_dir), 600, None) == 600 and run_size(str(expanded_dir), None, None) == 600


def test_vllm_rollouts_and_a_kl_term_without_the_rows_are_one_line_errors(tiny_model_dir, expanded_dir, tmp_path):
    from step3_GRPO.train_trl import reasoning_vocab_size

    script = SimpleNamespace(reasoning_vocab_size=600, auto_resume=True)
    training = SimpleNamespace(output_dir=str(tmp_path), resume_from_checkpoint=None, use_vllm=True,
                               use_transformers_continuous_batching=False, beta=0.04)
    with pytest.raises(UserError, match=r"needs transformers' generate .*: set use_vllm: false"):
        reasoning_vocab_size(script, training, str(tiny_model_dir))
    training.use_vllm = False
    with pytest.raises(UserError, match=r"beta > 0 with a reasoning vocabulary added at the GRPO start"):
        reasoning_vocab_size(script, training, str(tiny_model_dir))
    assert reasoning_vocab_size(script, training, str(expanded_dir)) == 600  # the reference model has the rows
    training.beta = 0.0
    assert reasoning_vocab_size(script, training, str(tiny_model_dir)) == 600


# ------------------------------------------------------------------------------- sampling and text

def test_the_rule_allows_copies_then_the_tag_then_base_ids(expanded_dir):
    from r1zero.training.reasoning_vocab import ReasoningPhases

    vocab = _vocab(expanded_dir)
    eos, tag, V = vocab.tokenizer.eos_token_id, vocab.tag_ids, vocab.base  # noqa: N806
    word = vocab.tokenizer(" the", add_special_tokens=False)["input_ids"]
    assert len(tag) > 1  # the tiny tokenizer writes </think> in 4 tokens
    copy = V + word[0]
    rows = [[copy] * (len(tag) + 2),  # reasoning
            [copy, copy, copy] + tag[:-1],  # the tag begun in base ids (all but its last token)
            [copy] + tag + [copy],  # reasoning after the tag is not allowed: base ids from here
            [copy] + [V + t for t in tag] + [word[0]]]  # the tag written in copies
    prompt = [1, 2]
    allowed = ~torch.isinf(ReasoningPhases(vocab, len(prompt), {eos})(
        torch.tensor([prompt + r for r in rows]), torch.zeros(len(rows), 2 * V)))
    copies = {V + t for t in range(V) if vocab.has_copy(t)}
    assert set(allowed[0].nonzero().flatten().tolist()) == copies | {eos, tag[0]}
    assert vocab.tokenizer.eos_token_id not in {t - V for t in copies}  # no copies of special tokens
    assert allowed[1].nonzero().flatten().tolist() == [tag[-1]]
    assert allowed[2].nonzero().flatten().tolist() == list(range(V))
    assert allowed[3].nonzero().flatten().tolist() == list(range(V))


def test_generate_reasons_in_copies_answers_in_base_ids_and_the_text_round_trips(expanded_dir):
    """transformers' generate with the rule; a bias (before the rule) pushes the tag, the answer and the end after
    a few tokens, so that every phase is sampled. Text and rewards equal those of the same tokens in base ids."""
    from transformers import AutoModelForCausalLM, LogitsProcessor

    from r1zero.core.prompts import build_prompt
    from r1zero.evaluation.engines import EngineOptions, Sampling
    from r1zero.evaluation.engines.hf import HFEngine
    from r1zero.grading.grader import r1_zero_reward_fn

    vocab = _vocab(expanded_dir)
    model = AutoModelForCausalLM.from_pretrained(expanded_dir).eval()
    tok, V = vocab.tokenizer, vocab.base  # noqa: N806
    answer = tok(" <answer> 7 </answer>", add_special_tokens=False)["input_ids"]

    class Push(LogitsProcessor):  # after 6 tokens: the tag, then the answer, then the end
        def __call__(self, input_ids, scores):
            step = input_ids.shape[1] - prompt_len
            plan = vocab.tag_ids + answer + [tok.eos_token_id]
            if 6 <= step < 6 + len(plan):
                scores[:, plan[step - 6]] += 1e4
            return scores

    prompts = [build_prompt(f"What is {a} + 4?") for a in (1, 2, 3)]
    enc = tok(prompts, return_tensors="pt", padding=True, padding_side="left")
    prompt_len = enc["input_ids"].shape[1]
    kwargs = vocab.generate_kwargs(prompt_len, {tok.eos_token_id}, ["</answer>"])
    kwargs["logits_processor"].insert(0, Push())
    torch.manual_seed(0)
    out = model.generate(**enc, do_sample=True, max_new_tokens=40, pad_token_id=tok.eos_token_id, **kwargs)
    for ids in out[:, prompt_len:].tolist():
        _reasoning_then_base(vocab, ids)
        assert min(ids[:6]) >= V and all(t < V for t in ids[6:])  # 6 reasoning copies, then base ids only
        text = vocab.decode(ids)
        assert text == tok.decode([t - V if t >= V else t for t in ids], skip_special_tokens=True)
        assert text.endswith("</think> <answer> 7 </answer>")
        assert r1_zero_reward_fn(text, "7") == r1_zero_reward_fn(tok.decode(vocab.base_ids(ids),
                                                                             skip_special_tokens=True), "7")
        assert r1_zero_reward_fn(text, "7")["format_reward"] == 1.0

    # step 4's engine: the same rule (reasoning copies, no stray base ids) and text that is the base ids' text
    engine = HFEngine(model, tok, EngineOptions(batch_size=3))
    samples = engine.generate(prompts, [0, 1, 2], Sampling(n=2, temperature=1.0, top_p=1.0, max_tokens=16, seed=3,
                                                           stop=["</answer>"]))
    for sample in (s for group in samples for s in group):
        _reasoning_then_base(vocab, sample.token_ids)
        assert any(t >= V for t in sample.token_ids)
        assert sample.text == tok.decode(vocab.base_ids(sample.token_ids), skip_special_tokens=True)


def test_sft_targets_reason_in_copies_and_answer_in_base_ids(expanded_dir):
    vocab = _vocab(expanded_dir)
    tok, V = vocab.tokenizer, vocab.base  # noqa: N806
    completion = " 3 + 4 = 7. </think> <answer> 7 </answer>"
    ids = vocab.completion_ids(completion)
    reasoning = tok(" 3 + 4 = 7. ", add_special_tokens=False)["input_ids"]
    assert ids[:len(reasoning)] == [V + t for t in reasoning]
    assert ids[len(reasoning):] == vocab.tag_ids + tok(" <answer> 7 </answer>", add_special_tokens=False)["input_ids"]
    assert vocab.decode(ids) == completion
    _reasoning_then_base(vocab, ids)
    assert vocab.completion_ids("no tag here") is None
    assert vocab.completion_ids(f"{tok.eos_token} </think> <answer> 1 </answer>") is None  # no copy of a special


@pytest.mark.slow
def test_sft_writes_reasoning_in_copies_and_saves_the_option(tiny_model_dir, toy_data, tmp_path):
    from step2_sft.train_sft import build_trainer, main, parse

    base = ["--config", "config/demo/sft.yaml", "--model_name_or_path", str(tiny_model_dir), "--data_dir",
            str(toy_data), "--output_dir", str(tmp_path / "sft"), "--per_device_train_batch_size", "8",
            "--save_strategy", "steps", "--save_steps", "1", "--report_to", "none"]
    argv = [*base, "--reasoning_vocab_size", "600", "--max_steps", "1"]
    trainer, tokenizer, _, _ = build_trainer(*parse(argv))
    vocab = _vocab_of(trainer.model, tokenizer)
    for ids, labels in zip(trainer.train_dataset["input_ids"][:8], trainer.train_dataset["labels"][:8], strict=True):
        target = [t for t, label in zip(ids, labels, strict=True) if label != -100]
        assert target[-1] == tokenizer.eos_token_id and target[0] >= 600
        _reasoning_then_base(vocab, target[:-1])
        assert vocab.decode(target).endswith("</answer>")
    main(argv)
    config = json.loads((tmp_path / "sft" / "final" / "config.json").read_text())
    assert config["reasoning_vocab_size"] == 600 and config["vocab_size"] == 1200
    assert (tmp_path / "sft" / "checkpoint-1").is_dir()
    with pytest.raises(UserError, match="checkpoint-1 was made with reasoning_vocab_size 600, but"):  # resume
        build_trainer(*parse([*base, "--reasoning_vocab_size", "300", "--max_steps", "2"]))
    trainer, _, _, _ = build_trainer(*parse([*base, "--max_steps", "2"]))  # no flag: the checkpoint's own
    assert trainer.model.config.reasoning_vocab_size == 600


def _vocab_of(model, tokenizer):
    from r1zero.training.reasoning_vocab import ReasoningVocab

    return ReasoningVocab.of(model.config, tokenizer)


# --------------------------------------------------------------------------------------------- GRPO

def _grpo_argv(model, data, out, *extra):
    return ["--config", "config/demo/grpo.yaml", "--model_name_or_path", str(model), "--data_dir", str(data),
            "--output_dir", str(out), "--per_device_train_batch_size", "4", "--num_generations", "4",
            "--max_completion_length", "12", "--logging_steps", "1", "--preflight", "false", "--eval_every_steps",
            "0", "--report_to", "none", *extra]


@pytest.mark.slow
def test_grpo_rollouts_follow_the_rule_and_rewards_grade_the_mapped_text(tiny_model_dir, toy_data, tmp_path):
    from transformers import AutoTokenizer

    from r1zero.grading.grader import r1_zero_reward_fn
    from step3_GRPO.train_trl import main
    from step4_eval import evaluate

    seen = []

    def recorded(prompts, completions, completion_ids, answer, **kwargs):
        seen.extend(zip(completions, completion_ids, answer, strict=True))
        return [r1_zero_reward_fn(c, a)["reward"] for c, a in zip(completions, answer, strict=True)]

    out = tmp_path / "grpo"
    trainer = main(_grpo_argv(tiny_model_dir, toy_data, out, "--reward_funcs", "recorded", "--max_steps", "1",
                              "--save_steps", "1", "--reasoning_vocab_size", "600"), extra_rewards=[recorded])
    vocab = trainer.reasoning
    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    assert vocab.size == vocab.base == 600 and len(seen) == 4
    for text, ids, gold in seen:
        _reasoning_then_base(vocab, ids)
        assert any(t >= 600 for t in ids)
        base_text = tok.decode(vocab.base_ids(ids), skip_special_tokens=True)
        assert text == base_text and r1_zero_reward_fn(text, gold) == r1_zero_reward_fn(base_text, gold)
    config = json.loads((out / "final" / "config.json").read_text())
    assert config["reasoning_vocab_size"] == 600 and config["vocab_size"] == 1200

    # a resumed run and step 4 rebuild it without the flag; a contradicting flag is one line
    with pytest.raises(UserError, match="checkpoint-1 was made with reasoning_vocab_size 600, but"):
        main(_grpo_argv(tiny_model_dir, toy_data, out, "--max_steps", "2", "--reasoning_vocab_size", "0"))
    evaluate.main(["--ckpt", str(out / "final"), "--data", str(toy_data / "val.parquet"), "--limit", "2",
                   "--engine", "hf", "--num_samples", "1", "--max_tokens", "8", "--output_dir", str(tmp_path / "ev"),
                   "--report_to", "none"])
    rows = [json.loads(line) for line in (tmp_path / "ev" / "generations.jsonl").read_text().splitlines()]
    assert len(rows) == 2 and all(r["completion"].strip() for r in rows)  # the tokenizer alone reads ids >= V as ""


# ------------------------------------------------------------------------------------------- R = 0

def text_length(prompts, completions, **kwargs) -> list[float]:
    """A reward that tells random text apart (the graders give a random model's text 0), so that GRPO moves
    the weights and two runs can differ."""
    return [len(c) / 10 for c in completions]


def _plain_config(config_cls, demo: str, out: Path, settings: dict):
    """TRL's own config class filled from the demo's YAML (only its fields) and ``settings``."""
    values = yaml.safe_load((REPO / "config" / "demo" / f"{demo}.yaml").read_text())
    fields = {f.name for f in dataclasses.fields(config_cls)} - {"output_dir"}
    return config_cls(output_dir=str(out), **{**{k: v for k, v in values.items() if k in fields}, **settings})


def _assert_trained_alike(ours, plain, model_dir, ours_dir: Path) -> None:
    """The same losses and bit-identical weights after training, which moved the weights; our R = 0 run saved no
    reasoning vocabulary."""
    from transformers import AutoModelForCausalLM

    losses = [[h["loss"] for h in t.state.log_history if "loss" in h] for t in (ours, plain)]
    assert losses[0] == losses[1] and len(losses[0]) == 3
    start = dict(AutoModelForCausalLM.from_pretrained(model_dir).named_parameters())
    weights = [dict(t.model.named_parameters()) for t in (ours, plain)]
    assert weights[0].keys() == weights[1].keys() == start.keys()
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in start)
    assert not all(torch.equal(weights[0][k], start[k]) for k in start)  # trained: the weights moved
    assert "reasoning_vocab_size" not in json.loads((ours_dir / "final" / "config.json").read_text())


@pytest.mark.slow
def test_r_0_trains_bit_identically_to_plain_trl(tiny_model_dir, toy_data, tmp_path):
    """GRPO steps through our path (train_trl.main, --reasoning_vocab_size 0) and through TRL's own GRPOTrainer,
    built here from the same model, data, reward, seed and GRPOConfig: the same rollouts, losses and weights."""
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from step3_GRPO.train_trl import main

    settings = {"per_device_train_batch_size": 4, "num_generations": 4, "max_completion_length": 12,
                "max_steps": 3, "logging_steps": 1, "save_strategy": "no", "report_to": "none"}
    ours = main(["--config", "config/demo/grpo.yaml", "--model_name_or_path", str(tiny_model_dir), "--data_dir",
                 str(toy_data), "--output_dir", str(tmp_path / "ours"), "--reward_funcs", "text_length",
                 "--reasoning_vocab_size", "0", "--preflight", "false", "--eval_every_steps", "0",
                 *(f"--{k}={v}" for k, v in settings.items())], extra_rewards=[text_length])

    config = _plain_config(GRPOConfig, "grpo", tmp_path / "trl", settings)
    plain = GRPOTrainer(model=str(tiny_model_dir), reward_funcs=text_length, args=config,
                        train_dataset=Dataset.from_pandas(pd.read_parquet(toy_data / "train.parquet")))
    plain.train()

    rollouts = [[pd.read_parquet(f)["completion"].tolist() for f in sorted((folder / "completions").iterdir())]
                for folder in (tmp_path / "ours", tmp_path / "trl")]  # TRL's log_completions, one file a step
    assert rollouts[0] == rollouts[1] and len(rollouts[0]) == 3
    assert not any("</answer>" in c for step in rollouts[0] for c in step)  # our stop rule had nothing to cut
    _assert_trained_alike(ours, plain, tiny_model_dir, tmp_path / "ours")


@pytest.mark.slow
def test_r_0_sft_trains_bit_identically_to_plain_trl(tiny_model_dir, toy_data, tmp_path):
    """SFT steps through our path (train_sft.main, --reasoning_vocab_size 0) and through TRL's own SFTTrainer on
    the same prompt/completion pairs, model, seed and SFTConfig: the same losses and weights."""
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    from step2_sft.train_sft import main

    settings = {"per_device_train_batch_size": 8, "max_steps": 3, "logging_steps": 1, "report_to": "none"}
    ours = main(["--config", "config/demo/sft.yaml", "--model_name_or_path", str(tiny_model_dir), "--data_dir",
                 str(toy_data), "--output_dir", str(tmp_path / "ours"), "--reasoning_vocab_size", "0",
                 *(f"--{k}={v}" for k, v in settings.items())])

    config = _plain_config(SFTConfig, "sft", tmp_path / "trl", settings)
    rows = pd.read_parquet(toy_data / "train.parquet")  # step2 starts the completion with a space: " 34 + 36 ..."
    pairs = Dataset.from_dict({"prompt": rows["prompt"].tolist(), "completion": (" " + rows["sft_target"]).tolist()})
    plain = SFTTrainer(model=str(tiny_model_dir), args=config, train_dataset=pairs)
    plain.train()

    _assert_trained_alike(ours, plain, tiny_model_dir, tmp_path / "ours")


# -------------------------------------------------------------------------------------- memory plan

@pytest.mark.parametrize("tied", [True, False])
def test_preflight_counts_the_extra_rows_at_qwen2_5_1_5b(tied):
    from transformers import Qwen2Config

    from step3_GRPO.memory_plan import ModelShape
    from step3_GRPO.preflight import PreflightReport, check_reasoning_vocab

    config = Qwen2Config(vocab_size=151936, hidden_size=1536, intermediate_size=8960, num_hidden_layers=28,
                         num_attention_heads=12, num_key_value_heads=2, tie_word_embeddings=tied)
    report = PreflightReport()
    planned = check_reasoning_vocab(report, SimpleNamespace(use_vllm=True), config, 151936, "Qwen/Qwen2.5-1.5B")
    matrices = 1 if tied else 2
    extra = 151_936 * 1_536 * matrices  # 233,373,696 per matrix
    assert ModelShape.from_config(planned).n_params - ModelShape.from_config(config).n_params == extra
    assert ModelShape.from_config(planned).vocab == 2 * 151936  # the logits term grows too
    assert f"+{extra:,} parameters ({matrices} x 151,936 x 1536" in report.lines[-1]
    assert report.problems == ["reasoning_vocab_size > 0 needs transformers' generate (vLLM does not apply the "
                               "reasoning vocabulary's sampling rule): set use_vllm: false"]
    assert config.vocab_size == 151936  # the start model's config is left as it is
    assert check_reasoning_vocab(PreflightReport(), SimpleNamespace(use_vllm=True), config, None, "m") is config


# ---------------------------------------------------------------------------------------- comparison

@pytest.mark.slow
def test_the_comparison_sweep_runs_baseline_and_expanded_from_one_start(tiny_model_dir, tmp_path):
    """config/sweep/reasoning_vocab_demo.yaml with tiny step counts: the baseline (R = 0) and the expanded run
    (R = V) train from the same model, are evaluated, and land in one table and plot."""
    data = write_toy_dataset(tmp_path / "data", n_train=16, n_val=4)
    config = yaml.safe_load((REPO / "config" / "sweep" / "reasoning_vocab_demo.yaml").read_text())
    out = tmp_path / "sweep"
    config.update(out_dir=str(out), cpu_parallel=2)
    config["grid"]["reasoning_vocab_size"] = [0, 600]
    config["overrides"].update(model_name_or_path=str(tiny_model_dir), data_dir=str(data), max_steps=1,
                               save_steps=1, per_device_train_batch_size=4, num_generations=4,
                               max_completion_length=8, logging_steps=1, preflight=False)
    config["eval_overrides"].update(limit=4, max_tokens=8)
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    proc = subprocess.run([sys.executable, "runs/sweep.py", "--config", str(path)], cwd=REPO, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    runs = json.loads((out / "sweep.json").read_text())["runs"]
    assert [r["params"] for r in runs] == [{"reasoning_vocab_size": 0}, {"reasoning_vocab_size": 600}]
    assert [r["status"] for r in runs] == ["ok", "ok"]
    sizes = [json.loads((Path(r["train_dir"]) / "final" / "config.json").read_text()).get("vocab_size") for r in runs]
    assert sizes == [600, 1200]
    for run in runs:
        manifest = json.loads((Path(run["train_dir"]) / "manifest.json").read_text())
        assert manifest["config"]["model"]["model_name_or_path"] == str(tiny_model_dir)  # the same start
        assert json.loads((Path(run["eval_dir"]) / "summary.json").read_text())["total"] == 4
    table = (out / "runs.md").read_text().splitlines()
    assert table[0].startswith("| run | reasoning_vocab_size | status |") and len(table) == 4
    assert (out / "runs.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
