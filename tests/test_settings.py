"""An organisation's settings file overrides weights and thresholds, and is checked like any input."""
from __future__ import annotations

import json

import pytest

from assess.errors import AssessError
from assess.pipeline import evaluate_file

from conftest import MINI, run_cli

WHOLE = MINI / "whole.yaml"


def test_weights_and_thresholds_change_the_result(tmp_path):
    settings = tmp_path / "org.yaml"
    settings.write_text("rag: {green: 1.5, amber: 1.2}\nlenses:\n  director: {weight: 1}\n"
                        "principles:\n  funding: {weight: 3}\n")
    base = evaluate_file(WHOLE, [MINI])
    tuned = evaluate_file(WHOLE, [MINI], settings=settings)
    owner = next(l for l in tuned.lenses if l.id == "owner")
    acc, fund = (next(p for p in tuned.principles if p.id == i) for i in ("accountability", "funding"))
    assert owner.score == pytest.approx(round((acc.capped_score + 3 * fund.capped_score) / 4, 4))
    director = next(l for l in tuned.lenses if l.id == "director")
    assert tuned.overall["score"] == pytest.approx(round((owner.score + director.score) / 2, 4))
    assert acc.rag == "green" and next(p for p in base.principles if p.id == "accountability").rag == "red"
    assert tuned.framework["hash"] != base.framework["hash"]


def test_bad_settings_name_the_line(tmp_path):
    settings = tmp_path / "org.yaml"
    settings.write_text("rag: {green: 2, amber: 3}\nprinciples:\n  fundng: {weight: 2}\n  accountability: {weight: -1}\n")
    r = run_cli("evaluate", str(WHOLE), "-F", str(MINI), "--settings", str(settings))
    assert r.returncode == 2
    assert f"{settings}:4: principles.accountability.weight: Input should be greater than 0" in r.stderr
    settings.write_text("rag: {green: 2, amber: 3}\nprinciples:\n  fundng: {weight: 2}\n")
    with pytest.raises(AssessError) as exc:
        evaluate_file(WHOLE, [MINI], settings=settings)
    messages = {(d.line, d.message) for d in exc.value.diagnostics}
    assert (3, "unknown principle 'fundng' (did you mean 'funding'?)") in messages
    assert (1, "amber threshold must not be above green") in messages


@pytest.mark.parametrize("rag, field, words", [
    ("{amber: 1}", "rag.amber", "the lowest level is always red"),
    ("{green: 6, amber: 3}", "rag.green", "top of the scale"),
])
def test_thresholds_cannot_turn_a_gate_amber_or_make_green_unreachable(tmp_path, rag, field, words):
    settings = tmp_path / "org.yaml"
    settings.write_text(f"rag: {rag}\n")
    with pytest.raises(AssessError) as exc:
        evaluate_file(WHOLE, [MINI], settings=settings)
    [diag] = exc.value.diagnostics
    assert diag.field == field and words in diag.message and diag.line == 1
