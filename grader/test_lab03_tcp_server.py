"""TCP server

Lab 03's behaviours: the unit tests of tcpserver.c, then tcp_server run as a program
with the grader as its clients: a flood of random bytes read while it is sent, twenty
clients in a row, five at once, a silent one, one that resets mid-stream, and the
server's exit, restart and refusal of a port in use; an accept that fails for a client
that reset in the backlog, a hundred clients that reset, and the server's own calls
read from its record (gradelib.calls). Payloads are random. In the stream tests the
layer makes send take fewer bytes than asked and recv return fewer than are waiting.
"""
import re
import socket

import pytest

from gradelib import expect, peers, platform, progress, servers
from gradelib.servers import failure

UNITS = "lab03_units"
# Every wait of a test is bounded by one of these.
CLIENT_TIMEOUT = 20
EXIT_TIMEOUT = 10

# The calls the README expects of tcp_server, drawn beside a failed test's on the report
# page (gradelib.page.expected); a test whose path differs says its own.
LISTEN = ("WSAStartup: version 2.2",
          "getaddrinfo: the --bind address and --port, AI_PASSIVE",
          "socket s1: of that address's family",
          "setsockopt s1: SO_EXCLUSIVEADDRUSE, before bind", "bind s1: that address",
          "listen s1", "announce s1: listening on ADDR:PORT, once listen succeeded")
ACCEPT = "accept s1: s2, the next client, once the last one is closed"
ECHO = ("recv s2: what the client sent, until recv returns 0",
        "send s2: every byte of it back, again until all of it went")
NEXT = "closesocket s2: then accept the next client"
pytestmark = pytest.mark.expected("tcp_server", *LISTEN, ACCEPT, *ECHO, NEXT)


# --- tcpserver.c, through its unit tests (tests/unit/lab03_test.c) ------------------

@pytest.mark.points(3)
def test_unit_listener(unit):
    """open_listener listens on the address asked, and reports a port in use (unit tests)"""
    unit(UNITS, "Listener", "getaddrinfo with AI_PASSIVE gives the addresses to bind; for "
         "each in turn socket, bind, listen, and stop at the first that works. Return the "
         "failing call's WSAGetLastError() with its name in *call (\"bind\" for a port in "
         "use).")


@pytest.mark.points(2)
def test_unit_restart(unit):
    """open_listener gets its port back right after a previous server closed (unit tests)"""
    unit(UNITS, "Restart", "Set SO_EXCLUSIVEADDRUSE on the socket before bind: without it, "
         "connections of the previous server in TIME_WAIT keep the port on POSIX.")


@pytest.mark.points(3)
def test_unit_echo(unit):
    """echo_client sends back every byte until the client closes (unit tests)"""
    unit(UNITS, "Echo", "Loop: recv, then send_all exactly the n bytes recv returned; "
         "stop when recv returns 0. send may take fewer bytes than asked.")


# --- helpers ------------------------------------------------------------------------------

server = servers.fixture("tcp_server", timeout=60)


def echo(proc, data, hint=None, limit=None):
    """Connects to the server, sends DATA while reading, half-closes and reads until
    the server closes: the echo must be DATA exactly. With LIMIT, the server may take
    up to LIMIT s in all as long as bytes keep moving (gradelib.progress)."""
    moving = progress.Progress(2 * len(data), limit) if limit else None
    sock = servers.connected(proc, CLIENT_TIMEOUT, "Keep the listening socket open and call "
                             "accept again for the next client.")
    with sock:
        got, how = peers.exchange(sock, data, CLIENT_TIMEOUT, progress=moving)
    if how in ("stopped", "slow"):
        raise failure(proc, "the server stopped echoing" if how == "stopped" else
                      "the server echoes too slowly for this test",
                      f"{len(data)} bytes echoed within {limit:g} s",
                      moving.told("bytes sent and echoed"),
                      progress.hint(moving, slow="Echo through a buffer of a few KiB: "
                                    "recv up to its size, send back what came with "
                                    "send_all, and recv again.") if how == "slow" else
                      "Echo as you read: send back each chunk right after recv returns "
                      "it, with a loop around send (send_all).")
    if how == "stalled":
        raise failure(proc, "the server stopped reading before the client had sent "
                      "everything", f"{len(data)} bytes echoed",
                      f"{len(got)} bytes echoed, then nothing for {CLIENT_TIMEOUT} s",
                      "Echo as you read: send back each chunk right after recv returns "
                      "it, with a loop around send (send_all).")
    if got != data or how != "eof":
        still_running(proc, "a client's echo")
        at = expect.first_difference(data, got)
        why = {"reset": "the server reset the connection",
               "timeout": f"the server did not close within {CLIENT_TIMEOUT} s"}.get(how)
        raise failure(proc, "the echo differs from what the client sent",
                      f"{len(data)} bytes, then the server closes",
                      f"{len(got)} bytes (first difference at byte {at})" +
                      (f"; {why}" if why else ""),
                      hint or expect.bytes_hint(data, got, at, sent=True) or
                      "Loop on recv until it returns 0, sending back exactly the n bytes "
                      "each recv returned; then close the client's socket.")


def still_running(proc, after):
    servers.still_running(proc, after, "Serve clients in a loop: after closing one "
                          "client's socket, accept the next. Only --max-clients ends it.")


def small(rng):
    return peers.payload(rng.randint(1, 3000), rng)


# --- tcp_server ---------------------------------------------------------------------------

@pytest.mark.expected("tcp_server", "exit: 1, the usage on stderr, before any socket call")
@pytest.mark.points(1)
def test_usage(run):
    """tcp_server refuses a bad command line with its usage"""
    for args in [("--port",), ("--port", "70000"), ("--max-clients", "0"), ("extra",),
                 ("--bogus", "1")]:
        result = run("tcp_server", *args)
        expect.exits(result, 1, hint="Parse the options with kit_server_args; when it "
                                     "refuses them, print the usage and exit 1.")
        expect.usage(result)


@pytest.mark.points(2)
@pytest.mark.faults("short-send", "short-recv")
def test_announces_loopback(server, rng):
    """by default tcp_server listens on 127.0.0.1 and announces the port it got"""
    proc = server()
    if proc.host != peers.IPV4 or proc.port == 0:
        raise failure(proc, "the server announced another address than it should",
                      "listening on 127.0.0.1:PORT (a real port, not 0)",
                      f"listening on {proc.host}:{proc.port}",
                      "Bind the --bind address (127.0.0.1 by default), not INADDR_ANY, and "
                      "announce after bind and listen (kit_announce reads the port back).")
    echo(proc, small(rng))


@pytest.mark.points(2)
@pytest.mark.faults("short-send", "short-recv")
def test_ipv6(server, rng):
    """with --bind ::1 tcp_server listens and echoes over IPv6"""
    proc = server("--bind", "::1")
    if proc.host != peers.IPV6:
        raise failure(proc, "the server did not listen on ::1", "listening on [::1]:PORT",
                      f"listening on {proc.host}:{proc.port}",
                      "Resolve the --bind address with getaddrinfo and create the socket "
                      "with the family it returns (ai_family).")
    echo(proc, small(rng))


# The large echo: its size (smaller under Wine: platform.STREAM_SCALE), and the time
# it may take while bytes keep moving.
LARGE_ECHO = platform.stream_bytes(4 * 1024 * 1024)
LARGE_LIMIT = 60


@pytest.mark.points(5)
@pytest.mark.faults("short-send", "short-recv")
def test_large_echo(server, rng):
    """a large stream of random bytes comes back exactly, read while it is sent"""
    proc = server()
    echo(proc, peers.payload(LARGE_ECHO + rng.randrange(LARGE_ECHO // 64), rng),
         limit=LARGE_LIMIT)


@pytest.mark.points(4)
@pytest.mark.faults("short-send", "short-recv")
def test_twenty_clients(server, rng):
    """twenty clients in a row are each echoed"""
    proc = server()
    for i in range(20):
        echo(proc, small(rng))
        still_running(proc, f"client {i + 1}")


@pytest.mark.points(3)
@pytest.mark.faults("short-send", "short-recv")
def test_backlog(server, rng):
    """five clients connecting at once wait in the backlog and are all served in turn"""
    proc = server()
    hint = ("listen(s, SOMAXCONN) lets clients wait while you serve another; serve each "
            "until it closes, then accept the next.")
    socks = []
    datas = [small(rng) for _ in range(5)]
    try:
        for i, data in enumerate(datas):
            try:
                sock = peers.connect(proc.host, proc.port, CLIENT_TIMEOUT)
                socks.append(sock)
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)
            except OSError as e:
                raise failure(proc, f"client {i + 1} of 5 could not connect and send",
                              f"{len(data)} bytes sent, then the client's side shut",
                              str(e), hint) from None
        for i, (sock, data) in enumerate(zip(socks, datas)):
            got, how = peers.recv_until_close(sock, CLIENT_TIMEOUT)
            if got != data or how != "eof":
                raise failure(proc, f"client {i + 1} of 5 was not echoed",
                              f"{len(data)} bytes, then the server closes",
                              f"{len(got)} bytes, {how}",
                              expect.bytes_hint(data, got, expect.first_difference(
                                  data, got), sent=True) or hint)
    finally:
        for sock in socks:
            sock.close()
    asked_for_backlog(proc, len(datas), hint)


def asked_for_backlog(proc, clients, hint):
    """Checks from the server's record that its listen asked for SOMAXCONN, as the
    README's contract says, and so room for CLIENTS waiting clients: Windows refuses
    the ones past the backlog at once, where Linux drops their SYNs and they get in on
    a retry, so only the record tells here."""
    record = proc.calls
    backlogs = [record.backlog(name) for name in record.sockets]
    asked = next((b for b in backlogs if b is not None), None)
    if asked == "SOMAXCONN":
        return
    short = asked is None or not asked.isdigit() or int(asked) < clients
    raise failure(proc, f"the listening socket's backlog has no room for {clients} waiting "
                  "clients" if short else f"the listening socket's backlog is {asked}, not "
                  "SOMAXCONN", "listen(sN, SOMAXCONN)",
                  f"listen with a backlog of {asked}" if asked else record.sequence(),
                  hint + (" On Windows the clients past the backlog are refused." if short
                          else " SOMAXCONN is as many as the system allows; a number of "
                          "your own is a limit the README does not ask for."))


@pytest.mark.points(2)
def test_silent_client(server, rng):
    """a client that connects and closes without sending is no trouble"""
    proc = server()
    with peers.connect(proc.host, proc.port, CLIENT_TIMEOUT) as sock:
        got, how = peers.exchange(sock, b"", CLIENT_TIMEOUT)
    if got or how != "eof":
        raise failure(proc, "the server did not close a silent client's connection",
                      "the server closes at once (recv returned 0)", f"{len(got)} bytes, {how}",
                      "recv returns 0 when the client closes: that ends this client.")
    still_running(proc, "a silent client")
    echo(proc, small(rng))


def fill_until_blocked(sock, rng, limit=256 * 1024 * 1024):
    """Sends to an echo server without reading its echo, until the server's sends and
    then ours block: both sides' buffers are full, and the server waits in send."""
    sock.settimeout(BLOCKED)
    chunk = peers.payload(1 << 16, rng)
    sent = 0
    while sent < limit:
        try:
            sent += sock.send(chunk)
        except socket.timeout:
            return sent
    return sent


# How long a send must stay blocked to count as blocked.
BLOCKED = 1.0


@pytest.mark.expected("tcp_server", *LISTEN, ACCEPT, *ECHO,
                      "send s2 fails: WSAECONNRESET, the client reset (or recv)",
                      NEXT, "accept s1: s2, the next client, served as every other")
@pytest.mark.points(3)
def test_reset_client(server, rng):
    """a client that resets mid-stream ends only its own connection"""
    proc = server()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # A small window: the server soon has echo it cannot send.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(CLIENT_TIMEOUT)
        sock.connect((proc.host, proc.port))
        fill_until_blocked(sock, rng)
        peers.reset(sock)           # the server is in send: it gets WSAECONNRESET
    still_running(proc, "a client reset its connection")
    echo(proc, small(rng))
    still_running(proc, "a client reset its connection")


@pytest.mark.expected("tcp_server", *LISTEN, ACCEPT, *ECHO, NEXT,
                      "closesocket s1: after the Nth client", "WSACleanup", "exit: 0")
@pytest.mark.points(3)
@pytest.mark.memcheck
@pytest.mark.faults("short-send", "short-recv")
def test_max_clients(server, rng):
    """with --max-clients N the server exits 0 after N clients"""
    n = rng.randint(2, 4)
    proc = server("--max-clients", str(n))
    for _ in range(n):
        echo(proc, small(rng))
    result = proc.wait(EXIT_TIMEOUT)
    expect.exits(result, 0, hint="Count the clients served; after the last, close the "
                                 "listening socket, call WSACleanup and return 0.")
    reported = expect.error_lines(result)
    if reported:
        raise expect.Failure("a client that closed normally was reported as failed",
                             expected=f"no error line on stderr: each of the {n} clients "
                                      "closed its side, and the server's recv returned 0",
                             got=reported[0], result=result,
                             hint="echo_client returns 0 when the client closed its side: "
                                  "report only a code that is not 0 (if (rc != 0) "
                                  "kit_error(PROG, \"echo_client\", rc)).")
    expect.asked_for_winsock(result)


@pytest.mark.points(3)
def test_restart_same_port(server, rng):
    """a server stopped while serving a client can be restarted on the same port at once"""
    first = server()
    port = first.port
    sock = peers.connect(first.host, port, CLIENT_TIMEOUT)
    sock.sendall(b"x")
    sock.recv(1)
    first.stop()            # as Ctrl-C would: the server's side closes first
    peers.recv_until_close(sock, CLIENT_TIMEOUT)
    sock.close()
    second = server("--port", str(port))
    if second.port != port:
        raise failure(second, "the restarted server did not get its port back",
                      f"listening on 127.0.0.1:{port}", f"port {second.port}",
                      "Pass --port to getaddrinfo as the service.")
    echo(second, small(rng))


@pytest.mark.expected("tcp_server", *LISTEN[:4],
                      "bind s1 fails: WSAEADDRINUSE, another socket holds the port",
                      "closesocket s1", "WSACleanup", "exit: 2, the bind error line on stderr")
@pytest.mark.points(2)
def test_port_in_use(run):
    """a port in use: exit 2 and the WSAEADDRINUSE error line"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind((peers.IPV4, 0))
        taken.listen(1)
        result = run("tcp_server", "--port", taken.getsockname()[1], timeout=EXIT_TIMEOUT)
    expect.exits(result, 2, hint="When bind fails, report it with kit_error and exit 2: "
                                 "the server cannot work without its port.")
    expect.error_line(result, "bind", "WSAEADDRINUSE", 10048)


@pytest.mark.expected("tcp_server", *LISTEN[:5],
                      "listen s1 fails: WSAENOBUFS (the grader's fault)", "closesocket s1",
                      "WSACleanup", "exit: 2, the listen error line on stderr")
@pytest.mark.points(1)
@pytest.mark.faults("listen-fails")
def test_listen_fails(run):
    """listen fails: the server reports listen and its code, closes its socket and exits 2"""
    result = run("tcp_server", "--port", 0, timeout=EXIT_TIMEOUT)
    expect.exits(result, 2, hint="When no address of --bind can listen, report the call "
                                 "that failed and exit 2: the server cannot work.")
    expect.error_line(result, "listen", "WSAENOBUFS", 10055,
                      hint="Name the call that failed: open_listener sets *call to "
                           "\"listen\" when listen fails, and the caller reports it with "
                           "the code open_listener returned.")
    left = result.calls.open_now() if result.calls is not None else []
    if left:
        raise expect.Failure("the server left a socket open after listen failed",
                             expected="the address's socket closed (closesocket) before "
                                      "the next address, or before giving up",
                             got=", ".join(f"{s.name}, made by {s.made.where()}"
                                           for s in left), result=result,
                             hint="Close the socket of an address that failed, whichever "
                                  "call failed (setsockopt, bind or listen), not only "
                                  "when bind fails.")


ERROR_LINE = r"tcp_server: \S+: WSA\w+ \(\d+\): .+"


def unreported(proc, what, expected, hint):
    """The failure of a client that was not reported as it should be: when stderr holds
    an error line whose code is no WSA error (WSA_UNKNOWN (-1), NO_ERROR (0)), that
    line is what came, and the hint says where such a code comes from."""
    lines = [line for line in proc.err.data.decode("utf-8", "replace").splitlines()
             if re.fullmatch(r"tcp_server: \S+: \S+ \(-?\d+\): .*", line)]
    if lines:
        return failure(proc, f"{what}: the error line's code is no WSA error code",
                       expected, lines[-1],
                       "echo_client returns the WSA error code of the recv or send that "
                       "failed: WSAGetLastError(), read right after it fails. Not "
                       "SOCKET_ERROR (-1), and not a code read after another call.")
    return failure(proc, what, expected, "no error line on stderr", hint)


def reset_mid_stream(proc, rng):
    """A client that fills the server's buffers, then resets its connection while the
    server is still sending it the echo: the server's send fails. It waits for the
    server to have accepted it: a connection that resets in the backlog fails the
    server's accept instead (or, on Windows, is never seen), which --max-clients
    counts only where accept saw it."""
    accepted = servers.accepts(proc)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(CLIENT_TIMEOUT)
        sock.connect((proc.host, proc.port))
        servers.wait_accepted(proc, accepted + 1, CLIENT_TIMEOUT)
        fill_until_blocked(sock, rng)
        peers.reset(sock)


@pytest.mark.points(1)
def test_stdout_one_line(server, rng):
    """on stdout tcp_server prints its 'listening on' line and nothing else"""
    proc = server("--max-clients", "2")
    for _ in range(2):
        echo(proc, small(rng))
    result = proc.wait(EXIT_TIMEOUT)
    expect.exits(result, 0, hint="Count the clients served; after the last, close the "
                                 "listening socket, call WSACleanup and return 0.")
    expect.has_lines(result, [f"listening on {proc.host}:{proc.port}"], exact=True,
                     hint="stdout carries exactly one line, the announcement: print "
                          "anything else (a client served, an error) on stderr, or not "
                          "at all.")


@pytest.mark.points(1)
def test_reports_failed_client(server, rng):
    """a client whose connection fails is reported on stderr, and the server goes on"""
    proc = server()
    reset_mid_stream(proc, rng)
    if proc.wait_line(ERROR_LINE, EXIT_TIMEOUT, stderr=True) is None:
        raise unreported(proc, "the failed client was not reported on stderr",
                      "tcp_server: echo_client: WSAECONNRESET (10054): ... (or another "
                      "WSA error line)",
                      "When echo_client returns an error code, report it with "
                      "kit_error(PROG, \"echo_client\", rc), then serve the next client.")
    still_running(proc, "a client reset its connection")
    echo(proc, small(rng))


@pytest.mark.expected("tcp_server", *LISTEN, ACCEPT,
                      "recv s2 fails: WSAECONNRESET, the client reset",
                      "closesocket s2: the error line on stderr, then the next client",
                      "accept s1: s2, the next client, served as every other")
@pytest.mark.points(1)
def test_reports_reset_in_recv(server, rng, request):
    """a client that resets while the server waits in recv is reported on stderr"""
    platform.wine_differs(request, "reset-mid-reply-read-as-eof")
    proc = server()
    data = small(rng)
    with peers.connect(proc.host, proc.port, CLIENT_TIMEOUT) as sock:
        sock.sendall(data)
        got = bytearray()
        while len(got) < len(data):     # the whole echo: the server is back in recv
            chunk = sock.recv(len(data) - len(got))
            if not chunk:
                break
            got += chunk
        peers.reset(sock)
    if proc.wait_line(ERROR_LINE, EXIT_TIMEOUT, stderr=True) is None:
        raise unreported(proc, "the client that reset was not reported on stderr",
                      "tcp_server: echo_client: WSAECONNRESET (10054): ...",
                      "recv returning SOCKET_ERROR is not the client's end-of-file: only 0 "
                      "is. Return WSAGetLastError() from echo_client, and report it.")
    still_running(proc, "a client reset its connection")
    echo(proc, small(rng))


@pytest.mark.points(2)
def test_max_clients_counts_failed(server, rng):
    """--max-clients counts a client that failed as served"""
    proc = server("--max-clients", "2")
    reset_mid_stream(proc, rng)
    echo(proc, small(rng))
    result = proc.ended_within(EXIT_TIMEOUT)
    if result is None:
        raise failure(proc, "the server did not exit after 2 clients, the first of "
                      "which failed", "exit 0 after the second client (--max-clients 2)",
                      f"still running {EXIT_TIMEOUT} s later",
                      "A client that failed counts towards --max-clients too: count "
                      "every client accepted, however it ended.")
    expect.exits(result, 0, hint="After the last client, close the listening socket, "
                                 "call WSACleanup and return 0.")


@pytest.mark.expected("tcp_server", LISTEN[0], "getaddrinfo fails: WSAHOST_NOT_FOUND",
                      "WSACleanup", "exit: 2, the getaddrinfo error line on stderr")
@pytest.mark.points(1)
def test_unknown_bind_address(run):
    """--bind with a name that does not resolve: exit 2 and the getaddrinfo error line"""
    # Not a valid host name: refused by the resolver without a DNS query.
    result = run("tcp_server", "--bind", "no_such_host!.invalid", timeout=EXIT_TIMEOUT)
    expect.exits(result, 2, hint="When getaddrinfo fails, report it with kit_error and "
                                 "exit 2: there is no address to listen on.")
    expect.error_line(result, "getaddrinfo", "WSAHOST_NOT_FOUND", 11001,
                      hint="open_listener returns getaddrinfo's own code with *call = "
                           "\"getaddrinfo\"; main reports both with kit_error.")


@pytest.mark.expected("tcp_server", *LISTEN,
                      "accept s1 fails: WSAECONNRESET, a client reset in the backlog",
                      "accept s1: s2, the next client (the error reported, counted)",
                      *ECHO, NEXT)
@pytest.mark.points(3)
@pytest.mark.faults("accept-reset")
def test_accept_reset(server, rng):
    """an accept that fails for a client that reset in the backlog: reported, counted, and the server goes on"""
    proc = server("--max-clients", "2")
    servers.sacrifice(proc, CLIENT_TIMEOUT)
    still_running(proc, "an accept that failed")
    result = served_after_failed_accept(proc, rng, "A failed accept is that client's "
                                        "failure: report it with kit_error and accept the "
                                        "next client.")
    servers.accept_reported(result, "tcp_server", "When accept fails, kit_error(PROG, "
                            "\"accept\", WSAGetLastError()), then accept the next client.")
    others = [line for line in expect.error_lines(result)
              if not line.startswith("tcp_server: accept: ")]
    if others:
        raise expect.Failure("after the failed accept the server reported another failure",
                             expected="tcp_server: accept: ... alone (the next client was "
                                      "echoed and closed normally)",
                             got=others[0], result=result,
                             hint="A failed accept returns no socket: there is no client "
                                  "to echo or close. Report it, count it, and go straight "
                                  "back to accept (continue).")


@pytest.mark.expected("tcp_server", *LISTEN,
                      "accept s1 fails: WSAEMFILE (the grader's fault)",
                      "accept s1: s2, the next client (the error reported, counted)",
                      *ECHO, NEXT)
@pytest.mark.points(1)
@pytest.mark.faults("accept-fails")
def test_accept_fails(server, rng):
    """an accept that fails with another code (WSAEMFILE): reported, counted, and the server goes on"""
    proc = server("--max-clients", "2")
    result = served_after_failed_accept(proc, rng, "Any failed accept is that client's "
                                        "failure, whatever its code: report it with "
                                        "kit_error and accept the next client.")
    expect.error_line(result, "accept", "WSAEMFILE", 10024,
                      hint="When accept fails, kit_error(PROG, \"accept\", "
                           "WSAGetLastError()), then accept the next client.")


def served_after_failed_accept(proc, rng, hint):
    """A server of --max-clients 2 whose first accept failed: echoes one client, then
    exits 0 (the failed accept counts as a client). Returns how it ended."""
    echo(proc, small(rng), hint=hint)
    result = proc.wait(EXIT_TIMEOUT)
    expect.exits(result, 0, hint="The failed accept counts as one of --max-clients: after "
                                 "it and one client served, the server exits 0.")
    return result


# Clients that reset one after another, and how long the server may take to be done
# with them all.
RESETS = 100


@pytest.mark.points(3)
def test_hundred_resets(server, rng):
    """a hundred clients that reset one after another leave the server holding only its listener"""
    proc = server()
    for i in range(RESETS):
        try:
            sock = peers.connect(proc.host, proc.port, CLIENT_TIMEOUT)
            sock.sendall(small(rng))
            peers.reset(sock)
        except OSError as e:
            raise failure(proc, f"client {i + 1} of {RESETS} could not connect and send",
                          "each client connects, sends, and resets", str(e),
                          "A client that resets ends only its own connection: report it "
                          "and accept the next.") from None
    echo(proc, small(rng))
    still_running(proc, f"{RESETS} clients reset")
    only_the_listener(proc)


def only_the_listener(proc):
    servers.only_the_listener(proc, "Close the client's socket (closesocket) after every "
                              "client, the failed ones too: a server that leaks one per "
                              "reset client runs out of sockets.")


@pytest.mark.points(2)
def test_exclusive_addruse(server):
    """the listening socket gets SO_EXCLUSIVEADDRUSE before bind, never SO_REUSEADDR (read from its record)"""
    proc = server()
    record = proc.calls
    sock = next((s for s in record.sockets.values() if record.backlog(s.name)), None)
    calls = sock.calls if sock else []
    bound = next((c for c in calls if c.name == "bind"), None)
    exclusive = next((c for c in calls if c.name == "setsockopt" and not c.failed and
                      c.args[2:3] == ["SO_EXCLUSIVEADDRUSE"] and c.args[3:4] != ["0"]), None)
    reuse = next((c for c in calls if c.name == "setsockopt" and
                  c.args[2:3] == ["SO_REUSEADDR"] and c.args[3:4] != ["0"]), None)
    if reuse is not None:
        raise failure(proc, "the listening socket was given SO_REUSEADDR",
                      "SO_EXCLUSIVEADDRUSE before bind, never SO_REUSEADDR", reuse.where(),
                      "Leave SO_REUSEADDR out: on Windows it lets another program bind your "
                      "server's port, even while you listen on it. SO_EXCLUSIVEADDRUSE alone.")
    if exclusive is None or bound is None or exclusive.number > bound.number:
        raise failure(proc, "the listening socket was not given SO_EXCLUSIVEADDRUSE before bind",
                      "setsockopt(sN, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, 1) = 0, then bind",
                      record.sequence(),
                      "Set SO_EXCLUSIVEADDRUSE (not SO_REUSEADDR: on Windows that lets "
                      "another program take your port) on the socket before bind.")


# --- the challenge (bonus points, shown apart) ------------------------------------------------

@pytest.mark.challenge
@pytest.mark.points(2)
def test_challenge_logs_clients(server, rng):
    """challenge: the server logs each client's address and port on stderr"""
    for bind in (peers.IPV4, peers.IPV6):
        proc = server("--bind", bind)
        with peers.connect(proc.host, proc.port, CLIENT_TIMEOUT) as sock:
            host, port = sock.getsockname()[:2]
            peers.exchange(sock, small(rng), CLIENT_TIMEOUT)
        endpoint = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        for what in ("connected", "done"):
            line = f"tcp_server: client {endpoint} {what}"
            if proc.wait_line(re.escape(line), EXIT_TIMEOUT, stderr=True) is None:
                raise failure(proc, f"the server did not log its client as {what}", line,
                              "no such line on stderr",
                              "Give accept a struct sockaddr_storage and its length: it "
                              "fills in the client's address and port. Print them as "
                              "kit_announce prints the server's (IPv6 in brackets, the "
                              "port through ntohs).")


# --- models of the README, and the smallest case that differs (gradelib.models) ------

from gradelib.models import iterative as model  # noqa: E402


@pytest.mark.points(3)
def test_model_clients(start, seed):
    """clients in a generated order (in pieces, in the backlog, resetting) are each echoed as a model of the README says, and --max-clients counts them all"""
    model.check(start, seed, "tcp_server", lambda data: data,
                "Echo each client's bytes as they come until it closes its side; a client "
                "that resets ends that client only, and counts towards --max-clients.")
