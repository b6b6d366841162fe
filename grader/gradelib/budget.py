"""Time: what a test, and a lab, may take, so that a program that hangs or crawls costs
seconds, not minutes (docs/grading.md, "A program that hangs").

- Each test has a budget: TEST_SECONDS, or SHORT_SECONDS in a lab that has hung. When
  it runs out, a watchdog stops every program the test started (as the test's end
  would): whatever the test waits on ends at once, and the line fails saying the
  program did not finish in the test's time. The grader's own waits for a program
  (gradelib.peers, datagrams, servers) never outlast the budget either (left()).
- A lab has hung once one of its tests failed after HANG_SECONDS or more: every later
  test of the lab gets SHORT_SECONDS, and once the lab has spent LAB_SECONDS more
  (its tests' seconds, summed), its remaining tests fail at once, unrun. Whatever
  happens, a lab's tests stop once it has spent CEILING_SECONDS.

A lab's count (the seconds its tests took, whether it has hung, and where) lives in a
file of the grading run's work folder, so that pytest-xdist's workers share it."""
import json
import threading
import time
from pathlib import Path

from . import expect, platform

# A test's time, and a test's time in a lab that has hung: every behaviour of the
# reference takes a fraction of the latter, Wine included.
TEST_SECONDS = 100.0
SHORT_SECONDS = 15.0
# A failed test that took this long hung (or crawled) rather than failed.
HANG_SECONDS = 8.0
# What a lab may spend once it has hung (its tests' seconds, summed); and what any lab
# may spend in all.
LAB_SECONDS = 60.0
CEILING_SECONDS = 240.0
# How often the watchdog ends programs a test starts after its time ran out.
REKILL = 0.25

# The current test (one at a time in each process).
_test = {"deadline": None, "seconds": None, "expired": False}


def left(timeout):
    """TIMEOUT, or what is left of the current test's time if that is less (never
    negative)."""
    deadline = _test["deadline"]
    if deadline is None:
        return timeout
    return max(0.0, min(timeout, deadline - time.monotonic()))


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
            return {"spent": 0.0, "hung": None, "hung_at": None}

    def add(self, seconds, failed, title):
        """A test of the lab took SECONDS; FAILED: it failed. TITLE: its line."""
        with platform.exclusive(self.lock):
            state = self.read()
            state["spent"] += seconds
            if failed and seconds >= HANG_SECONDS and state["hung"] is None:
                state["hung"], state["hung_at"] = title, state["spent"]
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(state))
            tmp.replace(self.path)

    def verdict(self):
        """(seconds the next test gets, or None when it does not run; why)."""
        state = self.read()
        spent, hung = state["spent"], state["hung"]
        if spent >= CEILING_SECONDS:
            return None, (f"lab {self.lab} has used its {CEILING_SECONDS:g} s: its "
                          "programs are too slow to grade in full")
        if hung is not None and spent - state["hung_at"] >= LAB_SECONDS:
            return None, (f"lab {self.lab} has used the {LAB_SECONDS:g} s it gets after "
                          f"a program hangs (first in \"{hung}\")")
        if hung is not None:
            return SHORT_SECONDS, (f"a program of lab {self.lab} hung before (in "
                                   f"\"{hung}\"), so each later test of the lab has "
                                   f"{SHORT_SECONDS:g} s")
        return TEST_SECONDS, None


class Watchdog:
    """Stops every program of PROCESSES (a list the test appends to) once SECONDS have
    passed, and any it starts later, until the test ends (stop())."""

    def __init__(self, processes, seconds):
        self.processes = processes
        self.seconds = seconds
        self.fired = False
        self.stopped = []           # the programs it ended
        self._done = threading.Event()
        _test.update(deadline=time.monotonic() + seconds, seconds=seconds, expired=False)
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self):
        if self._done.wait(self.seconds):
            return
        self.fired = True
        _test["expired"] = True
        while True:
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
            if self._done.wait(REKILL):
                return

    def stop(self):
        self._done.set()
        self._thread.join(5)
        _test.update(deadline=None, seconds=None, expired=False)


UNRUN_HINT = ("The lines above show where the program first hung (timed out, or was "
              "stopped): a program that hangs there hangs in the later tests too. Fix "
              "that first; make grade LAB=NN grades one lab.")


def ran_out(watchdog, why, seen):
    """The failure of a test whose time ran out: which programs were still at work, and
    what the test saw when they were stopped."""
    names = [f"'{platform.typed_command(p.argv)}'" for p in watchdog.stopped] or \
        ["the test's programs"]
    then = str(seen).split("\n", 1)[0].strip()
    return expect.Failure(
        f"{' and '.join(names[:2])} did not finish within this test's "
        f"{watchdog.seconds:g} s: stopped by the grader",
        got=f"(then the test saw: {then})" if then else None,
        hint=("The program hangs or crawls here: a call that waits for something that "
              "never comes, a loop that never ends, or one byte at a time. " +
              (f"Here {why}." if why else "")).strip())
