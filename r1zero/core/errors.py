"""User mistakes versus bugs.

A user's mistake (bad path, bad config, missing column, no GPU for a GPU-only option) raises
``UserError``; ``run_cli`` turns it into one line on stderr and exit status 2, with no traceback.
A training run that stopped on a signal after saving raises ``Stopped`` (one line, exit ``EXIT_STOPPED``:
rerun or requeue to resume); one whose loss or gradient norm went non-finite raises ``TrainingFault``
(one line, exit 1). Anything else is a bug and raises as usual.
"""

import sys
from collections.abc import Callable

# "Stopped, resumable": EX_TEMPFAIL from sysexits.h. Training exits with it after a SIGTERM/SIGUSR1 once the
# checkpoint of the current step is saved; slurm/stage.sbatch requeues the job on it.
EXIT_STOPPED = 75
# A rank of a multi-process run lost another (dead, or its machine unreachable) and stopped: EX_UNAVAILABLE.
# Rerunning resumes from the last checkpoint (r1zero/training/peers.py).
EXIT_PEER_LOST = 69


class UserError(Exception):
    """A mistake in the user's input, reported as one line without a traceback."""


class Stopped(Exception):
    """The run stopped early on request and left a checkpoint to resume from (exit ``EXIT_STOPPED``)."""


class TrainingFault(Exception):
    """Training cannot go on (a non-finite loss or gradient norm); one line, exit 1."""


def fail(message: str, code: int = 2) -> None:
    """Print one error line and exit."""
    print(f"error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(code)


def run_cli(main: Callable[[], object]) -> None:
    """Run a script's ``main`` and report ``UserError`` (exit 2), ``Stopped`` (exit 75) and ``TrainingFault``
    (exit 1) as one line."""
    try:
        main()
    except UserError as exc:
        fail(str(exc))
    except Stopped as exc:
        print(f"stopped: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(EXIT_STOPPED) from None
    except TrainingFault as exc:
        fail(str(exc), code=1)
    except KeyboardInterrupt:
        fail("interrupted", code=130)
