"""The harness inside the sandbox: the one file that runs model-written code, and it runs only there.

``r1zero.sandbox._launch`` compiles it once with the sandbox's interpreter into a folder of its own and starts
``python -S -B -c <boot> <folder> <limits...>``; the boot lines import it from there and call ``main`` (no file
of the checkout needs to be readable from the sandbox, and no module of ours imports this one). The command
line holds CPU seconds, address space, output bytes, open files, tasks, uid (-1: keep ours), and the
descriptors of the result file and the job file. The sandbox is started ahead of its job: the harness waits
for one byte on stdin, then reads the job file: the program, the test setup, then each test as its number
of steps and the steps (``r1zero.sandbox.probes``), NUL-separated; ``x<statement>`` runs, ``e<expression>`` is a
probe whose value is reported. The tests' checks, and so their expected values, never come here. It:
1. sets the resource limits, which the kernel enforces and the program cannot raise back; started as root,
   it then switches to the job's uid (the kernel exempts root from the limit on tasks); then waits for the job;
2. runs the program as module ``__sandbox__`` (so an ``if __name__ == "__main__":`` block does not run),
   then the setup in the program's namespace, then each test's steps in a copy of it. Any exception,
   ``SystemExit`` included, fails the program, or is that step's result;
3. writes the report, one JSON document (``r1zero.sandbox._report`` reads it), to the result descriptor and exits
   at once (``os._exit``: no atexit handler runs). A probe's value is reported as plain data: built-in types
   read through the built-in's own methods (a subclass's overrides, ``__eq__`` first, never run), iterators
   and generators as their items, bounded in depth and size (a range, sent as its bounds, in length); any other
   value is reported as unusable.
This is the only place in the tree allowed to call ``exec``/``compile`` (tests/grading/test_grading_security.py).
It imports almost nothing (``posix`` is ``os`` without the import cost; no ``json``) because its start-up is
paid once per program. It is not a protection layer: the program shares this interpreter and may tamper
with it, which changes nothing that matters: all it can get out is values it could have returned itself.
"""

import itertools
import posix
import resource
import sys

MAX_ERROR_CHARS = 300
MAX_DEPTH = 100
MAX_RANGE = 1_000_000  # r1zero.sandbox._check_bounds.MAX_ITEMS: a range crosses as three ints, and the check iterates it
_ESCAPES = {**{c: f"\\u{c:04x}" for c in range(32)}, ord('"'): '\\"', ord("\\"): "\\\\"}


def _text(s: str) -> str:
    """``s`` as a JSON string of ASCII characters (json's own encoder is an extension: slower to import)."""
    if s.isascii():
        return '"' + s.translate(_ESCAPES) + '"'
    units = s.encode("utf-16-be", "surrogatepass")  # JSON escapes UTF-16 units; lone surrogates survive
    return '"' + "".join(_ESCAPES.get(u) or (chr(u) if u < 128 else f"\\u{u:04x}")
                         for u in (units[i] << 8 | units[i + 1] for i in range(0, len(units), 2))) + '"'


class _Unusable(Exception):
    pass


def _describe(exc: BaseException) -> str:
    try:
        text = f"{type(exc).__name__}: {exc}".rstrip(": ")
    except BaseException:  # noqa: BLE001 - a hostile __str__
        text = type(exc).__name__
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


# --- values as plain data (the tags of r1zero.sandbox._report) --------------------------------------------------

_empty = {}
_ITERATORS = {type(x) for x in (
    iter([]), iter(()), iter(""), iter(b""), iter(bytearray()), iter(range(0)), iter(range(1 << 64)), iter(set()),
    iter(_empty), iter(_empty.values()), iter(_empty.items()), reversed([]), reversed(range(0)), reversed(_empty),
    (x for x in ()), map(len, ()), filter(None, ()), zip(), enumerate(()), iter(int, 0))}
_ITERATORS |= {itertools.accumulate, itertools.chain, itertools.combinations, itertools.combinations_with_replacement,
               itertools.compress, itertools.count, itertools.cycle, itertools.dropwhile, itertools.filterfalse,
               itertools.islice, itertools.pairwise, itertools.permutations, itertools.product, itertools.repeat,
               itertools.starmap, itertools.takewhile, itertools.zip_longest}
_VIEWS = {type(_empty.keys()): "k", type(_empty.values()): "v", type(_empty.items()): "e"}
# a subclass of a built-in is read through the built-in's own method, which returns the plain value
_PLAIN = {int: int.__int__, float: float.__float__, complex: complex.__complex__, str: str.__str__,
          bytes: bytes.__bytes__, bytearray: bytearray.copy, list: list.copy, tuple: lambda v: tuple.__getitem__(
              v, slice(None)), dict: dict.copy, set: set.copy, frozenset: frozenset.copy}
_FLOATS = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def _longer(r: range, limit: int) -> bool:
    try:
        return len(r) > limit
    except OverflowError:  # longer than sys.maxsize
        return True


def _plain(value):
    kind = type(value)
    if kind in _PLAIN or kind in _ITERATORS or kind in _VIEWS or value is None or kind is bool or kind is range:
        return value
    for base in kind.__mro__:  # not __class__, which may lie; a built-in's method refuses what is not its type
        if base in _PLAIN:
            return _PLAIN[base](value)
    raise _Unusable(f"cannot check a value of type {kind.__name__}: only built-in types cross the sandbox")


class _Writer:
    """Tagged JSON of plain values, within a budget of characters for the whole report."""

    def __init__(self, room: int):
        self.room = room

    def put(self, out: list, text: str) -> None:
        if len(text) > self.room:
            raise _Unusable("value too large to check")
        self.room -= len(text)
        out.append(text)

    def value(self, value, out: list, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            raise _Unusable(f"value nested more than {MAX_DEPTH} deep")
        value = _plain(value)
        kind = type(value)
        if value is None:
            self.put(out, "null")
        elif kind is bool:
            self.put(out, "true" if value else "false")
        elif kind is int:
            self.put(out, str(value) if -(1 << 63) <= value < 1 << 63 else f'["i","{value:x}"]')
        elif kind is float:
            text = float.__repr__(value)
            self.put(out, _FLOATS.get(text, text))
        elif kind is str:
            self.put(out, _text(value))
        elif kind in (bytes, bytearray):
            self.put(out, f'["{"b" if kind is bytes else "y"}","{value.hex()}"]')
        elif kind is complex:
            self.put(out, '["c",')
            self.items((value.real, value.imag), out, depth, "")
            self.put(out, "]")
        elif kind is range:
            if _longer(value, MAX_RANGE):
                raise _Unusable("value too large to check")
            self.put(out, f'["r",{value.start},{value.stop},{value.step}]')
        elif kind is dict or kind in _VIEWS and _VIEWS[kind] == "e":
            self.put(out, '["d",[' if kind is dict else '["e",[')
            for k, (key, item) in enumerate(value.items() if kind is dict else value):
                self.put(out, "[" if k == 0 else ",[")
                self.items((key, item), out, depth + 1, "")
                self.put(out, "]")
            self.put(out, "]]")
        else:
            tag = {list: "l", tuple: "t", set: "s", frozenset: "f"}.get(kind) or _VIEWS.get(kind, "g")
            self.put(out, f'["{tag}",[')
            self.items(value, out, depth, "")
            self.put(out, "]]")

    def items(self, values, out: list, depth: int, sep: str) -> None:
        for item in values:  # an iterator's items come from the program: each may raise, or never end
            self.put(out, sep)
            self.value(item, out, depth + 1)
            sep = ","


def _result(value, writer: _Writer) -> str:
    out: list[str] = []
    try:
        writer.value(value, out)
        return '["value",' + "".join(out) + "]"
    except BaseException as exc:  # noqa: BLE001 - unusable, or raised while iterating
        writer.room += sum(map(len, out))
        return _raised(exc)


def _raised(exc: BaseException) -> str:
    return '["raised",' + _text(_describe(exc) if type(exc) is not _Unusable else str(exc.args[0])) + "]"


def _run_test(index: int, steps: list[str], namespace: dict, writer: _Writer) -> str:
    namespace = dict(namespace)
    results: list = []  # report text, or [value] of a probe not yet read

    def settle():  # values are read when their assert would compare them: after every probe of it ran
        for k, r in enumerate(results):
            if type(r) is list:
                results[k] = _result(r[0], writer)

    for step in steps:
        source = step[1:]
        try:
            if step[0] == "x":
                settle()
                exec(compile(source, f"test_{index}.py", "exec"), namespace)
                results.append('["done"]')
            else:  # its value lands in a dict of its own, not among the program's names
                box: dict = {}
                exec(compile(f"value = ({source})", f"test_{index}.py", "exec"), namespace, box)
                results.append([box["value"]])
        except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt included
            results.append(_raised(exc))
            if step[0] == "x":
                break
    settle()
    return "[" + ",".join(results) + "]"


def _job(job_fd: int) -> tuple[str, str, list[list[str]]]:
    """The program, the setup and each test's steps, from the job file (NUL-separated; see the module doc)."""
    chunks, offset = [], 0
    while chunk := posix.pread(job_fd, 1 << 20, offset):
        chunks.append(chunk)
        offset += len(chunk)
    posix.close(job_fd)
    program, setup, *rest = b"".join(chunks).decode("utf-8", "surrogatepass").split("\0")
    tests = []
    while rest:
        count = int(rest[0])
        tests.append(rest[1:1 + count])
        del rest[:1 + count]
    return program, setup, tests


def main(cpu_s, memory_bytes, output_bytes, open_files, nproc, uid, result_fd, job_fd) -> None:
    report, exit_now, me = posix.write, posix._exit, posix.getpid()  # kept before the program can replace them
    _limit(cpu_s, memory_bytes, output_bytes, open_files, nproc, uid)
    if not posix.read(0, 1):  # started ahead of its job: one byte on stdin says the job file is written
        exit_now(0)
    program, setup, jobs = _job(int(job_fd))
    sys.argv[:] = ["solution.py"]  # what a script sees, not the job (the report's descriptor)
    writer = _Writer(int(output_bytes) // 2)  # the rest of the file limit is room for errors and structure
    try:
        namespace = {"__name__": "__sandbox__", "__file__": "solution.py"}
        exec(compile(program, "solution.py", "exec"), namespace)
        exec(compile(setup, "test_setup.py", "exec"), namespace)
    except BaseException as exc:  # noqa: BLE001
        text = '["error",' + _text(_describe(exc)) + "]"
    else:
        text = '["ok",[' + ",".join(_run_test(i, steps, namespace, writer) for i, steps in enumerate(jobs)) + "]]"
    if posix.getpid() != me:  # a process the program forked got here: only the harness reports
        exit_now(0)
    data = text.encode("ascii")
    while data:
        data = data[report(int(result_fd), data):]
    exit_now(0)
