"""scripts/run_checks.py: steps run side by side up to --jobs, a step waits for the steps it needs, and a failed
step fails the run loudly (non-zero exit, its log tail, the summary)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from scripts import run_checks


@pytest.fixture(autouse=True)
def _logs_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_checks, "LOG_DIR", tmp_path / "logs")
    monkeypatch.setattr(run_checks, "DURATIONS", tmp_path / "logs" / "durations.json")
    (tmp_path / "logs").mkdir()


def _step(name: str, marks: Path, seconds: float = 0.5, needs: list[str] | None = None, rc: int = 0) -> run_checks.Step:
    """A step that records when it started and ended (monotonic), prints a line and exits with rc."""
    code = (
        "import sys, time; from pathlib import Path; p = Path(sys.argv[1]); "
        "p.with_suffix('.start').write_text(repr(time.monotonic())); time.sleep(float(sys.argv[2])); "
        "print('last words of ' + sys.argv[3]); p.with_suffix('.end').write_text(repr(time.monotonic())); "
        "sys.exit(int(sys.argv[4]))"
    )
    argv = [sys.executable, "-c", code, str(marks / name), str(seconds), name, str(rc)]
    return run_checks.Step(name, argv, "test", needs or [])


def _span(marks: Path, name: str) -> tuple[float, float]:
    return float((marks / f"{name}.start").read_text()), float((marks / f"{name}.end").read_text())


def test_two_jobs_overlap_and_one_job_runs_one_after_another(tmp_path: Path) -> None:
    for jobs in (2, 1):
        marks = tmp_path / f"jobs{jobs}"
        marks.mkdir()
        results = run_checks.run_all([_step("a", marks, 1.0), _step("b", marks, 1.0)], jobs)
        assert [r.ok for r in results] == [True, True]
        (a_start, a_end), (b_start, b_end) = _span(marks, "a"), _span(marks, "b")
        overlap = min(a_end, b_end) > max(a_start, b_start)
        assert overlap is (jobs == 2)


def test_a_step_starts_after_the_steps_it_needs(tmp_path: Path) -> None:
    steps = [_step("a", tmp_path, 0.5), _step("b", tmp_path, 1.0), _step("c", tmp_path, 0.1, needs=["a", "b"])]
    results = run_checks.run_all(steps, 3)
    assert all(r.ok for r in results)
    assert _span(tmp_path, "c")[0] >= max(_span(tmp_path, "a")[1], _span(tmp_path, "b")[1])


def test_a_failed_step_fails_the_run_with_its_log_tail_and_the_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    steps = [_step("good", tmp_path, 0.1), _step("bad", tmp_path, 0.1, rc=3)]
    monkeypatch.setattr(run_checks, "steps", lambda scenarios=None: steps)
    monkeypatch.setattr(sys, "argv", ["run_checks", "--jobs", "2"])
    assert run_checks.main() == 1
    out = capsys.readouterr().out
    assert "last words of bad" in out  # the failing step's log tail
    assert "<== bad: FAILED (exit 3)" in out
    assert "Failed: bad" in out
    assert out.rstrip().endswith("1 passed, 1 failed")
    assert (run_checks.LOG_DIR / "bad.log").read_text().strip() == "last words of bad"


def test_a_step_whose_program_is_missing_fails_instead_of_hanging(tmp_path: Path) -> None:
    missing = run_checks.Step("missing", [str(tmp_path / "no-such-program")], "test")
    (result,) = run_checks.run_all([missing], 2)
    assert (result.ok, result.rc) == (False, 127)
    assert "cannot run" in missing.log_path.read_text()
