"""The GPU check's arithmetic (bench/gpu_check_figures.py) on a made-up probe report (the parts themselves run in
`bash bench/gpu_check.sh --dry_run` on CPU, about 7 minutes here, and on a GPU without --dry_run)."""

import pytest

from bench.gpu_check_figures import pytest_counts, step_figures


def _call(phase, step, seconds, inside=None, peak=None):
    return {"phase": phase, "step": step, "seconds": seconds, "inside": inside,
            **({"peak_gib": peak} if peak is not None else {})}


REPORT = {
    "completions_per_step": 128, "wall_s": 60.0, "global_step": 2,
    "steps": [{"step": 1, "wall_s": 40.0}, {"step": 2, "wall_s": 10.0}],
    "logs": [{"step": 1, "completions/mean_length": 1024.0, "num_tokens": 150_000},
             {"step": 2, "completions/mean_length": 1000.0, "num_tokens": 300_000}],
    "calls": [
        _call("weight_sync", 1, 0.5, peak=20.0), _call("generation", 1, 30.0, peak=40.0),
        _call("training_step", 1, 39.0, peak=30.0),
        # step 2, sleep mode: generate() syncs the weights inside itself; then the in-training eval
        _call("generation", 2, 5.0, peak=41.0), _call("weight_sync", 2, 1.0, inside="generation", peak=21.0),
        _call("training_step", 2, 8.0, peak=31.0), _call("eval", 2, 1.5, peak=12.0),
    ],
}


def test_step_split_counts_each_second_once():
    fig = step_figures(REPORT, params=1_000_000_000, kind="H100")
    one, two = fig["steps"]
    assert one["generation_s"] == 30.0 and one["weight_sync_s"] == 0.5 and one["training_s"] == pytest.approx(9.5)
    # the sync inside generate is weight sync, not generation; eval is its own phase
    assert two["generation_s"] == 4.0 and two["weight_sync_s"] == 1.0 and two["eval_s"] == 1.5
    assert two["training_s"] == pytest.approx(10.0 - 4.0 - 1.0 - 1.5)
    assert two["generated_tokens"] == 128 * 1000.0 and two["train_tokens"] == 150_000
    # steady figures skip the warm-up step
    assert fig["steady_mean"]["busy_s"] == pytest.approx(8.5)
    assert fig["generated_tokens_per_s"] == pytest.approx(128_000 / 4.0)
    assert fig["mfu"] == pytest.approx((8e9 * 150_000 + 2e9 * 128_000) / 8.5 / 989e12)
    assert fig["peak_gib_generation"] == 41.0 and fig["peak_gib_weight_sync"] == 21.0
    assert fig["peak_gib_training_step"] == 31.0 and fig["peak_gib_eval"] == 12.0
    assert step_figures(REPORT, params=10, kind=None)["mfu"] is None  # no GPU, no MFU


def test_pytest_counts_reads_the_summary_line():
    proc = type("P", (), {"stdout": "..s\n2 passed, 1 skipped in 3.1s\n", "returncode": 0})
    assert pytest_counts(proc) == {"returncode": 0, "summary": "2 passed, 1 skipped in 3.1s", "passed": 2,
                                   "skipped": 1}
