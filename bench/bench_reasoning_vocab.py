"""Benchmark: what the reasoning vocabulary's sampling rule costs transformers' generate (docs/reasoning_vocab.md).

    python bench/bench_reasoning_vocab.py [--prompts 16] [--num_samples 4] [--max_tokens 48] [--repeats 3]

1. Step 4's hf engine on the tiny model (``r1zero.testing.tiny_model``): the plain model (R = 0, the baseline) and the
   same model with R = V, interleaved ``--repeats`` times in one run; prints both times and their ratio.
2. The rule alone (``ReasoningPhases``, one call per generated token) at Qwen2.5's width, V = 151,936 and
   R = V, for a batch of ``--prompts`` x ``--num_samples`` rows: milliseconds per step, against the tiny
   model's own step time measured in part 1 (a real model's step is far longer, so this is the upper bound
   of the rule's share).
CPU only; figures on a shared machine are noisy (the ranges show it).
"""

from __future__ import annotations

import argparse
import tempfile
import time


def engine_times(args, model_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from r1zero.core.prompts import build_prompt
    from r1zero.evaluation.engines import EngineOptions, Sampling
    from r1zero.evaluation.engines.hf import HFEngine
    from r1zero.training.reasoning_vocab import expand

    tok = AutoTokenizer.from_pretrained(model_dir)
    plain = AutoModelForCausalLM.from_pretrained(model_dir).eval()
    expanded = AutoModelForCausalLM.from_pretrained(model_dir).eval()
    expand(expanded, expanded.get_input_embeddings().num_embeddings)
    engines = {"R = 0": HFEngine(plain, tok, EngineOptions(batch_size=args.prompts)),
               "R = V": HFEngine(expanded, tok, EngineOptions(batch_size=args.prompts))}
    prompts = [build_prompt(f"What is {i} + {2 * i}?") for i in range(args.prompts)]
    sampling = Sampling(n=args.num_samples, temperature=1.0, top_p=1.0, max_tokens=args.max_tokens, seed=0,
                        stop=["</answer>"])
    times = {name: [] for name in engines}
    tokens = {name: 0 for name in engines}
    for _ in range(args.repeats):
        for name, engine in engines.items():
            start = time.perf_counter()
            out = engine.generate(prompts, list(range(len(prompts))), sampling)
            times[name].append(time.perf_counter() - start)
            tokens[name] = sum(s.tokens for group in out for s in group)
    return times, tokens, tok


def rule_step_ms(args, tok, steps: int = 20) -> float:
    import torch

    from r1zero.training.reasoning_vocab import ReasoningPhases, ReasoningVocab

    base = 151_936
    vocab = ReasoningVocab(tok, base, base)
    rows = args.prompts * args.num_samples
    rule = ReasoningPhases(vocab, 4, {tok.eos_token_id})
    ids, scores = torch.full((rows, 4), 1), torch.zeros(rows, 2 * base)
    start = time.perf_counter()
    for _ in range(steps):
        rule(ids, scores)
        ids = torch.cat([ids, torch.full((rows, 1), base + 5)], dim=1)
    return 1000 * (time.perf_counter() - start) / steps


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--num_samples", type=int, default=4)
    parser.add_argument("--max_tokens", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    from r1zero.testing.tiny_model import build

    with tempfile.TemporaryDirectory() as tmp:
        times, tokens, tok = engine_times(args, build(tmp, quiet=True))
    print(f"hf engine, tiny model, {args.prompts} prompts x {args.num_samples} samples x <= {args.max_tokens} tokens, "
          f"{args.repeats} interleaved repeats:")
    for name, values in times.items():
        print(f"  {name}: {min(values):.2f} to {max(values):.2f} s ({tokens[name]} tokens)")
    ratio = [r / b for r, b in zip(times["R = V"], times["R = 0"], strict=True)]
    print(f"  ratio R = V / R = 0: {min(ratio):.2f} to {max(ratio):.2f}")
    step = min(times["R = 0"]) / args.max_tokens
    rule = rule_step_ms(args, tok)
    print(f"the rule alone at Qwen2.5's width (V = R = 151,936), {args.prompts * args.num_samples} rows: "
          f"{rule:.1f} ms per step (the tiny model's whole step: about {1000 * step:.1f} ms)")


if __name__ == "__main__":
    main()
