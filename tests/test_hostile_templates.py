"""Report templates are input: none can run code, read files, hang or crash the report.

Each file in tests/hostile/templates/ is used as a --template-dir's report.html.j2 and must be
refused with one diagnostic naming the template and the line its first comment names
(`{# expect line N: words of the message #}`; line 0 where no single line is to blame).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from assess.errors import AssessError

from conftest import MINI, ROOT, run_cli

CORPUS = ROOT / "tests" / "hostile" / "templates"
EXPECT = re.compile(r"\{# expect line (\d+): (.+?) #\}")


def _evaluate(path: Path):
    from assess.answers import load_answers
    from assess.pipeline import evaluate
    assessment = load_answers(path, [MINI])
    return evaluate(assessment), assessment.framework


@pytest.fixture(scope="module")
def mini():
    return _evaluate(MINI / "whole.yaml")


def refusal(mini, folder: Path, fmt: str = "html"):
    from assess.reports import render
    with pytest.raises(AssessError) as caught:
        render(mini[0], fmt, template_dirs=[folder], framework=mini[1])
    assert len(caught.value.diagnostics) == 1
    return caught.value.diagnostics[0]


def as_report_template(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "tpl"
    folder.mkdir(exist_ok=True)
    (folder / "report.html.j2").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.html.j2")))
def test_each_hostile_template_is_refused_naming_template_and_line(mini, tmp_path, monkeypatch, name):
    from assess.reports import sandbox
    monkeypatch.setattr(sandbox, "MAX_SECONDS", 2)          # the endless loop need not take a minute
    text = (CORPUS / name).read_text(encoding="utf-8")
    line, words = EXPECT.match(text).groups()
    folder = as_report_template(tmp_path, text)
    problem = refusal(mini, folder)
    shown = str(problem)
    assert str(folder / "report.html.j2") in shown and words in shown, shown
    assert problem.line == int(line), shown
    assert "\n" not in shown


def test_the_cli_refuses_with_one_line_and_exit_2(tmp_path):
    folder = as_report_template(tmp_path, (CORPUS / "mro-subclasses.html.j2").read_text())
    out = tmp_path / "r.html"
    proc = run_cli("report", str(MINI / "whole.yaml"), "-F", str(MINI), "--template-dir", str(folder), "-o", str(out))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.splitlines() == [f"error: {folder / 'report.html.j2'}:3: report template refused: "
                                        "it reaches beyond the report (access to attribute '__class__' of 'str' object is unsafe.)"]
    assert not out.exists()


def test_a_template_cannot_change_what_the_report_shows_elsewhere(mini, tmp_path):
    # the immutable sandbox: a list or dict from the result cannot be changed from a template
    folder = as_report_template(tmp_path, '{% extends "base.html.j2" %}\n{% block cover %}'
                                          '{{ r.findings.append(r.findings[0]) }}{% endblock %}\n')
    assert "reaches beyond the report" in str(refusal(mini, folder))


def test_ordinary_template_features_still_work(mini, tmp_path):
    from assess.reports import render
    folder = as_report_template(tmp_path, (
        '{% extends "base.html.j2" %}\n{% block cover %}{% set ns = namespace(n=0) %}'
        '{% for p in principles %}{% set ns.n = ns.n + 1 %}{% endfor %}'
        '<p id="x">{{ ns.n }} {{ meta.service|upper }} {{ dict(a=1)|length }} {{ range(3)|list|join(",") }} '
        '{{ "%s-%s"|format(1, 2) }} {{ "{}".format("ok") }} {{ (r.findings|length) * 2 }} '
        '{{ "{:,}".format(123456789) }} {{ "%d"|format(123456789) }} {{ "Tel 01234567890: %s" % 2 }}</p>{% endblock %}\n'))
    html = render(mini[0], "html", template_dirs=[folder], framework=mini[1]).decode()
    n = len([p for p in mini[0].principles if p.applicable])
    assert f'<p id="x">{n} {mini[0].assessment["service"].upper()} 1 0,1,2 1-2 ok {len(mini[0].findings) * 2} 123,456,789 123456789 Tel 01234567890: 2</p>' in html


def test_a_template_larger_than_the_bound_is_not_read(mini, tmp_path):
    from assess.reports.sandbox import MAX_TEMPLATE_BYTES
    folder = as_report_template(tmp_path, "x" * (MAX_TEMPLATE_BYTES + 1))
    assert "a template may be at most" in str(refusal(mini, folder))


def test_a_template_that_is_a_pipe_is_not_opened(mini, tmp_path):
    folder = tmp_path / "tpl"
    folder.mkdir()
    os.mkfifo(folder / "report.html.j2")     # opening it would wait for a writer for ever
    assert "is not a regular file" in str(refusal(mini, folder))


def test_a_template_linked_from_outside_its_folder_is_refused(mini, tmp_path):
    outside = tmp_path / "outside.html.j2"
    outside.write_text("secret")
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "report.html.j2").symlink_to(outside)
    assert "leads outside its folder" in str(refusal(mini, folder))


def test_a_stylesheet_that_is_too_large_is_bad_input(mini, tmp_path):
    from assess.reports.sandbox import MAX_TEMPLATE_BYTES
    folder = tmp_path / "tpl"
    folder.mkdir()
    with open(folder / "report.css", "wb") as handle:
        handle.truncate(MAX_TEMPLATE_BYTES + 1)        # sparse: no disk used
    assert "a template may be at most" in str(refusal(mini, folder))


def test_a_frameworks_own_template_is_sandboxed_too(mini, tmp_path):
    from assess.reports import render
    root = tmp_path / "fw"
    (root / "report_templates" / "mini").mkdir(parents=True)
    (root / "report_templates" / "mini" / "report.html.j2").write_text(
        (CORPUS / "mro-subclasses.html.j2").read_text(), encoding="utf-8")
    with pytest.raises(AssessError) as caught:
        render(mini[0], "html", framework_root=root, framework=mini[1])
    assert str(caught.value).startswith(f"{root / 'report_templates' / 'mini' / 'report.html.j2'}:3: report template refused")
