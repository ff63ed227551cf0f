"""A rank pair for the collective timeout on gloo, started the way the training scripts start theirs:

    CPU=1 NNODES=2 NODE_RANK=r ... python -m r1zero.core.launch 1 tests/helpers/frozen_peer_worker.py TIMEOUT_S

``init_cpu_collectives`` then transformers' ``TrainingArguments`` (which starts the process group) set up the
group; rank 1 then freezes itself (SIGSTOP: its machine hangs or drops off the network, its connections stay
open) and rank 0 waits in an all_reduce. Without the timeout reaching gloo that wait lasts 30 minutes; with it
rank 0 prints ``waited S s`` and ends as a training rank does (r1zero.training.run.train_and_save): one line
naming rank 1, exit 69.
"""

import os
import signal
import sys
import time

import torch
import torch.distributed as dist
from transformers import TrainingArguments

from r1zero.training.peers import PeerLost, PeerWatch, init_cpu_collectives, report_peer_lost

timeout = int(sys.argv[1])
init_cpu_collectives({"use_cpu": True, "ddp_timeout": timeout})
TrainingArguments(output_dir="unused", use_cpu=True, ddp_timeout=timeout, report_to="none").device  # noqa: B018
watch = PeerWatch.start()
dist.barrier()
if dist.get_rank() == 1:
    os.kill(os.getpid(), signal.SIGSTOP)
started = time.perf_counter()
try:
    dist.all_reduce(torch.ones(1))
except Exception as exc:
    print(f"waited {time.perf_counter() - started:.1f} s", flush=True)
    try:
        watch.explain(exc)
    except PeerLost as lost:
        report_peer_lost(lost)
    raise
