"""step4_eval with the transformers engine on CPU: the bar command, resume, contracts, --ckpt, compare."""

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from r1zero.core.config import parse_args
from r1zero.core.errors import UserError
from r1zero.core.prompts import build_prompt, build_response
from r1zero.evaluation.contract import contract_diff, describe_diff
from r1zero.evaluation.metrics import build_summary, check_summary
from r1zero.evaluation.records import RECORD_FIELDS, read_generations
from step4_eval import checkpoints, compare, evaluate
from step4_eval.runner import Evaluator

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("gsm8k", "synthetic_arithmetic")


def make_val(path: Path, n: int = 12) -> Path:
    """A val.parquet in step1's schema (prompt is the full r1_zero prompt)."""
    rows = []
    for i in range(n):
        a, b = 3 * i + 1, 7 * i + 2
        q = f"What is {a} + {b}?"
        rows.append({"id": f"p{i:03d}", "source": SOURCES[i % 2], "problem": q, "answer": str(a + b),
                     "solution": rf"\boxed{{{a + b}}}", "prompt": build_prompt(q),
                     "sft_target": build_response(f"{a} + {b} = {a + b}", str(a + b))})
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_parquet(path)
    return path


@pytest.fixture(scope="module")
def val(tmp_path_factory):
    return make_val(tmp_path_factory.mktemp("data") / "val.parquet")


def eval_args(*argv):
    return parse_args([evaluate.EvalArgs], list(argv))[0]


def run_eval(args, ckpt, problems, sha, out_dir, on_chunk=None):
    """One job through step 4's runner, as the command runs it: (summary, records)."""
    evaluator = Evaluator(args, ckpt)
    job = evaluator.run(evaluator.job(problems, sha, out_dir), on_chunk)
    return job.summary, job.records


def strip_timing(summary):
    return {k: v for k, v in summary.items() if k != "timing"}


@pytest.mark.slow
def test_bar_command_writes_consistent_outputs(tiny_model_dir, val, tmp_path):
    """The external check, as a real subprocess: --engine hf --num_samples 2 --max_tokens 48."""
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(REPO / "step4_eval/evaluate.py"), "--ckpt", str(tiny_model_dir), "--data", str(val),
         "--output_dir", str(out), "--engine", "hf", "--num_samples", "2", "--max_tokens", "48", "--limit", "6"],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "format accuracy" in proc.stdout and "synthetic_arithmetic" in proc.stdout  # the printed table
    summary = json.loads((out / "summary.json").read_text())
    rows, _ = read_generations(out / "generations.jsonl")
    assert len(rows) == 6 * 2 and all(set(r) == set(RECORD_FIELDS) for r in rows)
    check_summary(summary)
    assert summary["total"] == len(rows) and summary["num_problems"] == 6 and summary["samples_per_problem"] == 2
    assert summary["counts"] == {c: sum(r["category"] == c for r in rows)
                                 for c in ("correct", "wrong_answer", "format_failure")}
    assert set(summary["by_source"]) == set(SOURCES)
    assert {"pass@1", "pass@2", "maj@2", "mean@2"} <= set(summary)
    for r in rows:
        assert 1 <= r["completion_tokens"] <= 48 and r["finish_reason"] in ("stop", "eos", "length")
        assert r["truncated"] == (r["finish_reason"] == "length")
        assert r["prompt"].endswith("Assistant: <think>")
    assert summary["truncated"] == sum(r["truncated"] for r in rows)
    c = summary["contract"]
    assert c["sampling"]["n"] == 2 and c["sampling"]["max_tokens"] == 48 and c["engine"]["name"] == "hf" and c["engine"]["batch_size"] is not None
    assert c["data"]["num_problems"] == 6 and c["prompt_template_hash"] and c["grader_version"]
    assert c["checkpoint"]["sha256_sampled"] and "transformers" in c["packages"]
    t = summary["timing"]
    assert t["generated_tokens"] == sum(r["completion_tokens"] for r in rows) and t["tokens_per_s"] > 0
    assert (out / "manifest.json").is_file()


@pytest.mark.slow
def test_resume_after_kill_gives_the_same_summary(tiny_model_dir, val, tmp_path, capsys):
    argv = ["--ckpt", str(tiny_model_dir), "--data", str(val), "--engine", "hf", "--num_samples", "2",
            "--max_tokens", "12", "--chunk_size", "4", "--batch_size", "2", "--temperature", "1.0"]
    ckpt = checkpoints.resolve(str(tiny_model_dir), tmp_path)[0]
    problems = evaluate.load_problems(val)
    sha = evaluate.file_sha256(val)

    full_dir = tmp_path / "full"
    full, _ = run_eval(eval_args(*argv), ckpt, problems, sha, full_dir)
    full_rows = (full_dir / "generations.jsonl").read_text().splitlines(keepends=True)

    class Killed(Exception):
        pass

    def kill_after_first_chunk(chunk):
        raise Killed

    part_dir = tmp_path / "part"
    with pytest.raises(Killed):
        run_eval(eval_args(*argv), ckpt, problems, sha, part_dir, on_chunk=kill_after_first_chunk)
    # a damaged line (not UTF-8), then the whole of chunk 1, then a kill in the middle of writing chunk 2:
    # some of its rows plus a torn line
    with open(part_dir / "generations.jsonl", "ab") as fh:
        fh.write(b'{"index": 4, "sample\xffindex": 0}\n' + "".join(full_rows[8:19]).encode()
                 + full_rows[19][:25].encode())
    assert not (part_dir / "summary.json").exists()
    capsys.readouterr()
    resumed, _ = run_eval(eval_args(*argv), ckpt, problems, sha, part_dir)
    # the rows after the damaged line were kept: only chunk 2 was generated again
    assert "kept 16 of 19 rows (whole chunks only); skipped 2 unreadable line(s)" in capsys.readouterr().out
    assert resumed["timing"]["sessions"] == 2
    assert (part_dir / "generations.jsonl").read_text().splitlines(keepends=True) == full_rows
    norm = lambda s: {**strip_timing(s), "generations": None}  # noqa: E731 - the folders differ by name only
    assert norm(resumed) == norm(full)

    # rerunning a finished eval generates nothing and writes nothing
    stamps = {p.name: p.stat().st_mtime_ns for p in part_dir.iterdir() if not p.name.startswith(".run.lock")}
    again, _ = run_eval(eval_args(*argv), ckpt, problems, sha, part_dir)
    assert again == resumed
    assert {p.name: p.stat().st_mtime_ns for p in part_dir.iterdir() if not p.name.startswith(".run.lock")} == stamps

    # a folder where an attempt failed before generating anything (another checkpoint, say) blocks nothing
    failed_dir = tmp_path / "failed"
    failed_dir.mkdir()
    (failed_dir / "eval_state.json").write_text(json.dumps({"contract": {"checkpoint": "bad"}, "timing": {}}))
    (failed_dir / "generations.jsonl").write_text("")
    small_rerun, _ = run_eval(eval_args(*argv), ckpt, problems.head(2), sha, failed_dir)
    assert small_rerun["total"] == 4

    # another contract on a partial (or finished) run is refused, --overwrite starts over
    with pytest.raises(UserError, match="another contract.*seed"):
        run_eval(eval_args(*argv, "--seed", "7"), ckpt, problems, sha, part_dir)
    small = problems.head(2)
    fresh, rows = run_eval(eval_args(*argv, "--seed", "7", "--overwrite", "true"), ckpt, small,
                                               sha, part_dir)
    assert fresh["total"] == 4 and len(rows) == 4 and fresh["contract"]["seed"] == 7


def test_hf_finish_reasons_and_stop_cut(tiny_model_dir):
    from transformers import AutoTokenizer

    from r1zero.evaluation.engines import Sampling
    from r1zero.evaluation.engines.hf import HFEngine

    engine = HFEngine.__new__(HFEngine)
    engine.tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    eos = engine.tokenizer.eos_token_id
    engine.eos_ids = engine.end_ids = {eos}
    engine.reasoning = None  # a plain model (tests/training/test_reasoning_vocab.py: one with a reasoning vocabulary)
    enc = lambda s: engine.tokenizer(s, add_special_tokens=False)["input_ids"]  # noqa: E731
    sampling = Sampling.for_template("r1_zero", max_tokens=64)
    answered = enc("3 + 4 = 7 </think> <answer> 7 </answer>")
    s = engine._sample(answered + [eos, eos, eos], sampling)  # finished early, then padded
    assert s.finish_reason == "stop" and s.text.endswith("</answer>") and s.tokens == len(answered)
    s = engine._sample(enc("no answer") + [eos, eos], sampling)
    assert s.finish_reason == "eos" and s.tokens == len(enc("no answer")) + 1
    s = engine._sample(enc("still thinking about it"), sampling)
    assert s.finish_reason == "length" and s.text == "still thinking about it"


def test_resolve_checkpoints(tmp_path, tiny_model_dir):
    run = tmp_path / "run" / "grpo"
    for step in (10, 2, 100):
        shutil.copytree(tiny_model_dir, run / f"checkpoint-{step}")
    (run / "manifest.json").write_text(json.dumps({"config": {"model": {"model_name_or_path": "Qwen/Qwen2.5-0.5B"}}}))
    everything = checkpoints.resolve("all", run)
    assert [(c.label, c.step) for c in everything] == [("base", 0), ("checkpoint-2", 2), ("checkpoint-10", 10),
                                                       ("checkpoint-100", 100)]
    assert everything[0].model == "Qwen/Qwen2.5-0.5B" and not everything[0].local
    assert checkpoints.resolve("all", run, base_model=str(tiny_model_dir))[0].local
    assert checkpoints.resolve("checkpoint-10", run)[0].model == str((run / "checkpoint-10").resolve())
    assert checkpoints.resolve(str(tiny_model_dir), run)[0].local
    hub = checkpoints.resolve("Qwen/Qwen2.5-Math-1.5B", run)[0]
    assert hub.label == "Qwen--Qwen2.5-Math-1.5B" and not hub.local
    with pytest.raises(UserError, match="available: checkpoint-2, checkpoint-10, checkpoint-100"):
        checkpoints.resolve("checkpoint-200", run)
    with pytest.raises(UserError, match="no checkpoint-N"):
        checkpoints.resolve("all", tmp_path / "empty")


def test_fingerprint_tells_checkpoints_apart(tmp_path, tiny_model_dir):
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(tiny_model_dir, a)
    shutil.copytree(tiny_model_dir, b)
    fp = lambda p: checkpoints.fingerprint(checkpoints.resolve(str(p), tmp_path)[0])["sha256_sampled"]  # noqa: E731
    assert fp(a) == fp(b)
    weights = b / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    assert fp(a) != fp(b)


def test_contract_diff_names_the_keys():
    a = {"seed": 1, "sampling": {"n": 4, "temperature": 1.0}, "checkpoint": {"model": "x"}}
    b = {"seed": 1, "sampling": {"n": 4, "temperature": 0.0}, "checkpoint": {"model": "y"}}
    assert contract_diff(a, b) == ["checkpoint.model", "sampling.temperature"]
    assert "sampling.temperature (1.0 vs 0.0)" in describe_diff(a, b)
    assert describe_diff(a, {**a, "checkpoint": {"model": "z"}}) is None  # checkpoints differ by design


def test_list_answers_are_kept_as_lists(tmp_path):
    path = tmp_path / "val.parquet"
    pd.DataFrame({"id": [1, 2], "prompt": ["p", "q"], "answer": [["1/2", "0.5"], ["3"]]}).to_parquet(path)
    problems = evaluate.load_problems(path)
    assert problems["answer"].tolist() == [["1/2", "0.5"], ["3"]] and problems["id"].tolist() == ["1", "2"]
    assert problems["source"].tolist() == ["unknown", "unknown"]


def test_bad_inputs_are_one_line_errors(tmp_path, val):
    with pytest.raises(UserError, match="not found"):
        evaluate.load_problems(tmp_path / "missing.parquet")
    bad = tmp_path / "bad.parquet"
    pd.DataFrame({"id": ["1"], "question": ["q"]}).to_parquet(bad)
    with pytest.raises(UserError, match="lacks column.*prompt, answer"):
        evaluate.load_problems(bad)
    with pytest.raises(UserError, match="--engine must be one of vllm, hf"):
        eval_args("--engine", "nope")
    with pytest.raises(UserError, match="--ckpt is required"):
        evaluate.main(["--data", str(val)])
    proc = subprocess.run([sys.executable, str(REPO / "step4_eval/evaluate.py"), "--ckpt", "checkpoint-9",
                           "--run_dir", str(tmp_path), "--data", str(val)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "available: none" in proc.stderr


def test_load_problems_counts_and_drops_empty_rows(tmp_path, capsys):
    path = make_val(tmp_path / "val.parquet", n=5)
    df = pd.read_parquet(path)
    df.loc[1, "answer"] = ""
    df.loc[3, "prompt"] = None
    df.to_parquet(path)
    problems = evaluate.load_problems(path)
    assert problems["id"].tolist() == ["p000", "p002", "p004"]
    assert problems["answer"].tolist() == [str(1 + 2), str(7 + 16), str(13 + 30)]
    assert "skipping 2 of 5 rows: 1 empty prompt, 1 empty answer" in capsys.readouterr().out


@pytest.mark.slow
def test_ckpt_all_writes_curve_and_comparison(tmp_path, tiny_model_dir, val):
    run = tmp_path / "run" / "grpo"
    for step in (5, 10):
        shutil.copytree(tiny_model_dir, run / f"checkpoint-{step}")
    (run / "manifest.json").write_text(json.dumps({"config": {"model_name_or_path": str(tiny_model_dir)}}))
    summaries = evaluate.main(["--ckpt", "all", "--run_dir", str(run), "--data", str(val), "--engine", "hf",
                               "--limit", "2", "--max_tokens", "8", "--temperature", "0"])
    eval_root = tmp_path / "run" / "eval"
    assert [s["step"] for s in summaries] == [0, 5, 10]
    for label in ("base", "checkpoint-5", "checkpoint-10"):
        assert (eval_root / label / "summary.json").is_file()
    png = (eval_root / "learning_curve.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    table = (eval_root / "comparison.md").read_text()
    assert table.count("\n") == 2 + 3 and "checkpoint-10" in table
    # same weights, greedy: identical generations, so compare.py finds no flips and no contract difference
    result = compare.main([str(eval_root / "base"), str(eval_root / "checkpoint-10")])
    assert all(not b["gained"] and not b["lost"] for b in result["sources"].values())


def write_eval(folder: Path, outcomes: dict[str, list[str]], contract: dict) -> Path:
    """A fake finished eval: outcomes maps problem id -> categories of its samples."""
    rows = [{"id": pid, "source": "even" if int(pid[1:]) % 2 == 0 else "odd", "sample_index": j, "category": cat,
             "format_reward": float(cat != "format_failure"), "answer_reward": float(cat == "correct"),
             "extracted_answer": None, "completion_tokens": 5, "finish_reason": "stop"}
            for pid, cats in outcomes.items() for j, cat in enumerate(cats)]
    folder.mkdir(parents=True)
    (folder / "generations.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "summary.json").write_text(json.dumps(build_summary(rows, extra={"contract": contract})))
    return folder


def test_compare_lists_flips_by_source(tmp_path, capsys):
    c, w, f = "correct", "wrong_answer", "format_failure"
    a = write_eval(tmp_path / "a", {"p0": [c, c], "p1": [w, w], "p2": [c, w], "p3": [f, f], "p4": [c, c]},
                   {"seed": 1, "checkpoint": {"model": "a"}})
    b = write_eval(tmp_path / "b", {"p0": [w, w], "p1": [c, w], "p2": [c, c], "p3": [c, c], "p5": [c, c]},
                   {"seed": 2, "checkpoint": {"model": "b"}})
    out = tmp_path / "flips.json"
    result = compare.main([str(a), str(b / "summary.json"), "--json", str(out)])
    text = capsys.readouterr().out
    assert "contracts differ in seed (1 vs 2)" in text
    even, odd = result["sources"]["even"], result["sources"]["odd"]
    assert even["lost"] == ["p0"] and even["gained"] == [] and even["problems"] == 2   # p2 stays solved (>= half)
    assert sorted(odd["gained"]) == ["p1", "p3"] and odd["lost"] == []
    assert result["only_in_a"] == 1 and result["only_in_b"] == 1
    assert json.loads(out.read_text())["sources"]["odd"]["gained"] == ["p1", "p3"]


def test_compare_refuses_code_evals_under_different_prompt_protocols(tmp_path):
    """MBPP pass@1 with every test in the prompt and with one are different numbers: never compared."""
    c = "correct"
    a = write_eval(tmp_path / "a", {"p0": [c]}, {"code": {"protocol": "original"}, "checkpoint": {"model": "a"}})
    b = write_eval(tmp_path / "b", {"p0": [c]}, {"code": {"protocol": "evalplus"}, "checkpoint": {"model": "b"}})
    same = write_eval(tmp_path / "c", {"p0": [c]}, {"code": {"protocol": "evalplus"}, "checkpoint": {"model": "c"}})
    with pytest.raises(UserError, match="different protocols"):
        compare.main([str(a), str(b)])
    assert compare.main([str(b), str(same)])["sources"]


def test_wandb_offline_logs_metrics_and_tables(tmp_path, tiny_model_dir, val, monkeypatch, fresh_wandb):
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.setenv("WANDB_SILENT", "true")
    evaluate.main(["--ckpt", str(tiny_model_dir), "--data", str(val), "--output_dir", str(tmp_path / "out"),
                   "--engine", "hf", "--limit", "3", "--max_tokens", "4", "--wandb_samples", "2"])
    tables = {p.name.split("_")[0]: json.loads(p.read_text()) for p in tmp_path.glob("wandb/offline-run-*/files/media/table/eval/*.json")}
    assert set(tables) == {"samples", "sources"}
    assert len(tables["samples"]["data"]) == 2 and "completion" in tables["samples"]["columns"]
    assert [row[0] for row in tables["sources"]["data"]] == [*SOURCES, "all"]
    monkeypatch.setenv("WANDB_MODE", "disabled")  # respected: no new run
    evaluate.main(["--ckpt", str(tiny_model_dir), "--data", str(val), "--output_dir", str(tmp_path / "out"),
                   "--engine", "hf", "--limit", "3", "--max_tokens", "4"])
    assert len(list(tmp_path.glob("wandb/offline-run-*"))) == 1


def test_eval_of_a_run_final_goes_beside_its_run_with_the_manifest_step(tiny_model_dir, val, tmp_path, monkeypatch,
                                                                         capsys):
    """`--ckpt outputs/demo/grpo/final` without --output_dir: the eval goes to outputs/demo/eval/final (not the
    default run_dir's recipe folder), and its step is the one final/'s manifest records."""
    monkeypatch.chdir(tmp_path)  # the default run_dir, outputs/qwen2.5-math-1.5b-r1zero/grpo, is relative
    final = tmp_path / "outputs" / "demo" / "grpo" / "final"
    shutil.copytree(tiny_model_dir, final)
    (final / "manifest.json").write_text(json.dumps({"stage": "grpo", "global_step": 7}))
    (summary,) = evaluate.main(["--ckpt", "outputs/demo/grpo/final", "--data", str(val), "--engine", "hf",
                                "--limit", "1", "--max_tokens", "4", "--report_to", "none"])
    assert (tmp_path / "outputs" / "demo" / "eval" / "final" / "summary.json").is_file()
    assert not (tmp_path / "outputs" / "qwen2.5-math-1.5b-r1zero").exists()
    assert summary["step"] == 7 and "== final (step 7) ->" in capsys.readouterr().out


def test_output_folders_follow_the_checkpoints_run(tmp_path, tiny_model_dir):
    run = tmp_path / "r" / "grpo"
    shutil.copytree(tiny_model_dir, run / "checkpoint-3")
    other = tmp_path / "models" / "tiny"
    shutil.copytree(tiny_model_dir, other)
    shutil.copytree(tiny_model_dir, tmp_path / "q" / "sft" / "final")

    def folder(spec, *argv):
        args = eval_args("--ckpt", spec, "--run_dir", str(run), *argv)
        return args.checkpoint_dir(checkpoints.resolve(spec, run, base_model=str(other))[-1])

    assert folder("checkpoint-3") == tmp_path / "r" / "eval" / "checkpoint-3"
    assert folder(str(run / "checkpoint-3")) == tmp_path / "r" / "eval" / "checkpoint-3"
    assert folder(str(tmp_path / "q" / "sft" / "final")) == tmp_path / "q" / "eval" / "final"  # another run's
    assert folder("all") == tmp_path / "r" / "eval" / "checkpoint-3"
    # a model outside any run, and a hub id, are scored for run_dir's run
    assert folder(str(other)) == tmp_path / "r" / "eval" / "tiny"
    assert folder("org/model") == tmp_path / "r" / "eval" / "org--model"
    assert folder(str(run / "checkpoint-3"), "--output_dir", str(tmp_path / "x")) == tmp_path / "x"
    assert folder("all", "--output_dir", str(tmp_path / "x")) == tmp_path / "x" / "checkpoint-3"


def test_compare_names_each_side_by_its_folder(tmp_path, capsys):
    """Two runs' final evals: compare.py and compare_runs.py name them a/final and b/final, not final and eval."""
    from step4_eval import compare_runs

    c, w = "correct", "wrong_answer"
    a = write_eval(tmp_path / "a" / "eval" / "final", {"p0": [c], "p1": [w]}, {"checkpoint": {"model": "final"}})
    b = write_eval(tmp_path / "b" / "eval" / "final", {"p0": [c], "p1": [c]}, {"checkpoint": {"model": "final"}})
    compare.main([str(a), str(b / "summary.json")])
    out = capsys.readouterr().out
    assert "A: a/final  accuracy 50.00%" in out and "B: b/final  accuracy 100.00%" in out
    rows = compare_runs.main([str(a), str(b), "--out", str(tmp_path / "cmp")])
    assert [r["run"] for r in rows] == ["a/final", "b/final"]
    assert "| a/final | ok | 50.00% |" in (tmp_path / "cmp" / "runs.md").read_text()


def test_step4_and_the_in_training_eval_import_no_cycle():
    """Function-level imports count (tools/import_graph.py): step 4 and the evaluation library form no cycle."""
    spec = importlib.util.spec_from_file_location("import_graph", REPO / "tools" / "import_graph.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    ours = ("step4_eval", "r1zero.evaluation", "step3_GRPO.in_training_eval")
    assert [c for c in tool.cycles(tool.import_graph()) if any(m.startswith(ours) for m in c)] == []
