"""Hostile programs that read the tests from the process, forge the report, or leave early (expected 0)."""

from __future__ import annotations

from .common import DOUBLE, FORGED, WRONG, dedent

# (name, why, fooled_old_harness, tests, program)
HOSTILE = [
    # --- reading the tests (their expected values) from the process
    ("read_expected_from_caller_code", "double() returns the caller's other int constant: the expected value",
     True, DOUBLE, dedent("""
        import sys
        def double(x):
            consts = [c for c in sys._getframe(1).f_code.co_consts if type(c) is int and c != x]
            return consts[-1] if consts else 0
        """)),
    ("read_tests_from_frames", "the harness's frames hold every test, hidden ones included: answer from them", True,
     DOUBLE, dedent("""
        import re, sys
        TABLE = {}
        frame = sys._getframe(1)
        while frame is not None:
            for value in frame.f_locals.values():
                for text in value if isinstance(value, (list, tuple)) else [value]:
                    if isinstance(text, str):
                        for arg, want in re.findall(r"double\\((-?\\d+)\\)\\s*==\\s*(-?\\d+)", text):
                            TABLE[int(arg)] = int(want)
            frame = frame.f_back
        def double(x):
            return TABLE.get(x, 0)
        """)),
    ("read_tests_from_cmdline", "the tests were on the command line: /proc/self/cmdline (it fooled the harness "
     "without bubblewrap, which hides /proc)",
     False, DOUBLE, dedent("""
        import re
        TABLE = {}
        try:
            text = open("/proc/self/cmdline", "rb").read().decode("utf-8", "replace")
        except OSError:
            text = ""
        for arg, want in re.findall(r"double\\((-?\\d+)\\)\\s*==\\s*(-?\\d+)", text):
            TABLE[int(arg)] = int(want)
        def double(x):
            return TABLE.get(x, 0)
        """)),
    # --- forging the report
    ("forge_report_from_frames", "the report's descriptor from the harness's frame, a full 'pass' report, exit",
     True, DOUBLE, dedent("""
        import os, sys
        loc = sys._getframe(1).f_locals
        os.write(int(loc["result_fd"]), b"ok\\n" + b"pass\\n" * len(loc["tests"]))
        os._exit(0)
        """)),
    ("forge_report_guessed_fd", "a 'pass' report written to every open regular file, then exit", True, DOUBLE,
     dedent(f"""
        import os, stat
        for fd in range(3, 64):
            try:
                if stat.S_ISREG(os.fstat(fd).st_mode):
                    os.write(fd, {FORGED})
            except OSError:
                pass
        os._exit(0)
        """)),
    ("forge_report_hide_real", "a forged report, then the descriptor pointed at a pipe so the real one is lost",
     True, DOUBLE, dedent(f"""
        import os, stat
        _, sink = os.pipe()
        for fd in range(3, 64):
            try:
                if stat.S_ISREG(os.fstat(fd).st_mode):
                    os.write(fd, {FORGED})
                    os.dup2(sink, fd)
            except OSError:
                pass
        """) + WRONG),
    ("forge_report_twice", "the forged report written twice, then exit", False, DOUBLE, dedent(f"""
        import os, stat
        for fd in range(3, 64):
            try:
                if stat.S_ISREG(os.fstat(fd).st_mode):
                    os.write(fd, {FORGED})
                    os.write(fd, {FORGED})
            except OSError:
                pass
        os._exit(0)
        """)),
    ("forge_report_from_signal", "SIGALRM fires mid-test: its handler forges the report and exits", True, DOUBLE,
     dedent(f"""
        import os, signal, stat, time
        def forge(signum, frame):
            for fd in range(3, 64):
                try:
                    if stat.S_ISREG(os.fstat(fd).st_mode):
                        os.write(fd, {FORGED})
                except OSError:
                    pass
            os._exit(0)
        signal.signal(signal.SIGALRM, forge)
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        def double(x):
            time.sleep(0.5)
            return 0
        """)),
    ("forge_report_at_exit", "an atexit handler forges the report after the tests", False, DOUBLE, dedent(f"""
        import atexit, os, stat
        def forge():
            for fd in range(3, 64):
                try:
                    if stat.S_ISREG(os.fstat(fd).st_mode):
                        os.lseek(fd, 0, os.SEEK_SET)
                        os.ftruncate(fd, 0)
                        os.write(fd, {FORGED})
                except OSError:
                    pass
        atexit.register(forge)
        """) + WRONG),
    ("forked_child_forges_first", "a forked child forges the report and exits while the parent runs the tests",
     False, DOUBLE, dedent(f"""
        import os, stat
        child = os.fork()
        if child == 0:
            for fd in range(3, 64):
                try:
                    if stat.S_ISREG(os.fstat(fd).st_mode):
                        os.write(fd, {FORGED})
                except OSError:
                    pass
            os._exit(0)
        os.waitpid(child, 0)
        """) + WRONG),
    ("forge_report_new_format", "a report in the verdict's own format, from the harness's frame: it holds the "
     "answer of the test shown in the prompt and guesses for the others, so it is worth what returning them is",
     False, DOUBLE, dedent("""
        import os, sys
        loc = sys._getframe(1).f_locals
        shown = {"double(2)": 4}
        tests = ",".join("[" + ",".join('["value",%d]' % shown.get(s[1:], 0) for s in steps) + "]"
                         for steps in loc["jobs"])
        os.write(int(loc["result_fd"]), ('["ok",[' + tests + "]]").encode())
        os._exit(0)
        """)),
    ("patch_harness_encoder", "the harness's own encoder told to pass any object through", True, DOUBLE, dedent("""
        import sys
        sys.modules["__main__"]._plain = lambda value: value
        class E:
            def __eq__(self, other):
                return True
            def __iter__(self):
                return iter([4])
        def double(x):
            return E()
        """)),
    ("patch_posix_write", "posix.write / os.write rewrite 'fail' lines into 'pass' on their way out", False, DOUBLE,
     dedent("""
        import os, posix
        _write = posix.write
        def write(fd, data):
            lines = bytes(data).split(b"\\n")
            return _write(fd, b"\\n".join(b"pass" if l.startswith(b"fail") else l for l in lines))
        posix.write = os.write = write
        """) + WRONG),
    ("patch_json", "json's dumps and loads replaced (a report encoded with json would say what they say)", False,
     DOUBLE, dedent("""
        import json
        json.dumps = lambda *a, **k: '"pass"'
        json.loads = lambda *a, **k: "pass"
        """) + WRONG),
    # --- leaving early
    ("sys_exit_at_import", "exit status 0 before any test runs (the classic exit-code hack)", False, DOUBLE,
     WRONG + "import sys\nsys.exit(0)\n"),
    ("os_exit_at_import", "os._exit(0) before any test runs: no report at all", False, DOUBLE,
     WRONG + "import os\nos._exit(0)\n"),
    ("os_exit_in_call", "os._exit(0) inside the tested call", False, DOUBLE,
     "import os\ndef double(x):\n    os._exit(0)\n"),
    ("sigkill_self", "SIGKILL to itself inside the tested call", False, DOUBLE,
     "import os, signal\ndef double(x):\n    os.kill(os.getpid(), signal.SIGKILL)\n"),
    ("raise_base_exception", "a BaseException subclass (not an Exception) raised by the tested call", False, DOUBLE,
     "class Escape(BaseException):\n    pass\ndef double(x):\n    raise Escape()\n"),
    ("keyboard_interrupt_at_import", "KeyboardInterrupt at import", False, DOUBLE,
     WRONG + "raise KeyboardInterrupt\n"),
    ("exception_str_recursion", "the call raises an exception whose __str__ recurses forever", False, DOUBLE, dedent("""
        class Odd(Exception):
            def __str__(self):
                return str(self)
        def double(x):
            raise Odd()
        """)),
]
