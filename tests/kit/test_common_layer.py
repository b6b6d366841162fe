"""The Check tests of labs/common, one test case at a time."""
import pytest

from conftest import BUILD, ROOT
from gradelib import platform
from gradelib.proc import Process

UNITS = platform.program_path(BUILD / "tests", "common_units")
CASES = {"Startup": None, "ResolverNeedsStartup": "resolver-needs-startup",
         "Sockets": None, "Options": None, "Reset": "reset-read-as-eof",
         "Datagrams": None, "Unreachable": "udp-unreachable-unreported", "Errors": None}


def test_every_case_is_listed():
    source = (ROOT / "tests" / "unit" / "common_test.c").read_text()
    import re
    assert set(re.findall(r'tcase_create\("(\w+)"\)', source)) == set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_common_layer(case, request, tmp_path):
    if CASES[case]:
        platform.wine_differs(request, CASES[case])
    result = Process(UNITS, [case], cwd=tmp_path, timeout=30).wait()
    assert result.returncode == 0 and not result.timed_out, \
        f"{result.ended()}\n{result.text}{result.errors}"
