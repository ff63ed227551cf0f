"""Benchmark suites: adapters on the embedded copies and their index, bad input, templates, the suite end to
end on the tiny model (offline, from the embedded copies), compare.py on suites, decontamination per
benchmark, the gold integrity check and agreement with peer graders' public test cases."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from r1zero.core.errors import UserError
from r1zero.core.prompts import PROMPT_TEMPLATE_HASH, TEMPLATES, build_prompt, get_template
from r1zero.evaluation.benchmarks import (
    BENCHMARKS,
    EMBEDDED,
    INDEX,
    PRESETS,
    load_benchmark,
    parse_benchmarks,
    problems_sha256,
)
from r1zero.grading import grader as grading

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "tests" / "data" / "benchmarks"  # a few rows of each embedded copy, in the same files
PEER_CASES = [json.loads(line) for line in (REPO / "tests" / "data" / "peer_cases.jsonl").open()]
# Peer cases where our grader's documented rule differs from the peer's (docs/grader.md, "Contested cases").
CONTESTED = {"peer-028", "peer-029", "peer-152",
             "peer-005", "peer-007"}  # an answer's decimal comma (1000,99; 2,74): a list or nothing, never a point
# Peer cases the peers reward that are reward hacks under our rules (docs/grader.md, "One final answer"): a false
# relation whose last side is the gold, and decimals standing in for exact golds.
NOT_HONEST = {"peer-032", "peer-096", "peer-098", "peer-101",  # 1/2 $ = 10/9; x = 5+5+1 = 7 = 11; 1/3 ≈ 1.3
              "peer-121", "peer-206", "peer-219"}  # 0.0833333333333333 for 1/12; (0.6, 2.6667] for (3/5, 8/3]


def test_adapters_read_the_bundled_samples():
    sizes = {"math500": 3, "aime24": 2, "amc23": 3, "minerva": 3, "olympiadbench": 4, "gsm8k": 3}
    for name, path in parse_benchmarks("all", str(SAMPLES)):
        problems, where = load_benchmark(name, path)
        assert len(problems) == sizes[name] and where == path
        assert all(p.id.startswith(name) and p.problem and p.answer for p in problems)
    olympiad = load_benchmark("olympiadbench", str(SAMPLES / "olympiadbench.jsonl"))[0]
    assert [p.answer for p in olympiad if p.meta["is_multiple_answer"]] == ["(2,2,2), (3,4,3)", "8, 4"]
    assert load_benchmark("amc23", str(SAMPLES / "amc23.jsonl"))[0][0].answer == "27"  # the float 27.0


def test_adapters_read_the_embedded_copies():
    sizes = {"math500": 500, "aime24": 30, "amc23": 40, "minerva": 272, "olympiadbench": 675, "gsm8k": 1319}
    loaded = {}
    for name, path in parse_benchmarks("all"):
        problems, where = load_benchmark(name, path)
        assert len(problems) == sizes[name] and where == str(EMBEDDED / BENCHMARKS[name].file_name)
        assert len({p.id for p in problems}) == len(problems) and all(p.problem and p.answer for p in problems)
        loaded[name] = {p.id: p for p in problems}
    math = loaded["math500"]["math500-test/precalculus/807.json"]
    assert math.answer == "\\left( 3, \\frac{\\pi}{2} \\right)" and math.source == "math500/precalculus"
    assert math.meta == {"subject": "Precalculus", "level": 2, "unique_id": "test/precalculus/807.json"}
    assert loaded["amc23"]["amc23-0"].answer == "27"  # the float 27.0 is the integer 27
    assert loaded["gsm8k"]["gsm8k-0"].answer == "18"
    assert all("," not in p.answer for p in loaded["gsm8k"].values())  # "1,600" -> "1600"
    assert loaded["minerva"]["minerva-1"].answer == "4.5e33"  # the last box of the solution
    olympiad = loaded["olympiadbench"]
    assert olympiad["olympiadbench-1606"].meta["answer_type"] == "Numerical"
    several = [p.answer for p in olympiad.values() if p.meta["is_multiple_answer"]]
    assert "(2,2,2), (3,4,3)" in several and "8, 4" in several  # '$(2,2,2),(3,4,3)$' and '$8$,$4$'
    assert set(PRESETS["standard"]) == {"math500", "aime24", "amc23", "minerva", "olympiadbench"}
    assert problems_sha256(list(math500 := loaded["math500"].values())) == problems_sha256(list(math500))


def test_parse_benchmarks_names_presets_and_paths(tmp_path):
    assert [n for n, _ in parse_benchmarks("standard")] == list(PRESETS["standard"])
    assert parse_benchmarks("gsm8k, math500=/x/m.jsonl", str(tmp_path)) == [
        ("gsm8k", str(tmp_path / "gsm8k.jsonl")), ("math500", "/x/m.jsonl")]
    assert parse_benchmarks("aime24") == [("aime24", None)]  # its embedded copy
    assert parse_benchmarks("standard=hub,gsm8k") == [(n, "hub") for n in PRESETS["standard"]] + [("gsm8k", None)]
    with pytest.raises(UserError, match="unknown benchmark 'math5000'"):
        parse_benchmarks("math500,math5000")


def test_hub_datasets_stay_reachable_by_name(monkeypatch):
    """``name=hub`` reads the benchmark's own hub id with its config and split; any other hub id is read as it
    is; a failed hub load is one line pointing at the embedded copy. (A stand-in ``datasets``: no network.)"""
    class Split(list):
        def to_list(self):
            return list(self)

    calls = []

    def load_dataset(hub_id, config):
        calls.append((hub_id, config))
        if hub_id == "openai/gsm8k":
            return {"train": Split([{"question": "t", "answer": "#### 1"}]),
                    "test": Split([{"question": "q", "answer": "so #### 1,000"}])}
        raise ConnectionError("offline mode is enabled")

    monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=load_dataset))
    problems, where = load_benchmark("gsm8k", "hub")
    assert where == "openai/gsm8k" and [p.answer for p in problems] == ["1000"]
    with pytest.raises(UserError, match=r"^benchmark aime24: cannot load 'HuggingFaceH4/aime_2024' from the Hugging "
                                        r"Face hub \(offline mode is enabled\); offline\? --benchmarks aime24 reads "
                                        r"its embedded copy$"):
        load_benchmark("aime24", "hub")
    with pytest.raises(UserError, match="cannot load 'someone/MATH-500'"):
        load_benchmark("math500", "someone/MATH-500")
    assert calls == [("openai/gsm8k", "main"), ("HuggingFaceH4/aime_2024", None), ("someone/MATH-500", None)]


def test_embedded_index_gives_source_licence_rows_and_sha256_of_every_file():
    index = json.loads((EMBEDDED / INDEX).read_text())
    assert set(index) == {b.file_name for b in BENCHMARKS.values()}
    assert sorted(p.name for p in EMBEDDED.iterdir()) == sorted([*index, INDEX])
    for bench in BENCHMARKS.values():
        entry = index[bench.file_name]
        data = (EMBEDDED / bench.file_name).read_bytes()
        assert entry["benchmark"] == bench.name and entry["licence"] and entry["origin"]
        assert entry["source"] == f"https://huggingface.co/datasets/{bench.hub_id}"
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["rows"] == len(load_benchmark(bench.name)[0])
        assert entry["hub_check"].startswith(("verified: ", "unverified: "))
    # the ids docs/benchmarks.md and the module docstring call unverified
    assert {e["benchmark"] for e in index.values() if e["hub_check"].startswith("unverified")} == {
        "minerva", "olympiadbench"}


def test_a_tampered_embedded_copy_is_refused(tmp_path):
    copy = tmp_path / "benchmark_data"
    shutil.copytree(EMBEDDED, copy)
    assert len(load_benchmark("amc23", str(copy / "amc23.jsonl"))[0]) == 40  # an intact copy reads
    math500 = copy / "math500.jsonl"
    text = math500.read_text()
    math500.write_text(text.replace("point $(0,3)$", "point $(0,4)$", 1))  # one problem changed, valid JSON
    assert math500.read_text() != text
    [(name, path)] = parse_benchmarks("math500", str(copy))
    with pytest.raises(UserError, match=rf"^benchmark math500: {math500} does not match its sha256 in "
                                        rf"{copy / INDEX} \(expected 35dc41080a36\.\.\., found [0-9a-f]{{12}}\.\.\.\)"):
        load_benchmark(name, path)
    (copy / INDEX).write_text("{")
    with pytest.raises(UserError, match=rf"^benchmark amc23: {copy / INDEX} is not valid JSON"):
        load_benchmark("amc23", str(copy / "amc23.jsonl"))


def test_benchmarks_all_runs_offline_from_the_embedded_copies(tiny_model_dir, tmp_path):
    """The goal of a fresh clone: ``--benchmarks all --limit 1`` offline writes six summaries."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "PYTHONPATH": str(REPO),
           "WANDB_MODE": "disabled"}
    cmd = [sys.executable, str(REPO / "step4_eval/evaluate.py"), "--ckpt", str(tiny_model_dir), "--benchmarks", "all",
           "--limit", "1", "--engine", "hf", "--max_tokens", "4", "--temperature", "0", "--output_dir", str(tmp_path),
           "--report_to", "none"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((tmp_path / "benchmarks.json").read_text())
    assert list(report["benchmarks"]) == list(BENCHMARKS) and report["complete"]
    for name, block in report["benchmarks"].items():
        summary = json.loads((tmp_path / name / "summary.json").read_text())
        assert summary["num_problems"] == 1 and summary["total"] == 1
        assert [source.split("/")[0] for source in summary["by_source"]] == [name]
        assert block["data"] == str(EMBEDDED / BENCHMARKS[name].file_name)


def test_bad_benchmark_files_are_one_line_errors_naming_benchmark_file_and_row(tmp_path):
    no_field = tmp_path / "aime.jsonl"
    no_field.write_text('{"problem": "p", "answer": "1"}\n{"text": "q", "answer": "2"}\n')
    with pytest.raises(UserError, match=rf"benchmark aime24: {no_field} row 2 has none of the fields problem, question"):
        load_benchmark("aime24", str(no_field))
    no_gold = tmp_path / "m.jsonl"
    no_gold.write_text('{"problem": "p", "answer": "1"}\n{"problem": "q", "answer": "  "}\n')
    with pytest.raises(UserError, match=rf"benchmark math500: {no_gold} row 2 has no gold answer \(read from answer\)"):
        load_benchmark("math500", str(no_gold))
    broken = tmp_path / "g.jsonl"
    broken.write_text('{"question": "q", "answer": "x #### 3"}\n{"question": \n')
    with pytest.raises(UserError, match=rf"benchmark gsm8k: {broken} row 2 is not valid JSON"):
        load_benchmark("gsm8k", str(broken))
    with pytest.raises(UserError, match="benchmark minerva: file not found: nowhere/m.jsonl"):
        load_benchmark("minerva", "nowhere/m.jsonl")
    import pandas as pd

    parquet = tmp_path / "o.parquet"
    pd.DataFrame({"question": ["q1", "q2"], "final_answer": [["$3$"], []]}).to_parquet(parquet)
    with pytest.raises(UserError, match=rf"benchmark olympiadbench: {parquet} row 2 has no gold answer"):
        load_benchmark("olympiadbench", str(parquet))


def test_template_registry():
    assert set(TEMPLATES) == {"r1_zero", "boxed", "chat_r1_zero", "chat_boxed"}
    assert get_template("r1") is TEMPLATES["r1_zero"]
    r1 = get_template("r1_zero")
    assert r1.hash == PROMPT_TEMPLATE_HASH and r1.build(" 1+1? ") == build_prompt("1+1?")
    boxed = get_template("qwen_math")
    assert boxed.build("1+1?").endswith("<|im_start|>user\n1+1?<|im_end|>\n<|im_start|>assistant\n")
    assert "\\boxed{}" in boxed.build("x") and boxed.stop == () and boxed.stop_tokens == ("<|im_end|>",)
    assert boxed.format_ok("so \\boxed{2}") and not boxed.format_ok("so \\boxed{2")
    assert r1.describe()["format_rule"] != boxed.describe()["format_rule"]
    with pytest.raises(UserError, match="unknown prompt template 'chat'; choose one of r1_zero, boxed"):
        get_template("chat")


def test_stop_tokens_resolve_to_ids_the_tokenizer_has():
    from r1zero.evaluation.engines import Sampling, stop_token_ids

    class Tok:
        def get_vocab(self):
            return {"<|im_end|>": 7, "a": 1}

    assert stop_token_ids(Tok(), Sampling(stop_tokens=("<|im_end|>", "<|eot|>"))) == {7}
    assert stop_token_ids(Tok(), Sampling()) == set()


@pytest.mark.slow
def test_suite_end_to_end_tables_resume_compare_and_wandb(tiny_model_dir, tmp_path, monkeypatch, fresh_wandb):
    """The one command: five benchmarks, one table; a rerun generates nothing; compare.py puts two side by side."""
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.setenv("WANDB_SILENT", "true")
    out = tmp_path / "suite"
    cmd = [sys.executable, str(REPO / "step4_eval/evaluate.py"), "--ckpt", str(tiny_model_dir), "--benchmarks",
           "standard", "--benchmark_dir", str(SAMPLES), "--limit", "2", "--engine", "hf", "--max_tokens", "8",
           "--temperature", "0", "--output_dir", str(out), "--report_to", "wandb"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "| average (5, unweighted) |" in proc.stdout and "| olympiadbench | 2 | 2 |" in proc.stdout
    report = json.loads((out / "benchmarks.json").read_text())
    assert list(report["benchmarks"]) == list(PRESETS["standard"]) and report["complete"]
    accs = [b["accuracy"] for b in report["benchmarks"].values()]
    assert report["average"]["accuracy"] == pytest.approx(sum(accs) / 5)
    assert report["protocol"]["template"]["name"] == "r1_zero" and report["protocol"]["sampling"]["max_tokens"] == 8
    for name, block in report["benchmarks"].items():
        summary = json.loads((out / name / "summary.json").read_text())
        rows = [json.loads(line) for line in (out / name / "generations.jsonl").open()]
        assert len(rows) == 2 and block["correct"] + block["wrong_answer"] + block["format_failure"] == 2
        assert summary["counts"]["format_failure"] == block["format_failure"]
        assert summary["contract"]["template"]["format_rule"].startswith("format 1 iff")
        assert all(r["prompt"].endswith("Assistant: <think>") and r["meta"] is not None for r in rows)
        assert all(r["source"].startswith(name) for r in rows)
    tables = list(tmp_path.glob("wandb/offline-run-*/files/media/table/benchmarks/table_*.json"))
    assert len(tables) == 1 and [row[0] for row in json.loads(tables[0].read_text())["data"]][-1] == "average"

    # a rerun finds every benchmark done: the model is never loaded, nothing is rewritten but the tables
    from step4_eval import evaluate, runner

    mtime = (out / "math500" / "generations.jsonl").stat().st_mtime_ns
    monkeypatch.setattr(runner, "open_engine", lambda *a: pytest.fail("a finished suite loaded the model"))
    argv = cmd[2:-2] + ["--report_to", "none"]
    assert evaluate.main(argv)[0]["benchmarks"] == report["benchmarks"]
    assert (out / "math500" / "generations.jsonl").stat().st_mtime_ns == mtime

    # a bad benchmark file fails before anything is touched; what is written stays
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"problem": "p"}\n')
    argv[argv.index("standard")] = f"math500,aime24={bad}"
    with pytest.raises(UserError, match=rf"^benchmark aime24: {bad} row 1 has no gold answer \(read from answer\)$"):
        evaluate.main(argv)
    assert (out / "math500" / "generations.jsonl").stat().st_mtime_ns == mtime

    from step4_eval import compare

    other = tmp_path / "other"
    other.mkdir()
    (other / "benchmarks.json").write_text(json.dumps({**report, "checkpoint": "other", "average": {
        **report["average"], "accuracy": 0.5}}))
    reports = compare.main([str(out), str(other), "--out", str(tmp_path)])
    assert [r["checkpoint"] for r in reports] == [report["checkpoint"], "other"]
    table = (tmp_path / "suite_comparison.md").read_text()
    assert "| math500 | aime24 | amc23 | minerva | olympiadbench | average |" in table and "| 50.0 |" in table
    assert (tmp_path / "suite_comparison.png").read_bytes()[:4] == b"\x89PNG"


def test_boxed_template_suite_records_its_contract(tiny_model_dir, tmp_path):
    from step4_eval import evaluate

    reports = evaluate.main(["--ckpt", str(tiny_model_dir), "--benchmarks", "gsm8k", "--benchmark_dir", str(SAMPLES),
                             "--limit", "1", "--engine", "hf", "--max_tokens", "4", "--temperature", "0",
                             "--template", "boxed", "--output_dir", str(tmp_path), "--report_to", "none"])
    contract = json.loads((tmp_path / "gsm8k" / "summary.json").read_text())["contract"]
    assert contract["template"]["name"] == "boxed" and contract["sampling"]["stop_tokens"] == ["<|im_end|>"]
    row = json.loads((tmp_path / "gsm8k" / "generations.jsonl").read_text())
    assert row["prompt"].startswith("<|im_start|>system") and reports[0]["benchmarks"]["gsm8k"]["total"] == 1
    no_problem = tmp_path / "data" / "val.parquet"  # --data: prompts are rebuilt from the problem text
    no_problem.parent.mkdir()
    pd.DataFrame({"id": ["1"], "prompt": ["p"], "answer": ["2"]}).to_parquet(no_problem)
    with pytest.raises(UserError, match="--template boxed builds prompts from the problem text.*no `problem` column"):
        evaluate.main(["--ckpt", str(tiny_model_dir), "--template", "boxed", "--engine", "hf", "--data", str(no_problem)])


def test_decontamination_counts_rows_removed_per_benchmark(tmp_path):
    from step1_data.prepare import DataArgs, prepare

    gsm8k = json.loads((SAMPLES / "gsm8k.jsonl").open().readline())
    aime = json.loads((SAMPLES / "aime24.jsonl").open().readline())
    rows = [{"source": "leak", "problem": gsm8k["question"], "solution": "So \\boxed{18}."},
            {"source": "leak", "problem": aime["problem"], "solution": "So \\boxed{204}."}]
    rows += [{"source": "clean", "problem": f"Add {i} and {i + 1} together, then report the sum of the two numbers.",
              "solution": f"\\boxed{{{2 * i + 1}}}"} for i in range(8)]
    data = tmp_path / "train.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    stats = prepare(DataArgs(dataset="numina", input=[str(data)], output_dir=str(tmp_path / "out"), val_size=2,
                             decontaminate=["standard", "gsm8k"], benchmark_dir=str(SAMPLES)))
    assert stats["rejected"]["contaminated"] == 2
    assert stats["decontamination"]["removed_by_eval_set"] == {
        "math500": 0, "aime24": 1, "amc23": 0, "minerva": 0, "olympiadbench": 0, "gsm8k": 1}
    assert stats["eval_sets"]["gsm8k"] == 3 and stats["train_rows"] + stats["val_rows"] == 8


@pytest.mark.slow
def test_gold_integrity_of_the_embedded_copies():
    """Reference solutions graded against their own golds: every exception is documented in docs/benchmarks.md."""
    from step4_eval import gold_check

    reports = {r["benchmark"]: r for r in gold_check.main(["--benchmarks", "all"])}
    assert {n: (r["checked"], r["agree"]) for n, r in reports.items()} == {
        "math500": (500, 500), "aime24": (30, 30), "amc23": (0, 0), "minerva": (0, 0),
        "olympiadbench": (228, 227), "gsm8k": (0, 0)}
    assert [row["id"] for row in reports["olympiadbench"]["disagree"]] == ["olympiadbench-2771"]
    assert grading.refused_events() == []


@pytest.mark.slow
def test_agreement_with_peer_graders_public_cases():
    """Transcribed math-verify and Qwen2.5-Math test cases: agreement >= 0.97 on the honest ones; the rest are
    the contested rules and the hacks our rules refuse."""
    assert len(PEER_CASES) >= 200 and len({c["id"] for c in PEER_CASES}) == len(PEER_CASES)
    results = grading.grade_many([f"Reasoning. </think> <answer> {c['pred']} </answer>" for c in PEER_CASES],
                                 [c["gold"] for c in PEER_CASES], timeout_s=20.0)  # generous: a loaded CI box
    disagree = {c["id"] for c, r in zip(PEER_CASES, results, strict=True) if int(r["answer_reward"]) != c["expected"]}
    assert disagree == CONTESTED | NOT_HONEST
    honest = [c for c in PEER_CASES if c["id"] not in NOT_HONEST]
    assert 1 - len(CONTESTED) / len(honest) >= 0.97
    assert grading.refused_events() == []


def test_benchmark_registry_is_complete():
    for bench in BENCHMARKS.values():
        assert bench.hub_id.count("/") == 1 and bench.file_name.endswith(".jsonl") and bench.gold_fields
