"""A unit-test program's verdict, from the report it writes, not from its exit status
alone: the student's code runs in the same process, and an exit(0) of its own (in a
constructor, say) would otherwise pass every test of the program.

The program (tests/unit/unit.c) writes, after its tests have run, one line per test
result, one per test that returned (Check counts a test whose process exits with 0
as passed, wherever the exit comes from), and one with their count to the file KIT_UNIT_REPORT names, each line led by
the secret KIT_UNIT_SECRET holds, fresh for each run. The grader counts each case's
tests in the test's own source (tests/unit/labNN_test.c: its tcase_add_test calls), so
a report with fewer results, another secret, or none at all is a failure.
"""
import re
import secrets
from pathlib import Path

from . import platform

CASE = re.compile(r'tcase_create\(\s*"([^"]+)"\s*\)')
# What the grader reads of a report: a line per test, and a few more.
REPORT_LIMIT = 1 << 20
TEST = re.compile(r"\btcase_add_(?:test|loop_test|exit_test|test_raise_signal)\s*\(")


def source_of(binary, root=None):
    """The test source of unit-test program BINARY (lab03_units: tests/unit/lab03_test.c)."""
    name = binary.removesuffix("_units")
    return Path(root or platform.ROOT) / "tests" / "unit" / f"{name}_test.c"


def expected(source):
    """{case name: number of tests} of a Check test source."""
    counts, case = {}, None
    text = Path(source).read_text(encoding="utf-8", errors="replace")
    for m in re.finditer(f"{CASE.pattern}|{TEST.pattern}", text):
        if m.group(1) is not None:
            case = m.group(1)
            counts.setdefault(case, 0)
        elif case is not None:
            counts[case] += 1
    return counts


class Request:
    """One run's report: where it goes and the secret it must carry."""

    def __init__(self, workdir, case=None):
        self.path = Path(workdir) / f"unit-report-{case or 'all'}-{secrets.token_hex(4)}.txt"
        self.secret = secrets.token_hex(16)
        self.case = case

    def environment(self):
        return {"KIT_UNIT_REPORT": platform.program_file(self.path),
                "KIT_UNIT_SECRET": self.secret}

    def problem(self, counts):
        """None when the report shows COUNTS ({case: tests}) run and passed, each case
        exactly its tests; else what is wrong, in words."""
        try:
            lines = platform.read_left(self.path, REPORT_LIMIT).decode(
                "ascii", errors="replace").splitlines()
        except OSError:
            return ("the unit-test program wrote no report of its tests: it ended "
                    "before they had run")
        results, reached, ended = {}, 0, None
        for line in lines:
            words = line.split()
            if not words or words[0] != self.secret:
                return "the unit-test program's report is not the grader's: a line of it " \
                       "was written by someone else"
            if len(words) == 4 and words[1] == "result":
                results.setdefault(words[2], []).append(words[3])
            elif len(words) == 3 and words[1] == "reached":
                reached += 1
            elif len(words) == 3 and words[1] == "end" and words[2].isdigit():
                ended = int(words[2])
            else:
                return f"the unit-test program's report has a line the grader cannot read: {line[:80]!r}"
        wanted = {c: n for c, n in counts.items() if self.case in (None, c)}
        total = sum(len(r) for r in results.values())
        if ended is None or ended != total:
            return "the unit-test program's report was cut short"
        for case, n in wanted.items():
            got = results.get(case, [])
            if len(got) != n:
                return (f"the unit tests of '{case}' reported {len(got)} results of "
                        f"{n} tests")
        extra = set(results) - set(wanted)
        if extra:
            return f"the unit-test program reported cases the grader did not ask for: " \
                   f"{', '.join(sorted(extra))}"
        # Each test that returned says so with its own name (unit.h's START_TEST): no
        # more tests passed than returned.
        if sum(r.count("pass") for r in results.values()) > reached:
            return ("a unit test passed without reaching its end: the code under test "
                    "ended the test's process (an exit) inside it")
        failed = {c for c, r in results.items() if any(w != "pass" for w in r)}
        if failed:
            return f"unit tests of {', '.join(sorted(failed))} failed"
        return None
