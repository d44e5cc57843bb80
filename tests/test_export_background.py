"""The export computes the sensitivity analysis in a forked process while it plans and writes
(service._Background): the file must be the one the sequential path writes, and whatever goes
wrong in the child, the caller gets exactly what the function gives in this process."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bpm_xl import service

forks = pytest.mark.skipif(not service._Background.possible(),
                           reason="the background process runs on Linux with two or more cores, in a process "
                                  "without other threads")


class _Here(service._Background):
    """The sequential path: never forks."""

    def __init__(self, fn, *args):
        self.fn, self.args, self.proc, self.recv, self.here = fn, args, None, None, True


@forks
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_background_export_writes_the_sequential_file(tmp_path, monkeypatch, lang):
    made = []
    real = service._Background

    class Spy(real):
        def __init__(self, fn, *args):
            super().__init__(fn, *args)
            made.append(self)

    monkeypatch.setattr(service, "_Background", Spy)
    fast = service.export_file(service.EXAMPLE, tmp_path / "fast.xlsx", lang=lang)
    assert len(made) == 2 and not any(m.here for m in made)   # both children's results were used
    monkeypatch.setattr(service, "_Background", _Here)
    slow = service.export_file(service.EXAMPLE, tmp_path / "slow.xlsx", lang=lang)
    assert fast.read_bytes() == slow.read_bytes()


def _boom(x):
    raise ValueError(f"bad {x}")


def _unpicklable(x):
    return lambda: x


def _twice(x):
    return 2 * x


@forks
def test_a_result_comes_back_from_the_child():
    job = service._Background(_twice, 21)
    assert job.result() == 42 and job.here is False


@forks
def test_a_failure_in_the_child_is_raised_here_as_the_function_raises_it():
    job = service._Background(_boom, 1)
    with pytest.raises(ValueError, match="bad 1"):
        job.result()
    assert job.here is True


@forks
def test_a_result_that_cannot_be_sent_is_computed_here():
    job = service._Background(_unpicklable, 5)
    assert job.result()() == 5 and job.here is True


@forks
def test_close_without_result_ends_the_child():
    job = service._Background(_twice, 1)
    proc = job.proc
    job.close()
    assert proc is not None and not proc.is_alive()


def test_the_garbage_collector_is_as_it_was_after_a_large_job():
    import gc

    assert gc.isenabled()
    with pytest.raises(KeyError):
        with service._large_job():
            assert not gc.isenabled()
            raise KeyError("refused")
    assert gc.isenabled()
    gc.disable()
    try:
        with service._large_job():
            pass
        assert not gc.isenabled()          # paused before: still paused
    finally:
        gc.enable()


def test_the_parts_computed_apart_join_to_the_whole_analysis():
    import json
    from dataclasses import replace

    from bpm_xl.example import load_example
    from bpm_xl.sensitivity import analyse

    inputs = load_example()
    whole = analyse(inputs, draws=300)
    judged = analyse(inputs, draws=300, parts=("perturb", "bootstrap"))
    answered = analyse(inputs, draws=300, parts=("respondents",))
    assert judged.respondents is None and answered.judgments_perturb is None
    joined = replace(judged, respondents=answered.respondents)
    assert json.dumps(joined.to_dict(), sort_keys=True) == json.dumps(whole.to_dict(), sort_keys=True)
    with pytest.raises(service.BpmError, match="unknown part"):
        analyse(inputs, draws=300, parts=("judgments",))


@pytest.mark.skipif(not sys.platform.startswith("linux") or len(__import__("os").sched_getaffinity(0)) < 2,
                    reason="the background process runs on Linux with two or more cores")
def test_the_command_line_export_uses_the_background_processes(tmp_path):
    """In a fresh process (as the command line runs) the export takes both results from the
    background processes."""
    script = f"""
import bpm_xl.service as s
made = []
real = s._Background
class Spy(real):
    def __init__(self, fn, *args):
        super().__init__(fn, *args)
        made.append(self)
s._Background = Spy
s.export_file(s.EXAMPLE, {str(tmp_path / "x.xlsx")!r}, lang="en")
print(len(made), [m.here for m in made])
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2 [False, False]"


def _big_after(seconds):
    import time

    time.sleep(seconds)
    return b"x" * (4 << 20)     # more than a pipe holds: the send must find a reader or fail


@forks
def test_a_child_whose_parent_stopped_listening_ends_instead_of_waiting(monkeypatch):
    """Without the parent-death signal (as where libc's prctl is missing), a child that cannot
    send its result ends: no other child holds a copy of the pipe's reading end."""
    monkeypatch.setattr(service, "_end_with_parent", lambda parent: None)
    quick = service._Background(_big_after, 0.3)
    slow = service._Background(_big_after, 8)         # holds copies of quick's pipe unless it closes them
    try:
        quick.recv.close()                              # the parent "is gone" for quick's child
        service._LISTENING.discard(quick.recv)
        quick.proc.join(5)
        assert not quick.proc.is_alive()
    finally:
        quick.recv = None
        quick.close()
        slow.close()


@pytest.mark.skipif(not sys.platform.startswith("linux") or len(__import__("os").sched_getaffinity(0)) < 2,
                    reason="the background process runs on Linux with two or more cores")
def test_a_child_ends_when_its_parent_is_killed():
    import os
    import signal
    import time

    script = """
import time, bpm_xl.service as s
job = s._Background(time.sleep, 60)
print(job.proc.pid, flush=True)
time.sleep(60)
"""
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    child = int(p.stdout.readline())
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    for _ in range(50):
        try:
            state = open(f"/proc/{child}/stat").read().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            break
        if state == "Z":   # ended, not yet reaped by init
            break
        time.sleep(0.1)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("the background child outlived its killed parent")
