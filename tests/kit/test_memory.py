"""Memory and undefined behaviour. The reference solutions and labs/common, built
with AddressSanitizer and UndefinedBehaviorSanitizer (make test builds them into
build/native/asan/), score full marks with no report; the behaviours each grader
file marks @pytest.mark.memcheck pass under valgrind; and the memory mutants in
tests/kit/memory/ (which the plain build survives) are caught by what their
Found-by: line names. Native Linux and macOS only: MinGW has no sanitizers, and
valgrind does not run Windows programs."""
import re
import shutil
import sys

import pytest

from conftest import BUILD, ROOT, TARGET, build_patched, grade, patch_fields
from gradelib import platform
from gradelib.proc import Process
from test_common_layer import CASES, case_env

MEMORY = sorted((ROOT / "tests" / "kit" / "memory").glob("*.patch"))
SANITIZED = BUILD / "asan"
EXIT = platform.MEMORY_ERROR_EXIT
# A report ends the program with EXIT, whatever the program was doing.
# LeakSanitizer runs on Linux only (macOS's refuses detect_leaks).
LEAKS = int(sys.platform.startswith("linux"))
SANITIZER_ENV = {
    "ASAN_OPTIONS": f"halt_on_error=1:exitcode={EXIT}:detect_leaks={LEAKS}:abort_on_error=0",
    "UBSAN_OPTIONS": f"halt_on_error=1:exitcode={EXIT}:print_stacktrace=1",
    "KIT_PASS_ENV": "ASAN_OPTIONS UBSAN_OPTIONS",
}
MEMCHECK_ENV = {
    "KIT_WRAPPER": f"valgrind -q --error-exitcode={EXIT} --leak-check=full "
                   "--errors-for-leak-kinds=definite --show-leak-kinds=definite",
}
ON_WINDOWS_HOST = sys.platform == "win32" or sys.platform == "cygwin"

sanitizers = pytest.mark.skipif(TARGET != "native" or ON_WINDOWS_HOST,
                                reason="MinGW has no sanitizers")
memcheck = pytest.mark.skipif(TARGET != "native" or not sys.platform.startswith("linux"),
                              reason="valgrind runs native Linux programs")


@sanitizers
def test_reference_under_sanitizers(tmp_path):
    graded = grade(SANITIZED / "solutions", tmp_path, env=SANITIZER_ENV)
    results = graded.results
    assert results["max_score"] > 0
    assert results["score"] == results["max_score"], graded.output
    assert "Sanitizer" not in graded.output


@sanitizers
@pytest.mark.parametrize("case", CASES)
def test_common_layer_under_sanitizers(case, tmp_path):
    units = platform.program_path(SANITIZED / "tests", "common_units")
    env = {k: v for k, v in SANITIZER_ENV.items() if k != "KIT_PASS_ENV"}
    env.update(case_env(case, tmp_path))
    result = Process(units, [case], cwd=tmp_path, env=env, timeout=60).wait()
    assert result.returncode == 0 and not result.timed_out, \
        f"{result.ended()}\n{result.text}{result.errors}"
    assert "Sanitizer" not in result.errors and "runtime error" not in result.errors


def memcheck_tests(path):
    """The tests of a grader file marked @pytest.mark.memcheck."""
    return re.findall(r"@pytest\.mark\.memcheck\n(?:@.*\n)*def (test_\w+)", path.read_text())


def test_every_lab_names_a_memcheck_test():
    for path in sorted((ROOT / "grader").glob("test_lab*_*.py")):
        assert memcheck_tests(path), \
            f"{path.name}: mark at least one behaviour test @pytest.mark.memcheck"


@memcheck
def test_reference_under_valgrind(tmp_path):
    if not shutil.which("valgrind"):
        pytest.fail("valgrind is missing: run 'make setup'")
    graded = grade(BUILD / "solutions", tmp_path, env=MEMCHECK_ENV, options=["-m", "memcheck"])
    tests = graded.results["tests"]
    named = sum(len(memcheck_tests(p)) for p in (ROOT / "grader").glob("test_lab*_*.py"))
    assert len(tests) == named, graded.output
    assert all(t["status"] == "passed" for t in tests), graded.output


def test_every_memory_mutant_says_how_it_is_found():
    assert MEMORY
    for patch in MEMORY:
        fields = patch_fields(patch)
        assert fields.get("Memory") and fields.get("Caught-by"), patch.name
        for finder in fields["Found-by"][0].split():
            assert finder in ("sanitizers", "valgrind"), patch.name
            assert fields.get(f"Says-{finder}"), patch.name


def found_by(finder):
    return [p for p in MEMORY if finder in patch_fields(p)["Found-by"][0].split()]


def check_caught(graded, fields, finder):
    caught_by = fields["Caught-by"][0]
    entry = graded.test(caught_by.split("::")[-1])
    assert entry["status"] == "failed", f"{finder} missed it:\n{graded.output}"
    for phrase in fields[f"Says-{finder}"]:
        assert phrase in entry["output"], entry["output"]
    assert "hint:" in entry["output"], entry["output"]


@sanitizers
@pytest.mark.parametrize("patch", MEMORY, ids=lambda p: p.stem)
def test_plain_build_misses_memory_mutant(patch, tmp_path):
    """What the sanitizers and valgrind add: the plain grader passes each of these."""
    caught_by = patch_fields(patch)["Caught-by"][0]
    graded = grade(build_patched("memory", patch), tmp_path, caught_by)
    assert graded.test(caught_by.split("::")[-1])["status"] == "passed", graded.output


@sanitizers
@pytest.mark.parametrize("patch", found_by("sanitizers"), ids=lambda p: p.stem)
def test_sanitizers_catch_memory_mutant(patch, tmp_path):
    fields = patch_fields(patch)
    if not LEAKS and "LeakSanitizer" in " ".join(fields["Says-sanitizers"]):
        pytest.skip("LeakSanitizer runs on Linux only")
    out = build_patched("memory", patch, sanitize=True)
    graded = grade(out, tmp_path, fields["Caught-by"][0], env=SANITIZER_ENV)
    check_caught(graded, fields, "sanitizers")


@memcheck
@pytest.mark.parametrize("patch", found_by("valgrind"), ids=lambda p: p.stem)
def test_valgrind_catches_memory_mutant(patch, tmp_path):
    fields = patch_fields(patch)
    graded = grade(build_patched("memory", patch), tmp_path, fields["Caught-by"][0],
                   env=MEMCHECK_ENV)
    check_caught(graded, fields, "valgrind")
