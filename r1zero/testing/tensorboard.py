"""Reading TensorBoard event files back, with TensorBoard's own reader: what the tests check a run logged."""

from __future__ import annotations

from pathlib import Path


def read_scalars(root: str | Path) -> dict[str, dict[int, float]]:
    """Every scalar tag of the one event folder under ``root/runs``: tag -> {step: value}, in the order written."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    runs = [p for p in (Path(root) / "runs").iterdir() if any(p.glob("events.out.tfevents.*"))]
    if len(runs) != 1:
        raise AssertionError(f"expected one TensorBoard event folder under {root}/runs, found {runs}")
    events = EventAccumulator(str(runs[0]), size_guidance={"scalars": 0})  # 0: keep every point
    events.Reload()
    return {tag: {e.step: e.value for e in events.Scalars(tag)} for tag in events.Tags()["scalars"]}
