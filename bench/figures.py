"""All benchmark figures in one table; each measured in the same run as its baseline.

    .venv/bin/python bench/figures.py [--quick] [--only startup engine ...]

--quick shortens the long ones (fewer kill-and-resume trials, fewer portfolio services, no
fuzzing). --only runs just the named benchmarks (e.g. `--only startup` for the start-up
rows). Each row says whether its goal is met; the exit code is 1 when a benchmark failed
to run or a goal is missed, so `make bench` can gate a change.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Row:
    measure: str
    value: str
    goal: str = ""
    met: Optional[bool] = None     # None: no goal to judge


def run(script: str, *args: str) -> dict:
    """A bench script's figures (its last JSON line), or {"error": why} if it printed none."""
    proc = subprocess.run([sys.executable, f"bench/{script}", "--json", *args], cwd=ROOT, capture_output=True, text=True)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()
        return {"error": f"{script} exited {proc.returncode}: {tail[-1] if tail else 'no output'}"}
    figures = json.loads(lines[-1])
    figures["exit"] = proc.returncode
    return figures


def rows_for(figures: dict, build: Callable[[dict], list[Row]], name: str) -> list[Row]:
    """The rows a bench gives, or one row saying why it could not be measured."""
    if "error" in figures:
        return [Row(name, "not measured", figures["error"], False)]
    try:
        return build(figures)
    except (KeyError, TypeError, ValueError) as exc:
        return [Row(name, "not measured", f"unexpected figures ({exc})", False)]


def engine_rows(e: dict) -> list[Row]:
    return [Row("engine / reference evaluator, CPU per assessment", f"{e['ratio']}x", "<= 5x", e["ratio"] <= 5),
            Row("engine assessments per second", f"{e['engine_per_s']:,}", "rules only"),
            Row("full evaluations per second", f"{e['evaluate_per_s']:,}", "facts + engine + scoring"),
            Row("memory growth over 10,000 evaluations in one process", f"{e['rss_growth_mb']} MB RSS", "<= 10 MB",
                e["rss_growth_mb"] <= 10),
            Row("`assess --help` cold start", f"{e['help_ms']} ms ({e['help_ratio']}x bare python)",
                "no weasyprint/durable import")]


def startup_rows(s: dict) -> list[Row]:
    rows = [Row("`assess evaluate EXAMPLE` / `assess --help`, CPU", f"{s['evaluate_ratio']}x", "<= 1.5x", s["evaluate_ratio"] <= 1.5)]
    rows += [Row(f"`assess {name}` / `assess --help`, CPU", f"{s[name + '_ratio']}x", "<= 1.5x", s[name + "_ratio"] <= 1.5)
             for name in ("validate", "init", "schema")]
    return rows + [
        Row("`assess plan EXAMPLE` / `assess evaluate EXAMPLE`, CPU", f"{s['plan_ratio']}x", "<= 1.3x", s["plan_ratio"] <= 1.3),
        Row("cold first run after a framework edit / no cache, CPU", f"{s['cold_ratio']}x",
            f"no slower (<= 1.05x, run to run noise); {s['cold_ms']} ms", s["cold_ratio"] <= 1.05)]


def portfolio_scale_rows(p: dict) -> list[Row]:
    goal_s = 60 * p["results"] / 10_000
    peak = "unknown" if p["peak_mb"] is None else f"{p['peak_mb']} MB"
    return [Row(f"portfolio: {p['results']:,} saved results to a board PDF", f"{p['workers_s']} s, peak {peak}",
                f"<= {goal_s:g} s (60 s for 10,000), <= 1 GB",
                p["workers_s"] <= goal_s and p["peak_mb"] is not None and p["peak_mb"] <= 1024),
            Row(f"portfolio from {p['results']:,} saved results: 2 workers vs one process", f"{p['speedup']}x",
                f">= 1.6x; two plain processes managed {p['spare_parallelism']}x in the same run; "
                f"the steps workers cannot split allow at most {p.get('amdahl_bound', '?')}x; "
                f"from CPU times, about {p.get('free_cores_speedup', '?')}x on two free cores", p["speedup"] >= 1.6)]


def report_rows(r: dict) -> list[Row]:
    return [Row("PDF report / bare WeasyPrint on the same HTML", f"{r['ratio']}x ({r['ratio_tagged']}x vs bare tagged)",
                f"<= 1.2x; {r['pages']} pages", r["ratio"] <= 1.2 and r["pages"] >= 20),
            Row("report pages per second", f"{r['pages_per_s']}")]


def portfolio_rows(p: dict) -> list[Row]:
    goal_s = 30 * p["services"] / 500
    return [Row(f"portfolio: {p['services']} services to a board PDF", f"{p['seconds']} s",
                f"<= {goal_s:g} s (30 s for 500)", p["seconds"] <= goal_s),
            Row("portfolio workers vs one process", f"{p['speedup']}x",
                f"{p['workers']} workers; two plain processes managed {p['spare_parallelism']}x in the same run")]


def fuzz_rows(f: dict) -> list[Row]:
    return [Row("fuzz cases run", f"{f['cases']:,} in {f['seconds']} s",
                ">= 10,000, all handled" + ("" if f["ok"] else f"; FAILED: {f['failed'][:1]}"),
                f["ok"] and f["cases"] >= 10_000)]


def kill_rows(k: dict) -> list[Row]:
    return [Row("kill-and-resume trials survived", f"{k['survived']} of {k['trials']}",
                f"all; {k['confirmed_answers']:,} confirmed answers, {k['seconds']} s", k["survived"] == k["trials"])]


def limits_rows(l: dict) -> list[Row]:
    rows = []
    for name, c in l["cases"].items():
        if "error" in c:
            rows.append(Row(f"PDF report, {name} at its limit", "failed", c["error"], False))
            continue
        size = f"{c['rules']} rules" if "rules" in c else f"{c['bytes']:,} bytes"
        rows.append(Row(f"PDF report, {name} at its limit / without it", f"{c['ratio']}x, peak {c['peak_mb']} MB",
                        f"<= 2x, <= 500 MB; {size}", c["ratio"] <= 2 and c["peak_mb"] <= 500))
    return rows


def table(rows: list[Row], quick: bool) -> str:
    verdict = {True: "met", False: "NOT MET", None: ""}
    cells = [(r.measure, r.value, r.goal, verdict[r.met]) for r in rows]
    head = ("measure", "value", "goal / note", "")
    widths = [max(len(c[i]) for c in cells + [head]) for i in range(4)]
    line = lambda c: "| " + " | ".join(s.ljust(w) for s, w in zip(c, widths)) + " |"
    load = os.getloadavg()[0]
    out = [f"Figures measured {dt.date.today().isoformat()} on {os.cpu_count()} cores, load average {load:.1f}"
           + (" (quick)" if quick else ""), "", line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    return "\n".join(out + [line(c) for c in cells])


def benches(quick: bool) -> dict[str, Callable[[], list[Row]]]:
    """Every benchmark by name, in the order the table lists them; each runs only when called."""
    return {
        "startup": lambda: rows_for(run("startup.py", "--runs", "3" if quick else "7"), startup_rows, "start-up"),
        "engine": lambda: rows_for(run("engine.py", "--n", "300" if quick else "1000"), engine_rows, "engine"),
        "report": lambda: rows_for(run("report.py", "--runs", "2" if quick else "5"), report_rows, "report"),
        "portfolio": lambda: rows_for(run("portfolio.py", *(["--services", "100"] if quick else [])), portfolio_rows, "portfolio"),
        "limits": lambda: rows_for(run("limits.py", *(["--quick"] if quick else [])), limits_rows, "limits"),
        "portfolio_scale": lambda: rows_for(run("portfolio_scale.py", *(["--results", "1000", "--distinct", "50"] if quick else [])),
                                            portfolio_scale_rows, "portfolio at scale"),
        "fuzz": lambda: [] if quick else rows_for(run("fuzz.py"), fuzz_rows, "fuzz"),
        "kill_resume": lambda: rows_for(run("kill_resume.py", "--trials", "20" if quick else "100"), kill_rows, "kill-and-resume"),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=list(benches(False)),
                        help="run only these benchmarks: " + ", ".join(benches(False)))
    args = parser.parse_args()
    quick = args.quick
    rows = [row for name, bench in benches(quick).items() if args.only is None or name in args.only for row in bench()]
    print(table(rows, quick))
    return 1 if any(r.met is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
