"""The golds the corpus is drawn from (the benchmarks' last boxed answers), the exact value of the simple
LaTeX they are written in, and pools of golds by shape."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import sympy

from r1zero.grading.plain_math import parse_plain


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _last_boxed(text: str) -> str | None:
    i = text.rfind("\\boxed{")
    if i < 0:
        return None
    j = k = i + len("\\boxed{")
    depth = 1
    while k < len(text) and depth:
        depth += {"{": 1, "}": -1}.get(text[k], 0)
        k += 1
    return text[j : k - 1] if depth == 0 else None


def load_golds(bench: Path) -> dict[str, list[str]]:
    """Gold answer strings per benchmark, verbatim except: surrounding ``$`` of OlympiadBench stripped,
    AMC23 floats written as integers, GSM8K's text after ``####``."""
    golds: dict[str, list[str]] = {}
    golds["math500"] = [r["answer"] for r in _read(bench / "math500.jsonl")]
    golds["aime24"] = [str(r["answer"]) for r in _read(bench / "aime24.jsonl")]
    golds["amc23"] = [str(int(float(r["answer"]))) for r in _read(bench / "amc23.jsonl")]
    golds["gsm8k"] = [r["answer"].split("####")[-1].strip() for r in _read(bench / "gsm8k.jsonl")]
    golds["minerva"] = [b for r in _read(bench / "minerva_math.jsonl") if (b := _last_boxed(r["solution"]))]
    oly = []
    for r in _read(bench / "olympiadbench.jsonl"):
        if not r.get("is_multiple_answer") and len(r["final_answer"]) == 1:
            oly.append(r["final_answer"][0].strip().strip("$").strip())
    golds["olympiad"] = oly
    return golds


# --- exact values of simple LaTeX (only the shapes drawn below) -------------------------------------------


def _arg(s: str, i: int) -> tuple[str, int]:
    """The LaTeX argument starting at s[i] (a braced group or one character) and the index after it."""
    while i < len(s) and s[i] == " ":
        i += 1
    if s[i] != "{":
        return s[i], i + 1
    depth, j = 0, i
    while True:
        depth += {"{": 1, "}": -1}.get(s[j], 0)
        j += 1
        if depth == 0:
            return s[i + 1 : j - 1], j


def _to_py(s: str) -> str:
    out, i = [], 0
    while i < len(s):
        if s.startswith("\\frac", i):
            a, i = _arg(s, i + 5)
            b, i = _arg(s, i)
            out.append(f"(({_to_py(a)})/({_to_py(b)}))")
        elif s.startswith("\\sqrt", i):
            a, i = _arg(s, i + 5)
            out.append(f"sqrt({_to_py(a)})")
        elif s.startswith("\\pi", i):
            out.append("pi")
            i += 3
        elif s.startswith("\\cdot", i):
            out.append("*")
            i += 5
        elif s[i] == "^":
            a, i = _arg(s, i + 1)
            out.append(f"**({_to_py(a)})")
        elif s[i] in "{}":
            out.append("(" if s[i] == "{" else ")")
            i += 1
        elif s[i] == "\\":
            raise ValueError(s)
        else:
            out.append(s[i])
            i += 1
    py = "".join(out)
    # implicit multiplication: 3sqrt(2), 7pi, 2(...), )(, pi(...
    return re.sub(r"(?<=[\d)i])\s*(?=sqrt|pi|\()", "*", py)


def value(latex: str):
    """Exact sympy number for the simple shapes used here, or None."""
    s = latex.strip().strip("$").replace("\\dfrac", "\\frac").replace("\\left", "").replace("\\right", "")
    s = s.replace(" ", "")
    if not s or re.search(r"[a-zA-Z]", re.sub(r"\\(frac|sqrt|pi|cdot)", "", s)):
        return None
    try:
        v = parse_plain(_to_py(s))  # an allow-listed grammar: no text of the benchmarks is evaluated as code
    except Exception:
        return None
    if not isinstance(v, sympy.Expr) or not v.is_number or not v.is_real:
        return None
    return v


def is_rational_decimal_equal(text: str, v) -> bool:
    return sympy.Rational(text) == v


def fnum(v) -> float:
    return float(sympy.N(v, 30))


# --- pools of golds by shape ----------------------------------------------------------------------------

INT_RE = re.compile(r"^-?\d+$")
DEC_RE = re.compile(r"^-?\d*\.\d+$")
SCI_RE = re.compile(r"^\d+(\.\d+)?e\d+$")


def pools(golds: dict[str, list[str]]) -> dict[str, list[str]]:
    ints, fracs, rads, pis, decs, scis = set(), set(), set(), set(), set(), set()
    for src, items in golds.items():
        for g in items:
            if INT_RE.match(g):
                if src == "aime24":
                    g = str(int(g))  # leading zeros are tested separately (honest_exact)
                ints.add(g)
            elif DEC_RE.match(g) and src in ("math500", "minerva", "olympiad"):
                decs.add(g)
            elif SCI_RE.match(g) and src == "minerva":
                scis.add(g)
            elif re.search(r"\d\s*\\d?frac", g):
                continue  # mixed numbers (1\frac{4}{5}) are borderline, see BORDERLINE
            elif src in ("math500", "olympiad") and (v := value(g)) is not None:
                if "\\pi" in g and "," not in g and "^" not in g:
                    pis.add(g)
                elif "\\sqrt" in g and "," not in g and "^" not in g and not v.is_rational:
                    rads.add(g)
                elif (
                    "frac" in g and v.is_rational and not v.is_integer and "\\sqrt" not in g and "^" not in g
                ):
                    fracs.add(g)
    return {
        "int": sorted(ints, key=lambda x: (len(x), x)),
        "frac": sorted(fracs),
        "rad": sorted(rads),
        "pi": sorted(pis - {"\\frac{20000}{\\pi}"}),
        "dec": sorted(decs),
        "sci": sorted(scis),
    }


def dec_str(v: Decimal) -> str:
    s = format(v, "f")
    return s
