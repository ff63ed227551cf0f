"""Where an answer region states its answer: boxes and math spans, the sentences that name the answer, hedges
("12 or 7"), lists, restatements, negations and bounds (the rules are ``r1zero.grading._claims``'s module doc).

``read_block`` (an answer block) and ``read_tail`` (a whole response, the ``boxed`` template) return the texts
of the statements; ``r1zero.grading._relations.chain`` reads each into candidates.
"""

from __future__ import annotations

import bisect
import re

from r1zero.core.latex import BOX_RE, boxes
from r1zero.grading._normalize import unwrap_text
from r1zero.grading._relations import STATES_NOTHING

MAX_TAIL_CHARS = 2_000  # of a whole response (``boxed`` template), the prose read beside its last box
MAX_CANDIDATES = 16
MAX_BOX_DEPTH = 8  # a box in a box in a box...: no answer needs more, and each level is a recursion

_ALIGNED = re.compile(r"\\begin\{(align|aligned|eqnarray|gather|split|equation)\*?\}(.*?)\\end\{\1\*?\}", re.DOTALL)
_SPANS = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
# Hedge words: an answer that commits to more than one value ("could" and "might" are left out: "the
# largest number that could be ... is 19" commits to 19).
HEDGE_WORDS = re.compile(r"\b(?:or|nor|maybe|might|possibly|perhaps|probably|either|alternatively|alternately|"
                         r"alternatives?|otherwise|else|instead|although|though|unsure|uncertain|actually|unless|"
                         r"versus|vs|resp|respectively|alt|ou|oder|или|或者|或|か|ή|lub|veya|eller|atau|xor|whichever|"
                         r"through|thru|until|till|likely|guess|backup)\b", re.IGNORECASE)  # a range ("A through E") too
# Lists: after the copula of a stating sentence, or inside a box, these join several answers
_LIST_WORDS = re.compile(r"\band\b|;|\\lor(?![A-Za-z])|\\vee(?![A-Za-z])|\\wedge(?![A-Za-z])", re.IGNORECASE)
_UNIT_SPLIT = re.compile(rf"{HEDGE_WORDS.pattern}|{_LIST_WORDS.pattern}", re.IGNORECASE)
# A statement that commits to no value: a negation or a bound
_NEGATION = re.compile(
    r"\b(?:not|isn't|aren't|wrong|incorrect|never|but|except|anything|at least|at most|more than|less than|"
    r"greater than|fewer than|or more|or less|or fewer|up to|no more than|no less than|or above|or below|"
    r"or higher|or lower|or over|or under|and up|and above|and below|and over|and higher|lower bound|"
    r"upper bound|bounded by|just under|just over|just below|just above|almost|nearly|exceeds?)\b|"
    r"\\not(?![A-Za-z])|\u0338",
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
_BETWEEN_HOLES = re.compile(r"(?:[\s,]|\\q?quad(?![A-Za-z])|\\[,;:! ]|~)*")  # commas and spacing only


def read_block(text: str) -> list[str]:
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


def read_tail(text: str) -> list[str]:
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



def _prepare(s: str) -> str:
    """Text ready to split into sentences: ``\\text{}`` unwrapped, "i.e." read as "that is", aligned
    equations joined into one line (their ``&`` and ``\\\\`` are layout)."""
    s = _ALIGNED.sub(lambda m: m.group(2).replace("&", " ").replace("\\\\", " "), s)
    return _RESTATE.sub(" that is ", unwrap_text(_CHAT_TOKENS.sub(". ", s)))


def unit_items(unit: str, depth: int = 0) -> list[str]:
    """A box's or span's content: itself, or its items when it lists or hedges (``12 \\text{ or } 7``,
    ``x = 2 \\text{ and } x = 3``); a box inside a box is an item of its own (``\\boxed{\\boxed{42} 43}``).
    Boxes nested deeper than ``MAX_BOX_DEPTH`` are read as the text they are, which equals no answer."""
    if BOX_RE.search(unit) and depth < MAX_BOX_DEPTH:
        inner, skeleton = _boxes(unit)
        rest = [r for sentence in _sentences(_prepare(_HOLE.sub(" , ", skeleton))) for _, r in _runs(sentence)]
        return [i for u in inner for i in unit_items(u, depth + 1)] + rest
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

