"""The grader's worker processes: each answer graded under a hard time limit, and nothing can hang the caller.

Workers are plain subprocesses (``python -m r1zero.grading._worker``) that talk over a socket pair. They
persist across ``grade_many`` calls (each starts in one to three seconds: it imports sympy and math-verify
and warms every parsing path), the pool grows on demand, and one standby worker is kept started so that a
killed worker is replaced at once. Tasks go out in chunks and results stream back one by one, so every
answer is timed on its own: a worker still busy ``KILL_MARGIN_S`` after its own soft limit is killed, its
answer scores as a timeout and the rest of its chunk goes back in the queue.

Why not a library pool: pebble's ``ProcessPool`` (5.2.3) keeps the same time bound, with per-task timeouts
and killed workers restarted. Measured on this project's 2-core machine (loaded, same slices, interleaved
runs): 15.8 vs 17.8 answers/s with one worker and 22.9 vs 19.2 with two on the math-verify-only slice,
hostile answers bounded at 2.05 vs 2.02 s, i.e. no difference within the noise. But it runs on
``multiprocessing``, whose ``fork`` start method is unsafe beside torch's threads and CUDA in a trainer,
and whose ``spawn`` / ``forkserver`` methods re-import the caller's ``__main__``: a user's script without
an ``if __name__ == "__main__"`` guard then fails (``BrokenProcessPool: All workers expired``, reproduced).
These workers need neither, so ``grade_many`` works the same from scripts, notebooks, stdin and trainers.

Each worker grades under an audit guard (``r1zero.grading._guard``); what it refuses comes back with the
result and is kept in ``refused_events()``.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import deque

KILL_MARGIN_S = 0.25  # the parent kills a worker this long after the worker's own soft limit
WORKER_START_TIMEOUT_S = 120.0
MAX_REFUSALS_KEPT = 1000
_REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_REFUSALS: list[dict] = []
logger = logging.getLogger("r1zero.grading.grader")


class Worker:
    """One grader process and its connection, with the chunk of task ids it is working through."""

    def __init__(self):
        import socket
        import subprocess
        import sys
        from multiprocessing.connection import Connection

        ours, theirs = socket.socketpair()
        env = dict(os.environ)  # the worker imports this checkout's grader, whatever the caller's folder
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_REPO_ROOT, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "r1zero.grading._worker", str(theirs.fileno())],
            pass_fds=(theirs.fileno(),), env=env, stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self.conn = Connection(ours.detach())
        self.ready = False
        self.born = time.monotonic()
        self.chunk: list[int] = []
        self.pos = 0
        self.started = 0.0

    @property
    def busy(self) -> bool:
        return self.pos < len(self.chunk)

    @property
    def current(self) -> int:
        return self.chunk[self.pos]

    def assign(self, chunk: list[int], tasks: list, timeout_s: float) -> None:
        self.chunk, self.pos, self.started = chunk, 0, time.monotonic()
        self.conn.send([(t, tasks[t], timeout_s) for t in chunk])

    def kill(self) -> None:
        try:
            self.proc.kill()
            self.proc.wait(timeout=5)
        except Exception:  # noqa: BLE001 - already gone
            pass
        self.conn.close()


class _Spawner:
    """Starts workers from one daemon thread that lives as long as the process. A worker asks the kernel to
    kill it when its parent dies (``PR_SET_PDEATHSIG``), and the kernel sends that signal when the *thread*
    that started it ends: workers started from a caller's short-lived thread would die with that thread."""

    def __init__(self):
        import queue

        self.requests: queue.Queue = queue.Queue()
        threading.Thread(target=self._serve, name="grader-spawner", daemon=True).start()

    def _serve(self) -> None:
        while True:
            done, box = self.requests.get()
            try:
                box.append(Worker())
            except BaseException as exc:  # noqa: BLE001 - handed back to the caller
                box.append(exc)
            done.set()

    def start(self) -> Worker:
        done, box = threading.Event(), []
        self.requests.put((done, box))
        done.wait()
        if isinstance(box[0], BaseException):
            raise box[0]
        return box[0]


class Pool:
    """Worker processes that persist across ``grade_many`` calls; grows on demand, never shrinks."""

    def __init__(self):
        self.workers: list[Worker] = []
        self.standby: Worker | None = None  # started in advance: replacing a killed worker is instant
        self.lock = threading.Lock()
        self.pid = os.getpid()  # a forked child must not talk to its parent's workers
        self.spawner = _Spawner()

    def ensure(self, n: int) -> None:
        while len(self.workers) < n:
            self.workers.append(self.spawner.start())
        if self.standby is None:
            self.standby = self.spawner.start()

    def replace(self, w: Worker) -> Worker:
        """Kill ``w`` and put the standby worker in its place; start a new standby."""
        i = self.workers.index(w)
        w.kill()
        self.workers[i] = self.standby or self.spawner.start()
        self.standby = self.spawner.start()
        return self.workers[i]

    def start(self, n: int) -> None:
        """Make sure ``n`` workers (and the standby) exist and wait until the ``n`` workers are ready."""
        from multiprocessing.connection import wait

        with self.lock:
            self.ensure(n)
            deadline = time.monotonic() + WORKER_START_TIMEOUT_S
            while starting := [w for w in self.workers[:n] if not w.ready]:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"a grader worker did not start within {WORKER_START_TIMEOUT_S:.0f} s")
                for conn in wait([w.conn for w in starting], timeout=1.0):
                    w = next(w for w in starting if w.conn is conn)
                    try:
                        w.ready = _ready(conn.recv())
                    except (EOFError, OSError):
                        raise RuntimeError("a grader worker process failed to start") from None

    def run(self, tasks: list, n: int, timeout_s: float) -> list[tuple[bool | None, bool]]:
        """(equal, timed_out) per task (a tuple of (answer, gold) pairs, any equal wins), graded by the
        first ``n`` workers with a hard limit per task. ``equal`` is None only for TRL's accuracy when it
        could read no gold (``_worker.trl_accuracy``)."""
        with self.lock:
            self.ensure(n)
            try:
                return _Batch(self, tasks, self.workers[:n], timeout_s).run()
            except BaseException:
                # Interrupted (Ctrl-C): a busy worker would send stale results into the next call.
                for w in self.workers[:n]:
                    if w.busy:
                        self.replace(w)
                raise

    def close(self) -> None:
        if self.standby is not None:
            self.workers.append(self.standby)
            self.standby = None
        for w in self.workers:
            try:
                w.conn.send(None)
            except Exception:  # noqa: BLE001
                pass
        for w in self.workers:
            try:
                w.proc.wait(timeout=2)
            except Exception:  # noqa: BLE001 - still running: kill it
                pass
            w.kill()
        self.workers = []


class _Batch:
    """One ``Pool.run`` call: a queue of task ids shared by the active workers, until every task has a result."""

    def __init__(self, pool: Pool, tasks: list, active: list[Worker], timeout_s: float):
        self.pool, self.tasks, self.active, self.timeout_s = pool, tasks, active, timeout_s
        self.results: list = [None] * len(tasks)
        self.queue = deque(range(len(tasks)))
        self.left = len(tasks)
        self.chunk_size = max(1, min(32, len(tasks) // (4 * len(active))))
        self.hard_limit = timeout_s + KILL_MARGIN_S

    def run(self) -> list[tuple[bool, bool]]:
        from multiprocessing.connection import wait

        while self.left:
            self.hand_out_chunks()
            for conn in wait([w.conn for w in self.active], timeout=self.wait_s()):
                self.receive(next(i for i, w in enumerate(self.active) if w.conn is conn))
            self.enforce_limits()
        return self.results

    def hand_out_chunks(self) -> None:
        for w in self.active:
            if w.ready and not w.busy and self.queue:
                w.assign([self.queue.popleft() for _ in range(min(self.chunk_size, len(self.queue)))],
                         self.tasks, self.timeout_s)

    def wait_s(self) -> float | None:
        """Until the next deadline: a busy worker's hard limit, or a starting worker's start-up limit."""
        deadlines = [w.started + self.hard_limit for w in self.active if w.busy]
        deadlines += [w.born + WORKER_START_TIMEOUT_S for w in self.active if not w.ready]
        return max(0.0, min(deadlines) - time.monotonic()) if deadlines else None

    def receive(self, i: int) -> None:
        """Read one message from worker ``i``: its start-up, a task's result, or its death."""
        w = self.active[i]
        try:
            message = w.conn.recv()
        except (EOFError, OSError):  # the worker died (a crash in C code): score 0, replace it
            if not w.ready:
                raise RuntimeError("a grader worker process failed to start") from None
            if w.busy:
                self.give_up_current(i)
            else:
                self.active[i] = self.pool.replace(w)
            return
        if message[0] == "ready":
            w.ready = _ready(message)
            return
        task_id, ok, timed_out, refused = message
        _record_refusals(refused, self.tasks[task_id][0][0][0])  # the first check's answer
        self.results[task_id] = (None if ok is None else bool(ok), bool(timed_out))  # None: TRL's "skip"
        self.left -= 1
        w.pos += 1
        w.started = time.monotonic()

    def enforce_limits(self) -> None:
        now = time.monotonic()
        for i, w in enumerate(self.active):
            if w.busy and now - w.started > self.hard_limit:  # stuck in C code: kill, replace, move on
                self.give_up_current(i)
            elif not w.ready and now - w.born > WORKER_START_TIMEOUT_S:
                raise RuntimeError(f"a grader worker did not start within {WORKER_START_TIMEOUT_S:.0f} s")

    def give_up_current(self, i: int) -> None:
        """Score the task worker ``i`` is stuck on as a timeout, requeue the rest of its chunk, replace it."""
        w = self.active[i]
        self.results[w.current] = (False, True)
        self.left -= 1
        self.queue.extendleft(reversed(w.chunk[w.pos + 1:]))
        self.active[i] = self.pool.replace(w)


def _ready(message: tuple) -> bool:
    """A worker's start-up message: ("ready", what its guard refused during warm-up)."""
    _record_refusals(message[1], "(warm-up)")
    return message[0] == "ready"


def _record_refusals(refused: list[str], answer: str) -> None:
    for what in refused:
        entry = {"refused": what, "answer": answer[:200]}
        _REFUSALS.append(entry)
        logger.warning("grader guard refused %s while grading %r; the answer scored 0", what, entry["answer"])
    del _REFUSALS[:-MAX_REFUSALS_KEPT]


def refused_events() -> list[dict]:
    """What the workers' audit guard refused so far in this process (``r1zero.grading._guard``): each
    ``{"refused": event and detail, "answer": the answer being graded}``. Empty unless the grader has a bug."""
    return list(_REFUSALS)


_POOL: Pool | None = None
_POOL_GUARD = threading.Lock()


def get_pool() -> Pool:
    """This process's pool (a forked child gets its own: the workers belong to the parent)."""
    global _POOL
    with _POOL_GUARD:
        if _POOL is not None and _POOL.pid != os.getpid():
            _POOL = None
        if _POOL is None:
            _POOL = Pool()
            atexit.register(shutdown_pool)
        return _POOL


def shutdown_pool() -> None:
    """Stop the grader's worker processes (also done at exit); the next call starts a fresh pool."""
    global _POOL
    with _POOL_GUARD:
        if _POOL is not None and _POOL.pid == os.getpid():
            _POOL.close()
        _POOL = None
