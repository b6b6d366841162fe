"""The grader as the other end of the connection: loopback peers for the student's
clients and servers. Every call is bounded in time; nothing here waits forever."""
import random
import re
import select
import socket
import struct
import threading
import time

from . import budget, expect

IPV4 = "127.0.0.1"
IPV6 = "::1"
# Bytes that break text-mode output, C strings and line-based reading.
AWKWARD = b"\x00\n\r\x1a\r\n\xff"


def payload(size, seed=None):
    """SIZE random bytes that include every AWKWARD byte (when SIZE allows), from SEED:
    a test's rng (a random.Random, which gives the seed), or a number; without it, from
    the random module, which the grader seeds for each test."""
    if isinstance(seed, random.Random):
        seed = seed.random()
    rng = random.Random(random.random() if seed is None else seed)
    data = bytearray(rng.randbytes(size))
    for byte in AWKWARD if size else b"":
        data[rng.randrange(size)] = byte
    return bytes(data)


# How long a stream test waits after the stream's first piece before it sends the
# rest: a program that reads once, and takes what came for the whole stream, has seen
# only that piece unless it was held up this long (under Wine the large streams are
# small enough to arrive whole otherwise: platform.STREAM_SCALE).
FIRST_PIECE_PAUSE = 1.0


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def connect(host, port, timeout=10.0):
    """A TCP connection to HOST:PORT whose every call times out after TIMEOUT s."""
    timeout = max(budget.left(timeout), 0.001)
    sock = socket.create_connection((host, port), timeout=timeout)
    sock.settimeout(timeout)
    return sock


def reset(sock):
    """Closes SOCK abortively: the peer gets a reset (RST), not an end-of-file."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def refusing_port(host=IPV4):
    """A socket bound to a loopback port that nothing listens on, so a connect there
    is refused; keep it open while the port is used, so no one else can take it."""
    sock = socket.socket(family(host), socket.SOCK_STREAM)
    sock.bind((host, 0))
    return sock, sock.getsockname()[1]


def recv_until_close(sock, timeout, limit=1 << 30, progress=None):
    """Reads until the peer closes, TIMEOUT seconds pass or LIMIT bytes came.
    Returns (data, how) with how "eof", "reset", "timeout" or "limit". With PROGRESS
    (a gradelib.progress.Progress), its limits replace TIMEOUT, and how is "stopped"
    or "slow" when one is reached."""
    data = bytearray()
    deadline = time.monotonic() + budget.left(timeout)
    while len(data) < limit:
        left = progress.left() if progress else deadline - time.monotonic()
        left = budget.left(left)
        if left <= 0:         # a limit of the progress, or of the test's time
            return bytes(data), (progress.state() if progress else None) or "timeout"
        sock.settimeout(min(left, 1.0))
        try:
            chunk = sock.recv(min(1 << 20, limit - len(data)))
        except socket.timeout:
            continue
        except (ConnectionResetError, ConnectionAbortedError):
            return bytes(data), "reset"
        if not chunk:
            return bytes(data), "eof"
        data += chunk
        if progress:
            progress.add(len(chunk))
    return bytes(data), "limit"


def exchange(sock, data, timeout, shut=True, chunk=1 << 16, progress=None):
    """Sends DATA while reading whatever comes back, so that a peer that answers as it
    reads never deadlocks against us; then (SHUT) shuts our sending side and reads
    until the peer closes. Returns (received, how) as recv_until_close does, with how
    "stalled" if the peer stopped reading before all of DATA was sent. With PROGRESS,
    as recv_until_close: every byte sent or received counts as progress."""
    sock.setblocking(False)
    received = bytearray()
    sent = 0
    deadline = time.monotonic() + budget.left(timeout)
    try:
        while sent < len(data):
            left = budget.left(progress.left() if progress else deadline - time.monotonic())
            if left <= 0:
                return bytes(received), (progress.state() if progress else None) or "stalled"
            readable, writable, _ = select.select([sock], [sock], [], min(left, 0.5))
            if readable:
                try:
                    got = sock.recv(1 << 20)
                except (ConnectionResetError, ConnectionAbortedError):
                    return bytes(received), "reset"
                except BlockingIOError:
                    got = None
                if got == b"":
                    return bytes(received), "eof"
                received += got or b""
                if progress:
                    progress.add(len(got or b""))
            if writable:
                try:
                    n = sock.send(data[sent:sent + chunk])
                    sent += n
                    if progress:
                        progress.add(n)
                except BlockingIOError:
                    pass
                except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
                    return bytes(received), "reset"
        if shut:
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:     # the peer has reset or ended it already: reading tells
                pass
    finally:
        sock.setblocking(True)
    rest, how = recv_until_close(sock, max(0.0, deadline - time.monotonic()),
                                 progress=progress)
    return bytes(received) + rest, how


class Listener:
    """A grader server on loopback for a student's client. HANDLER(conn) runs in a
    thread for each of the first CLIENTS connections; its return value, or the
    exception it raised, is what result() gives back."""

    def __init__(self, handler, host=IPV4, clients=1, rcvbuf=None, timeout=20.0):
        self.sock = socket.socket(family(host), socket.SOCK_STREAM)
        if rcvbuf:
            # Before listen(): an accepted socket's window is set from the listener's.
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.bind((host, 0))
        self.sock.listen(8)
        self.host = host
        self.port = self.sock.getsockname()[1]
        self.timeout = timeout
        self.results = []
        self.accepted = threading.Event()     # set at the first connection
        self._handler = handler
        self._closed = threading.Event()
        self._clients = clients
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _accept(self, deadline):
        """The next connection, or None once close() was called or the deadline passed.
        Waits in short steps: closing a socket does not wake an accept everywhere."""
        while not self._closed.is_set() and time.monotonic() < deadline and \
                not budget.expired():
            self.sock.settimeout(0.1)
            try:
                return self.sock.accept()[0]
            except socket.timeout:
                continue
            except OSError:
                return None
        return None

    def _serve(self):
        deadline = time.monotonic() + self.timeout
        for _ in range(self._clients):
            conn = self._accept(deadline)
            if conn is None:
                return
            self.accepted.set()
            conn.settimeout(self.timeout)
            try:
                self.results.append(self._handler(conn))
            except Exception as e:      # handed to result()
                self.results.append(e)
            finally:
                conn.close()

    def result(self, timeout=None):
        """What the handler of the first connection returned. Raises what it raised,
        or TimeoutError if no client came in time."""
        self._thread.join(budget.left(self.timeout if timeout is None else timeout))
        if not self.results:
            raise TimeoutError("no connection came")
        if isinstance(self.results[0], BaseException):
            raise self.results[0]
        return self.results[0]

    def came(self, timeout):
        """Whether a client has connected, waiting up to TIMEOUT seconds. Once the
        client has ended, a connection it made is waiting to be accepted already."""
        return self.accepted.wait(budget.left(timeout))

    def close(self):
        self._closed.set()
        self._thread.join(self.timeout)
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


ANNOUNCE = r"listening on (\[(?P<v6>[0-9a-fA-F:.]+)\]|(?P<v4>[0-9.]+)):(?P<port>\d+)"


def announced(server, timeout=10.0):
    """Waits for a server's 'listening on ADDR:PORT' line. Returns (host, port), or
    fails the test, saying how the server ended or that it stayed silent."""
    m = server.wait_line(ANNOUNCE, timeout)
    if m is None:
        if server.out.closed:
            server.exited(5)            # closed stdout: it is exiting, or has
        if server.poll() is not None:
            result = server.stop()
            raise expect.Failure("the server ended before announcing its address",
                                 expected="a line 'listening on ADDR:PORT' on stdout",
                                 got=result.ended(), result=result,
                                 hint=ended_hint(result.errors))
        raise expect.Failure("the server never announced its address",
                             expected="a line 'listening on ADDR:PORT' on stdout",
                             got=f"nothing within {timeout:g} s",
                             hint="Call kit_announce after listen() succeeds; it flushes "
                                  "stdout, which a pipe would otherwise keep buffered.")
    host, port = m.group("v6") or m.group("v4"), int(m.group("port"))
    expect.listens_on_loopback(server, host, port)
    announced_when_ready(server)
    return host, port


# What makes each call of a listening socket fail, when a server reports it.
CALL_HINTS = {
    "getaddrinfo": "getaddrinfo could not resolve --bind and --port: give it the "
                   "address and port as text, with hints of AF_UNSPEC, SOCK_STREAM (or "
                   "SOCK_DGRAM) and AI_PASSIVE.",
    "socket": "Make the socket with the ai_family, ai_socktype and ai_protocol of the "
              "address getaddrinfo gave.",
    "setsockopt": "setsockopt takes a pointer to the option's value, cast to const char "
                  "*, and its size: for SO_EXCLUSIVEADDRUSE an int set to 1 and "
                  "(int)sizeof it.",
    "bind": "bind takes the address getaddrinfo gave and its length (ai_addr, "
            "(int)ai_addrlen); WSAEADDRINUSE means another socket holds that port.",
    "listen": "listen on the socket you bound, after bind, with a backlog of SOMAXCONN.",
}


def ended_hint(errors):
    """The hint for a server that ended before announcing, from what it said on
    stderr: the call that failed, when its error line names one."""
    todo = re.search(r"TODO\(lab(\d+)\)", errors)
    if todo:        # lab 05's server listens with lab 03's open_listener
        return (f"This is still the starter's code of lab {todo.group(1)}: write its parts "
                f"marked TODO(lab{todo.group(1)}).")
    m = re.search(r"^\S+: (\w+): (\S+) \(-?\d+\): ", errors, re.M)
    if m is None:
        return ("Print the line once listen() has succeeded (kit_announce does it), and "
                "report any call that fails before it on stderr (kit_error).")
    call, name = m.groups()
    return (f"It stopped because {call} failed ({name}), before the announcement. " +
            CALL_HINTS.get(call, f"Read why {call} fails with {name}: the README's "
                                 f"table of errors, or Microsoft's page on {call}."))


def announced_when_ready(server):
    """Checks, from the server's call record, that it announced after listen succeeded
    on that socket (TCP), or after bind did (UDP): a client that reads the line must
    be able to connect at once."""
    record = server.calls
    early = record.announced_too_soon() if record is not None else None
    if early is None:
        return
    sock = record.sockets[early.socket]
    needed = "bind" if sock.kind == "SOCK_DGRAM" else "listen"
    raise expect.Failure(f"the server announced its address before {needed} succeeded",
                         expected=f"{needed}({early.socket}, ...) = 0, then the "
                                  "announcement",
                         got=f"{record.sequence()}\n(announced at {early.where()})",
                         result=server.stop(),
                         hint=f"Call kit_announce only once {needed} has succeeded: a "
                              "client that reads the line connects at once, and "
                              "before that it is refused.")


def parse_announce(line):
    m = re.fullmatch(ANNOUNCE, line)
    return (m.group("v6") or m.group("v4"), int(m.group("port"))) if m else None


def fnv1a32(data):
    """FNV-1a, 32 bits: the hash of lab 05's summary line."""
    h = 0x811C9DC5
    for byte in data:
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def summary_of(data):
    """The line lab 05's summary_server answers DATA with."""
    return f"bytes={len(data)} fnv1a32={fnv1a32(data):08x}\n".encode()
