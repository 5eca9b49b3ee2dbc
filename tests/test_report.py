"""Report formats other than PDF, the action plan, the generated reading, templates and the CLI."""
from __future__ import annotations

import csv
import html as html_lib
import io
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import MINI, ROOT, run_cli, run_cli_here
from report_helpers import HOSTILE, LITERALS, binding_answers, gated, hostile_answers


def evaluate(path: Path, roots=(MINI,)):
    from assess.answers import load_answers
    from assess.pipeline import evaluate as run
    assessment = load_answers(path, list(roots))
    return run(assessment), assessment.framework


@pytest.fixture(scope="module")
def mini():
    return evaluate(MINI / "whole.yaml")


@pytest.fixture(scope="module")
def binding(tmp_path_factory):
    return evaluate(binding_answers(tmp_path_factory.mktemp("binding") / "binding.yaml"))


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
    assert "&lt;img src=file:///etc/passwd>" in md and "&gt;" not in md      # a > alone starts nothing
    assert "## Action plan" in md and "## Appendix: every answer" in md
    assert "Only one funder" not in md and "n/a" in md        # the hostile file's own n/a reason is shown


def test_csv_one_row_per_finding_and_no_formulas(hostile):
    from assess.reports import render
    from assess.reports.csv import neutralise
    rows = list(csv.DictReader(io.StringIO(render(hostile[0], "csv").decode())))
    assert [r["rule"] for r in rows] == [f.rule for f in hostile[0].findings]
    unanchored = next(r for r in rows if r["rule"] == "mini-unanchored-finding")
    assert unanchored["rationale"].startswith("Evil")
    assert unanchored["caps"] == ""                 # governance already scores below the cap: it holds nothing
    assert unanchored["principle_level"] == "Level 1 · Initial"
    assert [neutralise(x) for x in ("=1+1", "+1", "-1", "@SUM(A1)", "plain", "")] == ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "plain", ""]
    # numbers the project computed stay numbers; anything else that is not a plain number reads as text
    assert [neutralise(x) for x in (-1, -0.25, 3, None, float("-inf"), True)] == ["-1", "-0.25", "3", "", "'-inf", "True"]
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
    proc = run_cli_here("report", str(MINI / "whole.yaml"), "-F", str(MINI), "-o", str(out))
    assert proc.returncode == 2 and "the folder" in proc.stderr and "does not exist" in proc.stderr
    assert not out.parent.exists()                      # a typo in the folder never creates folders
    out.parent.mkdir()
    proc = run_cli_here("report", str(MINI / "whole.yaml"), "-F", str(MINI), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().startswith("<!DOCTYPE html>")
    proc = run_cli_here("report", str(MINI / "whole.yaml"), "-F", str(MINI), "--format", "json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["framework"]["id"] == "mini"
    proc = run_cli_here("report", str(MINI / "whole.yaml"), "-F", str(MINI), "-o", str(tmp_path / "r.md"))
    assert (tmp_path / "r.md").read_text().startswith("# Mini whole service")


def test_cli_bad_input_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("assessment:\n  framework: mini\n  service: x\nanswers:\n  owner: maybe\n")
    proc = run_cli_here("report", str(bad), "-F", str(MINI), "-o", str(tmp_path / "r.pdf"))
    assert proc.returncode == 2 and "bad.yaml:5" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "r.pdf").exists()
    broken = tmp_path / "tpl"
    broken.mkdir()
    (broken / "report.html.j2").write_text('{% extends "base.html.j2" %}\n{% block cover %}{% if %}{% endblock %}')
    proc = run_cli_here("report", str(MINI / "whole.yaml"), "-F", str(MINI), "--template-dir", str(broken), "-f", "html")
    assert proc.returncode == 2 and "report.html.j2:2" in proc.stderr and "Traceback" not in proc.stderr


def test_help_and_non_pdf_formats_do_not_import_weasyprint():
    code = ("import sys; from assess.cli import app; from assess import reports; from pathlib import Path;"
            "from assess.pipeline import evaluate_file;"
            f"r = evaluate_file({str(MINI / 'whole.yaml')!r}, [Path({str(MINI)!r})]);"
            "[reports.render(r, f) for f in ('html', 'md', 'csv', 'json')];"
            "print('weasyprint' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("args, message", [
    (["-o", "{tmp}/answers.yaml/x.html"], "is a file, not a folder"),
    (["-o", "{tmp}/out.txt"], "cannot tell the format from the file name"),
    (["-o", "{tmp}/x.html", "-f", "md"], "the name says html but --format says md"),
    (["-o", "{tmp}"], "is a folder"),
])
def test_cli_refuses_outputs_it_cannot_write_as_asked(tmp_path, args, message):
    (tmp_path / "answers.yaml").write_text((MINI / "whole.yaml").read_text())
    proc = run_cli_here("report", str(tmp_path / "answers.yaml"), "-F", str(MINI), *[a.format(tmp=tmp_path) for a in args])
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.yaml"]


def test_cli_format_comes_from_the_extension_or_is_given(tmp_path):
    for name, start in (("r.md", "# Mini whole service"), ("r.markdown", "# Mini whole service"), ("r.csv", "rule,")):
        proc = run_cli_here("report", str(MINI / "whole.yaml"), "-F", str(MINI), "-o", str(tmp_path / name))
        assert proc.returncode == 0 and (tmp_path / name).read_text().startswith(start), proc.stderr
    proc = run_cli_here("report", str(MINI / "whole.yaml"), "-F", str(MINI), "-o", str(tmp_path / "notes.txt"), "-f", "md")
    assert proc.returncode == 0 and (tmp_path / "notes.txt").read_text().startswith("# Mini whole service")


def test_template_errors_name_the_template_file_and_line(tmp_path):
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "report.html.j2").write_text('{% extends "base.html.j2" %}\n{% block cover %}\n<p>x</p>\n{{ nosuchvar }}\n{% endblock %}\n')
    proc = run_cli_here("report", str(MINI / "whole.yaml"), "-F", str(MINI), "--template-dir", str(folder), "-f", "html")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{folder / 'report.html.j2'}:4: report template failed: 'nosuchvar' is undefined" in proc.stderr


# ---------------------------------------------------------------- wording

def test_caps_that_hold_nothing_are_not_called_capping(mini, binding):
    """Mini's caps sit above what the answers give; the binding variant's Accountability cap holds 4.2 at 2."""
    from assess.reports import render
    from assess.reports.actions import action_plan
    from assess.reports.narrative import reading
    quiet = render(mini[0], "html", framework=mini[1]).decode()
    assert "Capped at level" not in quiet and "· capped" not in quiet and "Rules hold" not in quiet
    assert "also caps this principle at level 2" in quiet and "so it does not change the level" in quiet
    table = quiet[quiet.index('class="grid principle-table"'):]
    table = table[:table.index("</table>")]
    assert "mini-no-rights" not in table and "mini-unanchored-finding" not in table
    held = render(binding[0], "html", framework=binding[1]).decode()
    assert "Capped at level 2 by rule <code>mini-no-rights</code>" in held and "2 Emerging · capped" in held
    assert "Rules hold one principle below the level its answers alone would give" in str(reading(binding[0], action_plan(binding[0])))
    md = render(binding[0], "md", framework=binding[1]).decode()
    assert "- Capped at level 2 by `mini-no-rights`" in md
    assert "Also capped at level 2 by `mini-unanchored-finding`, which does not change the level" in md
    assert "| Accountability | Level 2 · Emerging | 2 | Red | mini-no-rights (≤ 2) |" in md
    assert "| Governance | Level 1 · Initial | 1.5 | Red | – |" in md          # its cap holds nothing down


def test_gated_status_reads_in_plain_words_everywhere(mini):
    from assess.reports import render
    from assess.reports.charts import bar_label
    result = gated(mini[0], "governance")
    plain = "set by a rule, too few answers to score"
    html = render(result, "html", framework=mini[1]).decode()
    assert f"Level 1 · Initial ({plain})" in html                        # tables and the principle page
    assert "holds it at level 1 whatever the missing answers say" in html
    assert f"1 Initial · {plain}" in html                                 # the bar chart
    assert "set at level 1 by a rule, although too few questions were answered to score it" in html
    assert "gated" not in html.replace('"gated"', "")
    md = render(result, "md", framework=mini[1]).decode()
    assert f"Level 1 · Initial ({plain})" in md and "Held at level 1 by `test-gate`" in md
    rows = list(csv.DictReader(io.StringIO(render(result, "csv").decode())))
    assert {r["principle_level"] for r in rows if r["principle"] == "governance"} == {f"Level 1 · Initial ({plain})"}
    assert bar_label(next(p for p in result.principles if p.id == "governance")) == f"1 Initial · {plain}"


def test_reading_agrees_in_number_and_uses_the_frameworks_own_words(mini):
    from assess.models import Terms
    from assess.reports.actions import action_plan
    from assess.reports.narrative import reading
    result = mini[0].model_copy(deep=True)
    actions = [a for a in action_plan(result) if a.finding.severity != "high"]
    one = str(reading(result, actions[:1]))
    two = str(reading(result, actions[:2]))
    assert "one lesser risk remains to address" in one and "two lesser risks remain to address" in two
    rating = result.overall["rag_label"]
    assert f"overall, rated “{rating}”." in one and f"rated {rating.lower()}" not in one
    points = str(reading(result, actions, Terms(principle="point", principles="points")))
    assert "strongest point" in points and "principle" not in points


def test_reading_and_markdown_isolate_what_users_typed(mini):
    from assess.reports import render
    result = mini[0].model_copy(deep=True)
    result.assessment["service"] = "Evil\u202eName"          # an override left open, as a JSON result may carry
    html = render(result, "html", framework=mini[1]).decode()
    reading = html[html.index('<p class="reading">'):]
    reading = reading[:reading.index("</p>")]
    assert "<bdi>Evil\u202eName</bdi> reaches level" in reading
    assert '<h1 class="service-name"><bdi>Evil\u202eName</bdi></h1>' in html
    md = render(result, "md", framework=mini[1]).decode()
    assert "\u202e" not in md and "EvilName reaches level" in md


# ---------------------------------------------------------------- charts

def _titles(framework_id: str) -> list[str]:
    from assess.frameworks import find_framework
    return [p.title for p in find_framework(framework_id).principles]


def _legend_rows(svg: str, size: str = "9") -> dict[float, list[tuple[float, str]]]:
    rows: dict[float, list[tuple[float, str]]] = {}
    for x, y, text in re.findall(rf'<text x="([\d.]+)" y="([\d.]+)" text-anchor="start" font-size="{size}" fill="#5b6573"[^>]*>([^<]*)</text>', svg):
        rows.setdefault(float(y), []).append((float(x), text))
    return rows


def test_chart_labels_wrap_between_words_and_are_never_cut():
    from assess.reports.textwidth import text_width, wrap
    for title in _titles("service-ownership") + _titles("service-standard") + ["A multidisciplinary team"]:
        for width in (90, 110, 186):
            lines = wrap(title, width, 10)
            assert " ".join(lines).split() == title.split(), title       # no word broken, nothing dropped
            assert all(text_width(line, 10) <= width for line in lines if " " in line)
    assert wrap("Supercalifragilisticexpialidocious", 40, 10)[0] != "Supercalifragilisticexpialidocious"


def test_bar_chart_legend_entries_never_overlap_and_labels_sit_by_their_bars(binding):
    from assess.reports import charts
    from assess.reports.textwidth import text_width
    result = binding[0]
    labels = {"green": "Met", "amber": "Met with actions and a very long name for the rating", "red": "Not met"}
    svg = charts.bars(result.principles, len(result.scale), "Bars", labels)
    rows = _legend_rows(svg)
    assert sum(len(r) for r in rows.values()) == 5                      # cap, score before caps, three ratings
    for entries in rows.values():
        entries.sort()
        for (x, text), (next_x, _) in zip(entries, entries[1:]):
            assert x + text_width(text, 9) + 10 < next_x, (text, rows)    # room for the next swatch
    x0, unit = 200, 290 / len(result.scale)
    placed = re.findall(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="start" font-size="10" fill="#1b2430" font-weight="bold">([^<]*)<', svg)
    assert [text for _, text in placed] == [charts.bar_label(p) for p in result.principles]
    for p, (x, label) in zip(result.principles, placed):
        x = float(x)
        drawn = max([p.capped_score] + ([p.score] if charts.binding_caps(p) else []))
        assert 0 < x - (x0 + drawn * unit) <= 12, p.id                     # just past the bar, not past a cap that holds nothing
        patch = re.search(rf'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="15" fill="#ffffff"/><text x="{x:.1f}"', svg)
        assert patch and float(patch.group(2)) >= text_width(label, 10, bold=True)   # grid lines stop short of it
    capped = next(p for p in result.principles if p.id == "accountability")
    assert charts.bar_label(capped) == "2 Emerging · capped"
    governance = next(p for p in result.principles if p.id == "governance")
    assert governance.caps and "capped" not in charts.bar_label(governance)


def test_long_point_titles_wrap_over_more_lines_without_an_ellipsis():
    from assess.models import CapApplied, PrincipleResult
    from assess.reports import charts
    titles = _titles("service-standard")
    principles = [PrincipleResult(id=f"p{i}", title=t, lens="team", applicable=True, level=3, level_name="Meets the phase",
                                  score=3.2, capped_score=3.2, rag="green", status="scored", answered_share=1.0,
                                  caps=[CapApplied(rule="r", max_level=4, reason="x", binding=False)], contributions=[],
                                  not_applicable=[], unanswered=[]) for i, t in enumerate(titles)]
    for svg in (charts.bars(principles, 4, "Bars", {}), charts.radar(principles, 4, "Radar")):
        assert "…" not in svg
        words = html_lib.unescape(" ".join(re.findall(r">([^<>]+)</text>", svg))).split()
        for title in titles:
            assert " ".join(title.split()) in " ".join(words), title


def test_radar_plots_the_levels_its_caption_names(mini):
    import math
    from assess.reports import charts
    result = mini[0]
    svg = charts.radar(result.principles, len(result.scale), "Radar of principle levels")
    spokes = re.findall(r'<line x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)" stroke="#d5dae1"', svg)
    centre = (float(spokes[0][0]), float(spokes[0][1]))
    shape = re.search(r'<polygon points="([^"]+)" fill="#2f5d8a"', svg).group(1).split()
    for xy, (_, _, ax, ay), p in zip(shape, spokes, result.principles):
        share = math.dist(tuple(map(float, xy.split(","))), centre) / math.dist((float(ax), float(ay)), centre)
        assert abs(share - p.level / len(result.scale)) < 0.01, p.id


def test_chart_text_alternative_carries_every_value(binding):
    from assess.reports import charts
    result = binding[0]
    svg = charts.bars(result.principles, len(result.scale), "Bar chart of principle levels with caps", result.rag_labels)
    title = re.search(r"<title>(.*?)</title>", svg).group(1)
    assert title.startswith("Bar chart of principle levels with caps: ")
    for p in result.principles:
        assert f"{p.title}: level {p.level} ({p.level_name})" in title
    assert "Accountability: level 2 (Emerging), held there by a cap at level 2" in title


# ---------------------------------------------------------------- palette

def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("sheet", ["report.css", "board/board.css"])
def test_small_text_on_rag_colours_reaches_4_5_to_1(sheet):
    from assess.reports.templates import base_dir
    css = (base_dir() / sheet).read_text()
    colours = dict(re.findall(r"--([a-z-]+): (#[0-9a-f]{6})", css))
    white, ink = "#ffffff", colours["ink"]
    for name in ("green", "red", "none", "accent"):          # badges and tags with white text
        assert _contrast(colours[name], white) >= 4.5, name
    assert _contrast(colours["amber"], ink) >= 4.5            # amber badges carry dark ink
    assert _contrast(colours["amber-text"], white) >= 4.5 and _contrast(colours["amber-text"], colours["tint"]) >= 4.5
    if sheet == "report.css":
        assert re.search(r"\.badge\.rag-amber \{[^}]*color: var\(--ink\)", css)
        assert re.search(r"\.sev\.sev-medium \{[^}]*color: var\(--ink\)", css)


# ---------------------------------------------------------------- template assets

@pytest.fixture
def branded(tmp_path):
    """A --template-dir folder with its own logo, used from the template and from its stylesheet."""
    from assess.reports.templates import base_dir
    folder = tmp_path / "brand"
    folder.mkdir()
    (folder / "logo.png").write_bytes(bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000" "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"))
    (tmp_path / "secret.png").write_bytes((folder / "logo.png").read_bytes())
    (folder / "report.html.j2").write_text('{% extends "base.html.j2" %}{% block cover %}'
                                           '<img src="logo.png" alt="Council logo"><img src="../secret.png" alt="x">'
                                           '{{ super() }}{% endblock %}')
    (folder / "report.css").write_text((base_dir() / "report.css").read_text() + "\n.cover { background: url(logo.png); }\n")
    return folder


def test_template_folder_serves_its_own_assets_and_refusals_are_reported(mini, branded):
    from assess.reports import render
    heard: list[str] = []
    html = render(mini[0], "html", template_dirs=[branded], framework=mini[1], warn=heard.append).decode()
    assert html.count("data:image/png;base64,") == 2                    # the <img> and the stylesheet's url()
    assert heard == ["report template asset not loaded: ../secret.png (outside the template folders)"]
    proc = run_cli("report", str(MINI / "whole.yaml"), "-F", str(MINI), "--template-dir", str(branded),
                   "-o", str(branded.parent / "r.html"))
    assert proc.returncode == 0 and "warning: report template asset not loaded: ../secret.png" in proc.stderr


def test_asset_rule_keeps_to_the_template_folders(tmp_path):
    from assess.reports.assets import AssetFolders
    own, other = tmp_path / "own", tmp_path / "other"
    for folder in (own, other):
        folder.mkdir()
    (other / "shared.png").write_bytes(b"x")
    (tmp_path / "outside.png").write_bytes(b"x")
    (own / "link.png").symlink_to(tmp_path / "outside.png")
    folders = AssetFolders([own, other])
    assert folders.locate((own / "shared.png").as_uri())[0] == (other / "shared.png").resolve()   # first match wins
    for url, reason in [((own / "link.png").as_uri(), "no file link.png"), (own.as_uri() + "/../outside.png", "outside"),
                        ("http://127.0.0.1:9/x.png", "http: URL is never fetched"), ("data:image/png;base64,AA", "data:"),
                        ((own / "missing.png").as_uri(), "no file missing.png")]:
        path, why = folders.locate(url)
        assert path is None and reason in why, url
