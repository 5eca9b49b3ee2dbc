"""Hypothesis strategies: random but valid assessments for any framework."""
from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from assess.answers import ANSWERED, NOT_APPLICABLE, Answer, Assessment
from assess.models import META_VALUES, AssessmentMeta, Question


def value_for(q: Question) -> st.SearchStrategy:
    ids = [o.id for o in q.options]
    if q.type == "single":
        return st.sampled_from(ids)
    if q.type == "multi":
        return st.lists(st.sampled_from(ids), unique=True).map(lambda chosen: [i for i in ids if i in chosen])
    if q.type == "yesno":
        return st.sampled_from(["yes", "no"])
    if q.type == "scale":
        return st.integers(int(q.min), int(q.max))
    if q.type == "number":
        lo = q.min if q.min is not None else -1e6
        hi = q.max if q.max is not None else 1e6
        edges = [v for v in (lo, hi, 0, 1, 2, 2.5, 3, 1e-6, 0.001) if lo <= v <= hi]
        return st.one_of(st.sampled_from(edges), st.integers(int(lo), int(hi)),
                         st.floats(lo, hi, allow_nan=False, allow_infinity=False))
    if q.type == "date":
        return st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31))
    return st.text(max_size=20)


def answer_for(q: Question) -> st.SearchStrategy:
    options = [st.just(None), value_for(q).map(lambda v: Answer(ANSWERED, v))]
    if q.allow_na:
        options.append(st.just(Answer(NOT_APPLICABLE, None, "not relevant here")))
    return st.one_of(*options)


# Built once per framework: a strategy checks itself on its first draw, and answer strategies
# made afresh for every generated assessment spent more time on that check than on drawing.
_ANSWER_STRATEGIES: dict[int, tuple[object, list[tuple[str, st.SearchStrategy]]]] = {}


def answer_strategies(framework) -> list[tuple[str, st.SearchStrategy]]:
    kept = _ANSWER_STRATEGIES.get(id(framework))
    if kept is None or kept[0] is not framework:     # the framework is kept, so its id is not reused
        kept = _ANSWER_STRATEGIES[id(framework)] = (framework, [(qid, answer_for(q)) for qid, q in framework.questions.items()])
    return kept[1]


@st.composite
def assessments(draw, framework) -> Assessment:
    meta = AssessmentMeta(framework=framework.id, service="Generated service",
                          scope=draw(st.sampled_from(META_VALUES["scope"])),
                          phase=draw(st.sampled_from(META_VALUES["phase"])),
                          kind=draw(st.sampled_from(META_VALUES["kind"])),
                          date=draw(st.one_of(st.none(), st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)))))
    answers = {}
    for qid, strategy in answer_strategies(framework):
        a = draw(strategy)
        if a is not None:
            answers[qid] = a
    return Assessment(framework=framework, meta=meta, answers=answers)
