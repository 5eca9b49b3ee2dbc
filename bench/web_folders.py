"""A folder's portfolio board page against one assessment's results page, in one process.

The folder page rolls up every assessment in the folder that the reader may read and renders
the `assess portfolio` board, on every request; an assessment is evaluated again only when its
content changed (assess/web/board_cache.py). This measures how its time grows with the number
of assessments, as a ratio to the results page of one assessment in the same run (both
through Flask's test client on a throwaway SQLite database): the first view, with nothing
kept, and the view again.

    .venv/bin/python bench/web_folders.py                 # 1, 10 and 40 assessments
    .venv/bin/python bench/web_folders.py --sizes 1 100 --repeat 3
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

EXAMPLES = sorted((ROOT / "examples" / "service-ownership").glob("*.yaml"))


def timed(get, url: str, repeat: int) -> float:
    """Median seconds of `repeat` requests, after one to warm caches."""
    get(url)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 40])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from web_helpers import Clock, add_user, make_app, new_assessment, post, signed_in

    from assess.web import board_cache
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(f"sqlite:///{folder}/bench.db", Clock())
        add_user(app, "olive")
        c = signed_in(app, "olive")
        fid = int(post(c, "/folders", {"name": "Bench"}).headers["Location"].rsplit("/", 1)[1])
        made = 0
        baseline = None
        print(f"{'assessments':>11}  {'first view ms':>13}  {'x results page':>14}  {'again ms':>8}  {'x results page':>14}")
        for size in sorted(args.sizes):
            while made < size:
                example = EXAMPLES[made % len(EXAMPLES)]
                aid = new_assessment(c, f"Service {made}")
                post(c, f"/a/{aid}/import", {"answers": (example.open("rb"), example.name)}, page_url=f"/a/{aid}",
                     content_type="multipart/form-data")
                post(c, f"/folders/{fid}/assessments", {"action": "add", "assessment": str(aid)}, page_url="/folders")
                made += 1
            if baseline is None:
                baseline = timed(c.get, "/a/1/results", args.repeat)
                print(f"baseline: one results page {baseline * 1000:.0f} ms")
            first = []
            for _ in range(args.repeat):
                board_cache.forget_all()
                start = time.perf_counter()
                assert c.get(f"/folders/{fid}").status_code == 200
                first.append(time.perf_counter() - start)
            cold = statistics.median(first)
            again = timed(c.get, f"/folders/{fid}", args.repeat)
            print(f"{size:>11}  {cold * 1000:>13.0f}  {cold / baseline:>14.1f}  {again * 1000:>8.0f}  {again / baseline:>14.1f}")
        app.config["ENGINE"].dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
