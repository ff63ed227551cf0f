"""The harness inside the sandbox: the one file that runs model-written code, and it runs only there.

``common.sandbox`` starts it as ``python -S -B -c <this file's text> <job...>`` (no file of the checkout
needs to be readable from the sandbox, and nothing imports this module); the job is on the command line:
CPU seconds, address space, output bytes, open files, tasks, uid (-1: keep ours), result file descriptor,
then the program, the test setup and the tests. It:
1. sets the resource limits, which the kernel enforces and the program cannot raise back; started as root,
   it then switches to the job's uid (the kernel exempts root from the limit on tasks);
2. runs the program as module ``__sandbox__`` (so an ``if __name__ == "__main__":`` block does not run),
   then the setup in the program's namespace, then each test in a copy of it. Any exception,
   ``SystemExit`` included, fails the program (so every test) or that test;
3. writes one line for the program (``ok`` or ``error <why>``) and one per test (``pass`` or
   ``fail <why>``) to the result descriptor and exits at once (``os._exit``: no atexit handler runs).
This is the only place in the tree allowed to call ``exec``/``compile`` (tests/test_grading_security.py).
It imports almost nothing (``posix`` is ``os`` without the import cost) because its start-up is paid once
per program. It is not a protection layer: the program shares this interpreter and could tamper with the
harness (docs/sandbox.md says what that means for rewards).
"""

import posix
import resource
import sys

MAX_ERROR_CHARS = 300


def _describe(exc: BaseException) -> str:
    try:
        text = f"{type(exc).__name__}: {exc}".rstrip(": ")
    except BaseException:  # noqa: BLE001 - a hostile __str__
        text = "exception"
    return " ".join(text.split())[:MAX_ERROR_CHARS]


def _limit(cpu_s, memory_bytes, output_bytes, open_files, nproc, uid) -> None:
    limits = {
        resource.RLIMIT_CPU: (int(cpu_s), int(cpu_s) + 1),  # SIGXCPU at the soft limit, SIGKILL 1 s later
        resource.RLIMIT_AS: (int(memory_bytes),) * 2,
        resource.RLIMIT_FSIZE: (int(output_bytes),) * 2,  # its output, and any file it writes
        resource.RLIMIT_NOFILE: (int(open_files),) * 2,
        resource.RLIMIT_NPROC: (int(nproc),) * 2,
        resource.RLIMIT_CORE: (0, 0),
    }
    for which, value in limits.items():
        resource.setrlimit(which, value)
    if int(uid) >= 0 and posix.getuid() == 0:
        posix.setgroups([])
        posix.setresgid(int(uid), int(uid), int(uid))
        posix.setresuid(int(uid), int(uid), int(uid))  # drops every capability


def main(cpu_s, memory_bytes, output_bytes, open_files, nproc, uid, result_fd, program, setup, *tests) -> None:
    report, exit_now, me = posix.write, posix._exit, posix.getpid()  # kept before the program can replace them
    _limit(cpu_s, memory_bytes, output_bytes, open_files, nproc, uid)
    sys.argv[:] = ["solution.py"]  # what a script sees, not the job (its tests, the report's descriptor)
    lines = []
    try:
        namespace = {"__name__": "__sandbox__", "__file__": "solution.py"}
        exec(compile(program, "solution.py", "exec"), namespace)
        exec(compile(setup, "test_setup.py", "exec"), namespace)
        lines.append("ok")
    except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt included
        lines.append("error " + _describe(exc))
    if lines == ["ok"]:
        for i, test in enumerate(tests):
            try:
                exec(compile(test, f"test_{i}.py", "exec"), dict(namespace))
                lines.append("pass")
            except BaseException as exc:  # noqa: BLE001
                lines.append("fail " + _describe(exc))
    if posix.getpid() != me:  # a process the program forked got here: only the harness reports
        exit_now(0)
    data = ("\n".join(lines) + "\n").encode("utf-8", "replace")
    while data:
        data = data[report(int(result_fd), data):]
    exit_now(0)


if __name__ == "__main__":
    main(*sys.argv[1:])
