"""The pytest plugin of mutation.py (make mutation): loaded into the grader with
`-p mutation_plugin`, it reports what mutation.py needs and changes no verdict.

- KIT_MUTATION_COLLECT=FILE: the tests collected, as JSON: each one's node id.
- KIT_MUTATION_LOG=FILE: one JSON line per phase of each test (node id, phase,
  outcome, seconds, and whether it was an expected failure: a line not graded here).
- KIT_MUTATION_STOP=1: the run stops after the first test that fails (or is skipped):
  the mutant is killed, and the rest need not run.
- KIT_MUTATION_GCOV=DIR: each test's programs write their coverage (gcc --coverage)
  under DIR/KEY, KEY being test_key(node id): GCOV_PREFIX is set before each test, and
  the grader passes it on to the programs (KIT_PASS_ENV names it).
"""
import hashlib
import json
import os

import pytest

_state = {}


def test_key(nodeid):
    """The folder name of a test's coverage: short, and the same on every run."""
    return hashlib.sha1(nodeid.encode()).hexdigest()[:16]


def _controller(config):
    """Whether this process sees every test's report (pytest-xdist's controller, or a
    run without workers)."""
    return not hasattr(config, "workerinput")


def pytest_sessionstart(session):
    _state["session"] = session


def pytest_collection_finish(session):
    # Where the tests run: in pytest-xdist's workers (each collects them all, and
    # writes the same list) or in the one process without them.
    path = os.environ.get("KIT_MUTATION_COLLECT")
    if not path or not session.items:
        return
    tests = [{"nodeid": item.nodeid} for item in session.items]
    temporary = f"{path}.{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as f:
        json.dump(tests, f, indent=1)
    os.replace(temporary, path)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    root = os.environ.get("KIT_MUTATION_GCOV")
    if root:
        os.environ["GCOV_PREFIX"] = os.path.join(root, test_key(item.nodeid))


def pytest_runtest_logreport(report):
    session = _state.get("session")
    path = os.environ.get("KIT_MUTATION_LOG")
    if session is None or not path or not _controller(session.config):
        return
    expected = getattr(report, "wasxfail", None) is not None
    line = {"nodeid": report.nodeid, "when": report.when, "outcome": report.outcome,
            "seconds": round(report.duration, 3), "xfail": expected}
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(line) + "\n")
    failed = report.failed or (report.skipped and report.when != "teardown")
    if failed and not expected and os.environ.get("KIT_MUTATION_STOP") == "1":
        session.shouldstop = f"{report.nodeid} failed"
