"""Failures in the student's terms: what was expected, what came, and a hint."""
import re

from .proc import printable

# What a WSA error in a program's stderr most likely means.
WSA_HINTS = {
    10093: "WSANOTINITIALISED: a socket call came before WSAStartup succeeded (or after "
           "WSACleanup). Call WSAStartup first, once, and check what it returns.",
    10092: "WSAVERNOTSUPPORTED: Winsock refused the version word. MAKEWORD takes the "
           "major version first: MAKEWORD(2, 2).",
    11001: "WSAHOST_NOT_FOUND: getaddrinfo could not resolve the name.",
    10061: "WSAECONNREFUSED: nothing was listening on that address and port.",
    10048: "WSAEADDRINUSE: another socket already holds that address and port.",
    10014: "WSAEFAULT: a pointer or a length passed to the call is wrong (often the "
           "address length: sizeof the sockaddr you pass).",
    10022: "WSAEINVAL: an argument is invalid for this call or this socket's state.",
    10038: "WSAENOTSOCK: the SOCKET passed is not an open socket (closed already?).",
}


# The most a failure message shows of what was expected or got, and of stderr; the
# transcript keeps more. Control characters are escaped (printable).
SHOWN_LIMIT = 1200
STDERR_LIMIT = 600


class Failure(AssertionError):
    """A failed behaviour: the message the student reads."""

    def __init__(self, what, expected=None, got=None, hint=None, result=None):
        self.what, self.expected, self.got = what, expected, got
        found = diagnose(result) if result is not None else None
        # How the program ended says more than the test's own hint when it was still
        # the starter, hung, crashed or left processes behind.
        overriding = result is not None and (result.timed_out or result.crash or
                                             result.left_behind or
                                             "TODO(lab" in result.errors)
        self.hint = found if overriding else (hint or found)
        self.result = result
        super().__init__(str(self))

    def __str__(self):
        lines = [_shown(self.what, SHOWN_LIMIT)]
        if self.result is not None and self.result.flooded():
            lines.append("output:   " + self.result.flooded())
        if self.expected is not None:
            lines.append("expected: " + _indent(_shown(self.expected, SHOWN_LIMIT)))
        if self.got is not None:
            lines.append("got:      " + _indent(_shown(self.got, SHOWN_LIMIT)))
        if self.result is not None and self.result.errors.strip():
            lines.append("stderr:   " + _indent(_shown(self.result.errors.strip(),
                                                        STDERR_LIMIT)))
        if self.hint:
            lines.append("hint:     " + _indent(_shown(self.hint, SHOWN_LIMIT)))
        return "\n".join(lines)


def _indent(text):
    return str(text).replace("\n", "\n          ")


def _shown(text, limit):
    """TEXT as a message shows it: control characters escaped, cut to LIMIT."""
    text = printable(str(text))
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def diagnose(result):
    """The likeliest cause of a program's failure, read from how it ended."""
    errors = result.errors
    if "TODO(lab" in errors or "TODO(lab" in result.text:
        return "This is still the starter's code: write the parts marked TODO."
    if result.timed_out:
        return ("The program did not finish in time: look for a loop that never ends or "
                "a call that waits for something that never comes.")
    if result.crash and result.crash.startswith("memory error: valgrind"):
        return ("valgrind found a memory error or a leak: its report on stderr names "
                "the lines; free what you allocate, and read and write only inside it.")
    if result.crash and "UndefinedBehaviorSanitizer" in result.crash:
        return ("The sanitizer's report on stderr names the line of the undefined "
                "behaviour (an int that overflows, a shift too far, a bad pointer): "
                "compute in a type that holds the result, and check before you shift.")
    if result.crash and result.crash.startswith("memory error"):
        return ("The sanitizer's report on stderr names the line: read and write only "
                "inside what you allocated, and free each allocation once.")
    if result.crash:
        return ("The program crashed: run it by hand, or under gdb, with the same "
                "arguments (the transcript under build/grade/ has them).")
    if result.left_behind:
        return ("The program started a process that outlived it: a program must wait "
                "for (or end) every process it starts before it exits.")
    for code in re.findall(r"\((\d{4,5})\)", errors):
        if int(code) in WSA_HINTS:
            return WSA_HINTS[int(code)]
    return None


def exits(result, code, hint=None):
    """Checks that the program exited by itself with CODE."""
    if result.timed_out or result.crash or result.returncode != code:
        raise Failure(f"{_name(result)} should exit with {code}", expected=f"exit {code}",
                      got=result.ended(), hint=hint, result=result)
    if result.left_behind:
        raise Failure(f"{_name(result)} left processes of its own running when it ended",
                      expected=f"exit {code}, every process it started ended",
                      got=result.ended(), result=result)


def has_lines(result, wanted, hint=None, exact=False):
    """Checks that stdout holds each line of WANTED (in order), or is exactly them."""
    got = result.lines
    ok = got == wanted if exact else _in_order(wanted, got)
    if not ok:
        raise Failure(f"{_name(result)} printed other lines than expected",
                      expected="\n".join(wanted) or "(nothing)",
                      got="\n".join(got[:40]) or "(nothing)", hint=hint, result=result)


def error_line(result, call, name, code, hint=None):
    """Checks that stderr holds the kit's error line for CALL failing with NAME (CODE)."""
    pattern = re.compile(rf"^\S+: {re.escape(call)}: {re.escape(name)} \({code}\): .+$", re.M)
    if not pattern.search(result.errors):
        raise Failure(f"{_name(result)} should report {name} from {call} on stderr",
                      expected=f"PROG: {call}: {name} ({code}): TEXT",
                      got=result.errors.strip() or "(nothing on stderr)", hint=hint,
                      result=None)


def usage(result):
    """Checks that a refused command line printed its usage on stderr."""
    if not re.search(r"^usage: ", result.errors, re.M | re.I):
        raise Failure(f"{_name(result)} should print its usage on stderr",
                      expected="usage: PROGRAM ARGUMENTS...",
                      got=result.errors.strip() or "(nothing on stderr)",
                      hint="On a bad command line, print 'usage: ...' to stderr (not stdout) "
                           "and exit 1.")


def _in_order(wanted, got):
    it = iter(got)
    return all(any(w == g for g in it) for w in wanted)


def _name(result):
    """The command as the student would type it: 'resolve ::1 80'."""
    argv = result.program_argv
    prog = re.split(r"[\\/]", argv[0])[-1]
    prog = prog[:-4] if prog.endswith(".exe") else prog
    return "'" + " ".join([prog, *argv[1:]]) + "'"
