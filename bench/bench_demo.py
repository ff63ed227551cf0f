"""`make demo` over several seeds: does GRPO beat SFT by more than the run-to-run spread, and how long does it take?

    python -m bench.bench_demo --seeds 0 1 2            # CPU; each seed is a whole demo run (a few minutes)
    python -m bench.bench_demo --seeds 0 1 2 --reuse    # only summarise runs already in outputs/demo_seed<N>

Each seed runs `runs/demo.py --seed N --out_dir outputs/demo_seed<N>` (its own data, SFT, GRPO and eval
sampling). Any other flag passes through to runs/demo.py for every seed: `--data_seed 0` keeps the stories
and val set fixed, so only training varies. It then prints, per seed, SFT and GRPO accuracy and format
accuracy and the stage times, and over the seeds: the spread (max - min) of SFT accuracy and of GRPO
accuracy, and the smallest GRPO - SFT gain. The gain is larger than run-to-run noise when the smallest gain
exceeds both spreads. "Other op" is the share of sampled completions that work the story with the other
operation, the slip the demo's SFT data teaches.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

from step1_data.synthetic import STORIES

REPO = Path(__file__).resolve().parent.parent
# Each story template as a pattern (its blanks match anything), with the operation it tells
STORY_PATTERNS = [(op, re.compile(re.sub(r"\\\{\w+\\\}", ".+?", re.escape(story))))
                  for op, stories in STORIES.items() for story in stories]
WORKED_OP = re.compile(r"\s*\d+ ([-+*]) \d+ =")


def run_seed(seed: int, out_dir: Path, extra: list[str]) -> None:
    cmd = [sys.executable, "runs/demo.py", "--config", "config/demo/demo.yaml", "--seed", str(seed),
           "--out_dir", str(out_dir), *extra]
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=REPO, check=True)


def other_operation_share(generations: Path) -> float:
    """Share of the eval's samples whose worked line uses another operation than their story tells."""
    other = total = 0
    for line in generations.read_text().splitlines():
        record = json.loads(line)
        told = next((op for op, pattern in STORY_PATTERNS if pattern.search(record["prompt"])), None)
        if told is None:
            raise ValueError(f"{generations}: a prompt that is none of the demo's stories: {record['prompt']!r}")
        worked = WORKED_OP.match(record["completion"])
        other += bool(worked) and worked.group(1) != told
        total += 1
    if not total:
        raise ValueError(f"{generations}: no samples")
    return other / total


def summarise(reports: dict[int, dict]) -> dict:
    sft = [r["sft"]["accuracy"] for r in reports.values()]
    grpo = [r["grpo"]["accuracy"] for r in reports.values()]
    gains = [g - s for s, g in zip(sft, grpo, strict=True)]
    sft_spread, grpo_spread = max(sft) - min(sft), max(grpo) - min(grpo)
    return {"seeds": sorted(reports), "sft_accuracy": sft, "grpo_accuracy": grpo, "gains": gains,
            "sft_spread": sft_spread, "grpo_spread": grpo_spread,
            "min_gain": min(gains), "gain_exceeds_spread": min(gains) > max(sft_spread, grpo_spread),
            "sft_format_min": min(r["sft"]["format_accuracy"] for r in reports.values()),
            "total_s": [r["timings_s"]["total"] for r in reports.values()]}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], allow_abbrev=False,
        epilog="Any other flag passes through to runs/demo.py for every seed (e.g. --data_seed 0, --bf16 false, "
               "--sft_slip_rate 0); see python runs/demo.py --help.")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="one whole demo run per seed")
    parser.add_argument("--reuse", action="store_true", help="summarise existing runs, run nothing")
    parser.add_argument("--out_prefix", default="outputs/demo_seed", help="seed N runs in <out_prefix>N")
    args, extra = parser.parse_known_args()
    reports = {}
    outs = {seed: REPO / f"{args.out_prefix}{seed}" for seed in args.seeds}
    for seed, out in outs.items():
        if not args.reuse:
            run_seed(seed, out, extra)
        reports[seed] = json.loads((out / "report.json").read_text())
    print(f"\n{'seed':>4} {'SFT acc':>8} {'SFT fmt':>8} {'GRPO acc':>9} {'gain':>7} {'other op':>16} "
          f"{'total s':>8}  stage seconds")
    for seed, r in reports.items():
        t = r["timings_s"]
        stages = ", ".join(f"{k.split(': ')[-1]} {v:.0f}" for k, v in t.items() if k != "total")
        other = [other_operation_share(outs[seed] / "eval" / m / "generations.jsonl") for m in ("sft", "grpo")]
        print(f"{seed:>4} {r['sft']['accuracy']:>8.1%} {r['sft']['format_accuracy']:>8.1%} "
              f"{r['grpo']['accuracy']:>9.1%} {r['grpo']['accuracy'] - r['sft']['accuracy']:>+7.1%} "
              f"{other[0]:>6.1%} -> {other[1]:<6.1%} {t['total']:>8.0f}  {stages}")
    s = summarise(reports)
    if len(reports) < 2:
        print("\none seed: no spread to compare with (give two or more, or --reuse earlier runs)")
        return
    print(f"\nspread (max - min) over seeds: SFT {s['sft_spread']:.1%}, GRPO {s['grpo_spread']:.1%}; "
          f"smallest gain {s['min_gain']:+.1%}: {'larger' if s['gain_exceeds_spread'] else 'NOT larger'} "
          f"than the spread; lowest SFT format accuracy {s['sft_format_min']:.1%}")
    print(json.dumps(s))


if __name__ == "__main__":
    main()
