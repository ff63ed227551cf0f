"""Defence in depth for the grader's worker processes: an audit hook that refuses what grading never needs.

The grader parses answers with allow-listed grammars only (``r1zero.grading.plain_math``, and math-verify's LaTeX
parser, which builds sympy trees from an ANTLR parse and evaluates no text), so no answer can run code.
This module makes a future regression fail closed instead of open. ``install()`` adds a Python audit
hook (``sys.addaudithook``, PEP 578) to the worker; inside ``guarding()`` (one graded answer) it refuses:

- compiling or executing code that is not a file of the interpreter, its site-packages or this project
  (``eval``/``exec``/``compile`` of a string, ``code``/``function`` objects built by hand);
- starting processes (``os.system``, ``subprocess``, ``os.exec*``, ``os.posix_spawn``, ``os.fork``,
  ``pty``), sending signals, opening sockets, loading C libraries (``ctypes``), unpickling;
- opening files for writing, and removing, renaming or changing files, folders or the environment;
- importing a module outside ``ALLOWED_IMPORTS`` (those the parsers import lazily).

Two narrow exceptions, each checked exactly:
- math-verify's LaTeX parser reads each number token (which its lexer restricts to digits, a decimal point
  and an exponent) with ``sympy.Number(text)``, which sympy turns into the code ``from sympy import *``
  then ``Integer (12 )`` or ``Float ('0.5' )``. Code of exactly those shapes passes (checked on the source
  and on the compiled code object: its only names are ``sympy``, ``Integer`` or ``Float``, its only
  constants numbers);
- sympy's polynomial code generates its monomial arithmetic from a fixed template per number of variables
  (``MonomialOps._build`` in sympy/polys/monomials.py): code compiled and run directly by that function
  passes. No text of an answer reaches that template. The same holds for ``@dataclass``, which compiles a
  class's ``__init__``/``__repr__``... from its own field names (``dataclasses._create_fn``): libraries
  define dataclasses lazily (math-verify's integrals do), and no answer text reaches their fields.

A refused operation raises ``GuardRefused`` where it was attempted and is recorded; ``grade_task`` then
scores the answer as wrong whatever the comparison returned, and the parent logs the refusal
(``r1zero.grading.grader.refused_events``). Outside ``guarding()`` the hook only checks one flag.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
from contextlib import contextmanager

# Top-level modules the grading code may import while grading (sympy and math-verify import lazily).
ALLOWED_IMPORTS = frozenset({
    "sympy", "mpmath", "math_verify", "latex2sympy2_extended", "antlr4", "r1zero", "gmpy2",
    "math", "cmath", "fractions", "decimal", "_decimal", "_pydecimal", "numbers", "functools", "itertools",
    "collections", "operator", "re", "string", "typing", "copy", "heapq", "bisect", "keyword", "unicodedata",
    "enum", "types", "abc", "contextlib", "warnings", "weakref", "textwrap", "random", "array", "dataclasses",
    "inspect", "token", "tokenize", "linecache", "ast", "dis", "opcode", "_opcode", "struct", "_struct",
})
_REFUSED_EXACT = frozenset({
    "os.system", "os.fork", "os.forkpty", "os.kill", "os.killpg", "os.remove", "os.rename", "os.rmdir",
    "os.mkdir", "os.chmod", "os.chown", "os.chflags", "os.lchflags", "os.link", "os.symlink", "os.truncate",
    "os.utime", "os.putenv", "os.unsetenv", "os.chdir", "os.startfile", "os.setxattr", "os.removexattr",
    "signal.pthread_kill", "resource.setrlimit", "resource.prlimit", "sys.addaudithook", "code.__new__",
    "function.__new__", "pickle.find_class", "builtins.input",
    "builtins.breakpoint", "webbrowser.open", "sqlite3.connect", "syslog.openlog", "fcntl.ioctl",
})
_REFUSED_PREFIXES = ("socket.", "subprocess.", "os.exec", "os.spawn", "os.posix_spawn", "pty.", "ctypes.",
                     "shutil.", "urllib.", "http.", "ftplib.", "smtplib.", "imaplib.", "poplib.", "nntplib.",
                     "telnetlib.", "mmap.", "_winapi.", "winreg.", "msvcrt.", "cpython.run_")
# sympy's rendering of one number literal (sympy.Number("12") compiles "Integer (12 )"), see the docstring
_NUMBER_LITERAL_SOURCE = re.compile(r"(?:Integer\s*\(\s*\d+\s*\)|Float\s*\(\s*'[0-9.]+(?:[eE][-+]?\d+)?'\s*\))\s*")
_NUMBER_CONSTANT = re.compile(r"[0-9.]+(?:[eE][-+]?\d+)?")
_STAR_IMPORT_SOURCE = "from sympy import *"
# (file suffix, function) of library functions that compile code they generate from their own templates
_CODEGEN_CALLERS = frozenset({
    (os.path.join("sympy", "polys", "monomials.py"), "_build"),
    ("dataclasses.py", "_create_fn"),  # @dataclass methods from the class's own fields (Python <= 3.12)
    ("dataclasses.py", "add_fns_to_class"),  # the same in Python 3.13+ (_FuncBuilder)
})
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
_TRUSTED_ROOTS: tuple[str, ...] = ()
_refused: list[str] | None = None  # the current block's refusals; None outside guarding()


class GuardRefused(PermissionError):
    """An operation the grader never needs, attempted while grading an answer."""


def _trusted_file(filename) -> bool:
    if not isinstance(filename, str | bytes | os.PathLike):
        return False
    path = os.path.realpath(os.fsdecode(filename))
    return path.startswith(_TRUSTED_ROOTS) and os.path.isfile(path)


def _writes(mode, flags) -> bool:
    if isinstance(mode, str) and any(c in mode for c in "wax+"):
        return True
    return isinstance(flags, int) and bool(flags & _WRITE_FLAGS)


def _is_number_literal_source(source) -> bool:
    if isinstance(source, bytes):
        source = source.decode("ascii", "replace")
    if not isinstance(source, str):
        return False
    return source.strip() == _STAR_IMPORT_SOURCE or _NUMBER_LITERAL_SOURCE.fullmatch(source.strip()) is not None


def _is_number_literal_code(code) -> bool:
    names, consts = getattr(code, "co_names", None), getattr(code, "co_consts", None)
    if getattr(code, "co_filename", None) != "<string>" or names is None:
        return False
    if names == ("sympy",):
        return consts == (0, ("*",), None)
    return names in (("Integer",), ("Float",)) and all(
        c is None or (isinstance(c, int) and not isinstance(c, bool))
        or (isinstance(c, str) and _NUMBER_CONSTANT.fullmatch(c)) for c in consts)


def _called_by_codegen() -> bool:
    """True when the Python function that called compile()/exec() is one of ``_CODEGEN_CALLERS``."""
    frame = inspect.currentframe()
    while frame is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back  # skip this module's own frames: the first other frame made the call
    if frame is None:
        return False
    code = frame.f_code
    return any(code.co_name == name and code.co_filename.endswith(suffix) and _trusted_file(code.co_filename)
               for suffix, name in _CODEGEN_CALLERS)


def _refusal(event: str, args: tuple) -> str | None:
    """Why ``event`` is refused while grading, or None when it is allowed."""
    if event == "import":
        top = str(args[0]).split(".")[0]
        return None if top in ALLOWED_IMPORTS else f"import of {args[0]}"
    if event in ("compile", "exec") and _called_by_codegen():
        return None
    if event == "compile":
        if _trusted_file(args[1]) or _is_number_literal_source(args[0]):
            return None
        return f"compile of code from {args[1]!r}: {str(args[0])[:80]!r}"
    if event == "exec":
        code = args[0]
        if _trusted_file(getattr(code, "co_filename", None)) or _is_number_literal_code(code):
            return None
        return f"exec of code from {getattr(code, 'co_filename', None)!r}"
    if event == "open":
        return f"open of {args[0]!r} for writing" if _writes(args[1], args[2]) else None
    if event in _REFUSED_EXACT or event.startswith(_REFUSED_PREFIXES):
        return event
    return None


def _hook(event: str, args: tuple) -> None:
    refused = _refused
    if refused is None:
        return
    reason = _refusal(event, args)
    if reason is not None:
        refused.append(f"{event}: {reason}"[:300])
        raise GuardRefused(f"refused while grading: {reason}")


def install(project_root: str) -> None:
    """Add the audit hook to this process (once; audit hooks cannot be removed). Call it after warm-up."""
    global _TRUSTED_ROOTS
    if _TRUSTED_ROOTS:
        return
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, project_root}
    _TRUSTED_ROOTS = tuple(os.path.join(os.path.realpath(r), "") for r in roots)
    sys.addaudithook(_hook)


@contextmanager
def guarding():
    """Refuse the operations above inside this block; yields the list its refusals are appended to."""
    global _refused
    if not _TRUSTED_ROOTS:
        raise RuntimeError("grading_guard.install() must run before guarding()")
    refused: list[str] = []
    _refused = refused
    try:
        yield refused
    finally:
        _refused = None
