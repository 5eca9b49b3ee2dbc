"""Run the full fuzz share (10,000 mutated answers files, 2,000 mutated frameworks, fixed hostile cases).

    .venv/bin/python bench/fuzz.py [--json]

Exit status 0 when every case evaluated or ended in a clear file:line error.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import test_fuzz
    from fuzzing import FIXED_CASES
    cases = test_fuzz.SLOW + test_fuzz.SLOW // 5 + len(FIXED_CASES)
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "slow or not slow",
                          "tests/test_fuzz.py"], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-500:]
    failed = int(m.group(1)) if (m := re.search(r"(\d+) failed", summary)) else 0
    figures = {"cases": cases, "failed_tests": failed, "ok": run.returncode == 0, "seconds": round(seconds, 1)}
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"fuzz cases run: {cases:,} in {seconds:.0f} s; {'all handled' if run.returncode == 0 else summary}")
    sys.exit(0 if run.returncode == 0 else 1)


if __name__ == "__main__":
    main()
