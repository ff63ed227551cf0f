"""Test helper: a real SFT run that is SIGKILLed at every point of one checkpoint's save, one point per child.

    python tests/helpers/save_kills.py SNAPSHOTS STEP -- <train_sft.py arguments>

At the end of step STEP, once the Trainer has decided to save, the run forks a child for k = 1, 2, ...: the
child goes on into the save and SIGKILLs itself at its k-th kill point; the parent waits, copies the output
folder as the kill left it to SNAPSHOTS/k, puts the folder back as it was before the save, and tries k + 1,
until a child finishes the save without reaching its k-th point. Then the parent saves and finishes the run.
One training run gives every kill point a real kill, cheaply.

Kill points (in the child only, test code only): every file or folder operation Python sees in the output
folder (sys.addaudithook: open, mkdir, rename/replace, remove, rmdir, rmtree), and the middle of each
torch.save and safetensors save_file (the file cut at half its size, then the kill), which run in C and Rust
where no audit event fires.
"""

import os
import shutil
import signal
import sys
from pathlib import Path

EVENTS = {"open", "os.mkdir", "os.rename", "os.replace", "os.remove", "os.rmdir", "shutil.rmtree"}


def main() -> None:
    snapshots, step = Path(sys.argv[1]), int(sys.argv[2])
    argv = sys.argv[sys.argv.index("--") + 1:]
    out = Path(argv[argv.index("--output_dir") + 1]).resolve()
    points = {"armed": False, "left": 0}

    def point(where: str) -> None:
        if points["armed"]:
            points["left"] -= 1
            if points["left"] == 0:
                print(f"kill point: {where}", file=sys.stderr, flush=True)
                os.kill(os.getpid(), signal.SIGKILL)

    def audit(event, args):
        if points["armed"] and event in EVENTS and args and isinstance(args[0], str | bytes | os.PathLike):
            path = os.fsdecode(args[0])
            if event in ("os.remove", "os.rmdir") and isinstance(args[-1], int) and args[-1] >= 0:
                path = os.path.join(os.readlink(f"/proc/self/fd/{args[-1]}"), path)  # rmtree's dir_fd calls
            if str(out) in os.path.abspath(path) and (event != "open" or _writes(args)):
                point(f"{event} {path}")

    sys.addaudithook(audit)

    import safetensors.torch
    import torch
    import transformers.modeling_utils
    from transformers import Trainer, TrainerCallback

    def cut_midway(save):
        def wrapped(obj, path, *args, **kwargs):
            save(obj, path, *args, **kwargs)
            if points["armed"] and isinstance(path, str | os.PathLike) and str(out) in os.path.abspath(path):
                if points["left"] == 1:  # this is the kill point: leave the file half written
                    os.truncate(path, os.path.getsize(path) // 2)
                point(f"midway {path}")
        return wrapped

    torch.save = cut_midway(torch.save)
    transformers.modeling_utils.safe_save_file = cut_midway(transformers.modeling_utils.safe_save_file)
    safetensors.torch.save_file = cut_midway(safetensors.torch.save_file)

    class ForkAtSave(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step != step or not control.should_save:
                return
            before = snapshots / "before"
            shutil.copytree(out, before)
            k = 0
            while True:
                k += 1
                pid = os.fork()
                if pid == 0:
                    points.update(armed=True, left=k)  # the child saves, and dies at its k-th point
                    return
                _, status = os.waitpid(pid, 0)
                if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 3:
                    break  # the save ended before the k-th point: every point has had its kill
                assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status
                shutil.copytree(out, snapshots / str(k))
                shutil.rmtree(out)
                shutil.copytree(before, out)
            print(f"kill points: {k - 1}", file=sys.stderr, flush=True)

        def on_save(self, args, state, control, **kwargs):
            if points["armed"]:
                os._exit(3)

    real_train = Trainer.train

    def train(self, *args, **kwargs):
        self.add_callback(ForkAtSave())  # last, after the run's own callbacks
        return real_train(self, *args, **kwargs)

    Trainer.train = train
    from r1zero.core.errors import run_cli
    from step2_sft.train_sft import main as sft_main

    run_cli(lambda: sft_main(argv))


def _writes(args) -> bool:
    mode = args[1] if len(args) > 1 else "r"
    if isinstance(mode, int):  # os.open flags
        return bool(mode & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
    return isinstance(mode, str) and any(c in mode for c in "wax+")


if __name__ == "__main__":
    main()
