"""What recording decisions costs: evaluating the panel-decisions example against the same
answers without a decisions block, in one process, as a ratio (run: python bench/decisions_overhead.py)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assess.pipeline import evaluate, load_assessment  # noqa: E402


def per_call(assessment, rounds: int) -> float:
    evaluate(assessment)   # warm the engine's ruleset
    start = time.perf_counter()
    for _ in range(rounds):
        evaluate(assessment)
    return (time.perf_counter() - start) / rounds


def main(rounds: int = 300) -> None:
    decided = load_assessment(ROOT / "examples" / "decisions" / "housing-panel-decisions.yaml")
    plain = load_assessment(ROOT / "examples" / "service-ownership" / "whole-service-housing.yaml")
    base, with_decisions = per_call(plain, rounds), per_call(decided, rounds)
    print(f"without decisions {base * 1000:.2f} ms, with decisions {with_decisions * 1000:.2f} ms per evaluation; "
          f"ratio {with_decisions / base:.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
