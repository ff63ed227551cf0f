"""TRL's own math rewards by name, beside ours: ``accuracy_reward`` and ``think_format_reward`` (``trl.rewards``).

``trl_rewards()`` returns them under TRL's names, adapted to this project's data and template; the registry
(``step3_GRPO.train.registry``) chooses them like the others (``reward_funcs: [accuracy_reward,
think_format_reward]``, the seeds' recipe 003). Our grader (``r1_zero``) stays the default. Both call TRL's
functions; what the adapters add:

- completions may be strings or conversational message lists: each becomes TRL's one-message list;
- ``accuracy_reward``: our dataset's gold column is ``answer`` (plain text such as ``42`` or ``\\frac{1}{2}``, or a
  list of accepted answers); TRL wants ``solution``, LaTeX it parses with math-verify. Each accepted answer
  goes to TRL as ``$answer$``. TRL parses the model's text in-process, so it runs in the grader's guarded
  worker processes instead (``r1zero.grading.trl_accuracy_many``: audit guard, hard time limit, a timeout or
  a refusal scoring 0). It returns None where math-verify cannot read the gold, as TRL does (GRPOTrainer
  then leaves that reward out for the example);
- ``think_format_reward`` (a regex, run here) wants the completion to open with ``<think>``; the r1_zero
  prompt already ends with it, so a prompt ending in ``<think>`` lends the tag to its completion.

docs/grader.md ("TRL's rewards") has how often each agrees with ours and where they differ.
"""

from __future__ import annotations

from collections.abc import Callable

from r1zero.core.errors import UserError
from r1zero.core.prompts import THINK_OPEN
from r1zero.grading import trl_accuracy_many
from step3_GRPO.train.completions import completion_text, named

TRL_REWARDS = ("accuracy_reward", "think_format_reward")


def _with_prompt_tag(prompt, text: str) -> str:
    """The think block as the model sees it: a string prompt's trailing ``<think>``, then the completion."""
    return THINK_OPEN + text if isinstance(prompt, str) and prompt.rstrip().endswith(THINK_OPEN) else text


def _messages(text: str) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": text}]


def trl_rewards() -> dict[str, Callable]:
    """TRL's rewards by name, with TRL's signature ``(prompts, completions, answer, **kwargs) -> list``."""

    def accuracy_reward(prompts, completions, answer=None, **kwargs) -> list[float | None]:
        if answer is None:
            raise UserError("accuracy_reward needs an `answer` column in the training dataset")
        return trl_accuracy_many([completion_text(c) for c in completions], answer)

    def think_format_reward(prompts, completions, answer=None, **kwargs) -> list[float]:
        from trl.rewards import think_format_reward as trl_think_format

        prompts = prompts if prompts is not None else [None] * len(completions)
        texts = [_with_prompt_tag(p, completion_text(c)) for p, c in zip(prompts, completions, strict=True)]
        return [float(v) for v in trl_think_format([_messages(t) for t in texts])]

    return {
        "accuracy_reward": named("accuracy_reward", accuracy_reward,
                                 "TRL's accuracy_reward (math-verify on the completion's first \\boxed{} or $...$) "
                                 "against the `answer` column, in the grader's guarded workers; None: gold unread."),
        "think_format_reward": named("think_format_reward", think_format_reward,
                                     "TRL's think_format_reward: 1 iff the text (after the prompt's `<think>`) opens "
                                     "one `<think>` block, closes it and opens no other."),
    }
