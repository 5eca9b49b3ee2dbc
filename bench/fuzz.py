"""Run the slow fuzz share (the `-m slow` tests of tests/test_fuzz.py) and report how many cases
really ran. The quick share, fixed hostile cases included, runs with the default tests.

    .venv/bin/python bench/fuzz.py [--json]

The cases are counted as they run, not computed from settings. Exit status 0 when every case
evaluated or ended in a clear file:line error.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import test_fuzz
    from fuzzing import CASES

    failures: list[str] = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for test in test_fuzz.SLOW_SHARE:
            try:
                test(tmp_path=tmp)
            except Exception as exc:   # one failing share must not hide the others
                first = (str(exc).strip().splitlines() or [""])[0][:300]
                failures.append(f"{test.__name__}: {type(exc).__name__}: {first}")
    seconds = time.perf_counter() - start
    cases = sum(CASES.values())
    figures = {"cases": cases, "by_kind": dict(CASES), "failed": failures, "ok": not failures, "seconds": round(seconds, 1)}
    if args.json:
        print(json.dumps(figures))
    else:
        kinds = ", ".join(f"{n:,} {kind}" for kind, n in CASES.items())
        print(f"fuzz cases run: {cases:,} in {seconds:.0f} s ({kinds}); "
              + ("all handled" if not failures else f"{len(failures)} FAILED:\n  " + "\n  ".join(failures)))
    sys.exit(0 if not failures else 1)


if __name__ == "__main__":
    main()
