"""make mutation (grader/course/mutation.py) on a small fixed sample of lab 01's mutants,
chosen by what they change, not by line, so that an edit of the reference elsewhere
keeps the sample: a mutant the challenge's test kills (the only test that runs its
function), one listed as equivalent in tests/mutants/lab01/equivalent.txt, one that
does not compile (left out of the score), and one a unit test kills. Then a list of
equivalents that names a mutant now killed and one that no longer exists, and bad
input, each with its message and exit code.

The analysis runs natively: it measures the tests, which are the same on every target,
with native programs and gcc's coverage; under TARGET=mingw the sample is skipped,
saying so (the native run of make test runs it), and the bad input is still checked."""
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, TARGET

TOOL = ROOT / "grader" / "course" / "mutation.py"
EQUIVALENTS = ROOT / "tests" / "mutants" / "lab01" / "equivalent.txt"
# The tests the sample runs (--tests, a pytest -k expression): those that kill or keep
# its mutants, so that the coverage is measured in seconds. test_resolve_raw_sanitized
# makes the equivalent mutant, which the other tests keep, built with the sanitizers too.
TESTS = "unit_versions or challenge_names or resolve_raw"
# The tool's exit codes (mutation.py): bad input, no C parser.
EXIT_USAGE = 2
EXIT_NO_PARSER = 4


def tool(*args, env=None, timeout=300):
    """Runs the tool natively (make test TARGET=mingw has TARGET=mingw in the
    environment, which the tool refuses) unless ENV says otherwise."""
    return subprocess.run([sys.executable, str(TOOL), *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "TARGET": "native", **(env or {})})


def mutants(work):
    """Lab 01's mutants, as the tool lists them ({id: entry}), or a skip without a C
    parser."""
    listed = tool("--lab", "01", "--list", "--work", work)
    if listed.returncode == EXIT_NO_PARSER:
        pytest.skip("Python's clang module (python3-clang) is not installed: "
                    f"{listed.stderr.strip().splitlines()[0]}")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    return {m["id"]: m for m in json.loads((work / "mutants.json").read_text())}


def one(found, file, function, operator, original, first=False):
    """The id of the one mutant of FILE's FUNCTION by OPERATOR whose edited text starts
    with ORIGINAL (FIRST: the first of them in the file)."""
    ids = sorted((i for i, m in found.items() if m["file"] == file and
                  m["function"] == function and m["operator"] == operator and
                  m["original"].startswith(original)), key=lambda i: found[i]["line"])
    assert len(ids) == 1 or (first and ids), f"{file} {function} {operator} {original!r}: {ids}"
    return ids[0]


def listed_equivalents():
    """The entries of lab 01's list of equivalent mutants: [(id, reason)]."""
    entries = []
    for line in EQUIVALENTS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith(("#", " ", "\t")):
            mutant, reason = line.split(None, 1)
            entries.append((mutant, reason.strip()))
        elif line.startswith((" ", "\t")) and line.strip() and entries:
            entries[-1] = (entries[-1][0], entries[-1][1] + " " + line.strip())
    return entries


native_only = pytest.mark.skipif(
    TARGET != "native" or sys.platform != "linux",
    reason="make mutation measures the tests with native programs and gcc's coverage on "
           "Linux; the tests are the same on every target, and the native run of make "
           "test runs this sample")


@native_only
def test_a_sample_of_lab_01(tmp_path):
    work = tmp_path / "work"
    found = mutants(work)
    # The challenge's test is the only one that runs print_name.
    killed = one(found, "resolve.c", "print_name", "del-call", "printf(")
    # The last return of a function that returns an int: the compiler refuses it.
    stillborn = one(found, "wsabasics.c", "parse_version", "del-stmt", "return 0")
    # compare_versions with the major versions compared the wrong way round.
    unit = one(found, "wsabasics.c", "compare_versions", "lt-to-ge", "<", first=True)
    # MAX_SEEN one larger: the list of equivalents says why.
    equivalent = one(found, "resolve.c", "", "const-plus1", "64")
    listed = dict(listed_equivalents())
    assert equivalent in listed, f"{equivalent} is not in {EQUIVALENTS.name}"
    reason = listed[equivalent]
    sample = [killed, stillborn, unit, equivalent]

    ran = tool("--lab", "01", "--jobs", "2", "--only", ",".join(sample), "--tests", TESTS,
               "--work", work)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    report = json.loads((work / "report.json").read_text())
    fate = {m["id"]: m for m in report["mutants"]}
    assert fate[killed]["status"] == "killed", fate[killed]
    assert fate[killed]["test"] == "grader/test_lab01_wsastartup.py::test_challenge_names"
    assert fate[stillborn]["status"] == "stillborn", fate[stillborn]
    assert "return" in fate[stillborn]["note"], fate[stillborn]["note"]
    assert fate[unit]["status"] == "killed", fate[unit]
    assert fate[equivalent]["equivalent"] == reason, fate[equivalent]
    assert fate[equivalent]["status"] == "survived", fate[equivalent]
    # Every test that reaches it ran, in the build with the sanitizers, as make grade's.
    assert "grader/test_lab01_wsastartup.py::test_resolve_raw" in \
        fate[equivalent]["tests"], fate[equivalent]
    # The stillborn and the equivalent mutants are left out of the score.
    counts = report["counts"]
    assert counts["stillborn"] == 1 and counts["equivalent"] == 1, counts
    assert report["killed"] == 2 and report["total"] == 2 and report["score"] == 100.0, report
    assert f"{killed}  by test_lab01_wsastartup.py::test_challenge_names" in ran.stdout
    assert "score        2/2 = 100.0%" in ran.stdout, ran.stdout
    assert (work / "report.txt").read_text().count("\n  ") >= len(sample)

    # A list that names a mutant now killed, and one that no longer exists. The
    # coverage of the run above is used again: nothing it depends on changed.
    listing = tmp_path / "equivalent.txt"
    listing.write_text(f"# a stale list\n{killed}  said to be equivalent\n"
                       "resolve.c:1:1:del-call  a mutant of an older reference\n")
    again = tool("--lab", "01", "--only", killed, "--equivalents", listing, "--tests", TESTS,
                 "--work", work)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "coverage of lab 01 is that of the last run" in again.stdout
    stale = json.loads((work / "report.json").read_text())["stale"]
    assert any(s.startswith(f"{killed} is listed as equivalent, and is now killed") for s in stale), stale
    assert any(s.startswith("resolve.c:1:1:del-call is listed as equivalent, and no longer exists")
               for s in stale), stale
    assert "no longer exists" in again.stdout and "is now killed" in again.stdout


def test_lab_is_required():
    ran = tool()
    assert ran.returncode == EXIT_USAGE
    assert ran.stderr.startswith("mutation: LAB is not given: make mutation LAB=NN (the "
                                 "labs are 01 02"), ran.stderr


def test_make_mutation_without_lab_says_so():
    ran = subprocess.run(["make", "--no-print-directory", "mutation", "TARGET=native"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 2, ran.stdout + ran.stderr
    assert "mutation: LAB is not given: make mutation LAB=NN" in ran.stderr


@pytest.mark.parametrize("lab", ["9", "xx", "001x"])
def test_no_such_lab(lab):
    ran = tool("--lab", lab)
    assert ran.returncode == EXIT_USAGE
    assert f"mutation: LAB={lab} is not a lab: the labs are 01 02" in ran.stderr, ran.stderr


def test_bad_jobs():
    ran = tool("--lab", "01", "--jobs", "two")
    assert ran.returncode == EXIT_USAGE and "JOBS=two is not a number of jobs" in ran.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="the analysis runs on Linux only")
def test_unknown_mutant(tmp_path):
    ran = tool("--lab", "01", "--only", "resolve.c:1:1:no-such-operator", "--work", tmp_path)
    if ran.returncode == EXIT_NO_PARSER:
        pytest.skip("Python's clang module (python3-clang) is not installed")
    assert ran.returncode == EXIT_USAGE, ran.stdout + ran.stderr
    assert "MUTANTS: resolve.c:1:1:no-such-operator is no mutant of lab 01" in ran.stderr


def test_a_malformed_list_of_equivalents(tmp_path):
    listing = tmp_path / "equivalent.txt"
    listing.write_text("wsabasics.c:12 no operator, no reason\n")
    ran = tool("--lab", "01", "--equivalents", listing, "--work", tmp_path)
    assert ran.returncode == EXIT_USAGE, ran.stdout + ran.stderr
    assert "equivalent.txt:1: expected 'FILE:LINE:COL:OPERATOR  reason'" in ran.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="the analysis runs on Linux only")
def test_no_libclang_says_how_to_install_it(tmp_path):
    ran = tool("--lab", "01", "--list", "--work", tmp_path,
               env={"KIT_LIBCLANG": str(tmp_path / "libclang.so")})
    assert ran.returncode == EXIT_NO_PARSER, ran.stdout + ran.stderr
    assert ran.stderr.startswith("mutation: no C parser: "), ran.stderr
    assert "sudo apt-get install python3-clang" in ran.stderr
    assert not (tmp_path / "mutants.json").exists()


def test_mingw_is_refused():
    ran = tool("--lab", "01", env={"TARGET": "mingw"})
    assert ran.returncode == EXIT_USAGE
    assert "runs natively" in ran.stderr, ran.stderr
