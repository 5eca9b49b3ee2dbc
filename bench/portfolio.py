"""Portfolio speed: 500 generated services to a board PDF, and what worker processes gain.

    python bench/portfolio.py [--services 500] [--workers N]

Generates answers files (service-ownership when present, else the mini test framework),
then measures in one run: evaluation in one process, evaluation in worker processes (their
ratio is the speed-up), the roll-up, the PDF, and `assess portfolio ... -o board.pdf` end
to end as a user runs it. Goal: end to end within 30 s on 2 cores.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from generate import generate_portfolio  # noqa: E402

from assess.board import render_pdf  # noqa: E402
from assess.frameworks import find_framework  # noqa: E402
from assess.portfolio import board_context, build_portfolio, collect_files, evaluate_files  # noqa: E402

MINI = ROOT / "tests" / "frameworks" / "mini"


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=500)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON object")
    args = parser.parse_args()
    framework_id = "service-ownership" if (ROOT / "questionnaires" / "service-ownership.yaml").exists() else "mini"
    framework = find_framework(framework_id, [MINI])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "services"
        generate_portfolio(folder, framework, args.services, seed=500, history=0.0)
        files = collect_files([folder])
        print(f"{len(files)} answers files for {framework_id}; {os.cpu_count()} CPUs, {args.workers} workers")

        (one, _), t_one = timed(lambda: evaluate_files(files, [MINI], workers=1))
        (many, skipped), t_many = timed(lambda: evaluate_files(files, [MINI], workers=args.workers))
        assert len(one) == len(many) == len(files) and not skipped
        print(f"evaluate, one process:       {t_one:6.2f} s  ({t_one / len(files) * 1000:.1f} ms per file)")
        print(f"evaluate, {args.workers} workers:          {t_many:6.2f} s  speed-up {t_one / t_many:.2f}x")

        board, t_build = timed(lambda: build_portfolio(many, skipped))
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
        print(f"assess portfolio -> PDF:     {t_cli:6.2f} s end to end ({verdict} the 30 s goal)")
        if args.json:
            import json
            print(json.dumps({"services": len(files), "seconds": round(t_cli, 1), "workers": args.workers,
                              "speedup": round(t_one / t_many, 2), "pdf_s": round(t_pdf, 1)}))


if __name__ == "__main__":
    main()
