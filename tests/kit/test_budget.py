"""The grader's time (gradelib.budget): a lab's count shared through a file, the
verdicts it gives a test and a program that has hung, and the watchdog that stops a
test's programs when its time runs out. The whole grade of hanging submissions is
bounded in test_hostile.py (their Lab-within: lines)."""
import sys
import time

import pytest

from gradelib import budget, platform
from gradelib.proc import Process

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
# A program of the grader's own, run as the grader runs a student's: not under Wine.
native_process = pytest.mark.skipif(platform.UNDER_WINE, reason="runs a Linux program")


def test_a_fresh_lab_gives_a_test_its_full_time(tmp_path):
    lab = budget.Lab(tmp_path, "07")
    assert lab.verdict() == (budget.TEST_SECONDS, None)
    assert lab.program("http_server") == (budget.TEST_SECONDS, None)


def test_a_failure_after_a_long_wait_is_a_hang_a_quick_one_is_not(tmp_path):
    lab = budget.Lab(tmp_path, "07")
    lab.add(budget.HANG_SECONDS - 1, True, "a quick failure", ["http_server"])
    lab.add(budget.HANG_SECONDS + 5, False, "a slow pass", ["http_server"])
    assert lab.program("http_server") == (budget.TEST_SECONDS, None)
    lab.add(budget.HANG_SECONDS + 1, True, "GET / answers 200", ["http_server"])
    seconds, why = lab.program("http_server")
    assert seconds == budget.SHORT_SECONDS and "GET / answers 200" in why
    # Another program of the lab is graded as usual.
    assert lab.program("lab07_units") == (budget.TEST_SECONDS, None)


def test_a_program_that_keeps_hanging_is_not_run_then_the_lab(tmp_path):
    lab = budget.Lab(tmp_path, "05")
    hang = budget.HANG_SECONDS + 1
    while lab.program("upload")[0] is not None:
        lab.add(hang, True, "upload hangs", ["upload"])
    seconds, why = lab.program("upload")
    assert seconds is None and "upload hung in \"upload hangs\"" in why
    assert lab.verdict()[0] is not None and lab.program("sockopts")[0] is not None
    while lab.verdict()[0] is not None:
        lab.add(hang, True, "summary_server hangs", ["summary_server"])
    seconds, why = lab.verdict()
    assert seconds is None and "lab 05's tests that hung" in why


def test_a_lab_stops_at_its_ceiling_however_its_tests_end(tmp_path):
    lab = budget.Lab(tmp_path, "01")
    lab.add(budget.CEILING_SECONDS, False, "slow but passing", ["resolve"])
    assert lab.verdict()[0] is None


def test_the_count_is_shared_through_its_file(tmp_path):
    budget.Lab(tmp_path, "03").add(budget.HANG_SECONDS + 1, True, "t", ["tcp_server"])
    assert budget.Lab(tmp_path, "03").program("tcp_server")[0] == budget.SHORT_SECONDS


def test_left_is_the_timeout_or_what_is_left_of_the_test():
    assert budget.left(7.0) == 7.0          # no test running
    watchdog = budget.Watchdog([], 2.0)
    try:
        assert 1.0 < budget.left(7.0) <= 2.0
        assert budget.left(0.5) == 0.5
        watchdog.shorten(0.0, "why")
        assert budget.left(7.0) == 0.0
    finally:
        watchdog.stop()
    assert budget.left(7.0) == 7.0


@native_process
def test_the_watchdog_stops_the_programs_when_the_time_runs_out(tmp_path):
    processes = []
    watchdog = budget.Watchdog(processes, 1.0)
    try:
        started = time.monotonic()
        proc = Process(SLEEPER[0], SLEEPER[1:], cwd=tmp_path, timeout=30)
        processes.append(proc)
        result = proc.wait()
        assert time.monotonic() - started < 10
        assert watchdog.fired and watchdog.stopped == [proc]
        assert not result.timed_out and result.returncode != 0
        assert budget.expired()
    finally:
        watchdog.stop()
    assert not budget.expired()


@native_process
def test_a_stopped_watchdog_stops_nothing(tmp_path):
    processes = []
    watchdog = budget.Watchdog(processes, 0.5)
    watchdog.stop()
    proc = Process(SLEEPER[0], SLEEPER[1:], cwd=tmp_path, timeout=30)
    processes.append(proc)
    try:
        time.sleep(1.0)         # past the watchdog's time: it must not fire
        assert proc.poll() is None and not watchdog.fired
    finally:
        proc.stop()


def test_a_test_whose_time_ran_out_says_what_was_running():
    watchdog = budget.Watchdog([], 0.0)
    try:
        deadline = time.monotonic() + 5
        while not watchdog.fired and time.monotonic() < deadline:
            time.sleep(0.01)
        # As the grader starts it here (under Wine, behind Wine's launcher).
        argv = platform.command(platform.program_path(platform.ROOT, "tcp_server"),
                                ["--port", "80"])
        watchdog.stopped = [type("P", (), {"argv": argv})()]
        watchdog.why = "tcp_server hung before"
        message = str(budget.ran_out(watchdog, AssertionError("echo differs\nmore")))
    finally:
        watchdog.stop()
    # A watchdog of no time at all: the test was cut short, not given 0 s.
    assert message.startswith("this test was cut short with 'tcp_server --port 80' still "
                              "at work (stopped by the grader)")
    assert "(then the test saw: echo differs)" in message
    assert "Here tcp_server hung before." in message


def test_the_grades_deadline_bounds_each_test_then_stops_them(tmp_path, monkeypatch):
    lab = budget.Lab(tmp_path, "06")
    monkeypatch.setenv(budget.GRADE_DEADLINE, str(time.time() + 20))
    seconds, why = lab.verdict()
    assert seconds in (18.0, 19.0, 20.0) and why is None
    monkeypatch.setenv(budget.GRADE_DEADLINE, str(time.time() + 0.5))
    seconds, why = lab.verdict()
    assert seconds is None and "the grade's time ran out" in why
    monkeypatch.delenv(budget.GRADE_DEADLINE)
    assert lab.verdict() == (budget.TEST_SECONDS, None)
