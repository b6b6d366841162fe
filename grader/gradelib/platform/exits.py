"""How a program's exit is described in the student's terms: a signal, a Windows
exception, abort() in Microsoft's C runtime, a sanitizer's or valgrind's report."""
import re
import signal

from . import hosts

# Windows exception codes a crashed program exits with.
EXCEPTIONS = {
    0xC0000005: "access violation",
    0xC0000094: "integer division by zero",
    0xC00000FD: "stack overflow",
    0xC0000409: "stack buffer overrun (or abort)",
    0xC000001D: "illegal instruction",
    0x80000003: "breakpoint",
    0xC0000135: "a DLL was not found",
}


def describe_exit(returncode, stderr, host=None):
    """What a program's exit says beyond its code: a crash in the student's terms, or
    None for an ordinary exit."""
    host = host or hosts.HOST
    if returncode is None:
        return None
    found = memory_error(returncode, stderr)
    if found:
        return found
    code = returncode & 0xFFFFFFFF
    if host.windows_programs and code in EXCEPTIONS:
        return f"crashed: Windows exception 0x{code:08X} ({EXCEPTIONS[code]})"
    if returncode < 0 and not host.on_windows:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        what = {"SIGSEGV": "segmentation fault", "SIGABRT": "abort", "SIGBUS": "bus error",
                "SIGFPE": "arithmetic error", "SIGILL": "illegal instruction",
                "SIGKILL": "killed"}.get(name, name)
        return f"crashed: {name} ({what})"
    if host.windows_programs and returncode == 3 and (b"terminate it in an unusual way" in stderr
                                                      or b"Assertion failed" in stderr):
        # abort() and a failed assert in Microsoft's older C runtime (msvcrt) exit with
        # 3; Windows' msvcrt says so on stderr, Wine's only for assert.
        return "crashed: abort() or a failed assert (the C runtime ended the program)"
    if host.windows_programs and returncode == 3 and not stderr.strip():
        # Wine's msvcrt abort() says nothing at all. A lab program that exits with 3
        # (EXIT_TIMEOUT) prints its error line first, so silence means abort().
        return ("crashed: exit 3 with nothing on stderr, as abort() ends a program in "
                "Microsoft's C runtime")
    if host.under_wine:
        # Wine passes on only the low byte of a Windows exit code, so an exception
        # shows in the message Wine prints instead.
        for line in stderr.decode("utf-8", "replace").splitlines():
            if line.startswith("wine: Unhandled"):
                return "crashed: Windows exception (" + line[len("wine: "):].split(" at ")[0] + ")"
    return None


# The exit code the kit's tests give valgrind for "errors found" (KIT_WRAPPER), and
# the sanitizers' reports (ASAN_OPTIONS and UBSAN_OPTIONS set exitcode to it too).
MEMORY_ERROR_EXIT = 97


SANITIZER_REPORT = re.compile(
    rb"ERROR: (AddressSanitizer|LeakSanitizer): ([\w-]+)|: runtime error: ([^\n]{0,120})")


VALGRIND_REPORT = re.compile(rb"^==\d+== (\S[^\n]{0,120})", re.M)


def memory_error(returncode, stderr):
    """A sanitizer's or valgrind's report on stderr, in words; None if there is none.
    (Students who build with -fsanitize get the same words.)"""
    m = SANITIZER_REPORT.search(stderr)
    if m and returncode != 0:
        if m.group(3) is not None:
            what = m.group(3).decode("utf-8", "replace").strip()
            return f"memory error: UndefinedBehaviorSanitizer: {what}"
        if m.group(1) == b"LeakSanitizer":
            return "memory error: LeakSanitizer found memory leaks"
        return f"memory error: AddressSanitizer found {m.group(2).decode()}"
    if returncode == MEMORY_ERROR_EXIT:
        m = VALGRIND_REPORT.search(stderr)
        if m:
            return "memory error: valgrind found: " + m.group(1).decode("utf-8", "replace")
    return None
