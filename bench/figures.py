"""All benchmark figures in one table; each measured in the same run as its baseline.

    .venv/bin/python bench/figures.py [--quick]

--quick shortens the long ones (fewer kill-and-resume trials, fewer portfolio services).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(script: str, *args: str) -> dict:
    proc = subprocess.run([sys.executable, f"bench/{script}", "--json", *args], cwd=ROOT, capture_output=True, text=True)
    lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
    if not lines:
        return {"error": (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]}
    figures = json.loads(lines[-1])
    figures["exit"] = proc.returncode
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    quick = args.quick
    rows: list[tuple[str, str, str]] = []

    e = run("engine.py", "--n", "300" if quick else "1000")
    rows += [("engine / reference evaluator, per assessment", f"{e.get('ratio')}x", "goal <= 5x"),
             ("engine assessments per second", f"{e.get('engine_per_s'):,}" if "engine_per_s" in e else str(e), "rules only"),
             ("full evaluations per second", f"{e.get('evaluate_per_s', '?'):,}", "facts + engine + scoring"),
             ("`assess --help` cold start", f"{e.get('help_ms')} ms ({e.get('help_ratio')}x bare python)", "no weasyprint/durable import")]
    r = run("report.py", "--runs", "2" if quick else "5")
    rows += [("PDF report / bare WeasyPrint, same HTML", f"{r.get('ratio')}x ({r.get('ratio_tagged')}x vs bare tagged)",
              f"{r.get('pages')} pages; goal <= 1.2x"),
             ("report pages per second", f"{r.get('pages_per_s')}", "")]
    p = run("portfolio.py", *(["--services", "100"] if quick else []))
    if "error" in p:
        rows.append(("portfolio board PDF", "not measured", str(p["error"])))
    else:
        rows += [(f"portfolio: {p.get('services')} services to board PDF", f"{p.get('seconds')} s", "goal <= 30 s for 500"),
                 ("portfolio worker processes vs one process", f"{p.get('speedup')}x", f"{p.get('workers')} workers")]
    f = run("fuzz.py") if not quick else {"cases": "skipped (--quick)", "ok": True}
    rows.append(("fuzz cases run", f"{f.get('cases'):,}" if isinstance(f.get("cases"), int) else str(f.get("cases")),
                 "all handled" if f.get("ok") else "FAILURES"))
    k = run("kill_resume.py", "--trials", "20" if quick else "100")
    rows.append(("kill-and-resume trials survived", f"{k.get('survived')} of {k.get('trials')}" if "trials" in k else str(k), ""))

    width = max(len(r[0]) for r in rows)
    print(f"Figures measured {dt.date.today().isoformat()} on {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores"
          + (" (quick)" if quick else ""))
    print(f"| {'measure':<{width}} | value | note |")
    print(f"|{'-' * (width + 2)}|---|---|")
    for name, value, note in rows:
        print(f"| {name:<{width}} | {value} | {note} |")


if __name__ == "__main__":
    main()
