"""The Check tests of labs/common, one test case at a time; the call record of a
program that makes a million calls."""
import pytest

from conftest import BUILD, ROOT
from gradelib import calls, platform
from gradelib.proc import Process

UNITS = platform.program_path(BUILD / "tests", "common_units")
CASES = {"Startup": None, "ResolverNeedsStartup": "resolver-needs-startup",
         "Sockets": None, "Options": None, "Reset": "reset-read-as-eof",
         "Datagrams": None, "Unreachable": "udp-unreachable-unreported",
         "ShortAddresses": None, "Record": None, "Errors": None}
# The Record case runs with a record and these faults.
RECORD_FAULTS = ("short-send", "short-recv")
FLOOD = platform.program_path(BUILD / "tests", "calls_flood")
# The record's bound (RECORD_LIMIT in labs/common/calls.c).
RECORD_LIMIT = 20000


def test_every_case_is_listed():
    source = (ROOT / "tests" / "unit" / "common_test.c").read_text()
    import re
    assert set(re.findall(r'tcase_create\("(\w+)"\)', source)) == set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_common_layer(case, request, tmp_path):
    if CASES[case]:
        platform.wine_differs(request, CASES[case])
    result = Process(UNITS, [case], cwd=tmp_path, timeout=30,
                     env=case_env(case, tmp_path)).wait()
    assert result.returncode == 0 and not result.timed_out, \
        f"{result.ended()}\n{result.text}{result.errors}"


def case_env(case, tmp_path):
    """The variables a case runs with: the Record case's record and faults."""
    if case != "Record":
        return {}
    return calls.environment(tmp_path / "calls.txt", 42, RECORD_FAULTS)


def record_of_case(tmp_path, seed):
    path = tmp_path / f"calls-{seed}.txt"
    path.unlink(missing_ok=True)
    env = calls.environment(path, seed, RECORD_FAULTS)
    result = Process(UNITS, ["Record"], cwd=tmp_path, timeout=30, env=env).wait()
    assert result.returncode == 0, f"{result.ended()}\n{result.text}{result.errors}"
    return calls.read(path)


def test_same_seed_same_faults(tmp_path):
    """A program's fault decisions depend only on the seed and its calls."""
    def faults(record):
        return [(c.name, c.args[1:], c.result, c.fault) for c in record.faults()]
    first = record_of_case(tmp_path, 1234)
    again = record_of_case(tmp_path, 1234)
    assert faults(first) and faults(first) == faults(again)


def test_record_is_bounded(tmp_path):
    """A million calls: the record keeps its first RECORD_LIMIT lines, then says how
    many it did not record, and how the program ended."""
    path = tmp_path / "calls.txt"
    env = calls.environment(path, 1)
    result = Process(FLOOD, [], cwd=tmp_path, timeout=60, env=env, calls=path).wait()
    assert result.returncode == 0 and not result.timed_out, result.ended()
    record = result.calls
    assert len(record.lines) == RECORD_LIMIT + 2
    assert record.unrecorded == 1000001 - RECORD_LIMIT     # and the WSACleanup
    assert record.exit == {"open": [], "startups": 1, "failed": 0, "cleanups": 1}
