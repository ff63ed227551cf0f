"""User mistakes versus bugs.

A user's mistake (bad path, bad config, missing column, no GPU for a GPU-only option) raises
``UserError``; ``run_cli`` turns it into one line on stderr and exit status 2, with no traceback.
Anything else is a bug and raises as usual.
"""

import sys
from collections.abc import Callable


class UserError(Exception):
    """A mistake in the user's input, reported as one line without a traceback."""


def fail(message: str, code: int = 2) -> None:
    """Print one error line and exit."""
    print(f"error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(code)


def run_cli(main: Callable[[], object]) -> None:
    """Run a script's ``main`` and report ``UserError`` as one line, exit 2."""
    try:
        main()
    except UserError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted", code=130)
