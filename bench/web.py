"""`assess serve` under load, on loopback only: simulated people answering at once.

Each user owns one assessment, filled in beforehand from the housing example (so pages carry
a realistic number of answers, evidence and show_if conditions). After signing in, a user
does what a person in a browser does, over and over for the given time:
  open a question page (a page render) -> read and answer it -> save (a save; acknowledged
  when the server answers with its redirect) -> open the page the redirect names (a page
  render) -> read it.
Each "read and answer" is a pause drawn evenly between 0.5 and 1.5 times --think (2 s by
default, already far quicker than a person who reads the help; seeded per user, so runs
repeat). With 50 users that is about 35 requests a second: the load of 50 people answering
at once. --think 0 makes every user a back-to-back loop instead, which measures the server
saturated (how many requests a second it can take), not people.

With --kill the server is killed with SIGKILL halfway and started again; users keep going,
counting refused connections during the restart apart from errors. At the end every user's
last acknowledged answer is read back from the database: an answer that is not there (nor
the one in flight when the server died) is counted as lost.

    .venv/bin/python bench/web.py --kill                         # 50 people, 60 s, SQLite
    .venv/bin/python bench/web.py --think 0 --kill              # saturated: back to back
    bash scripts/with-postgres.sh .venv/bin/python bench/web.py --database postgres --kill

Figures are printed as p50/p95/max in milliseconds, and the page and save times as ratios to a
bare "GET /login" that a separate probe sends twice a second in the same run, with the load
average before and after (the machine is shared); then p50/p95/max per 30 s of the run for
the probe, pages and saves, so a slower stretch shows, and whether the probe slowed with it.
When the time is up each user stops at their next step. Exit status 0 when there were no
errors and nothing lost.
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

PASSWORD = "bench password 123"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
MAX_USERS, MAX_SECONDS = 200, 600
EXAMPLE = ROOT / "examples" / "service-ownership" / "whole-service-housing.yaml"
QID = "org_count"       # the question every user keeps answering (a number: each save a new value)
MAX_VALUE = 200         # its largest allowed answer
WINDOW = 30.0           # seconds per line of the breakdown over time
PROBE_EVERY = 0.5       # seconds between two baseline requests
SETTLE = 5.0            # seconds after a restart reported apart as well


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(url: str, users: int) -> list[int]:
    """Users u0..uN, each owning one assessment answered as the example is; returns the assessment ids."""
    import datetime as dt

    from sqlalchemy.orm import Session as Db

    from assess.frameworks import find_framework
    from assess.web import auth, records
    from assess.web.service import open_database
    engine, _ = open_database(url, None)
    framework = find_framework("service-ownership")
    example = records.parse_upload(EXAMPLE.name, EXAMPLE.read_bytes(), framework)
    now = dt.datetime(2026, 11, 28)
    ids = []
    with Db(engine) as db:
        for i in range(users):
            user = auth.create_user(db, f"u{i}", PASSWORD, now)
            row = records.create_assessment(db, framework, {"service": f"Service {i}", "scope": "whole", "phase": "live"},
                                            user.id, now)
            records.import_answers(db, row, example, user.id, now)
            ids.append(row.id)
    engine.dispose()
    return ids


def start_server(url: str, port: int, threads: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    log = tempfile.TemporaryFile()     # a file, not a pipe: a pipe nobody reads would stall a server that logs
    process = subprocess.Popen([sys.executable, "-m", "assess", "serve", "--host", "127.0.0.1", "--port", str(port),
                                "--threads", str(threads), "--database", url],
                               env=env, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            if process.poll() is not None:
                log.seek(0)
                raise SystemExit(f"the server did not start: {log.read().decode()[-500:]}")
            time.sleep(0.2)
    raise SystemExit("the server did not start within 60 s")


class Browser:
    """One user's connection, with its cookies; redirects are not followed."""

    def __init__(self, port: int):
        self.port, self.cookies, self.conn = port, {}, None

    def request(self, method: str, path: str, form: Optional[dict] = None) -> tuple[int, str, str]:
        """Status, body and the Location header ("" when there is none)."""
        from urllib.parse import urlencode
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text, response.headers.get("Location", "")


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = {"baseline": [], "page": [], "save": []}
        self.ended: dict[str, list[float]] = {"baseline": [], "page": [], "save": []}   # time.monotonic() at the end
        self.errors: list[str] = []
        self.refused = 0
        self.killed_at: Optional[float] = None
        self.back_at: Optional[float] = None     # when the restarted server first listened
        self.started: float = time.monotonic()   # set again when the users start

    def add(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.times[kind].append(seconds)
            self.ended[kind].append(time.monotonic())

    def halves(self, kind: str, grace: float) -> tuple[list[float], list[float]]:
        """The times of requests that ended before the kill, and of those that ended more than
        `grace` seconds after the restarted server first listened."""
        before = [t for t, end in zip(self.times[kind], self.ended[kind]) if end < self.killed_at]
        after = [t for t, end in zip(self.times[kind], self.ended[kind]) if end > self.back_at + grace]
        return before, after

    def windows(self, kind: str, width: float) -> list[list[float]]:
        """The times of requests by the `width`-second window (from the users' start) they ended in."""
        out: list[list[float]] = []
        for t, end in zip(self.times[kind], self.ended[kind]):
            i = int((end - self.started) // width)
            out.extend([] for _ in range(i + 1 - len(out)))
            out[i].append(t)
        return out


def sign_in(i: int, port: int) -> Browser:
    browser = Browser(port)
    _status, text, _ = browser.request("GET", "/login")
    status, _, _ = browser.request("POST", "/login", {"csrf": CSRF.search(text).group(1), "username": f"u{i}",
                                                   "password": PASSWORD})
    if status != 302:
        raise SystemExit(f"u{i}: sign-in answered {status}")
    return browser


def user_loop(i: int, aid: int, browser: Browser, stop: threading.Event, stats: Stats, acked: dict, in_flight: dict,
              think: float) -> None:
    """One person: open the question, answer it, save, open the page the save leads to; pause between."""
    pauses = random.Random(i)
    value = 0

    def pause() -> None:
        if think:
            stop.wait(think * pauses.uniform(0.5, 1.5))

    def timed(kind: str, method: str, path: str, form: Optional[dict] = None) -> tuple[int, str, str]:
        start = time.perf_counter()
        answer = browser.request(method, path, form)
        stats.add(kind, time.perf_counter() - start)
        return answer

    question = f"/a/{aid}/q/{QID}"
    stop.wait(think * pauses.random())   # people do not all start at the same instant
    while not stop.is_set():
        try:
            status, text, _ = timed("page", "GET", question)
            if status != 200:
                stats.errors.append(f"u{i}: question page answered {status}")
                pause()
                continue
            pause()
            if stop.is_set():
                break       # the minute is over: a person stopped here would not save, and 50 saves at once are a burst no one makes
            value = value % MAX_VALUE + 1    # each save a new value, within the question's limits
            in_flight[i] = value
            status, _, location = timed("save", "POST", question,
                                        {"csrf": CSRF.search(text).group(1), "version": VERSION.search(text).group(1),
                                         "answer": str(value)})
            if status != 302:
                stats.errors.append(f"u{i}: save answered {status}")
                continue
            acked[i] = value
            status, _, _ = timed("page", "GET", urlsplit(location).path)   # the browser follows the redirect
            if status != 200:
                stats.errors.append(f"u{i}: page after a save answered {status}")
            pause()
        except (OSError, http.client.HTTPException):
            with stats.lock:
                stats.refused += 1     # the server is down (being restarted): try again
            if think:
                pause()                # as a person would after an error page, not all at the same instant
            else:
                time.sleep(0.2)


def probe_loop(port: int, stop: threading.Event, stats: Stats) -> None:
    """The baseline: a bare sign-in page, twice a second, through the same server under the same load."""
    browser = Browser(port)
    while not stop.wait(PROBE_EVERY):
        try:
            start = time.perf_counter()
            status, _, _ = browser.request("GET", "/login")
            if status == 200:
                stats.add("baseline", time.perf_counter() - start)
        except (OSError, http.client.HTTPException):
            pass     # restarting: the users count these


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def lost_answers(url: str, ids: list[int], acked: dict, in_flight: dict) -> int:
    from sqlalchemy import select
    from sqlalchemy.orm import Session as Db

    from assess.web.store import Entry, connect
    engine = connect(url)
    lost = 0
    with Db(engine) as db:
        for i, aid in enumerate(ids):
            entry = db.scalar(select(Entry).where(Entry.assessment_id == aid, Entry.qid == QID))
            stored = int(entry.answer["value"]) if entry and entry.answer else 0
            if i in acked and stored not in (acked[i], in_flight.get(i)):
                lost += 1
    engine.dispose()
    return lost


def run(url: str, label: str, users: int, seconds: float, threads: int, kill: bool, think: float) -> bool:
    ids = prepare(url, users)
    port = free_port()
    server = [start_server(url, port, threads)]
    stats, acked, in_flight = Stats(), {}, {}
    stop = threading.Event()
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(4) as pool:     # signing in (Argon2) is not what is measured: done first, few at a time
        browsers = list(pool.map(lambda i: sign_in(i, port), range(users)))
    workers = [threading.Thread(target=user_loop, args=(i, aid, browsers[i], stop, stats, acked, in_flight, think))
               for i, aid in enumerate(ids)]
    workers.append(threading.Thread(target=probe_loop, args=(port, stop, stats)))
    load_before = os.getloadavg()[0]
    started = stats.started = time.monotonic()
    for w in workers:
        w.start()
    kills = 0
    try:
        if kill:
            time.sleep(seconds / 2)
            stats.killed_at = time.monotonic()
            server[0].send_signal(signal.SIGKILL)
            server[0].wait()
            kills += 1
            server[0] = start_server(url, port, threads)
            stats.back_at = time.monotonic()
            time.sleep(seconds / 2)
        else:
            time.sleep(seconds)
    finally:
        stop.set()
        for w in workers:
            w.join(60)
        server[0].terminate()
        server[0].wait(30)
    elapsed = time.monotonic() - started
    lost = lost_answers(url, ids, acked, in_flight)
    base = statistics.median(stats.times["baseline"]) * 1000 if stats.times["baseline"] else float("nan")
    saves, pages = len(stats.times["save"]), len(stats.times["page"])
    pace = f"pauses of {think:g} s on average" if think else "back to back (saturated)"
    print(f"{label}: {users} users, {seconds:g} s, {pace}, {threads} server threads, load average "
          f"{load_before:.1f} before and {os.getloadavg()[0]:.1f} after")
    print(f"  {saves} saves, {pages} pages ({(saves + pages) / elapsed:.0f} requests a second), {len(stats.errors)} errors, "
          f"{kills} SIGKILL(s), {stats.refused} refused connections while restarting, "
          f"{len(acked)} users with acknowledged answers, {lost} acknowledged answers lost")
    for kind in ("page", "save"):
        p50, p95 = percentile(stats.times[kind], 0.5), percentile(stats.times[kind], 0.95)
        top = max(stats.times[kind], default=float("nan")) * 1000
        print(f"  {kind}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {top:.0f} ms  "
              f"({p50 / base:.1f}x / {p95 / base:.1f}x a bare sign-in page)")
        if stats.back_at is not None:   # everyone retrying at once into a cold process makes its own tail
            first, second = stats.halves(kind, SETTLE)
            print(f"    before the kill: p50 {percentile(first, 0.5):.1f} ms, p95 {percentile(first, 0.95):.1f} ms; "
                  f"from {SETTLE:g} s after the restart: p50 {percentile(second, 0.5):.1f} ms, "
                  f"p95 {percentile(second, 0.95):.1f} ms")
    print(f"  over time ({WINDOW:g} s windows by when the request ended): p50 / p95 / max ms (count)")
    for kind in ("baseline", "page", "save"):
        parts = [f"{i * WINDOW:g}-{(i + 1) * WINDOW:g} s: {percentile(w, 0.5):.0f} / {percentile(w, 0.95):.0f} / "
                 f"{max(w, default=float('nan')) * 1000:.0f} ({len(w)})" for i, w in enumerate(stats.windows(kind, WINDOW))]
        print(f"    {kind}: " + "; ".join(parts))
    for message in stats.errors[:5]:
        print(f"  error: {message}")
    return not stats.errors and lost == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--threads", type=int, default=8, help="server threads (assess serve's default)")
    parser.add_argument("--database", default="sqlite",
                        help="sqlite (a temp file), postgres (the server in $ASSESS_TEST_POSTGRES_URL) or a URL")
    parser.add_argument("--think", type=float, default=2.0,
                        help="average seconds a person takes to read a page or answer it (0: back to back, saturated)")
    parser.add_argument("--kill", action="store_true", help="SIGKILL the server halfway and restart it")
    args = parser.parse_args()
    if not (1 <= args.users <= MAX_USERS and 1 <= args.seconds <= MAX_SECONDS and 0 <= args.think <= 60):
        parser.error(f"--users is 1 to {MAX_USERS}, --seconds 1 to {MAX_SECONDS} and --think 0 to 60")
    with tempfile.TemporaryDirectory() as tmp:
        if args.database == "sqlite":
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        elif args.database == "postgres":
            server = os.environ.get("ASSESS_TEST_POSTGRES_URL")
            if not server:
                parser.error("--database postgres needs scripts/with-postgres.sh (it sets ASSESS_TEST_POSTGRES_URL)")
            url = create_database(server)
        else:
            url = args.database
        ok = run(url, args.database, args.users, args.seconds, args.threads, args.kill, args.think)
    return 0 if ok else 1


def create_database(server: str) -> str:
    import uuid

    from sqlalchemy import create_engine, text
    name = f"assess_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.rsplit("/", 1)[0] + "/" + name


if __name__ == "__main__":
    sys.exit(main())
