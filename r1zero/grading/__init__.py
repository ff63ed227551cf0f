"""The r1_zero math grader: the GRPO reward and the eval score (docs/grader.md has the rules).

Public API (defined in ``grader``, re-exported here):
- ``grade_many(responses, ground_truths, *, workers=None, timeout_s=2.0, template="r1_zero")``: one dict per
  response (rewards, the extracted answer, ``timeout`` and the monitor's flags), in input order;
- ``r1_zero_reward_fn(response, ground_truth)``: ``format_reward``, ``answer_reward`` and ``reward``;
- ``trl_accuracy_many(completions, ground_truths, *, workers=None, timeout_s=2.0)``: TRL's own
  ``accuracy_reward`` per completion (1.0, 0.0 or None), run in the same guarded workers;
- ``format_ok``, ``extract_answer``: r1_zero's format test and answer; ``gold_answers``: a dataset's answer cell
  as the tuple of accepted answers;
- ``start_pool``, ``shutdown_pool``: the worker processes; ``refused_events``: what their audit guard refused;
  ``clear_caches``: forget remembered readings and verdicts;
- ``GRADER_VERSION``: step 4's eval contract (it changes when grading can); ``SIGNALS``: the keys of the
  reward-hacking monitor's flags in each result.

Public modules: ``grader`` (the API above) and ``plain_math`` (``parse_plain``, the allow-listed reader of
plain-text math). The private modules, in the order an answer meets them:
- ``_claims``: what an answer states (``read_answer``), from ``_statements`` (where a region states its answer)
  and ``_relations`` (a candidate read as a relation chain);
- ``_cheap``: the in-process comparison (``cheap_equal``), on ``_normalize``, ``_numbers`` (with ``_values``,
  exact constants) and ``_collections``;
- ``_pool``: worker processes under a hard time limit, each running ``_worker`` (math-verify, then sympy)
  under ``_guard``'s audit hook.
"""

from r1zero.grading._claims import SIGNALS
from r1zero.grading.grader import (
    GRADER_VERSION,
    clear_caches,
    extract_answer,
    format_ok,
    gold_answers,
    grade_many,
    r1_zero_reward_fn,
    refused_events,
    shutdown_pool,
    start_pool,
    trl_accuracy_many,
)

__all__ = ["GRADER_VERSION", "SIGNALS", "clear_caches", "extract_answer", "format_ok", "gold_answers", "grade_many",
           "r1_zero_reward_fn", "refused_events", "shutdown_pool", "start_pool",
           "trl_accuracy_many"]
