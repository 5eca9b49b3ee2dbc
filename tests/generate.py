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


# ---------------------------------------------------------------- large frameworks

LARGE_FACTS = 30          # derived facts, each on its own two questions; odd ones chain from the one before
LARGE_RULE_QUESTIONS = 60  # questions the finding rules look at


def _large_question(i: int) -> dict:
    kind = ("single", "yesno", "number", "multi", "scale")[i % 5]
    q = {"id": f"q{i:03d}", "type": kind, "text": f"Question {i}?"}
    if kind == "single":
        q["options"] = [{"id": f"o{j}", "label": f"Option {j}", "level": j + 1} for j in range(4)]
    elif kind == "yesno":
        q["levels"] = {"yes": 4, "no": 1}
    elif kind == "number":
        q.update(min=0, max=100)
    elif kind == "multi":
        q["options"] = [{"id": f"c{j}", "label": f"Choice {j}", "level": j + 2} for j in range(3)]
    else:
        q.update(min=1, max=5)
    if kind != "number":
        q["informs"] = [{"principle": f"p{i % 6}"}]
    return q


def _large_leaf(question: dict, rng: random.Random) -> tuple[dict, object, object]:
    """A leaf on one question, an answer that makes it true and one that makes it false."""
    qid, kind = question["id"], question["type"]
    if kind == "single":
        leaf, yes, no = (({"q": qid, "in": ["o0", "o1"]}, "o0", "o3") if rng.random() < 0.5
                         else ({"q": qid, "equals": "o2"}, "o2", "o0"))
    elif kind == "yesno":
        leaf, yes, no = {"q": qid, "equals": "no"}, "no", "yes"
    elif kind == "number":
        k = rng.randint(0, 98)
        leaf, yes, no = {"q": qid, "gt": k}, k + 1, k
    elif kind == "multi":
        leaf, yes, no = {"q": qid, "contains": "c1"}, ["c1"], ["c0"]
    else:
        leaf, yes, no = {"q": qid, "le": 2}, 1, 5
    if rng.random() < 0.2:
        return {"not": leaf}, no, yes
    return leaf, yes, no


def _snippet(answers: dict) -> str:
    import json
    return "answers:\n" + "".join(f"  {qid}: {json.dumps(value)}\n" for qid, value in sorted(answers.items()))


def large_framework(root: Path, rules: int, seed: int = 1, rules_per_file: int = 200) -> Path:
    """A framework `large` with `rules` rules in all (LARGE_FACTS of them deriving facts, some
    chained), most behind the same `phase equals live` gate, and a fires and a silent fixture
    for every rule. The questionnaire file is returned."""
    import json
    rng = random.Random(seed)
    questions = [_large_question(i) for i in range(2 * LARGE_FACTS + LARGE_RULE_QUESTIONS)]
    qdoc = {"framework": {"id": "large", "title": "Large generated framework", "version": "1.0.0",
                          "scale": [{"level": i, "name": f"Level {i}"} for i in range(1, 6)],
                          "lenses": [{"id": "owner", "title": "Owner"}]},
            "principles": [{"id": f"p{i}", "title": f"Principle {i}", "lens": "owner"} for i in range(6)],
            "sections": [{"id": "all", "title": "Everything", "questions": questions}]}
    (root / "questionnaires").mkdir(parents=True)
    (root / "questionnaires" / "large.yaml").write_text(json.dumps(qdoc, indent=1), encoding="utf-8")
    out, fixtures = [], {}
    satisfied: list[dict] = []   # per fact: answers that make it true
    for k in range(LARGE_FACTS):
        (a, a_yes, a_no), (b, _, b_no) = _large_leaf(questions[2 * k], rng), _large_leaf(questions[2 * k + 1], rng)
        qa, qb = questions[2 * k]["id"], questions[2 * k + 1]["id"]
        if k % 2:   # chained: the fact before it and one of two answers
            when = {"all": [{"fact": f"f{k - 1}"}, {"any": [a, b]}]}
            fires, silent = {**satisfied[k - 1], qa: a_yes}, {**satisfied[k - 1], qa: a_no, qb: b_no}
        else:
            when = {"any": [a, b]}
            fires, silent = {qa: a_yes}, {qa: a_no, qb: b_no}
        satisfied.append(fires)
        out.append({"id": f"large-f{k:02d}", "when": when, "derive": f"f{k}"})
        fixtures[out[-1]["id"]] = (fires, silent)
    pool = questions[2 * LARGE_FACTS:]
    for i in range(rules - LARGE_FACTS):
        chosen = rng.sample(pool, rng.randint(1, 3))
        leaves = [_large_leaf(q, rng) for q in chosen]
        when = [leaf for leaf, _, _ in leaves]
        fires = {q["id"]: yes for q, (_, yes, _) in zip(chosen, leaves)}
        silent = dict(fires, **{chosen[0]["id"]: leaves[0][2]})
        if rng.random() < 0.9:
            when.insert(0, {"meta": "phase", "equals": "live"})
        if i % 3 == 0:
            k = (i // 3) % LARGE_FACTS
            when.append({"fact": f"f{k}"})
            fires, silent = {**satisfied[k], **fires}, {**satisfied[k], **silent}
        rule = {"id": f"large-r{i:04d}", "principle": f"p{i % 6}", "when": {"all": when}}
        if i % 4 == 3:
            rule["caps"] = [{"max_level": 3}]
        else:
            rule["finding"] = {"severity": ("low", "medium", "high")[i % 3], "title": f"Finding {i}",
                               "rationale": "Seen in the answers.", "recommendation": "Act on it."}
        out.append(rule)
        fixtures[rule["id"]] = (fires, silent)
    (root / "rules" / "large").mkdir(parents=True)
    for n in range(0, len(out), rules_per_file):
        (root / "rules" / "large" / f"rules-{n // rules_per_file:03d}.yaml").write_text(
            json.dumps({"rules": out[n:n + rules_per_file]}, indent=1), encoding="utf-8")
    for rule_id, (fires, silent) in fixtures.items():
        folder = root / "tests" / "rules" / rule_id
        folder.mkdir(parents=True)
        (folder / "fires.yaml").write_text(_snippet(fires), encoding="utf-8")
        (folder / "silent.yaml").write_text(_snippet(silent), encoding="utf-8")
    return root / "questionnaires" / "large.yaml"
