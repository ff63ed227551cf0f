"""The sandbox subpackage keeps the library's layout rules (issue 27; tools/import_graph.py): no import cycle
through it, no module of it over 450 lines, and no code outside it importing its private modules."""

from tools.import_graph import layout_problems


def test_the_sandbox_breaks_no_layout_rule():
    assert [p for p in layout_problems() if "r1zero/sandbox" in p or "r1zero.sandbox" in p] == []
