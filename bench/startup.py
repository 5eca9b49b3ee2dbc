"""Everyday commands against `assess --help`: how much a framework costs each command to start.

    python bench/startup.py [--runs 7] [--json]

Each command runs in a fresh process, as a user runs it, with the framework cache in a
temporary folder (warmed first). Commands take turns, round after round, and each figure is
the median of the child's CPU time (user + system), so other work on a shared machine moves
the ratios far less than it moves wall time. The package's bytecode is compiled first and
written as usual, as it is in an installed copy.

Also measured: a cold first run after a framework edit (an empty cache: read the YAML, then
keep it) against a run with the cache turned off, which is how every run went before.
"""
from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = "examples/service-ownership/health-pathway-unanchored.yaml"
COMMANDS = {
    "help": ["--help"],
    "evaluate": ["evaluate", EXAMPLE],
    "validate": ["validate", EXAMPLE],
    "init": ["init", "service-ownership", "-o", "-"],
    "schema": ["schema", "answers", "--framework", "service-ownership"],
    "plan": ["plan", EXAMPLE],
}


def cpu_seconds(args: list[str], env: dict) -> float:
    """User + system CPU time of one `assess` run in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "assess", *args], cwd=ROOT, env=env, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"assess {' '.join(args)} exited {done.returncode}: {done.stderr.decode()[-300:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON object")
    runs = parser.parse_args().runs
    compileall.compile_dir(str(ROOT / "assess"), quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(PYTHONPATH=str(ROOT), ASSESS_CACHE_DIR=str(Path(tmp) / "warm"))
        off = dict(env, ASSESS_CACHE_DIR="off")
        for args in COMMANDS.values():   # warm the cache and the OS file cache
            cpu_seconds(args, env)
        times: dict[str, list[float]] = {name: [] for name in [*COMMANDS, "cold", "uncached"]}
        for round_ in range(runs):
            for name, args in COMMANDS.items():
                times[name].append(cpu_seconds(args, env))
            cold = dict(env, ASSESS_CACHE_DIR=str(Path(tmp) / f"cold-{round_}"))   # empty: as after an edit
            times["cold"].append(cpu_seconds(COMMANDS["evaluate"], cold))
            times["uncached"].append(cpu_seconds(COMMANDS["evaluate"], off))
    median = {name: statistics.median(values) for name, values in times.items()}
    help_s = median["help"]
    figures = {f"{name}_ms": round(value * 1000) for name, value in median.items()}
    figures.update({f"{name}_ratio": round(median[name] / help_s, 2) for name in ("evaluate", "validate", "init", "schema")})
    figures["plan_ratio"] = round(median["plan"] / median["evaluate"], 2)
    figures["cold_ratio"] = round(median["cold"] / median["uncached"], 2)
    figures["runs"] = runs
    print(f"CPU time per run, median of {runs} (load average {os.getloadavg()[0]:.1f}):")
    for name in COMMANDS:
        base = "" if name == "help" else (f"  {median[name] / median['evaluate']:.2f}x evaluate" if name == "plan"
                                          else f"  {median[name] / help_s:.2f}x --help")
        print(f"  {name:<10} {median[name] * 1000:6.0f} ms{base}")
    print(f"  cold first run after an edit {median['cold'] * 1000:.0f} ms, without the cache {median['uncached'] * 1000:.0f} ms: "
          f"{figures['cold_ratio']:.2f}x")
    if parser.parse_args().json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
