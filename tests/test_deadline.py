"""`time_limit`: a limit on a block of work, which keeps any timer already running (a caller's
limit, or the test runner's per-test timeout) instead of cancelling it."""
from __future__ import annotations

import signal
import time

import pytest

from assess.deadline import time_limit


class Inner(Exception):
    pass


class Outer(Exception):
    pass


@pytest.fixture
def outer_timer():
    """A running timer of our own, as a caller or pytest-timeout would set; cleared afterwards."""
    def fire(signum, frame):
        raise Outer()
    before = signal.signal(signal.SIGALRM, fire)
    yield fire
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, before)


@pytest.fixture
def no_timer():
    """No timer running (the test runner's own per-test timer is paused, then given back)."""
    left, every = signal.setitimer(signal.ITIMER_REAL, 0)
    yield
    if left:
        signal.setitimer(signal.ITIMER_REAL, left, every)


def test_the_limit_interrupts_the_block_and_leaves_no_timer_behind(no_timer):
    with pytest.raises(Inner):
        with time_limit(0.1, Inner):
            time.sleep(5)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_later_outer_timer_is_paused_and_given_back_what_it_had_left(outer_timer):
    signal.setitimer(signal.ITIMER_REAL, 30)
    with pytest.raises(Inner):
        with time_limit(0.1, Inner):
            time.sleep(5)
    left, _ = signal.getitimer(signal.ITIMER_REAL)
    assert 25 < left < 30                                       # about 30 less the time the block ran
    assert signal.getsignal(signal.SIGALRM) is outer_timer


def test_a_block_that_ends_in_time_gives_the_outer_timer_back_too(outer_timer):
    signal.setitimer(signal.ITIMER_REAL, 30)
    with time_limit(5, Inner):
        pass
    assert 25 < signal.getitimer(signal.ITIMER_REAL)[0] <= 30
    assert signal.getsignal(signal.SIGALRM) is outer_timer


def test_an_outer_timer_due_first_stays_in_charge(outer_timer):
    signal.setitimer(signal.ITIMER_REAL, 0.1)
    with pytest.raises(Outer):
        with time_limit(5, Inner):
            time.sleep(5)
