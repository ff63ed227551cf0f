"""How often TRL's own rewards agree with ours on the repo's grader corpora; CPU only.

    python bench/bench_trl_rewards.py              # every case (a minute or two on 2 cores)
    python bench/bench_trl_rewards.py --limit 20   # the first 20 cases of each corpus

The corpora (tests/data): ``grader_cases`` (the grader's labelled cases), ``reward_hacks_math`` and
``reward_hacks_math_redteam`` (hedges, bracket games, false relations... and honest answers of the same
shapes; the red-team rows of the r1_zero template), ``peer_cases`` (peer graders' public test cases, each
prediction put in ``</think> <answer> ... </answer>``, as tests/evaluation/test_benchmarks.py does).

Per corpus and category it prints the number of cases and how many of them each TRL reward scores as ours:
- ``format``: TRL's ``think_format_reward`` (given the r1_zero prompt's trailing ``<think>``, as in training)
  against our ``format_reward``;
- ``acc``: TRL's ``accuracy_reward`` on the completion as written (what a run would pay) against our
  ``answer_reward``; ``skip``: cases where it returned None (gold unreadable); ``trl+`` counts the cases it
  pays and we do not, ``ours+`` the reverse;
- ``acc@box``, ``trl+box``, ``ours+box``: the same on the answer region alone, boxed (``\\boxed{region}``, or
  the region when it has a box): how TRL's equivalence judgment compares with ours once it can read the
  answer. ``--examples K`` prints K disagreements of each kind per corpus. docs/grader.md ("TRL's rewards")
  has the figures.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
CORPORA = ("grader_cases", "reward_hacks_math", "reward_hacks_math_redteam", "peer_cases")
PROMPT_TAIL = "<think>"  # how the r1_zero prompt ends: think_format_reward sees the completion after it
COLUMNS = ("n", "format", "acc", "skip", "trl+", "ours+", "acc@box", "trl+box", "ours+box")


@dataclass(frozen=True)
class Case:
    corpus: str
    category: str
    response: str
    gold: object  # a gold cell as the datasets hold it: a string, a number or a list of accepted answers


def load_cases(data_dir: Path = DATA, limit: int | None = None, corpora=CORPORA) -> list[Case]:
    """The r1_zero cases of each corpus (its first ``limit`` when given)."""
    cases = []
    for corpus in corpora:
        rows = [json.loads(line) for line in (data_dir / f"{corpus}.jsonl").open() if line.strip()]
        rows = [r for r in rows if r.get("template", "r1_zero") == "r1_zero"][:limit]
        for r in rows:
            if "pred" in r:  # a peer case: (gold, prediction), its test function as the category
                cases.append(Case(corpus, r["source"].rsplit("::", 1)[-1], f"Reasoning. </think> <answer> "
                                  f"{r['pred']} </answer>", r["gold"]))
            else:
                cases.append(Case(corpus, r["category"], r["response"], r["ground_truth"]))
    return cases


def boxed_region(response: str) -> str:
    """The answer region as TRL can read it: boxed unless it has a box of its own; empty without a region."""
    from r1zero.core.prompts import answer_block

    region = answer_block(response)
    if region is None:
        return ""
    return region if "\\boxed" in region else f"\\boxed{{{region.strip()}}}"


def score(cases: list[Case]) -> list[dict]:
    """Ours and TRL's verdicts per case: ``format``/``answer`` (ours), ``trl_format``, ``trl_acc`` (the
    completion as written; None: gold unread), ``trl_acc_box`` (the boxed answer region)."""
    from r1zero.grading import grade_many, trl_accuracy_many
    from step3_GRPO.train.rewards_trl import trl_rewards

    responses, golds = [c.response for c in cases], [c.gold for c in cases]
    ours = grade_many(responses, golds)
    think = trl_rewards()["think_format_reward"]([PROMPT_TAIL] * len(cases), responses)
    acc = trl_accuracy_many(responses, golds)
    acc_box = trl_accuracy_many([boxed_region(r) for r in responses], golds)
    return [{"format": o["format_reward"], "answer": o["answer_reward"], "trl_format": t, "trl_acc": a,
             "trl_acc_box": b} for o, t, a, b in zip(ours, think, acc, acc_box, strict=True)]


def _tally(pairs) -> dict[str, int]:
    out = dict.fromkeys(COLUMNS, 0)
    for s in pairs:
        out["n"] += 1
        out["format"] += s["trl_format"] == s["format"]
        out["skip"] += s["trl_acc"] is None
        for view, suffix in (("trl_acc", ""), ("trl_acc_box", "box")):
            trl = s[view] or 0.0  # None (skipped) pays nothing
            out["acc@box" if suffix else "acc"] += trl == s["answer"]
            out["trl+" + suffix] += trl > s["answer"]
            out["ours+" + suffix] += s["answer"] > trl
    return out


def agreement(cases: list[Case], scored: list[dict]) -> list[tuple[str, str, dict[str, int]]]:
    """(corpus, category, counts) per category, then (corpus, "all", counts) per corpus, then ("all", "all")."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for c, s in zip(cases, scored, strict=True):
        groups[(c.corpus, c.category)].append(s)
    rows = [(corpus, cat, _tally(groups[(corpus, cat)])) for corpus, cat in sorted(groups)]
    for corpus in dict.fromkeys(c.corpus for c in cases):
        rows.append((corpus, "all", _tally(s for (k, _), ss in groups.items() if k == corpus for s in ss)))
    rows.append(("all", "all", _tally(scored)))
    return rows


def table(rows) -> str:
    width = max(len(f"{corpus} / {cat}") for corpus, cat, _ in rows)
    lines = [f"{'corpus / category':<{width}}  " + "  ".join(f"{c:>7}" for c in COLUMNS)]
    for corpus, cat, counts in rows:
        lines.append(f"{corpus + ' / ' + cat:<{width}}  " + "  ".join(f"{counts[c]:>7}" for c in COLUMNS))
    return "\n".join(lines)


def disagreements(cases: list[Case], scored: list[dict], k: int) -> list[str]:
    """Up to ``k`` cases per corpus of each kind: format, TRL-only pay and ours-only pay (boxed region)."""
    kinds = {"format": lambda s: s["trl_format"] != s["format"],
             "trl+box": lambda s: (s["trl_acc_box"] or 0.0) > s["answer"],
             "ours+box": lambda s: s["answer"] > (s["trl_acc_box"] or 0.0)}
    seen: dict[tuple[str, str], int] = defaultdict(int)
    out = []
    for c, s in zip(cases, scored, strict=True):
        for kind, differs in kinds.items():
            if differs(s) and seen[(c.corpus, kind)] < k:
                seen[(c.corpus, kind)] += 1
                out.append(f"{kind:8} {c.corpus}/{c.category}: gold {c.gold!r} | {c.response[-120:]!r}")
    return out


def main(argv=None) -> list[tuple[str, str, dict[str, int]]]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="the first N cases of each corpus")
    ap.add_argument("--data", type=Path, default=DATA, help="the folder of the corpora")
    ap.add_argument("--examples", type=int, default=0, help="print K disagreements of each kind per corpus")
    args = ap.parse_args(argv)
    from r1zero.grading import refused_events

    cases = load_cases(args.data, args.limit)
    refused_before = len(refused_events())
    scored = score(cases)
    rows = agreement(cases, scored)
    print(table(rows))
    print("format: think_format_reward = our format_reward; acc: accuracy_reward (as written) = our answer_reward; "
          "skip: it returned None; trl+ / ours+: only TRL / only "
          "ours pays; the same with box: on the boxed answer region")
    print(f"guard refusals while grading: {len(refused_events()) - refused_before}")
    for line in disagreements(cases, scored, args.examples):
        print(line)
    return rows


if __name__ == "__main__":
    main()
