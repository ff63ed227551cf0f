"""Build a tiny Qwen2-architecture causal LM offline, for tests and the CPU demo.

    python -m r1zero.testing.tiny_model OUT_DIR [--hidden_size 128 --num_layers 2 --num_heads 2 ...] [--corpus ROWS.jsonl]

The tokenizer is a byte-level BPE trained on the spot on r1_zero-shaped text (prompt template, tags,
arithmetic, common math words), with digits split one per token as Qwen does, ``<|endoftext|>`` as eos
and pad, and a ChatML chat template. ``--corpus`` adds the problems and solutions of a NuminaMath-shaped
JSONL file (``problem``, ``solution``) to that text, so the words of one's own data become whole tokens:
the demo's stories then take 118 prompt tokens instead of 132 (names and objects were spelt letter by
letter), which shortens every SFT and GRPO step. Everything is saved with ``save_pretrained`` so that
transformers, TRL and vLLM load the folder like any hub model. head_dim is hidden/heads and must be at
least 64: vLLM's CPU attention rejects smaller heads.

Building is deterministic for a given seed, and re-running on a folder built with the same settings
does nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path

from r1zero.core.prompts import build_prompt, build_response

EOS_TOKEN = "<|endoftext|>"
SPECIAL_TOKENS = [EOS_TOKEN, "<|im_start|>", "<|im_end|>"]
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
MATH_WORDS = (
    "the of and is a to in what find how many if then sum product difference total each number value "
    "answer equal equals compute evaluate solve let be there are has have more less than times plus minus "
    "divided by half twice square root fraction percent integer positive negative real solution solutions "
    "x y z n k area perimeter triangle circle radius angle degrees probability function prime remainder "
    "so we get therefore first next add subtract multiply divide gives result calculate"
).split()


@dataclass
class TinyModelSpec:
    hidden_size: int = 128
    num_layers: int = 2
    num_heads: int = 2
    intermediate_size: int = 512
    vocab_size: int = 600
    max_position_embeddings: int = 1024
    seed: int = 0


def _corpus(seed: int, n: int = 3000) -> list[str]:
    """Deterministic r1_zero-shaped text for the tokenizer's merges."""
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        a, b = rng.randint(0, 999), rng.randint(0, 999)
        op, val = rng.choice([("+", a + b), ("-", a - b), ("*", a * b)])
        words = " ".join(rng.choice(MATH_WORDS) for _ in range(rng.randint(3, 12)))
        question = f"What is {a} {op} {b}? {words.capitalize()}."
        lines.append(build_prompt(question) + " " + build_response(f"{a} {op} {b} = {val}.", str(val)))
    lines += [r"\boxed{} \frac{1}{2} \sqrt{2} \pi x^2 + y^2 = z^2 (1, 2) [0, 1] \{1, 2\} 3.14 50% 1,000"]
    return lines


def corpus_lines(path: str | Path) -> list[str]:
    """r1_zero-shaped text of each row (``problem``, ``solution``) of a JSONL file, for the tokenizer's merges."""
    lines = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            lines.append(build_prompt(row["problem"]) + " " + row["solution"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a JSON row with 'problem' and 'solution' ({exc})") from None
    return lines


def build_tokenizer(spec: TinyModelSpec, corpus: list[str] = ()):
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"\d"), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=spec.vocab_size, special_tokens=SPECIAL_TOKENS, min_frequency=2,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(_corpus(spec.seed) + list(corpus), trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=EOS_TOKEN, pad_token=EOS_TOKEN,
                                   model_max_length=spec.max_position_embeddings)
    fast.chat_template = CHAT_TEMPLATE
    return fast


def build_model(spec: TinyModelSpec, tokenizer):
    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    if spec.hidden_size % spec.num_heads or spec.hidden_size // spec.num_heads < 64:
        raise ValueError(f"head_dim = hidden_size / num_heads must be a whole number >= 64 (vLLM's CPU "
                         f"backend), got {spec.hidden_size}/{spec.num_heads}")
    eos = tokenizer.convert_tokens_to_ids(EOS_TOKEN)
    config = Qwen2Config(
        vocab_size=len(tokenizer), hidden_size=spec.hidden_size, intermediate_size=spec.intermediate_size,
        num_hidden_layers=spec.num_layers, num_attention_heads=spec.num_heads,
        num_key_value_heads=spec.num_heads, max_position_embeddings=spec.max_position_embeddings,
        tie_word_embeddings=True, bos_token_id=eos, eos_token_id=eos, pad_token_id=eos,
        dtype="float32",
    )
    torch.manual_seed(spec.seed)
    model = Qwen2ForCausalLM(config)
    model.generation_config = GenerationConfig(eos_token_id=eos, pad_token_id=eos, bos_token_id=eos)
    return model


def build(out_dir: str | Path, spec: TinyModelSpec | None = None, *, corpus: str | Path | None = None,
          quiet: bool = False) -> Path:
    """Build (or reuse) the tiny model in ``out_dir`` and return the folder; ``corpus``: extra tokenizer rows."""
    spec = spec or TinyModelSpec()
    out = Path(out_dir)
    lines = corpus_lines(corpus) if corpus else []
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest() if lines else None
    settings = {**asdict(spec), "corpus_sha256": digest}  # a changed corpus rebuilds the folder
    marker = out / "tiny_model_spec.json"
    if marker.is_file() and json.loads(marker.read_text()) == settings and (out / "config.json").is_file():
        if not quiet:
            print(f"tiny model already built in {out}")
        return out
    tokenizer = build_tokenizer(spec, lines)
    model = build_model(spec, tokenizer)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    marker.write_text(json.dumps(settings, indent=2) + "\n")
    if not quiet:
        params = sum(p.numel() for p in model.parameters())
        print(f"built tiny Qwen2 in {out}: {params / 1e6:.2f}M parameters, vocab {len(tokenizer)}, "
              f"hidden {spec.hidden_size}, {spec.num_layers} layers, {spec.num_heads} heads")
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    for name, default in asdict(TinyModelSpec()).items():
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--corpus", help="NuminaMath-shaped JSONL (problem, solution) whose words the tokenizer learns")
    args = vars(parser.parse_args(argv))
    out_dir, corpus = args.pop("out_dir"), args.pop("corpus")
    try:
        build(out_dir, TinyModelSpec(**args), corpus=corpus)
    except (ValueError, OSError) as exc:
        parser.exit(2, f"error: {exc}\n")


if __name__ == "__main__":
    main()
