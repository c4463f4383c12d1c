"""Producing ahead of the consumer: in a thread, or in a forked child process that
dies with its parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from paperchat.index.prefetch import prefetched, prefetched_in_process


@pytest.mark.parametrize("ahead", [prefetched, prefetched_in_process])
def test_items_arrive_in_order_and_a_producers_error_is_raised_here(ahead):
    assert list(ahead(iter(range(50)), depth=3)) == list(range(50))

    def failing():
        yield 1
        raise ValueError("bad record 2")

    got = []
    with pytest.raises(ValueError, match="bad record 2"):
        for item in ahead(failing(), depth=2):
            got.append(item)
    assert got == [1]


class _Unpicklable(Exception):
    def __init__(self, a, b):  # pickling calls __init__ with args=(message,) only
        super().__init__(f"{a} {b}")


def test_an_error_that_cannot_travel_arrives_with_its_traceback():
    def failing():
        raise _Unpicklable("lost", "record")
        yield

    with pytest.raises(RuntimeError, match="lost record"):
        list(prefetched_in_process(failing()))


def test_the_child_does_the_work_and_stops_when_the_consumer_leaves_early():
    def pids():
        while True:
            yield os.getpid()

    items = prefetched_in_process(pids(), depth=2)
    child = next(items)
    assert child != os.getpid()
    items.close()  # leaving the loop early
    assert _gone(child)


_ORPHAN = textwrap.dedent(
    """
    import sys, time
    from paperchat.index.prefetch import prefetched_in_process

    def forever():
        import os
        while True:
            yield os.getpid()

    for pid in prefetched_in_process(forever(), depth=2):
        print(pid, flush=True)
        time.sleep(60)  # the consumer waits; the child blocks on a full queue
    """
)


def test_the_child_dies_with_a_killed_parent():
    parent = subprocess.Popen(
        [sys.executable, "-c", _ORPHAN],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONPATH": os.pathsep.join(sys.path)},
    )
    child = int(parent.stdout.readline())
    assert child != parent.pid and not _gone(child, wait=0.3)
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    assert _gone(child)


def _gone(pid: int, wait: float = 5.0) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if _zombie(pid):
            return True
        time.sleep(0.05)
    return False


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_a_child_that_dies_without_a_word_is_an_error_here():
    def dying():
        yield 1
        os._exit(3)  # what it had queued may be lost with it

    with pytest.raises(RuntimeError, match="exit code 3"):
        list(prefetched_in_process(dying()))
