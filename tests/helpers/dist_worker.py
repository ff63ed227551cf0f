"""A torch-only stand-in for a training rank, for the launcher's tests: gloo all_reduce in a loop.

    CPU=1 python -m r1zero.core.launch 2 tests/helpers/dist_worker.py OUT_DIR STEPS

Writes OUT_DIR/rank<R>.pid (so a test can kill one rank), then all-reduces each rank's R + 1 once every
0.2 s for STEPS steps, printing `rank R step S`, and last writes OUT_DIR/rank<R>.json: the rank, world size,
local rank and machine (GROUP_RANK) torchrun gave it, and the sum the all_reduce returned (W(W+1)/2 when the
W ranks all took part). The collective timeout is 30 s, so a lost peer fails the survivors rather than
hanging them.
"""

import datetime
import json
import os
import sys
import time
from pathlib import Path

import torch
import torch.distributed as dist

out_dir, steps = Path(sys.argv[1]), int(sys.argv[2])
dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=30))
rank = dist.get_rank()
out_dir.mkdir(parents=True, exist_ok=True)
(out_dir / f"rank{rank}.pid").write_text(str(os.getpid()))
for step in range(steps):
    total = torch.tensor([rank + 1.0])
    dist.all_reduce(total)
    print(f"rank {rank} step {step}", flush=True)
    time.sleep(0.2)
(out_dir / f"rank{rank}.json").write_text(json.dumps({
    "rank": rank, "world_size": dist.get_world_size(), "local_rank": int(os.environ["LOCAL_RANK"]),
    "machine": int(os.environ["GROUP_RANK"]), "sum": total.item()}))
dist.destroy_process_group()
