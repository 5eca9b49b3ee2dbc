"""Time the PDF report against WeasyPrint rendering the same HTML bare.

Ours is what `assess report ANSWERS -o report.pdf` renders: the next-level plan included,
Result -> HTML (Jinja2) -> tagged PDF/UA-1 through the safe fetcher, with the parsed CSS and
the font configuration reused between renders. The bare baseline is WeasyPrint alone on the
very same HTML and CSS, and it is given the same head start: one CSS object parsed once and
one FontConfiguration, reused every run. So the ratio measures what the report adds (Jinja2,
tagging, the fetcher), not what caching saves. The plan is computed once and timed apart.
The three take turns run by run. Prints the times, the ratios (goal <= 1.2x against bare),
pages per second and the load average.

    .venv/bin/python bench/report.py [ANSWERS] [-F FRAMEWORKS_DIR] [--runs N] [--json]
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def default_answers() -> Path:
    examples = sorted((ROOT / "examples" / "service-ownership").glob("*.yaml"))
    return max(examples, key=lambda p: p.stat().st_size) if examples else ROOT / "tests/frameworks/mini/whole.yaml"


def timed(fn, runs: int) -> tuple[float, object]:
    return interleaved([fn], runs)[0]


def interleaved(fns: list, runs: int) -> list[tuple[float, object]]:
    """Median time and last output of each function, taking turns so a change in the machine's
    load falls on all of them alike."""
    times: list[list[float]] = [[] for _ in fns]
    outs: list[object] = [None] * len(fns)
    for _ in range(runs):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            outs[i] = fn()
            times[i].append(time.perf_counter() - start)
    return [(statistics.median(t), out) for t, out in zip(times, outs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("answers", nargs="?", type=Path, default=None)
    parser.add_argument("-F", "--frameworks-dir", action="append", type=Path, default=[])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()
    answers = args.answers or default_answers()
    if "tests/frameworks/mini" in str(answers):
        args.frameworks_dir.append(ROOT / "tests/frameworks/mini")

    from assess.answers import load_answers
    from assess.pipeline import evaluate
    from assess.reports import render
    from assess.reports.actions import next_level_plan
    from assess.reports.html import render_html, report_env
    from assess.reports.pdf import PDF_VARIANT, font_config
    from assess.reports.templates import stylesheet_text

    assessment = load_answers(answers, args.frameworks_dir)
    result = evaluate(assessment)
    t_plan, plan = timed(lambda: next_level_plan(assessment), 1)
    framework = assessment.framework
    env = report_env(result, framework=framework)
    html = render_html(result, env=env, framework=framework, inline_css=False, plan=plan)
    css_text = stylesheet_text(env)

    import weasyprint
    from pypdf import PdfReader
    fonts = font_config()
    css = weasyprint.CSS(string=css_text, font_config=fonts)      # parsed once, as the report's own is

    def ours():
        return render(result, "pdf", framework=framework, plan=plan)

    def bare():
        return weasyprint.HTML(string=html).write_pdf(stylesheets=[css], font_config=fonts)

    def bare_tagged():   # the same work WeasyPrint does for our tagged output, minus our code
        return weasyprint.HTML(string=html).write_pdf(stylesheets=[css], font_config=fonts, pdf_variant=PDF_VARIANT)

    ours()  # warm-up: fonts, parsed stylesheets, templates
    bare()
    (t_bare, bare_pdf), (t_tagged, _), (t_ours, our_pdf) = interleaved([bare, bare_tagged, ours], args.runs)
    pages = len(PdfReader(io.BytesIO(our_pdf)).pages)
    load = os.getloadavg()
    figures = {"pages": pages, "report_s": round(t_ours, 3), "bare_s": round(t_bare, 3), "bare_tagged_s": round(t_tagged, 3),
               "plan_s": round(t_plan, 3), "ratio": round(t_ours / t_bare, 2), "ratio_tagged": round(t_ours / t_tagged, 2),
               "pages_per_s": round(pages / t_ours, 1), "load_1min": round(load[0], 2), "cpus": os.cpu_count()}
    if args.json:
        import json
        print(json.dumps(figures))
        return
    print(f"answers: {answers.relative_to(ROOT) if answers.is_relative_to(ROOT) else answers}")
    print(f"pages: {pages} (bare: {len(PdfReader(io.BytesIO(bare_pdf)).pages)}), median of {args.runs} runs")
    print(f"bare WeasyPrint:  {t_bare:.3f} s  (same HTML and CSS; CSS parsed once, fonts reused)")
    print(f"bare, tagged:     {t_tagged:.3f} s  (the same, pdf_variant='{PDF_VARIANT}')")
    print(f"assess report:    {t_ours:.3f} s  (Jinja2 + PDF/UA-1 tagging + safe fetcher, with the next-level plan)")
    print(f"next-level plan:  {t_plan:.3f} s  (computed once before rendering; `--no-plan` skips it)")
    print(f"ratio: {t_ours / t_bare:.2f}x against bare (goal <= 1.2x); {t_ours / t_tagged:.2f}x against bare tagged")
    print(f"pages per second: {pages / t_ours:.1f}")
    print(f"load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} on {os.cpu_count()} cores: "
          "times on a shared machine vary run to run")


if __name__ == "__main__":
    main()
