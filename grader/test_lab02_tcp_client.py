"""TCP client

Lab 02's behaviours: the unit tests of tcpclient.c, then tcp_client run against the
grader's own servers on loopback: one that answers in a flood of random bytes, one
that reads slowly through a small buffer, one that drips, one that says nothing, one
that resets in the middle of its reply, a name whose first address refuses, and a
port where nothing listens. Messages and replies are random. In the stream tests the
layer makes send take fewer bytes than asked and recv return fewer than are waiting
(gradelib.calls).
"""
import socket
import string
import time

import pytest

from gradelib import expect, peers, platform, progress

UNITS = "lab02_units"
EXIT_HINT = ("Exit 0 once the server has closed: recv returning 0 is the normal end of "
             "the stream, not an error. Read the error line above for the call that failed.")
OUTPUT_HINT = ("Write exactly the bytes recv returned, in order, with fwrite, and nothing "
               "else to stdout.")
# Long enough for Windows, where a refused loopback connect takes about 2 s.
RUN_TIMEOUT = 20

# The calls the README expects of tcp_client, drawn beside a failed test's on the report
# page (gradelib.page.expected); a test whose path differs says its own.
START = ("WSAStartup: version 2.2", "getaddrinfo: HOST and PORT, SOCK_STREAM",
         "socket s1: of the first address's family", "connect s1: to that address")
SEND = "send s1: MESSAGE and a newline, again until every byte went"
FINISH = ("closesocket s1", "WSACleanup")
pytestmark = pytest.mark.expected(
    "tcp_client", *START, SEND, "recv s1: the reply as it arrives, until recv returns 0",
    *FINISH, "exit: 0, the reply on stdout byte for byte")


# --- tcpclient.c, through its unit tests (tests/unit/lab02_test.c) ------------------

@pytest.mark.points(3)
def test_unit_connect(unit):
    """connect_to connects over IPv4 and IPv6, and reports refusal and unknown hosts (unit tests)"""
    unit(UNITS, "Connect", "Zero the hints, ask for AF_UNSPEC and SOCK_STREAM, and return "
         "getaddrinfo's own code when it fails (call = \"getaddrinfo\"); when every "
         "connect fails, return the last WSAGetLastError() with call = \"connect\".")


@pytest.mark.points(2)
def test_unit_each_address(unit):
    """connect_to tries the next address when one refuses (unit tests)"""
    unit(UNITS, "EachAddress", "Walk the whole list (ai_next): when connect fails, close "
         "that socket and try the next address; stop at the first that connects.")


@pytest.mark.points(3)
def test_unit_stream(unit):
    """send_all sends everything, recv_until_close keeps every byte, and both report failures (unit tests)"""
    unit(UNITS, "Stream", "send may take fewer bytes than asked: loop until all are "
         "sent, and return SOCKET_ERROR at the first send that fails. recv returns "
         "whatever has arrived: loop until it returns 0, and write each chunk with fwrite "
         "(the bytes may contain zeros). A failed recv returns -1; a failed fwrite returns "
         "-1 after WSASetLastError(0).")


# --- the grader's servers -------------------------------------------------------------

def word(rng, n):
    """N random letters and digits: safe on any command line."""
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))


# How long the grader's server waits for the rest of a line once it has begun.
REST_OF_LINE = 3.0
# How long the resetting server waits for the end-of-file of a client that shuts its
# sending side after its line.
SHUT_AFTER_LINE = 0.5


def read_line(conn, want):
    """Reads what the client sends until WANT bytes came, it closes, or (once it has
    begun) REST_OF_LINE s pass without more: a line-based server would wait for the
    newline for ever, this one answers so the test can say what was missing."""
    data = bytearray()
    timeout = conn.gettimeout()
    while len(data) < want:
        try:
            chunk = conn.recv(want - len(data))
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
        conn.settimeout(REST_OF_LINE)
    conn.settimeout(timeout)    # the reply that follows has the connection's own
    return bytes(data)


def replying(reply, chunks=None, pause=0.0, want=0, sent=None, first_pause=0.0):
    """A handler: reads the client's line (WANT bytes), then sends REPLY in pieces of
    the sizes CHUNKS gives (default: all at once), pausing PAUSE s between them
    (FIRST_PAUSE s after the first), and closes. Counts the bytes sent so far in
    SENT[0], if given. Returns what the client sent."""
    def handle(conn):
        got = read_line(conn, want)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        at = 0
        try:
            pieces = chunks or [len(reply)]
            for size in pieces:
                conn.sendall(reply[at:at + size])
                at += size
                if sent is not None:
                    sent[0] = min(at, len(reply))
                if pause or first_pause:
                    # the peer's pace, not a wait for an event
                    time.sleep(first_pause if at == pieces[0] else pause)
            conn.sendall(reply[at:])
        except OSError:
            pass        # the client went away early: its output will show it
        return got
    return handle


def client_sent(server, line):
    """Checks that the grader's server received exactly LINE."""
    try:
        got = server.result(timeout=5)
    except TimeoutError:
        raise expect.Failure("the client never connected to the grader's server",
                             expected=f"a connection to port {server.port}",
                             hint="Pass the port to getaddrinfo as the service, and "
                                  "connect to the address it returns.")
    if got == line[:-1]:
        raise expect.Failure("the server received MESSAGE without its newline",
                             expected=f"{len(line)} bytes: MESSAGE, then '\\n'",
                             got=f"{len(got)} bytes: MESSAGE alone",
                             hint="Send MESSAGE and then one '\\n' (send_line does both): "
                                  "a line ends with its newline.")
    expect.same_bytes("the server did not receive exactly MESSAGE and a newline",
                      line, got, sent=True, hint="Send the whole message and then '\\n', "
                                                 "with a loop around send.")


def talk(run, host, reply, rng, **how):
    """Runs tcp_client against a grader server on HOST that sends REPLY; checks the
    exchange both ways and the exit code."""
    message = word(rng, rng.randint(5, 40))
    line = (message + "\n").encode()
    with peers.Listener(replying(reply, want=len(line), **how), host=host) as server:
        result = run("tcp_client", host, server.port, message, timeout=RUN_TIMEOUT)
        expect.exits(result, 0, hint=EXIT_HINT)
        client_sent(server, line)
    expect.same_bytes("tcp_client did not print exactly what the server sent", reply,
                      result.stdout, result=result, hint=OUTPUT_HINT)
    return result


def talk_watched(start, host, reply, rng, limit, **how):
    """talk, for a long reply: the client may take up to LIMIT s in all as long as
    bytes keep moving (gradelib.progress); one that stops, or is too slow, is told
    which."""
    message = word(rng, rng.randint(5, 40))
    line = (message + "\n").encode()
    sent = [0]
    moving = progress.Progress(2 * len(reply), limit)
    with peers.Listener(replying(reply, want=len(line), sent=sent, **how), host=host,
                        timeout=limit + 10) as server:
        proc = start("tcp_client", host, server.port, message, timeout=limit + 10)
        result = progress.watch(proc, moving, lambda: sent[0] + proc.out.total)
        if result is None:
            raise expect.Failure("tcp_client stopped before the end of the reply"
                                 if moving.state() == "stopped" else
                                 "tcp_client reads the reply too slowly for this test",
                                 expected=f"the {len(reply)} bytes of the reply printed "
                                          f"within {limit:g} s",
                                 got=moving.told("bytes sent by the server and printed"),
                                 result=proc.stop(),
                                 hint=progress.hint(moving, stopped="recv returns whatever "
                                                    "has arrived: call recv in a loop until "
                                                    "it returns 0, writing each chunk."))
        expect.exits(result, 0, hint=EXIT_HINT)
        client_sent(server, line)
    expect.same_bytes("tcp_client did not print exactly what the server sent", reply,
                      result.stdout, result=result, hint=OUTPUT_HINT)
    return result


# --- tcp_client --------------------------------------------------------------------------

@pytest.mark.expected("tcp_client", "exit: 1, the usage on stderr, before any socket call")
@pytest.mark.points(1)
def test_usage(run):
    """tcp_client refuses a bad command line with its usage"""
    for args in [(), ("127.0.0.1", "7"), ("127.0.0.1", "99999", "hi"), ("127.0.0.1", "port", "hi"),
                 ("", "7", "hi"), ("127.0.0.1", "7", "hi", "extra")]:
        result = run("tcp_client", *args)
        expect.exits(result, 1, hint="Check argc and the port (kit_parse_port); on a bad "
                                     "command line print the usage and exit 1.")
        expect.usage(result)


@pytest.mark.points(2)
@pytest.mark.memcheck
@pytest.mark.faults("short-send", "short-recv")
def test_ipv4(run, rng):
    """tcp_client sends its line and prints the reply (IPv4)"""
    result = talk(run, peers.IPV4, f"hello {word(rng, 12)}\n".encode(), rng)
    expect.asked_for_winsock(result)
    asked_for_streams(result)


def asked_for_streams(result):
    """Checks from the record that each getaddrinfo asked for stream sockets, with the
    hints of README section 2 (the record shows the hints' family and socket type)."""
    record = result.calls
    asked = record.named("getaddrinfo") if record is not None and record.exists else []
    other = next((c for c in asked if c.args[3:4] != ["SOCK_STREAM"]), None)
    if other is not None:
        raise expect.Failure("tcp_client did not ask getaddrinfo for stream sockets",
                             expected='getaddrinfo(HOST, PORT, AF_UNSPEC, SOCK_STREAM)',
                             got=other.text, result=result,
                             hint="Zero the hints, then set ai_family = AF_UNSPEC, "
                                  "ai_socktype = SOCK_STREAM and ai_protocol = IPPROTO_TCP "
                                  "(README section 2): a TCP client asks for the addresses "
                                  "of stream sockets.")


@pytest.mark.points(2)
@pytest.mark.faults("short-send", "short-recv")
def test_ipv6(run, rng):
    """tcp_client works over IPv6 (::1)"""
    talk(run, peers.IPV6, f"hello {word(rng, 12)}\n".encode(), rng)


# The large reply (smaller under Wine: platform.STREAM_SCALE), and the time it may
# take while bytes keep moving.
LARGE_REPLY = platform.stream_bytes(3 * 1024 * 1024)
LARGE_LIMIT = 60


@pytest.mark.points(4)
@pytest.mark.memcheck
@pytest.mark.faults("short-send", "short-recv")
def test_large_reply(start, rng):
    """tcp_client prints a large reply of random bytes exactly, however it arrives"""
    reply = bytearray(peers.payload(LARGE_REPLY + rng.randrange(LARGE_REPLY // 48), rng))
    chunks = [rng.choice([1, 7, 1000, 1460])]      # alone: peers.FIRST_PIECE_PAUSE
    # A line end in the first piece: a client that takes the reply for one line, and
    # stops at its end, has printed only that piece when the rest comes.
    reply[rng.randrange(chunks[0])] = ord("\n")
    reply = bytes(reply)
    while sum(chunks) < len(reply):
        chunks.append(rng.choice([1, 7, 1000, 1460, 4096, 65536, 200000]))
    talk_watched(start, peers.IPV4, reply, rng, LARGE_LIMIT, chunks=chunks, pause=0.0005,
                 first_pause=peers.FIRST_PIECE_PAUSE)


@pytest.mark.points(3)
@pytest.mark.faults("short-send", "short-recv")
def test_slow_reader(run, rng):
    """a server reading slowly through a small buffer gets the whole long line"""
    message = word(rng, 16000 + rng.randrange(1000))
    line = (message + "\n").encode()

    def slowly(conn):
        got = bytearray()
        while len(got) < len(line):
            chunk = conn.recv(512)
            if not chunk:
                break
            got += chunk
            time.sleep(0.002)           # the peer's pace
        conn.sendall(b"ok\n")
        return bytes(got)

    with peers.Listener(slowly, rcvbuf=4096) as server:
        result = run("tcp_client", peers.IPV4, server.port, message, timeout=RUN_TIMEOUT)
        expect.exits(result, 0, hint=EXIT_HINT)
        client_sent(server, line)
    expect.same_bytes("tcp_client did not print the server's reply", b"ok\n", result.stdout,
                      result=result, hint=OUTPUT_HINT)


@pytest.mark.points(2)
@pytest.mark.faults("short-send", "short-recv")
def test_drip(run, rng):
    """tcp_client prints a reply that arrives one byte at a time"""
    reply = peers.payload(300, rng)
    talk(run, peers.IPV4, reply, rng, chunks=[1] * len(reply), pause=0.002)


@pytest.mark.expected("tcp_client", *START, SEND,
                      "recv s1: 0 at once, the server closed without a reply", *FINISH,
                      "exit: 0, nothing on stdout")
@pytest.mark.points(2)
def test_no_reply(run, rng):
    """a server that closes without replying: no output, exit 0"""
    talk(run, peers.IPV4, b"", rng)


# The replies a stdout that takes no bytes is given: one that fits in any stdio
# buffer, so that its write fails when stdout is flushed at the end, and one larger
# than any, so that a write fails while the reply still comes.
UNWRITTEN_SMALL = 200
UNWRITTEN_LARGE = 100 * 1024


@pytest.mark.expected("tcp_client", *START, SEND,
                      "recv s1: the reply, whose writes to stdout fail", *FINISH,
                      "exit: 2, 'cannot write to stdout' on stderr")
@pytest.mark.points(2)
def test_stdout_fails(run, rng, transcript):
    """a stdout that takes no bytes: exit 2 and "cannot write to stdout" on stderr"""
    transcript.note("# tcp_client's stdout is a pipe whose reading end is closed: every "
                    "write to it fails, as on a full disk or a closed terminal")
    for size in (rng.randint(1, UNWRITTEN_SMALL), UNWRITTEN_LARGE + rng.randrange(1000)):
        message = word(rng, rng.randint(5, 40))
        line = (message + "\n").encode()
        reply = peers.payload(size, rng)
        with peers.Listener(replying(reply, want=len(line))) as server:
            result = run("tcp_client", peers.IPV4, server.port, message,
                         timeout=RUN_TIMEOUT, unread_stdout=True)
            expect.exits(result, 2, hint="A write to stdout can fail: fwrite then writes "
                                         "fewer bytes than asked, and fflush returns EOF. "
                                         "Report it and return EXIT_NETWORK (2).")
            said = [l.strip() for l in result.errors.splitlines()]
            if "tcp_client: cannot write to stdout" not in said:
                raise expect.Failure(f"tcp_client did not say that stdout took none of the "
                                     f"{size} bytes of the reply",
                                     expected="tcp_client: cannot write to stdout (on stderr)",
                                     got=result.errors.strip() or "(nothing on stderr)",
                                     result=result,
                                     hint="When fwrite writes fewer bytes than recv gave, "
                                          "recv_until_close returns -1 with "
                                          "WSASetLastError(0), and talk prints 'tcp_client: "
                                          "cannot write to stdout' (not a recv error: recv "
                                          "did not fail).")
            client_sent(server, line)


@pytest.mark.expected("tcp_client", *START[:3],
                      "connect s1 fails: WSAECONNREFUSED, nothing listens there",
                      "closesocket s1: and the next address, if there is one", "WSACleanup",
                      "exit: 2, the connect error line on stderr")
@pytest.mark.points(2)
def test_refused(run):
    """a refused connection: exit 2 and the WSAECONNREFUSED error line"""
    sock, port = peers.refusing_port()
    with sock:
        result = run("tcp_client", peers.IPV4, port, "hello", timeout=RUN_TIMEOUT)
    expect.exits(result, 2, hint="When connect fails for every address, report it with "
                                 "kit_error and return EXIT_NETWORK (2).")
    expect.error_line(result, "connect", "WSAECONNREFUSED", 10061,
                      hint="Report the error of the connect call: kit_error(PROG, "
                           "\"connect\", WSAGetLastError()), read right after it fails.")
    only_error_line(result, "connect")


@pytest.mark.expected("tcp_client", START[0], "getaddrinfo fails: WSAHOST_NOT_FOUND",
                      "WSACleanup", "exit: 2, the getaddrinfo error line on stderr")
@pytest.mark.points(2)
def test_unknown_host(run):
    """an unknown host: exit 2 and the WSAHOST_NOT_FOUND error line"""
    # Not a valid host name: refused by the resolver without a DNS query.
    result = run("tcp_client", "no_such_host!.invalid", "7", "hello", timeout=RUN_TIMEOUT)
    expect.exits(result, 2, hint="When getaddrinfo fails, report its code with kit_error and "
                                 "return EXIT_NETWORK (2).")
    expect.error_line(result, "getaddrinfo", "WSAHOST_NOT_FOUND", 11001,
                      hint="getaddrinfo returns its error code (it does not set "
                           "WSAGetLastError for you to read): report that code.")
    only_error_line(result, "getaddrinfo")


def only_error_line(result, call):
    """Checks that the failed CALL's error line is the only one: once connect_to has
    failed there is no connection to send on, receive from or close."""
    lines = expect.error_lines(result)
    if len(lines) != 1:
        raise expect.Failure(f"tcp_client went on after {call} failed",
                             expected=f"one error line, for {call}",
                             got="\n".join(lines), result=result,
                             hint="When connect_to fails there is no connection: report "
                                  "its error with kit_error and return EXIT_NETWORK at "
                                  "once, without sending, receiving or closing a socket.")


@pytest.mark.expected("tcp_client", *START, SEND, "recv s1: part of the reply",
                      "recv s1 fails: WSAECONNRESET, the server reset the connection",
                      *FINISH, "exit: 2, the recv error line on stderr")
@pytest.mark.points(2)
def test_reset_mid_reply(run, rng, request):
    """a server that resets in the middle of its reply: exit 2 and the recv error line"""
    platform.wine_differs(request, "reset-mid-reply-read-as-eof")
    message = word(rng, rng.randint(5, 40))
    line = (message + "\n").encode()
    part = peers.payload(rng.randint(1000, 60000), rng)

    def resetting(conn):
        got = read_line(conn, len(line))
        # A client that ends its sending side after the line (shutdown SD_SEND) does
        # so before it reads: its end-of-file comes first, so that the reset meets
        # its recv, not its shutdown. Others send nothing more: the wait runs out.
        conn.settimeout(SHUT_AFTER_LINE)
        try:
            conn.recv(1)
        except socket.timeout:
            pass
        conn.sendall(part)
        peers.reset(conn)           # an RST, not an end-of-file, in the middle
        return got

    with peers.Listener(resetting) as server:
        result = run("tcp_client", peers.IPV4, server.port, message, timeout=RUN_TIMEOUT)
    expect.exits(result, 2, hint="recv returning SOCKET_ERROR is not the end of the "
                                 "stream: the reply was cut. Report the error with "
                                 "kit_error(PROG, \"recv\", WSAGetLastError()) and exit 2; "
                                 "only a 0 from recv is the end.")
    expect.error_line(result, "recv", "WSAECONNRESET", 10054,
                      hint="Report the recv error: kit_error(PROG, \"recv\", "
                           "WSAGetLastError()), read right after recv fails.")


@pytest.mark.expected("tcp_client", *START[:2], "socket s1: for the first address",
                      "connect s1 fails: WSAECONNREFUSED", "closesocket s1",
                      "socket s2: for the next address", "connect s2",
                      "send s2: MESSAGE and a newline, again until every byte went",
                      "recv s2: the reply as it arrives, until recv returns 0",
                      "closesocket s2", "WSACleanup", "exit: 0, the reply on stdout")
@pytest.mark.points(3)
def test_first_address_refuses(run, rng):
    """a name whose first address refuses: the client closes that socket and connects to the next"""
    refusing, port = peers.refusing_port()
    with refusing:
        reply = f"hello {word(rng, 12)}\n".encode()
        message = word(rng, rng.randint(5, 40))
        line = (message + "\n").encode()
        with peers.Listener(replying(reply, want=len(line))) as server:
            result = run("tcp_client", peers.IPV4, server.port, message,
                         timeout=RUN_TIMEOUT + platform.REFUSED_CONNECT_SECONDS,
                         faults=("first-refuses",), refuser=f"{peers.IPV4}:{port}")
            expect.exits(result, 0, hint="getaddrinfo gave two addresses and the first "
                                         "refused: when connect fails, close that socket "
                                         "and try the next address (ai_next).")
            client_sent(server, line)
    expect.same_bytes("tcp_client did not print exactly what the server sent", reply,
                      result.stdout, result=result, hint=OUTPUT_HINT)
    closed_before_next(result)


def closed_before_next(result):
    """Checks from the record that the socket of each refused connect was closed
    before the next connect was tried."""
    record = result.calls
    connects = record.named("connect")
    for refused, after in zip(connects, connects[1:]):
        if not refused.failed:
            continue
        sock = record.sockets.get(refused.socket)
        closed = sock.closed if sock else None
        if closed is None or closed.number > after.number or after.socket == refused.socket:
            raise expect.Failure(
                "tcp_client tried the next address before closing the refused socket",
                expected=f"closesocket({refused.socket}) after {refused.text}, then a new "
                         "socket for the next address",
                got=record.sequence(),
                hint="A socket whose connect failed cannot be used again: closesocket it, "
                     "then make a new socket for the next address.")


# --- the challenge (bonus points, shown apart) ------------------------------------------------

def endpoint(host, port):
    """An endpoint as the challenge prints it: IPv6 in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


# A long endpoint a client on loopback can see: the IPv4 loopback address given as an
# IPv4-mapped IPv6 address, "[::ffff:127.0.0.1]:PORT", 24 characters with a port of 5
# digits, as the system's ports for clients and for the grader's servers are. Only
# Linux connects so here: its IPv6 sockets reach IPv4 ones (Windows' are IPv6 only;
# macOS's are asked the same way but not measured here).
MAPPED_SERVER = peers.IPV4
MAPPED_CLIENT = f"::ffff:{MAPPED_SERVER}"
MAPPED_CONNECTS = platform.ON_LINUX and not platform.WINDOWS_PROGRAMS


@pytest.mark.challenge
@pytest.mark.points(2)
def test_challenge_verbose(run, rng):
    """challenge: tcp_client -v says on stderr which two endpoints it connected"""
    hosts = [(peers.IPV4, peers.IPV4), (peers.IPV6, peers.IPV6)]
    if MAPPED_CONNECTS:
        hosts.append((MAPPED_SERVER, MAPPED_CLIENT))
    for host, given in hosts:
        message, reply = word(rng, 12), word(rng, 30).encode()
        line = (message + "\n").encode()
        ends = {}
        answer = replying(reply, want=len(line))

        def handle(conn):
            ends["client"], ends["server"] = conn.getpeername()[:2], conn.getsockname()[:2]
            return answer(conn)
        with peers.Listener(handle, host=host) as server:
            result = run("tcp_client", "-v", given, server.port, message, timeout=RUN_TIMEOUT)
            expect.exits(result, 0, hint="With -v first, the other three arguments are as "
                                         "before: take -v off and go on as without it.")
            client_sent(server, line)
        expect.same_bytes("tcp_client -v did not print exactly what the server sent", reply,
                          result.stdout, result=result,
                          hint="With -v the reply still goes to stdout unchanged; the "
                               "line about the connection goes to stderr.")
        if given != host:       # the client's socket sees the IPv4 ends as IPv6 ones
            ends = {end: (f"::ffff:{address}", port) for end, (address, port) in ends.items()}
        want = (f"tcp_client: connected from {endpoint(*ends['client'])} "
                f"to {endpoint(*ends['server'])}")
        if want not in [l.strip() for l in result.errors.splitlines()]:
            raise expect.Failure("tcp_client -v did not say which connection it made",
                                 expected=f"{want} on stderr",
                                 got=result.errors.strip() or "(nothing on stderr)",
                                 result=result,
                                 hint=("An endpoint's text can be long: "
                                       f"{MAPPED_CLIENT} is an IPv6 address too. Give each "
                                       "room for the longest, '[' INET6_ADDRSTRLEN "
                                       "characters ']:65535'." if given != host else
                                       "Once connected, getsockname gives this end's "
                                       "address and the port the system picked, getpeername "
                                       "the server's: print each as ADDR:PORT, IPv6 in "
                                       "brackets, the port through ntohs."))


# --- models of the README, and the smallest case that differs (gradelib.models) ------

from gradelib.models import lab02 as model  # noqa: E402


@pytest.mark.points(3)
def test_model_replies(run, seed):
    """tcp_client against a server that cuts and delays its reply at random prints what a model of the README says"""
    model.check(run, seed)
