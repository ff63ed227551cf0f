"""r1zero: the library behind the four stages (step1_data, step2_sft, step3_GRPO, step4_eval).

Subpackages, lowest layer first; each one's ``__init__`` names its public API, and a module whose name starts
with ``_`` is private to its subpackage (and its tests):

- ``r1zero.core``: errors, config and option bounds, manifests, output-folder locks, launching, hardware facts,
  prompt templates and LaTeX structure.
- ``r1zero.grading``: the r1_zero math grader (what an answer states, and whether it equals the gold).
- ``r1zero.sandbox``: the code sandbox and the code grader.
- ``r1zero.training``: what both training stages share: data IO, checkpoints and resume, the end of a run, the
  reasoning vocabulary.
- ``r1zero.evaluation``: generation engines, graded records, metrics, benchmarks, reports.
- ``r1zero.testing``: fixtures for tests and the demo (tiny model, toy data, the vLLM-on-CPU patch); never
  imported by production code.
"""
