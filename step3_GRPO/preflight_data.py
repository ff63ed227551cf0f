"""Preflight's checks of the training data: the prompts follow the run's template, the rewards prefer a
well-formed completion (also after a tokenizer round trip), the tokenizer's EOS stops generation, and the gold
answers are gradable. ``step3_GRPO/preflight.py`` runs them with the layout and memory checks."""

from __future__ import annotations

from dataclasses import dataclass, field

from r1zero.core.chat import PromptFormat
from r1zero.core.errors import UserError
from r1zero.core.prompts import (
    ANSWER_CLOSE,
    THINK_CLOSE_ANSWER_OPEN,
    THINK_OPEN,
    build_prompt,
    build_response,
)
from r1zero.grading.grader import gold_answers
from r1zero.sandbox.code_grader import CODE_DATA_COLUMNS
from step3_GRPO.args import code_limits
from step3_GRPO.train.rewards_code import CODE_REWARDS

PROMPT_SAMPLE = 256


@dataclass
class PreflightReport:
    problems: list[str] = field(default_factory=list)  # any of these refuses the run
    warnings: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # what was checked, for the log
    memory_table: str | None = None

    def text(self) -> str:
        out = ["preflight:"] + [f"  ok   {line}" for line in self.lines]
        out += [f"  WARN {w}" for w in self.warnings] + [f"  FAIL {p}" for p in self.problems]
        if self.memory_table:
            out += ["memory plan (per GPU):", self.memory_table]
        return "\n".join(out)


def _rewards(funcs, prompts, completions, answers, columns=None) -> list[list]:
    """Each reward function's values; ``columns`` are the other dataset columns TRL passes (a code set's tests)."""
    return [fn(prompts=prompts, completions=completions, answer=answers, **(columns or {})) for fn in funcs]


def _total(values: list[list], weights) -> list[float]:
    """The weighted total of per-function values, per completion."""
    return [sum(w * (v or 0.0) for v, w in zip(column, weights, strict=True)) for column in zip(*values, strict=True)]


def check_prompts(report: PreflightReport, sample, tokenizer, fmt) -> list:
    """The prompts follow ``fmt`` (step1's r1_zero text, or conversations the tokenizer's chat template can
    render); returns them as TRL passes them to the rewards."""
    if fmt.chat:
        try:
            report.lines.append(fmt.check_tokenizer(tokenizer) if tokenizer is not None else "chat prompts")
        except UserError as exc:
            report.problems.append(str(exc))
        return [fmt.messages(q) for q in sample["problem"]]
    prompts = sample["prompt"].astype(str).tolist()
    not_think = sum(not p.rstrip().endswith(THINK_OPEN) for p in prompts)
    if not_think:
        report.problems.append(f"{not_think}/{len(prompts)} prompts do not end with `{THINK_OPEN}`: the r1_zero "
                               f"reward needs the model to write `{THINK_CLOSE_ANSWER_OPEN} ... {ANSWER_CLOSE}`")
    if "problem" in sample.columns:
        off = sum(p != build_prompt(str(q)) for p, q in zip(prompts, sample["problem"], strict=True))
        if off:
            report.problems.append(f"{off}/{len(prompts)} prompts differ from r1zero.core.prompts.build_prompt(problem): "
                                   "the data was made with another template; re-run step1")
    if not report.problems:
        report.lines.append(f"{len(prompts)} prompts follow the r1_zero template and end with `{THINK_OPEN}`")
    return prompts


def check_template(report: PreflightReport, df, tokenizer, funcs, weights, model_config=None, fmt=None) -> None:
    """Template / EOS / reward agreement on a sample of the train rows."""
    fmt = fmt or PromptFormat.from_options()
    sample = df.iloc[:PROMPT_SAMPLE]
    prompts = check_prompts(report, sample, tokenizer, fmt)
    code_data = "tests" in sample.columns
    if code_data and not any(fn.__name__ in CODE_REWARDS and w > 0 for fn, w in zip(funcs, weights, strict=True)):
        report.problems.append("the data is a code dataset (it has a `tests` column) but no code reward has a "
                               f"positive weight; use reward_funcs: [mbpp] (or one of {', '.join(CODE_REWARDS)})")
    first = [next(iter(gold_answers(a)), "") for a in sample["answer"]]  # a list column: its first accepted answer
    rows = [i for i, f in enumerate(first) if f.strip()][:8]
    if not rows:
        report.problems.append("no row with a non-empty gold answer in the first rows of the train set")
        return
    p8, gold = [prompts[i] for i in rows], [sample["answer"].iloc[i] for i in rows]
    columns = {c: [sample[c].iloc[i] for i in rows] for c in CODE_DATA_COLUMNS if c in sample.columns}
    # completions as TRL passes them: text after the r1_zero prompt's `<think>`, or the assistant's message
    as_completion = (lambda t: [{"role": "assistant", "content": t}]) if fmt.chat else (lambda t: " " + t)
    well_formed = [fmt.response(build_response("Let me compute it step by step.", first[i])) if fmt.chat else
                   build_response("Let me compute it step by step.", first[i]) for i in rows]
    good = [as_completion(t) for t in well_formed]
    untagged = [as_completion(f"Let me compute it step by step. The answer is {first[i]}.") for i in rows]
    by_function = _rewards(funcs, p8, good, gold, columns)
    r_good = _total(by_function, weights)
    r_bad = _total(_rewards(funcs, p8, untagged, gold, columns), weights)
    names = ", ".join(f"{fn.__name__} x {w:g}" for fn, w in zip(funcs, weights, strict=True))
    if not all(g > b for g, b in zip(r_good, r_bad, strict=True)):
        report.problems.append(f"the rewards ({names}) do not prefer a completion well-formed for the {fmt.name} "
                               f"template ({well_formed[0][-60:]!r}, reward {min(r_good):g}) over an untagged one "
                               f"({max(r_bad):g}): template and reward disagree")
    else:
        report.lines.append(f"rewards ({names}) give a completion well-formed for the {fmt.name} template "
                            f"{min(r_good):g} and an untagged one {max(r_bad):g}")
    check_unpaid(report, funcs, weights, by_function, example=well_formed[0])
    if tokenizer is not None:
        trip = lambda text: tokenizer.decode(tokenizer(text, add_special_tokens=False)["input_ids"])  # noqa: E731
        round_trip = [[{"role": "assistant", "content": trip(t)}] if fmt.chat else trip(" " + t) for t in well_formed]
        r_trip = _total(_rewards(funcs, p8, round_trip, gold, columns), weights)
        if r_trip != r_good:
            report.problems.append(f"after a tokenizer encode/decode round trip the reward changes ({r_good[0]:g} -> "
                                   f"{r_trip[0]:g}); e.g. {round_trip[0]!r}")
        check_eos(report, tokenizer, model_config)


# Why a reward may pay nothing to a well-formed completion, where we know it
UNPAID_HINTS = {"accuracy_reward": "TRL's accuracy_reward reads a \\boxed{} or $...$ answer (or a bare LaTeX command), "
                                   "never a plain one such as `42`; ask for \\boxed{} (--template chat --answer_rule "
                                   "boxed) or add r1_zero"}


def check_unpaid(report: PreflightReport, funcs, weights, values: list[list], example="") -> None:
    """Warn about a weighted reward that pays nothing to any well-formed completion stating the gold (``values``:
    each function's rewards for them): it adds no signal where the others pay (TRL's accuracy_reward on plain
    answers)."""
    for fn, w, paid in zip(funcs, weights, values, strict=True):
        if w > 0 and not any(paid):
            hint = UNPAID_HINTS.get(fn.__name__, "check that it reads this template's answers")
            report.warnings.append(f"{fn.__name__} pays 0 to all {len(paid)} well-formed completions that state the "
                                   f"gold answer (e.g. {example.strip()!r}): {hint}")


def check_eos(report: PreflightReport, tokenizer, model_config=None) -> None:
    if tokenizer.eos_token is None:
        report.problems.append("the tokenizer has no eos_token: completions would never stop")
        return
    line = f"tokenizer EOS is {tokenizer.eos_token!r} (id {tokenizer.eos_token_id})"
    gen = getattr(model_config, "generation_eos", None) if model_config is not None else None
    if gen is not None:
        ids = [gen] if isinstance(gen, int) else list(gen)
        if tokenizer.eos_token_id not in ids:
            report.warnings.append(f"the model's generation_config stops on {ids}, not on the tokenizer's EOS "
                                   f"{tokenizer.eos_token_id}: TRL stops on the tokenizer's, step4 may not")
        else:
            line += ", and the model's generation config stops on it"
    report.lines.append(line)


def check_gold(report: PreflightReport, answers, *, max_fraction: float, tests=None, test_setup=None,
               limits=None) -> None:
    """A completion that states the gold answer must grade as correct; with ``tests`` (a code dataset), the
    reference code must pass its own tests in the sandbox."""
    golds = [gold_answers(a) for a in answers]
    empty = [i for i, g in enumerate(golds) if not g]
    keep = [i for i in range(len(golds)) if golds[i]]
    first = [golds[i][0] for i in keep]
    responses = [build_response("check", str(f)) for f in first]
    if tests is not None:
        from r1zero.sandbox.code_grader import grade_code_many

        setups = None if test_setup is None else [test_setup[i] for i in keep]
        results = grade_code_many(responses, [tests[i] for i in keep], setups=setups, limits=limits) if keep else []
        failed = [f"{str(f)[:60]}... ({r['error']})" for f, r in zip(first, results, strict=True) if r["all_passed"] < 1]
    else:
        from r1zero.grading.grader import grade_many

        results = grade_many(responses, [golds[i] for i in keep]) if keep else []
        failed = [str(f) for f, r in zip(first, results, strict=True) if r["answer_reward"] < 1]
    bad = len(failed) + len(empty)
    frac = bad / max(1, len(golds))
    msg = (f"{bad}/{len(golds)} gold answers are not gradable ({len(empty)} empty, {len(failed)} not matched by "
           f"the grader" + (f", e.g. {failed[:3]}" if failed else "") + ")")
    if frac > max_fraction:
        report.problems.append(msg + f"; over the {max_fraction:.0%} allowed (--max_ungradable_fraction)")
    elif bad:
        report.warnings.append(msg)
    else:
        report.lines.append(f"all {len(golds)} checked gold answers grade as correct")


def check_data(report: PreflightReport, script_args, df, tokenizer, funcs, weights, model_config) -> int:
    """The template and gold checks on the training data; returns its longest sampled prompt, in tokens."""
    fmt = script_args.prompt_format()
    check_template(report, df, tokenizer, funcs, weights, model_config, fmt)
    n = script_args.gold_check_samples
    checked = df if not n or n <= 0 else df.iloc[:n]
    code_columns = {c: checked[c].tolist() for c in CODE_DATA_COLUMNS if c in checked.columns}
    check_gold(report, checked["answer"], max_fraction=script_args.max_ungradable_fraction, **code_columns,
               limits=code_limits(script_args))
    sample = df.iloc[:PROMPT_SAMPLE]
    if fmt.chat and not report.problems:
        texts = [fmt.render(q, tokenizer) for q in sample["problem"]]
    else:
        texts = sample["prompt"].tolist() if not fmt.chat else [str(q) for q in sample["problem"]]
    return max(len(ids) for ids in tokenizer(texts)["input_ids"])
