"""Step 4's eval loop: one checkpoint's ``EvalJob``s generated chunk by chunk, resumable.

Each chunk is graded in a worker thread while the next generates, then appended to ``generations.jsonl`` and
flushed, so a killed eval resumes where it stopped (``step4_eval/resume.py``). The ``Evaluator`` of a checkpoint
loads its engine on the first job with work; the command closes it after its one job, the benchmark suite
keeps it for the next benchmark.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from r1zero.core.artifacts import atomic_write_json, write_manifest
from r1zero.core.errors import UserError
from r1zero.core.locks import hold_output_dir
from r1zero.evaluation.contract import build_contract
from r1zero.evaluation.engines import EngineOptions, load_engine
from r1zero.evaluation.job import SUMMARY, EvalJob
from r1zero.evaluation.records import GENERATIONS, read_generations, record_line
from r1zero.sandbox.code_grader import PROTOCOL_COLUMN, code_contract, protocol_of
from step4_eval import checkpoints
from step4_eval.args import EvalArgs
from step4_eval.resume import complete_chunks, finished_summary, prepare_output, save_state


def open_engine(args: EvalArgs, ckpt: checkpoints.Checkpoint):
    return load_engine(args.engine, ckpt.model, EngineOptions(
        dtype=args.dtype, batch_size=args.batch_size, gpu_memory_utilization=args.gpu_memory_utilization,
        tensor_parallel_size=args.tensor_parallel_size, max_model_len=args.max_model_len,
        reasoning_vocab_size=args.reasoning_vocab_size), seed=args.seed)


class Evaluator:
    """Evaluates one checkpoint under ``args``: builds its jobs and runs them. With ``keep_engine`` the engine
    stays loaded from one job to the next until ``close``; without, it is closed after each job's generation."""

    def __init__(self, args: EvalArgs, ckpt: checkpoints.Checkpoint, keep_engine: bool = False):
        self.args, self.ckpt, self.keep_engine = args, ckpt, keep_engine
        self.engine = self.tokenizer = None
        self.load_s = self.close_s = 0.0

    def job(self, problems, data_sha: str, out_dir: Path, data: str | None = None) -> EvalJob:
        """Scoring this checkpoint on ``problems`` (read from ``data``, default ``--data``) into ``out_dir``."""
        args, ckpt, out_dir = self.args, self.ckpt, Path(out_dir)
        fmt, tokenizer = args.prompt_format(), self.chat_tokenizer()
        if fmt.chat:  # the model's own chat template renders its prompts
            problems = problems.assign(prompt=[fmt.render(q, tokenizer) for q in problems["problem"]])
        contract = build_contract(sampling=args.sampling, engine=args.engine_settings, data_sha256=data_sha,
                                  num_problems=len(problems), checkpoint=checkpoints.fingerprint(ckpt),
                                  prompt=fmt.describe(tokenizer))
        if "tests" in problems.columns:  # code: the programs' grader, sandbox, limits and prompt protocol count too
            contract["code"] = code_contract(args.grading.code_limits, protocol_of(problems.get(PROTOCOL_COLUMN)))
        return EvalJob(problems=problems, sampling=args.sampling, out_dir=out_dir, template=fmt.name,
                       grading=args.grading, contract=contract, data=data or args.data,
                       summary_fields={"checkpoint": ckpt.label, "model": ckpt.model, "step": ckpt.step,
                                       "generations": str(out_dir / GENERATIONS)})

    def chat_tokenizer(self):
        """The checkpoint's tokenizer, checked for the chat format (loaded once); None for a raw template."""
        fmt = self.args.prompt_format()
        if not fmt.chat:
            return None
        if self.tokenizer is None:
            from transformers import AutoTokenizer

            try:
                self.tokenizer = AutoTokenizer.from_pretrained(self.ckpt.model)
            except OSError as exc:
                raise UserError(f"cannot load the tokenizer of {self.ckpt.model}: {str(exc).splitlines()[0]}") from None
            fmt.check_tokenizer(self.tokenizer)
        return self.tokenizer

    def get_engine(self):
        if self.engine is None:
            t0 = time.perf_counter()
            self.engine = open_engine(self.args, self.ckpt)
            self.load_s += time.perf_counter() - t0
        return self.engine

    def close(self) -> float:
        """Close the engine if it is loaded; returns the seconds that took."""
        if self.engine is None:
            return 0.0
        t0 = time.perf_counter()
        self.engine.close()
        self.engine = None
        seconds = time.perf_counter() - t0
        self.close_s += seconds
        return seconds

    def run(self, job: EvalJob, on_chunk: Callable[[int], None] | None = None) -> EvalJob:
        """Generate, grade and summarize the job into its folder, resuming what the folder holds; returns it with
        its ``summary`` and ``records``. ``on_chunk(k)`` is called once chunk k is on disk (tests kill there)."""
        return self.start(job, on_chunk)()

    def start(self, job: EvalJob, on_chunk: Callable[[int], None] | None = None) -> Callable[[], EvalJob]:
        """``run`` in two steps: this one returns once generation is done, with the function that waits for the
        last chunk's grading and writes the summary. The suite calls it to grade one benchmark's last chunk
        while the next benchmark generates. The folder stays locked from the start of one to the end of the other."""
        lock = ExitStack()
        lock.enter_context(hold_output_dir(job.out_dir, "eval"))
        try:
            finish = self._start_locked(job, on_chunk)
        except BaseException:
            lock.close()
            raise

        def finish_and_unlock() -> EvalJob:
            with lock:
                return finish()

        return finish_and_unlock

    def _start_locked(self, job: EvalJob, on_chunk) -> Callable[[], EvalJob]:
        t_start = time.perf_counter()
        finished = finished_summary(job, self.args.overwrite)
        if finished is not None:
            print(f"[eval] {self.ckpt.label}: {job.out_dir} already holds this finished eval; nothing to do", flush=True)
            job.summary, job.records = finished, read_generations(job.generations)[0]
            return lambda: job
        timing = prepare_output(job, self.args.chunk_size, self.args.overwrite)
        for key in ("engine_close_s", "summary_s", "grade_wait_s"):
            timing.setdefault(key, 0.0)
        wall_before = timing["wall_s"]
        wall = lambda: wall_before + time.perf_counter() - t_start  # noqa: E731 - over every session of this eval
        last_grading = self._generate_missing_chunks(job, wall, on_chunk)

        def finish() -> EvalJob:
            if last_grading is not None:
                last_grading()
            t_sum = time.perf_counter()
            job.summarize(read_generations(job.generations)[0])
            timing["summary_s"] = time.perf_counter() - t_sum
            timing["wall_s"] = wall()
            job.summary["timing"] = timing_block(timing, job.summary)
            save_state(job)
            atomic_write_json(job.out_dir / SUMMARY, job.summary)
            write_manifest(job.out_dir, "eval", replace(self.args, data=job.data), inputs={"data": job.data},
                           seed=self.args.seed, extra={"checkpoint": {"label": self.ckpt.label, "model": self.ckpt.model,
                                                                      "step": self.ckpt.step}})
            return job

        return finish

    def _generate_missing_chunks(self, job: EvalJob, wall, on_chunk):
        """Generate the chunks the job's folder does not hold yet (all of them on a first run); returns the function
        that waits for the last chunk's grading, or None when there was nothing to do."""
        args, timing = self.args, job.timing
        rows = read_generations(job.generations)[0] if job.generations.is_file() else []
        done = complete_chunks(rows, args.chunk_size, len(job.problems), job.sampling.n)
        num_chunks = -(-len(job.problems) // args.chunk_size)
        todo = [c for c in range(num_chunks) if c not in done]
        if not todo:
            return None
        timing["sessions"] += 1
        print(f"[eval] {self.ckpt.label}: {len(job.problems)} problems x {job.sampling.n} samples with {args.engine}"
              f"{f', resuming ({len(done)} of {num_chunks} chunks done)' if done else ''} -> {job.out_dir}", flush=True)
        t0 = time.perf_counter()
        engine = self.get_engine()
        timing["load_s"] += time.perf_counter() - t0
        try:
            return self._run_chunks(job, engine, todo, len(rows), wall, on_chunk)
        finally:
            if not self.keep_engine:
                timing["engine_close_s"] += self.close()

    def _run_chunks(self, job: EvalJob, engine, todo: list[int], rows_done: int, wall, on_chunk):
        """Generate every chunk in ``todo``, each graded and appended by ``_GradingPipeline`` while the next
        generates. Returns after the last generation with a function that waits for the last chunk's grading."""
        from tqdm.auto import tqdm

        size = self.args.chunk_size
        bar = tqdm(total=len(job.problems) * job.sampling.n, initial=rows_done, desc="generate", unit="sample",
                   dynamic_ncols=True, mininterval=2.0)
        pipeline = _GradingPipeline(job, wall, on_chunk, bar)
        try:
            for chunk in todo:
                part = job.problems.iloc[chunk * size:(chunk + 1) * size]
                t0 = time.perf_counter()
                samples = engine.generate(part["prompt"].tolist(), part.index.tolist(), job.sampling,
                                          progress=bar.update)
                pipeline.submit(chunk, part, samples, time.perf_counter() - t0)
        except BaseException:
            pipeline.close()
            raise
        return pipeline.finish


class _GradingPipeline:
    """Grades and appends chunk k in a worker thread while chunk k+1 generates (the grader mostly waits on
    its subprocess pool), so grading hides behind generation. Chunks reach the file whole and in order."""

    def __init__(self, job: EvalJob, wall, on_chunk, bar):
        self.job, self.timing, self.wall, self.on_chunk, self.bar = job, job.timing, wall, on_chunk, bar
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="grade")
        self.fh = open(job.generations, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()
        self.pending = None  # (chunk, future, generation seconds) of the chunk being graded

    def submit(self, chunk: int, part, samples, gen_s: float) -> None:
        self.timing["generation_s"] += gen_s
        self.wait_pending()
        self.pending = (chunk, self.pool.submit(self.grade_and_write, part, samples), gen_s)

    def grade_and_write(self, part, samples):
        t0 = time.perf_counter()
        records = self.job.grade(self.job.completion_rows(part, samples))
        t1 = time.perf_counter()
        self.fh.write("".join(record_line(r) for r in records))
        self.fh.flush()
        os.fsync(self.fh.fileno())
        return records, t1 - t0, time.perf_counter() - t1

    def wait_pending(self) -> None:
        """Wait for the chunk being graded, then record its timing and the resumable state."""
        if self.pending is None:
            return
        chunk, future, gen_s = self.pending
        self.pending = None
        t0 = time.perf_counter()
        records, grade_s, write_s = future.result()
        self.timing["grade_wait_s"] += time.perf_counter() - t0  # the part of grading generation did not hide
        self.timing["grading_s"] += grade_s
        self.timing["write_s"] += write_s
        self.timing["wall_s"] = self.wall()
        save_state(self.job)
        tokens = sum(r["completion_tokens"] or 0 for r in records)
        self.bar.set_postfix(tok_s=f"{tokens / max(gen_s, 1e-9):.0f}",
                             acc=f"{sum(r['category'] == 'correct' for r in records) / len(records):.3f}")
        if self.on_chunk is not None:
            self.on_chunk(chunk)

    def finish(self) -> None:
        try:
            self.wait_pending()
        finally:
            self.close()

    def close(self) -> None:
        self.pool.shutdown(wait=True)  # a chunk being graded still reaches the file
        self.fh.close()
        self.bar.close()


def timing_block(timing: dict, summary: dict) -> dict:
    """summary.json's ``timing``: the seconds per part, plus tokens and samples per second of generation."""
    tokens = (summary.get("completion_tokens") or {}).get("total", 0)
    gen = timing["generation_s"]
    out = {k: round(v, 3) if isinstance(v, float) else v for k, v in timing.items()}
    out["generated_tokens"] = tokens
    out["tokens_per_s"] = round(tokens / gen, 1) if gen > 0 else None
    out["samples_per_s"] = round(summary["total"] / gen, 2) if gen > 0 else None
    return out
