"""The grader: pytest fixtures for running the student's programs, and the scoring
that turns test outcomes into points (gradelib.report)."""
import atexit
import itertools
import os
import random
import re
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gradelib import (budget, build, calls, expect, memory, models, page, platform,  # noqa: E402
                     reruns, safety, starters, units)
from gradelib import report as scoring  # noqa: E402
from gradelib.proc import Process, Transcript, on_interrupt, stop_everything  # noqa: E402

OUT = platform.ROOT / (os.environ.get("KIT_OUT") or f"build/{platform.TARGET}/labs")
# The same tree built with the sanitizers (make grade builds it where they run).
SANITIZED_OUT = (platform.ROOT / os.environ["KIT_SANITIZED_OUT"]
                 if os.environ.get("KIT_SANITIZED_OUT") else None)
WORK = scoring.GRADE_DIR / "work"
# A backstop only: every wait in a test has its own, shorter timeout.
TEST_TIMEOUT = 120


@pytest.hookimpl(tryfirst=True)      # before the junitxml plugin reads its path
def pytest_configure(config):
    problem = platform.python_problem() or platform.wine_problem() or models.missing()
    if problem:
        pytest.exit("grader: " + problem, returncode=4)
    _state["config"] = config
    if platform.UNDER_WINE:
        platform.server_failures()      # from here on: this process's first look
    safety.install()
    atexit.register(stop_everything)
    # Ctrl-C, SIGTERM and SIGHUP end the run the same way: every program is stopped and
    # the reports are written (SIGTERM's default would leave the programs running).
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), on_interrupt)
    if not getattr(config.option, "xmlpath", None):
        config.option.xmlpath = str(scoring.GRADE_DIR / "junit.xml")
    config.addinivalue_line("markers", "points(n): what the behaviour is worth")
    config.addinivalue_line("markers", "memcheck: the kit's tests also run this behaviour "
                                       "of the reference under valgrind")
    config.addinivalue_line("markers", "challenge: a lab's optional challenge; its points are "
                                       "a bonus, shown apart from the lab's score")
    config.addinivalue_line("markers", "faults(*names): the faults the layer injects into "
                                       "every program of the test (gradelib.calls.FAULTS)")
    config.addinivalue_line("markers", "expected(program, *steps): the calls the lab's README "
                                       "expects of PROGRAM in the test, drawn beside a "
                                       "failure's (gradelib.page.expected)")
    config.option.tbstyle = "no"
    config.option.reportchars = ""
    if config.pluginmanager.hasplugin("timeout") and not config.getoption("timeout", None):
        config.option.timeout = TEST_TIMEOUT
    if not hasattr(config, "workerinput"):
        # Behind the fallback, users of the run's own: the workers inherit the choice.
        _state["users"] = platform.boundary.hold_users()
    platform.boundary.grader_started(platform.boundary.current(), scoring.GRADE_DIR, WORK,
                                     Path(__file__).parent / "hidden")
    if not hasattr(config, "workerinput"):          # the controlling process
        config._kit_scoreboard = scoring.Scoreboard(config)
        config._kit_scoreboard.write_results()      # no stale file from an earlier run
        shutil.rmtree(scoring.TRANSCRIPTS, ignore_errors=True)
        shutil.rmtree(WORK, ignore_errors=True)
        platform.prepare()


LAB_FILE = re.compile(r"^test_lab\d+_\w+\.py$")


def pytest_collectstart(collector):
    """Each lab's file gets the line every lab has: its build."""
    if not isinstance(collector, pytest.Module) or not LAB_FILE.match(collector.path.name) \
            or collector.path.parent != Path(__file__).parent:     # not grader/hidden/
        return
    try:
        module = collector.obj
    except Exception:           # its collection reports the error
        return
    module.test_builds = lab_builds


def pytest_collection_modifyitems(config, items):
    lab = os.environ.get("KIT_LAB", "").strip()
    if lab:
        labs = sorted(scoring.lab_of(p.name) for p in Path(__file__).parent.glob("test_lab*_*.py"))
        if lab.zfill(2) not in labs:
            pytest.exit(f"grader: LAB={lab} is not a lab: the labs are {' '.join(labs)}",
                        returncode=4)
        wanted = [f"test_lab{lab.zfill(2)}_"]
        keep = [i for i in items if any(w in i.nodeid for w in wanted)]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep
    skip_not_started(items)
    # Each lab's build line first.
    files = {}
    for item in items:
        files.setdefault(item.nodeid.split("::")[0], len(files))
    items.sort(key=lambda i: (files[i.nodeid.split("::")[0]], i.name != "test_builds"))
    # Each worker of pytest-xdist collects the same list: the summary shows the tests
    # in this order, whichever worker ran them and whenever they ended.
    for index, item in enumerate(items):
        item.kit_index = index


def skip_not_started(items):
    """Without LAB=, the tests of a lab still the starter do not run: the summary shows
    the lab as not started (gradelib.starters). Only where the student's tree is known
    (KIT_SRC, which make grade sets)."""
    src = os.environ.get("KIT_SRC", "").strip()
    if not src or os.environ.get("KIT_LAB", "").strip():
        return
    tree = Path(src) if Path(src).is_absolute() else platform.ROOT / src
    idle = {lab for lab in {scoring.lab_of(i.nodeid) for i in items}
            if starters.not_started(tree, lab)}
    for item in items:
        if scoring.lab_of(item.nodeid) in idle:
            item.kit_not_started = True
            item.add_marker(pytest.mark.skip(reason="not started: " + scoring.NOT_STARTED_WHY))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if not any(k == "points" for k, _ in rep.user_properties):
        rep.user_properties += [("points", scoring.points_of(item)),
                                ("title", scoring.title_of(item)),
                                ("lab", scoring.lab_of(item.nodeid)),
                                ("lab_title", scoring.lab_title(item)),
                                ("challenge", scoring.is_challenge(item)),
                                ("not_started", getattr(item, "kit_not_started", False)),
                                ("index", getattr(item, "kit_index", 0))]
    if not any(k == "build" for k, _ in rep.user_properties) and \
            getattr(item, "kit_build", None):
        rep.user_properties.append(("build", item.kit_build))
    setattr(item, "rep_" + rep.when, rep)
    if rep.when == "teardown" and getattr(item, "kit_calls", None):
        rep.kit_calls = item.kit_calls      # the report page's (gradelib.page.kept)
        rep.kit_expected = getattr(item, "kit_expected", None)
    seed = getattr(item, "kit_seed", None)
    if rep.failed and seed is not None and not any(k == "replay" for k, _ in
                                                   rep.user_properties):
        rep.user_properties.append(("replay", replay_line(item.nodeid, seed)))


def replay_line(nodeid, seed):
    """The one line a failure ends with: the test's seed, and the command that
    grades the test again with it."""
    lab = scoring.lab_of(nodeid)
    test = nodeid.rsplit("::", 1)[-1].split("[")[0]
    return (f"seed:     {seed} (replay: make grade LAB={lab} GRADE_ARGS='-k {test}' "
            f"KIT_SEED={seed})")


def pytest_runtest_logreport(report):
    board = getattr(_state.get("config"), "_kit_scoreboard", None)
    if board is not None:
        board.record(report)
        if any(key == reruns.NOTE for key, _ in report.user_properties):
            _state.setdefault("again", []).append(report)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    """Under Wine, a test that Wine's own server broke runs again, once (gradelib.reruns)."""
    if not platform.UNDER_WINE:
        return None
    return reruns.protocol(item, nextitem, platform.server_failures, platform.restart_server)


_state = {}


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    board = getattr(config, "_kit_scoreboard", None)
    if board is not None and board.entries:
        board.summary(terminalreporter.write_line)
    for line in reruns.summary(_state.get("again", [])):
        terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def seed(request):
    """The test's seed: the grader's random payloads and every fault the layer
    injects come from it. KIT_SEED=N in the environment replays a test."""
    given = os.environ.get("KIT_SEED", "").strip()
    if given and not given.isdigit():
        pytest.exit(f"grader: KIT_SEED='{given}' is not a decimal number", returncode=4)
    value = int(given) if given else random.SystemRandom().randrange(1, 2 ** 32)
    request.node.kit_seed = value
    random.seed(value)      # the tests that draw from the random module itself
    return value


@pytest.fixture
def rng(seed):
    """The test's random numbers, from its seed."""
    return random.Random(seed)


@pytest.fixture(autouse=True)
def transcript(request, seed):
    """Every process a test starts is recorded here and ended when the test ends; a
    failed test's transcript is kept under build/grade/transcripts/."""
    record = Transcript()
    record.note(f"# {request.node.nodeid} (target {platform.TARGET}, {OUT})")
    record.note(f"# {replay_line(request.node.nodeid, seed)}".replace("seed:     ", "seed "))
    yield record
    record.stop_all()
    platform.boundary.test_ended(platform.boundary.current())
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        path = scoring.transcript_path(request.node.nodeid)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(record.text() + "\n# failure\n" + scoring.failure_text(rep) + "\n",
                        encoding="utf-8", errors="replace")
        request.node.kit_calls = page.kept(record.processes)
        request.node.kit_expected = expected_of(request.node)


# The tree the current test runs programs from: the build with the sanitizers where
# there is one (gradelib.build.sanitizing), the plain build otherwise.
_tree = {"out": OUT, "env": None, "lab": "", "sanitized": False}


@pytest.fixture(autouse=True)
def tree(request, transcript):
    sanitizing = build.sanitizing(SANITIZED_OUT)
    _tree.update(out=SANITIZED_OUT if sanitizing else OUT, sanitized=sanitizing,
                 lab=scoring.lab_of(request.node.nodeid),
                 env=build.SANITIZER_ENV if sanitizing else None)
    request.node.kit_build = "sanitized" if sanitizing else "plain"
    transcript.note(f"# programs: {build.described(_tree['out'], sanitizing)}")
    yield _tree
    _tree.update(out=OUT, env=None, sanitized=False)


# The current test's time (gradelib.budget): its lab's count, and its watchdog.
_clock = {"lab": None, "watchdog": None}


@pytest.fixture(autouse=True)
def clock(request, transcript):
    """The test's time (gradelib.budget): a watchdog that stops the test's programs
    when it runs out (sooner once the test runs a program that has hung), and the
    test's seconds and the programs it ran counted in its lab's count, which all of
    the run's workers share."""
    lab = budget.Lab(WORK, scoring.lab_of(request.node.nodeid))
    seconds, why = lab.verdict()
    request.node.kit_time = (seconds, why)
    started = time.monotonic()
    watchdog = budget.Watchdog(transcript.processes, seconds, lab, ran) if seconds else None
    _clock.update(lab=lab, watchdog=watchdog)
    yield watchdog
    _clock.update(lab=None, watchdog=None)
    if watchdog is not None:
        watchdog.stop()
    rep = getattr(request.node, "rep_call", None)
    lab.add(time.monotonic() - started, rep is not None and rep.failed,
            scoring.title_of(request.node), [ran(p) for p in transcript.processes])


def expected_of(item):
    """ITEM's expected sequence (gradelib.page.expected), or None: a marker that does
    not read is the kit's mistake, which a kit test finds, and costs no grade."""
    try:
        return page.expected(item.get_closest_marker("expected"))
    except ValueError:
        return None


def ran(proc):
    """The program PROC ran, as the lab's count knows it: its name, or for a unit-test
    program its name and case (each case a test of its own: one that hangs says
    nothing of the others)."""
    words = platform.typed_command(proc.argv).split(" ")
    return " ".join(words[:2]) if words[0].endswith("_units") else words[0]


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Runs the test, unless its lab's time is up (gradelib.budget); then fails it with
    the first memory error one of its programs stopped at (gradelib.memory), whatever
    the test itself saw, so that the line a sanitizer's report happened in fails, in
    the student's terms; or, when the test's time ran out, says so."""
    funcargs = pyfuncitem.funcargs
    args = {name: funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    record = funcargs.get("transcript")
    watchdog = funcargs.get("clock")
    seconds, why = getattr(pyfuncitem, "kit_time", (budget.TEST_SECONDS, None))
    if seconds is None:
        raise expect.Failure(f"not run: {why}", hint=budget.UNRUN_HINT)
    try:
        pyfuncitem.obj(**args)
    except (pytest.skip.Exception, pytest.xfail.Exception, pytest.exit.Exception,
            KeyboardInterrupt):
        raise
    except Exception as seen:
        if record is not None:
            memory.check(record.processes, seen)
        if watchdog is not None and watchdog.fired:
            raise budget.ran_out(watchdog, seen) from seen
        raise
    if record is not None:
        memory.check(record.processes)
    return True


@pytest.mark.points(build.BUILD_POINTS)
def lab_builds():
    """the lab's programs and unit tests build from its sources, without warnings"""
    status = build.Status(OUT, _tree["lab"])
    if status.ok is None:
        pytest.xfail(build.NO_STATUS)
    if not status.ok:
        errors = build.first_errors(status.log)
        # A later lab links functions of earlier ones (its README says which).
        earlier = sorted(set(re.findall(r"\b(\d\d)-[\w-]+/[\w.]+:\d+", errors)) -
                         {_tree["lab"]})
        raise expect.Failure(f"{status.name} did not build: the compiler's first errors",
                             got=errors,
                             hint=(f"The errors are in lab {', '.join(earlier)}, whose "
                                   "functions this lab links: fix them there. "
                                   if earlier else "") +
                                  "Fix the first error first: the next ones often follow "
                                  f"from it. 'make lab-{status.name}' shows them all, and "
                                  f"{scoring.shown(status.log_path)} keeps them. The "
                                  "programs that did not build are not graded.")
    twin = build.Status(SANITIZED_OUT, _tree["lab"]) if _tree["sanitized"] else None
    if twin is not None and twin.ok is False:
        raise expect.Failure(f"{status.name} builds, but not with the sanitizers: the "
                             "compiler's first errors", got=build.first_errors(twin.log),
                             hint="The sanitizers' build (-fsanitize=address,undefined) "
                                  "warns about more: fix these as any other warning. "
                                  f"'make SANITIZE=1 lab-{status.name}' shows them all. "
                                  "Until then the lab's behaviours run in the plain build.")


@pytest.fixture
def workdir(request):
    """A clean working directory for the programs of one test, under build/grade/."""
    path = WORK / scoring.file_name(request.node.nodeid)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    platform.boundary.grader_started(platform.boundary.current(), scoring.GRADE_DIR, WORK,
                                     Path(__file__).parent / "hidden")
    return path


def program(name):
    """The student's built program NAME, or a failure saying it did not build. From
    the build with the sanitizers where the test runs it; from the plain build where
    that one has no such program (its build failed: the build line says so)."""
    timed(name)
    path = platform.program_path(_tree["out"], name)
    if _tree["sanitized"] and not path.exists():
        path = platform.program_path(OUT, name)
    status = build.Status(OUT, _tree["lab"]) if not path.exists() else None
    if status is not None and status.ok is False:
        # Short: the lab's build line shows the errors.
        raise expect.Failure(f"{name} was not built: {status.name} did not compile",
                             hint="Fix the compiler's errors first: the line 'the lab's "
                                  "programs and unit tests build' shows them.")
    if not path.exists():
        raise expect.Failure(f"{name} was not built",
                             expected=scoring.shown(path),
                             got="no such file",
                             hint="Run 'make' and fix the compiler's errors first.")
    return path


def timed(name):
    """A program that has hung before (gradelib.budget): the test gets less time, or,
    once the tests in which it hung have taken its lab's time for it, does not run it."""
    lab, watchdog = _clock["lab"], _clock["watchdog"]
    if lab is None:
        return
    seconds, why = lab.program(name)
    if seconds is None:
        raise expect.Failure(f"not run: {why}", hint=budget.UNRUN_HINT)
    if why and watchdog is not None:
        watchdog.shorten(seconds, why)


@pytest.fixture
def launch(request, transcript, workdir, seed):
    """launch(NAME, ARGS, timeout, stdin, faults, refuser, env, merged, unread_stdout)
    starts a program with its own call record (calls-N.txt in the work directory), the
    test's seed, and the faults of the test's faults marker (or FAULTS, when given); ENV
    adds variables; MERGED puts its stderr into its stdout; UNREAD_STDOUT makes its
    stdout a pipe no one reads, where every write fails (gradelib.proc)."""
    marker = request.node.get_closest_marker("faults")
    marked = marker.args if marker else ()
    numbers = itertools.count(1)

    def launch_program(name, args, timeout, stdin, faults=None, refuser=None, env=None,
                       merged=False, unread_stdout=False):
        path = workdir / f"calls-{next(numbers)}.txt"
        environment = dict(_tree["env"] or {},
                           **calls.environment(path, seed, marked if faults is None
                                               else faults, refuser), **(env or {}))
        return Process(program(name), args, cwd=workdir, stdin=stdin, timeout=timeout,
                       transcript=transcript, env=environment, calls=path, merged=merged,
                       unread_stdout=unread_stdout)
    return launch_program


@pytest.fixture
def run(launch):
    """run(NAME, *ARGS, timeout=10, stdin=b"", faults=None, refuser=None, env=None,
    merged=False, unread_stdout=False) runs a program to its end (MERGED: its stderr
    into its stdout, in the order written; UNREAD_STDOUT: its stdout a pipe no one
    reads)."""
    def run_program(name, *args, timeout=10.0, stdin=b"", faults=None, refuser=None,
                    env=None, merged=False, unread_stdout=False):
        return launch(name, args, timeout, stdin, faults, refuser, env, merged,
                      unread_stdout).wait()
    return run_program


@pytest.fixture
def start(launch):
    """start(NAME, *ARGS, faults=None, refuser=None) starts a program and returns its
    Process; it is stopped when the test ends."""
    def start_program(name, *args, timeout=30.0, stdin=b"", faults=None, refuser=None):
        return launch(name, args, timeout, stdin, faults, refuser)
    return start_program


def run_units(run, workdir, binary, case=None, timeout=20.0):
    """Runs unit-test program BINARY (one CASE, or all): its Result, and what its
    report says is wrong (gradelib.units), or None."""
    ask = units.Request(workdir, case)
    result = run(binary, *([case] if case else []), timeout=timeout, env=ask.environment())
    return result, ask.problem(units.expected(units.source_of(binary)))


@pytest.fixture
def unit(run, workdir):
    """unit(BINARY, CASE, hint) runs one test case of a Check test program of the
    student's functions; it fails with Check's own messages, or with what is wrong
    with the program's report of its tests (gradelib.units)."""
    def run_case(binary, case, hint, timeout=20.0):
        result, problem = run_units(run, workdir, binary, case, timeout)
        if result.returncode == 0 and not result.timed_out and problem is None:
            return
        failures = [line.split(":", 4)[-1].strip() for line in result.lines
                    if f":{case}:" in line]
        if result.timed_out or result.crash:
            what = f"the unit tests of '{case}' did not finish: {result.ended()}"
        elif result.returncode == 0:
            what = f"{problem} ({result.ended()})"
        else:
            what = f"unit tests of '{case}' failed"
        raise expect.Failure(what, got="\n".join(failures) or None,
                             hint=expect.diagnose(result) if result.crash or
                             result.timed_out else hint, result=None)
    return run_case
