"""A board from 10,000 saved results: end to end, peak memory, and what workers gain.

    python bench/portfolio_scale.py [--results 10000] [--distinct 200] [--json]

Makes `--distinct` services' answers (service-ownership), evaluates each once and saves its
result as `assess evaluate --format json` does, then copies those results under new service
names until there are `--results` files. Measured in one run, each command as a user runs it:
`assess portfolio FOLDER -o board.pdf` with one process and with two workers (wall time and
peak memory of the largest process), and, as the baseline for the workers, two plain
processes reading half the saved results each against one reading them all. Last, the stages
of one board in this process, wall time of each, with one process and with two workers
(list, read, roll-up, CSV, HTML, PDF layout): what stays serial bounds what any number of
workers can gain (Amdahl).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from generate import generate_portfolio  # noqa: E402

from assess.frameworks import find_framework  # noqa: E402
from assess.pipeline import evaluate_file, result_json  # noqa: E402


def make_results(folder: Path, results: int, distinct: int) -> None:
    framework = find_framework("service-ownership")
    answers = folder.parent / "answers"
    generate_portfolio(answers, framework, distinct, seed=10_000, history=0.0)
    saved = [json.loads(result_json(evaluate_file(path))) for path in sorted(answers.glob("*.yaml"))]
    folder.mkdir(parents=True)
    for i in range(results):
        data = saved[i % len(saved)]
        data["assessment"]["service"] = f"Service {i:05d}"
        (folder / f"service-{i:05d}.result.json").write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")


def read_all(files: list[str]) -> None:
    from assess.compare import result_from_file
    for name in files:
        result_from_file(name)


def spare_parallelism(files: list[str]) -> float:
    """Two plain forked processes reading half the files each, against one reading them all."""
    context = multiprocessing.get_context("fork")

    def run(parts: list[list[str]]) -> float:
        start = time.perf_counter()
        procs = [context.Process(target=read_all, args=(part,)) for part in parts]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join()
        return time.perf_counter() - start
    return run([files]) / run([files[0::2], files[1::2]])


LIMIT_S = 180   # a run still going after this is stopped and reported at the limit: the goal is 60 s


def portfolio_cli(folder: Path, out: Path, workers: int) -> tuple[float, Optional[float]]:
    """Wall seconds and peak RSS (MB) of the largest process, for one `assess portfolio` run."""
    command = [sys.executable, "-m", "assess", "portfolio", str(folder), "-o", str(out), "--workers", str(workers),
               "--as-of", "2026-12-01"]
    script = ("import resource, subprocess, sys, time; start = time.perf_counter(); "
              f"done = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout={LIMIT_S}); "
              "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode); "
              "sys.stderr.write(done.stderr[-2000:] if done.returncode else '')")
    done = subprocess.run([sys.executable, "-c", script, *command], capture_output=True, text=True, cwd=ROOT)
    if "TimeoutExpired" in done.stderr:
        return float(LIMIT_S), None   # stopped: its peak is unknown
    seconds, peak_kb, code = done.stdout.split()
    if code != "0":
        raise SystemExit(f"assess portfolio exited {code}: {done.stderr}")
    return float(seconds), int(peak_kb) / 1024


STAGES = ("list", "read", "roll-up", "csv", "html", "pdf layout")


def steps(folder: Path, workers: int) -> tuple[dict[str, float], dict[str, float]]:
    """Wall seconds and this process's CPU seconds of each stage of one board PDF, as `assess
    portfolio` runs them: listing the files, reading the saved results (in `workers`
    processes), the roll-up, the CSV of every service, the board HTML and WeasyPrint's layout
    of it. With workers, the reading's CPU counts the workers' too (as "read, workers")."""
    import datetime as dt

    from assess.board import STYLESHEET, _env, board_dir, render_html
    from assess.collector import bulk_read
    from assess.portfolio import board_context, build_portfolio, collect_files, portfolio_csv, read_board
    from assess.reports.pdf import html_to_pdf
    from assess.reports.templates import base_dir, stylesheet_text
    out: dict[str, float] = {}
    cpu: dict[str, float] = {}

    def step(name, fn):
        start, start_cpu, start_children = time.perf_counter(), time.process_time(), children_cpu()
        value = fn()
        out[name], cpu[name] = time.perf_counter() - start, time.process_time() - start_cpu
        if children_cpu() > start_children:
            cpu[f"{name}, workers"] = children_cpu() - start_children
        return value
    def read():
        with bulk_read():   # as the command reads
            return read_board(files, workers=workers)
    files = step("list", lambda: collect_files([folder]))
    evaluated, skipped = step("read", read)
    board = step("roll-up", lambda: build_portfolio(evaluated, skipped, as_of=dt.date(2026, 12, 1)))
    step("csv", lambda: portfolio_csv(board))
    html = step("html", lambda: render_html("portfolio.html.j2", board_context(board, full_list="board.csv"), inline_css=False))
    css = stylesheet_text(_env(), STYLESHEET)
    step("pdf layout", lambda: html_to_pdf(html, css=css, allowed_dirs=[board_dir(), base_dir()]))
    return out, cpu


def children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


def free_cores_speedup(one: dict[str, float], many: dict[str, float]) -> float:
    """One process's CPU over what the workers' run would take on two free cores: its serial
    stages, and the reading (this process's share and the workers') split evenly in two, as
    this process taking waiting batches beside one worker makes it. With workers the command
    makes the CSV in another process while it lays out the PDF, so the CSV is not serial there."""
    serial = sum(v for k, v in many.items() if not k.startswith("read") and k != "csv")
    return sum(one.values()) / (serial + (many["read"] + many.get("read, workers", 0)) / 2)


def stage_line(label: str, stages: dict[str, float]) -> str:
    return f"{label}: " + ", ".join(f"{k} {v:.1f}" for k, v in stages.items()) + f"; total {sum(stages.values()):.1f} s"


def mb(peak: Optional[float]) -> str:
    return f"{peak:.0f} MB" if peak is not None else f"unknown (stopped after {LIMIT_S} s)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", type=int, default=10_000)
    parser.add_argument("--distinct", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "results"
        start = time.perf_counter()
        make_results(folder, args.results, args.distinct)
        print(f"{args.results:,} saved results made in {time.perf_counter() - start:.0f} s; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        files = sorted(str(f) for f in folder.glob("*.json"))
        spare = spare_parallelism(files[:2000])
        print(f"two plain processes reading saved results: {spare:.2f}x one")
        one_s, one_mb = portfolio_cli(folder, Path(tmp) / "one.pdf", 1)
        print(f"assess portfolio -> PDF, one process: {one_s:6.1f} s, peak {mb(one_mb)}")
        two_s, two_mb = portfolio_cli(folder, Path(tmp) / "two.pdf", 2)
        print(f"assess portfolio -> PDF, 2 workers:   {two_s:6.1f} s, peak {mb(two_mb)}; "
              f"{one_s / two_s:.2f}x one process (two plain processes: {spare:.2f}x)")
        # the stages in this process, each timed apart; warmed up first (template compiled,
        # WeasyPrint imported, fonts loaded) so that neither run pays for that
        from assess.board import warm_up
        warm_up("portfolio.html.j2", pdf=True)
        one, one_cpu = steps(folder, 1)
        many, many_cpu = steps(folder, 2)
        print(stage_line("stages, one process, wall s", one))
        print(stage_line("stages, 2 workers,   wall s", many))
        print(stage_line("stages, one process, CPU s", one_cpu))
        print(stage_line("stages, 2 workers, CPU s", many_cpu))
        free = free_cores_speedup(one_cpu, many_cpu)
        print(f"on two free cores, workers would run about {free:.2f}x faster than one process "
              "(from the CPU times: the serial stages plus half the reading)")
        serial = sum(one.values()) - one["read"]
        bound = sum(one.values()) / (serial + one["read"] / 2)
        print(f"serial share (all but reading): {serial / sum(one.values()):.0%}; with reading split perfectly "
              f"in two the whole would run at most {bound:.2f}x faster; load {os.getloadavg()[0]:.1f}")
        if args.json:
            print(json.dumps({"results": args.results, "one_s": round(one_s, 1), "workers_s": round(two_s, 1),
                              "peak_mb": None if None in (one_mb, two_mb) else round(max(one_mb, two_mb)), "speedup": round(one_s / two_s, 2),
                              "one_mb": one_mb and round(one_mb), "workers_mb": two_mb and round(two_mb),
                              "spare_parallelism": round(spare, 2), "amdahl_bound": round(bound, 2),
                              "stages_one_s": {k: round(v, 2) for k, v in one.items()},
                              "stages_workers_s": {k: round(v, 2) for k, v in many.items()},
                              "stages_one_cpu_s": {k: round(v, 2) for k, v in one_cpu.items()},
                              "stages_workers_cpu_s": {k: round(v, 2) for k, v in many_cpu.items()},
                              "free_cores_speedup": round(free, 2), "load": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
