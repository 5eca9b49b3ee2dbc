"""The report with an earlier assessment (--previous) and with the next-level plan.

The earlier assessment is the example with a few answers changed, written to tmp_path; every
expected level comes from evaluating the two files separately, every label from the framework.
"""
from __future__ import annotations

import hashlib
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import MINI, ROOT, run_cli, run_cli_here, run_cli_here
from report_helpers import pdf_pages_text, weasyprint_log

EXAMPLE = ROOT / "examples" / "service-ownership" / "health-pathway-unanchored.yaml"
# question id: (answer in the earlier file, answer in the example); each moves a principle
EARLIER = {"vision_exists": ("none", "per_org"), "leader_development": ("yes", "no"),
           "release_frequency": ("yearly_or_less", "quarterly")}

pytestmark = pytest.mark.skipif(not EXAMPLE.exists(), reason="service-ownership examples not in this checkout")


def write_earlier(path: Path) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8").replace("date: 2026-09-30", "date: 2026-03-31")
    for qid, (old, new) in EARLIER.items():
        line = f"  {qid}: {new}\n"
        assert line in text, qid
        text = text.replace(line, f"  {qid}: {old}\n")
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    from assess.answers import load_answers
    from assess.compare import compare_results
    from assess.pipeline import evaluate, evaluate_file
    from assess.reports.actions import next_level_plan
    folder = tmp_path_factory.mktemp("previous")
    old_path = write_earlier(folder / "earlier.yaml")
    assessment = load_answers(EXAMPLE)
    new, old = evaluate(assessment), evaluate_file(old_path)
    return {"assessment": assessment, "new": new, "old": old, "old_path": old_path, "folder": folder,
            "comparison": compare_results(old, new), "plan": next_level_plan(assessment)}


@pytest.fixture(scope="module")
def html(case):
    from assess.reports import render
    return render(case["new"], "html", framework=case["assessment"].framework, comparison=case["comparison"],
                  plan=case["plan"]).decode()


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    """The PDF with both sections for the mini framework, whose earlier assessment had no owner:
    what the PDF adds to the HTML checked above is the outline and the contents page, which a
    short report shows as well as a long one, at a fraction of the layout time."""
    from assess.answers import load_answers
    from assess.compare import compare_results
    from assess.pipeline import evaluate, evaluate_file
    from assess.reports import render
    from assess.reports.actions import next_level_plan
    folder = tmp_path_factory.mktemp("previous-pdf")
    earlier = folder / "earlier.yaml"
    text = (MINI / "whole.yaml").read_text(encoding="utf-8")
    assert "owner: named\n" in text and "date: 2026-11-28" in text
    earlier.write_text(text.replace("owner: named\n", "owner: nobody\n").replace("date: 2026-11-28", "date: 2026-05-28"),
                       encoding="utf-8")
    assessment = load_answers(MINI / "whole.yaml", [MINI])
    new = evaluate(assessment)
    comparison = compare_results(evaluate_file(earlier, [MINI]), new)
    assert [c.ref for c in comparison.answers_changed] == ["owner"]
    with weasyprint_log() as log:
        data = render(new, "pdf", framework=assessment.framework, comparison=comparison, plan=next_level_plan(assessment))
    path = folder / "report.pdf"
    path.write_bytes(data)
    return path, log.messages()


def section(html: str, anchor: str) -> str:
    start = html.index(f'id="{anchor}"')
    return html[start:html.index("</section>", start)]


def text_of(fragment: str) -> str:
    class Text(HTMLParser):
        parts: list[str] = []

        def handle_data(self, data):
            self.parts.append(data)
    parser = Text(convert_charrefs=True)
    parser.parts = []
    parser.feed(fragment)
    return " ".join(" ".join(parser.parts).split())


def option_label(framework, qid: str, value: str) -> str:
    from assess.answers import Answer, ANSWERED, answer_label
    return answer_label(framework.questions[qid], Answer(ANSWERED, value))


def level(result, pid: str):
    return next(p for p in result.principles if p.id == pid).level


def test_since_last_time_lists_principle_changes_and_the_answers_behind_them(case, html):
    framework, old, new = case["assessment"].framework, case["old"], case["new"]
    since = section(html, "since")
    text = text_of(since)
    moved = [p for p in new.principles if p.applicable and level(old, p.id) != level(new, p.id)]
    assert moved, "the changed answers must move at least one principle"
    rows = {m.group(1): m.group(2) for m in re.finditer(
        r'<th scope="row">([^<]+)</th><td>[^<]*</td><td class="num">(\d|–)</td>', since)}
    for p in new.principles:
        assert rows[p.title] == str(level(old, p.id))         # the earlier level, from its own evaluation
    # each moved principle has its own block naming the changed answers behind it, old → new
    blocks = {text_of(b.split("</strong>")[0]): text_of(b) for b in since.split('<div class="since-principle">')[1:]}
    for p in moved:
        block = blocks[p.title]
        direction = "up" if level(new, p.id) > level(old, p.id) else "down"
        assert f"{level(old, p.id)} → {level(new, p.id)}" in block
        causes = [qid for qid in EARLIER if any(i.principle == p.id for i in framework.questions[qid].informs)]
        assert causes, p.id
        for qid in causes:
            old_value, new_value = EARLIER[qid]
            assert (f"{framework.questions[qid].text}: {option_label(framework, qid, old_value)} → "
                    f"{option_label(framework, qid, new_value)}") in block
        assert f"move-{direction}" in since
    # every changed answer, and nothing else, is in the closing table
    answers = text_of(since.split("Every answer that changed")[1])
    for qid in framework.questions:
        assert (f" {qid} " in f" {answers} ") == (qid in EARLIER), qid
    # findings that came or went are named in their group
    for fc in case["comparison"].findings:
        if fc.status != "persisting":
            group = text.split(f"{fc.status.capitalize()} (")[1].split(" (")[0]
            assert fc.finding.title in group


def test_radar_overlays_the_earlier_levels_with_a_legend_and_text_alternative(case, html):
    from assess.reports import render
    top = len(case["new"].scale)
    old_levels = {p.id: p.level or 0 for p in case["old"].principles}
    radars = [s for s in re.findall(r"<svg.*?</svg>", section(html, "charts"), re.S) if "Radar" in s]
    assert radars
    for svg in radars:
        data = [p for p in re.findall(r"<polygon [^>]*>", svg) if "#d5dae1" not in p]   # not the grid rings
        assert len(data) == 2
        dashed = [p for p in data if "stroke-dasharray" in p]
        assert len(dashed) == 1 and "fill-opacity" in next(p for p in data if p not in dashed)
        # the dashed outline is the earlier assessment: vertex i sits at radius old level / top
        title = re.search(r"<title>(.*?)</title>", svg).group(1)
        desc = re.search(r"<desc>(.*?)</desc>", svg).group(1)
        spokes = re.findall(r'<line x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)" stroke="#d5dae1"', svg)
        centre = (float(spokes[0][0]), float(spokes[0][1]))
        axes = [(x2, y2) for x1, y1, x2, y2 in spokes]
        members = [p.id for p in case["new"].principles if p.applicable and f"{p.title}: level" in desc]
        points = [tuple(map(float, xy.split(","))) for xy in re.search(r'points="([^"]+)"', dashed[0]).group(1).split()]
        assert len(points) == len(axes) == len(members) >= 3
        for (px, py), (ax, ay), pid in zip(points, axes, members):
            share = math.dist((px, py), centre) / math.dist((float(ax), float(ay)), centre)
            assert abs(share - old_levels[pid] / top) < 0.01, pid
        for name in ("This assessment, 30 September 2026", "Earlier, 31 March 2026"):
            assert name.lower() in title.lower() and name in svg          # text alternative and legend
        assert "earlier level" in desc
    # without an earlier assessment there is one shape and no legend
    plain = render(case["new"], "html", framework=case["assessment"].framework).decode()
    radar = next(s for s in re.findall(r"<svg.*?</svg>", plain, re.S) if "Radar" in s)
    assert len([p for p in re.findall(r"<polygon [^>]*>", radar) if "#d5dae1" not in p]) == 1
    assert "Earlier" not in radar and 'id="since"' not in plain


def test_pdf_contents_and_outline_include_since_last_time(pdf):
    pypdf = pytest.importorskip("pypdf")
    path, log = pdf
    assert log == []
    reader = pypdf.PdfReader(path)

    def titles(items):
        for item in items:
            if isinstance(item, list):
                yield from titles(item)
            else:
                yield item.title
    outline = list(titles(reader.outline))
    assert outline.index("Executive summary") < outline.index("Since last time") < outline.index("Maturity at a glance")
    assert "Reaching the next level" in outline
    pages = pdf_pages_text(path)
    match = re.search(r"Since last time\s*\.+\s*(\d+)", pages[1])
    assert match
    assert "Since last time" in pages[int(match.group(1)) - 1][:300]


def test_action_plan_shows_changes_that_really_reach_the_next_level(case, html):
    from assess.answers import parse_answer
    from assess.pipeline import evaluate
    from assess.plan import apply_changes
    assessment = case["assessment"]
    top = len(case["new"].scale)
    below_top = [p.id for p in case["new"].principles if p.applicable and (p.level or 0) < top]
    plan = section(html, "actions").split('id="next-level"')[1]
    blocks = {text_of(b.split("</strong>")[0]): b for b in plan.split('<div class="plan">')[1:]}
    assert sorted(blocks) == sorted(p.title for p in case["new"].principles if p.id in below_top)
    reached = 0
    for pp in case["plan"].principles:
        shown = blocks[pp.title]
        assert re.findall(r'<span class="qid">([^<]+)</span>', shown) == [c.question for c in pp.changes]
        for c in pp.changes:
            assert text_of(f"<strong>{c.to_label}</strong>") in text_of(shown)
        changed = {c.question: parse_answer(assessment.framework.questions[c.question], c.to_value) for c in pp.changes}
        after = evaluate(apply_changes(assessment, changed))
        assert level(after, pp.principle) == pp.level_reached
        cleared = {c.rule for c in pp.caps_cleared}
        assert not cleared & {c.rule for p in after.principles if p.id == pp.principle for c in p.caps}
        if pp.reached:
            reached += 1
            assert level(after, pp.principle) >= pp.goal == (level(case["new"], pp.principle) or 0) + 1
    assert reached == len(case["plan"].principles)      # the report's budget still finds every plan here


def test_markdown_has_the_same_section(case):
    from assess.reports import render
    md = render(case["new"], "md", framework=case["assessment"].framework, comparison=case["comparison"],
                plan=case["plan"]).decode()
    since = md.split("## Since last time")[1].split("\n## ")[0]
    framework = case["assessment"].framework
    for qid, (old, new) in EARLIER.items():
        assert option_label(framework, qid, new) in since and option_label(framework, qid, old) in since
    assert "### Reaching the next level" in md
    assert md.index("## Since last time") < md.index("## Principles")


def test_a_previous_file_dated_later_is_noted_in_the_reports_own_terms(case):
    """The note names --previous (the report's argument), and a > in it stays a >."""
    from assess.compare import compare_results
    from assess.reports import render
    backwards = compare_results(case["new"], case["old"])            # the "earlier" file is the later one
    md = render(case["old"], "md", framework=case["assessment"].framework, comparison=backwards).decode()
    note = next(line for line in md.splitlines() if line.startswith("> Note:") and "dated after" in line)
    assert "check that --previous names the earlier assessment" in note and "OLD and NEW" not in note
    assert "&gt;" not in note and "2026-09-30 > 2026-03-31" in note
    html = render(case["old"], "html", framework=case["assessment"].framework, comparison=backwards).decode()
    assert "check that --previous names the earlier assessment" in html and "OLD and NEW" not in html


def test_cli_previous_answers_or_result_json_and_no_plan(case, tmp_path):
    from assess.pipeline import result_json
    out = tmp_path / "r.html"
    done = run_cli_here("report", str(EXAMPLE), "--previous", str(case["old_path"]), "-o", str(out))
    assert done.returncode == 0, done.stderr
    page = out.read_text()
    assert 'id="since"' in page and 'id="next-level"' in page
    saved = tmp_path / "earlier.json"
    saved.write_text(result_json(case["old"]))
    from_json = tmp_path / "j.html"
    assert run_cli_here("report", str(EXAMPLE), "--previous", str(saved), "-o", str(from_json)).returncode == 0
    assert from_json.read_text() == page
    bare = tmp_path / "bare.html"
    assert run_cli_here("report", str(EXAMPLE), "--no-plan", "-o", str(bare)).returncode == 0
    assert 'id="next-level"' not in bare.read_text() and 'id="since"' not in bare.read_text()
    # JSON and CSV do not change with an earlier assessment
    for fmt in ("json", "csv"):
        with_prev = run_cli_here("report", str(EXAMPLE), "--previous", str(case["old_path"]), "-f", fmt)
        assert with_prev.returncode == 0 and with_prev.stdout == run_cli_here("report", str(EXAMPLE), "-f", fmt).stdout


def test_cli_bad_previous_file(case, tmp_path):
    out = tmp_path / "r.html"
    other = run_cli_here("report", str(EXAMPLE), "--previous", str(MINI / "whole.yaml"), "-F", str(MINI), "-o", str(out))
    assert other.returncode == 2 and "cannot compare" in other.stderr and "whole.yaml" in other.stderr
    assert "Traceback" not in other.stderr and not out.exists()
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    bad = run_cli_here("report", str(EXAMPLE), "--previous", str(broken), "-o", str(out))
    assert bad.returncode == 2 and "broken.json:1" in bad.stderr and "Traceback" not in bad.stderr
    missing = run_cli_here("report", str(EXAMPLE), "--previous", str(tmp_path / "nope.yaml"), "-o", str(out))
    assert missing.returncode == 2 and "nope.yaml" in missing.stderr and "Traceback" not in missing.stderr
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(case["old_path"].read_text().replace("service: Get urgent", "service: Not urgent"))
    refused = run_cli_here("report", str(EXAMPLE), "--previous", str(renamed), "-o", str(out))
    assert refused.returncode == 2 and "not the same service" in refused.stderr and "renamed.yaml" in refused.stderr
    assert not out.exists()
    warned = run_cli_here("report", str(EXAMPLE), "--previous", str(renamed), "--allow-other-service", "-o", str(out))
    assert warned.returncode == 0 and "warning: the service differs" in warned.stderr
    assert "the service differs" in out.read_text()


def test_html_with_previous_and_plan_is_identical_across_processes(case, tmp_path):
    digests = set()
    for seed in ("0", "4242"):
        out = tmp_path / f"{seed}.html"
        done = run_cli("report", str(EXAMPLE), "--previous", str(case["old_path"]), "-o", str(out),
                       env={"PYTHONHASHSEED": seed})
        assert done.returncode == 0, done.stderr
        digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
    assert len(digests) == 1
