"""Chat server with select()

Lab 06's behaviours: the unit tests of chat.c, then chat_server run as a program with
the grader as its clients: the greeting, a line relayed to every other client with the
sender's name, lines split at every byte and several lines in one segment, hundreds of
clients at once, a client that never reads while the others chat, a client that
vanishes mid-line, resets, a flood, a line too long, and the server's own calls read
from its record (gradelib.calls): non-blocking sockets, and no socket kept for a client
that has gone. Lines are random; in most tests the layer makes send take fewer bytes
than asked and recv return fewer than are waiting.
"""
import re
import selectors
import socket
import time

import pytest

from gradelib import calls as call_record, expect, peers, servers
from gradelib.servers import failure

UNITS = "lab06_units"
# Every wait of a test is bounded by one of these.
LINE_TIMEOUT = 20
EXIT_TIMEOUT = 10
# What chat.h says a client may leave untaken, and the longest line.
OUT_MAX = 65536
LINE_MAX = 1024
# Clients at once, on every platform: chat.h allows 500, which the layer's fd_set
# (FD_SETSIZE 1024 on Windows too) holds with room to spare, and so do Windows and
# Wine; the grader keeps one socket per client, and the server one more, each well
# within a usual ulimit -n of 1024. Each client gets every other's line: HUNDREDS
# squared lines in all.
HUNDREDS = 400


# The calls the README expects of chat_server, drawn beside a failed test's on the report
# page (gradelib.page.expected); a test whose path differs says its own. Sockets in the
# order the server has them: s1 the listener, then the clients in the order they came.
LISTEN = ("WSAStartup: version 2.2",
          "getaddrinfo: the --bind address and --port, AI_PASSIVE",
          "socket s1: of that address's family",
          "setsockopt s1: SO_EXCLUSIVEADDRUSE, before bind", "bind s1: that address",
          "listen s1", "ioctlsocket s1: FIONBIO, the listener non-blocking too",
          "announce s1: listening on ADDR:PORT, once listen succeeded")


def greeted(s):
    """The steps of a client the listener accepts as socket S, up to its greeting."""
    return ("select: the listener readable, a client waiting",
            f"accept s1: {s}, the client, into a sockaddr_storage",
            f"ioctlsocket {s}: FIONBIO, before its first recv or send",
            f"setsockopt {s}: SO_SNDBUF of CHAT_SNDBUF (64 KiB)",
            f"select: {s} writable, '* you are NAME' queued",
            f"send {s}: * you are NAME, as much as the socket takes")


def next_client(s):
    """A client accepted as socket S, its steps as greeted's."""
    return f"accept s1: {s}, the next client, set up and greeted alike"


def relay(s, *to, line="a line"):
    """The steps of LINE, sent by the client on socket S, relayed to those on TO."""
    return (f"select: {s} readable, it sent {line}",
            f"recv {s}: once, appended to its line buffer",
            f"select: {' and '.join(to)} writable, NAME: LINE queued, not to {s}",
            f"send {to[0]}: NAME: LINE, until all went or WSAEWOULDBLOCK",
            *(f"send {t}: NAME: LINE, the same" for t in to[1:]))


def left(s):
    """The steps of the client on socket S closing its end."""
    return (f"recv {s}: 0, the client closed", f"closesocket {s}: and out of the list")


pytestmark = pytest.mark.expected("chat_server", *LISTEN, *greeted("s2"), *greeted("s3"),
                                  *relay("s2", "s3"))


# --- chat.c, through its unit tests (tests/unit/lab06_test.c) ----------------------

@pytest.mark.points(3)
def test_unit_lines(unit):
    """take_line takes complete lines, in pieces or several at once, and refuses one too long (unit tests)"""
    unit(UNITS, "Lines", "Look for '\\n' in the c->in_len bytes of c->in (memchr): none "
         "yet is 0, or -1 when c->in is full; else copy the line with its '\\n' and "
         "memmove what follows to the start.")


@pytest.mark.points(2)
def test_unit_output(unit):
    """queue_output appends all or nothing, within CHAT_OUT_MAX, and client_name names a client (unit tests)"""
    unit(UNITS, "Output", "Refuse (-1, c->out unchanged) when len is more than "
         "CHAT_OUT_MAX - c->out_len; else append and add len to c->out_len.")
    unit(UNITS, "Names", "client_name is given: keep it as the starter has it "
         "(\"%s:%u\" or \"[%s]:%u\" into size bytes; -1 when that does not fit, "
         "'\\0' included, or the family is neither AF_INET nor AF_INET6).")


@pytest.mark.points(3)
def test_unit_nonblocking(unit):
    """set_nonblocking and read_client: WSAEWOULDBLOCK when nothing waits, bytes appended, 0 on close (unit tests)"""
    unit(UNITS, "Nonblocking", "ioctlsocket(s, FIONBIO, &one) with u_long one = 1; recv "
         "into c->in + c->in_len at most sizeof c->in - c->in_len bytes, and add what "
         "came to c->in_len.")


@pytest.mark.points(3)
def test_unit_flush(unit):
    """flush_output sends what the socket takes, keeps the rest in order, reports a failed send (unit tests)"""
    unit(UNITS, "Flush", "Loop on send from c->out; WSAEWOULDBLOCK ends the loop with 0 "
         "(the socket is full), another error is returned; then memmove the unsent "
         "rest to the start of c->out.")


# --- what this lab links from earlier labs: the student's own, with their unit tests --

@pytest.mark.points(1)
def test_reused_open_listener(unit):
    """open_listener, lab 03's function that chat_server links, passes lab 03's unit tests"""
    for case in ("Listener", "Restart"):
        unit("lab03_units", case, "chat_server listens with your open_listener from lab 03 "
             "(labs/03-tcp-server/listener.c): these are lab 03's unit tests of it. Fix "
             "it there (make grade LAB=03 says more); until then chat_server's tests "
             "below fail with it.")


# --- helpers ------------------------------------------------------------------------------

server = servers.fixture("chat_server", timeout=120)


def name_of(sock):
    """The name the server gives the client on SOCK: ADDR:PORT, [ADDR]:PORT for IPv6."""
    host, port = sock.getsockname()[:2]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class Chatter:
    """One client of the chat: its socket, its name, and what it has received but not
    yet read as lines."""

    def __init__(self, proc, sock):
        self.proc, self.sock, self.name, self.pending = proc, sock, name_of(sock), b""
        self.closed = None      # "eof" or "reset" once the server has closed

    def fill(self, timeout):
        """Receives once, within TIMEOUT s. Returns False on timeout."""
        self.sock.settimeout(max(timeout, 0.001))
        try:
            chunk = self.sock.recv(1 << 16)
        except socket.timeout:
            return False
        except (ConnectionResetError, ConnectionAbortedError):
            self.closed = "reset"
            return True
        if not chunk:
            self.closed = "eof"
        self.pending += chunk
        return True

    def line(self, timeout=LINE_TIMEOUT):
        """The next whole line, its '\\n' included, or None if none came within TIMEOUT
        s or the server closed first."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.pending and not self.closed:
            if not self.fill(deadline - time.monotonic()) and time.monotonic() > deadline:
                return None
        if b"\n" not in self.pending:
            return None
        line, self.pending = self.pending.split(b"\n", 1)
        return line + b"\n"

    def expect_line(self, wanted, what, hint):
        got = self.line()
        if got != wanted:
            raise failure(self.proc, what, repr(wanted),
                          "nothing" + (f" (the server closed: {self.closed})"
                                       if self.closed else f" within {LINE_TIMEOUT} s")
                          if got is None else repr(got), hint)

    def close(self):
        self.sock.close()


def join(proc, host=None):
    """A new client, connected and greeted ("* you are NAME"): from then on the server
    counts it in."""
    sock = servers.connected(proc, LINE_TIMEOUT, "Keep the listener in the read set of every "
                             "select; when select says it is readable, accept.", host=host)
    c = Chatter(proc, sock)
    c.expect_line(f"* you are {c.name}\n".encode(), "a new client was not greeted with "
                  "its name", "On accept, name the client (client_name of the address "
                  "accept gives) and queue_output \"* you are NAME\\n\" for it.")
    return c


def words(rng, n=None):
    """A random line's text: any byte but '\\n' (zeros, '\\r', 0x1A and 0xFF too)."""
    n = n or rng.randint(1, 200)
    data = bytearray(rng.randbytes(n))
    for i, b in enumerate(data):
        if b == 0x0A:
            data[i] = 0x20
    data[0] = rng.choice(b"abcdefghijklmnopqrstuvwxyz")
    return bytes(data)


def relayed(sender, text):
    return sender.name.encode() + b": " + text + b"\n"


RELAY_HINT = ("When take_line gives a line, queue \"NAME: \" and the line to every other "
              "client's output; select their sockets for writing while they have output, "
              "and flush_output them when writable.")


def still_running(proc, after):
    servers.still_running(proc, after, "A client that goes wrong is dropped on its own "
                          "(closesocket, out of the list); the loop goes on. Only "
                          "--max-clients ends the server.",
                          expected="still running, serving the other clients")


# An error line, as kit_error writes it, and anything that names a WSA code.
_ERROR_LINE = re.compile(r"chat_server: \w+: WSA[A-Z0-9]+ \(\d+\): .+")
_NAMES_A_CODE = re.compile(r"\bWSA\w* \(-?\d+\)")


def errors_well_formed(proc):
    """Checks that every error line the running server has written on stderr so far is
    the kit's: chat_server: CALL: WSANAME (CODE): TEXT, with a code the call gave."""
    text = bytes(proc.err.data).replace(b"\r\n", b"\n").decode("utf-8", "replace")
    for line in text.split("\n")[:-1]:          # whole lines only
        if _NAMES_A_CODE.search(line) and not _ERROR_LINE.fullmatch(line):
            raise failure(proc, "an error line on stderr is not the kit's",
                          "chat_server: CALL: WSANAME (CODE): TEXT, e.g. chat_server: "
                          "recv: WSAECONNRESET (10054): ...", line,
                          "Report a failed call right after it fails: kit_error(PROG, "
                          "\"recv\", WSAGetLastError()), PROG first, then the call, then "
                          "the code it failed with.")


def only_the_listener(proc, keep=0):
    servers.only_the_listener(proc, "When read_client returns 0 or fails, closesocket the "
                              "client's socket and take it out of the list: a server that "
                              "keeps them runs out of sockets and of room in its fd_set.",
                              keep=keep)


# --- chat_server --------------------------------------------------------------------------

@pytest.mark.expected("chat_server", "exit: 1, the usage on stderr, before any socket call")
@pytest.mark.points(1)
def test_usage(run):
    """chat_server refuses a bad command line with its usage"""
    for args in [("--port",), ("--port", "70000"), ("--max-clients", "0"), ("extra",)]:
        result = run("chat_server", *args)
        expect.exits(result, 1, hint="Parse the options with kit_server_args; when it "
                                     "refuses them, print the usage and exit 1.")
        expect.usage(result)


@pytest.mark.expected("chat_server", *LISTEN[:4],
                      "bind s1 fails: WSAEADDRINUSE, another socket holds the port",
                      "closesocket s1", "WSACleanup", "exit: 2, the bind error line on stderr")
@pytest.mark.points(1)
def test_port_in_use(run):
    """a port in use: exit 2 and the WSAEADDRINUSE error line"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind((peers.IPV4, 0))
        taken.listen(1)
        result = run("chat_server", "--port", taken.getsockname()[1], timeout=EXIT_TIMEOUT)
    expect.exits(result, 2, hint="When bind fails, report it with kit_error and exit 2.")
    expect.error_line(result, "bind", "WSAEADDRINUSE", 10048)


@pytest.mark.expected("chat_server", *LISTEN, "select fails: WSAENETDOWN (the grader's fault)",
                      "closesocket s1", "WSACleanup", "exit: 2, the select error line on stderr")
@pytest.mark.points(1)
@pytest.mark.faults("select-fails")
def test_select_fails(run):
    """select fails: the server reports select and its code, and exits 2"""
    result = run("chat_server", "--port", 0, timeout=EXIT_TIMEOUT)
    expect.exits(result, 2, hint="A select that fails leaves the server nothing to wait "
                                 "with: report it with kit_error and exit 2, not loop again.")
    expect.error_line(result, "select", "WSAENETDOWN", 10050)


@pytest.mark.expected("chat_server", *LISTEN, *greeted("s2"), *greeted("s3"),
                      next_client("s4"), *relay("s2", "s3", "s4"),
                      *relay("s3", "s2", "s4", line="a reply"))
@pytest.mark.points(3)
@pytest.mark.faults("short-send", "short-recv")
def test_relay(server, rng):
    """a line goes to every other client with the sender's name, and not back to the sender"""
    proc = server()
    a, b, c = join(proc), join(proc), join(proc)
    text = words(rng)
    a.sock.sendall(text + b"\n")
    for to in (b, c):
        to.expect_line(relayed(a, text), "a line was not relayed to another client",
                       RELAY_HINT)
    reply = words(rng)
    b.sock.sendall(reply + b"\n")
    a.expect_line(relayed(b, reply), "the sender got back its own line, or not the "
                  "next client's", "Relay a line to every client but its sender.")


@pytest.mark.expected("chat_server", LISTEN[0],
                      "getaddrinfo: ::1 (--bind) and --port, AI_PASSIVE",
                      "socket s1: AF_INET6, that address's family", *LISTEN[3:7],
                      "announce s1: listening on [::1]:PORT", *greeted("s2"),
                      *greeted("s3"), *relay("s2", "s3"))
@pytest.mark.points(2)
@pytest.mark.faults("short-send", "short-recv")
def test_ipv6(server, rng):
    """with --bind ::1 clients chat over IPv6, named [::1]:PORT"""
    proc = server("--bind", "::1")
    if proc.host != peers.IPV6:
        raise failure(proc, "the server did not listen on ::1", "listening on [::1]:PORT",
                      f"listening on {proc.host}:{proc.port}",
                      "Pass --bind (args.bind) to open_listener (lab 03's), which "
                      "resolves it with getaddrinfo.")
    a, b = join(proc), join(proc)
    text = words(rng)
    a.sock.sendall(text + b"\n")
    b.expect_line(relayed(a, text), "a line was not relayed over IPv6", RELAY_HINT)


@pytest.mark.expected("chat_server", *LISTEN, *greeted("s2"), *greeted("s3"),
                      "select: s2 readable, a piece of a line",
                      "recv s2: the piece, after what its line buffer holds",
                      "select: s2 readable again, and so for each piece",
                      "recv s2: the last piece, the newline: now take_line gives it",
                      "select: s3 writable, NAME: LINE queued whole, once",
                      "send s3: NAME: LINE, until all went or WSAEWOULDBLOCK")
@pytest.mark.points(3)
@pytest.mark.faults("short-recv")
def test_line_in_pieces(server, rng):
    """a line sent one byte at a time arrives whole, once"""
    proc = server()
    a, b = join(proc), join(proc)
    a.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    text = words(rng, rng.randint(20, 60))
    for i, byte in enumerate(text + b"\n"):
        a.sock.sendall(bytes([byte]))
        if i % 8 == 7:
            # The peer's pace: a server that waits in select reads what came so far
            # (under Wine, bytes sent back to back may be read in one recv).
            time.sleep(0.05)
    b.expect_line(relayed(a, text), "a line sent one byte at a time was not relayed "
                  "whole", "Keep what recv gave after the last '\\n' in c->in: the rest "
                  "of the line comes in later recvs.")


@pytest.mark.expected("chat_server", *LISTEN, *greeted("s2"), *greeted("s3"),
                      "select: s2 readable, many lines in one segment",
                      "recv s2: once, as many of them as its line buffer holds",
                      "select: s3 writable, every whole line queued, in order",
                      "send s3: NAME: LINE for each, until all went or WSAEWOULDBLOCK",
                      "recv s2: the rest in later rounds, each line relayed alike")
@pytest.mark.points(3)
@pytest.mark.faults("short-send", "short-recv")
def test_lines_in_one_segment(server, rng):
    """many lines sent in one segment each arrive whole, in order"""
    proc = server()
    a, b = join(proc), join(proc)
    texts = [words(rng, rng.randint(1, 40)) for _ in range(rng.randint(20, 40))]
    texts.insert(rng.randrange(len(texts)), b"")      # "\n" alone is a line too
    a.sock.sendall(b"".join(t + b"\n" for t in texts))
    for i, text in enumerate(texts):
        b.expect_line(relayed(a, text), f"line {i + 1} of {len(texts)} sent in one "
                      "segment was not relayed", "One recv may hold several lines: call "
                      "take_line until it returns 0, relaying each (an empty line, \"\\n\" "
                      "alone, too).")


@pytest.mark.expected("chat_server", *LISTEN, *greeted("s2"),
                      "accept s1: s3 to s401, the other 399 clients, greeted alike",
                      "select: every client in the read set, each sent a line",
                      "recv s2: its line, and so every readable client's",
                      "select: the clients writable, the 399 others' lines queued",
                      "send s2: the 399 others' lines, as much as it takes",
                      "send s401: the same: every client served in each round",
                      *left("s2"), "closesocket s401: and so every client as it leaves")
@pytest.mark.points(4)
@pytest.mark.faults("short-send")
def test_hundreds_of_clients(server, rng):
    """hundreds of clients at once each get every other client's line"""
    proc = server()
    clients = [join(proc) for _ in range(HUNDREDS)]
    lines = {}
    for c in clients:
        text = words(rng, rng.randint(5, 20))
        lines[c.name] = relayed(c, text)
        c.sock.sendall(text + b"\n")
    wanted = set(lines.values())
    got = {c.name: set() for c in clients}
    by_sock = {c.sock: c for c in clients}
    deadline = time.monotonic() + 30 + HUNDREDS / 10
    with selectors.DefaultSelector() as sel:
        for c in clients:
            c.sock.setblocking(False)
            sel.register(c.sock, selectors.EVENT_READ)
        todo = len(clients)
        while todo and time.monotonic() < deadline:
            for key, _ in sel.select(1.0):
                c = by_sock[key.fileobj]
                try:
                    chunk = c.sock.recv(1 << 16)
                except BlockingIOError:
                    continue
                except OSError:
                    chunk = b""
                c.pending += chunk
                *whole, c.pending = c.pending.split(b"\n")
                got[c.name].update(w + b"\n" for w in whole)
                if not chunk or len(got[c.name]) >= HUNDREDS - 1:
                    sel.unregister(c.sock)
                    todo -= 1
    for c in clients:
        expected = wanted - {lines[c.name]}
        if got[c.name] != expected:
            missing, extra = expected - got[c.name], got[c.name] - expected
            raise failure(proc, f"with {HUNDREDS} clients at once, one did not get every "
                          "other client's line exactly", f"{len(expected)} lines",
                          f"{len(got[c.name] & expected)} of them, {len(missing)} missing"
                          f", {len(extra)} others (e.g. {next(iter(extra), b'')!r})",
                          f"Serve every client in each round: all of them in the read "
                          f"set, those with output in the write set ({HUNDREDS} sockets "
                          f"fit in an fd_set of FD_SETSIZE 1024).")
    for c in clients:
        c.close()
    still_running(proc, f"{HUNDREDS} clients")


ROOM = 500          # CHAT_MAX_CLIENTS


@pytest.mark.expected("chat_server", *LISTEN, *greeted("s2"),
                      "accept s1: s3 to s501, 499 more clients, greeted alike",
                      "accept s1: s502, the 501st client: the room is full",
                      "closesocket s502: at once, no greeting; said on stderr",
                      *relay("s2", "s501"), *left("s2"),
                      "closesocket s501: and so every client as it leaves",
                      "closesocket s1: once 501 clients have come and gone",
                      "WSACleanup", "exit: 0, only the listening line on stdout")
@pytest.mark.points(2)
def test_room_full(server, rng):
    """with CHAT_MAX_CLIENTS clients connected the next one is closed at once (said on stderr), and the room goes on"""
    # The refused client counts as one that came and went: once the ROOM leave, the
    # server exits, and stdout holds all it wrote (a pipe's stdout is buffered).
    proc = server("--max-clients", ROOM + 1)
    clients = [join(proc) for _ in range(ROOM)]
    extra = peers.connect(proc.host, proc.port, LINE_TIMEOUT)
    got, how = peers.recv_until_close(extra, LINE_TIMEOUT)
    extra.close()
    if how not in ("eof", "reset") or got:
        raise failure(proc, f"client {ROOM + 1}, beyond CHAT_MAX_CLIENTS, was not closed "
                      "at once", "the connection closed, with no greeting",
                      f"{got[:80]!r}, then {how}",
                      "When the room is full, accept the client and closesocket it at "
                      "once: a client that is never accepted waits in the backlog.")
    text = words(rng)
    clients[0].sock.sendall(text + b"\n")
    clients[-1].expect_line(relayed(clients[0], text), f"with {ROOM} clients the last "
                            "did not get the first one's line", "Every client in the "
                            "read set: the layer's fd_set holds 1024 sockets.")
    for c in clients:
        c.close()
    result = proc.wait(EXIT_TIMEOUT)
    expect.exits(result, 0, hint="A refused client came and went: count it in joined and "
                                 "left, so that --max-clients ends the server once the "
                                 "others have gone too.")
    if not re.search(r"full|refused", result.errors.replace("output is full", "")):
        raise expect.Failure(f"client {ROOM + 1}, refused, was not said on stderr",
                             expected="chat_server: the room is full: a client refused",
                             got=result.errors.strip()[-300:] or "(nothing on stderr)",
                             result=result, hint="Say it on stderr when a client is refused: "
                             "fprintf(stderr, \"%s: the room is full: a client refused\\n\", "
                             "PROG).")
    if len(result.lines) != 1:
        raise expect.Failure("the server wrote more than its listening line on stdout",
                             expected=f"listening on {proc.host}:{proc.port}",
                             got=result.text.strip(), result=result,
                             hint="stdout holds only the listening line; \"the room is "
                                  "full\" and every other message goes to stderr "
                                  "(fprintf(stderr, ...)).")


# What the others chat, at most, while the slow client reads nothing: its output
# (CHAT_OUT_MAX), the server's send buffer for it (CHAT_SNDBUF; Linux doubles what is
# set) and its own receive buffer are full after about 160 KiB. Without a fixed
# SO_SNDBUF, Linux grows the server's send buffer to 4 MiB. The others chat until the
# record shows the slow one closed; BATCH is what one round of lines holds.
SLOW_LIMIT = 1 << 20
BATCH = 16 << 10
# How long a line on stderr may lag behind the close the client has seen.
SAID_TIMEOUT = 5


def closed_by_server(proc, client):
    """Whether the server's record shows the socket it accepted from CLIENT closed."""
    record = proc.calls
    made = next((s for s in record.sockets.values() if s.made.name == "accept" and
                 (s.made.result or "").endswith(f" from {client.name}")), None)
    return made is not None and made.closed is not None


def chat_batch(a, b, rng):
    """A sends one BATCH of lines in one segment; B must get each. Returns its size."""
    texts = []
    while sum(len(t) + 1 for t in texts) < BATCH:
        texts.append(words(rng, rng.randint(50, 500)))
    a.sock.sendall(b"".join(t + b"\n" for t in texts))
    for text in texts:
        b.expect_line(relayed(a, text), "while one client read nothing, another did not "
                      "get its lines", "Never wait on one client: non-blocking sockets, "
                      "and output queued per client (queue_output), sent when select "
                      "says that client is writable.")
    return sum(len(t) + 1 for t in texts)


@pytest.mark.expected("chat_server", *LISTEN, *greeted("s2"), next_client("s3"),
                      next_client("s4"), "select: s3 readable, it sent lines",
                      "recv s3: once, appended to its line buffer",
                      "select: s2 and s4 writable, NAME: LINE queued to each",
                      "send s4: NAME: LINE, until all went or WSAEWOULDBLOCK",
                      "send s2: what its 64 KiB send buffer takes",
                      "send s2 fails: WSAEWOULDBLOCK, no room: the rest waits",
                      "recv s3: more lines, queued to s2 and s4 alike",
                      "closesocket s2: its output full: too slow, said on stderr",
                      *relay("s3", "s4", line="more lines"))
@pytest.mark.points(4)
def test_slow_reader(server, rng):
    """a client that never reads does not stop the others; once its output is full it is disconnected"""
    proc = server()
    # A small window, so that the server's output for it piles up soon.
    slow = slow_client(proc)
    slow_sock = slow.sock
    a, b = join(proc), join(proc)
    sent = rounds = 0
    while sent < SLOW_LIMIT and not (rounds % 8 == 0 and closed_by_server(proc, slow)):
        sent += chat_batch(a, b, rng)
        rounds += 1
    chat_batch(a, b, rng)               # and the others go on
    got, how = peers.recv_until_close(slow_sock, LINE_TIMEOUT)
    slow_sock.close()
    if how not in ("eof", "reset"):
        raise failure(proc, "a client that read nothing while a megabyte was relayed to "
                      "it was not disconnected", "its connection closed by the server "
                      f"once its output passed {OUT_MAX} bytes",
                      f"{sent} bytes relayed, {len(got)} of them taken by the slow client, "
                      f"then {how}",
                      "When queue_output refuses (-1), the client is too slow: "
                      "closesocket it and take it out of the list. Give each client "
                      "a send buffer of CHAT_SNDBUF bytes (SO_SNDBUF): the system "
                      "would grow it to megabytes for a client that reads nothing.")
    still_running(proc, "a slow client was disconnected")
    if proc.wait_line(rf".*{re.escape(slow.name)}.*", SAID_TIMEOUT, stderr=True) is None:
        raise failure(proc, "the slow client's disconnection was not said on stderr",
                      f"chat_server: {slow.name}: too slow (its output is full), "
                      "disconnected", "no line on stderr naming it",
                      "drop_client(room, c, \"too slow (its output is full)\") prints it: "
                      "keep drop_client as the starter gives it, and give it the reason.")
    text = words(rng)
    b.sock.sendall(text + b"\n")
    a.expect_line(relayed(b, text), "after a slow client was disconnected the others "
                  "could not chat", RELAY_HINT)
    only_the_listener(proc, keep=2)


@pytest.mark.expected("chat_server", *LISTEN, *greeted("s2"), *greeted("s3"),
                      next_client("s4"), "select: s2 readable, lines in large segments",
                      "recv s2: once, appended to its line buffer",
                      "select: s3 and s4 writable, every whole line queued",
                      "send s3: NAME: LINE for each, in order, as much as it takes",
                      "send s4: NAME: LINE for each, the same",
                      "recv s2: the rest of the megabyte, round after round")
@pytest.mark.points(3)
@pytest.mark.faults("short-send", "short-recv")
def test_flood(server, rng):
    """a megabyte of lines in large segments reaches two readers whole and in order"""
    proc = server()
    a, b, c = join(proc), join(proc), join(proc)
    total = 0
    while total < (1 << 20):
        texts = [words(rng, rng.randint(1, LINE_MAX - 1)) for _ in range(rng.randint(5, 15))]
        a.sock.sendall(b"".join(t + b"\n" for t in texts))
        total += sum(len(t) + 1 for t in texts)
        for to in (b, c):
            for text in texts:
                to.expect_line(relayed(a, text), "a line of a flood was lost or changed",
                               "Call take_line until it returns 0 after every recv; keep "
                               "the partial line; queue the whole \"NAME: line\".")


@pytest.mark.expected("chat_server", *LISTEN, *greeted("s2"), *greeted("s3"),
                      next_client("s4"), "select: s4 readable, part of a line",
                      "recv s4: the part, no newline: nothing relayed",
                      "recv s4: 0, it closed: its partial line dropped",
                      "closesocket s4: and out of the list",
                      "recv s2: part of a line, no newline",
                      "recv s2 fails: WSAECONNRESET, it reset: its line dropped",
                      "closesocket s2: the recv error line on stderr, out of the list",
                      next_client("s5"), *relay("s5", "s3"))
@pytest.mark.points(2)
@pytest.mark.faults("short-recv")
def test_vanished_mid_line(server, rng):
    """a client that closes or resets mid-line is dropped with its partial line; the others go on"""
    proc = server()
    a, b, d = join(proc), join(proc), join(proc)
    d.sock.sendall(words(rng))              # no '\n': a line never finished
    d.sock.shutdown(socket.SHUT_WR)         # and a clean close, seen as recv 0
    got, how = peers.recv_until_close(d.sock, LINE_TIMEOUT)
    d.close()
    if how not in ("eof", "reset"):
        raise failure(proc, "a client that closed mid-line was not disconnected",
                      "the server closes its connection", f"{len(got)} bytes, then {how}",
                      "When read_client returns 0 the client has closed: drop it, with "
                      "the line it had not finished.")
    a.sock.sendall(words(rng))
    peers.reset(a.sock)
    still_running(proc, "a client vanished mid-line")
    c = join(proc)
    text = words(rng)
    c.sock.sendall(text + b"\n")
    b.expect_line(relayed(c, text), "after a client closed or reset mid-line, the next "
                  "line was not relayed as sent", "A client that closes or fails is "
                  "dropped with what it had not finished: never relay a partial line, "
                  "not even when recv returns 0.")
    only_the_listener(proc, keep=2)
    errors_well_formed(proc)


@pytest.mark.expected("chat_server", *LISTEN, *greeted("s2"), *greeted("s3"),
                      "select: s2 readable, 1024 bytes and no newline",
                      "recv s2: until its 1024-byte line buffer is full",
                      "closesocket s2: take_line gave -1: line too long",
                      next_client("s4"), *relay("s4", "s3"))
@pytest.mark.points(2)
def test_line_too_long(server, rng):
    """a client that sends CHAT_LINE_MAX bytes without a newline is disconnected; the others go on"""
    proc = server()
    a, b = join(proc), join(proc)
    a.sock.sendall(words(rng, LINE_MAX))       # then nothing: no more to read
    got, how = peers.recv_until_close(a.sock, LINE_TIMEOUT)
    if how not in ("eof", "reset"):
        raise failure(proc, f"a client that sent {LINE_MAX} bytes without '\\n' was not "
                      "disconnected", "the server closes its connection",
                      f"{len(got)} bytes, then {how}",
                      "take_line returns -1 when c->in is full without '\\n': drop that "
                      "client then, in the same round (it may send nothing more).")
    a.close()
    text = words(rng)
    c = join(proc)
    c.sock.sendall(text + b"\n")
    b.expect_line(relayed(c, text), "after a line too long the others could not chat",
                  RELAY_HINT)


RESETS = 60


@pytest.mark.expected("chat_server", *LISTEN, *greeted("s2"), next_client("s3"),
                      "recv s3: its line, or part of one",
                      "recv s3 fails: WSAECONNRESET, the client reset",
                      "closesocket s3: the recv error line, and out of the list",
                      "accept s1: s4 to s62, 59 more that do the same, alike",
                      next_client("s63"), *relay("s63", "s2"))
@pytest.mark.points(3)
def test_resets_leave_no_sockets(server, rng):
    """clients that reset one after another leave the server holding only the listener and the clients still there"""
    proc = server()
    watcher = join(proc)
    for i in range(RESETS):
        c = join(proc)
        c.sock.sendall(words(rng) + (b"\n" if i % 2 else b""))
        peers.reset(c.sock)
    still_running(proc, f"{RESETS} clients reset")
    last = join(proc)
    text = words(rng)
    last.sock.sendall(text + b"\n")
    while True:         # the lines of the clients that reset, then this one
        got = watcher.line()
        if got is None or got == relayed(last, text):
            break
    if got is None:
        raise failure(proc, "after clients reset, a line was not relayed",
                      repr(relayed(last, text)), "nothing", RELAY_HINT)
    only_the_listener(proc, keep=2)
    errors_well_formed(proc)


@pytest.mark.expected("chat_server", *LISTEN, *greeted("s2"), *greeted("s3"),
                      "select: s2 readable; the listener out of it: 2 joined",
                      *relay("s2", "s3")[1:], *left("s2"), *left("s3"),
                      "closesocket s1: once the 2 clients have gone", "WSACleanup",
                      "exit: 0, the late client never accepted")
@pytest.mark.points(3)
@pytest.mark.memcheck
@pytest.mark.faults("short-send", "short-recv")
def test_max_clients(server, rng):
    """with --max-clients N the server exits 0 once N clients have come and gone"""
    proc = server("--max-clients", "2")
    a, b = join(proc), join(proc)
    # One more comes before a line: a server still accepting would greet it before b
    # gets the line.
    late = peers.connect(proc.host, proc.port, LINE_TIMEOUT)
    text = words(rng)
    a.sock.sendall(text + b"\n")
    b.expect_line(relayed(a, text), "a line was not relayed", RELAY_HINT)
    a.close()
    b.close()
    result = proc.wait(EXIT_TIMEOUT)
    expect.exits(result, 0, hint="Count the clients that have gone; once --max-clients "
                                 "have, close every socket, WSACleanup and return 0.")
    not_accepted(late, result, 2, "Keep the listener out of the read set once "
                 "room->joined reaches max (build_sets: only while max == 0 || "
                 "room->joined < max), and count every client accept gave in joined.")
    expect.asked_for_winsock(result)


def not_accepted(late, result, n, hint):
    """Checks that LATE, a client that connected after N had joined, got nothing from a
    server that has ended: it waited in the backlog, never accepted."""
    got, how = peers.recv_until_close(late, LINE_TIMEOUT)
    late.close()
    if got:
        raise expect.Failure(f"with --max-clients {n}, a client that came after {n} "
                             "others was accepted", expected="nothing sent to it: the "
                             f"server stops accepting after {n} clients",
                             got=f"{got[:80]!r}, then {how}", result=result, hint=hint)


@pytest.mark.expected("chat_server", *LISTEN,
                      "select: the listener readable, a client waiting",
                      "accept s1 fails: WSAECONNRESET, a client reset in the backlog",
                      *greeted("s2"), *greeted("s3"),
                      "select: s2 readable; the listener out of it: 3 joined",
                      *relay("s2", "s3")[1:], *left("s2"), *left("s3"),
                      "closesocket s1: the failed accept and 2 clients gone",
                      "WSACleanup", "exit: 0, the accept error line on stderr")
@pytest.mark.points(2)
@pytest.mark.faults("accept-reset")
def test_accept_reset(server, rng):
    """an accept that fails for a client that reset is reported, and counted as one that came and went"""
    # With --max-clients 3, the client that reset and the two that chat are the three.
    proc = server("--max-clients", 3)
    servers.sacrifice(proc, LINE_TIMEOUT)
    still_running(proc, "an accept that failed")
    a, b = join(proc), join(proc)
    late = peers.connect(proc.host, proc.port, LINE_TIMEOUT)      # the fourth
    text = words(rng)
    a.sock.sendall(text + b"\n")
    b.expect_line(relayed(a, text), "after a failed accept the server did not relay",
                  "A failed accept is that client's failure: report it with kit_error "
                  "and go on.")
    a.close()
    b.close()
    result = proc.wait(EXIT_TIMEOUT)
    expect.exits(result, 0, hint="A failed accept counts as a client that came and went "
                                 "(joined and left): with --max-clients 3, a failed accept "
                                 "and two clients that leave end the server.")
    not_accepted(late, result, 3, "A failed accept counts as a client that joined "
                 "(room->joined++) and left: with --max-clients 3, the failed one and two "
                 "others are all the server accepts.")
    servers.accept_reported(result, "chat_server", "When accept fails (other than "
                            "WSAEWOULDBLOCK), kit_error(PROG, \"accept\", "
                            "WSAGetLastError()).")


@pytest.mark.points(2)
def test_nonblocking_sockets(server, rng):
    """every client socket is made non-blocking before the server reads it, and the server calls select (read from its record)"""
    proc = server()
    a, b = join(proc), join(proc)
    a.sock.sendall(words(rng) + b"\n")
    b.line()
    record = proc.calls
    for s in record.sockets.values():
        if s.made.name != "accept":
            continue
        fionbio = next((c for c in s.calls if c.name == "ioctlsocket" and not c.failed
                        and c.args[1:3] == ["FIONBIO", "1"]), None)
        first_io = next((c for c in s.calls if c.name in ("recv", "send")), None)
        if fionbio is None or (first_io and first_io.number < fionbio.number):
            raise failure(proc, f"client socket {s.name} was not made non-blocking first",
                          f"ioctlsocket({s.name}, FIONBIO, 1) = 0 before its first recv "
                          "or send", "\n".join(c.text for c in s.calls[:6]),
                          "set_nonblocking each socket accept returns, before it is "
                          "read: one blocked recv stops every client.")
    for s in record.sockets.values():
        if not any(c.name == "listen" and not c.failed for c in s.calls):
            continue
        fionbio = next((c for c in s.calls if c.name == "ioctlsocket" and not c.failed
                        and c.args[1:3] == ["FIONBIO", "1"]), None)
        first_accept = next((c for c in s.calls if c.name == "accept"), None)
        if fionbio is None or (first_accept and first_accept.number < fionbio.number):
            raise failure(proc, f"the listener {s.name} was not made non-blocking first",
                          f"ioctlsocket({s.name}, FIONBIO, 1) = 0 before its first accept",
                          "\n".join(c.text for c in s.calls[:6]),
                          "main makes the listener non-blocking (set_nonblocking) as the "
                          "starter gives it: keep main as it is.")
    if not any(c.name == "select" for c in record.calls):
        raise failure(proc, "the server never called select", "select(...) in its record",
                      record.sequence(), "Wait in select for the sockets that are ready.")


# An idle server waits in select: with nothing to do for IDLE_WINDOW s, one that waits
# makes a call or two (the reference none), one that polls (a zero timeout) or asks for
# every client's writability returns from select at once, round after round: natively
# it fills its record before the clients have joined, under Wine thousands of calls a
# second.
# IDLE_CALLS is 10x what a server with a 100 ms select timeout would make, and far
# below a spin; a spinning server may also fill its record (RECORD_LIMIT lines), after
# which its calls are only counted at exit, so a full record is a spin too.
IDLE_WINDOW = 1.0
IDLE_CALLS = 100
_POLLING = re.compile(r"; timeout 0\.0+ s\)")


@pytest.mark.expected("chat_server", *LISTEN, *greeted("s2"), *greeted("s3"),
                      next_client("s4"), *relay("s2", "s3", "s4"),
                      "select: NULL timeout, no output queued: it waits there")
@pytest.mark.points(2)
def test_idle_server_waits(server, rng):
    """an idle server waits in select: a few calls in a second with nothing to do, not a spin (read from its record)"""
    proc = server()
    a, b, c = join(proc), join(proc), join(proc)
    text = words(rng)
    a.sock.sendall(text + b"\n")
    for to in (b, c):
        to.expect_line(relayed(a, text), "a line was not relayed to another client",
                       RELAY_HINT)
    before = proc.calls
    time.sleep(IDLE_WINDOW)         # the window measured: the server has nothing to do
    after = proc.calls
    window = after.calls[len(before.calls):]
    if len(window) <= IDLE_CALLS and not after.full:
        return
    selects = [call for call in window if call.name == "select"]
    if any(_POLLING.search(call.text) for call in window or after.calls):
        hint = ("select was given a zero timeout, which only polls: pass NULL, so that "
                "it waits until a socket is ready.")
    else:
        hint = ("Put a client in the write set only while it has output waiting "
                "(out_len > 0): a connected socket with room in its buffer is always "
                "writable, so select returns at once; and pass NULL as the timeout.")
    got = (f"its record full ({call_record.RECORD_LIMIT} lines) by the end of that second"
           if after.full else f"{len(window)} calls, {len(selects)} of them select")
    raise failure(proc, "with 3 clients connected and nothing to do, the server did "
                  "not wait in select",
                  f"at most {IDLE_CALLS} socket calls in {IDLE_WINDOW:g} s (a server that "
                  "waits makes one or none)",
                  got + ", e.g.\n" + "\n".join(call.text for call in
                                                (window or after.calls)[-3:]), hint)


# --- the challenge (bonus) ----------------------------------------------------------------

@pytest.mark.expected("chat_server", *LISTEN, *greeted("s2"), *greeted("s3"),
                      next_client("s4"), "select: s3 readable, it sent /who",
                      "recv s3: /who and a newline: a command, not relayed",
                      "select: s3 writable, * here: and every name queued to it",
                      "send s3: * here: NAME NAME NAME, in the order they came",
                      *relay("s4", "s2", "s3"))
@pytest.mark.challenge
@pytest.mark.points(2)
def test_challenge_who(server, rng):
    """challenge: /who answers its sender alone with every client's name, in the order they came"""
    proc = server()
    a, b, c = join(proc), join(proc), join(proc)
    b.sock.sendall(b"/who\n")
    b.expect_line(f"* here: {a.name} {b.name} {c.name}\n".encode(), "/who was not "
                  "answered with the names of the clients connected",
                  "When take_line gives exactly \"/who\\n\", queue \"* here:\" and \" NAME\" "
                  "for every client still connected, in the room's order, then \"\\n\", to "
                  "the sender only.")
    text = words(rng)
    c.sock.sendall(text + b"\n")
    for to in (a, b):
        to.expect_line(relayed(c, text), "after a /who the next line another client got "
                       "was not the next client's line", "A /who is a command to the "
                       "server: answer it, and do not relay it to the others.")


def slow_client(proc):
    """A client with a small receive window, greeted, that will read nothing more."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(LINE_TIMEOUT)
    sock.connect((proc.host, proc.port))
    slow = Chatter(proc, sock)
    slow.expect_line(f"* you are {slow.name}\n".encode(), "a new client was not greeted",
                     "queue_output \"* you are NAME\\n\" on accept.")
    return slow


# --- models of the README, and the smallest case that differs (gradelib.models) ------

from gradelib.models import lab06 as model  # noqa: E402


@pytest.mark.points(2)
def test_model_lines(start, seed):
    """take_line and queue_output agree with a model of the README on generated pieces and lengths"""
    model.check_functions(start, seed)


@pytest.mark.points(4)
def test_model_room(start, seed):
    """a room of clients that join, send in pieces, stall, reset and leave in random order gets what a model of the README says"""
    model.check_room(start, seed)
