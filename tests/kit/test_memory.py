"""Memory and undefined behaviour. Natively on Linux and macOS the grader runs every
test in the build with AddressSanitizer and UndefinedBehaviorSanitizer (make test
builds the reference so, into build/native/asan/, and test_reference.py grades it
there); a tree without that build still grades, in the plain build, to the same
total. The behaviours each grader file marks @pytest.mark.memcheck pass under
valgrind, in the plain build. The memory mutants in tests/kit/memory/ (which the plain
build survives) are caught by what their Found-by: line names, by the line their
Caught-by: line names, in the student's terms; those with an Unreached-before: line
(one per lab) plant the error in a function that no line graded with the sanitizers
reached when only the unit tests and the memcheck behaviours ran there. Native Linux
and macOS only: MinGW has no sanitizers, and valgrind does not run Windows programs."""
import re
import shutil

import pytest

from conftest import BUILD, ROOT, TARGET, build_patched, grade, patch_fields
from gradelib import memory, platform
from gradelib.proc import Process
from test_common_layer import CASES, case_env

MEMORY = sorted((ROOT / "tests" / "kit" / "memory").glob("*.patch"))
SANITIZED = BUILD / "asan"
EXIT = platform.MEMORY_ERROR_EXIT
# A report ends the program with EXIT, whatever the program was doing.
# LeakSanitizer runs on Linux only (macOS's refuses detect_leaks).
LEAKS = int(platform.LEAK_CHECKS)
SANITIZER_ENV = {
    "ASAN_OPTIONS": f"halt_on_error=1:exitcode={EXIT}:detect_leaks={LEAKS}:abort_on_error=0",
    "UBSAN_OPTIONS": f"halt_on_error=1:exitcode={EXIT}:print_stacktrace=1",
    "KIT_PASS_ENV": "ASAN_OPTIONS UBSAN_OPTIONS",
}
MEMCHECK_ENV = {
    "KIT_WRAPPER": f"valgrind -q --error-exitcode={EXIT} --leak-check=full "
                   "--errors-for-leak-kinds=definite --show-leak-kinds=definite",
}
sanitizers = pytest.mark.skipif(not platform.SANITIZERS,
                                reason="MinGW has no sanitizers")
memcheck = pytest.mark.skipif(TARGET != "native" or not platform.ON_LINUX,
                              reason="valgrind runs native Linux programs")


@sanitizers
def test_a_tree_without_its_sanitized_build_grades_the_same(tmp_path):
    """The grader run alone, on a tree make grade did not build with the sanitizers:
    every line runs the plain build, to the same total and full marks."""
    lab = "test_lab03_tcp_server.py"
    twin = grade(BUILD / "solutions", tmp_path / "twin", lab)
    alone = grade(BUILD / "solutions", tmp_path / "alone", lab, env={"KIT_SANITIZED_OUT": ""})
    for graded, build in ((twin, "sanitized"), (alone, "plain")):
        results = graded.results
        assert results["score"] == results["max_score"] > 0, graded.report()
        assert {t["extra_data"].get("build") for t in results["tests"]} == {build}
    assert alone.results["max_score"] == twin.results["max_score"]


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


LABS = sorted(p.name.split("_")[1] for p in (ROOT / "grader").glob("test_lab*_*.py"))
UNREACHED = [p for p in MEMORY if "Unreached-before" in patch_fields(p)]


def test_every_lab_has_a_memory_error_no_sanitized_line_reached_before():
    planted = {p.name.split("-")[0] for p in UNREACHED}
    assert planted >= set(LABS), f"no Unreached-before: memory mutant for " \
        f"{', '.join(sorted(set(LABS) - planted))}"
    for patch in UNREACHED:
        lab = patch.name.split("-")[0]
        assert patch_fields(patch)["Caught-by"][0].startswith(f"test_{lab}_"), patch.name


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
    """Graded as make grade grades it: the line that reaches the error fails with the
    error, the function and the file of the student's code."""
    fields = patch_fields(patch)
    if not LEAKS and "LeakSanitizer" in " ".join(fields["Says-sanitizers"]):
        pytest.skip("LeakSanitizer runs on Linux only")
    out = build_patched("memory", patch, sanitize=True)
    graded = grade(out, tmp_path, fields["Caught-by"][0], env={"KIT_SANITIZED_OUT": str(out)})
    check_caught(graded, fields, "sanitizers")


@sanitizers
@pytest.mark.parametrize("patch", UNREACHED, ids=lambda p: p.stem)
def test_lines_sanitized_before_miss_it(patch, tmp_path):
    """The lines that ran in the sanitizers' build before every line did (the lab's
    unit tests and its memcheck behaviours) pass on the mutant built with the
    sanitizers: no sanitized line reached the function it breaks."""
    lab_file = patch_fields(patch)["Caught-by"][0].split("::")[0]
    named = memcheck_tests(ROOT / "grader" / lab_file)
    out = build_patched("memory", patch, sanitize=True)
    graded = grade(out, tmp_path, lab_file, env={"KIT_SANITIZED_OUT": str(out)},
                   options=["-k", " or ".join(["test_unit_", *named])])
    tests = graded.results["tests"]
    assert len(tests) > len(named), graded.output
    assert all(t["status"] == "passed" for t in tests), graded.report()


@memcheck
@pytest.mark.parametrize("patch", found_by("valgrind"), ids=lambda p: p.stem)
def test_valgrind_catches_memory_mutant(patch, tmp_path):
    fields = patch_fields(patch)
    graded = grade(build_patched("memory", patch), tmp_path, fields["Caught-by"][0],
                   env=MEMCHECK_ENV)
    check_caught(graded, fields, "valgrind")


# --- reading a report (gradelib.memory) ---------------------------------------------

HEAP_OVERFLOW = """\
==1==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000019 at pc 0x7f
WRITE of size 10 at 0x602000000019 thread T0
    #0 0x7f37d9848060 in __interceptor_memcpy ../../../../src/libsanitizer/sanitizer_common/sanitizer_common_interceptors.inc:827
    #1 0x55e25dc9deae in main labs/01-wsastartup/resolve.c:116
    #2 0x7f37d8e45249 in __libc_start_call_main ../sysdeps/nptl/libc_start_call_main.h:58

0x602000000019 is located 0 bytes to the right of 9-byte region [0x602000000010,0x602000000019)
allocated by thread T0 here:
    #0 0x7f37d98b89cf in __interceptor_malloc ../../../../src/libsanitizer/asan/asan_malloc_linux.cpp:69
    #1 0x55e25dc9de7d in main labs/01-wsastartup/resolve.c:115
"""
UNDEFINED = """\
labs/01-wsastartup/resolve.c:66:21: runtime error: signed integer overflow: 1928444070 * 31 cannot be represented in type 'int'
    #0 0x55c6a3778f2d in seen_before labs/01-wsastartup/resolve.c:66
    #1 0x55c6a3778f2d in print_addresses labs/01-wsastartup/resolve.c:102
    #2 0x55c6a3778f2d in main labs/01-wsastartup/resolve.c:133
"""
LEAKED = """\
==2==ERROR: LeakSanitizer: detected memory leaks

Direct leak of 46 byte(s) in 1 object(s) allocated from:
    #0 0x7fc2a34b89cf in __interceptor_malloc ../../../../src/libsanitizer/asan/asan_malloc_linux.cpp:69
    #1 0x562d2dd48038 in format_endpoint labs/01-wsastartup/wsabasics.c:83
    #2 0x562d2dd4762c in print_addresses labs/01-wsastartup/resolve.c:93
"""
STACK = """\
==3==ERROR: AddressSanitizer: stack-buffer-overflow on address 0x7ffd at pc 0x7f bp 0x7ffd
READ of size 9 at 0x7ffd thread T0
    #0 0x7f5 in printf_common ../../../../src/libsanitizer/sanitizer_common/sanitizer_common_interceptors_format.inc:553
    #1 0x7f6 in __interceptor_vfprintf ../../../../src/libsanitizer/sanitizer_common/sanitizer_common_interceptors.inc:1661
    #2 0x7f7 in __interceptor_fprintf ../../../../src/libsanitizer/sanitizer_common/sanitizer_common_interceptors.inc:1718
    #3 0x55c in usage labs/02-tcp-client/tcp_client.c:22
    #4 0x55d in main labs/02-tcp-client/tcp_client.c:131

Address 0x7ffd is located in stack of thread T0 at offset 40 in frame
    #0 0x55b in main labs/02-tcp-client/tcp_client.c:117

  This frame has 1 object(s):
    [32, 40) 'host' (line 18) <== Memory access at offset 40 overflows this variable
"""


@pytest.mark.parametrize("report, headline, details", [
    (HEAP_OVERFLOW, "AddressSanitizer found heap-buffer-overflow",
     ["a WRITE of 10 bytes reached byte 9 of a 9-byte block (bytes 0 to 8)",
      "in memcpy, called from main (labs/01-wsastartup/resolve.c:116)",
      "the block was allocated in main (labs/01-wsastartup/resolve.c:115)"]),
    (UNDEFINED, "UndefinedBehaviorSanitizer: signed integer overflow: 1928444070 * 31 "
                "cannot be represented in type 'int'",
     ["in seen_before (labs/01-wsastartup/resolve.c:66)",
      "called from print_addresses (labs/01-wsastartup/resolve.c:102)"]),
    (LEAKED, "LeakSanitizer found memory leaks",
     ["46 bytes in 1 allocation(s) never freed",
      "allocated in malloc, called from format_endpoint (labs/01-wsastartup/wsabasics.c:83)"]),
    (STACK, "AddressSanitizer found stack-buffer-overflow",
     ["a READ of 9 bytes that overflows the local variable 'host'",
      "in fprintf, called from usage (labs/02-tcp-client/tcp_client.c:22)",
      "called from main (labs/02-tcp-client/tcp_client.c:131)"]),
], ids=["heap", "undefined", "leak", "stack"])
def test_a_report_is_read_in_the_students_terms(report, headline, details):
    """The error, then the first frame of the lab's own code (the C library's and the
    sanitizer's frames left out), and where the block came from."""
    read = memory.Report(("prog: a line first\n" + report).encode())
    assert read.headline() == headline
    for words in details:
        assert words in read.details(), read.details()


class _Exited:
    """A program's end, as memory.check reads it (gradelib.proc.Process)."""

    def __init__(self, returncode, stderr):
        self.result = type("Result", (), {"returncode": returncode, "stderr": stderr,
                                          "argv": platform.command(
                                              platform.program_path(platform.ROOT, "resolve"),
                                              ["::1", "80"])})()
        self.err = type("Stream", (), {"data": bytearray(stderr)})()

    def poll(self):
        return self.result.returncode

    def stop(self):
        return self.result


def test_a_report_fails_the_line_whatever_the_test_saw():
    with pytest.raises(AssertionError) as failed:
        memory.check([_Exited(0, b""), _Exited(platform.MEMORY_ERROR_EXIT,
                                                 HEAP_OVERFLOW.encode())],
                     seen=AssertionError("the echo differs"))
    message = str(failed.value)
    assert message.startswith("'resolve ::1 80' stopped at a memory error: "
                              "AddressSanitizer found heap-buffer-overflow")
    assert "(and then the test saw: the echo differs)" in message
    assert "hint:" in message
    memory.check([_Exited(0, HEAP_OVERFLOW.encode()), _Exited(1, b"resolve: usage\n")])
