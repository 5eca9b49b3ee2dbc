"""Generated answers files for any framework: many services, reproducible from a seed.

Each service gets a maturity it leans towards, so a portfolio has a spread of strong and
weak services rather than noise around the middle. Used by the portfolio, compare, gap,
merge and plan tests and by bench/portfolio.py.
"""
from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Optional

from assess.answers import ANSWERED, NOT_APPLICABLE, Answer
from assess.storage import answers_yaml

ORGANISATIONS = ("Northshire Council", "Eastvale NHS Trust", "Riverside Housing", "Westmoor Council")


def _by_maturity(options: list, level_of, lean: float, rng: random.Random):
    """Pick from options, favouring those whose level is near the service's lean."""
    weights = [1.0 / (1.0 + abs((level_of(o) or 3) - lean) ** 2) for o in options]
    return rng.choices(options, weights=weights)[0]


def value_for(question, lean: float, rng: random.Random):
    q = question
    if q.type == "single":
        return _by_maturity(q.options, lambda o: o.level, lean, rng).id
    if q.type == "yesno":
        return _by_maturity(["yes", "no"], lambda v: q.levels.get(v, 4 if v == "yes" else 2), lean, rng)
    if q.type == "multi":
        share = min(0.95, max(0.05, lean / 5))
        return [o.id for o in q.options if rng.random() < share]
    if q.type == "scale":
        lo, hi = int(q.min), int(q.max)
        return max(lo, min(hi, round(lo + (hi - lo) * (lean - 1) / 4 + rng.choice((-1, 0, 0, 1)))))
    if q.type == "number":
        lo = int(q.min) if q.min is not None else 0
        hi = int(min(q.max if q.max is not None else 40, 40))
        return rng.randint(lo, max(lo, hi))
    if q.type == "date":
        return dt.date(2015, 1, 1) + dt.timedelta(days=rng.randint(0, 3650))
    return rng.choice(("Weekly stand-up with partners", "See the shared drive", "Under review"))


def random_answers(framework, rng: random.Random, lean: Optional[float] = None,
                   answered: float = 0.92, na: float = 0.05) -> dict[str, Answer]:
    lean = rng.uniform(1, 5) if lean is None else lean
    out = {}
    for qid, q in framework.questions.items():
        roll = rng.random()
        if q.allow_na and roll < na:
            out[qid] = Answer(NOT_APPLICABLE, None, "Not relevant to this service")
        elif roll < answered:
            out[qid] = Answer(ANSWERED, value_for(q, lean, rng))
    return out


def write_answers(path: Path, framework, answers: dict[str, Answer], meta: dict,
                  evidence: Optional[dict[str, list[str]]] = None) -> Path:
    full = {"framework": framework.id, "framework_version": framework.version, **meta}
    path.write_text(answers_yaml(full, answers, evidence or {}, {}, framework.questions), encoding="utf-8")
    return path


def meta_for(rng: random.Random, index: int, date: dt.date, kind: str = "self") -> dict:
    return {"service": f"Service {index:03d}", "organisation": ORGANISATIONS[index % len(ORGANISATIONS)],
            "scope": rng.choice(("part", "whole")), "phase": rng.choice(("alpha", "beta", "live", "live")),
            "respondent": f"Respondent {index}", "kind": kind, "date": date}


def generate_portfolio(folder: Path, framework, count: int, seed: int = 1, history: float = 0.3,
                       newest: dt.date = dt.date(2026, 11, 1)) -> list[Path]:
    """`count` services; a share of them (`history`) also get an earlier assessment."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        meta = meta_for(rng, i, newest - dt.timedelta(days=rng.randint(0, 500)))
        lean = rng.uniform(1, 5)
        evidence = {q: ["Board minutes"] for q in framework.questions if rng.random() < 0.5}
        paths.append(write_answers(folder / f"service-{i:03d}.yaml", framework, random_answers(framework, rng, lean),
                                   meta, evidence))
        if rng.random() < history:
            earlier = dict(meta, date=meta["date"] - dt.timedelta(days=200))
            paths.append(write_answers(folder / f"service-{i:03d}-earlier.yaml", framework,
                                       random_answers(framework, rng, max(1.0, lean - 1)), earlier))
    return paths


def framework_variant(dest: Path, source: Path, framework_id: str, settings: str = "", rules: str = "") -> Path:
    """A copy of a framework folder with extra framework settings (YAML lines indented under
    `framework:`, such as RAG labels) and extra rules: for tests of vocabulary and gates."""
    import shutil
    shutil.copytree(source, dest)
    questionnaire = dest / "questionnaires" / f"{framework_id}.yaml"
    text = questionnaire.read_text(encoding="utf-8")
    marker = "\n  version: "
    at = text.index("\n", text.index(marker) + 1) + 1
    questionnaire.write_text(text[:at] + settings + text[at:], encoding="utf-8")
    if rules:
        (dest / "rules" / framework_id / "variant.yaml").write_text(rules, encoding="utf-8")
    return dest


VARIANT_LABELS = {"green": "Met", "amber": "Partly met", "red": "Not met"}


def labelled_gated_mini(dest: Path, mini: Path) -> Path:
    """The mini framework with its own RAG words and a gate: funding answered by
    funding_model alone (too little to score) is held at level 1 when it is `project`."""
    labels = ", ".join(f"{k}: {v}" for k, v in VARIANT_LABELS.items())
    return framework_variant(dest, mini, "mini", settings=f"  rag: {{labels: {{{labels}}}}}\n  scoring: {{min_answered_share: 0.9}}\n",
                             rules="rules:\n  - id: variant-project-gate\n    principle: funding\n"
                                   "    when: {q: funding_model, equals: project}\n    caps: [{max_level: 1}]\n")
