"""Kill `assess run` with SIGKILL at random moments, resume, and check that nothing is lost.

Each trial works through the mini test framework (whole service) in a real pseudo-terminal:
the assessment details, typed, picked and multiple-choice answers, evidence, a note and an n/a,
each of them one save. It kills the process just after the key that starts one of those saves,
at a random delay that often lands inside the save (or halfway through typing an answer).
Some trials resume and are killed a second time; some kill a `--review` run while it saves a
changed answer or changed assessment details. After every kill it checks that:
  - the answers file loads exactly as `assess evaluate` would load it (or, killed during the
    very first save, does not exist yet);
  - it holds every change confirmed on screen, and at most the one in flight besides;
  - the resumed run starts at the first unanswered question and finishes the assessment;
  - no lock or temp file is left next to the answers file once a run has finished.

    .venv/bin/python bench/kill_resume.py --trials 100 --workers 2

Exit status 0 when every trial lost nothing; 1 otherwise.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from test_run_terminal import DOWN, MINI, Terminal, leftovers  # noqa: E402

from assess.answers import NOT_APPLICABLE, load_answers  # noqa: E402
from assess.errors import AssessError  # noqa: E402


@dataclass
class Step:
    """One change in the run, made by one save."""
    kind: str                         # metadata, answer, multi, evidence, note, n/a, review
    qid: str
    keys: Callable[[Terminal], None]  # from the screen before it, up to the key that starts the save
    change: dict                      # what the file holds afterwards: answers / evidence / notes / meta
    typed: str = ""                   # for a kill halfway through typing


def ask(qid: str, then: Callable[[Terminal], None]) -> Callable[[Terminal], None]:
    return lambda t: (t.question(qid), then(t))


def tick(keys: str) -> Callable[[Terminal], None]:
    return lambda t: (t.ready(), t.send(keys), t.send("\r"))


def the_script() -> list[Step]:
    """The whole mini assessment, in the order the run asks it; step 0 is the assessment details."""
    return [
        Step("metadata", "", lambda t: (t.expect("Date"), t.type("")), {"meta": "whole"}),
        Step("answer", "org_count", ask("org_count", lambda t: t.type("5")), {"answers": {"org_count": 5}}, "5"),
        Step("multi", "channels", ask("channels", tick(" " + DOWN + DOWN + " ")),
             {"answers": {"channels": ["online", "paper"]}}),
        Step("answer", "launched", ask("launched", lambda t: t.type("2019-05-01")),
             {"answers": {"launched": dt.date(2019, 5, 1)}}, "2019-05-01"),
        Step("evidence", "owner", ask("owner", lambda t: (t.pick("e"), t.expect("Link to the remit"),
                                                          t.type("https://example.org/remit"))),
             {"evidence": {"owner": ["https://example.org/remit"]}}, "https://example.org/remit"),
        Step("answer", "owner", lambda t: t.pick("3"), {"answers": {"owner": "named"}}),
        Step("answer", "decision_rights", ask("decision_rights", lambda t: t.pick("2")),
             {"answers": {"decision_rights": "no"}}),
        Step("answer", "confidence", ask("confidence", lambda t: t.pick("4")), {"answers": {"confidence": 4}}),
        Step("multi", "practices", ask("practices", tick(DOWN + " ")), {"answers": {"practices": ["metrics"]}}),
        Step("answer", "funding_model", ask("funding_model", lambda t: t.pick("2")),
             {"answers": {"funding_model": "annual"}}),
        Step("n/a", "pooled_budget", ask("pooled_budget", lambda t: (t.pick("a"), t.expect("not apply?"),
                                                                     t.type("Only one funder"))),
             {"answers": {"pooled_budget": ("n/a", "Only one funder")}}, "Only one funder"),
        Step("note", "team_size", ask("team_size", lambda t: (t.type(""), t.expect("Nothing typed"), t.pick("n"),
                                                              t.expect("Note"), t.type("Two part-time"))),
             {"notes": {"team_size": "Two part-time"}}, "Two part-time"),
        Step("answer", "team_size", lambda t: t.type("7"), {"answers": {"team_size": 7}}, "7"),
        Step("answer", "comment", ask("comment", lambda t: t.type("Fine")), {"answers": {"comment": "Fine"}}, "Fine"),
        Step("answer", "forum", ask("forum", lambda t: t.pick("2")), {"answers": {"forum": "informal"}}),
        Step("answer", "anchor", ask("anchor", lambda t: t.pick("2")), {"answers": {"anchor": "no"}}),
    ]


def review_script() -> list[Step]:
    """A `--review` run on the example file: one changed answer, then changed assessment details.
    Each step starts from the list of sections; `review_steps` goes back to it after an answer."""
    def keep(t: Terminal, *fields: str) -> None:   # Enter keeps each field as it is
        for name in fields:
            t.expect(name)
            t.type("")

    return [
        Step("review", "funding_model", lambda t: (t.expect("Review which part?"), t.pick("3"), t.pick("1"),
                                                   t.question("funding_model"), t.pick("2")),
             {"answers": {"funding_model": "annual"}}),
        Step("metadata", "", lambda t: (t.pick("0"), keep(t, "Service name", "Organisation"), t.expect("Scope"),
                                        t.pick("1"), keep(t, "Phase", "Respondent", "Kind of assessment", "Date")),
             {"meta": "part"}),
    ]


State = Optional[tuple]   # None: no file


def state_of(answers: dict, evidence: dict, notes: dict, scope: str) -> tuple:
    return (tuple(sorted(answers.items(), key=lambda kv: kv[0])), tuple(sorted((k, tuple(v)) for k, v in evidence.items())),
            tuple(sorted(notes.items())), scope)


def states(start: dict, steps: list[Step], first: State) -> list[State]:
    """The file's state before any step (first) and after each one."""
    answers, evidence, notes = dict(start.get("answers", {})), dict(start.get("evidence", {})), dict(start.get("notes", {}))
    scope = start.get("meta", "whole")
    out = [first]
    for step in steps:
        answers.update({k: v for k, v in step.change.get("answers", {}).items()})
        evidence.update(step.change.get("evidence", {}))
        notes.update(step.change.get("notes", {}))
        scope = step.change.get("meta", scope)
        out.append(state_of(answers, evidence, notes, scope))
    return out


def read_state(path: Path) -> State:
    if not path.exists():
        return None
    loaded = load_answers(path, [MINI])
    answers = {q: (a.value if a.state != NOT_APPLICABLE else ("n/a", a.na_reason)) for q, a in loaded.answers.items()}
    return state_of(answers, loaded.evidence, loaded.notes, loaded.meta.scope)


EXAMPLE = {"answers": {"org_count": 5, "channels": ["phone", "paper"], "launched": dt.date(2019, 5, 1), "owner": "named",
                       "decision_rights": "no", "confidence": 2, "practices": ["roadmap", "metrics"],
                       "funding_model": "project", "pooled_budget": ("n/a", "Only one funder"), "team_size": 3,
                       "forum": "informal", "anchor": "no"},
           "evidence": {"owner": ["Terms of reference"]}, "notes": {"forum": "Meets when needed"}, "meta": "whole"}


@dataclass
class Trial:
    number: int
    kinds: list = field(default_factory=list)   # the kind of change in flight at each kill
    confirmed: int = 0                          # changes confirmed on screen before the kills
    lost: int = 0
    in_flight_saved: int = 0
    temp_files: int = 0                         # temp files a kill left, for the next run to clear
    planted: int = 0                            # temp files put there as a kill inside the save leaves one
    problem: str = ""
    seconds: float = 0.0


def kill_during(term: Terminal, step: Step, rng: random.Random, trial: Trial) -> None:
    """Start `step` and kill the run: mid-typing, or after its key at a delay that often lands in the save."""
    if step.typed and step.kind in ("answer", "n/a", "note", "evidence") and rng.random() < 0.2:
        trial.kinds.append(f"{step.kind} (mid-typing)")
        _type_halfway(term, step)
    else:
        trial.kinds.append(step.kind)
        step.keys(term)
    time.sleep(rng.choice((rng.uniform(0, 0.004), rng.uniform(0, 0.06))))
    term.kill()


def _type_halfway(term: Terminal, step: Step) -> None:
    """Everything of the step but its final text, then half of that text and no Enter."""
    real_type = term.type
    term.type = lambda text: (term.ready(), term.send(text[: max(1, len(text) // 2)])) if text == step.typed \
        else real_type(text)
    try:
        step.keys(term)
    finally:
        term.type = real_type


def check_after_kill(path: Path, expected: list[State], confirmed: int, trial: Trial) -> int:
    """How many steps the file holds; raises AssertionError if anything confirmed is missing."""
    trial.temp_files += sum(name.endswith(".tmp") for name in leftovers(path))
    if trial.number % 5 == 0:   # a kill rarely lands between the temp file and its rename: make sure of one
        (path.parent / f".{path.name}.k1ll3d0{trial.planted}.tmp").write_text("half a file")
        trial.planted += 1
    try:
        got = read_state(path)
    except AssessError as exc:
        raise AssertionError(f"file does not load after the kill: {exc}") from None
    if got == expected[confirmed]:
        return confirmed
    if confirmed + 1 < len(expected) and got == expected[confirmed + 1]:
        trial.in_flight_saved += 1
        return confirmed + 1
    trial.lost += 1
    raise AssertionError(f"after {confirmed} confirmed changes the file holds {got}, expected {expected[confirmed]}")


def resume_from(path: Path, out_state: int, script: list[Step]) -> tuple[Terminal, int]:
    """Start the run again after a kill; the index of the first step it will ask."""
    if out_state == 0:   # killed in the very first save: no file, start again (the stale lock and temp go)
        term = Terminal("mini", "-F", str(MINI), "-o", str(path))
        term.meta(scope="2")
        term.expect(f"Created {path}")
        return term, 1
    term = Terminal(str(path), "-F", str(MINI))
    term.expect("Done so far")
    return term, out_state


def run_trial(number: int, seed: int) -> Trial:
    rng = random.Random(seed)
    trial = Trial(number)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "answers.yaml"
        try:
            if rng.random() < 0.15:
                review_trial(path, rng, trial)
            else:
                script_trial(path, rng, trial, kills=2 if rng.random() < 0.25 else 1)
        except Exception as exc:  # a bench reports every failure and carries on
            trial.problem = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
    trial.seconds = time.perf_counter() - start
    return trial


def script_trial(path: Path, rng: random.Random, trial: Trial, kills: int) -> None:
    script = the_script()
    expected = states({}, script, None)
    term = Terminal("mini", "-F", str(MINI), "-o", str(path))
    for field_name, keys in (("Service name", "Trial"), ("Organisation", "Council")):
        term.expect(field_name)
        term.type(keys)
    term.expect("Scope")
    term.pick("2")
    term.expect("Phase")
    term.pick("4")
    term.expect("Respondent")
    term.type("")
    term.expect("Kind of assessment")
    term.pick("1")
    position = 0   # index of the next step to do
    for _ in range(kills):
        if position == len(script):   # the first kill came at the last step: nothing left to kill
            break
        stop = rng.randrange(position, len(script))
        for step in script[position:stop]:
            step.keys(term)
        trial.confirmed += stop
        kill_during(term, script[stop], rng, trial)
        done = check_after_kill(path, expected, stop, trial)
        term, position = resume_from(path, done, script)
        position = skip_done(path, script, position)
    for step in script[position:]:
        step.keys(term)
    finish(term, path, expected[-1])


def skip_done(path: Path, script: list[Step], position: int) -> int:
    """A resumed run opens at the first unanswered question: pass over the steps already in the file."""
    loaded = load_answers(path, [MINI])
    while position < len(script):
        step = script[position]
        if step.kind == "evidence" and loaded.evidence.get(step.qid) or step.kind == "note" and loaded.notes.get(step.qid):
            position += 1
        elif step.kind not in ("evidence", "note") and step.qid in loaded.answers:
            position += 1
        else:
            break
    return position


def review_trial(path: Path, rng: random.Random, trial: Trial) -> None:
    path.write_text((MINI / "whole.yaml").read_text())
    script = review_script()
    expected = states(EXAMPLE, script, read_state(path))
    term = Terminal(str(path), "-F", str(MINI), "--review")
    stop = rng.randrange(len(script))
    review_steps(term, script[:stop])
    trial.confirmed += stop
    kill_during(term, script[stop], rng, trial)
    done = check_after_kill(path, expected, stop, trial)
    term = Terminal(str(path), "-F", str(MINI), "--review")
    review_steps(term, script[done:])
    term.expect("Review which part?")
    term.pick("d")
    finish(term, path, expected[-1])


def review_steps(term: Terminal, steps: list[Step]) -> None:
    for step in steps:
        step.keys(term)
        if step.kind == "review":
            term.pick("b")   # from the section's questions back to the sections


def finish(term: Terminal, path: Path, final: State) -> None:
    status = term.finish(skipped_prompt=False)
    if status != 0:
        raise AssertionError(f"the last run exited {status}")
    got = read_state(path)
    if got != final:
        raise AssertionError(f"after finishing the file holds {got}, expected {final}")
    if leftovers(path):
        raise AssertionError(f"left next to the answers file: {leftovers(path)}")


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
    wall = time.perf_counter() - began
    failed = [t for t in trials if t.problem]
    for t in failed:
        print(f"trial {t.number} ({', '.join(t.kinds)}; {t.confirmed} confirmed): {t.problem}")
    kinds = Counter(k for t in trials for k in t.kinds)
    survived = len(trials) - len(failed)
    print(f"trials: {len(trials)}  ok: {survived}  failed: {len(failed)}  (survived {survived}/{len(trials)})")
    print(f"kills: {sum(kinds.values())} ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))})")
    print(f"changes confirmed before a kill: {sum(t.confirmed for t in trials)}, lost: {sum(t.lost for t in trials)}, "
          f"in-flight change already on disk: {sum(t.in_flight_saved for t in trials)}")
    print(f"temp files left by a kill: {sum(t.temp_files for t in trials)}, planted as a kill mid-save leaves them: "
          f"{sum(t.planted for t in trials)}; lock or temp files after a finished run: "
          f"{sum('left next to' in t.problem for t in trials)}")
    print(f"wall time {wall:.0f} s, {sum(t.seconds for t in trials) / len(trials):.1f} s per trial")
    if args.json:
        import json
        print(json.dumps({"trials": len(trials), "survived": survived, "kills": sum(kinds.values()),
                          "confirmed_answers": sum(t.confirmed for t in trials), "seconds": round(wall)}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
