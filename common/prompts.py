"""The r1_zero prompt template, defined once for every stage.

The prompt ends with ``Assistant: <think>`` so the model continues its reasoning and closes it with
``</think> <answer> ... </answer>``. ``format_reward`` in ``common.grading`` checks exactly those tags,
and preflight (step3) checks that this template and the reward agree.
"""

import hashlib

R1_ZERO_TEMPLATE = (
    "A conversation between User and Assistant. The User asks a question, and the Assistant solves it. "
    "The Assistant first thinks about the reasoning process in the mind and then provides the User with "
    "the answer. The reasoning process is enclosed within <think> </think> and answer is enclosed within "
    "<answer> </answer> tags, respectively, i.e., <think> reasoning process here </think> "
    "<answer> answer here </answer>.\n"
    "User: {question}\n"
    "Assistant: <think>"
)

THINK_CLOSE_ANSWER_OPEN = "</think> <answer>"
ANSWER_OPEN = "<answer>"
ANSWER_CLOSE = "</answer>"

PROMPT_TEMPLATE_HASH = hashlib.sha256(R1_ZERO_TEMPLATE.encode("utf-8")).hexdigest()[:16]


def build_prompt(question: str) -> str:
    """The r1_zero prompt for one problem statement."""
    return R1_ZERO_TEMPLATE.format(question=question.strip())


def build_response(reasoning: str, answer: str) -> str:
    """A well-formed r1_zero response (what follows the prompt): reasoning, then the tagged answer."""
    return f"{reasoning.strip()} {THINK_CLOSE_ANSWER_OPEN} {answer.strip()} {ANSWER_CLOSE}"
