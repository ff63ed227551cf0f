"""Scoring a model: generation, grading of what it generated, and the numbers and tables reported.

- ``engines``: ``load_engine`` (vLLM, or transformers' generate), ``Sampling``, ``EngineOptions``.
- ``records``: graded generation records (``grade_records``, ``read_generations``, ``write_generations``).
- ``metrics``: categories, pass@k, majority vote, lengths, the answer monitor.
- ``benchmarks``: the six test sets (``parse_benchmarks``, ``load_benchmark``).
- ``job``: ``EvalJob``, one eval's settings and outputs (step 4's command and suite, step 3's in-training eval).
- ``contract``: what decides an eval's numbers (``build_contract``, ``contract_diff``, ``describe_diff``).
- ``report``: the printed summary, comparison tables (``markdown_table``, ``write_table``), W&B metrics and tables.
"""
