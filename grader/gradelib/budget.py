"""Time: what a test, and a lab's programs, may take, so that a program that hangs or
crawls costs seconds, not minutes (docs/grading.md, "A program that hangs").

- Each test has a budget: TEST_SECONDS, or SHORT_SECONDS once it runs a program that
  has hung. When it runs out, a watchdog stops every program the test started (as
  the test's end would): whatever the test waits on ends at once, and the line fails
  saying so. The grader's own waits for a program (gradelib.peers, datagrams,
  servers) never outlast the budget either (left()).
- A test hangs when it fails after HANG_SECONDS or more (a correct program's tests
  fail fast, when they fail), and so do the programs it ran. Every later test that
  runs a program that has hung gets SHORT_SECONDS, and once the tests in which a
  program hung have taken PROGRAM_SECONDS in all, a test that would run it again
  fails at once, unrun; the lab's other programs are graded as usual, until the
  lab's tests that hung have taken LAB_SECONDS in all: then the lab's remaining tests
  fail at once. Whatever happens, a lab's tests stop once the lab has spent
  CEILING_SECONDS.

A lab's count (the seconds its tests took; each program that hung, where, and for how
long) lives in a file of the grading run's work folder, so that pytest-xdist's
workers share it."""
import json
import os
import threading
import time
from pathlib import Path

from . import expect, platform

# A test's time: more than a stream test's own limit (60 s while bytes keep moving,
# gradelib.progress) and what it takes to start; and a test's time once it runs a
# program that has hung, which every behaviour of the reference takes a fraction of,
# Wine included.
TEST_SECONDS = 75.0
# Windows programs (Wine's above all) take a few times longer: lab 06's megabyte flood
# takes 20 s under Wine on a busy 2-core machine, where it takes 1 s natively.
SHORT_SECONDS = 30.0 if platform.WINDOWS_PROGRAMS else 10.0
# A failed test that took this long hung (or crawled) rather than failed.
HANG_SECONDS = 8.0
# What the tests in which a program hung may take in all (their seconds, summed); what
# a lab's tests that hung may take; and what any lab's tests may take in all.
PROGRAM_SECONDS = 30.0
LAB_SECONDS = 60.0
CEILING_SECONDS = 240.0
# The whole grade's end, when the grading run has one: KIT_GRADE_DEADLINE, a time of
# the clock (seconds since the epoch). The instructors' tools set it to what their
# runner allows, less the time to report (grader/course/runs.py): once it has passed,
# every test left fails at once, unrun, so that the grade ends with a score.
GRADE_DEADLINE = "KIT_GRADE_DEADLINE"
# How often the watchdog ends programs a test starts after its time ran out.
REKILL = 0.25
# Under Wine the watchdog ends only the grader's own waits, and leaves the programs to
# the test's end: Wine's server (8.0) was seen to abort (an assertion in its socket
# code, server/sock.c) when a program was killed while the test still held
# connections to it, and every later program of the run failed with it. There the
# test's own timeouts (20 s at most for a wait, within SHORT_SECONDS) bound it.
KILLS = not platform.UNDER_WINE

# The current test (one at a time in each process).
_test = {"deadline": None, "seconds": None, "expired": False}


def left(timeout):
    """TIMEOUT, or what is left of the current test's time if that is less (never
    negative)."""
    deadline = _test["deadline"]
    if deadline is None:
        return timeout
    return max(0.0, min(timeout, deadline - time.monotonic()))


def grade_left():
    """Seconds left of the whole grade (GRADE_DEADLINE), or None when it has no end."""
    try:
        return float(os.environ[GRADE_DEADLINE]) - time.time()
    except (KeyError, ValueError):
        return None


def expired():
    """Whether the current test's time has run out."""
    return _test["expired"]


class Lab:
    """One lab's count, in a file of the work folder WORK shared by the run's
    workers."""

    def __init__(self, work, lab):
        self.path = Path(work) / f".time-lab{lab}.json"
        self.lock = self.path.with_suffix(".lock")
        self.lab = lab

    def read(self):
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {"spent": 0.0, "hanging": 0.0, "first": None, "programs": {}}

    def add(self, seconds, failed, title, programs):
        """A test of the lab took SECONDS, running PROGRAMS (names); FAILED: it
        failed. TITLE: its line."""
        with platform.exclusive(self.lock):
            state = self.read()
            state["spent"] += seconds
            if failed and seconds >= HANG_SECONDS:
                state["hanging"] += seconds
                state["first"] = state["first"] or title
                for name in set(programs):
                    hung = state["programs"].setdefault(name, {"first": title,
                                                               "seconds": 0.0})
                    hung["seconds"] += seconds
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(state))
            tmp.replace(self.path)

    def verdict(self):
        """(seconds the next test gets, or None when it does not run; why)."""
        left = grade_left()
        if left is not None and left < 1:
            return None, ("the grade's time ran out (the limit of the service that "
                          "grades it): the tests still to run fail unrun")
        state = self.read()
        if state["spent"] >= CEILING_SECONDS:
            return None, (f"lab {self.lab} has used its {CEILING_SECONDS:g} s: its "
                          "programs are too slow to grade in full")
        if state["hanging"] >= LAB_SECONDS:
            return None, (f"lab {self.lab}'s tests that hung have taken its "
                          f"{LAB_SECONDS:g} s (the first: \"{state['first']}\")")
        return (TEST_SECONDS if left is None else min(TEST_SECONDS, float(int(left)))), None

    def program(self, name):
        """(seconds a test that runs program NAME gets, or None when it must not run
        it; why), or (TEST_SECONDS, None) for a program that has not hung."""
        hung = self.read()["programs"].get(name)
        if hung is None:
            return TEST_SECONDS, None
        if hung["seconds"] >= PROGRAM_SECONDS:
            return None, (f"{name} hung in \"{hung['first']}\" and later tests, which "
                          f"have taken the {PROGRAM_SECONDS:g} s a program that hangs gets")
        return SHORT_SECONDS, (f"{name} hung before (in \"{hung['first']}\"), so each "
                               f"later test that runs it has {SHORT_SECONDS:g} s")


# How often the watchdog looks whether a program of its test has hung in another test
# meanwhile (on the other worker).
RECHECK = 1.0


class Watchdog:
    """Stops every program of PROCESSES (a list the test appends to) once SECONDS have
    passed (or fewer, shorten()), and any it starts later, until the test ends
    (stop()). With LAB and NAME (a function giving a process's name in the lab's
    count), it shortens the test's time itself once one of its programs has hung in
    another test meanwhile."""

    def __init__(self, processes, seconds, lab=None, name=None):
        self.processes = processes
        self.lab, self.name = lab, name
        self.seconds = seconds
        self.why = None
        self.fired = False
        self.stopped = []           # the programs it ended
        self.started = time.monotonic()
        self._done = False
        self._changed = threading.Condition()
        _test.update(deadline=self.started + seconds, seconds=seconds, expired=False)
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def shorten(self, seconds, why):
        """The test gets SECONDS from its start, if that is less than it had."""
        if seconds >= self.seconds:
            return
        with self._changed:
            if seconds < self.seconds:
                self.seconds, self.why = seconds, why
                _test.update(deadline=self.started + seconds, seconds=seconds)
                self._changed.notify_all()

    def _recheck(self):
        """Shortens the test's time if one of its programs has hung meanwhile."""
        if self.lab is None:
            return
        for proc in list(self.processes):
            seconds, why = self.lab.program(self.name(proc))
            if why:
                self.shorten(seconds or 0.0, why)

    def _watch(self):
        while True:
            with self._changed:
                if self._done:
                    return
                left = self.started + self.seconds - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(min(left, RECHECK))
                if self._done:
                    return
            try:
                self._recheck()
            except Exception:   # noqa: BLE001 - a count being written: next time
                pass
        self.fired = True
        _test["expired"] = True
        while KILLS:
            for proc in list(self.processes):
                # A program the test has not collected yet (returncode is set before
                # a program is reaped): ended as the test's end would end it.
                if proc.returncode is None:
                    if proc not in self.stopped:
                        self.stopped.append(proc)
                    try:
                        platform.kill_tree(proc._popen, mark=proc.mark)
                    except Exception:   # noqa: BLE001 - ending as much as possible
                        pass
            with self._changed:
                if self._done or self._changed.wait(REKILL) and self._done:
                    return

    def stop(self):
        with self._changed:
            self._done = True
            self._changed.notify_all()
        self._thread.join(5)
        _test.update(deadline=None, seconds=None, expired=False)


UNRUN_HINT = ("The lines above show where the program first hung (timed out, or was "
              "stopped): a program that hangs there hangs in the later tests too. Fix "
              "that first; make grade LAB=NN grades one lab.")


def ran_out(watchdog, seen):
    """The failure of a test whose time ran out: which programs were still at work, and
    what the test saw when they were stopped."""
    why = watchdog.why
    names = [f"'{platform.typed_command(p.argv)}'" for p in watchdog.stopped]
    then = str(seen).split("\n", 1)[0].strip()
    return expect.Failure(
        (f"this test's {watchdog.seconds:g} s ran out" if watchdog.seconds > 0 else
         "this test was cut short") +
        (f" with {' and '.join(names[:2])} still at work (stopped by the grader)"
         if names else ""),
        got=f"(then the test saw: {then})" if then else None,
        hint=("The program hangs or crawls here: a call that waits for something that "
              "never comes, a loop that never ends, or one byte at a time. " +
              (f"Here {why}." if why else "")).strip())
