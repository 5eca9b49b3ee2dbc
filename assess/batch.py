"""Evaluate many answers files at once: in this process, or in worker processes.

Where time goes (bench/portfolio.py): a file costs 10 to 30 ms, most of it parsing YAML; a
worker started with `spawn` spends about 0.25 s importing and 0.5 s per framework it loads
before its first file, which is why spawned workers lost to one process (0.28x at 40 files
in one measured run). So on Linux, workers are forked from this process after it has
loaded every framework the files name: they start with the modules and frameworks in
memory (0.90x at 40 files in the same run, on a saturated machine) and each builds only its
own durable-rules engine (the engine has no locks, so no process shares one). Elsewhere
workers are spawned. Results come back as JSON: this process reads each one back in about
1.5 ms, where unpickling took 2.6 ms (bench/portfolio_scale.py), and that share is the part
that workers cannot take off this process. With a digest a result is cut down before it is
sent: the portfolio's board_digest reads back in about a sixth of that time, and its
board_entry (one assessment's part of the roll-up, done in the worker) in about a fifteenth,
because it pickles itself as two short JSON texts and only its row is read on arrival. When
every file is a saved result, this process works as one of the workers itself (see
_in_workers).

Fewer than IN_PROCESS_BELOW files are evaluated here, without workers. Measured: forked
workers cost a fixed 30 to 100 ms (start, hand-over, shut-down); 16 files take about 0.2 s in
one process. Below that the fixed cost is a large share of the whole and there is little to
win; above it, free cores give up to twice the speed while busy ones cost under a tenth.

Organisation settings (`--settings`) come as a map from framework id to file, with the key
None for a file that applies to every framework; each process applies a settings file to a
framework once and keeps the outcome.
"""
from __future__ import annotations

import math
import os
import re
import sys
from pathlib import Path
from typing import Callable, Optional

from .errors import AssessError, Diagnostic, EngineError
from .limits import ANSWERS_FILE_BYTES
from .yamlio import read_bytes

IN_PROCESS_BELOW = 16   # see above and `bench/portfolio.py --sweep`
BATCH_MOST = 25          # files per task: few enough for a lively progress bar, enough to amortise the round trip

SettingsMap = dict[Optional[str], Path]
Outcome = tuple[str, str, object]     # ("ok", file, Result) or ("skip", file, [problems])
Digest = Optional[Callable[[object, str], object]]   # (Result, file) -> only what the caller reads of it

_FRAMEWORK_LINE = re.compile(r"^\s+framework:\s*[\"']?([a-z][a-z0-9-]*)", re.MULTILINE)
_settled: dict[tuple[str, str], object] = {}


def with_settings(framework, settings: Optional[SettingsMap]):
    """The framework with the settings file meant for it, if any (cached per process)."""
    chosen = (settings or {}).get(framework.id, (settings or {}).get(None))
    if chosen is None:
        return framework
    key = (framework.hash, str(chosen))
    if key not in _settled:
        from .settings import apply_settings
        _settled[key] = apply_settings(framework, chosen)
    return _settled[key]


def evaluate_one(path: str, frameworks_dirs: list[Path], settings: Optional[SettingsMap]):
    """An answers file evaluated now, or a saved result read as it was scored."""
    if path.lower().endswith(".json"):
        from .compare import result_from_file
        return result_from_file(path)
    from .answers import load_answers
    from .pipeline import evaluate
    assessment = load_answers(path, frameworks_dirs)
    assessment.framework = with_settings(assessment.framework, settings)
    return evaluate(assessment)


def evaluate_batch(paths: list[str], frameworks_dirs: list[str], settings: Optional[SettingsMap] = None,
                   digest: Digest = None) -> list[Outcome]:
    """Evaluate each file; a bad file becomes its problems, never an exception. With `digest`,
    each Result is cut down where it is made, so neither a worker nor this process holds or
    sends more of it than the caller reads."""
    dirs = [Path(d) for d in frameworks_dirs]
    out: list[Outcome] = []
    for path in paths:
        try:
            result = evaluate_one(path, dirs, settings)
            out.append(("ok", path, digest(result, path) if digest else result))
        except AssessError as exc:
            out.append(("skip", path, [str(d) for d in exc.diagnostics]))
        except EngineError as exc:
            out.append(("skip", path, [f"{path}: {exc}"]))
        except RecursionError:
            out.append(("skip", path, [f"{path}: nested too deeply to read"]))
        except Exception as exc:   # one broken file must not stop a board report of hundreds
            out.append(("skip", path, [f"{path}: could not be evaluated ({type(exc).__name__}: {exc})"]))
    return out


def framework_ids(files: list[Path]) -> list[str]:
    """The framework ids the files name, read from the raw text without parsing it: a hint
    for loading frameworks ahead of the workers, never relied on for a result."""
    found: dict[str, None] = {}
    for f in files:
        if str(f).lower().endswith(".json"):
            continue     # a saved result is read as it was scored: no framework to load, no settings to check
        try:
            text = read_bytes(f, ANSWERS_FILE_BYTES)[:4096].decode("utf-8", errors="replace")
        except AssessError:
            continue   # the worker that loads it says why
        match = _FRAMEWORK_LINE.search(text)
        if match:
            found.setdefault(match.group(1))
    return list(found)


def check_settings(settings: Optional[SettingsMap], frameworks_dirs: list[Path], ids: list[str]) -> None:
    """Every settings file checked against the frameworks it will be applied to, before any
    file is evaluated: a wrong settings file is one clear error, not hundreds of skipped files."""
    from .frameworks import find_framework
    settings = settings or {}
    named = {k for k in settings if k is not None}
    problems: list[Diagnostic] = []
    for fid in sorted(named | (set(ids) if None in settings else set())):
        try:
            framework = find_framework(fid, frameworks_dirs)
        except AssessError as exc:
            if fid in named:     # named on the command line: it must exist
                problems += [Diagnostic(d.file or str(settings[fid]), d.line, d.field or "--settings", d.message)
                             for d in exc.diagnostics]
            continue
        try:
            with_settings(framework, settings)
        except AssessError as exc:
            problems += [Diagnostic(d.file, d.line, d.field, f"{d.message} (for the {fid} framework)") for d in exc.diagnostics]
    if problems:
        raise AssessError(problems)


def warm_up(ids: list[str], frameworks_dirs: list[Path], settings: Optional[SettingsMap]) -> None:
    """Load the frameworks (and settings) the files name, so forked workers inherit them."""
    from .frameworks import find_framework
    for fid in ids:
        try:
            with_settings(find_framework(fid, frameworks_dirs), settings)
        except AssessError:
            pass          # each file that names it reports the problem itself


def _fresh_engine() -> None:
    """In a forked worker: its own engine, never a copy of the parent's, and its own garbage
    collected even when the parent paused its collector for the reading (collector.py)."""
    from . import engine
    from .collector import in_forked_worker
    engine._engine = None
    in_forked_worker()


def _pool_context():
    import multiprocessing
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork"), True
    return multiprocessing.get_context("spawn"), False


def evaluate_files(files: list[Path], frameworks_dirs: Optional[list[Path]] = None, workers: Optional[int] = None,
                   on_progress: Optional[Callable[[int], None]] = None, settings: Optional[SettingsMap] = None,
                   in_process_below: int = IN_PROCESS_BELOW, digest: Digest = None,
                   meanwhile: Optional[Callable[[], None]] = None) -> tuple[list[tuple[str, object]], list[tuple[str, list[str]]]]:
    """Evaluate every file; (file, Result) pairs and (file, problems) pairs, both in file order.
    `meanwhile` runs in this process once workers have started (not at all without them): a
    step the caller needs later, done while the workers are busy.

    Workers are forked on Linux: call this before starting threads of your own (a progress
    bar refreshing itself in a thread, for example), or pass workers=1."""
    names = [str(f) for f in files]
    dirs = [str(d) for d in frameworks_dirs or []]
    workers = workers or os.cpu_count() or 1
    outcomes: list[Outcome] = []
    if workers <= 1 or len(names) < in_process_below:
        for name in names:
            outcomes += evaluate_batch([name], dirs, settings, digest)
            if on_progress:
                on_progress(1)
    else:
        outcomes = _in_workers(names, dirs, settings, min(workers, len(names)), on_progress, digest, meanwhile)
    order = {name: i for i, name in enumerate(names)}
    outcomes.sort(key=lambda o: order[o[1]])
    return ([(o[1], o[2]) for o in outcomes if o[0] == "ok"], [(o[1], o[2]) for o in outcomes if o[0] == "skip"])


def _in_workers(names: list[str], dirs: list[str], settings: Optional[SettingsMap], workers: int,
                on_progress: Optional[Callable[[int], None]], digest: Digest = None,
                meanwhile: Optional[Callable[[], None]] = None) -> list[Outcome]:
    from concurrent.futures import FIRST_COMPLETED, wait
    context, forked = _pool_context()
    if forked:
        warm_up(framework_ids([Path(n) for n in names]), [Path(d) for d in dirs], settings)
    size = max(1, min(BATCH_MOST, math.ceil(len(names) / (workers * 4))))
    batches = [names[i:i + size] for i in range(0, len(names), size)]
    # Saved results run no engine, so nothing in them can crash this process: here it works as
    # one of the `workers` itself, taking batches still waiting from the back of the queue, and
    # one process fewer is started. Otherwise it would sit idle but for reading what the workers
    # send, and on two cores a third busy process only slows the other two.
    helping = all(n.lower().endswith(".json") for n in names)
    outcomes: list[Outcome] = []
    unfinished: list[str] = []

    def finished(done: list[Outcome]) -> None:
        outcomes.extend(done)
        if on_progress:
            on_progress(len(done))
    with _pool(max(1, workers - 1) if helping else workers, context, forked) as pool:
        futures = {pool.submit(_evaluate_batch_as_json, batch, dirs, settings, digest): batch for batch in batches}
        waiting = list(futures)
        if meanwhile:
            meanwhile()
        while waiting:
            taken = next((f for f in reversed(waiting) if f.cancel()), None) if helping else None
            if taken is not None:
                waiting.remove(taken)
                finished(evaluate_batch(futures[taken], dirs, settings, digest))
            else:
                wait(waiting, return_when=FIRST_COMPLETED)
            for future in [f for f in waiting if f.done()]:
                waiting.remove(future)
                try:
                    done = _from_json(future.result(), digest)
                except Exception:   # a worker died, and a broken pool fails every batch still waiting
                    unfinished += futures[future]
                    continue
                finished(done)
    for name in sorted(unfinished, key=names.index):
        outcomes.append(_alone(name, dirs, settings, context, forked, digest))
        if on_progress:
            on_progress(1)
    return outcomes


def _evaluate_batch_as_json(paths: list[str], frameworks_dirs: list[str], settings: Optional[SettingsMap] = None,
                            digest: Digest = None) -> list:
    """evaluate_batch in a worker, each Result sent back as its JSON: a Result is read back from
    JSON in about half the time it takes to unpickle, and this process reads every one of them.
    What a digest makes of a Result, if not a Result, is sent as it is: it pickles itself."""
    from .models import Result
    return [(kind, path, value.model_dump_json() if kind == "ok" and isinstance(value, Result) else value)
            for kind, path, value in evaluate_batch(paths, frameworks_dirs, settings, digest)]


def _from_json(outcomes: list, digest: Digest = None) -> list[Outcome]:
    """Results as they arrive from a worker; the digest again here, so that what it keeps once
    per process (objects alike across results) is kept once in this one."""
    from .models import Result
    out: list[Outcome] = []
    for kind, path, value in outcomes:
        if kind == "ok" and isinstance(value, str):
            value = Result.model_validate_json(value)
            value = digest(value, path) if digest else value
        out.append((kind, path, value))
    return out


def _pool(workers: int, context, forked: bool):
    from concurrent.futures import ProcessPoolExecutor
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_fresh_engine if forked else None)


def _alone(name: str, dirs: list[str], settings: Optional[SettingsMap], context, forked: bool, digest: Digest = None) -> Outcome:
    """A file whose batch was lost with a worker, retried in a worker of its own: only the
    file that stops a worker is skipped, not every file that was waiting behind it."""
    with _pool(1, context, forked) as pool:
        try:
            return _from_json(pool.submit(_evaluate_batch_as_json, [name], dirs, settings, digest).result(), digest)[0]
        except Exception as exc:
            return ("skip", name, [f"{name}: the worker evaluating it stopped ({type(exc).__name__})"])


def alongside(fn: Callable[[], object]) -> Callable[[], object]:
    """fn() worked out in a forked process while this one goes on with something else; call
    what this returns for its value (sent back pickled). Where processes are not forked, or the
    forked one fails, fn runs here when its value is asked for, and raises here if it must."""
    context, forked = _pool_context()
    if not forked:
        return fn
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_send_value, args=(fn, send), daemon=True)
    child.start()
    send.close()

    def value():
        try:
            return receive.recv()
        except (EOFError, OSError):
            return fn()
        finally:
            receive.close()
            child.join()
    return value


def _send_value(fn: Callable[[], object], send) -> None:
    try:
        send.send(fn())
    except Exception:   # no traceback from here: the parent works it out again and reports
        pass
    finally:
        send.close()
