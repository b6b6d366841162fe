"""Failures in the student's terms: what was expected, what came, and a hint."""
import re

from . import platform
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

STARTER_HINT = "This is still the starter's code: write the parts marked TODO."


class Failure(AssertionError):
    """A failed behaviour: the message the student reads."""

    def __init__(self, what, expected=None, got=None, hint=None, result=None):
        self.what, self.expected, self.got = what, expected, got
        found = diagnose(result) if result is not None else None
        # How the program ended says more than the test's own hint when it was still
        # the starter, hung, crashed or left processes behind.
        overriding = result is not None and (result.timed_out or result.crash or
                                             _left_behind(result) or
                                             "TODO(lab" in result.errors)
        self.hint = found if overriding else (hint or found)
        self.result = result
        super().__init__(str(self))

    def __str__(self):
        lines = [_shown(self.what, SHOWN_LIMIT)]
        flooded = getattr(self.result, "flooded", None)
        if flooded and flooded():
            lines.append("output:   " + flooded())
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


def _left_behind(result):
    """How many processes the program left running when it ended (0 for a result that
    does not count them)."""
    return getattr(result, "left_behind", 0)


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
        return STARTER_HINT
    if result.timed_out:
        return ("The program did not finish in time: look for a loop that never ends or "
                "a call that waits for something that never comes.")
    if result.crash and result.crash.startswith("memory error: valgrind"):
        return ("valgrind found a memory error or a leak: its report on stderr names "
                "the lines; free what you allocate, and read and write only inside it.")
    if result.crash and "UndefinedBehaviorSanitizer" in result.crash:
        return ("The sanitizer's report on stderr names the line of the undefined "
                "behaviour (an index past the end of an array, an int that overflows, "
                "a shift too far, a bad pointer): keep indexes inside the array, compute "
                "in a type that holds the result, and check before you shift.")
    if result.crash and result.crash.startswith("memory error"):
        return ("The sanitizer's report on stderr names the line: read and write only "
                "inside what you allocated, and free each allocation once.")
    if result.crash:
        return ("The program crashed: run it by hand, or under gdb, with the same "
                "arguments (the transcript under build/grade/ has them).")
    if _left_behind(result):
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
    if _left_behind(result):
        raise Failure(f"{_name(result)} left processes of its own running when it ended",
                      expected=f"exit {code}, every process it started ended",
                      got=result.ended(), result=result)
    calls_clean(result)


def calls_clean(result):
    """Checks, from its call record, what a program that ended by itself must have done
    that output cannot show: closed every socket it made, and called WSACleanup once
    for each WSAStartup that succeeded (and never after one that failed)."""
    record = getattr(result, "calls", None)
    if record is None or not record.exists:
        return
    still_open = record.open_at_exit() or []
    if still_open:
        raise Failure(f"{_name(result)} left sockets open when it exited",
                      expected="every socket closed (closesocket) before exit",
                      got="\n".join(f"{s.name}, made by {s.made.where()}" for s in
                                    still_open[:10]) +
                      (f"\n... and {len(still_open) - 10} more" if len(still_open) > 10
                       else ""),
                      hint="Close each socket on every path, the failed ones too: after a "
                           "connect or bind that fails, closesocket that socket before "
                           "you try the next address or give up; shutdown does not "
                           "close a socket.")
    problem = record.startup_problem()
    if problem:
        raise Failure(f"{_name(result)} did not pair WSAStartup with WSACleanup",
                      expected="one WSACleanup for each WSAStartup that succeeded, and "
                               "none after one that failed",
                      got=problem,
                      hint="Call WSACleanup once before you return from main, on every "
                           "path after WSAStartup succeeded; when WSAStartup fails, "
                           "Winsock was not started: report it and return without "
                           "WSACleanup.")


def asked_for_winsock(result):
    """Checks from the record of a program that has ended that it asked WSAStartup for
    Winsock 2.2, as every program of the kit does (lab 01)."""
    record = getattr(result, "calls", None)
    asked = record.named("WSAStartup") if record is not None and record.exists else []
    other = next((c for c in asked if c.args[:1] != ["2.2"]), None)
    if other is not None:
        raise Failure(f"{_name(result)} asked WSAStartup for another version than 2.2",
                      expected="WSAStartup(2.2) = 0", got=other.text, result=result,
                      hint="main starts Winsock as the starter gives it: "
                           "WSAStartup(MAKEWORD(2, 2), &data), the version every program "
                           "of the kit asks for. Keep main as it is.")


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
                      got=result.errors.strip() or "(nothing on stderr)",
                      hint=STARTER_HINT if "TODO(lab" in result.errors else hint or
                      f"Right after {call} fails, read WSAGetLastError() (or the code it "
                      f"returned) and report it: kit_error(PROG, \"{call}\", code).",
                      result=None)


def error_lines(result):
    """The kit's error lines (PROG: CALL: NAME (CODE): TEXT) on the program's stderr,
    whatever their call and code."""
    return re.findall(r"^[\w.-]+: \S+: \S+ \(-?\d+\): .*$", result.errors, re.M)


def usage(result):
    """Checks that a refused command line printed its usage on stderr."""
    if not re.search(r"^usage: ", result.errors, re.M | re.I):
        raise Failure(f"{_name(result)} should print its usage on stderr",
                      expected="usage: PROGRAM ARGUMENTS...",
                      got=result.errors.strip() or "(nothing on stderr)",
                      hint="On a bad command line, print 'usage: ...' to stderr (not stdout) "
                           "and exit 1.")


def same_bytes(what, expected, got, hint=None, result=None, sent=False):
    """Checks that GOT is EXPECTED byte for byte; the failure shows where they part
    and, when it can tell, why. SENT: the program sent these bytes (not only printed
    what it received)."""
    if got == expected:
        return
    at = first_difference(expected, got)
    raise Failure(what, expected=f"{len(expected)} bytes, around byte {at}: "
                                 f"{_around(expected, at)}",
                  got=f"{len(got)} bytes, around byte {at}: {_around(got, at)}",
                  hint=bytes_hint(expected, got, at, sent) or hint, result=result)


def first_difference(a, b):
    """The offset of the first byte where A and B differ (or where the shorter ends)."""
    step = 4096
    at = 0
    while at < min(len(a), len(b)) and a[at:at + step] == b[at:at + step]:
        at += step
    while at < min(len(a), len(b)) and a[at] == b[at]:
        at += 1
    return at


def _around(data, at):
    part = data[max(0, at - 8):at + 8]
    return (repr(part)[1:] if part else "(nothing)") + ("" if at < len(data) else " (the end)")


# Bytes that, seen again later in a stream, show it repeats an earlier piece.
REPEAT = 8


def bytes_hint(expected, got, at, sent=False):
    """The usual reason a byte stream came out wrong, read from how it differs. SENT:
    the program sent the stream (an echo, a file it serves), so its send loop can be
    the reason, not only its recv."""
    if got.replace(b"\r\n", b"\n") == expected and b"\r\n" in got:
        return ("Every \\n came out as \\r\\n: stdout is in text mode on Windows. Call "
                "_setmode(_fileno(stdout), _O_BINARY) before writing binary data.")
    if at < len(expected) and expected[at] == 0 and len(got) < len(expected):
        return ("The bytes stop just before a zero byte: printf(\"%s\"), fputs and strlen "
                "stop at '\\0'. Write what recv returned with fwrite(buf, 1, n, ...).")
    again = got[at:at + REPEAT]
    if sent and at >= REPEAT and len(again) == REPEAT and again in expected[:at]:
        return (f"At byte {at} bytes from earlier in the stream came again: a send loop "
                "that does not move on by what each send returned sends the same bytes "
                "twice. Advance the pointer and shrink the length by send's result.")
    if sent and len(again) == REPEAT and again in expected[at + 1:]:
        return (f"At byte {at} the stream skips ahead: bytes were left out, as when a send "
                "takes fewer bytes than asked and the rest is never sent. Loop until "
                "every byte has gone (send_all).")
    if expected.startswith(got) and got:
        if sent:
            return (f"Only the first {len(got)} bytes came through: one send may take "
                    "fewer bytes than asked, and one recv returns what has arrived so far. "
                    "Send in a loop until every byte has gone (send_all), and recv in a "
                    "loop until it returns 0.")
        return (f"Only the first {len(got)} bytes came through: one recv returns what has "
                "arrived so far, not the whole stream. Call recv in a loop until it "
                "returns 0 (the peer closed), keeping every chunk.")
    if len(got) > len(expected):
        return (f"{len(got) - len(expected)} bytes more than were sent: write only the n "
                "bytes each recv returned, not the whole buffer.")
    return None


WILDCARDS = ("0.0.0.0", "::")


def listens_on_loopback(server, host, port):
    """Checks that a server that announced HOST:PORT listens there (TCP) or is bound
    there (UDP), and on no other address: not on every interface (0.0.0.0 or ::).
    Where the system tells which sockets listen (Linux, Wine included), that is
    checked too, not only the announcement."""
    listening = platform.listening_addresses(port, server.processes())
    everywhere = host in WILDCARDS or any(a in WILDCARDS for a in listening or ())
    if everywhere:
        shown = f"[{host}]" if ":" in host else host
        raise Failure("the server listens on every interface, not on loopback only",
                      expected=f"listening on 127.0.0.1:{port} (or the --bind address)",
                      got=f"announced {shown}:{port}; listening on " +
                      (", ".join(listening) if listening else host),
                      result=server.stop(),
                      hint="Bind the --bind address (127.0.0.1 by default), never "
                           "INADDR_ANY or in6addr_any: a server on every interface can "
                           "be reached from other machines.")
    if listening is not None and host not in listening:
        raise Failure("nothing listens on the port the server announced",
                      expected=f"a socket listening on {host}:{port}",
                      got=f"none (listening on port {port}: "
                          f"{', '.join(listening) or 'nothing'})",
                      result=server.stop(),
                      hint="Announce the listening socket's own address, after listen() "
                           "succeeds: kit_announce(listener) reads it back with "
                           "getsockname.")


def _in_order(wanted, got):
    it = iter(got)
    return all(any(w == g for g in it) for w in wanted)


def _name(result):
    """The command as the student would type it: 'resolve ::1 80'."""
    return "'" + platform.typed_command(result.argv) + "'"
