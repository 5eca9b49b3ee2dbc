"""Portfolio speed: 500 generated services to a board PDF, and what worker processes gain.

    python bench/portfolio.py [--services 500] [--workers N] [--sweep] [--json]

Generates answers files (service-ownership when present, else the mini test framework),
then measures in one run: evaluation in one process, evaluation in worker processes (their
ratio is the speed-up), the roll-up, the PDF, and `assess portfolio ... -o board.pdf` end
to end as a user runs it. Goal: end to end within 30 s on 2 cores.

`--sweep` measures small portfolios (4 to 64 files) both ways, each size alternating one
process and workers several times, to find where workers start to pay: the evidence for
batch.IN_PROCESS_BELOW. On a shared machine the absolute times move with everyone else's
work, so read the ratios, each against the one-process time measured beside it, and the
load average printed with them.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from generate import generate_portfolio  # noqa: E402

from assess.batch import evaluate_files  # noqa: E402
from assess.board import render_pdf  # noqa: E402
from assess.frameworks import find_framework  # noqa: E402
from assess.portfolio import board_context, build_portfolio, collect_files  # noqa: E402

MINI = ROOT / "tests" / "frameworks" / "mini"
SWEEP_SIZES = (4, 8, 12, 16, 24, 32, 64)


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def _evaluate_quietly(files: list[Path]) -> None:
    evaluate_files(files, [MINI], workers=1)


def spare_parallelism(files: list[Path]) -> float:
    """What the machine gives two processes right now: one process on every file, against two
    plain processes on half each at once (no pool, no results sent back). 2.0 on two idle
    cores; near 1.0 when other users already keep the cores busy."""
    import multiprocessing
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    _, alone = timed(lambda: _evaluate_quietly(files))
    halves = [files[0::2], files[1::2]]

    def both() -> None:
        procs = [context.Process(target=_evaluate_quietly, args=(half,)) for half in halves]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join()
    _, together = timed(both)
    return alone / together


def sweep(folder: Path, workers: int, rounds: int = 3) -> list[dict]:
    """Each size: one process and workers alternately, `rounds` times; the median of each."""
    files = collect_files([folder])
    out = []
    for size in SWEEP_SIZES:
        chosen = files[:size]
        ones, manys = [], []
        for _ in range(rounds):
            ones.append(timed(lambda: evaluate_files(chosen, [MINI], workers=1))[1])
            manys.append(timed(lambda: evaluate_files(chosen, [MINI], workers=workers, in_process_below=0))[1])
        one, many = statistics.median(ones), statistics.median(manys)
        out.append({"files": size, "one_s": round(one, 3), "workers_s": round(many, 3), "speedup": round(one / many, 2)})
        print(f"  {size:>3} files: one process {one:5.2f} s, {workers} workers {many:5.2f} s, speed-up {one / many:.2f}x")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=500)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--sweep", action="store_true", help="also measure 4 to 64 files both ways (the in-process threshold)")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON object")
    args = parser.parse_args()
    framework_id = "service-ownership" if (ROOT / "questionnaires" / "service-ownership.yaml").exists() else "mini"
    framework = find_framework(framework_id, [MINI])
    figures: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "services"
        generate_portfolio(folder, framework, args.services, seed=500, history=0.0)
        files = collect_files([folder])
        print(f"{len(files)} answers files for {framework_id}; {args.workers} workers; {load()}")
        if args.sweep:
            print("sweep (medians of 3 alternating runs):")
            figures["sweep"] = sweep(folder, args.workers)

        spare = spare_parallelism(files[:200])
        print(f"spare parallelism: {spare:.2f}x (two plain processes on half the files each, against one)")
        (one, _), t_one = timed(lambda: evaluate_files(files, [MINI], workers=1))
        (many, skipped), t_many = timed(lambda: evaluate_files(files, [MINI], workers=args.workers))
        assert len(one) == len(many) == len(files) and not skipped
        assert [r for _, r in one] == [r for _, r in many], "workers and one process must give the same results"
        print(f"evaluate, one process:       {t_one:6.2f} s  ({t_one / len(files) * 1000:.1f} ms per file)")
        print(f"evaluate, {args.workers} workers:          {t_many:6.2f} s  speed-up {t_one / t_many:.2f}x over one process "
              f"({t_one / t_many / spare:.0%} of the spare parallelism)")

        board, t_build = timed(lambda: build_portfolio(many, [], as_of=None))
        pdf, t_pdf = timed(lambda: render_pdf("portfolio.html.j2", board_context(board)))
        print(f"roll-up:                     {t_build:6.2f} s")
        print(f"board PDF:                   {t_pdf:6.2f} s  ({len(pdf) / 1024:.0f} KiB)")

        out = Path(tmp) / "board.pdf"
        command = [sys.executable, "-m", "assess", "portfolio", str(folder), "-o", str(out),
                   "-F", str(MINI), "--workers", str(args.workers)]
        done, t_cli = timed(lambda: subprocess.run(command, capture_output=True, text=True, cwd=ROOT))
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            raise SystemExit(done.returncode)
        verdict = "within" if t_cli <= 30 else "OVER"
        print(f"assess portfolio -> PDF:     {t_cli:6.2f} s end to end ({verdict} the 30 s goal); {load()}")
        figures.update({"services": len(files), "seconds": round(t_cli, 1), "workers": args.workers,
                        "one_process_s": round(t_one, 2), "workers_s": round(t_many, 2),
                        "speedup": round(t_one / t_many, 2), "spare_parallelism": round(spare, 2), "pdf_s": round(t_pdf, 1), "load": os.getloadavg()[0]})
        if args.json:
            import json
            print(json.dumps(figures))


if __name__ == "__main__":
    main()
