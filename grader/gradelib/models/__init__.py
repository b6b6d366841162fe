"""Models of the labs' READMEs, and the smallest case where a program disagrees.

Each lab's module here holds a small model of what its README says (a function from
an input to the answer the README asks for, or a room of clients and what each must
receive), Hypothesis strategies that generate inputs and schedules, and the checks
that run them through the student's functions (a driver program per lab,
tests/models/, answering many cases in one process) or programs (over loopback, as
every test does). When the program and the model differ, Hypothesis shrinks the case
to the smallest one that still differs, and the failure shows that one, in the
student's terms: "this request got 404; the README (section 4) says 400".

Every exploration is seeded from the test's seed (KIT_SEED replays it), with no
example database, no deadline and a bounded number of cases, and prints nothing: its
one output is the grader's failure message.
"""
import os
import socket
import struct
import sys
import time
import warnings

from .. import expect, platform
from ..report import GRADE_DIR

# Hypothesis keeps a few files of its own (never the example database here); under
# build/grade/, not in the kit's tree.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(GRADE_DIR / "hypothesis"))

INSTALL = ("Install it: 'make setup', or by hand: sudo apt-get install "
           "python3-hypothesis (Debian/Ubuntu); pacman -S "
           "mingw-w64-ucrt-x86_64-python-hypothesis (MSYS2 UCRT64); python3 -m pip "
           "install hypothesis (elsewhere, into the Python that has pytest).")


def missing():
    """Why the model tests cannot run here, in words, or None when they can."""
    try:
        import hypothesis  # noqa: F401
    except ImportError:
        return (f"this Python ({sys.executable}) has no Hypothesis, which the grader's "
                f"model tests need. {INSTALL}")
    return None


if missing() is None:
    import hypothesis
    from hypothesis import HealthCheck, Phase, Verbosity, strategies as st  # noqa: F401
    from hypothesis.errors import HypothesisException


def scaled(cases):
    """The cases a model test tries here: fewer under Wine (platform.MODEL_SCALE)."""
    return max(2, cases // platform.hosts.MODEL_SCALE)


# The most a search may spend shrinking, after its own limit: a bound for a program
# that crawls, far above what shrinking takes (a few seconds), so that the case found
# is the same on every run with the same seed.
SHRINK_SECONDS = 30.0


class _Found(Exception):
    """A case where the program and the model differ: raised from one place only, so
    that Hypothesis takes every such case for the same failure and shrinks it."""

    def __init__(self, failure):
        super().__init__(failure.what)
        self.failure = failure


class Exploration:
    """One model test's search: up to CASES generated cases, each run by CHECK(case),
    which raises an expect.Failure where the program differs from the model; then up
    to SHRINKS more runs to shrink the first such case. LIMIT bounds the seconds the
    search may take (a program that crawls is still graded in time): cases after it
    are not run, and count as passing.

    The outcome of each case is kept: a case tried again is not run again, so that a
    program which fails only now and then, or only after many cases on one server,
    still gives one answer, the smallest case seen failing. While shrinking is true
    a check starts its server afresh for each case (fresh()), so that the case shown
    fails on its own where it can."""

    def __init__(self, seed, cases, shrinks, limit):
        self.seed, self.cases, self.shrinks, self.limit = seed, cases, shrinks, limit
        self.outcomes = {}
        self.runs = 0
        self.failed_at = None
        self.first = None
        self.started = None

    @property
    def shrinking(self):
        return self.failed_at is not None

    def _body(self, check, case):
        key = repr(case)
        if key not in self.outcomes:
            if self.over_budget():
                return
            self.runs += 1
            try:
                check(case)
                self.outcomes[key] = None
            except expect.Failure as failure:
                self.outcomes[key] = failure
                if self.failed_at is None:
                    self.failed_at, self.first = self.runs, failure
        failure = self.outcomes[key]
        if failure is not None:
            # One place raises every failure: Hypothesis tells failures apart by where
            # they were raised, and shrinks each kind on its own.
            raise _Found(failure)

    def _settings(self, **more):
        return hypothesis.settings(
            database=None, deadline=None, max_examples=self.cases,
            suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
            print_blob=False, report_multiple_bugs=False, derandomize=False,
            phases=[Phase.generate, Phase.shrink], **more)

    def _explore(self, explore):
        """Runs EXPLORE (Hypothesis' search); raises the expect.Failure of the smallest
        case it found, if any."""
        self.started = time.monotonic()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                explore()
        except _Found as found:
            raise self._told(found.failure) from None
        except HypothesisException:
            if self.first is None:
                raise
            raise self._told(self.first) from None

    def run(self, strategy, check):
        """Explores; raises the expect.Failure of the smallest case found, if any."""
        @self._settings()
        @hypothesis.seed(self.seed)
        @hypothesis.given(strategy)
        def explore(case):
            self._body(check, case)

        self._explore(explore)

    def machine(self, machine_class, **attributes):
        """Explores a RuleBasedStateMachine: its rules raise expect.Failure where the
        program differs from the model (through step()); raises the smallest."""
        from hypothesis.stateful import run_state_machine_as_test
        settings = self._settings(stateful_step_count=machine_class.STEPS)
        seeded = hypothesis.seed(self.seed)(type(machine_class.__name__, (machine_class,),
                                                 dict(attributes, exploration=self)))
        self._explore(lambda: run_state_machine_as_test(seeded, settings=settings))

    def _told(self, failure):
        """FAILURE, with how it was found."""
        note = (f"(the smallest failing case found: case {self.failed_at} of up to "
                f"{self.cases} failed first, then {self.runs - self.failed_at} smaller "
                "ones were tried)")
        failure.what = f"{failure.what}\n{note}"
        failure.args = (str(failure),)
        return failure

    def over_budget(self):
        """Whether the next case is past what the search may spend: not run."""
        spent = time.monotonic() - self.started
        if self.shrinking:
            return self.runs - self.failed_at >= self.shrinks or \
                spent > self.limit + SHRINK_SECONDS
        return spent > self.limit


class StepMachine:
    """A mixin for a RuleBasedStateMachine explored by Exploration.machine: step(name,
    action) runs one action of a schedule, with the outcomes kept as Exploration keeps
    them (by the steps so far), so that a schedule tried again is not run again."""

    exploration = None
    STEPS = 20

    def __init__(self):
        super().__init__()
        self.steps = []
        self.live = True

    def step(self, text, action):
        """Runs ACTION (no arguments) as the step described by TEXT (which says all
        it does). A schedule whose steps so far are those of one that failed before
        fails again at once, as it did; past the search's budget, nothing more runs."""
        ex = self.exploration
        self.steps.append(text)
        if len(self.steps) == 1:
            self.live = not ex.over_budget()
            ex.runs += self.live
        key = repr(self.steps)
        if key not in ex.outcomes and self.live:
            try:
                action()
            except expect.Failure as failure:
                ex.outcomes[key] = failure
                if ex.failed_at is None:
                    ex.failed_at, ex.first = ex.runs, failure
        failure = ex.outcomes.get(key)
        if failure is not None:
            self.live = False
            raise _Found(failure)


def schedule(steps):
    """A schedule's steps as the failure shows them, one a line, numbered."""
    return "\n".join(f"{i + 1:3}. {s}" for i, s in enumerate(steps))


# --- the drivers (tests/models/): many cases, one process ---------------------------

# How long the grader waits for the driver to connect, and for one answer.
DRIVER_START = 20.0
DRIVER_ANSWER = 10.0


class Crashed(Exception):
    """The driver ended, or did not answer, while it ran a case."""


class Driver:
    """A lab's model driver (tests/models/labNN_model.c), built from the student's
    file, started with START (the test's start fixture) and fed cases over a loopback
    connection. A case that crashes or hangs it is a failure of that case; the next
    case starts it again."""

    def __init__(self, start, name):
        self.start, self.name = start, name
        self.proc = self.conn = None
        self.started = 0

    def _open(self):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
            listener.settimeout(DRIVER_START)
            self.proc = self.start(self.name, "127.0.0.1", listener.getsockname()[1],
                                   timeout=600)
            self.started += 1
            try:
                self.conn = listener.accept()[0]
            except OSError:
                result = self.proc.stop()
                raise expect.Failure(f"{self.name} did not start",
                                     expected="a connection to the grader",
                                     got=result.ended(), result=result,
                                     hint="It is built from your file and the kit's "
                                          "driver: fix the lines above first.") from None
            self.conn.settimeout(DRIVER_ANSWER)
            self.conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        finally:
            listener.close()

    def ask(self, op, *args):
        """Runs one case: OP (a letter) with ARGS (ints and bytes). Returns a Reply, or
        raises Crashed with how the driver ended."""
        if self.conn is None:
            self._open()
        payload = op.encode() + b"".join(_field(a) for a in args)
        try:
            self.conn.sendall(struct.pack(">I", len(payload)) + payload)
            head = _recv_exactly(self.conn, 4)
            data = _recv_exactly(self.conn, struct.unpack(">I", head)[0])
        except (OSError, EOFError):
            result = self._end()
            raise Crashed(result) from None
        return Reply(data)

    def _end(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = None
        proc, self.proc = self.proc, None
        return proc.stop() if proc is not None else None

    def close(self):
        if self.conn is not None:
            try:
                self.conn.sendall(struct.pack(">I", 0))
            except OSError:
                pass
        proc = self.proc
        self._end()
        if proc is not None:
            proc.exited(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def crash_text(result):
    """How a driver run ended, for a failure message."""
    if result is None:
        return "the driver stopped answering"
    return result.ended() + (f"\n{result.errors.strip()[:600]}" if result.errors.strip()
                             else "")


def _field(value):
    if isinstance(value, (bytes, bytearray)):
        return struct.pack(">I", len(value)) + bytes(value)
    if isinstance(value, str):
        value = value.encode("latin-1")
        return struct.pack(">I", len(value)) + value
    return struct.pack(">q", value) if value < 0 else struct.pack(">Q", value)


def _recv_exactly(conn, n):
    data = bytearray()
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return bytes(data)


class Reply:
    """A driver's answer, read field by field in the order it wrote them."""

    def __init__(self, data):
        self.data, self.at = data, 0

    def int(self):
        value = struct.unpack(">q", self.data[self.at:self.at + 8])[0]
        self.at += 8
        return value

    def bytes(self):
        n = struct.unpack(">I", self.data[self.at:self.at + 4])[0]
        self.at += 4
        if n == 0xFFFFFFFF:
            return None
        value = self.data[self.at:self.at + n]
        self.at += n
        return value


def shown(data, limit=300):
    """Bytes as a Python literal the student can read, cut to LIMIT characters."""
    text = repr(bytes(data))
    return text if len(text) <= limit else text[:limit] + f"... ({len(data)} bytes)"
