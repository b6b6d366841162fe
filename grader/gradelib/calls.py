"""A program's own socket calls, as the portability layer records them
(labs/common/calls.c, record.c), and the faults the grader asks the layer to inject
(faults.c).

Every program the grader starts gets a record file of its own (KIT_CALLS), the test's
seed (KIT_SEED) and the test's faults (KIT_FAULTS). The record has one line per call,
like strace, in the student's terms:

    socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP) = s3
    connect(s3, [::1]:8080) = SOCKET_ERROR WSAECONNREFUSED
    send(s4, 65536 bytes) = 913 [fault: short send]
    announce(s1, 127.0.0.1:40123)
    exit: open s2; WSAStartup 1 (0 failed); WSACleanup 1

read(path) parses one into Calls, which answers what output cannot show: the sockets
open now and at exit and the line that made each, the WSAStartup/WSACleanup balance,
the options set on a socket, listen's backlog, whether the announcement came after
listen."""
import re
from dataclasses import dataclass, field
from pathlib import Path

# What the layer and the grader agree on, written once, in the layer: the record's
# bound and the faults' names (the layer includes the same file as C).
DEFINITIONS = Path(__file__).resolve().parents[2] / "labs" / "common" / "calls.def"

_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_LIMIT_ENTRY = re.compile(r"CALLS_LIMIT\((?P<name>[A-Z_]+), (?P<value>\d+)\)")
_FAULT_ENTRY = re.compile(r'CALLS_FAULT\((?P<id>[A-Z_]+), "(?P<name>[a-z-]+)"\)')


def read_definitions(path=DEFINITIONS):
    """calls.def's entries: ({limit name: value}, (fault name, ...)). Its lines are
    comments, the preprocessor's (#...), and one entry each; any other line is an
    error that names it."""
    limits, faults = {}, []
    for number, line in enumerate(_COMMENT.sub(lambda m: "\n" * m.group().count("\n"),
                                               path.read_text(encoding="utf-8"))
                                  .splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        limit, fault = _LIMIT_ENTRY.fullmatch(line), _FAULT_ENTRY.fullmatch(line)
        if limit:
            limits[limit.group("name")] = int(limit.group("value"))
        elif fault:
            faults.append(fault.group("name"))
        else:
            raise ValueError(f"{path}:{number}: not an entry of calls.def: {line}")
    return limits, tuple(faults)


_LIMITS, FAULTS = read_definitions()
# The faults the layer knows (KIT_FAULTS), as a test marks them:
# @pytest.mark.faults("short-send", "short-recv").
# The lines a record holds: later calls are only counted, in a "not recorded" line at
# exit, so a record this long may be missing the calls a program made since.
RECORD_LIMIT = _LIMITS["RECORD_LIMIT"]
# What the grader reads of a record: RECORD_LIMIT lines, each well under 400 bytes.
READ_LIMIT = 400 * RECORD_LIMIT

# Lines shown of a record in a transcript: around the first failed call, and its end.
AROUND = 6
TAIL = 20

_LINE = re.compile(r"^(?P<name>\w+)\((?P<args>.*?)\)(?: = (?P<result>.*?))?"
                   r"(?: \[fault: (?P<fault>[^\]]*)\])?$")
_EXIT = re.compile(r"^exit: open (?P<open>.*); WSAStartup (?P<startups>\d+) "
                   r"\((?P<failed>\d+) failed\); WSACleanup (?P<cleanups>\d+)$")
_UNRECORDED = re.compile(r"^not recorded: (\d+) calls")
_SOCKET = re.compile(r"^s\d+$")
_ERROR = re.compile(r"\b(WSA[A-Z_0-9]+)\b")


@dataclass
class Call:
    """One line of the record: NAME(ARGS) = RESULT, on line NUMBER (from 1)."""
    number: int
    text: str
    name: str
    args: list
    result: str = None
    fault: str = None

    @property
    def socket(self):
        """The socket the call is about (s3), or None."""
        return self.args[0] if self.args and _SOCKET.match(self.args[0]) else None

    @property
    def failed(self):
        r = self.result or ""
        return r.startswith(("SOCKET_ERROR", "INVALID_SOCKET")) or \
            (self.name in ("WSAStartup", "getaddrinfo") and r.split(" ")[0] not in ("0", ""))

    @property
    def error(self):
        """The WSA error name of a failed call ("WSAECONNREFUSED"), or None."""
        if not self.failed:
            return None
        m = _ERROR.search(self.result or "")
        return m.group(1) if m else None

    @property
    def made(self):
        """The socket this call made (socket, accept), or None."""
        if self.name in ("socket", "accept") and not self.failed and self.result:
            first = self.result.split(" ")[0]
            return first if _SOCKET.match(first) else None
        return None

    def where(self):
        return f"line {self.number}: {self.text}"


@dataclass
class Socket:
    name: str
    made: Call
    closed: Call = None
    shut: Call = None
    options: dict = field(default_factory=dict)     # option name -> value, as set
    calls: list = field(default_factory=list)

    @property
    def kind(self):
        """SOCK_STREAM or SOCK_DGRAM (accept's sockets are streams)."""
        if self.made.name == "accept":
            return "SOCK_STREAM"
        return self.made.args[1] if len(self.made.args) > 1 else None


def _split_args(text):
    """ARGS of a line, split at the commas between them (not inside {} or quotes)."""
    args, depth, current, quoted = [], 0, "", False
    for c in text:
        if c == '"':
            quoted = not quoted
        elif not quoted and c in "{(":
            depth += 1
        elif not quoted and c in "})":
            depth -= 1
        if c == "," and depth == 0 and not quoted:
            args.append(current.strip())
            current = ""
        else:
            current += c
    if current.strip():
        args.append(current.strip())
    return args


def parse_line(number, text):
    """The Call of one record line, or None if it is not one."""
    m = _LINE.match(text)
    if not m:
        return None
    return Call(number, text, m.group("name"), _split_args(m.group("args")),
                m.group("result"), m.group("fault"))


class Calls:
    """A parsed record. EXISTS is False when the program wrote none (it never made a
    socket call, or it was built without the kit's layer)."""

    def __init__(self, text, exists=True, path=None):
        self.exists = exists
        self.path = path
        self.lines = text.splitlines()
        self.calls = []
        self.exit = None
        self.unrecorded = 0
        for number, line in enumerate(self.lines, 1):
            m = _EXIT.match(line)
            if m:
                self.exit = {"open": [s for s in m.group("open").split() if s != "none"],
                             "startups": int(m.group("startups")),
                             "failed": int(m.group("failed")),
                             "cleanups": int(m.group("cleanups"))}
                continue
            m = _UNRECORDED.match(line)
            if m:
                self.unrecorded = int(m.group(1))
                continue
            call = parse_line(number, line)
            if call is not None:
                self.calls.append(call)
        self.sockets = self._follow()

    def _follow(self):
        sockets = {}
        for call in self.calls:
            made = call.made
            if made:
                sockets[made] = Socket(made, call)
            sock = sockets.get(call.socket)
            if sock is None:
                continue
            sock.calls.append(call)
            if call.name == "closesocket" and not call.failed:
                sock.closed = call
            elif call.name == "shutdown" and not call.failed:
                sock.shut = call
            elif call.name == "setsockopt" and not call.failed and len(call.args) >= 4:
                sock.options[call.args[2]] = call.args[3]
        return sockets

    # --- what the record says ---------------------------------------------------------

    @property
    def full(self):
        """Whether the layer has stopped recording (RECORD_LIMIT lines written): the
        program's later calls are not in the record."""
        return self.unrecorded > 0 or \
            sum(1 for line in self.lines if not _EXIT.match(line)) >= RECORD_LIMIT

    def named(self, name):
        return [c for c in self.calls if c.name == name]

    def open_now(self):
        """The sockets the record shows open (made, not closed), in order."""
        return [s for s in self.sockets.values() if s.closed is None]

    def open_at_exit(self):
        """The sockets still open when the program exited, or None if it did not exit
        by itself (no exit line)."""
        if self.exit is None:
            return None
        return [self.sockets.get(n) or Socket(n, Call(0, "(made after the record's end)",
                                                      "socket", []))
                for n in self.exit["open"]]

    def startup_problem(self):
        """What is wrong with the program's WSAStartup and WSACleanup calls, in words,
        or None: each successful WSAStartup needs one WSACleanup, and a WSAStartup that
        failed started nothing to clean up."""
        balance, after_failure = 0, None
        for call in self.calls:
            if call.name == "WSAStartup":
                if call.failed:
                    after_failure = call
                else:
                    balance, after_failure = balance + 1, None
            elif call.name == "WSACleanup":
                if balance == 0 and after_failure is not None:
                    return (f"WSACleanup was called after a WSAStartup that failed "
                            f"({after_failure.where()}; then {call.where()})")
                if balance == 0:
                    return f"WSACleanup was called with nothing to clean up ({call.where()})"
                balance -= 1
        if self.exit is not None:
            started, cleaned = self.exit["startups"] - self.exit["failed"], self.exit["cleanups"]
            if cleaned < started:
                return (f"WSAStartup succeeded {started} time(s) but WSACleanup was called "
                        f"{cleaned} time(s)")
        return None

    def announcement(self):
        """The announce line, or None."""
        found = self.named("announce")
        return found[0] if found else None

    def announced_too_soon(self):
        """If the program announced before its socket was ready (TCP: before listen
        succeeded; UDP: before bind did), the announce Call; else None."""
        ann = self.announcement()
        if ann is None or ann.socket not in self.sockets:
            return None
        sock = self.sockets[ann.socket]
        needed = "bind" if sock.kind == "SOCK_DGRAM" else "listen"
        ready = any(c.name == needed and not c.failed and c.number < ann.number
                    for c in sock.calls)
        return None if ready else ann

    def backlog(self, sock):
        """The backlog a successful listen on SOCK asked for ("SOMAXCONN", "5"), or None."""
        for call in self.sockets[sock].calls if sock in self.sockets else []:
            if call.name == "listen" and not call.failed and len(call.args) > 1:
                return call.args[1]
        return None

    def faults(self):
        return [c for c in self.calls if c.fault]

    # --- shown in a transcript -----------------------------------------------------------

    def sequence(self, limit=60):
        """The calls in order, compactly: socket -> setsockopt(SO_EXCLUSIVEADDRUSE) ->
        bind -> getsockname -> [announce] -> listen; runs of the same call as recv x12."""
        steps = []
        for call in self.calls:
            if call.name == "announce":
                step = "[announce]"
            elif call.name in ("setsockopt", "getsockopt") and len(call.args) > 2:
                step = f"{call.name}({call.args[2]})"
            else:
                step = call.name
            if call.failed:
                step += f" {call.error or 'failed'}"
            if call.fault:
                step += "*"
            if steps and steps[-1][0] == step:
                steps[-1][1] += 1
            else:
                steps.append([step, 1])
        shown = [s if n == 1 else f"{s} x{n}" for s, n in steps]
        if len(shown) > limit:
            shown = shown[:limit // 2] + [f"... {len(shown) - limit} more ..."] + \
                shown[-limit // 2:]
        return " -> ".join(shown)

    def excerpt(self):
        """The record's lines worth reading: around the first failed call, and the end
        (numbered, bounded)."""
        numbers = set()
        failed = next((c for c in self.calls if c.failed), None)
        if failed is not None:
            numbers |= set(range(max(1, failed.number - AROUND), failed.number + AROUND + 1))
        numbers |= set(range(max(1, len(self.lines) - TAIL + 1), len(self.lines) + 1))
        out, last = [], 0
        for n in sorted(x for x in numbers if x <= len(self.lines)):
            if n != last + 1:
                out.append("      ...")
            out.append(f"    {n:5} {self.lines[n - 1][:300]}")
            last = n
        return "\n".join(out)


def read(path):
    """The record at PATH, parsed (an empty one if the program wrote none, or left a
    link or a pipe there: platform.read_left). The layer stops at RECORD_LIMIT lines;
    what it writes is read up to READ_LIMIT bytes."""
    from . import platform
    try:
        text = platform.read_left(path, READ_LIMIT).decode("utf-8", errors="replace")
    except (OSError, TypeError):
        return Calls("", exists=False, path=path)
    return Calls(text, path=path)


def environment(path, seed, faults=(), refuser=None):
    """The variables that give a program its record file (PATH, as the program sees
    it), the test's SEED and FAULTS, and the refusing address first-refuses puts
    first (REFUSER, "127.0.0.1:PORT")."""
    from . import platform
    unknown = set(faults) - set(FAULTS)
    if unknown:
        raise ValueError(f"unknown faults {sorted(unknown)}; the layer knows {FAULTS}")
    env = {"KIT_CALLS": platform.program_file(path), "KIT_SEED": str(seed),
           "KIT_FAULTS": ",".join(faults)}
    if refuser:
        env["KIT_REFUSER"] = refuser
    return env
