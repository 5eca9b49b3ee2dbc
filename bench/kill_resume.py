"""Kill `assess run` with SIGKILL at random moments, resume, and check that nothing is lost.

Each trial answers the 15-question guided test framework in a real pseudo-terminal, kills the
process at a random point (just after an answer key, at a random delay that often lands inside
the save, or halfway through typing a number), then checks that:
  - the answers file still loads exactly as `assess evaluate` would load it;
  - every answer confirmed on screen (the next question was shown) is in it, with its value;
  - the resumed run starts at the first unanswered question and finishes the assessment.

    .venv/bin/python bench/kill_resume.py --trials 100 --workers 2

Exit status 0 when every trial lost nothing; 1 otherwise.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from test_run_terminal import GUIDED, Terminal, answer, guided_answers, values  # noqa: E402

from assess.errors import AssessError  # noqa: E402


@dataclass
class Trial:
    number: int
    confirmed: int = 0        # answers whose save was confirmed by the next question appearing
    on_disk: int = -1         # answers found in the file after the kill (-1: not read)
    how: str = ""
    problem: str = ""
    seconds: float = 0.0


def run_trial(number: int, seed: int) -> Trial:
    rng = random.Random(seed)
    steps = guided_answers()
    trial = Trial(number)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "guided.yaml"
        term = Terminal("guided", "-F", str(GUIDED), "-o", str(out))
        try:
            term.meta(service=f"Trial {number}")
            stop = rng.randrange(len(steps))
            for qid, step, _ in steps[:stop]:
                term.question(qid)
                answer(term, step)
            term.question(steps[stop][0])
            trial.confirmed = stop
            qid, step, _ = steps[stop]
            if step.startswith("type:") and rng.random() < 0.5:
                term.send(step[5:7])                   # halfway through typing: this answer may be lost
                trial.how = "mid-typing"
            else:
                answer(term, step)                     # the save may or may not have happened
                trial.how = "after-key"
            time.sleep(rng.choice((rng.uniform(0, 0.004), rng.uniform(0, 0.06))))   # often inside the save
            term.kill()
            trial.problem = check_and_resume(out, steps, trial)
        except Exception as exc:  # a bench reports every failure and carries on
            trial.problem = f"{type(exc).__name__}: {exc}".splitlines()[0]
            try:
                term.kill()
            except Exception:
                pass
    trial.seconds = time.perf_counter() - start
    return trial


def check_and_resume(out: Path, steps, trial: Trial) -> str:
    try:
        saved = values(out, [GUIDED])
    except AssessError as exc:
        return f"file does not load after the kill: {exc}"
    trial.on_disk = len(saved)
    expected = {qid: value for qid, _, value in steps[:len(saved)]}
    if saved != expected:
        return f"file holds {saved}, expected the first {len(saved)} answers {expected}"
    if len(saved) < trial.confirmed:
        return f"lost answers: {trial.confirmed} were confirmed, {len(saved)} on disk"
    if len(saved) > trial.confirmed + 1:
        return f"{len(saved)} answers on disk but only {trial.confirmed + 1} were given"
    resumed = Terminal(str(out), "-F", str(GUIDED))
    resumed.expect(f"{len(saved)} of {len(steps)} questions answered")
    for qid, step, _ in steps[len(saved):]:
        resumed.question(qid)
        answer(resumed, step)
    status = resumed.finish()
    if status != 0:
        return f"resumed run exited {status}"
    final = values(out, [GUIDED])
    if final != {qid: value for qid, _, value in steps}:
        return f"after resuming the file holds {final}"
    return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON object")
    args = parser.parse_args()
    seeds = random.Random(args.seed)
    jobs = [(i, seeds.randrange(2 ** 32)) for i in range(1, args.trials + 1)]
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        trials = list(pool.map(lambda job: run_trial(*job), jobs))
    failed = [t for t in trials if t.problem]
    for t in failed:
        print(f"trial {t.number} ({t.how}, {t.confirmed} confirmed): {t.problem}")
    in_flight_saved = sum(1 for t in trials if not t.problem and t.on_disk == t.confirmed + 1)
    print(f"trials: {len(trials)}  ok: {len(trials) - len(failed)}  failed: {len(failed)}")
    print(f"answers confirmed before the kill: {sum(t.confirmed for t in trials)}, "
          f"lost: {sum(max(0, t.confirmed - t.on_disk) for t in trials if t.on_disk >= 0)}, "
          f"files unreadable after the kill: {sum(t.problem.startswith('file does not load') for t in trials)}")
    print(f"kills after the answer key: {sum(t.how == 'after-key' for t in trials)} "
          f"(the in-flight answer reached the disk in {in_flight_saved}), mid-typing: {sum(t.how == 'mid-typing' for t in trials)}")
    print(f"wall time {time.perf_counter() - began:.0f} s, {sum(t.seconds for t in trials) / len(trials):.1f} s per trial")
    if args.json:
        import json
        print(json.dumps({"trials": len(trials), "survived": len(trials) - len(failed),
                          "confirmed_answers": sum(t.confirmed for t in trials)}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
