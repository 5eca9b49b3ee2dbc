"""What recording decisions costs: evaluating the panel-decisions example against the same
answers without a decisions block, in one process, as a ratio (run: python bench/decisions_overhead.py)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assess.pipeline import evaluate, load_assessment  # noqa: E402


def timed(assessment) -> float:
    start = time.perf_counter()
    evaluate(assessment)
    return time.perf_counter() - start


def main(rounds: int = 300) -> None:
    from assess.decisions import apply_decisions
    from assess.pipeline import effects_of
    from assess.scoring import score
    decided = load_assessment(ROOT / "examples" / "decisions" / "housing-panel-decisions.yaml")
    plain = load_assessment(ROOT / "examples" / "service-ownership" / "whole-service-housing.yaml")
    evaluate(plain), evaluate(decided)   # warm the engine's ruleset
    base = with_decisions = 0.0
    for _ in range(rounds):   # interleaved, so drift in the machine's load falls on both alike
        base += timed(plain)
        with_decisions += timed(decided)
    proposal = score(decided, effects_of(decided))
    start = time.perf_counter()
    for _ in range(rounds):
        apply_decisions(proposal, decided)
    alone = (time.perf_counter() - start) / rounds
    print(f"without decisions {base / rounds * 1000:.2f} ms, with decisions {with_decisions / rounds * 1000:.2f} ms "
          f"per evaluation; ratio {with_decisions / base:.3f}; applying the decisions alone "
          f"{alone / (base / rounds):.3f} of an evaluation")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
