"""launch_trl.sh / launch_sft.sh build the right accelerate command (DRY_RUN=1 prints instead of running)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _dry(script, *args, **env):
    proc = subprocess.run(["bash", script, *args], cwd=REPO, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "DRY_RUN": "1", "PYTHON": sys.executable, **env})
    return proc


@pytest.mark.parametrize("args,env,expected", [
    ((), {}, "--num_processes 1 --config_file config/accelerate/single_gpu.yaml"),
    (("2",), {}, "--num_processes 2 --config_file config/accelerate/ddp.yaml"),
    (("4",), {"ZERO": "2"}, "--num_processes 4 --config_file config/accelerate/zero2.yaml"),
    (("8",), {"ZERO": "3"}, "--num_processes 8 --config_file config/accelerate/zero3.yaml"),
])
def test_launch_trl_picks_the_accelerate_config(args, env, expected):
    proc = _dry("step3_GRPO/launch_trl.sh", *args, "--learning_rate", "1e-6", **env)
    assert proc.returncode == 0, proc.stderr
    line = proc.stdout.strip().splitlines()[-1]
    assert line.startswith("accelerate launch " + expected)
    assert line.endswith("step3_GRPO/train_trl.py --config config/grpo_config.yaml --learning_rate 1e-6")


def test_launch_trl_server_mode_splits_gpus(tiny_model_dir):
    proc = _dry("step3_GRPO/launch_trl.sh", "--server", "3", "--model_name_or_path", str(tiny_model_dir),
                VLLM_GPUS="1", VLLM_PORT="8123", PYTHON=sys.executable)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    # the server's unauthenticated API binds to localhost unless the user names a host
    assert (f"CUDA_VISIBLE_DEVICES=0 trl vllm-serve --model {tiny_model_dir} --tensor_parallel_size 1 "
            "--host 127.0.0.1 --port 8123") in out
    assert "training on GPU(s) 1,2,3" in out
    assert "--num_processes 3" in out and "--vllm_mode server --vllm_server_host 127.0.0.1 --vllm_server_port 8123" in out
    exposed = _dry("step3_GRPO/launch_trl.sh", "--server", "1", "--model_name_or_path", str(tiny_model_dir),
                   VLLM_HOST="0.0.0.0", PYTHON=sys.executable).stdout
    assert "--host 0.0.0.0 --port 8000" in exposed and "--vllm_server_host 127.0.0.1" in exposed


def test_launch_sft_and_bad_zero_stage():
    proc = _dry("step2_sft/launch_sft.sh", "2", "--max_steps", "3")
    assert proc.stdout.strip() == ("accelerate launch --num_processes 2 --config_file config/accelerate/ddp.yaml "
                                   "step2_sft/train_sft.py --config config/sft.yaml --max_steps 3")
    proc = _dry("step2_sft/launch_sft.sh", "2", ZERO="5")
    assert proc.returncode == 2 and "zero5.yaml not found" in proc.stderr
