"""The code sandbox and the code grader: model-written programs run against their tests, isolated, and judged
outside the program's interpreter (docs/sandbox.md).

Public modules, and what this package re-exports from them:

- ``code_grader``: r1_zero grading for code: ``grade_code_many``, ``extract_program``, ``code_contract``,
  ``protocol_of``, ``CODE_GRADER_VERSION``, ``CODE_DATA_COLUMNS``, ``PROTOCOLS``, ``PROTOCOL_COLUMN``.
- ``execute``: programs run in the sandbox: ``execute_many`` (and ``execute.execute`` for one program: not
  re-exported, its name is the module's), ``Limits``, ``sandbox_info``, ``default_workers``, ``as_tests``;
  ``job_parts`` and ``harness_argv`` for a bare harness (bench/bench_executor.py).
- ``probes``: tests split into probes and checks: ``plan_tests``, ``split_test``, ``Plan``.
- ``verdict``: the checks judged over the reported values: ``judge``, ``read_report``.

Private modules (tests/sandbox/ may import them): ``_launch`` (starting and stopping one sandboxed process),
``_batch`` (running a batch), ``_isolation`` (detecting bubblewrap), ``_syntax`` and ``_splitter`` (splitting a
test), ``_names`` (what a check may use), ``_check_bounds`` (the bounds on a check's cost), ``_report`` (reading
the harness's report). ``runner.py`` is the harness: a script run by path inside the sandbox, never imported.
"""

from r1zero.sandbox.code_grader import (
    CODE_DATA_COLUMNS,
    CODE_GRADER_VERSION,
    PROTOCOL_COLUMN,
    PROTOCOLS,
    code_contract,
    extract_program,
    grade_code_many,
    protocol_of,
)
from r1zero.sandbox.execute import (
    Limits,
    as_tests,
    default_workers,
    execute_many,
    harness_argv,
    job_parts,
    sandbox_info,
)
from r1zero.sandbox.probes import Plan, plan_tests, split_test
from r1zero.sandbox.verdict import judge, read_report

__all__ = ["CODE_DATA_COLUMNS", "CODE_GRADER_VERSION", "PROTOCOLS", "PROTOCOL_COLUMN", "Limits", "Plan", "as_tests",
           "code_contract", "default_workers", "execute_many", "extract_program", "grade_code_many", "harness_argv",
           "job_parts", "judge", "plan_tests", "protocol_of", "read_report", "sandbox_info", "split_test"]
