"""The grader: pytest fixtures for running the student's programs, and the scoring
that turns test outcomes into points (gradelib.report)."""
import atexit
import functools
import itertools
import os
import random
import re
import shutil
import signal
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gradelib import (build, calls, expect, models, platform, safety, starters,  # noqa: E402
                     units)
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
                                       "of the reference under valgrind, and the grader "
                                       "in the build with the sanitizers")
    config.addinivalue_line("markers", "sanitized: runs the programs of the build with "
                                       "the sanitizers")
    config.addinivalue_line("markers", "challenge: a lab's optional challenge; its points are "
                                       "a bonus, shown apart from the lab's score")
    config.addinivalue_line("markers", "faults(*names): the faults the layer injects into "
                                       "every program of the test (gradelib.calls.FAULTS)")
    config.option.tbstyle = "no"
    config.option.reportchars = ""
    if config.pluginmanager.hasplugin("timeout") and not config.getoption("timeout", None):
        config.option.timeout = TEST_TIMEOUT
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
    """Each lab's file gets the lines every lab has: its build, and its unit tests and
    memcheck behaviours again in the build with the sanitizers."""
    if not isinstance(collector, pytest.Module) or not LAB_FILE.match(collector.path.name) \
            or collector.path.parent != Path(__file__).parent:     # not grader/hidden/
        return
    try:
        module = collector.obj
    except Exception:           # its collection reports the error
        return
    module.test_builds = lab_builds
    if hasattr(module, "UNITS"):
        module.test_units_sanitized = lab_units_sanitized
    for name, function in list(vars(module).items()):
        marks = getattr(function, "pytestmark", [])
        if name.startswith("test_") and any(m.name == "memcheck" for m in marks):
            setattr(module, name + "_sanitized", sanitized(function))


def sanitized(function):
    """A memcheck behaviour, again, with the programs of the build with the sanitizers."""
    @functools.wraps(function)
    def behaviour(**fixtures):
        return function(**fixtures)
    title = (function.__doc__ or function.__name__).strip().splitlines()[0]
    behaviour.__doc__ = f"{title}, built with ASan and UBSan"
    behaviour.__name__ = behaviour.__qualname__ = function.__name__ + "_sanitized"
    behaviour.pytestmark = [m for m in function.pytestmark
                            if m.name not in ("points", "memcheck")] + [
        pytest.mark.points(build.SANITIZED_POINTS).mark, pytest.mark.sanitized.mark]
    return behaviour


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
    setattr(item, "rep_" + rep.when, rep)
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


_state = {}


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    board = getattr(config, "_kit_scoreboard", None)
    if board is not None and board.entries:
        board.summary(terminalreporter.write_line)


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


# The tree the current test runs programs from: the plain build, or the build with the
# sanitizers for a line marked sanitized.
_tree = {"out": OUT, "env": None, "lab": "", "what": ""}


@pytest.fixture(autouse=True)
def tree(request):
    sanitizing = request.node.get_closest_marker("sanitized") is not None
    if sanitizing and not build.SANITIZERS:
        pytest.xfail(build.NO_SANITIZERS)
    if sanitizing and SANITIZED_OUT is None:
        pytest.xfail(build.NO_SANITIZED_BUILD)
    _tree.update(out=SANITIZED_OUT if sanitizing else OUT, lab=scoring.lab_of(request.node.nodeid),
                 env=build.SANITIZER_ENV if sanitizing else None,
                 what=" with the sanitizers" if sanitizing else "")
    yield _tree
    _tree.update(out=OUT, env=None, what="")


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


@pytest.mark.points(build.SANITIZED_POINTS)
@pytest.mark.sanitized
def lab_units_sanitized(request, run, workdir):
    """the unit tests, built with ASan and UBSan"""
    result, problem = run_units(run, workdir, request.module.UNITS, timeout=60.0)
    if result.returncode == 0 and not result.timed_out and problem is None:
        return
    failures = [line.split(":", 4)[-1].strip() for line in result.lines
                if re.search(r":\d+:[FE]:", line)] + [result.crash or ""]
    if result.returncode == 0 and not result.timed_out:
        failures.append(problem)
    # The sanitizer's report is on stderr, which the message shows.
    raise expect.Failure("the unit tests failed in the build with the sanitizers",
                         got="\n".join(f for f in failures if f).strip() or None,
                         result=result,
                         hint="The lines above without sanitizers say more: fix those first.")


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
    """The student's built program NAME, or a failure saying it did not build."""
    path = platform.program_path(_tree["out"], name)
    status = build.Status(_tree["out"], _tree["lab"]) if not path.exists() else None
    if status is not None and status.ok is False:
        # Short: the lab's build line shows the errors (the sanitizers' build has none).
        raise expect.Failure(f"{name} was not built{_tree['what']}: {status.name} "
                             "did not compile", got=build.first_errors(status.log, 2)
                             if _tree["what"] else None,
                             hint="Fix the compiler's errors first: the line 'the lab's "
                                  "programs and unit tests build' shows them.")
    if not path.exists():
        raise expect.Failure(f"{name} was not built",
                             expected=scoring.shown(path),
                             got="no such file",
                             hint="Run 'make' and fix the compiler's errors first.")
    return path


@pytest.fixture
def launch(request, transcript, workdir, seed):
    """launch(NAME, ARGS, timeout, stdin, faults, refuser, env) starts a program with
    its own call record (calls-N.txt in the work directory), the test's seed, and the
    faults of the test's faults marker (or FAULTS, when given); ENV adds variables."""
    marker = request.node.get_closest_marker("faults")
    marked = marker.args if marker else ()
    numbers = itertools.count(1)

    def launch_program(name, args, timeout, stdin, faults=None, refuser=None, env=None):
        path = workdir / f"calls-{next(numbers)}.txt"
        environment = dict(_tree["env"] or {},
                           **calls.environment(path, seed, marked if faults is None
                                               else faults, refuser), **(env or {}))
        return Process(program(name), args, cwd=workdir, stdin=stdin, timeout=timeout,
                       transcript=transcript, env=environment, calls=path)
    return launch_program


@pytest.fixture
def run(launch):
    """run(NAME, *ARGS, timeout=10, stdin=b"", faults=None, refuser=None, env=None) runs
    a program to its end."""
    def run_program(name, *args, timeout=10.0, stdin=b"", faults=None, refuser=None,
                    env=None):
        return launch(name, args, timeout, stdin, faults, refuser, env).wait()
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
