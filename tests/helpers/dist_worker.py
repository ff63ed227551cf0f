"""A torch-only stand-in for a training rank, for the launcher's fault tests: gloo all_reduce in a loop.

    CPU=1 python -m r1zero.core.launch 2 tests/helpers/dist_worker.py PID_DIR STEPS

Writes PID_DIR/rank<R>.pid (so a test can kill one rank), then all-reduces once every 0.2 s for STEPS steps,
printing `rank R step S`. The collective timeout is 30 s, so a lost peer fails the survivors rather than
hanging them.
"""

import datetime
import os
import sys
import time
from pathlib import Path

import torch
import torch.distributed as dist

pid_dir, steps = Path(sys.argv[1]), int(sys.argv[2])
dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=30))
rank = dist.get_rank()
pid_dir.mkdir(parents=True, exist_ok=True)
(pid_dir / f"rank{rank}.pid").write_text(str(os.getpid()))
value = torch.ones(1)
for step in range(steps):
    dist.all_reduce(value)
    print(f"rank {rank} step {step}", flush=True)
    time.sleep(0.2)
dist.destroy_process_group()
