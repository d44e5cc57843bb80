"""The export computes the sensitivity analysis in two worker processes (concurrent.futures,
"spawn" on every platform) while it plans and writes (service._SensitivityInBackground): the
file must be the one the sequential path writes, and whatever goes wrong over there, the
caller gets exactly what the function gives in this process."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bpm_xl import service

two_cores = pytest.mark.skipif(not service._SensitivityInBackground.possible(),
                               reason="the workers are used with two or more cores")


class _Here(service._SensitivityInBackground):
    """The sequential path: no worker."""

    @staticmethod
    def possible() -> bool:
        return False


def _spy_on_the_workers(monkeypatch) -> list:
    """The workers as they are, each one made recorded in the list returned."""
    made = []

    class Spy(service._SensitivityInBackground):
        def __init__(self, *args):
            super().__init__(*args)
            made.append(self)

    monkeypatch.setattr(service, "_SensitivityInBackground", Spy)
    return made


@two_cores
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_background_export_writes_the_sequential_file(tmp_path, monkeypatch, lang):
    made = _spy_on_the_workers(monkeypatch)
    fast = service.export_file(service.EXAMPLE, tmp_path / "fast.xlsx", lang=lang)
    assert len(made) == 1 and made[0].here == [False, False]   # both workers' results were used
    monkeypatch.setattr(service, "_SensitivityInBackground", _Here)
    slow = service.export_file(service.EXAMPLE, tmp_path / "slow.xlsx", lang=lang)
    assert fast.read_bytes() == slow.read_bytes()


def _inputs():
    from bpm_xl.example import load_example
    from bpm_xl.evaluation import evaluate

    inputs = load_example()
    return inputs, evaluate(inputs)


@two_cores
def test_a_failing_worker_leaves_the_part_to_this_process(monkeypatch):
    """The joined result of the workers is sensitivity_of's; a part whose worker fails (as a
    worker that dies: BrokenProcessPool) is computed here, with the same result."""
    import json

    inputs, ev = _inputs()
    monkeypatch.setattr(service, "SENSITIVITY_DRAWS", 200)
    want = service.sensitivity_of(inputs, ev, draws=200)
    job = service._SensitivityInBackground(inputs, ev)
    got = job.result()
    job.close()
    assert job.here == [False, False]
    assert json.dumps(got.to_dict(), sort_keys=True) == json.dumps(want.to_dict(), sort_keys=True)

    broken = service._SensitivityInBackground(inputs, ev)
    for f in broken.futures:
        f.result = lambda: (_ for _ in ()).throw(RuntimeError("worker died"))   # as a BrokenProcessPool would
    again = broken.result()
    broken.close()
    assert broken.here == [True, True]
    assert json.dumps(again.to_dict(), sort_keys=True) == json.dumps(want.to_dict(), sort_keys=True)


def test_an_error_of_the_analysis_is_raised_here_as_the_function_raises_it(monkeypatch):
    inputs, ev = _inputs()

    def boom(*args):
        raise service.BpmError("bad part")

    job = _Here(inputs, ev)
    monkeypatch.setattr(service, "sensitivity_of", boom)
    with pytest.raises(service.BpmError, match="bad part"):
        job.result()


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


@two_cores
def test_the_command_line_export_uses_the_workers_and_leaves_no_process(tmp_path):
    """In a fresh process (as the command line runs) the export takes both results from the
    workers, and no worker outlives it."""
    script = f"""
import multiprocessing, bpm_xl.service as s
made = []
real = s._SensitivityInBackground
class Spy(real):
    def __init__(self, *args):
        super().__init__(*args)
        made.append(self)
s._SensitivityInBackground = Spy
s.export_file(s.EXAMPLE, {str(tmp_path / "x.xlsx")!r}, lang="en")
print(len(made), made[0].here, len(multiprocessing.active_children()))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1 [False, False] 0"
    assert out.stderr == ""


@two_cores
@pytest.mark.parametrize("kind", [".xlsm", ".xlsx"], ids=["macro", "portable"])
def test_a_rebuild_of_a_large_survey_uses_the_workers_and_writes_the_file_of_the_thread(tmp_path, monkeypatch, kind):
    """From WORKERS_FROM_RESPONDENTS respondents a rebuild computes the analysis in the workers
    (the export's); the file is byte for byte the one a rebuild with the second thread writes."""
    hub = service.new_workbook(tmp_path / f"hub{kind}", lang="zh", example=True, portable=kind == ".xlsx")
    twin = tmp_path / f"twin{kind}"
    twin.write_bytes(hub.read_bytes())
    made = _spy_on_the_workers(monkeypatch)
    service.rebuild_file(twin, backup=False)        # below the threshold: the thread, no worker
    assert made == []
    monkeypatch.setattr(service, "WORKERS_FROM_RESPONDENTS", 1)
    service.rebuild_file(hub, backup=False)
    assert len(made) == 1 and made[0].here == [False, False]
    assert hub.read_bytes() == twin.read_bytes()
