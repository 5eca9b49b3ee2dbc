"""The cycle collector around a portfolio's bulk read (assess/collector.py)."""
from __future__ import annotations

import gc

import pytest

from assess.collector import bulk_read


@pytest.fixture
def collector():
    """Whatever a test freezes or switches off is given back to the rest of the run."""
    was_enabled = gc.isenabled()
    yield
    gc.unfreeze()
    (gc.enable if was_enabled else gc.disable)()


def test_paused_while_reading_then_kept_results_are_out_of_later_collections(collector):
    gc.enable()
    with bulk_read():
        assert not gc.isenabled()
        kept = [{"row": i} for i in range(1000)]
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    assert frozen >= len(kept)
    gc.collect()
    assert gc.get_freeze_count() == frozen   # a full collection does not visit them


def test_resumed_after_a_failed_read_and_left_off_if_it_was_off(collector):
    gc.enable()
    with pytest.raises(ValueError), bulk_read():
        raise ValueError("unreadable")
    assert gc.isenabled()
    gc.disable()
    with bulk_read():
        pass
    assert not gc.isenabled()


def test_a_forked_worker_collects_its_own_garbage(collector):
    from assess.batch import _pool, _pool_context
    context, forked = _pool_context()
    if not forked:
        pytest.skip("workers inherit the collector's state only where they are forked")
    with bulk_read(), _pool(1, context, forked) as pool:
        assert pool.submit(gc.isenabled).result() is True
