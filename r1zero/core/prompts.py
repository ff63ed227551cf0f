"""Prompt templates, defined once for every stage: the registry ``TEMPLATES`` and the r1_zero helpers.

A template is a name, the prompt text, how generation stops and how the answer is read back:

- ``r1_zero`` (the project's template; Oat-Zero calls it ``r1``): the prompt ends with ``Assistant: <think>``
  so the model continues its reasoning and closes it with ``</think> <answer> ... </answer>``. Generation
  stops at ``</answer>`` (kept). Format rule: the response contains ``</think> <answer>`` and ``</answer>``
  (the exact CS336 / Dr. GRPO string test); the answer is what the last ``<answer>`` block states (its
  boxes, or its stating sentences: ``r1zero.grading._claims``). Preflight (step3) checks that this template and
  the reward agree.
- ``boxed`` (Oat-Zero's and Qwen2.5-Math's ``qwen_math``): a ChatML prompt whose system turn asks for the
  final answer in ``\\boxed{}``. Generation ends at the model's end-of-turn (``<|im_end|>``) or EOS. Format
  rule: the response contains a closed ``\\boxed{...}``; every box of the response is a candidate answer.

- ``chat_r1_zero`` and ``chat_boxed``: the model's own chat template (``r1zero.core.chat`` renders it, with the
  answer rule's instruction as the default system prompt). Generation ends at the end of the assistant turn
  (``END_OF_TURN_TOKENS``) or EOS, and ``chat_r1_zero``'s also at ``</answer>``. Format and answer as ``r1_zero``'s, or as ``boxed``'s read after a thinking
  model's ``<think> ... </think>`` block.

``format_ok``, ``region`` and ``scope`` of a template are what ``r1zero.grading.grader`` grades with, and
``format_rule`` is written into every eval contract, because base-model numbers depend on the template.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from r1zero.core.errors import UserError
from r1zero.core.latex import all_boxed, last_boxed

# The instructions of the two answer rules: the raw templates embed them, the chat templates send them as the
# system turn (unless the config gives another system prompt).
R1_ZERO_INSTRUCTION = (
    "A conversation between User and Assistant. The User asks a question, and the Assistant solves it. "
    "The Assistant first thinks about the reasoning process in the mind and then provides the User with "
    "the answer. The reasoning process is enclosed within <think> </think> and answer is enclosed within "
    "<answer> </answer> tags, respectively, i.e., <think> reasoning process here </think> "
    "<answer> answer here </answer>."
)
BOXED_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."
R1_ZERO_TEMPLATE = R1_ZERO_INSTRUCTION + "\nUser: {question}\nAssistant: <think>"
BOXED_TEMPLATE = (
    "<|im_start|>system\n" + BOXED_INSTRUCTION.replace("{}", "{{}}") + "<|im_end|>\n"
    "<|im_start|>user\n{question}<|im_end|>\n<|im_start|>assistant\n"
)
# Tokens that end an assistant turn in the common chat templates (ChatML, Llama 3, Gemma, Phi): a chat
# template's generation stops at the one its tokenizer has, or at EOS.
END_OF_TURN_TOKENS = ("<|im_end|>", "<|eot_id|>", "<end_of_turn>", "<|end|>", "<|eot|>")

THINK_OPEN = "<think>"  # r1_zero prompts end with it
THINK_CLOSE = "</think>"
ANSWER_OPEN = "<answer>"
THINK_CLOSE_ANSWER_OPEN = f"{THINK_CLOSE} {ANSWER_OPEN}"
ANSWER_CLOSE = "</answer>"

PROMPT_TEMPLATE_HASH = hashlib.sha256(R1_ZERO_TEMPLATE.encode("utf-8")).hexdigest()[:16]


def build_prompt(question: str) -> str:
    """The r1_zero prompt for one problem statement."""
    return R1_ZERO_TEMPLATE.format(question=question.strip())


def build_response(reasoning: str, answer: str) -> str:
    """A well-formed r1_zero response (what follows the prompt): reasoning, then the tagged answer."""
    return f"{reasoning.strip()} {THINK_CLOSE_ANSWER_OPEN} {answer.strip()} {ANSWER_CLOSE}"


# --- reading answers back ------------------------------------------------------------------------------

def answer_block(response: str) -> str | None:
    """The text between the last ``<answer>`` and the first ``</answer>`` after it, else None."""
    start = response.rfind(ANSWER_OPEN)
    if start < 0:
        return None
    end = response.find(ANSWER_CLOSE, start)
    return None if end < 0 else response[start + len(ANSWER_OPEN) : end]


def answer_tag_format_ok(response: str) -> bool:
    """The r1_zero format test: ``</think> <answer>`` and ``</answer>`` both present."""
    return THINK_CLOSE_ANSWER_OPEN in response and ANSWER_CLOSE in response


def answer_tag_extract(response: str) -> str | None:
    """The last ``<answer>`` block, or the last ``\\boxed{}`` inside it."""
    inside = answer_block(response)
    if inside is None:
        return None
    boxed = last_boxed(inside) if "\\boxed" in inside or "\\fbox" in inside else None
    return (boxed if boxed is not None else inside).strip()


def boxed_region(response: str) -> str | None:
    """The boxed template's answer region: the whole response, when it holds a closed box."""
    return response if all_boxed(response) else None


def boxed_format_ok(response: str) -> bool:
    """The boxed format test: a closed ``\\boxed{...}`` somewhere in the response."""
    return bool(all_boxed(response))


def after_thinking(response: str) -> str | None:
    """What a response says after its thinking block (a thinking model's ``<think> ... </think>``, ended by the
    first ``</think>``: a later one hides nothing said before it): all of it without one, None when a block opens
    and never closes (the answer was never given)."""
    end = response.find(THINK_CLOSE)
    if end >= 0:
        return response[end + len(THINK_CLOSE):]
    return None if THINK_OPEN in response else response


def chat_boxed_region(response: str) -> str | None:
    """The chat boxed rule's answer region: the response after its thinking, when that holds a closed box
    (a box inside the thinking answers nothing)."""
    tail = after_thinking(response)
    return tail if tail is not None and all_boxed(tail) else None


def chat_boxed_format_ok(response: str) -> bool:
    return chat_boxed_region(response) is not None


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    text: str                       # with one ``{question}`` field
    stop: tuple[str, ...]           # stop strings, kept in the output
    stop_tokens: tuple[str, ...]    # special tokens that also end generation, where the tokenizer has them
    format_rule: str                # written into the eval contract
    format_ok: Callable[[str], bool] = field(repr=False, compare=False)
    # Where the answer is stated (r1zero.grading._claims reads it): the text, or None when there is none, and
    # its scope: "block" (all of it is the answer) or "tail" (a whole response: its boxes and last sentence).
    region: Callable[[str], str | None] = field(repr=False, compare=False)
    scope: str = "block"
    # A chat template is the model's own (tokenizer.apply_chat_template, r1zero.core.chat): ``text`` is then its
    # default system prompt, and ``answer_rule`` names the raw template whose answer format it asks for.
    chat: bool = False
    answer_rule: str = ""

    def build(self, question: str) -> str:
        if self.chat:
            raise UserError(f"the {self.name} template is rendered by the model's tokenizer (r1zero.core.chat)")
        return self.text.format(question=question.strip())

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:16]

    def describe(self) -> dict:
        """What an eval contract records about the template."""
        return {"name": self.name, "hash": self.hash, "stop": list(self.stop), "stop_tokens": list(self.stop_tokens),
                "format_rule": self.format_rule}


R1_ZERO_RULE = ("format 1 iff the response contains '</think> <answer>' and '</answer>'; the answer is what the last "
                "<answer>...</answer> block states: its boxes, or its stating sentences (docs/grader.md)")


TEMPLATES = {
    t.name: t
    for t in (
        PromptTemplate("r1_zero", R1_ZERO_TEMPLATE, (ANSWER_CLOSE,), (), R1_ZERO_RULE,
                       answer_tag_format_ok, answer_block, "block", answer_rule="r1_zero"),
        PromptTemplate(
            "boxed", BOXED_TEMPLATE, (), ("<|im_end|>",),
            "format 1 iff the response contains a closed \\boxed{...}; every box is a candidate answer",
            boxed_format_ok, boxed_region, "tail", answer_rule="boxed"),
        # The model's chat template; generation ends at the end of the assistant turn.
        # chat_r1_zero also stops at </answer>, as r1_zero does: nothing written after the answer block (a second
        # block, a correction) can then hedge it
        PromptTemplate("chat_r1_zero", R1_ZERO_INSTRUCTION, (ANSWER_CLOSE,), END_OF_TURN_TOKENS, R1_ZERO_RULE,
                       answer_tag_format_ok, answer_block, "block", chat=True, answer_rule="r1_zero"),
        PromptTemplate(
            "chat_boxed", BOXED_INSTRUCTION, (), END_OF_TURN_TOKENS,
            "format 1 iff the response, after its thinking block (<think> ... </think>, when it has one), contains "
            "a closed \\boxed{...}; every box there is a candidate answer",
            chat_boxed_format_ok, chat_boxed_region, "tail", chat=True, answer_rule="boxed"),
    )
}
ALIASES = {"r1": "r1_zero", "qwen_math": "boxed"}  # Oat-Zero's names
ANSWER_RULES = ("r1_zero", "boxed")


def get_template(name: str) -> PromptTemplate:
    """The registered template ``name`` (or an alias); UserError listing the names otherwise."""
    template = TEMPLATES.get(ALIASES.get(name, name))
    if template is None:
        names = ", ".join([*TEMPLATES, *ALIASES])
        raise UserError(f"unknown prompt template {name!r}; choose one of {names}")
    return template
