"""``brackets`` cases: tuples, intervals, sets and points whose brackets carry meaning (expected 0)."""

from __future__ import annotations

from .corpus import Corpus


def build_brackets(c: Corpus):
    # intervals: (gold, [wrong variants])
    intervals = [
        ("(3,4]", ["(3,4)", "[3,4]", "[3,4)", "3, 4", "\\{3, 4\\}", "(4,3]"]),
        ("(5,\\infty)", ["[5,\\infty)", "5, \\infty", "(-\\infty, 5)"]),
        ("(-\\infty, 0]", ["(-\\infty, 0)", "-\\infty, 0", "[0, \\infty)"]),
        (
            "\\left(\\frac{3}{5},\\frac{8}{3}\\right]",
            [
                "\\left[\\frac{3}{5},\\frac{8}{3}\\right]",
                "\\left(\\frac{3}{5},\\frac{8}{3}\\right)",
                "\\frac{3}{5}, \\frac{8}{3}",
                "\\left\\{\\frac{3}{5},\\frac{8}{3}\\right\\}",
                "\\left[\\frac{3}{5},\\frac{8}{3}\\right)",
            ],
        ),
        (
            "(-\\sqrt{3}, \\sqrt{3})",
            [
                "[-\\sqrt{3}, \\sqrt{3}]",
                "[-\\sqrt{3}, \\sqrt{3})",
                "(-\\sqrt{3}, \\sqrt{3}]",
                "-\\sqrt{3}, \\sqrt{3}",
                "\\{-\\sqrt{3}, \\sqrt{3}\\}",
                "\\pm\\sqrt{3}",
            ],
        ),
        ("(2,\\infty)", ["[2,\\infty)", "2, \\infty"]),
        (
            "\\left[ \\frac{\\pi^2}{8}, \\frac{5 \\pi^2}{4} \\right]",
            [
                "\\left( \\frac{\\pi^2}{8}, \\frac{5 \\pi^2}{4} \\right)",
                "\\left( \\frac{\\pi^2}{8}, \\frac{5 \\pi^2}{4} \\right]",
                "\\frac{\\pi^2}{8}, \\frac{5 \\pi^2}{4}",
                "\\left\\{ \\frac{\\pi^2}{8}, \\frac{5 \\pi^2}{4} \\right\\}",
            ],
        ),
        (
            "[-1,-\\frac{1}{2}]",
            ["(-1,-\\frac{1}{2})", "[-1,-\\frac{1}{2})", "-1, -\\frac{1}{2}", "\\{-1,-\\frac{1}{2}\\}"],
        ),
        (
            "(0,9) \\cup (9,36)",
            ["(0,36)", "[0,9) \\cup (9,36)", "(0,9] \\cup (9,36)", "(0,9) \\cup (9,36]", "0, 9, 36"],
        ),
        (
            "(-\\infty, 2) \\cup (3, \\infty)",
            [
                "(-\\infty, 2] \\cup [3, \\infty)",
                "(-\\infty, 2) \\cup [3, \\infty)",
                "(2, 3)",
                "[2, 3]",
                "2, 3",
            ],
        ),
        ("(2,12) \\cup (12,102)", ["(2,102)", "(2,12] \\cup (12,102)", "[2,12) \\cup (12,102)"]),
        ("x \\in [-2,7]", ["x \\in (-2,7)", "x \\in [-2,7)", "x \\in \\{-2, 7\\}"]),
    ]
    for g, wrongs in intervals:
        for w in wrongs:
            c.add(
                "brackets",
                "interval",
                w,
                g,
                0,
                "interval needs the same ends, open/closed as the gold; not a list or set",
            )
    # ordered tuples / points: reordering, bare lists, sets, intervals are all wrong. A bare list in the
    # gold's own order appears only where the gold reads as an interval too (first entry smaller: `2, 4`
    # vs `(2,4)`, the contract's `2,5` vs `(2,5)`); otherwise it is borderline and left out.
    tuples = [
        (
            "(6,31,-1)",
            ["(31,6,-1)", "(-1,6,31)", "-1, 6, 31", "31, 6, -1", "\\{6, 31, -1\\}", "\\{-1, 6, 31\\}"],
        ),
        ("(-2,1)", ["(1,-2)", "1, -2", "-2, 1", "\\{-2, 1\\}", "\\{1, -2\\}", "[-2,1]", "[-2,1)", "(-2,1]"]),
        ("(8,-2)", ["(-2,8)", "-2, 8", "\\{8, -2\\}", "\\{-2, 8\\}", "[-2, 8]"]),
        ("(15,-29)", ["(-29,15)", "-29, 15", "\\{15,-29\\}"]),
        (
            "\\left( 3, \\frac{\\pi}{2} \\right)",
            [
                "\\left( \\frac{\\pi}{2}, 3 \\right)",
                "\\frac{\\pi}{2}, 3",
                "\\left\\{ 3, \\frac{\\pi}{2} \\right\\}",
                "\\left[ \\frac{\\pi}{2}, 3 \\right]",
            ],
        ),
        ("(1,-16,-4,43)", ["(-16,1,-4,43)", "(1,-16,43,-4)", "43, -4, -16, 1", "\\{1,-16,-4,43\\}"]),
        ("(-1,6)", ["(6,-1)", "6, -1", "-1, 6", "[-1,6]", "\\{-1, 6\\}"]),
        (
            "\\left( \\frac{3}{2}, -13 \\right)",
            [
                "\\left( -13, \\frac{3}{2} \\right)",
                "-13, \\frac{3}{2}",
                "\\left\\{ \\frac{3}{2}, -13 \\right\\}",
            ],
        ),
        ("(2,4)", ["(4,2)", "4, 2", "2, 4", "[2,4]", "\\{2, 4\\}"]),
        ("(-7,-1)", ["(-1,-7)", "-1, -7", "[-7,-1]"]),
    ]
    for g, wrongs in tuples:
        for w in wrongs:
            c.add(
                "brackets",
                "tuple",
                w,
                g,
                0,
                "an ordered tuple: order matters; not a bare list, set or interval",
            )
    vectors = [
        (
            "\\begin{pmatrix} -7 \\\\ 16 \\\\ 5 \\end{pmatrix}",
            "\\begin{pmatrix} 16 \\\\ -7 \\\\ 5 \\end{pmatrix}",
        ),
        (
            "\\begin{pmatrix} -18 \\\\ -49 \\\\ 96 \\end{pmatrix}",
            "\\begin{pmatrix} 96 \\\\ -49 \\\\ -18 \\end{pmatrix}",
        ),
        ("\\begin{pmatrix} 1/5 \\\\ -18/5 \\end{pmatrix}", "\\begin{pmatrix} -18/5 \\\\ 1/5 \\end{pmatrix}"),
    ]
    for g, w in vectors:
        c.add("brackets", "vector", w, g, 0, "vector components in another order")
    # several-answer golds (sets) are not tuples with 3+ entries and not intervals
    sets = [
        ("3, 5, 7", ["(3, 5, 7)", "[3, 7]", "(3, 7)"]),
        ("1,2,3,4", ["(1,2,3,4)", "[1, 4]"]),
        ("\\{1\\pm\\sqrt{5},-2\\}", ["(1+\\sqrt{5}, 1-\\sqrt{5}, -2)", "[1-\\sqrt{5}, 1+\\sqrt{5}]"]),
        ("-2,-1,1,2", ["(-2,-1,1,2)", "[-2, 2]"]),
        ("1,-2", ["[-2, 1]"]),
        ("-2,1", ["[-2, 1]"]),
        ("\\frac{1}{3},-2,5", ["\\left(\\frac{1}{3},-2,5\\right)", "[-2, 5]"]),
        ("(2,2,2),(3,4,3)", ["(2,2,2),(4,3,3)", "\\{2, 3, 4\\}"]),
        ("(3,2),(-3,2),(3,-2),(-3,-2)", ["(2,3),(2,-3),(-2,3),(-2,-3)", "\\{3, -3, 2, -2\\}"]),
    ]
    for g, wrongs in sets:
        for w in wrongs:
            c.add(
                "brackets",
                "set",
                w,
                g,
                0,
                "a set of answers is not a tuple (3+ entries), an interval, or reordered tuples",
            )
