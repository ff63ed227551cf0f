"""A stage's prompt format: a raw template of ``r1zero.core.prompts``, or the model's own chat template.

The options every stage reads (``PromptOptions``: ``template``, ``answer_rule``, ``system_prompt``,
``enable_thinking``) resolve to one ``PromptFormat``:

- ``template: r1_zero`` or ``boxed``: the raw prompt text of the registry, the same for every model;
- ``template: chat``: ``tokenizer.apply_chat_template`` of a system turn (``system_prompt``; by default the answer
  rule's instruction) and a user turn (the problem), with the generation prompt. ``answer_rule`` picks what the
  response must hold: ``r1_zero`` tags (``<think> ... </think> <answer> X </answer>``) or a ``boxed`` answer
  (after the thinking block of a thinking model). ``enable_thinking`` goes to the template (Qwen3's switch).
  Generation ends at the end of the assistant turn.

The registered template a format grades and stops with is ``format.template`` (``chat_r1_zero``, ``chat_boxed``),
so the grader and the engines take its name as they take the raw ones'. ``describe(tokenizer)`` is what the
contracts record: the registered template, the chat template's hash, the system prompt's hash, the answer rule
and the thinking switch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from r1zero.core.errors import UserError
from r1zero.core.prompts import (
    ANSWER_CLOSE,
    ANSWER_OPEN,
    ANSWER_RULES,
    END_OF_TURN_TOKENS,
    THINK_CLOSE,
    THINK_OPEN,
    PromptTemplate,
    answer_block,
    get_template,
)

SYSTEM_PROBE = "\x00system prompt probe\x00"  # a text no template writes, to see whether it keeps the system turn


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class PromptOptions:
    """The prompt options of every stage (SFT, GRPO, eval): its script arguments inherit them."""

    template: str = field(default="r1_zero", metadata={
        "help": "r1_zero | boxed (raw prompts, the same for every model) | chat (the model's own chat template, "
                "docs/chat.md)"})
    answer_rule: str | None = field(default=None, metadata={
        "help": "template chat: what the response must hold, r1_zero (<think> ... </think> <answer> X </answer>) or "
                "boxed (\\boxed{X}, after a thinking model's <think> block); default r1_zero"})
    system_prompt: str | None = field(default=None, metadata={
        "help": "template chat: the system turn (default: the answer rule's instruction; empty: no system turn)"})
    enable_thinking: bool | None = field(default=None, metadata={
        "help": "template chat: passed to the chat template (Qwen3's thinking switch); default: the template's own"})

    def prompt_format(self) -> PromptFormat:
        return PromptFormat.from_options(self.template, self.answer_rule, self.system_prompt, self.enable_thinking)


@dataclass(frozen=True)
class PromptFormat:
    template: PromptTemplate                 # the registered template: stop rule, format rule, answer region
    system_prompt: str | None = None         # chat: the system turn's text; None or "" for none
    enable_thinking: bool | None = None      # chat: the template's thinking switch; None: not passed

    @classmethod
    def from_options(cls, template: str = "r1_zero", answer_rule: str | None = None, system_prompt: str | None = None,
                     enable_thinking: bool | None = None) -> PromptFormat:
        if template != "chat":
            tpl = get_template(template)
            if tpl.chat:  # the registered chat names are chosen through template: chat
                raise UserError(f"--template {template}: write --template chat --answer_rule {tpl.answer_rule}")
            given = [f"--{name}" for name, value in (("system_prompt", system_prompt),
                                                     ("enable_thinking", enable_thinking)) if value is not None]
            if answer_rule is not None and answer_rule != tpl.answer_rule:
                given.append(f"--answer_rule {answer_rule}")
            if given:
                raise UserError(f"{', '.join(given)} need(s) --template chat; the {tpl.name} template fixes its "
                                f"prompt and answer rule")
            return cls(tpl)
        rule = answer_rule or "r1_zero"
        if rule not in ANSWER_RULES:
            raise UserError(f"--answer_rule {rule!r}: choose one of {', '.join(ANSWER_RULES)}")
        tpl = get_template(f"chat_{rule}")
        return cls(tpl, tpl.text if system_prompt is None else system_prompt, enable_thinking)

    @property
    def name(self) -> str:
        """The registered template's name: what grading, stop rules and records take."""
        return self.template.name

    @property
    def chat(self) -> bool:
        return self.template.chat

    @property
    def thinks(self) -> bool:
        """Responses reason first and close it with ``</think>`` (what a reasoning vocabulary needs)."""
        return self.template.answer_rule == "r1_zero" or bool(self.enable_thinking)

    @property
    def template_kwargs(self) -> dict:
        """Extra arguments of ``apply_chat_template`` (TRL's ``chat_template_kwargs``)."""
        return {} if self.enable_thinking is None else {"enable_thinking": self.enable_thinking}

    def messages(self, question: str) -> list[dict]:
        """The conversation a chat prompt renders (TRL's conversational prompt)."""
        system = [{"role": "system", "content": self.system_prompt}] if self.system_prompt else []
        return [*system, {"role": "user", "content": str(question).strip()}]

    def render(self, question: str, tokenizer=None) -> str:
        """The prompt text for ``question`` (a chat format needs the model's tokenizer)."""
        if not self.chat:
            return self.template.build(question)
        text = tokenizer.apply_chat_template(self.messages(question), tokenize=False, add_generation_prompt=True,
                                             **self.template_kwargs)
        # The engines tokenize this text as a plain prompt: a template that writes the BOS itself (Llama's) would
        # get a second one from a tokenizer that adds it.
        bos = tokenizer.bos_token
        if bos and text.startswith(bos) and tokenizer("a")["input_ids"][:1] == [tokenizer.bos_token_id]:
            text = text[len(bos):]
        return text

    def response(self, sft_target: str) -> str:
        """The assistant turn that answers as step 1's r1_zero target (reasoning ``</think> <answer> X </answer>``)
        does, written in this format's answer rule (SFT's completions, preflight's well-formed example)."""
        reasoning, _, rest = sft_target.partition(THINK_CLOSE)
        answer = answer_block(rest)
        if not rest or answer is None:
            raise UserError(f"an SFT target lacks `{THINK_CLOSE} {ANSWER_OPEN} ... {ANSWER_CLOSE}`: {sft_target[:80]!r}")
        reasoning, answer = reasoning.removeprefix(THINK_OPEN).strip(), answer.strip()
        if self.template.answer_rule == "r1_zero":
            return f"{THINK_OPEN} {reasoning} {THINK_CLOSE} {ANSWER_OPEN} {answer} {ANSWER_CLOSE}"
        boxed = f"The final answer is $\\boxed{{{answer}}}$."
        return f"{THINK_OPEN}\n{reasoning}\n{THINK_CLOSE}\n\n{boxed}" if self.enable_thinking else f"{reasoning}\n\n{boxed}"

    def stop_token_ids(self, tokenizer) -> list[int]:
        """Ids of this format's stop tokens the tokenizer has (a chat turn's end), EOS not included."""
        vocab = tokenizer.get_vocab()
        return [vocab[t] for t in self.template.stop_tokens if t in vocab]

    def check_tokenizer(self, tokenizer) -> str:
        """UserError in one line when this chat format cannot work with ``tokenizer``; else what was checked."""
        if not self.chat:
            return f"the {self.name} template needs no chat template"
        if not getattr(tokenizer, "chat_template", None):
            raise UserError("--template chat needs a tokenizer with a chat template, and this one has none "
                            "(a base model: use --template r1_zero or boxed)")
        if self.system_prompt:
            probe = PromptFormat(self.template, SYSTEM_PROBE, self.enable_thinking).render("1 + 1?", tokenizer)
            if SYSTEM_PROBE not in probe:
                raise UserError("this model's chat template drops the system prompt; put the instruction elsewhere "
                                "or set --system_prompt ''")
        ends = [t for t in self.template.stop_tokens if t in tokenizer.get_vocab()]
        if not ends and tokenizer.eos_token is None:
            raise UserError(f"the tokenizer has no end-of-turn token ({', '.join(END_OF_TURN_TOKENS)}) and no EOS: "
                            "generation would never stop")
        return (f"chat template {short_hash(tokenizer.chat_template)} keeps the system prompt; turns end at "
                f"{', '.join(ends) or tokenizer.eos_token}")

    def describe(self, tokenizer=None) -> dict:
        """What a contract or manifest records about the prompts."""
        out = self.template.describe()
        if self.chat:
            out.update(answer_rule=self.template.answer_rule, enable_thinking=self.enable_thinking,
                       system_prompt_hash=short_hash(self.system_prompt or ""),
                       chat_template_hash=short_hash(getattr(tokenizer, "chat_template", None) or ""))
        return out
