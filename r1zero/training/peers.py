"""A lost rank ends a multi-process run in bounded time, in one line that names it.

- **The collective timeout** is ``ddp_timeout`` (600 s in config/*.yaml; docs/scaling.md says why). transformers
  hands it to NCCL but not to gloo (its CPU path leaves torch's 30-minute default), so ``init_cpu_collectives``
  initialises the CPU process group with it first, through accelerate's ``PartialState``; transformers then
  finds the group initialised and keeps it.
- **Who is missing.** ``PeerWatch`` bumps a counter per rank in the rendezvous store every ``HEARTBEAT_S``
  from a daemon thread (it beats while the main thread generates or waits in a collective). When a collective
  fails (gloo: a peer's connection closed, or ``ddp_timeout`` passed), the rank watches the counters for a few
  beats: the ranks whose counters stood still are the missing ones, each named with its machine. If none stood
  still the error was not a lost peer and is raised as it was.
- **One line.** The rank records that line in torchrun's error file (``TORCHELASTIC_ERROR_FILE``, through
  torch's ``ErrorHandler``) and exits ``EXIT_PEER_LOST`` without a traceback; the launcher prints the line of
  the first rank of its machine that failed (r1zero.core.launch.describe_failure). Outside torchrun the rank
  prints it itself.

NCCL's watchdog ends a timed-out rank itself (SIGABRT, without a Python exception): the launcher names that
rank and the signal, with a hint that a rank on another machine may have died first.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
import time
from datetime import timedelta

from r1zero.core.errors import EXIT_PEER_LOST

HEARTBEAT_S = 1.0
SILENT_BEATS = 3  # a rank whose counter stands still this many beats (plus half a beat) is missing
KEY = "r1zero/peers"
logger = logging.getLogger(__name__)


class PeerLost(Exception):
    """A collective failed because another rank died or cannot be reached (exit ``EXIT_PEER_LOST``)."""


def init_cpu_collectives(values: dict) -> None:
    """Start the CPU (gloo) process group of a multi-process run with ``ddp_timeout`` (the parsed options, before
    TrainingArguments exists: it starts the group in its ``__post_init__``, on CPU without the timeout)."""
    cpu = values.get("use_cpu") or os.environ.get("ACCELERATE_USE_CPU", "").lower() in ("1", "true", "yes")
    if not cpu or int(os.environ.get("WORLD_SIZE", "1")) < 2 or values.get("ddp_timeout") is None:
        return
    import torch.distributed as dist
    from accelerate import PartialState

    if dist.is_available() and not dist.is_initialized():
        PartialState(cpu=True, backend=values.get("ddp_backend"), timeout=timedelta(seconds=int(values["ddp_timeout"])))


class PeerWatch:
    """This rank's heartbeat in the rendezvous store, and the check of the others' after a failed collective."""

    def __init__(self, store, rank: int, world_size: int):
        self.store, self.rank, self.world_size = store, rank, world_size
        self.machine = os.environ.get("GROUP_RANK", "?")
        self._stop = threading.Event()
        store.set(f"{KEY}/where/{rank}", f"NODE_RANK={self.machine} ({socket.gethostname()})")
        self._thread = threading.Thread(target=self._beat, name="r1zero-heartbeat", daemon=True)
        self._thread.start()

    @classmethod
    def start(cls) -> PeerWatch | None:
        """A watch for this rank of a torchrun-launched run; None in a single process."""
        world = int(os.environ.get("WORLD_SIZE", "1"))
        if world < 2 or not os.environ.get("MASTER_ADDR") or not os.environ.get("MASTER_PORT"):
            return None
        import torch.distributed as dist

        # a client of the store the ranks met at (torchrun's, on NODE_RANK 0): it lives as long as that machine
        try:
            store = dist.TCPStore(os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"]), is_master=False,
                                  timeout=timedelta(seconds=30))
            return cls(store, int(os.environ["RANK"]), world)
        except Exception as exc:  # training goes on; a lost rank is then reported as the error it raised
            logger.warning("no heartbeat for this rank (the rendezvous store is unreachable: %s)", short_error(exc))
            return None

    def _beat(self) -> None:
        key = f"{KEY}/beat/{self.rank}"
        while not self._stop.wait(HEARTBEAT_S):
            try:
                self.store.add(key, 1)
            except Exception:  # the store is gone (its machine died): silent_ranks reports that
                return

    def close(self) -> None:
        self._stop.set()

    def silent_ranks(self) -> list[int]:
        """The other ranks whose heartbeat stands still for SILENT_BEATS beats (``add(key, 0)`` reads without
        blocking, where ``get`` would wait for a key that a rank never wrote)."""
        def beats():
            return [self.store.add(f"{KEY}/beat/{r}", 0) for r in range(self.world_size)]

        before = beats()
        time.sleep((SILENT_BEATS + 0.5) * HEARTBEAT_S)
        after = beats()
        return [r for r in range(self.world_size) if r != self.rank and after[r] == before[r]]

    def where(self, rank: int) -> str:
        key = f"{KEY}/where/{rank}"
        return self.store.get(key).decode() if self.store.check([key]) else "machine unknown"

    def explain(self, exc: BaseException) -> None:
        """Raise ``PeerLost`` naming the missing ranks when ``exc`` came from a lost peer; return otherwise."""
        first = short_error(exc)
        me = f"rank {self.rank} (NODE_RANK={self.machine})"
        try:
            missing = self.silent_ranks()
            if not missing:
                return
            who = ", ".join(f"rank {r} on machine {self.where(r)}" for r in missing)
        except Exception:  # the store is unreachable: the machine that holds it (NODE_RANK 0) is gone
            who = f"the machine holding the rendezvous (NODE_RANK=0, {os.environ.get('MASTER_ADDR')})"
        raise PeerLost(f"{me} lost {who}: it died or cannot be reached (a collective failed: {first}); this rank "
                       "stopped too, nothing of the step under way is saved; rerun the same command on every "
                       "machine to resume from the last checkpoint") from None


def short_error(exc: BaseException) -> str:
    """The first sentence of an error, without gloo's source location: ``Connection closed by peer [host]:port``."""
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    text = re.sub(r"^\[[^\]]*\.(cc|cpp|h):\d+\]\s*", "", text)
    return text.split(". ")[0][:200]


def report_peer_lost(exc: PeerLost) -> None:
    """Hand the one line to torchrun's launcher (it prints it) and exit ``EXIT_PEER_LOST``; outside torchrun,
    print it."""
    import sys

    if os.environ.get("TORCHELASTIC_ERROR_FILE"):
        from torch.distributed.elastic.multiprocessing.errors import ErrorHandler

        ErrorHandler().record_exception(exc)
    else:
        print(f"error: {exc}", file=sys.stderr, flush=True)
    raise SystemExit(EXIT_PEER_LOST)
