"""Lab 06's model: take_line and queue_output as README section 4 says them, and a
room of chat clients (README section 7, chat_server) that join, send in pieces,
stall, resume, reset and leave in an order Hypothesis' RuleBasedStateMachine draws,
each receiving exactly the lines the model says, in order."""
import time

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from .. import expect, peers
from . import (Crashed, Driver, Exploration, StepMachine, crash_text, scaled, schedule,
               shown)

LINE_MAX = 1024
OUT_MAX = 65536


# --- take_line and queue_output ----------------------------------------------------

def lines_model(pieces):
    """The events the driver's 'L' reports for PIECES: each take_line result (the line
    for one > 0), then what c->in holds at the end."""
    buf, events = b"", []
    for piece in pieces:
        at, done = 0, False
        while at < len(piece) and not done:
            n = min(LINE_MAX - len(buf), len(piece) - at)
            buf += piece[at:at + n]
            at += n
            while True:
                i = buf.find(b"\n")
                if i < 0:
                    rc = -1 if len(buf) == LINE_MAX else 0
                    events.append((rc,))
                    break
                events.append((i + 1, buf[:i + 1]))
                buf = buf[i + 1:]
            if rc < 0 or (n == 0 and rc == 0):
                done = True
        if done:
            break
    return events, buf


def pieces_strategy():
    text = st.binary(max_size=40).map(lambda b: b.replace(b"\n", b" "))
    piece = st.one_of(
        text, text.map(lambda t: t + b"\n"), st.just(b"\n"),
        st.lists(text, min_size=2, max_size=4).map(lambda ts: b"\n".join(ts)),
        st.integers(LINE_MAX - 3, LINE_MAX + 3).map(lambda n: b"x" * n),
        st.integers(LINE_MAX - 3, LINE_MAX + 1).map(lambda n: b"y" * (n - 1) + b"\n"))
    return st.lists(piece, min_size=1, max_size=6)


def queue_strategy():
    return st.lists(st.one_of(st.integers(0, 200), st.integers(OUT_MAX - 300, OUT_MAX + 2),
                              st.integers(20000, 40000)), min_size=1, max_size=6)


FUNCTION_CASES = 100
FUNCTION_SHRINKS = 300
FUNCTION_SECONDS = 20.0


def check_functions(start, seed):
    with Driver(start, "lab06_model") as driver:
        Exploration(seed, scaled(FUNCTION_CASES), FUNCTION_SHRINKS, FUNCTION_SECONDS).run(
            st.one_of(st.tuples(st.just("lines"), pieces_strategy()),
                      st.tuples(st.just("queue"), queue_strategy())),
            lambda case: _function(driver, case))


def _function(driver, case):
    kind, args = case
    try:
        if kind == "lines":
            _lines(driver, args)
        else:
            _queue(driver, args)
    except Crashed as crash:
        raise expect.Failure(f"the driver crashed or hung on this case: {kind} {args!r}"[:600],
                             got=crash_text(crash.args[0]),
                             hint="The sanitizer's report or the crash names the line: "
                                  "copy only c->in_len bytes, and never past c->in or "
                                  "line (CHAT_LINE_MAX).") from None


def _lines(driver, pieces):
    reply = driver.ask("L", len(pieces), *pieces)
    events, rest = lines_model(pieces)
    fed = " then ".join(shown(p, 80) for p in pieces)
    for n, want in enumerate(events):
        rc = reply.int()
        got = (rc, reply.bytes()) if rc > 0 else (rc,)
        if rc == -4:
            got = ("c->in_len out of 0..1024",)
        if got != want:
            said = (f"the line {shown(want[1], 100)} ({want[0]})" if want[0] > 0 else
                    "0 (no complete line yet)" if want[0] == 0 else
                    "-1 (1024 bytes without '\\n': the client is dropped)")
            raise expect.Failure(
                f"take_line's call {n + 1} on c->in fed with {fed} gave "
                f"{got[0] if len(got) == 1 or got[0] <= 0 else shown(got[1], 100)}; the "
                f"README (section 4) says {said}",
                expected=str(want[0]) + (f" and {shown(want[1], 200)}" if want[0] > 0 else ""),
                got=str(got[0]) + (f" and {shown(got[1], 200)}" if len(got) > 1 else ""),
                hint="take_line takes the first complete line (its '\\n' included, any "
                     "other byte allowed: memchr, not strchr), moves what follows to the "
                     "start of c->in (memmove), returns 0 without a '\\n', and -1 only when "
                     "c->in is full (1024 bytes) without one.")
    end = reply.int()
    in_len, held = reply.int(), reply.bytes()
    if end != -3 or in_len != len(rest) or held != rest:
        raise expect.Failure(
            f"after take_line on c->in fed with {fed}, c->in does not hold what is left",
            expected=f"in_len {len(rest)}: {shown(rest, 200)}",
            got=f"in_len {in_len}: {shown(held or b'', 200)}" if end == -3 else
                "another take_line result",
            hint="What follows the line moves to the start of c->in (memmove: the two "
                 "ranges overlap), and in_len loses the line's length.")


def _queue(driver, lengths):
    reply = driver.ask("Q", len(lengths), *lengths)
    used = 0
    for n, length in enumerate(lengths):
        rc, out_len = reply.int(), reply.int()
        want = 0 if length <= OUT_MAX - used else -1
        used += length if want == 0 else 0
        if (rc, out_len) != (want, used):
            raise expect.Failure(
                f"queue_output of {length} bytes (call {n + 1} of lengths {lengths}) "
                f"returned {rc} with out_len {out_len}; the README (section 4) says "
                f"{want} with out_len {used}",
                expected=f"{want}, out_len {used}", got=f"{rc}, out_len {out_len}",
                hint="All or nothing: refuse (-1, c->out unchanged) when len is more than "
                     "CHAT_OUT_MAX - c->out_len; 64 KiB exactly still fits.")
    if reply.int() != 1:
        raise expect.Failure(f"after queue_output of lengths {lengths}, c->out does not "
                             "hold the accepted bytes in order",
                             hint="Append at c->out + c->out_len, then add len.")


# --- the room ----------------------------------------------------------------------

ROOM_SCHEDULES = 15
ROOM_SHRINKS = 40
ROOM_SECONDS = 20.0
WAIT = 5.0
MOST = 5


class Member:
    """One of the grader's chat clients: its socket, name and unread bytes."""

    def __init__(self, number, sock):
        self.number, self.sock = number, sock
        host, port = sock.getsockname()[:2]
        self.name = (f"[{host}]:{port}" if ":" in host else f"{host}:{port}").encode()
        self.want = b""         # what the model says it receives and it has not yet read
        self.pending = b""      # what it sent of a line not yet ended
        self.stalled = False

    def read(self, n, timeout):
        """Up to N bytes within TIMEOUT s: (data, how) as peers.recv_until_close."""
        return peers.recv_until_close(self.sock, timeout, limit=n)


def piece_strategy():
    text = st.binary(min_size=1, max_size=30).map(lambda b: b.replace(b"\n", b" "))
    return st.one_of(text.map(lambda t: t + b"\n"), text.map(lambda t: t + b"\n"), text,
                     st.just(b"\n"), st.lists(text, min_size=2, max_size=3).map(
                         lambda ts: b"\n".join(ts) + b"\n"),
                     st.integers(LINE_MAX - 2, LINE_MAX + 2).map(lambda n: b"z" * n))


class Room(StepMachine, RuleBasedStateMachine):
    """A schedule of clients against a fresh chat_server."""

    STEPS = 14
    start = None

    def __init__(self):
        super().__init__()
        self.proc = None
        self.members = []
        self.joined = 0

    def _server(self):
        if self.proc is None:
            self.proc = self.start("chat_server", timeout=600)
            self.proc.host, self.proc.port = peers.announced(self.proc, 10)
        return self.proc

    def teardown(self):
        for m in self.members:
            m.sock.close()
        if self.proc is not None:
            self.proc.stop()

    def _fail(self, what, expected, got, hint):
        proc, self.proc = self.proc, None
        return expect.Failure(f"{what}\nthe schedule:\n{schedule(self.steps)}",
                              expected=expected, got=got, hint=hint,
                              result=proc.stop() if proc else None)

    def _pick(self, who):
        return self.members[who % len(self.members)] if self.members else None

    @rule()
    def join(self):
        if len(self.members) >= MOST:
            return
        self.joined += 1
        number = self.joined
        self.step(f"client {number} joins", lambda: self._join(number))

    def _join(self, number):
        proc = self._server()
        try:
            sock = peers.connect(proc.host, proc.port, WAIT)
        except OSError as e:
            raise self._fail(f"client {number} could not connect", "a connection", str(e),
                             "Keep the listener in the read set of every select.") from None
        m = Member(number, sock)
        m.want = b"* you are " + m.name + b"\n"
        self.members.append(m)
        self._sync([m])

    @rule(who=st.integers(0, MOST - 1), data=piece_strategy())
    def send(self, who, data):
        m = self._pick(who)
        # Only while another client reads: its reading a line shows the server read it
        # before the next step. A line nobody reads yet may be read after a client
        # that joins next was accepted, and go to it too, as the README allows.
        if m is None or not any(o is not m and not o.stalled for o in self.members):
            return
        self.step(f"client {m.number} sends {shown(data, 60)}", lambda: self._send(m, data))

    def _send(self, m, data):
        try:
            m.sock.sendall(data)
        except OSError as e:
            raise self._fail(f"client {m.number} could not send", "the server reading",
                             str(e), "A client stays connected until it leaves.") from None
        m.pending += data
        while True:
            end = m.pending.find(b"\n")
            line = m.pending if end < 0 else m.pending[:end]
            if len(line) >= LINE_MAX:
                self._dropped(m)
                break
            if end < 0:
                break
            m.pending = m.pending[end + 1:]
            for other in self.members:
                if other is not m:
                    other.want += m.name + b": " + line + b"\n"
        self._sync()

    def _dropped(self, m):
        """The server must disconnect M: 1024 bytes without a newline."""
        self.members.remove(m)
        m.sock.settimeout(WAIT)
        deadline = time.monotonic() + WAIT
        how = "timeout"
        while time.monotonic() < deadline:
            data, how = m.read(1 << 16, deadline - time.monotonic())
            if how in ("eof", "reset"):
                break
        m.sock.close()
        if how not in ("eof", "reset"):
            raise self._fail(f"client {m.number} sent {LINE_MAX} bytes without a newline "
                             "and stayed connected; the README (section 4) says it is "
                             "disconnected", "the server closes its connection",
                             f"still open after {WAIT:g} s",
                             "take_line returns -1 when c->in is full without a '\\n': "
                             "drop that client (drop_client).")

    @rule(who=st.integers(0, MOST - 1))
    def stall(self, who):
        m = self._pick(who)
        if m is not None and not m.stalled:
            m.stalled = True
            self.step(f"client {m.number} stops reading", lambda: None)

    @rule(who=st.integers(0, MOST - 1))
    def resume(self, who):
        m = self._pick(who)
        if m is not None and m.stalled:
            m.stalled = False
            self.step(f"client {m.number} reads again", lambda: self._sync([m]))

    @rule(who=st.integers(0, MOST - 1), abort=st.booleans())
    def leave(self, who, abort):
        m = self._pick(who)
        if m is None:
            return
        how = "resets its connection" if abort else "closes its connection"
        self.step(f"client {m.number} {how}" + (f" (its unfinished line {shown(m.pending, 40)}"
                                                 " is dropped)" if m.pending else ""),
                  lambda: self._leave(m, abort))

    def _leave(self, m, abort):
        self.members.remove(m)
        if abort:
            peers.reset(m.sock)
        else:
            m.sock.close()
        proc = self._server()
        if proc.poll() is not None:
            raise self._fail(f"the server ended after client {m.number} left",
                             "still running", proc.stop().ended(),
                             "A client that leaves is dropped on its own; the loop goes on.")

    def _sync(self, members=None):
        """Reads what each member that reads should have received, and checks it."""
        for m in members or [m for m in self.members if not m.stalled]:
            if not m.want:
                continue
            data, how = m.read(len(m.want), WAIT)
            if data != m.want:
                at = expect.first_difference(m.want, data)
                why = {"eof": "; then the server closed it", "reset": "; then a reset",
                       "timeout": f"; then nothing for {WAIT:g} s"}.get(how, "")
                raise self._fail(
                    f"client {m.number} did not receive what the README (section 7) says",
                    shown(m.want, 500), shown(data, 500) + why,
                    "Each line goes, once its '\\n' has come, to every other client "
                    "connected then, as 'NAME: LINE', in the order the server read them; "
                    "never to its sender; the greeting first." if at else
                    "Greet each client first: '* you are NAME\\n'.")
            m.want = b""


def check_room(start, seed):
    ex = Exploration(seed, scaled(ROOM_SCHEDULES), ROOM_SHRINKS, ROOM_SECONDS)
    ex.machine(Room, start=staticmethod(start))

