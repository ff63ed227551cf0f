"""What an answer states: its candidate final answers, the relations it claims and the hedges around them.

The policy is an adversary of its reward, so the grader first reads an answer as a strict reader would, and
only then compares (docs/grader.md, "One final answer"). A reading is deterministic: it never tries several
readings and keeps the one that matches, which is what a hedge ("12 or 7") exploits.

- **Boxes** are answers: every box of the answer region is a candidate, with the math around it
  (``x = \\boxed{5}``, ``43 = \\boxed{42}``).
- **Statements.** Without boxes, the answer is stated by the sentences that name it ("the answer",
  "result", "solution", "final", "therefore", "thus", "hence", "that is"/"i.e."), or else by the last
  sentence: each states the value after its last "is", "are", "equals", "=" or ": " ("the sum of the first
  $10$ terms is $55$" states 55), or, without one, its last value. Beside boxes, such a sentence that states
  another value ("the answer is 7. \\boxed{12}") adds a candidate.
- **Hedges.** A hedge word ("or", "maybe", "possibly", "perhaps", ...) in a stating sentence (or beside a
  box) makes every value of that sentence a candidate; inside a box or span, "or" and "and" list items.
- **Relations.** A candidate ``x = 2 + 3 = 5`` is a chain. A leading name (``x``, ``a_n``, ``f(3)``, ``AB``)
  is a label; the last value is the answer; every other *constant* must equal it (``43 = 42`` is false,
  so wrong; an expression in variables, ``x - p = 2 - 2p``, names a quantity and is not checked). A value
  after ``\\approx`` only has to round to the answer (``\\sqrt{3} \\approx 1.732``; ``7 \\approx 42`` is
  false). An inequality (``x > 41``) states no value: it only answers a gold that is itself a relation.
- **Plus-minus.** ``\\pm 42`` is two answers, 42 and -42.
- **Negations and bounds** ("not 42", "42 or more", "at least 42") state nothing.

``r1zero.grading.grader`` then requires every candidate to equal a gold with one answer (so two *different*
candidates score 0, and the same value twice is one answer), or the candidates to be exactly the answers of
a gold with several. All work is linear in the text, with at most ``MAX_CANDIDATES`` candidates.
``read_answer(region, scope)`` returns the ``Reading``; ``signals`` turns one into the reward-hacking
monitor's flags (several candidates, a relation as the answer, a cover-all answer, the answer's length).
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from dataclasses import dataclass

from r1zero.core.latex import BOX_RE, boxes
from r1zero.grading._collections import collection_items
from r1zero.grading._normalize import light_clean, normalize, strip_delimiters, strip_emphasis
from r1zero.grading._numbers import has_free_variable

MAX_REGION_CHARS = 10_000  # a longer answer block is one candidate (and wrong: r1zero.grading.grader)
MAX_TAIL_CHARS = 2_000  # of a whole response (``boxed`` template), the prose read beside its last box
MAX_CANDIDATES = 16
MAX_PLUS_MINUS = 2  # a value with more \pm signs is not expanded (2^k answers): it stays one candidate
MAX_CHAIN = 64  # a relation chain with more operators states nothing (honest chains are short; long ones cost)
STATES_NOTHING = "\x01"  # a statement that commits to no value: a negation, a bound ("at least 42")

# prose in math; a unit's exponent stays on it (\text{ in}^2)
_TEXT_WRAPPERS = re.compile(r"\\(?:text|textbf|textit|textrm|mbox|textnormal)\s*\{([^{}]*)\}(\^\{?-?\d+\}?)?")
_ALIGNED = re.compile(r"\\begin\{(align|aligned|eqnarray|gather|split|equation)\*?\}(.*?)\\end\{\1\*?\}", re.DOTALL)
_SPANS = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
# Hedge words: an answer that commits to more than one value ("could" and "might" are left out: "the
# largest number that could be ... is 19" commits to 19).
HEDGE_WORDS = re.compile(r"\b(?:or|nor|maybe|might|possibly|perhaps|probably|either|alternatively|alternately|"
                         r"alternatives?|otherwise|else|instead|although|though|unsure|uncertain|actually|unless|"
                         r"versus|vs|resp|respectively|alt|ou)\b", re.IGNORECASE)
# Lists: after the copula of a stating sentence, or inside a box, these join several answers
_LIST_WORDS = re.compile(r"\band\b|;|\\lor(?![A-Za-z])|\\vee(?![A-Za-z])|\\wedge(?![A-Za-z])", re.IGNORECASE)
_UNIT_SPLIT = re.compile(rf"{HEDGE_WORDS.pattern}|{_LIST_WORDS.pattern}", re.IGNORECASE)
# A statement that commits to no value: a negation or a bound
_NEGATION = re.compile(
    r"\b(?:not|isn't|aren't|wrong|incorrect|never|but|except|anything|at least|at most|more than|less than|"
    r"greater than|fewer than|or more|or less|or fewer|up to|no more than|no less than)\b|\\not(?![A-Za-z])|\u0338",
    re.IGNORECASE)
_COPULA = re.compile(r"\b(?:is|are|was|were|equals?|be|gives|yields)\b|'s\b|=|:(?=\s)", re.IGNORECASE)
_STATES_ANSWER = re.compile(r"\b(?:answer|final|that is)\b", re.IGNORECASE)  # not "thus": reasoning says it too
_RESTATE = re.compile(r"\b(?:i\.\s?e|ie)\.?(?=[\s,:]|$)", re.IGNORECASE)  # "i.e." restates: "that is"
_RESTATEMENT = re.compile(r"^[\s,;:]*(?:that is|namely|which is|in other words)\b[\s,:]*", re.IGNORECASE)
_CHAT_TOKENS = re.compile(r"<\|[A-Za-z_]+\|>(?:user|assistant|system)?")  # <|im_start|>user: not the answer
# A full stop (also before a closing "$"), but not a decimal point; "!" and "?" after a word (5! is a
# factorial); a new line. (";" joins a list; an implication is read by ``chain``.)
_SENTENCE_END = re.compile(r"(?<=[^\d.\\])\.(?=[$)\]]*(?:\s|$))|(?<=\d)\.(?=[$)\]]*(?:\s+[^\s\d+\-*/=^(]|$))"
                           r"|(?<=[A-Za-z]{2})[!?](?=\s|$)|\n")
# Words that are math, not prose: function names, constants, environments (plain-text answers: sqrt(2)/2)
_MATH_WORDS = (r"sqrt|pi|sin|cos|tan|cot|sec|csc|arcsin|arccos|arctan|asin|acos|atan|sinh|cosh|tanh|log|ln|lg|"
               r"exp|abs|gcd|lcm|mod|max|min|det|oo|inf|infty|[A-Z]{2,5}")  # ABC, AB: points and segments
# A prose word: two or more letters not glued to a digit or a backslash (a unit's exponent or "/s" belongs
# to it: cm^2, m/s); also the article "a".
_WORD = (rf"(?<![\\A-Za-z0-9])(?!(?:{_MATH_WORDS})(?![A-Za-z]))[A-Za-z]{{2,}}(?:'s)?(?:\^\{{?-?\d+\}}?)?"
         r"(?:/[A-Za-z]+(?:\^\{?-?\d+\}?)?)*(?![A-Za-z0-9])|(?<![\\A-Za-z0-9])(?:a|I)(?=\s+[a-z]{2})")  # a, I
_MATH_CHARS = r"0-9+\-*/^_=<>()\[\]{}|!,.:;~&'≤≥≠≈±∓√π·×÷−²³°%∞"  # anything else (€, quotes, $) separates
_TOKEN = re.compile(rf"(?P<math_name>\\(?:mathrm|mathbf|mathit|operatorname|begin|end)\s*\{{[^{{}}]*\}})|(?P<word>{_WORD})"
                    rf"|(?P<hole>\x00\d+\x00)|(?P<math>\\[A-Za-z]+|\\.|[A-Za-z]+|[{_MATH_CHARS}])|(?P<gap>[^\s])")
# Two-letter words that make a text prose (other two-letter runs are math: dx, xy, cm)
_ENGLISH_PAIRS = {"is", "of", "so", "an", "as", "at", "be", "by", "if", "in", "it", "no", "on", "or", "to",
                  "we", "us", "do", "he", "me", "my", "am", "up"}
_HOLE = re.compile(r"\x00(\d+)\x00")
_DIGIT = re.compile(r"(?![0-9])\d")  # a decimal digit of another script (４２, ٤٢)
_PLAIN_NUMBER = re.compile(r"[-+]?\d{1,3}(?:,\d{3})*(?:\.\d+)?|[-+]?\d+(?:\.\d+)?")
_BETWEEN_HOLES = re.compile(r"(?:[\s,]|\\q?quad(?![A-Za-z])|\\[,;:! ]|~)*")  # commas and spacing only

_REL_OP = re.compile(
    r"\\not\s*(?:=|\\[A-Za-z]+)|\\(?:approx|simeq|neq|ne|leqslant|geqslant|leq|le|geq|ge|lt|gt|in|notin|equiv|subseteq|subset|supset)"
    r"(?![A-Za-z])|<=|>=|!=|:=|==|[=<>≤≥≠≈]")
_EQ_OPS = frozenset({"=", ":=", "=="})
_IMPLIES = re.compile(r"\\(?:Rightarrow|Longrightarrow|implies|iff|Leftrightarrow|Longleftrightarrow|therefore|"
                      r"rightarrow|longrightarrow|to)(?![A-Za-z])|⇒|→|⟹")
# Where "x = 43, x = 42" starts its second statement: a separator, then a name and "="
_NEXT_STATEMENT = re.compile(r"(?:,|;|\\q?quad(?![A-Za-z])|\\lor(?![A-Za-z])|\\vee(?![A-Za-z])|\s)\s*"
                             r"(?=(?:[A-Za-z](?:_\{?\w+\}?)?|\\[A-Za-z]+)\s*=(?!=))")
_APPROX_OPS = frozenset({"\\approx", "\\simeq", "≈"})
_MODULUS = re.compile(r"\(?\s*\\(?:pmod|bmod|mod)\s*\{?[^{}()]*\}?\s*\)?|\(\s*\\text\{\s*mod\s*\}[^()]*\)")
_PLUS_MINUS = re.compile(r"\\(?:pm|mp)(?![A-Za-z])|±|∓")
_LABEL = re.compile(
    r"^(?:\\?[A-Za-z]+(?:_\{?[A-Za-z0-9,+\-]+\}?|\^\{?\\prime\}?|')*"        # x, x_1, a_{n+1}, \theta, f', AB
    r"|[A-Za-z]+\([^()]*\)"                                                    # f(x), f(3), P(A)
    r"|(?:m\s*)?\\(?:angle|measuredangle|triangle|overline|widehat|overarc)\s*\{?[A-Za-z]+\}?"  # \angle ABC
    r"|\((?:[A-Za-z](?:_\w)?\s*,\s*)+[A-Za-z](?:_\w)?\)"                     # (x, y)
    r"|[A-Za-z][A-Za-z ]*[A-Za-z])$")                                          # words: total cost
_NOT_LABELS = re.compile(r"^\\(?:pi|infty|emptyset|varnothing)$|^[eE]$")
_COVER_ALL = re.compile(
    r"\\mathbb\s*\{?[RZCNQ]\}?|\(\s*-\s*\\infty\s*,\s*\+?\s*\\infty\s*\)|\\emptyset|\\varnothing"
    r"|\b(?:any|all|every|arbitrary|infinitely|whatever|none)\b|^(?![A-E]$)[a-zA-Z]$", re.IGNORECASE)


@dataclass(frozen=True)
class Candidate:
    """One answer a response states: its ``text`` as written, the ``final`` value it commits to, and the
    ``checks`` its relation makes (``(value, "=")``: equals ``final``; ``(value, "≈")``: rounds to it)."""

    text: str
    final: str
    checks: tuple[tuple[str, str], ...] = ()
    relation: str = ""  # "" (a value), "equation", "approx", "membership" or "inequality"


@dataclass(frozen=True)
class Reading:
    """What an answer region states."""

    candidates: tuple[Candidate, ...]
    length: int  # characters of the answer region

    @property
    def finals(self) -> list[str]:
        """The different values the candidates commit to, each as first written: the same value written twice
        (``12 $`` and ``12``: equal after normalisation) is one answer."""
        distinct: dict[str, str] = {}
        for c in self.candidates:
            distinct.setdefault(normalize(c.final) or c.final, c.final)
        return list(distinct.values())

    @property
    def several(self) -> bool:
        """More than one different candidate."""
        return len(self.finals) > 1

    @property
    def relation(self) -> bool:
        """An answer that is a relation beyond ``name = value``: a chain of values, an approximation or an
        inequality."""
        return any(c.checks or c.relation in ("inequality", "approx") for c in self.candidates)

    @property
    def cover_all(self) -> bool:
        """An answer that covers everything or commits to nothing: a bare variable, ``\\mathbb{R}``,
        ``(-\\infty, \\infty)``, ``\\pm``, an inequality, "any real number", an empty answer."""
        return not self.candidates or any(
            c.relation == "inequality" or _PLUS_MINUS.search(c.text) or not c.final.strip()
            or _COVER_ALL.search(light_clean(unwrap_text(c.final))) is not None for c in self.candidates)


SIGNALS = ("several_answers", "relation_answer", "cover_all_answer", "answer_chars")  # the monitor's keys


def signals(reading: Reading | None) -> dict:
    """The reward-hacking monitor's flags for one response (``None``: no answer region), keyed by ``SIGNALS``."""
    if reading is None:
        return dict(zip(SIGNALS, (False, False, False, 0), strict=True))
    return dict(zip(SIGNALS, (reading.several, reading.relation, reading.cover_all, reading.length), strict=True))


# --- reading a region ------------------------------------------------------------------------------------


def read_answer(region: str, scope: str = "block") -> Reading:
    """The candidates ``region`` states. ``scope``: ``"block"`` for an answer block (all of it is the answer)
    or ``"tail"`` for a whole response (the ``boxed`` template: every box, and what is said in the last box's
    sentence and after it; the reasoning before is not the answer)."""
    text = strip_emphasis(_DIGIT.sub(lambda m: str(int(m.group())), region.strip()))  # ４２ and ٤٢ are 42
    if _PLAIN_NUMBER.fullmatch(text):  # the common case ("42", "-3.5", "1,000"): one candidate, nothing to read
        return Reading((Candidate(text, text),), len(region))
    if scope == "tail":
        texts = _read_tail(text)
    elif len(text) > MAX_REGION_CHARS:
        texts = [text]
    else:
        texts = _read_block(text)
    candidates: list[Candidate] = []
    for t in texts:
        for c in chain(t):
            if c not in candidates:
                candidates.append(c)
    return Reading(tuple(candidates[:MAX_CANDIDATES]), len(region))


def _read_block(text: str) -> list[str]:
    units, skeleton = _units(text)
    sentences = _sentences(_prepare(skeleton))
    options = [unit_items(u) for u in units]
    statements = _beside_boxes(sentences) if BOX_RE.search(text) else _stated(sentences)
    return _fill(statements, options) or [o for unit in options for o in unit] or [_prepare(text).strip()]


def _beside_boxes(sentences: list[str], tail: bool = False) -> list[str]:
    """Every box with the math around it. A sentence holding a box, naming the answer or coming after the
    last box adds its values when it hedges ("\\boxed{12}, or possibly 7") and a statement of nothing when it
    negates or bounds ("\\boxed{42} but the answer is 43"); a restatement right after a box adds its value
    ("\\boxed{12}, i.e. 7"), and so does a sentence naming the answer ("the answer is 7. \\boxed{12}").
    ``tail``: only the boxes' own sentences and what follows them count as prose (a whole response)."""
    statements = []
    last_box = max((i for i, s in enumerate(sentences) if "\x00" in s), default=-1)
    for i, sentence in enumerate(sentences):
        runs = _runs(sentence)
        boxed = [r for _, r in runs if "\x00" in r]
        statements += [s for r in boxed for s in _split_holes(r)]
        names = _STATES_ANSWER.search(sentence) is not None
        if not (boxed or i > last_box or (names and not tail)):
            continue
        after = sentence[sentence.rfind("\x00") + 1:] if boxed else sentence
        if _NEGATION.search(after):  # "\boxed{42} but the answer is 43", "\boxed{42} or more"
            statements.append(STATES_NOTHING)
        elif HEDGE_WORDS.search(sentence):  # "\boxed{5}. Actually, 7."
            statements += [r for _, r in runs if "\x00" not in r]
        elif boxed:
            restated = _RESTATEMENT.match(after)
            if restated or _STATES_ANSWER.search(after):  # "\boxed{42} and the answer is 43"
                value = _stated_value(after[restated.end():] if restated else after)
                if value and "\x00" not in value:
                    statements.append(value)
        elif names and runs:
            statements.append(_stated_value(sentence))
    return statements


def _stated(sentences: list[str]) -> list[str]:
    """Without boxes: the sentences naming the answer, else the last sentence with a value; each states one
    value, all of its values when it hedges or lists them, or nothing when it negates or bounds. A hedging
    sentence after them adds its values ("The answer is 42. Or 43."), and the statement before it too."""
    with_runs = [(k, s) for k, s in enumerate(sentences) if _runs(s)]
    stating = [(k, s) for k, s in with_runs if _STATES_ANSWER.search(s)] or _last_block(with_runs)
    ks = {k for k, _ in stating}  # a hedge beside or after a statement is part of it ("43 resp. 42")
    stating += [(k, s) for k, s in with_runs if k not in ks and HEDGE_WORDS.search(s)
                and (k > max(ks, default=-1) or k + 1 in ks)]
    stating.sort()
    statements = []
    for k, sentence in stating:
        if HEDGE_WORDS.search(sentence) and not _NEGATION.search(sentence):
            statements += [s for _, r in _runs(sentence) for s in _split_holes(r)]
            before = [s for j, s in with_runs if j < k][-1:]  # "It is $5601$. It might be $5600$."
            statements += [v for s in before for v in _statement(s)]
        else:
            statements += _statement(sentence)
    return statements


def _last_block(with_runs: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The last sentence with a value; when it is bare math, with the bare-math lines right before it ("43" and
    "42" on two lines state two answers)."""
    block = with_runs[-1:]
    while block and not _has_prose(block[-1][1]):
        earlier = [(k, s) for k, s in with_runs if k == block[0][0] - 1]
        if not earlier or _has_prose(earlier[0][1]):
            break
        block = earlier + block
    return block


def _statement(sentence: str) -> list[str]:
    """What one sentence states: nothing when it negates or bounds; every value after its copula when they
    are a list ("the solutions are 1 and 3"); else one value, as a relation when the sentence is only a value,
    a copula and a value ("2+2 is 5")."""
    runs = _runs(sentence)
    copula = _last_copula(sentence, runs)
    stated = sentence[copula.end():] if copula else sentence
    if _NEGATION.search(stated):  # "the answer is not 42", "42 or more"; not "it is not 10 but 1,000.99"
        return [STATES_NOTHING]
    if _LIST_WORDS.search(stated):
        return [s for _, r in _runs(stated) for s in _split_holes(r)]
    value = _stated_value(stated)
    if copula and value:
        before = _runs(sentence[:copula.start()])
        if len(before) == 1 and not _has_prose(re.sub(r"\bthat\s*$", "", sentence[:copula.start()])):
            value = f"{before[0][1]} = {value}"  # "2+2 is 5" claims 2+2 = 5
    return _split_holes(value) if value else []


def _stated_value(text: str) -> str:
    """The run a text states: the first after its last copula, else its last run ("" without one)."""
    runs = _runs(text)
    if not runs:
        return ""
    copula = _last_copula(text, runs)
    after = [r for at, r in runs if copula is not None and at >= copula.end()]
    values = [r for _, r in runs if not _UNIT_RUN.fullmatch(r)] or [runs[-1][1]]  # "3 \times 10^8 erg s^{-1}"
    return after[0] if after else values[-1]


def _read_tail(text: str) -> list[str]:
    """A whole response: every box is a candidate, each item of a box that lists; in the last box's sentence
    and after it, prose adds candidates as beside boxes in an answer block."""
    units, skeleton = _boxes(text)
    if not units:
        return []
    last = skeleton.rfind("\x00", 0, skeleton.rfind("\x00"))  # where the last hole starts
    tail = _prepare(skeleton[_sentence_start(skeleton, last):][:MAX_TAIL_CHARS])
    statements = _beside_boxes(_sentences(tail), tail=True)
    return [o for unit in units for o in unit_items(unit)] + [s for s in statements if not _HOLE.search(s)]


def _units(text: str) -> tuple[list[str], str]:
    """The math units of ``text`` (box contents, else ``$...$``-style spans) and the text with each replaced
    by a hole ``\\x00i\\x00``."""
    text = text.replace("\x00", "")
    if BOX_RE.search(text):
        return _boxes(text)
    units: list[str] = []

    def hole(m: re.Match) -> str:
        units.append(next(g for g in m.groups() if g is not None))
        end = ". " if units[-1].rstrip().endswith(".") else " "  # "$$ ... = 2.$$ Therefore": a sentence ends
        return f" \x00{len(units) - 1}\x00{end}"

    return units, _SPANS.sub(hole, text)


def _boxes(text: str) -> tuple[list[str], str]:
    """Box contents in order (an unclosed last box takes the rest of the text: a truncated box still holds
    the model's answer) and the text with holes where they were."""
    units, parts, at = [], [], 0
    for start, end, content, _ in boxes(text):
        parts.append(f"{text[at:start]} \x00{len(units)}\x00 ")
        units.append(content)
        at = end
    parts.append(text[at:])
    return units, "".join(parts)


def unwrap_text(s: str) -> str:
    """``\\text{ or }`` -> `` or ``: words inside math are still words (a unit keeps its exponent)."""
    for _ in range(3):
        s = _TEXT_WRAPPERS.sub(lambda m: f" {m.group(1)}{m.group(2) or ''} ", s)
    return s


def _prepare(s: str) -> str:
    """Text ready to split into sentences: ``\\text{}`` unwrapped, "i.e." read as "that is", aligned
    equations joined into one line (their ``&`` and ``\\\\`` are layout)."""
    s = _ALIGNED.sub(lambda m: m.group(2).replace("&", " ").replace("\\\\", " "), s)
    return _RESTATE.sub(" that is ", unwrap_text(_CHAT_TOKENS.sub(". ", s)))


def unit_items(unit: str) -> list[str]:
    """A box's or span's content: itself, or its items when it lists or hedges (``12 \\text{ or } 7``,
    ``x = 2 \\text{ and } x = 3``); a box inside a box is an item of its own (``\\boxed{\\boxed{42} 43}``)."""
    if BOX_RE.search(unit):
        inner, skeleton = _boxes(unit)
        rest = [r for sentence in _sentences(_prepare(_HOLE.sub(" , ", skeleton))) for _, r in _runs(sentence)]
        return [i for u in inner for i in unit_items(u)] + rest
    words = unwrap_text(unit)
    if not _UNIT_SPLIT.search(words):
        return [unit]
    return [p.strip(" ,") for p in _UNIT_SPLIT.split(words) if p and p.strip(" ,$")] or [unit]  # "19, 46, and 82"


def _split_holes(run: str) -> list[str]:
    """A run of several boxes or spans with only commas or spacing between (``\\boxed{11} \\boxed{13}``) is
    that many statements; a run with math between them (``3 + $4$ = $7$``) is one."""
    if len(_HOLE.findall(run)) > 1 and _BETWEEN_HOLES.fullmatch(_HOLE.sub("", run)):
        return [m.group() for m in _HOLE.finditer(run)]
    return [run]


def _fill(statements: list[str], options: list[list[str]]) -> list[str]:
    """The statements with each hole replaced by its unit's candidates (one text per combination, bounded)."""
    out = []
    for text in statements:
        texts = [text]
        for m in _HOLE.finditer(text):
            texts = [t.replace(m.group(), o, 1) for t in texts for o in options[int(m.group(1))]]
            texts = texts[:MAX_CANDIDATES]
        out += texts
    return out[:MAX_CANDIDATES * 4]


def _sentences(text: str) -> list[str]:
    parts, at = [], 0
    for m in _SENTENCE_END.finditer(text):
        parts.append(text[at:m.start()])
        at = m.end()
    parts.append(text[at:])
    return [p for p in parts if p.strip()]


def _sentence_start(text: str, at: int) -> int:
    """Where the sentence holding position ``at`` starts."""
    start = 0
    for m in _SENTENCE_END.finditer(text, 0, max(at, 0)):
        start = m.end()
    return start


def _is_prose_word(word: str) -> bool:
    return len(word) > 2 or word.lower() in _ENGLISH_PAIRS or word in ("a", "I") or bool(HEDGE_WORDS.fullmatch(word))


def _runs(sentence: str) -> list[tuple[int, str]]:
    """The math runs of a sentence with their offsets: maximal stretches of math (numbers, operators,
    commands, letters, holes) between prose words and separators (``$``, quotes, currency signs). A sentence
    without prose words is one run."""
    tokens = list(_TOKEN.finditer(sentence))
    prose = any(t.lastgroup == "word" and _is_prose_word(t.group()) for t in tokens)
    runs, start, end = [], None, 0
    for t in tokens:
        if t.lastgroup == "gap" or (prose and t.lastgroup == "word" and _is_prose_word(t.group())):
            if start is not None:
                runs.append((start, sentence[start:end]))
            start = None
        elif start is None and not (prose and _RUN_SKIP.fullmatch(t.group())) and not (
                t.group() == "." and not sentence[t.end():t.end() + 1].isdigit()):  # ".35" is a number
            start, end = t.start(), t.end()
        elif start is not None:
            end = t.end()
    if start is not None:
        runs.append((start, sentence[start:end]))
    return [(at, strip_run(r)) for at, r in runs if _HAS_VALUE.search(strip_run(r))]


_HAS_VALUE = re.compile(r"[A-Za-z0-9\x00]")  # a run of punctuation alone ("<|", "\"") states nothing
_UNIT_RUN = re.compile(r"[A-Za-z]{1,3}(?:\^\{?-?\d+\}?)?")  # "s^{-1}" after a unit word: no value of its own
_RUN_SKIP = re.compile(r"[,:;'=]")  # punctuation, or an "=" after a word (a copula: "Total = 138"), starts no run
_RUN_EDGES = re.compile(r"^(?:\s|\\[\[(]|\\q?quad(?![A-Za-z])|\\[,;:! ])+|(?:\s|\\[\])]|\\q?quad(?![A-Za-z])|\\[,;:! ]|[.,:;'])+$")


def strip_run(run: str) -> str:
    r"""A run without the punctuation, spacing and math delimiters around it (``12,`` ``12.``, ``\[ 5 \quad``,
    the ``(`` of "(12 apples)")."""
    run = _RUN_EDGES.sub("", run)
    opened = run.count("(") + run.count("[") - run.count(")") - run.count("]")  # [0,1) is balanced
    if opened > 0 and run.endswith("("):  # "42 (" of "42 (students)"
        run = run[:-1].strip()
    elif opened > 0 and run.startswith("("):
        run = run[1:].strip()
    elif opened < 0 and run.endswith(")"):
        run = run[:-1].strip()
    return run


def _has_prose(text: str) -> bool:
    return any(t.lastgroup == "word" and _is_prose_word(t.group()) for t in _TOKEN.finditer(text))


def _last_copula(sentence: str, runs: list[tuple[int, str]]) -> re.Match | None:
    """A sentence's last prose copula, after which its answer stands (an ``=`` inside a math run belongs to
    the run's relation); None without one."""
    starts = [at for at, _ in runs]
    for m in reversed(list(_COPULA.finditer(sentence))):
        k = bisect.bisect_right(starts, m.start()) - 1
        if k < 0 or m.start() >= starts[k] + len(runs[k][1]):
            return m
    return None


# --- relations ---------------------------------------------------------------------------------------------


def _top_level(s: str, pattern: re.Pattern) -> list[re.Match]:
    """The non-empty matches of ``pattern`` outside any bracket (``\\{x : x > 0\\}`` holds no relation at its
    top level)."""
    marks = {m.start(): m for m in pattern.finditer(s) if m.end() > m.start()}
    found, depth, i = [], 0, 0
    while i < len(s):
        c = s[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth = max(0, depth - 1)
        elif depth == 0 and i in marks:
            found.append(marks[i])
            i = marks[i].end()
            continue
        i += 1
    return found


def _top_level_relations(s: str) -> list[re.Match]:
    return _top_level(s, _REL_OP)


def _split_top_level(s: str, separator: re.Pattern, after_value: bool = False) -> list[str]:
    """``s`` split where ``separator`` matches outside any bracket; ``after_value``: only where the text
    before ends with a value (a digit, a letter, a closing bracket), not an operator (``x = y = 3``)."""
    parts, at = [], 0
    for m in _top_level(s, separator):
        before = s[:m.start()].rstrip()
        if not after_value or (before and (before[-1].isalnum() or before[-1] in ")]}")):
            parts.append(s[at:m.start()])
            at = m.end()
    parts.append(s[at:])
    parts = [p.strip() for p in parts]
    return [p for p in parts if p] or [s]


def is_relation(text: str) -> bool:
    """``text`` (an answer or a gold) is a relation at its top level: ``x = 3``, ``y = 2x + 3``, ``x > 1``."""
    return bool(_top_level_relations(light_clean(unwrap_text(text))))


def assignment_value(text: str) -> str | None:
    """The value of ``name = value`` or ``name \\in value`` (``x = 3``, ``x \\in [2, 5)``); None for any other
    text, such as an equation between expressions (``2x + 4y - 3 = 0``) or a chain."""
    cleaned = strip_delimiters(unwrap_text(text)).strip()
    ops = _top_level_relations(cleaned)
    if len(ops) != 1 or ops[0].group() not in _EQ_OPS | {"\\in"}:
        return None
    name, value = cleaned[:ops[0].start()].strip(), cleaned[ops[0].end():].strip()
    return value if value and is_label(name) else None


def is_label(segment: str) -> bool:
    """A name an answer assigns to (``x``, ``a_n``, ``f(3)``, ``AB``, ``\\angle ABC``, "total cost")."""
    s = segment.strip()
    return 0 < len(s) <= 40 and _LABEL.match(s) is not None and _NOT_LABELS.match(s) is None


def chain(text: str) -> list[Candidate]:
    """One candidate text read as a relation chain (see the module doc), with ``\\pm`` expanded. The values
    keep their spelling (``11,\\! 111`` is one number, ``11, 111`` two). Several statements (``x = 43, x =
    42``) are several candidates; of an implication (``\\Rightarrow``), the last statement is the answer, and
    between two values it claims they are equal (``2+2 \\Rightarrow 5`` is false)."""
    if text == STATES_NOTHING:
        return [Candidate(text, "", relation="inequality")]
    cleaned = strip_delimiters(unwrap_text(text)).strip()
    parts = _split_top_level(cleaned, _NEXT_STATEMENT, after_value=True)
    if len(parts) > 1:
        return [c for part in parts for c in chain(part)]
    steps = _split_top_level(cleaned, _IMPLIES)
    if len(steps) > 1:
        cleaned = steps[-1] if any(_top_level_relations(p) for p in steps) else " = ".join(steps)
        text = cleaned  # the statement the implication ends on is the one compared
    ops = _top_level_relations(cleaned)
    if not ops:
        return [Candidate(text.strip(), f) for f in expand_plus_minus(cleaned)]
    if len(ops) > MAX_CHAIN:
        return [Candidate(text.strip(), "", relation="inequality")]
    segments, kinds, at = [], [], 0
    for m in ops:
        segments.append(cleaned[at:m.start()].strip())
        kinds.append(m.group())
        at = m.end()
    segments.append(cleaned[at:].strip())
    if "\\in" in kinds and len(kinds) == 1 and is_label(segments[0]):
        return [Candidate(text.strip(), f, relation="membership") for f in plus_minus(segments[1])]
    if "\\equiv" in kinds and set(kinds) <= _EQ_OPS | {"\\equiv"}:
        if _MODULUS.search(segments[-1]):  # 129^{34} \equiv 9 \pmod{11}: a residue
            return [Candidate(text.strip(), _MODULUS.sub("", segments[-1]).strip(), relation="congruence")]
        kinds = ["=" for _ in kinds]  # without a modulus, \equiv claims equality: 2+2 \equiv 5 is false
    if any(k not in _EQ_OPS | _APPROX_OPS for k in kinds):
        return [Candidate(text.strip(), cleaned, relation="inequality")]
    if len(segments) == 2 and is_label(segments[1]) and not is_label(segments[0]):
        segments.reverse()  # "42 = x" states x = 42
    if is_label(segments[0]):
        segments = segments[1:]  # kinds[i] now stands before segments[i]
    else:
        kinds = ["=", *kinds]
    approximate = list(itertools.accumulate((k in _APPROX_OPS for k in kinds), operator.or_))
    exact = [s for s, a in zip(segments, approximate, strict=True) if not a]
    rounded = [s for s, a in zip(segments, approximate, strict=True) if a]
    if exact:  # the last exact value is the answer; the other constants equal it, the rounded ones round to it
        final = exact[-1]
        checks = [(s, "=") for s in exact[:-1] if not _names_a_quantity(s)] + [(s, "≈") for s in rounded]
    else:  # "x \approx 1.73": the first approximation is the answer
        final, checks = rounded[0], [(s, "≈") for s in rounded[1:]]
    if not final or any(not s for s, _ in checks):
        return [Candidate(text.strip(), "", relation="inequality")]  # "x =": states nothing
    relation = "approx" if rounded else "equation"
    return [Candidate(text.strip(), f, tuple(checks), relation) for f in expand_plus_minus(final)]


def _names_a_quantity(segment: str) -> bool:
    """An expression in variables (``x - p``, ``f(-2)+f(-1)``) names the quantity a chain computes: only
    constants are checked against the answer."""
    return has_free_variable(normalize(segment) or segment)


def expand_plus_minus(value: str) -> list[str]:
    """``plus_minus``, item by item in a set or bare list (``\\{1 \\pm \\sqrt{5}, -2\\}`` is one list of three)."""
    items = collection_items(value)
    if items and any(_PLUS_MINUS.search(i) for i in items):
        return [", ".join(e for i in items for e in plus_minus(i.strip()))]
    return plus_minus(value)


def plus_minus(value: str) -> list[str]:
    """``a \\pm b`` is the two answers ``a + b`` and ``a - b`` (``\\mp`` the other way round); at most
    ``MAX_PLUS_MINUS`` signs are expanded."""
    signs = list(_PLUS_MINUS.finditer(value))
    if not signs or len(signs) > MAX_PLUS_MINUS:
        return [value]
    out = []
    for choice in range(2 ** len(signs)):
        parts, at = [], 0
        for k, m in enumerate(signs):
            plus = not (choice >> k) & 1
            if m.group() in ("\\mp", "∓"):
                plus = not plus
            parts += [value[at:m.start()], "+" if plus else "-"]
            at = m.end()
        parts.append(value[at:])
        expanded = "".join(parts).strip()
        out.append(expanded[1:].strip() if expanded.startswith("+") else expanded)
    return list(dict.fromkeys(out))
