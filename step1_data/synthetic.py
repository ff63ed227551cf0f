"""Synthetic arithmetic problems in NuminaMath-CoT's shape, small enough for a tiny model to learn on CPU.

Each row has ``source``, ``problem`` ("What is 37 + 48?"), ``solution`` (one short line,
``37 + 48 = \\boxed{85}.``) and ``messages`` (user/assistant), so ``prepare.py --dataset numina`` reads it
like the real dataset. Answers are integers. The wording is fixed and regular on purpose: a ~1M-parameter
model has to learn the format and the arithmetic, not the English.

With ``--word_problems`` each sum is told as a one-line story ("Ann has 3 pens and gets 4 more. How
many pens does Ann have now?"), so thousands of distinct problems share a small set of arithmetic
facts: the model must read the numbers and the operation out of the words (the demo uses this).

With ``--slip_rate P`` a fraction P of the solutions is worked with the other operation ("Ann has 3 pens
and gets 4 more" solved as ``3 - 4 = \\boxed{-1}``): wrong demonstrations, as unverified solutions can be.
Their answers are wrong unless both operations agree (``5 + 0`` and ``5 - 0``): with operands 0 to 5, a
slip rate of 0.3 gives about 23% wrong answers.
The problems are the same as without slips (a separate random stream picks the slipped rows), so one seed
gives a clean set for rewards and evaluation and a slipped set of the same problems for SFT.

CPU only, instant:
    python -m step1_data.synthetic --output data/raw/arith.jsonl --num_rows 3000 --seed 0 \
        [--max_operand 99] [--ops +,-,*] [--allow_negative] [--word_problems] [--slip_rate 0.5]
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable
from pathlib import Path

from r1zero.core.artifacts import atomic_write_text
from r1zero.core.errors import UserError, run_cli

SOURCE = "synthetic_arithmetic"
OPS = ("+", "-", "*")
NAMES = ("Ann", "Ben", "Cara", "Dev", "Ella", "Finn", "Gia", "Hugo", "Ines", "Jack", "Kai", "Lena",
         "Mia", "Noah", "Omar", "Pia", "Ravi", "Sara", "Tom", "Uma")
OBJECTS = ("apple", "book", "coin", "card", "ball", "pen", "cup", "egg", "hat", "key", "toy", "shell",
           "stone", "bead", "leaf", "star", "fish", "bird", "cake", "sock")
STORIES = {
    "+": ("{name} has {a} {obj}s and gets {b} more. How many {obj}s does {name} have now?",
          "A box holds {a} {obj}s. {name} puts in {b} more. How many {obj}s are in the box?",
          "What is {a} + {b}?"),
    "-": ("{name} has {a} {obj}s and gives away {b}. How many {obj}s are left?",
          "There are {a} {obj}s on a table. {name} takes {b}. How many {obj}s stay on the table?",
          "What is {a} - {b}?"),
    "*": ("{name} has {a} bags with {b} {obj}s in each. How many {obj}s are there in total?",
          "What is {a} * {b}?"),
}

# The operation a slipped solution works with instead of the story's
SLIPS = {"+": "-", "-": "+", "*": "+"}


def make_row(a: int, op: str, b: int, story: str = "What is {a} {op} {b}?", name: str = "", obj: str = "",
             slip: bool = False) -> dict:
    """One NuminaMath-shaped row for ``a op b``, told with ``story`` (plain "What is a op b?" by default).

    ``slip`` works the solution with the other operation (see SLIPS): the problem is the same, the
    solution is wrong, and so is its answer unless both operations agree.
    """
    worked = SLIPS[op] if slip else op
    value = a + b if worked == "+" else a - b if worked == "-" else a * b
    problem = story.format(a=a, op=op, b=b, name=name, obj=obj)
    # One short line: step1 turns it into the sft_target "a op b = value. </think> <answer> value </answer>"
    solution = f"{a} {worked} {b} = \\boxed{{{value}}}."
    return {
        "source": SOURCE,
        "problem": problem,
        "solution": solution,
        "messages": [{"role": "user", "content": problem}, {"role": "assistant", "content": solution}],
    }


def generate(num_rows: int, seed: int = 0, *, max_operand: int = 99, ops: str | list[str] = "+,-,*",
             allow_negative: bool = False, unique: bool = True, word_problems: bool = False,
             slip_rate: float = 0.0) -> list[dict]:
    """``num_rows`` seeded rows; operands are drawn from [0, max_operand].

    ``unique`` avoids repeating a problem (so dedupe in prepare.py keeps every row) while the space
    allows it; ``allow_negative=False`` orders subtraction operands so answers are never negative.
    ``word_problems`` tells each one as a short story; uniqueness is then on the problem text.
    ``slip_rate`` is the fraction of solutions worked with the other operation; the problems do not
    depend on it.
    """
    op_list = [o.strip() for o in ops.split(",")] if isinstance(ops, str) else list(ops)
    bad = [o for o in op_list if o not in OPS]
    if bad or not op_list:
        raise UserError(f"--ops must be a comma-separated subset of {','.join(OPS)}, got {ops!r}")
    if num_rows < 0:
        raise UserError(f"--num_rows must be >= 0, got {num_rows}")
    if max_operand < 1:
        raise UserError(f"--max_operand must be >= 1, got {max_operand}")
    slip = slip_draws(seed, slip_rate)
    n = max_operand + 1
    space = sum(n * (n + 1) // 2 if op == "-" and not allow_negative else n * n for op in op_list)
    if word_problems:
        return _word_problems(num_rows, random.Random(seed), max_operand, op_list, allow_negative,
                              space * len(NAMES) * len(OBJECTS), unique, slip)
    if unique and num_rows > space:
        raise UserError(f"only {space} distinct problems exist for --max_operand {max_operand} and --ops "
                        f"{','.join(op_list)}; ask for fewer rows or a larger --max_operand")
    rng = random.Random(seed)
    rows, seen = [], set()
    # Past half the space, rejection sampling slows down; fall back to a shuffled enumeration.
    if unique and num_rows > space // 2:
        triples = [(a, op, b) for op in op_list for a in range(n) for b in range(n)
                   if allow_negative or op != "-" or a >= b]
        rng.shuffle(triples)
        candidates = iter(triples)
    else:
        candidates = iter(lambda: (rng.randint(0, max_operand), rng.choice(op_list), rng.randint(0, max_operand)), None)
    for a, op, b in candidates:
        if len(rows) == num_rows:
            break
        if op == "-" and not allow_negative and b > a:
            a, b = b, a
        if unique:
            if (a, op, b) in seen:
                continue
            seen.add((a, op, b))
        rows.append(make_row(a, op, b, slip=slip()))
    return rows


def check_slip_rate(rate: float, flag: str = "--slip_rate") -> None:
    if not 0.0 <= rate <= 1.0:
        raise UserError(f"{flag} must be between 0 and 1, got {rate}")


def slip_draws(seed: int, rate: float) -> Callable[[], bool]:
    """Whether the next row slips, drawn from a stream of its own, so the problems are the same at any rate."""
    check_slip_rate(rate)
    draws = random.Random(f"slips-{seed}")
    return lambda: draws.random() < rate


def _word_problems(num_rows: int, rng: random.Random, max_operand: int, op_list: list[str],
                   allow_negative: bool, space: int, unique: bool, slip: Callable[[], bool]) -> list[dict]:
    if unique and num_rows > space // 4:  # rejection sampling needs headroom
        raise UserError(f"ask for at most {space // 4} word problems with --max_operand {max_operand}")
    rows, seen = [], set()
    while len(rows) < num_rows:
        a, op, b = rng.randint(0, max_operand), rng.choice(op_list), rng.randint(0, max_operand)
        if op == "-" and not allow_negative and b > a:
            a, b = b, a
        story, name, obj = rng.choice(STORIES[op]), rng.choice(NAMES), rng.choice(OBJECTS)
        # checked before make_row, so a slip is drawn only for the rows kept
        problem = story.format(a=a, op=op, b=b, name=name, obj=obj)
        if unique and problem in seen:
            continue
        seen.add(problem)
        rows.append(make_row(a, op, b, story, name, obj, slip=slip()))
    return rows


def write_jsonl(rows: list[dict], path: str | Path) -> Path:
    path = Path(path)
    atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", required=True, help="JSONL file to write")
    parser.add_argument("--num_rows", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max_operand", type=int, default=99, help="operands are drawn from [0, max_operand]")
    parser.add_argument("--ops", default="+,-,*", help="comma-separated subset of +,-,*")
    parser.add_argument("--allow_negative", action="store_true", help="allow a - b with b > a")
    parser.add_argument("--word_problems", action="store_true", help="tell each sum as a one-line story")
    parser.add_argument("--slip_rate", type=float, default=0.0,
                        help="fraction of solutions worked with the other operation (wrong answers; same problems)")
    args = parser.parse_args(argv)
    rows = generate(args.num_rows, args.seed, max_operand=args.max_operand, ops=args.ops,
                    allow_negative=args.allow_negative, word_problems=args.word_problems,
                    slip_rate=args.slip_rate)
    path = write_jsonl(rows, args.output)
    print(f"wrote {len(rows)} synthetic arithmetic rows to {path}")


if __name__ == "__main__":
    run_cli(main)
