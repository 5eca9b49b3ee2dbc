"""Time the PDF report against WeasyPrint rendering the same HTML bare.

Ours: Result -> HTML (Jinja2) -> PDF/UA-1 with the safe fetcher and the reused CSS and font
objects. Bare: HTML(string=...).write_pdf(stylesheets=[CSS(string=...)]) on the same HTML and
CSS, built fresh each time, default options. Prints both, their ratio (goal <= 1.2x) and pages/s.

    .venv/bin/python bench/report.py [ANSWERS] [-F FRAMEWORKS_DIR] [--runs N]
"""
from __future__ import annotations

import argparse
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
    times, out = [], None
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


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
    from assess.reports import pdf as report_pdf
    from assess.reports.html import render_html, report_env
    from assess.reports.templates import stylesheet_text

    assessment = load_answers(answers, args.frameworks_dir)
    result = evaluate(assessment)
    env = report_env(result, framework=assessment.framework)
    html = render_html(result, env=env, framework=assessment.framework, inline_css=False)
    css = stylesheet_text(env)

    import weasyprint
    from pypdf import PdfReader
    import io

    def ours():
        return report_pdf.render(result, framework=assessment.framework)

    def bare():
        return weasyprint.HTML(string=html).write_pdf(stylesheets=[weasyprint.CSS(string=css)])

    def bare_tagged():   # the same work WeasyPrint does for our tagged output, minus our code
        return weasyprint.HTML(string=html).write_pdf(stylesheets=[weasyprint.CSS(string=css)], pdf_variant="pdf/ua-1")

    ours()  # warm-up: fonts, parsed stylesheet
    bare()
    t_bare, bare_pdf = timed(bare, args.runs)
    t_tagged, _ = timed(bare_tagged, args.runs)
    t_ours, our_pdf = timed(ours, args.runs)
    pages = len(PdfReader(io.BytesIO(our_pdf)).pages)
    if args.json:
        import json
        print(json.dumps({"pages": pages, "report_s": round(t_ours, 3), "bare_s": round(t_bare, 3),
                          "bare_tagged_s": round(t_tagged, 3), "ratio": round(t_ours / t_bare, 2),
                          "ratio_tagged": round(t_ours / t_tagged, 2), "pages_per_s": round(pages / t_ours, 1)}))
        return
    print(f"answers: {answers.relative_to(ROOT) if answers.is_relative_to(ROOT) else answers}")
    print(f"pages: {pages} (bare: {len(PdfReader(io.BytesIO(bare_pdf)).pages)}), median of {args.runs} runs")
    print(f"bare WeasyPrint:  {t_bare:.3f} s")
    print(f"assess report:    {t_ours:.3f} s  (Jinja2 + PDF/UA-1 tagging + safe fetcher, CSS and fonts reused)")
    print(f"bare, tagged:     {t_tagged:.3f} s  (same HTML and CSS, pdf_variant='pdf/ua-1')")
    print(f"ratio: {t_ours / t_bare:.2f}x against bare (goal <= 1.2x); {t_ours / t_tagged:.2f}x against bare tagged")
    print(f"pages per second: {pages / t_ours:.1f}")


if __name__ == "__main__":
    main()
