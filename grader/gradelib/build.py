"""What make grade built: each lab's build status and log (grader/build.sh writes
them under OUT/build/), the compiler's first errors in the student's terms, and the
build with the sanitizers beside the plain one, which every test runs where it can."""
import re
from pathlib import Path

from . import platform

# The points of each lab's build line: the lab's programs and unit tests compile.
BUILD_POINTS = 1
# The most compiler errors a build line shows; the log has them all.
ERRORS_SHOWN = 6

# gcc's and clang's "FILE:LINE:COL: error: ...", the assembler's "FILE.s:9: Error: ...",
# and the linker's errors.
ERROR_LINE = re.compile(r"^(?:\S[^:\n]*:\d+(?::\d+)?: (?:fatal )?(?:error|Error): .*"
                        r"|.*undefined reference to .*|.*: multiple definition of .*"
                        r"|collect2: error: .*|ld: .*error.*)$", re.M)

# AddressSanitizer and UndefinedBehaviorSanitizer: where the platform has them.
SANITIZERS = platform.SANITIZERS
NO_STATUS = "not graded here: the tree was not built by make grade"

# What the sanitizers do when they find something: the program ends at once, with
# MEMORY_ERROR_EXIT, so that the grader reads the report (platform.memory_error).
# LeakSanitizer checks where it runs (platform.LEAK_CHECKS).
SANITIZER_ENV = {
    "ASAN_OPTIONS": f"halt_on_error=1:exitcode={platform.MEMORY_ERROR_EXIT}:"
                    f"detect_leaks={int(platform.LEAK_CHECKS)}:abort_on_error=0:"
                    "max_malloc_fill_size=16777216",
    "UBSAN_OPTIONS": f"halt_on_error=1:exitcode={platform.MEMORY_ERROR_EXIT}:"
                     "print_stacktrace=1",
}


def sanitizing(sanitized_out, environ=None):
    """Whether the tests run the programs of the build with the sanitizers: where the
    platform has them and the tree has that build beside the plain one (SANITIZED_OUT,
    which make grade builds), and no KIT_WRAPPER (valgrind, in the kit's own tests)
    runs the programs, which needs the plain build. Otherwise every test runs the
    plain build: the same lines and points, without the sanitizers' checks."""
    return SANITIZERS and sanitized_out is not None and not platform.wrapper(environ)


def described(out, sanitized):
    """The tree at OUT in a transcript's words."""
    what = "with ASan and UBSan" if sanitized else "plain, without the sanitizers"
    return f"{out} ({what})"


class Status:
    """How one lab of the tree at OUT was built: ok (True, False, or None when make
    grade did not build it), the log's text, and where it is."""

    def __init__(self, out, lab):
        self.lab = lab
        self.log_path = self.ok = None
        self.log = ""
        for status in sorted(Path(out, "build").glob(f"{lab}-*.status")):
            self.log_path = status.with_suffix(".log")
            text = status.read_text().strip()
            self.ok = text == "0"
            if self.log_path.exists():
                self.log = self.log_path.read_text(errors="replace")
        self.name = self.log_path.stem if self.log_path else f"lab {lab}"


def first_errors(log, limit=ERRORS_SHOWN):
    """The compiler's and linker's first LIMIT errors in LOG, with file and line;
    the end of the log when it names none."""
    errors = []
    for line in ERROR_LINE.findall(log):
        if line not in errors:
            errors.append(line)
    if not errors:
        return "\n".join(log.strip().splitlines()[-limit:]) or "(make printed nothing)"
    more = len(errors) - limit
    return "\n".join(errors[:limit]) + (f"\n... and {more} more" if more > 0 else "")
