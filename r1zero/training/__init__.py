"""What both training stages (step2 SFT, step3 GRPO) share, and step 4's checkpoint lookup.

- ``data_io``: ``load_split`` (step 1's parquet, checked against its manifest), ``read_step1_parquet``.
- ``checkpoints``: ``resolve_model_path``, ``list_checkpoints``, ``find_resume_checkpoint``, ``is_finished``
  (which checks the training contract), ``FINAL_DIR``.
- ``checkpoint_record``: a checkpoint's completeness record (written on save) and resume's check of it.
- ``run``: ``train_and_save`` (resume, train, write ``final/`` and its manifest).
- ``contract``: the training contract (what decides a run's weights; a rerun under another one is refused).
- ``reasoning_vocab``: the optional reasoning vocabulary (its size, expansion and generation phases).
"""

from r1zero.training.checkpoints import (
    FINAL_DIR,
    find_resume_checkpoint,
    is_finished,
    list_checkpoints,
    resolve_model_path,
)
from r1zero.training.data_io import load_split, read_step1_parquet
from r1zero.training.run import train_and_save

__all__ = ["FINAL_DIR", "find_resume_checkpoint", "is_finished", "list_checkpoints", "load_split",
           "read_step1_parquet", "resolve_model_path", "train_and_save"]
