"""Time and peak memory of a PDF report with each input at its limit, against the same report
without the big input, measured in the same run.

    .venv/bin/python bench/limits.py [--runs N] [--rules N] [--quick] [--json]

Cases, each an answers file made from the largest service-ownership example:
  long word     one note of NOTE_CHARS characters with no space (a pasted blob)
  long text     one note of NOTE_CHARS characters of ordinary words
  evidence      EVIDENCE_TOTAL evidence items (EVIDENCE_PER_QUESTION at most on a question)
  full file     an answers file at ANSWERS_FILE_BYTES: every question's evidence at its limits
  big framework the example under a copy of its framework with --rules generated rules added
                (default 1,000: one-condition rules, which today's engine compiles in one
                ruleset; rules with larger conditions may be refused sooner, so lower it there)
Each case and its baseline run `assess report ... -o x.pdf` in a fresh process, taking turns;
time is the median wall time, memory the child's peak RSS. Goal: at most 2x the baseline's
time and at most 500 MB peak. The CPU-time ratio is printed beside it: on a shared machine it
moves far less with the load than wall time does. Exit 1 when a goal is missed or a case fails to render.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assess import limits  # noqa: E402  (after the path is set)

EXAMPLE = ROOT / "examples" / "service-ownership" / "whole-service-housing.yaml"
TIME_GOAL, MEMORY_GOAL_MB = 2.0, 500


def report_once(answers: Path, out: Path, frameworks_dir: Path | None) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one `assess report` in its own process."""
    args = [sys.executable, "-m", "assess", "report", str(answers), "-o", str(out)]
    if frameworks_dir:
        args[4:4] = ["-F", str(frameworks_dir)]
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace").strip() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{answers.name}: {err.splitlines()[-1] if err else 'failed'}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def example_with(extra_notes: dict[str, str] | None = None, evidence: dict[str, list[str]] | None = None,
                 framework: str | None = None) -> str:
    """The example answers file with its notes and evidence replaced or added to (as JSON, which
    is YAML too)."""
    from assess.yamlio import load_yaml
    doc = load_yaml(EXAMPLE)
    data = doc.data
    meta = dict(data["assessment"], **({"framework": framework} if framework else {}))
    notes = {**data.get("notes", {}), **(extra_notes or {})}
    ev = {k: ([v] if isinstance(v, str) else v) for k, v in data.get("evidence", {}).items()}
    if evidence is not None:
        ev = evidence
    return json.dumps({"assessment": meta, "answers": data["answers"], "evidence": ev, "notes": notes},
                      indent=1, default=str)


def question_ids() -> list[str]:
    from assess.frameworks import find_framework
    return list(find_framework("service-ownership").questions)


def evidence_spread(total: int, item: str) -> dict[str, list[str]]:
    """`total` items over the questions, at most EVIDENCE_PER_QUESTION on each."""
    out: dict[str, list[str]] = {}
    for i in range(total):
        qid = question_ids()[i // limits.EVIDENCE_PER_QUESTION]
        out.setdefault(qid, []).append(f"{i}: {item}")
    return out


def full_file() -> str:
    """Evidence at the total limit with items as long as the file limit allows."""
    short = example_with(evidence=evidence_spread(limits.EVIDENCE_TOTAL, "x"))
    room = (limits.ANSWERS_FILE_BYTES - len(short.encode()) - 2_000) // limits.EVIDENCE_TOTAL
    words = ("Minutes of the partnership board, with the service map and the agreed budget "
             * (room // 70 + 1))[:min(room, limits.EVIDENCE_ITEM_CHARS - 10)].strip()
    return example_with(evidence=evidence_spread(limits.EVIDENCE_TOTAL, words))


def big_framework(folder: Path, rules: int) -> Path:
    """A copy of service-ownership named bench-big, with `rules` generated rules added."""
    from assess.frameworks import find_framework
    fw = find_framework("service-ownership")
    root = folder / "frameworks"
    (root / "questionnaires").mkdir(parents=True)
    text = fw.questionnaire_file.read_text(encoding="utf-8").replace("id: service-ownership", "id: bench-big", 1)
    (root / "questionnaires" / "bench-big.yaml").write_text(text, encoding="utf-8")
    shutil.copytree(fw.questionnaire_file.parent.parent / "rules" / "service-ownership", root / "rules" / "bench-big")
    choices = [(q.id, o.id) for q in fw.questions.values() if q.type == "single" for o in q.options]
    principles = [p.id for p in fw.principles]
    lines = ["rules:"]
    for i in range(rules):
        qid, option = choices[i % len(choices)]
        lines += [f"  - id: bench-rule-{i:04d}", f"    principle: {principles[i % len(principles)]}",
                  f"    when: {{q: {qid}, equals: {option}}}",
                  "    finding:", "      kind: risk", "      severity: low",
                  f"      title: Generated finding {i}",
                  f"      rationale: The answer to {qid} was {option}, which this generated rule looks for.",
                  "      recommendation: Nothing; this rule exists to measure a large framework."]
    if rules:
        (root / "rules" / "bench-big" / "generated.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def measure(case: Path, baseline: Path, runs: int, frameworks_dir: Path | None, base_dir: Path | None) -> dict:
    times, base_times, cpus, base_cpus, peaks, base_peaks = [], [], [], [], [], []
    out = case.with_suffix(".pdf")
    for _ in range(runs):
        t, c, m = report_once(case, out, frameworks_dir)
        times.append(t)
        cpus.append(c)
        peaks.append(m)
        t, c, m = report_once(baseline, baseline.with_suffix(".pdf"), base_dir)
        base_times.append(t)
        base_cpus.append(c)
        base_peaks.append(m)
    seconds, base_seconds = statistics.median(times), statistics.median(base_times)
    ratios = sorted(t / b for t, b in zip(times, base_times))
    return {"seconds": round(seconds, 2), "baseline_seconds": round(base_seconds, 2),
            "ratio": round(statistics.median(ratios), 2),
            "cpu_ratio": round(statistics.median(c / b for c, b in zip(cpus, base_cpus)), 2), "peak_mb": round(max(peaks)),
            "baseline_peak_mb": round(max(base_peaks)), "bytes": case.stat().st_size}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rules", type=int, default=1000, help="generated rules in the big framework (default 1000)")
    parser.add_argument("--quick", action="store_true", help="one run of each")
    parser.add_argument("--only", action="append", default=[], help="run only this case (may repeat)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    figures: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="assess-limits-") as tmp:
        folder = Path(tmp)
        baseline = folder / "baseline.yaml"
        baseline.write_text(example_with(), encoding="utf-8")
        words = ("The service director agreed the plan with every partner at the board. " * 200)[:limits.NOTE_CHARS].strip()
        cases = {
            "long word": example_with({"named_owner": "x" * limits.NOTE_CHARS}),
            "long text": example_with({"named_owner": words}),
            "evidence": example_with(evidence=evidence_spread(limits.EVIDENCE_TOTAL, "Board minutes, 12 March 2026")),
            "full file": full_file(),
        }
        for name, text in cases.items():
            if args.only and name not in args.only:
                continue
            case = folder / f"{name.replace(' ', '-')}.yaml"
            case.write_text(text, encoding="utf-8")
            try:
                figures[name] = measure(case, baseline, runs, None, None)
            except RuntimeError as exc:
                figures[name] = {"error": str(exc)}
        if not args.only or "big framework" in args.only:
            big, small = big_framework(folder / "big", args.rules), big_framework(folder / "small", 0)
            answers = folder / "big-framework.yaml"
            answers.write_text(example_with(framework="bench-big"), encoding="utf-8")
            try:
                figures["big framework"] = {"rules": args.rules, **measure(answers, answers, runs, big, small)}
            except RuntimeError as exc:
                figures["big framework"] = {"rules": args.rules, "error": str(exc)}
    ok = True
    for name, f in figures.items():
        if "error" in f:
            ok = False
            print(f"{name:14} FAILED: {f['error']}")
            continue
        met = f["ratio"] <= TIME_GOAL and f["peak_mb"] <= MEMORY_GOAL_MB
        ok &= met
        extra = f" ({f['rules']} rules)" if "rules" in f else f" ({f['bytes']:,} bytes)"
        print(f"{name:14}{extra:18} {f['seconds']:7.2f} s vs {f['baseline_seconds']:6.2f} s = {f['ratio']:.2f}x "
              f"(goal <= {TIME_GOAL:g}x), CPU {f['cpu_ratio']:.2f}x; peak {f['peak_mb']} MB vs {f['baseline_peak_mb']} MB (goal <= {MEMORY_GOAL_MB})"
              f"{'' if met else '  MISSED'}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; {runs} run(s) each")
    if args.json:
        print(json.dumps({"cases": figures, "ok": ok, "runs": runs}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
