"""The full report as a board member reads it: level names whole, the caps column only when a
cap holds something, the rating explained beside the level, and promises the page keeps."""
from __future__ import annotations

import html
import re

import pytest

from conftest import ROOT

from assess.pipeline import evaluate, load_assessment
from assess.reports.filters import binding_caps, num
from assess.reports.html import render_html

EXAMPLES = sorted((ROOT / "examples" / "service-ownership").glob("*.yaml"))


def page(path):
    assessment = load_assessment(path)
    result = evaluate(assessment)
    return result, render_html(result, framework=assessment.framework)


def principle_table(text: str) -> str:
    return text[text.index('<table class="grid principle-table">'):].split("</table>")[0]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_capped_by_column_only_when_a_cap_holds_a_level_down(path):
    result, text = page(path)
    table = principle_table(text)
    held = any(binding_caps(p) for p in result.principles if p.applicable)
    assert ("Capped by" in table) == held
    if not held:
        assert "No rule’s cap holds any principle below the level its answers give." in html.unescape(text)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_level_names_never_wrap_and_each_rating_says_why(path):
    result, text = page(path)
    table = principle_table(text)
    for p in result.principles:
        if p.applicable and p.level is not None:
            assert f'<span class="lvl">Level {p.level} · {p.level_name}' in table
        if p.applicable and p.rag and p.capped_score is not None:
            assert re.search(rf"Rated <strong>{re.escape(result.rag_labels[p.rag])}</strong>: the score ", text)


def test_same_level_different_rating_is_explained_on_the_page():
    result, text = page(ROOT / "examples" / "service-ownership" / "health-pathway-unanchored.yaml")
    at_two = {p.rag for p in result.principles if p.applicable and p.level == 2}
    assert at_two == {"amber", "red"}             # the case a reader asked about
    assert "two principles at the same level can be rated differently" in text
    funding = next(p for p in result.principles if p.id == "sustained-funding")
    assert f"Rated <strong>Amber</strong>: the score {num(funding.capped_score)} is from 2.5 up to 3.5" in text


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_italic_owners_are_promised_only_when_there_are_some(path):
    _, text = page(path)
    actions = text[text.index('id="actions"'):]
    promised = "Owners in italics are suggested" in actions
    assert promised == ("<td><em>" in actions)


def test_side_by_side_radars_have_larger_labels():
    _, text = page(ROOT / "examples" / "service-ownership" / "health-pathway-unanchored.yaml")
    charts = text[text.index('id="charts"'):text.index('id="principles"')]
    radars = [svg for svg in re.findall(r"<svg.*?</svg>", charts, flags=re.S) if "Radar" in svg]
    assert len(radars) == 2
    for svg in radars:
        assert 'font-size="16"' in svg


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_markdown_principle_table_has_scores_and_caps_only_when_held(path):
    from assess.reports.markdown import render_markdown
    assessment = load_assessment(path)
    result = evaluate(assessment)
    text = render_markdown(result, framework=assessment.framework)
    header = next(line for line in text.splitlines() if line.startswith("| Principle |"))
    held = any(binding_caps(p) for p in result.principles if p.applicable)
    assert "| Score |" in header and ("Capped by" in header) == held
    assert "The rating follows the score after caps, not the level" in text


def test_capped_by_column_shows_the_cap_that_holds_a_level(tmp_path):
    from conftest import MINI
    from report_helpers import binding_answers
    assessment = load_assessment(binding_answers(tmp_path / "binding.yaml"), [MINI])
    result = evaluate(assessment)
    held = [(p, c) for p in result.principles for c in binding_caps(p)]
    assert held
    table = principle_table(render_html(result, framework=assessment.framework))
    assert "Capped by" in table
    for p, c in held:
        assert f"<code>{c.rule}</code> (≤ {c.max_level})" in table
