"""Report formats other than PDF, the action plan, the generated reading, templates and the CLI."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import MINI, ROOT, run_cli
from report_helpers import HOSTILE, LITERALS, hostile_answers


def evaluate(path: Path, roots=(MINI,)):
    from assess.answers import load_answers
    from assess.pipeline import evaluate as run
    assessment = load_answers(path, list(roots))
    return run(assessment), assessment.framework


@pytest.fixture(scope="module")
def mini():
    return evaluate(MINI / "whole.yaml")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return evaluate(hostile_answers(tmp_path_factory.mktemp("hostile") / "evil.yaml"))


class Page(HTMLParser):
    """Collects what the tests look at: tags with attributes, headings, text."""
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_registry_and_json(mini):
    from assess.pipeline import result_json
    from assess.reports import FORMATS, render
    assert set(FORMATS) == {"pdf", "html", "md", "csv", "json"}
    assert render(mini[0], "json") == result_json(mini[0]).encode()
    with pytest.raises(ValueError):
        render(mini[0], "docx")


def test_html_is_self_contained_and_accessible(mini):
    from assess.reports import render
    html = render(mini[0], "html", framework=mini[1]).decode()
    page = Page(html)
    tags = [t for t, _ in page.tags]
    assert page.tags[0] == ("html", {"lang": "en-GB"})
    assert "<title>Mini whole service: service assessment report</title>" in html
    assert "style" in tags and "link" not in tags and "script" not in tags and "img" not in tags
    assert all(a.get("scope") in ("row", "col") for t, a in page.tags if t == "th")
    levels = [int(t[1]) for t in tags if len(t) == 2 and t[0] == "h" and t[1].isdigit()]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:]))
    svgs = [i for i, (t, _) in enumerate(page.tags) if t == "svg"]
    assert svgs
    for i in svgs:
        attrs = page.tags[i][1]
        assert attrs["role"] == "img" and attrs["aria-label"]
        assert [t for t, _ in page.tags[i + 1:i + 3]] == ["title", "desc"]
    assert html.count('class="principle"') == sum(p.applicable for p in mini[0].principles)


def test_hostile_text_is_literal_text_and_never_an_attribute(hostile):
    from assess.reports import render
    html = render(hostile[0], "html", framework=hostile[1]).decode()
    page = Page(html)
    text = " ".join(" ".join(page.text).split())
    for literal in LITERALS:
        assert literal in text, literal
    assert [t for t, _ in page.tags].count("script") == 0 and "img" not in [t for t, _ in page.tags]
    attributes = " ".join(v or "" for _, a in page.tags for v in a.values())
    for marker in ("passwd", "7*7", "alert", "HYPERLINK", "raw"):
        assert marker not in attributes


def test_markdown_is_inert(hostile):
    from assess.reports import render
    md = render(hostile[0], "md", framework=hostile[1]).decode()
    assert "<img" not in md and "<script" not in md and "<iframe" not in md
    assert "&lt;img src=file:///etc/passwd&gt;" in md
    assert "## Action plan" in md and "## Appendix: every answer" in md
    assert "Only one funder" not in md and "n/a" in md        # the hostile file's own n/a reason is shown


def test_csv_one_row_per_finding_and_no_formulas(hostile):
    from assess.reports import render
    from assess.reports.csv import neutralise
    rows = list(csv.DictReader(io.StringIO(render(hostile[0], "csv").decode())))
    assert [r["rule"] for r in rows] == [f.rule for f in hostile[0].findings]
    unanchored = next(r for r in rows if r["rule"] == "mini-unanchored-finding")
    assert unanchored["rationale"].startswith("Evil")
    assert unanchored["caps"] == "governance <= 2"
    assert [neutralise(x) for x in ("=1+1", "+1", "-1", "@SUM(A1)", "plain", "")] == ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "plain", ""]
    for row in rows:
        assert not any(v.startswith(("=", "+", "-", "@")) for v in row.values())


def test_action_plan_orders_by_severity_then_levels_unlocked(mini):
    from assess.models import SEVERITY_ORDER
    from assess.reports.actions import action_plan
    result = mini[0].model_copy(deep=True)
    actions = action_plan(result)
    assert [a.finding.kind for a in actions] == ["risk"] * len(actions)
    keys = [(SEVERITY_ORDER[a.finding.severity], -a.levels_unlocked) for a in actions]
    assert keys == sorted(keys)
    # give one low finding a binding cap on a well-scored principle: it must move ahead of the other lows
    lows = [a.finding.rule for a in actions if a.finding.severity == "low"]
    last = lows[-1]
    target = next(p for p in result.principles if p.id == "accountability")
    target.score, target.capped_score, target.level = 4.5, 2.0, 2
    target.caps = [c for c in target.caps if c.rule != "mini-no-rights"]
    target.caps.append(type(mini[0].principles[0].caps[0])(rule=last, max_level=2, reason="test"))
    reordered = [a for a in action_plan(result) if a.finding.severity == "low"]
    assert reordered[0].finding.rule == last and reordered[0].levels_unlocked == 2
    assert reordered[0].unlocks[0].level_without_cap == 4


def test_suggested_owner_comes_from_the_lens(mini):
    from assess.reports.actions import action_plan
    by_rule = {a.finding.rule: a for a in action_plan(mini[0])}
    assert by_rule["mini-unanchored-finding"].owner == "Programme board" and not by_rule["mini-unanchored-finding"].owner_suggested
    assert by_rule["mini-project-funded"].owner == "Owner" and by_rule["mini-project-funded"].owner_suggested


def test_reading_is_generated_from_the_result(mini, tmp_path):
    from assess.reports.actions import action_plan
    from assess.reports.narrative import reading
    text = (MINI / "whole.yaml").read_text()
    better = text.replace("decision_rights: \"no\"", "decision_rights: \"yes\"").replace("funding_model: project", "funding_model: multi_year")
    better = better.replace("forum: informal", "forum: formal").replace("anchor: \"no\"", "anchor: \"yes\"")
    (tmp_path / "better.yaml").write_text(better)
    other = evaluate(tmp_path / "better.yaml")[0]
    first, second = reading(mini[0], action_plan(mini[0])), reading(other, action_plan(other))
    assert first != second
    for result, para in ((mini[0], first), (other, second)):
        assert f"level {result.overall['level']} ({result.overall['level_name']})" in para
        assert f"{round(result.confidence.answered_share * 100)}%" in para
    urgent = action_plan(mini[0])[0].finding.title
    assert urgent in first and urgent not in second


def test_template_dir_and_framework_override(mini, tmp_path):
    from assess.reports import render
    user = tmp_path / "mine"
    user.mkdir()
    (user / "report.html.j2").write_text('{% extends "base.html.j2" %}{% block methodology %}<p>USER-METHOD</p>{% endblock %}')
    html = render(mini[0], "html", template_dirs=[user]).decode()
    assert "USER-METHOD" in html and "How levels are worked out" not in html
    # a framework root's own report_templates/<id>/ overrides a block
    root = tmp_path / "root"
    (root / "report_templates" / "mini").mkdir(parents=True)
    (root / "report_templates" / "mini" / "report.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block cover %}<h1>FRAMEWORK-COVER {{ meta.service }}</h1>{{ super() }}{% endblock %}')
    html = render(mini[0], "html", framework_root=root).decode()
    assert "FRAMEWORK-COVER Mini whole service" in html and "Executive summary" in html
    # --template-dir still wins over the framework's template
    assert "USER-METHOD" in render(mini[0], "html", template_dirs=[user], framework_root=root).decode()


def test_cli_report_formats_and_output_folder(tmp_path):
    out = tmp_path / "out" / "report.html"
    proc = run_cli("report", str(MINI / "whole.yaml"), "-F", str(MINI), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().startswith("<!DOCTYPE html>")
    proc = run_cli("report", str(MINI / "whole.yaml"), "-F", str(MINI), "--format", "json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["framework"]["id"] == "mini"
    proc = run_cli("report", str(MINI / "whole.yaml"), "-F", str(MINI), "-o", str(tmp_path / "r.md"))
    assert (tmp_path / "r.md").read_text().startswith("# Mini whole service")


def test_cli_bad_input_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("assessment:\n  framework: mini\n  service: x\nanswers:\n  owner: maybe\n")
    proc = run_cli("report", str(bad), "-F", str(MINI), "-o", str(tmp_path / "r.pdf"))
    assert proc.returncode == 2 and "bad.yaml:5" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "r.pdf").exists()
    broken = tmp_path / "tpl"
    broken.mkdir()
    (broken / "report.html.j2").write_text('{% extends "base.html.j2" %}\n{% block cover %}{% if %}{% endblock %}')
    proc = run_cli("report", str(MINI / "whole.yaml"), "-F", str(MINI), "--template-dir", str(broken), "-f", "html")
    assert proc.returncode == 2 and "report.html.j2:2" in proc.stderr and "Traceback" not in proc.stderr


def test_help_and_non_pdf_formats_do_not_import_weasyprint():
    code = ("import sys; from assess.cli import app; from assess import reports; from pathlib import Path;"
            "from assess.pipeline import evaluate_file;"
            f"r = evaluate_file({str(MINI / 'whole.yaml')!r}, [Path({str(MINI)!r})]);"
            "[reports.render(r, f) for f in ('html', 'md', 'csv', 'json')];"
            "print('weasyprint' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"
