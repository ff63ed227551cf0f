"""The reasoning vocabulary (``reasoning_vocab_size: R``): a second copy of the token vocabulary that the model
writes its reasoning in, while the ``</think>`` tag and the answer stay in the base vocabulary.

**The copy.** V is the number of rows of the base model's input embedding matrix (``config.vocab_size``): 151,936
for Qwen2.5, whose tokenizer has only 151,665 ids (the rest are padding rows). ``expand`` appends R rows after
all V of them, row V + i a copy of row i, in the input embeddings and in the LM head when it is not tied (a tied
head is the same matrix); 0 < R <= V. V is the embedding rows rather than the tokenizer's length so that the copy
overlaps no existing row: V + i is the copy of i for every i, and nothing else moves. The users' R = 151,646 (the
Qwen2 tokenizer's length) copies every regular Qwen token and its first three special tokens. At the start the
expanded model is the base model in function: a copy's input embedding and output logit equal its original's.

**Saved with the model.** ``config.json`` holds ``reasoning_vocab_size`` (and ``vocab_size`` V + R), so a
checkpoint reloads expanded and step 4 or a resumed run needs no flag; a flag that contradicts the checkpoint is
a one-line error (``resolve_size``). R = 0 adds no key and changes nothing: no stage takes any of this path.

**Text.** Id V + i reads as the text of id i (``ReasoningVocab.decode``). The tokenizer itself is unchanged (it
holds one id per string, and a tokenizer subclass would be saved under a class name nothing can load), so each
place that turns generated ids into text maps them first: the transformers engine (step 4 and the in-training
eval) and the GRPO trainer (the completions its rewards grade and its logs show, and its stop cut). Graded text is
therefore exactly the text of the same tokens in base ids.

**Sampling** (``generate_kwargs``: a transformers ``LogitsProcessor`` and a stop criterion). Until the
completion's text holds ``</think>`` the model may sample: copies of tokens that have text (not copies of
special tokens, nor of padding rows, nor of ids >= R), the end tokens (EOS: a completion may end early), and
``</think>`` written in base ids (its first token; once begun, only its next one). From then on it samples only
base ids [0, V). The tag may also be written with copies (a model expanded from an SFT start in base ids
writes it either way at first); the rule switches on the text, so the answer is always in base ids. The mask
acts on sampling only: GRPO's log-probabilities come from the unmasked model, as with any constrained decoding.
Stop strings are matched on the mapped text (transformers' own stop-string check reads the tokenizer's table,
which has no row for ids >= V).

**SFT targets** (``completion_ids``): the reasoning before the first ``</think>`` in copies, then ``</think>``,
the answer and its tags in base ids, exactly what the sampling rule produces.

**vLLM** is not supported (the rule would need a vLLM V1 logits processor with per-request state inside TRL's
colocated engine, which TRL does not let us pass): ``--engine vllm`` / ``use_vllm: true`` with R > 0 is a
one-line error that names the transformers path (``--engine hf`` / ``use_vllm: false``).
"""

from __future__ import annotations

import json
from pathlib import Path

from transformers import LogitsProcessor, StoppingCriteria

from r1zero.core.errors import UserError
from r1zero.core.prompts import THINK_CLOSE

CONFIG_KEY = "reasoning_vocab_size"
VLLM_UNSUPPORTED = ("reasoning_vocab_size > 0 needs transformers' generate (vLLM does not apply the reasoning "
                    "vocabulary's sampling rule)")


# ------------------------------------------------------------------------------------------- the model

def stored_size(config) -> int:
    """R of a loaded model's config (0 when it has no reasoning vocabulary)."""
    return int(getattr(config, CONFIG_KEY, 0) or 0)


def folder_size(model: str | Path) -> int:
    """R saved with a model folder (or a hub id's cached config); 0 when it has none or cannot be read."""
    path = Path(model) / "config.json"
    if path.is_file():
        try:
            return int(json.loads(path.read_text()).get(CONFIG_KEY) or 0)
        except (OSError, ValueError, AttributeError):
            return 0
    try:
        from transformers import AutoConfig

        return stored_size(AutoConfig.from_pretrained(str(model)))
    except (OSError, ValueError):
        return 0


def resolve_size(stored: int, requested: int | None, where, *, authoritative: bool = False) -> int:
    """The R to use for a model that holds ``stored``, given the option ``requested`` (None: not given).

    A model with a reasoning vocabulary keeps it; the option may only repeat it. A model without one takes the
    option (that is how an expanded run starts), except a checkpoint being resumed (``authoritative``), whose
    0 is as binding as any other value.
    """
    if (stored or authoritative) and requested is not None and requested != stored:
        raise UserError(f"{where} was made with {CONFIG_KEY} {stored}, but --{CONFIG_KEY} {requested} was given: "
                        f"drop the option (the checkpoint's value is used) or give {stored}")
    return stored or requested or 0


def run_size(model_path: str, requested: int | None, resume: str | None) -> int:
    """The R a training run (step 2 or 3) trains with: a resumed run's checkpoint decides, else the start model
    and the option (``resolve_size``)."""
    start = folder_size(model_path)
    if resume:
        size = resolve_size(folder_size(resume), requested, resume, authoritative=True)
        if start and start != size:
            raise UserError(f"{resume} was made with {CONFIG_KEY} {size} but its start model {model_path} has "
                            f"{start}: resume with the start model it was trained from")
        return size
    return resolve_size(start, requested, model_path)


def expand(model, size: int) -> None:
    """Append ``size`` rows to the embeddings (and the untied LM head), row V + i a copy of row i; record R."""
    import torch
    from transformers.integrations import is_deepspeed_zero3_enabled

    if is_deepspeed_zero3_enabled():  # the rows are sharded: copying them would need a gather first
        raise UserError(f"adding a reasoning vocabulary under ZeRO-3 is not supported: start from a model that has "
                        f"one (step2 with --{CONFIG_KEY}), or use ZeRO-2")
    base = model.get_input_embeddings().num_embeddings
    if not 0 < size <= base:
        raise UserError(f"--{CONFIG_KEY} must be between 1 and the base vocabulary's {base} embedding rows, "
                        f"got {size}")
    model.resize_token_embeddings(base + size, mean_resizing=False)
    layers = [model.get_input_embeddings()]
    head = model.get_output_embeddings()
    if head is not None and head.weight is not layers[0].weight:  # untied: the LM head has its own rows
        layers.append(head)
    with torch.no_grad():
        for layer in layers:
            layer.weight[base:] = layer.weight[:size]
            if getattr(layer, "bias", None) is not None:
                layer.bias[base:] = layer.bias[:size]
    setattr(model.config, CONFIG_KEY, size)


def prepare(model, size: int) -> None:
    """Give ``model`` the reasoning vocabulary ``size`` decided by ``run_size`` / ``resolve_size``: expand a
    model that has none (one that has it already holds this size)."""
    if size and not stored_size(model.config):
        expand(model, size)


def planned_config(config, size: int):
    """A copy of ``config`` with the rows a run of ``size`` adds (for the memory plan); ``config`` if none."""
    if not size or stored_size(config):
        return config
    import copy

    planned = copy.deepcopy(config)
    text = planned.get_text_config() if hasattr(planned, "get_text_config") else planned
    text.vocab_size += size
    setattr(planned, CONFIG_KEY, size)
    return planned


# --------------------------------------------------------------------------------- text and sampling

class ReasoningVocab:
    """The reasoning vocabulary of one model and tokenizer: decoding, SFT targets and the sampling rule."""

    def __init__(self, tokenizer, base: int, size: int):
        self.tokenizer, self.base, self.size = tokenizer, base, size
        self.tag_ids = tokenizer(THINK_CLOSE, add_special_tokens=False)["input_ids"]
        self.copyable = min(size, len(tokenizer))  # ids below this have text, hence a usable copy...
        self.specials = frozenset(tokenizer.all_special_ids)  # ...unless they are special tokens

    @classmethod
    def of(cls, config, tokenizer) -> ReasoningVocab | None:
        """The reasoning vocabulary of a model with ``config`` (None when it has none)."""
        size = stored_size(config)
        if not size:
            return None
        text = config.get_text_config() if hasattr(config, "get_text_config") else config
        return cls(tokenizer, text.vocab_size - size, size)

    def has_copy(self, token: int) -> bool:
        return token < self.copyable and token not in self.specials

    def base_ids(self, ids) -> list[int]:
        """The ids with each reasoning id V + i replaced by i."""
        return [int(t) - self.base if t >= self.base else int(t) for t in ids]

    def decode(self, ids, skip_special_tokens: bool = True) -> str:
        """The text of ``ids``, reasoning ids read as their base ids."""
        return self.tokenizer.decode(self.base_ids(ids), skip_special_tokens=skip_special_tokens)

    def completion_ids(self, completion: str) -> list[int] | None:
        """An SFT completion in ids: the text before the first ``</think>`` in copies, the rest in base ids.
        None when it cannot be written so (no ``</think>``, or a reasoning token without a copy)."""
        at = completion.find(THINK_CLOSE)
        if at < 0:
            return None
        reasoning = self.tokenizer(completion[:at], add_special_tokens=False)["input_ids"]
        if not all(self.has_copy(t) for t in reasoning):
            return None
        rest = self.tokenizer(completion[at + len(THINK_CLOSE):], add_special_tokens=False)["input_ids"]
        return [self.base + t for t in reasoning] + self.tag_ids + rest

    def allowed_table(self, end_ids):
        """Rows of allowed ids (bool, V + R wide): row k < T (T = the tag's length) is the reasoning phase with k
        tag tokens written in base ids; row T is the answer phase."""
        import torch

        width, tags = self.base + self.size, len(self.tag_ids)
        table = torch.zeros(tags + 1, width, dtype=torch.bool)
        copies = [self.base + t for t in range(self.copyable) if t not in self.specials]
        table[0, copies] = True
        table[0, sorted(end_ids)] = True
        for k, tag in enumerate(self.tag_ids):
            table[k, tag] = True
        table[tags, :self.base] = True
        return table

    def generate_kwargs(self, prompt_len: int, end_ids, stops=()) -> dict:
        """``generate()`` arguments for prompts padded to ``prompt_len``: the sampling rule, and the stop strings
        matched on the mapped text (give them here, not as ``stop_strings``)."""
        from transformers import LogitsProcessorList, StoppingCriteriaList

        kwargs = {"logits_processor": LogitsProcessorList([ReasoningPhases(self, prompt_len, end_ids)])}
        if stops:
            kwargs["stopping_criteria"] = StoppingCriteriaList([StopOnText(self, prompt_len, stops)])
        return kwargs


class ReasoningPhases(LogitsProcessor):
    """The sampling rule (module docstring), for one ``generate()`` call: it remembers which rows have written
    ``</think>``, checking the newest few tokens' text at each step."""

    def __init__(self, vocab: ReasoningVocab, prompt_len: int, end_ids):
        self.vocab, self.prompt_len = vocab, prompt_len
        self.blocked = ~vocab.allowed_table(end_ids)  # negated once, not at every step
        self.window = len(THINK_CLOSE.encode())  # every token but a skipped special one has >= 1 byte
        self.answering = None

    def __call__(self, input_ids, scores):
        import torch

        completion = input_ids[:, self.prompt_len:]
        if self.answering is None:
            self.answering = torch.zeros(len(input_ids), dtype=torch.bool)
            self.blocked = self.blocked.to(scores.device)
        for row in (~self.answering).nonzero().flatten().tolist():
            tail = completion[row, -self.window:].tolist()
            self.answering[row] = THINK_CLOSE in self.vocab.decode(tail)
        tags = len(self.vocab.tag_ids)
        written = (completion < self.vocab.base).sum(dim=1).clamp(max=tags - 1)  # base ids: the tag's tokens
        phase = torch.where(self.answering.to(written.device), tags, written)
        return scores.masked_fill(self.blocked[phase], float("-inf"))


class StopOnText(StoppingCriteria):
    """Stop a row once the mapped text of its newest tokens holds a stop string (kept in the output)."""

    def __init__(self, vocab: ReasoningVocab, prompt_len: int, stops):
        self.vocab, self.prompt_len, self.stops = vocab, prompt_len, tuple(stops)
        self.window = max(len(s.encode()) for s in self.stops)

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        tails = input_ids[:, self.prompt_len:][:, -self.window:].tolist()
        done = [any(s in self.vocab.decode(tail) for s in self.stops) for tail in tails]
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)
