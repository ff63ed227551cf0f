"""The ground floor: what every stage and subpackage may use. It imports nothing else of r1zero.

- ``errors``: ``UserError`` (a one-line error for bad input), ``fail``, ``run_cli``.
- ``config``: YAML configs and the strict CLI (``parse_args``); each option's bounds live with the option.
- ``artifacts``: atomic writes, manifests (``write_manifest``, ``read_manifest``, ``check_manifest``),
  ``source_hash``.
- ``locks``: one run per output folder (``hold_output_dir``, ``check_output_dir``).
- ``launch``: the multi-process / multi-machine launcher behind ``launch_sft.sh`` and ``launch_trl.sh``.
- ``hardware``: ``usable_cpus``, ``cpu_supports_bf16``; ``vllm_env``: vLLM's environment.
- ``model_folder``: ``check_model_folder`` (a local model folder, checked before anything loads it).
- ``prompts``: the prompt templates and their tags (``get_template``, ``THINK_CLOSE``, ...).
- ``latex``: LaTeX structure without math (braces, boxes, top-level commas).
"""

from r1zero.core.errors import UserError, fail, run_cli

__all__ = ["UserError", "fail", "run_cli"]
