"""Where the grader runs and what it runs: the Host every platform decision is a
function of, the facts about this one, and the places where Wine behaves otherwise
than the real Windows the labs target."""
import os
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


TARGET = os.environ.get("KIT_TARGET") or "native"


@dataclass(frozen=True)
class Host:
    """SYSTEM is the grader's Python's sys.platform ("linux", "darwin", "win32"; MSYS2's
    own Python says "cygwin" or "msys"); TARGET is "native" or "mingw"."""
    system: str = sys.platform
    target: str = TARGET

    @property
    def on_windows(self):
        return self.system == "win32"

    @property
    def on_linux(self):
        return self.system.startswith("linux")

    @property
    def under_wine(self):
        return self.target == "mingw" and not self.on_windows

    @property
    def windows_programs(self):
        return self.on_windows or self.target == "mingw"

    @property
    def exe(self):
        return ".exe" if self.windows_programs else ""

    @property
    def programs(self):
        """The kind of programs: "windows" (Windows itself, Wine) or "posix"."""
        return "windows" if self.windows_programs else "posix"

    @property
    def sanitizers(self):
        """Whether the programs can be built with AddressSanitizer and
        UndefinedBehaviorSanitizer: gcc and clang have them on Linux and macOS; MinGW
        (cross or MSYS2) has none."""
        return self.target == "native" and not self.on_windows

    @property
    def leak_checks(self):
        """Whether LeakSanitizer runs here: on Linux only (macOS's refuses
        detect_leaks)."""
        return self.on_linux


HOST = Host()


# The same facts as names, for modules and tests that only ask.
SYSTEM = HOST.system


ON_WINDOWS = HOST.on_windows


ON_LINUX = HOST.on_linux


UNDER_WINE = HOST.under_wine


WINDOWS_PROGRAMS = HOST.windows_programs


EXE = HOST.exe


SANITIZERS = HOST.sanitizers


LEAK_CHECKS = HOST.leak_checks


# Whether the programs' sockets are the grader's own: the same system answers
# getsockopt for both, except under Wine, which keeps some options itself (and
# reports them as Windows does).
SAME_SOCKETS_AS_PROGRAMS = not UNDER_WINE


# Linux lets a UDP socket connected to one port send to another with sendto, and
# answers a datagram for it from anywhere but the port it is connected to with an
# ICMP port unreachable, as if it were closed: a client that is gone before its echo
# comes, without racing the server. Elsewhere the grader closes the socket instead.
UDP_SENDTO_WHILE_CONNECTED = sys.platform.startswith("linux")


# The environment variable that marks every process of one program run, children
# included, so that those that left its process group are found too (Linux).
MARK = "KIT_PROCESS"


# The environment variable that marks every process of one grading run (the grader,
# its workers, the programs they start), set by whoever starts the run: what is left
# of a run that was ended is found by it (Linux).
RUN_MARK = "KIT_RUN_ID"


# Where Wine differs from the real Windows that the labs target. A test that meets
# one of these says so with wine_differs(KEY); it still runs in full on Windows.
# docs/platform-differences.md explains each, with the tests it affects.
WINE_DIFFERENCES = {
    "resolver-needs-startup":
        "Wine's getaddrinfo answers before WSAStartup; Windows fails with "
        "WSANOTINITIALISED (10093).",
    "udp-unreachable-unreported":
        "Wine reports no ICMP port unreachable on a UDP socket; Windows fails the "
        "next recvfrom with WSAECONNRESET (10054).",
    "reset-read-as-eof":
        "Wine's recv reads a connection the peer reset as an orderly end-of-file "
        "(0); Windows fails it with WSAECONNRESET (10054).",
    "reset-mid-reply-read-as-eof":
        "Wine's recv, waiting when the peer resets in the middle of a reply, now and "
        "then reads the reset as an orderly end-of-file (0); Windows fails it with "
        "WSAECONNRESET (10054).",
    "hints-not-checked":
        "Wine's getaddrinfo takes hints whose ai_addrlen, ai_canonname, ai_addr or "
        "ai_next is set; Windows fails with WSANO_RECOVERY (11003).",
}
# The differences above that Wine shows only now and then: a test that meets one is
# not graded under Wine, whether it passes or fails.
WINE_DIFFERS_AT_TIMES = {"reset-mid-reply-read-as-eof"}


# The calls whose failure tells a server, reading a client's upload to its end, that
# the client reset: recv, which the reset fails on Windows, Linux and macOS. Under Wine
# a reset that came before the call reads as an end-of-file (reset-read-as-eof), so
# such a server learns of it only as it answers, when its send fails.
RESET_REPORTED_BY = ("recv", "send") if UNDER_WINE else ("recv",)


# Wine is slower, not different: every socket call is a round trip to Wine's server
# (measured: about 100 us a call, where Windows and Linux take a few), so a correct
# program that moves a stream in small pieces (16 bytes a call, shortened further by
# the short-recv fault) moves it 30 to 100 times slower under Wine, and slower still on
# a loaded machine (measured: 2 KiB/s echoed on a CI runner running two tests at once).
# The large stream tests (lab 02's large reply, lab 03's large echo, lab 05's large
# upload) move 1/STREAM_SCALE of their bytes there, in the same time limit: 12 to 32
# KiB, which such a program moves in a quarter of the limit or less.
STREAM_SCALE = 256 if UNDER_WINE else 1


def stream_bytes(n):
    """The bytes a large stream test that moves N natively moves here."""
    return max(1, n // STREAM_SCALE)


# The model tests (gradelib.models) run a case per request, datagram or schedule, each
# a few socket calls and, for a program's model, a program started: under Wine each
# call is a round trip to its server and each program start takes a few tenths of a
# second, so they try 1/MODEL_SCALE of their cases there (at least two), in about the
# time they take natively.
MODEL_SCALE = 5 if UNDER_WINE else 1


# Windows turns a connect to a loopback port nobody listens on into a refusal only
# after retrying for about 2 s (Linux, macOS and Wine refuse at once). Every timeout
# that may include refused connects allows this much per connect, on every platform,
# so that a test passing on Linux does not time out on Windows.
REFUSED_CONNECT_SECONDS = 2.5


def python_problem(host=None, executable=None):
    """Why this Python cannot grade, in the student's terms, or None when it can."""
    host = host or HOST
    if host.system in ("cygwin", "msys"):
        return (f"this Python ({executable or sys.executable}) is MSYS2's own, which cannot "
                "run or end Windows programs properly. The grader needs UCRT64's Python: "
                "in the 'MSYS2 UCRT64' shell run 'make setup', then 'make grade' again "
                "(or: make grade PYTHON=/ucrt64/bin/python3).")
    return None


def msys2_root(host=None, environ=None):
    """Where MSYS2 is on Windows, whose UCRT64 shell runs make there (KIT_MSYS2, default
    C:\\msys64); None elsewhere, where make runs as it is."""
    if not (host or HOST).on_windows:
        return None
    environ = os.environ if environ is None else environ
    return environ.get("KIT_MSYS2") or r"C:\msys64"


def running_as_root():
    """Whether the grader runs as root (POSIX's user 0; never so on Windows)."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def wine_differs(request, key, host=None):
    """Declares that the test meets a known Wine difference: under Wine it is
    expected to fail (strictly: a pass means the list above is out of date)."""
    if (host or HOST).under_wine:
        import pytest
        request.applymarker(pytest.mark.xfail(reason=WINE_DIFFERENCES[key],
                                              strict=key not in WINE_DIFFERS_AT_TIMES))
