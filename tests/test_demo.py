"""runs/demo.py: which seed each stage gets (the stages themselves run in the other tests and in `make demo`)."""

from run_scripts import load_run_script


def _stage_seeds(monkeypatch, tmp_path, **args) -> dict[str, str]:
    demo = load_run_script("demo")
    commands = {}
    monkeypatch.setattr(demo, "run_stage", lambda title, cmd, timings, env: commands.update({title: cmd}))
    demo.run_pipeline(demo.DemoArgs(**args), tmp_path, [], {})
    return {title: cmd[cmd.index("--seed") + 1] for title, cmd in commands.items() if "--seed" in cmd}


def test_data_seed_fixes_the_stories_and_split_while_seed_drives_training(monkeypatch, tmp_path):
    seeds = _stage_seeds(monkeypatch, tmp_path, seed=3, data_seed=0)
    assert seeds["step1: synthetic arithmetic"] == seeds["step1: prepare"] == "0"
    trained = {title: s for title, s in seeds.items() if not title.startswith("step1")}
    assert set(trained) >= {"step2: SFT", "step3: GRPO", "step4: evaluate sft", "step4: evaluate grpo"}
    assert set(trained.values()) == {"3"}


def test_without_data_seed_every_stage_gets_the_seed(monkeypatch, tmp_path):
    assert set(_stage_seeds(monkeypatch, tmp_path, seed=2).values()) == {"2"}
