"""Scoring a model: generation, grading of what it generated, and the numbers and tables reported.

- ``engines``: ``load_engine`` (vLLM, or transformers' generate), ``Sampling``, ``EngineOptions``.
- ``records``: graded generation records (``grade_records``, ``read_generations``, ``write_generations``).
- ``metrics``: categories, pass@k, majority vote, lengths, the answer monitor.
- ``benchmarks``: the six test sets (``parse_benchmarks``, ``load_benchmark``).
- ``report``: the printed summary, W&B metrics and tables.
"""
