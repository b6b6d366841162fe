"""UDP: datagrams, loss and retry

Lab 04's behaviours: the unit tests of datagram.c, then udp_server and udp_client run
as programs against the grader's own UDP peers on loopback. Payloads, sizes, ports,
timeouts and the number of datagrams lost are random, so no answer can be written in
advance.
"""
import socket
import string
import time

import pytest

from gradelib import expect, platform, servers
from gradelib.datagrams import (MAX_IPV4, MAX_IPV6, Server, closed_port, receive,
                                udp_socket, vanishing_send)
from gradelib.peers import IPV4, IPV6, payload

UNITS = "lab04_units"
# How long the grader waits for one echo: generous, as Wine starts slowly.
ECHO_WAIT = 5.0

# The calls the README expects of udp_server, drawn beside a failed test's on the report
# page (gradelib.page.expected); a test whose path differs, or that runs udp_client,
# says its own.
BOUND = ("WSAStartup: version 2.2",
         "getaddrinfo: --bind and --port, SOCK_DGRAM, AI_PASSIVE",
         "socket s1: of that address's family, SOCK_DGRAM",
         "bind s1: that address; no listen, no accept",
         "announce s1: listening on ADDR:PORT, once bound")
ECHO = ("recvfrom s1: one datagram, its length n and its sender",
        "sendto s1: the same n bytes back to that sender")
NEXT = "recvfrom s1: the next datagram, from any client, and so on"
UNTIL_N = ("recvfrom s1: the next datagram, until N were echoed",
           "sendto s1: its n bytes back to its sender, the Nth echo")
STOP = ("closesocket s1: once N datagrams were echoed", "WSACleanup")
pytestmark = pytest.mark.expected("udp_server", *BOUND, *ECHO, NEXT)


# --- datagram.c, through its unit tests (tests/unit/lab04_test.c) -------------------

@pytest.mark.points(2)
def test_unit_endpoints(unit):
    """same_endpoint compares family, address and port (unit tests)"""
    unit(UNITS, "Endpoints", "Compare sa_family first; then, for AF_INET, sin_port and "
         "sin_addr.s_addr; for AF_INET6, sin6_port and the 16 bytes of sin6_addr "
         "(memcmp); 0 for any other family. Never the whole structure: padding and "
         "sin_zero may differ.")


@pytest.mark.points(2)
def test_unit_timeout(unit):
    """set_receive_timeout sets SO_RCVTIMEO in milliseconds (unit tests)"""
    unit(UNITS, "Timeout", "Winsock takes SO_RCVTIMEO as a DWORD of milliseconds: pass "
         "(const char *)&ms and sizeof ms, not a struct timeval. Return "
         "WSAGetLastError() when setsockopt fails.")


@pytest.mark.points(3)
def test_unit_echo(unit):
    """echo_datagram sends each datagram back to its sender, unchanged (unit tests)"""
    unit(UNITS, "Echo", "recvfrom fills in the sender's address and returns the length: "
         "sendto exactly that many bytes (0 is a datagram too) to that address. When "
         "recvfrom fails (WSAEMSGSIZE: the datagram was too long), send nothing and "
         "return its error code with *call = \"recvfrom\"; when sendto fails, its code "
         "with *call = \"sendto\".")


@pytest.mark.points(3)
def test_unit_retry(unit):
    """request_reply retries on timeout and takes only the server's reply (unit tests)"""
    unit(UNITS, "Retry", "Send, then recvfrom in a loop: skip a datagram whose sender is "
         "not req->to (same_endpoint), return when it is; give recvfrom the whole size "
         "of the buffer. On WSAETIMEDOUT send again, 1 + retries sends in all, then "
         "return WSAETIMEDOUT. Any other failure ends it: its code, with *call naming "
         "the call (\"sendto\", or \"recvfrom\" for a reply too long for the buffer).")


# --- udp_server -------------------------------------------------------------------

# udp_server; each test gives it its --bind address (127.0.0.1, or ::1).
server = servers.fixture("udp_server", timeout=30)


def no_echo(proc, what, expected, got, hint):
    """The failure of an echo that did not come, with how the server ended if it did."""
    return expect.Failure(what, expected=expected, got=got, hint=hint,
                          result=proc.ended_within(1.0))


def shown_sizes(sizes):
    return ", ".join(f"{n} bytes" for n in sizes) or "nothing"


def no_out_of_band(result, name):
    """Checks from the record that no send or receive on a UDP socket passed MSG_OOB:
    out-of-band data is TCP's, and Windows fails such a call with WSAEOPNOTSUPP (Linux
    ignores the flag on a receive)."""
    record = result.calls
    if record is None or not record.exists:
        return
    for call in record.calls:
        if call.name not in ("recvfrom", "recv", "sendto", "send") or \
                not any("MSG_OOB" in arg for arg in call.args[1:3]):
            continue
        sock = record.sockets.get(call.socket)
        if sock is not None and sock.kind == "SOCK_DGRAM":
            raise expect.Failure(f"{name} passed MSG_OOB to {call.name} on a UDP socket",
                                 expected=f"{call.name}(..., flags 0, ...)",
                                 got=call.where(), result=result,
                                 hint="Pass 0 as the flags of sendto and recvfrom: MSG_OOB "
                                      "(1) asks for TCP's out-of-band data, and on Windows "
                                      "the call fails with WSAEOPNOTSUPP on a UDP socket.")


def check_echo(proc, sock, addr, data, hint):
    """Sends DATA from SOCK to the server at ADDR and checks the echo."""
    sock.sendto(data, addr)
    back, source = receive(sock, ECHO_WAIT, sender=proc)
    if back is None:
        raise no_echo(proc, "no echo came back", f"a datagram of {len(data)} bytes",
                      f"nothing within {ECHO_WAIT:g} s", hint)
    if source[:2] != addr[:2]:
        raise expect.Failure("the echo came from another address",
                             expected=f"{addr[0]} port {addr[1]}",
                             got=f"{source[0]} port {source[1]}",
                             hint="Send with the socket that received the datagram.")
    if back != data:
        raise expect.Failure("the echo differs from the datagram sent",
                             expected=f"the same {len(data)} bytes",
                             got=f"{len(back)} bytes" + (", other bytes"
                                                          if len(back) == len(data) else ""),
                             hint=hint)


@pytest.mark.points(2)
def test_udp_server_echoes(server, rng):
    """udp_server announces itself and echoes datagrams, unchanged"""
    proc = server("--bind", IPV4)
    addr = proc.address
    with udp_socket() as sock:
        for size in (rng.randint(1, 40), rng.randint(500, 1400)):
            check_echo(proc, sock, addr, payload(size, rng),
                       "Echo the n bytes recvfrom returned, as they are: any byte, NUL "
                       "included, can be in a datagram, so no string functions.")


@pytest.mark.expected("udp_server", *BOUND,
                      "recvfrom s1: a datagram, its IPv6 sender in a sockaddr_storage",
                      ECHO[1], NEXT)
@pytest.mark.points(1)
def test_udp_server_ipv6(server, rng):
    """with --bind ::1 udp_server echoes datagrams from IPv6 senders"""
    proc = server("--bind", IPV6)
    addr = proc.address
    with udp_socket(IPV6) as sock:
        for size in (rng.randint(1, 40), rng.randint(500, 1400)):
            check_echo(proc, sock, addr, payload(size, rng),
                       "recvfrom writes the sender's address into the buffer you give "
                       "it: an IPv6 address does not fit a struct sockaddr_in (recvfrom "
                       "fails with WSAEFAULT). Use a struct sockaddr_storage and pass "
                       "its size.")


@pytest.mark.expected("udp_server", *BOUND,
                      "recvfrom s1: the first datagram, whole: one per call",
                      "sendto s1: exactly its n bytes back to its sender",
                      "recvfrom s1: the second, of its own size", ECHO[1],
                      "recvfrom s1: the third, of its own size", ECHO[1], NEXT)
@pytest.mark.points(3)
def test_udp_server_sizes(server, rng):
    """three datagrams sent at once come back as three, of the same sizes"""
    proc = server("--bind", IPV4)
    addr = proc.address
    sizes = [rng.randint(1, 20), rng.randint(100, 3000), rng.randint(8000, 30000)]
    rng.shuffle(sizes)
    sent = [payload(n, rng) for n in sizes]
    got = []
    with udp_socket() as sock:
        for data in sent:
            sock.sendto(data, addr)
        for _ in sent:
            back, _ = receive(sock, ECHO_WAIT, addr, proc)
            if back is None:
                break
            got.append(back)
    if got != sent:
        raise no_echo(proc, "the echoes are not the datagrams sent",
                      expected=shown_sizes(sizes), got=shown_sizes(map(len, got)),
                      hint="UDP keeps boundaries: one recvfrom takes one whole datagram. "
                           "Send back exactly the length recvfrom returned, once per "
                           "datagram.")


@pytest.mark.expected("udp_server", *BOUND,
                      "recvfrom s1: 65507 bytes, into a buffer of MAX_DATAGRAM",
                      "sendto s1: all 65507 bytes back to that sender", NEXT)
@pytest.mark.points(2)
def test_udp_server_largest(server, rng):
    """the largest IPv4 datagram, 65507 bytes, comes back whole"""
    proc = server("--bind", IPV4)
    addr = proc.address
    with udp_socket() as sock:
        check_echo(proc, sock, addr, payload(MAX_IPV4, rng),
                   f"The buffer must hold {MAX_IPV4} bytes (MAX_DATAGRAM), the largest "
                   "UDP payload over IPv4; a static or global array keeps it off the "
                   "stack.")


@pytest.mark.expected("udp_server", *BOUND,
                      "recvfrom s1: an empty datagram, n = 0: not an end-of-file",
                      "sendto s1: 0 bytes back to that sender, an empty datagram", NEXT)
@pytest.mark.points(1)
def test_udp_server_empty(server):
    """an empty datagram comes back as an empty datagram"""
    proc = server("--bind", IPV4)
    addr = proc.address
    with udp_socket() as sock:
        check_echo(proc, sock, addr, b"",
                   "A datagram of 0 bytes is a datagram: recvfrom returns 0 (it is not "
                   "an end-of-file, UDP has none), and sendto of 0 bytes sends one back.")


@pytest.mark.expected("udp_server", *BOUND,
                      "recvfrom s1: a datagram, and its client's address",
                      "sendto s1: its n bytes back to that client's address",
                      "recvfrom s1: another client's datagram, and its address",
                      "sendto s1: its n bytes back to that client, not the first",
                      NEXT)
@pytest.mark.points(3)
def test_udp_server_interleaved(server, rng):
    """several clients interleaved, each answered at its own address"""
    proc = server("--bind", IPV4)
    addr = proc.address
    clients = [udp_socket() for _ in range(rng.randint(3, 5))]
    rounds = 3
    sent = {i: [payload(rng.randint(1, 200), rng) for _ in range(rounds)]
            for i in range(len(clients))}
    try:
        for r in range(rounds):
            for i, sock in enumerate(clients):
                sock.sendto(sent[i][r], addr)
        for i, sock in enumerate(clients):
            got = []
            for _ in range(rounds):
                back, _ = receive(sock, ECHO_WAIT, addr, proc)
                if back is None:
                    break
                got.append(back)
            if got != sent[i]:
                raise no_echo(proc, f"client {i + 1} of {len(clients)} did not get its "
                              "own echoes", expected=shown_sizes(map(len, sent[i])),
                              got=shown_sizes(map(len, got)),
                              hint="Answer each datagram at the address recvfrom gave "
                                   "for it, with the length recvfrom gave: keep both per "
                                   "datagram, not once for the first client.")
    finally:
        for sock in clients:
            sock.close()


@pytest.mark.expected("udp_server", *BOUND, *ECHO, *UNTIL_N, *STOP, "exit: 0")
@pytest.mark.points(2)
@pytest.mark.memcheck
def test_udp_server_max_datagrams(server, rng):
    """--max-datagrams N echoes N datagrams, then exits with 0"""
    count = rng.randint(2, 5)
    proc = server("--bind", IPV4, "--max-datagrams", count)
    addr = proc.address
    with udp_socket() as sock:
        for n in range(count):
            check_echo(proc, sock, addr, payload(rng.randint(1, 100), rng),
                       f"Count the datagrams echoed; exit only after the {count}th "
                       f"(this was datagram {n + 1}).")
    result = proc.wait(ECHO_WAIT)
    expect.exits(result, 0, hint=f"After echoing {count} datagrams, close the socket, "
                                 "call WSACleanup and return 0.")
    expect.asked_for_winsock(result)
    no_out_of_band(result, "udp_server")


@pytest.mark.expected("udp_server", *BOUND,
                      "recvfrom s1 fails: WSAEMSGSIZE, too long: reported, no echo",
                      "recvfrom s1: the next datagram, the first that counts",
                      "sendto s1: its n bytes back to its sender",
                      "recvfrom s1: the next, the second that counts",
                      "sendto s1: its n bytes back to its sender", *STOP,
                      "exit: 0, the recvfrom WSAEMSGSIZE line on stderr")
@pytest.mark.points(2)
def test_udp_server_truncated(server, rng):
    """a datagram longer than 65507 bytes (IPv6) is skipped or echoed whole, and the server goes on"""
    proc = server("--bind", IPV6, "--max-datagrams", 2)
    addr = proc.address
    big = payload(rng.randint(MAX_IPV4 + 1, MAX_IPV6), rng)
    smalls = [payload(rng.randint(1, 50), rng) for _ in range(2)]
    with udp_socket(IPV6) as sock:
        sock.sendto(big, addr)
        sock.sendto(smalls[0], addr)
        back, _ = receive(sock, ECHO_WAIT, addr, proc)
        # A buffer of 64 KiB holds it, and echoing it whole is right; 65507 bytes do
        # not, and then nothing is echoed for it.
        whole = back == big
        if whole:
            back, _ = receive(sock, ECHO_WAIT, addr, proc)
        elif back is not None and back != smalls[0]:
            raise no_echo(proc, f"a datagram of {len(big)} bytes came back cut",
                          expected=f"the whole {len(big)} bytes, or no echo at all",
                          got=f"{len(back)} bytes",
                          hint="When recvfrom fails with WSAEMSGSIZE, the buffer holds "
                               "only a part of the datagram: send nothing back for it.")
        if back != smalls[0]:
            raise no_echo(proc, f"after a datagram of {len(big)} bytes, the next one "
                          "was not echoed", expected=f"the echo of {len(smalls[0])} bytes",
                          got="nothing" if back is None else f"{len(back)} bytes",
                          hint="recvfrom fails with WSAEMSGSIZE when a datagram does not "
                               "fit the buffer (here: IPv6 allows 65527 bytes). Report "
                               "it with kit_error and receive the next one; send nothing "
                               "back for it.")
        if not whole:
            check_echo(proc, sock, addr, smalls[1],
                       "Only datagrams echoed count towards --max-datagrams.")
    result = proc.wait(ECHO_WAIT)
    expect.exits(result, 0, hint="Only datagrams echoed count towards --max-datagrams.")
    if not whole:
        expect.error_line(result, "recvfrom", "WSAEMSGSIZE", 10040,
                          hint="Report the skipped datagram: kit_error(PROG, "
                               "\"recvfrom\", WSAEMSGSIZE), then carry on.")


def free_udp_port(host=IPV4):
    """A loopback UDP port that was free a moment ago: the grader bound it, then let
    it go for the server to bind."""
    with udp_socket(host) as sock:
        return sock.getsockname()[1]


@pytest.mark.expected("udp_server", BOUND[0],
                      "getaddrinfo: 127.0.0.1 and --port N, SOCK_DGRAM, AI_PASSIVE",
                      BOUND[2], "bind s1: port N, as --port said",
                      "announce s1: listening on 127.0.0.1:N", *ECHO, NEXT)
@pytest.mark.points(1)
def test_udp_server_port(server, rng):
    """udp_server --port N binds port N and echoes there"""
    port = free_udp_port()
    proc = server("--bind", IPV4, "--port", port)
    addr = proc.address
    if addr[1] != port:
        raise no_echo(proc, "udp_server did not bind the port it was given",
                      expected=f"listening on 127.0.0.1:{port}",
                      got=f"listening on {addr[0]}:{addr[1]}",
                      hint="Pass --port (args.port) to getaddrinfo as the service, and "
                           "bind the address it returns.")
    with udp_socket() as sock:
        check_echo(proc, sock, addr, payload(rng.randint(1, 500), rng),
                   "Echo each datagram from the socket bound to --port.")


@pytest.mark.expected("udp_server", *BOUND[:3],
                      "bind s1 fails: WSAEADDRINUSE, another socket holds the port",
                      "closesocket s1: and the next address, if there is one",
                      "WSACleanup",
                      "exit: 2, the error line: bind (getaddrinfo for a bad name)")
@pytest.mark.points(1)
def test_udp_server_port_in_use(run):
    """a UDP port in use, or a --bind name that does not resolve: exit 2 and the error line"""
    with udp_socket() as taken:
        result = run("udp_server", "--port", taken.getsockname()[1], timeout=ECHO_WAIT)
    expect.exits(result, 2, hint="When bind fails, report it with kit_error and exit 2: "
                                 "the server cannot work without its port.")
    expect.error_line(result, "bind", "WSAEADDRINUSE", 10048)
    # Not a valid host name: refused by the resolver without a DNS query.
    result = run("udp_server", "--bind", "no_such_host!.invalid", timeout=ECHO_WAIT)
    expect.exits(result, 2, hint="When getaddrinfo fails, report it with kit_error and "
                                 "exit 2: there is no address to bind.")
    expect.error_line(result, "getaddrinfo", "WSAHOST_NOT_FOUND", 11001,
                      hint="open_socket returns getaddrinfo's own code with *call = "
                           "\"getaddrinfo\"; main reports both with kit_error.")


@pytest.mark.expected("udp_server", *BOUND, *ECHO, *UNTIL_N, *STOP,
                      "exit: 0, stdout: the 'listening on' line, nothing else")
@pytest.mark.points(1)
def test_udp_server_stdout_one_line(server, rng):
    """on stdout udp_server prints its 'listening on' line and nothing else"""
    count = rng.randint(2, 3)
    proc = server("--bind", IPV4, "--max-datagrams", count)
    addr = proc.address
    with udp_socket() as sock:
        for _ in range(count):
            check_echo(proc, sock, addr, payload(rng.randint(1, 100), rng),
                       "Echo each datagram, then exit after --max-datagrams.")
    result = proc.wait(ECHO_WAIT)
    expect.exits(result, 0, hint=f"After echoing {count} datagrams, close the socket, "
                                 "call WSACleanup and return 0.")
    expect.has_lines(result, [f"listening on {addr[0]}:{addr[1]}"], exact=True,
                     hint="stdout carries exactly one line, the announcement: print "
                          "anything else (a datagram echoed, an error) on stderr, or not "
                          "at all.")


# A client that is gone before its echo comes, then one that stays.
VANISHED = ("recvfrom s1: a datagram from a client that then goes away",
            "sendto s1: its echo, to a port now closed")
SERVED_ON = ("recvfrom s1: again: the next client's datagram",
             "sendto s1: its echo; the server goes on serving")


def vanish_then_serve(proc, addr, rng):
    """A client that is gone before its echo comes, then a normal client; returns the
    normal client's socket after its first echo."""
    vanishing_send(addr[0], addr[1], payload(rng.randint(1, 100), rng))
    sock = udp_socket()
    check_echo(proc, sock, addr, payload(rng.randint(1, 100), rng),
               "The echo to a client that has gone is answered with an ICMP port "
               "unreachable, which Windows reports as WSAECONNRESET on the next "
               "recvfrom. It is not this socket's failure: report it and carry on.")
    return sock


@pytest.mark.expected("udp_server", *BOUND, *VANISHED,
                      "recvfrom s1 fails: WSAECONNRESET, that echo found no one",
                      *SERVED_ON)
@pytest.mark.points(2)
def test_udp_server_client_vanishes(server, rng):
    """a client that vanishes before its echo arrives, then a normal client"""
    proc = server("--bind", IPV4)
    addr = proc.address
    with vanish_then_serve(proc, addr, rng) as sock:
        check_echo(proc, sock, addr, payload(rng.randint(1, 100), rng),
                   "Keep serving after WSAECONNRESET from recvfrom.")


@pytest.mark.expected("udp_server", *BOUND, *VANISHED,
                      "recvfrom s1 fails: WSAECONNRESET: its error line on stderr",
                      *SERVED_ON)
@pytest.mark.points(1)
def test_udp_server_reports_reset(server, request, rng):
    """the server reports WSAECONNRESET from recvfrom after a vanished client"""
    platform.wine_differs(request, "udp-unreachable-unreported")
    proc = server("--bind", IPV4)
    addr = proc.address
    with vanish_then_serve(proc, addr, rng) as sock:
        if proc.wait_line(r"\S+: recvfrom: WSAECONNRESET \(10054\): .+", 3.0,
                            stderr=True) is None:
            raise no_echo(proc, "no WSAECONNRESET was reported",
                          expected="udp_server: recvfrom: WSAECONNRESET (10054): ... on "
                                   "stderr", got=proc.err.data.decode("utf-8", "replace")
                          .strip() or "(nothing on stderr)",
                          hint="When recvfrom fails with WSAECONNRESET, report it with "
                               "kit_error(PROG, \"recvfrom\", code) and receive again.")
        check_echo(proc, sock, addr, payload(rng.randint(1, 100), rng),
                   "Keep serving after WSAECONNRESET from recvfrom.")


@pytest.mark.expected("udp_server", "exit: 1, the usage on stderr, before any socket call")
@pytest.mark.points(1)
def test_udp_server_usage(run, rng):
    """udp_server with bad arguments prints usage and exits 1"""
    cases = [["--port", "65536"], ["--max-datagrams", "0"], ["--max-datagrams", "x"],
             ["--bogus", "1"], ["--port"], ["extra"]]
    for args in rng.sample(cases, 4):
        result = run("udp_server", *args)
        expect.exits(result, 1, hint="kit_server_args(argc, argv, \"--max-datagrams\", "
                                     "&args) returns -1 for these: print usage, exit 1.")
        expect.usage(result)


# --- udp_client -------------------------------------------------------------------

# The calls the README expects of udp_client; each of its tests says its own sequence.
ASK = ("WSAStartup: version 2.2", "getaddrinfo: HOST and PORT, SOCK_DGRAM",
       "socket s1: of the first address's family, SOCK_DGRAM",
       "setsockopt s1: SO_RCVTIMEO, --timeout ms as a DWORD")
REQUEST = "sendto s1: MESSAGE, its strlen bytes, to that address"
REPLY = "recvfrom s1: the reply, from that address"
TIMED_OUT = "recvfrom s1 fails: WSAETIMEDOUT, no reply in --timeout ms"
CLOSE = ("closesocket s1", "WSACleanup")
PRINTED = "exit: 0, the reply and a newline on stdout"
GAVE_UP = "exit: 3, 'timeout: no reply ...' on stderr"


def message(rng, low=8, high=60):
    """A random message that survives any command line: letters, digits, - and _.

    It starts with a letter or a digit, so that no client takes it for an option."""
    first = string.ascii_letters + string.digits
    rest = first + "-_"
    return rng.choice(first) + "".join(rng.choice(rest)
                                          for _ in range(rng.randint(low, high) - 1))


def client(run, port, text, *args, timeout=20.0, host=IPV4):
    return run("udp_client", host, port, text, *args, timeout=timeout)


def check_reply(result, reply, hint):
    expect.exits(result, 0, hint=hint)
    if result.stdout != reply + b"\n":
        raise expect.Failure("udp_client printed other bytes than the reply",
                             expected=f"the {len(reply)} bytes of the reply, then \\n",
                             got=f"{len(result.stdout)} bytes: {result.stdout[:60]!r}",
                             hint=hint, result=result)


# udp_client's defaults (README, section 6): each wait, and the retries after the first.
DEFAULT_TIMEOUT_MS = 1000
DEFAULT_RETRIES = 3


def waits_by_default(result):
    """Checks from the record of a udp_client run without --timeout that each
    SO_RCVTIMEO it set is a wait of 1 to 1000 ms: the default is 1000, and 0 waits for
    ever. (A client that waits with select sets none.)"""
    record = result.calls
    for call in record.named("setsockopt") if record is not None and record.exists else []:
        if len(call.args) < 4 or call.args[2] != "SO_RCVTIMEO" or call.failed or \
                not call.args[3].lstrip("-").isdigit():
            continue
        if not 1 <= int(call.args[3]) <= DEFAULT_TIMEOUT_MS:
            raise expect.Failure(f"without --timeout, udp_client set a wait of "
                                 f"{call.args[3]} ms for the reply",
                                 expected=f"SO_RCVTIMEO of {DEFAULT_TIMEOUT_MS} ms (the "
                                          "default), or less", got=call.where(),
                                 result=result,
                                 hint=f"--timeout defaults to {DEFAULT_TIMEOUT_MS} ms: keep "
                                      "the defaults parse_args sets, and pass "
                                      "opts->timeout to set_receive_timeout (0 would "
                                      "wait for ever).")


@pytest.mark.expected("udp_client", *ASK[:3],
                      "setsockopt s1: SO_RCVTIMEO, 1000 ms (the default --timeout)",
                      "sendto s1: MESSAGE, its strlen bytes (0: an empty datagram)",
                      REPLY, *CLOSE, PRINTED)
@pytest.mark.points(2)
@pytest.mark.memcheck
def test_udp_client_echo(run, rng):
    """udp_client sends its message and prints the reply"""
    texts = [message(rng), ""]
    if platform.ON_LINUX and not platform.WINDOWS_PROGRAMS:
        # The longest message, 65507 bytes, where one argument may be that long: a
        # Windows command line holds 32767 characters (and macOS sends datagrams of
        # 9216 bytes at most unless told otherwise).
        texts.append(message(rng, MAX_IPV4, MAX_IPV4))
    with Server(lambda n, data: data) as server:
        for text in texts:
            result = client(run, server.port, text)
            check_reply(result, text.encode(), "Send the message as one datagram of "
                        "strlen(MESSAGE) bytes (an empty one too, and one of 65507 bytes), "
                        "then print the whole reply and a newline.")
            expect.asked_for_winsock(result)
            no_out_of_band(result, "udp_client")
            waits_by_default(result)
        sent = [data for data, _, _ in server.received]
    if sent != [text.encode() for text in texts]:
        raise expect.Failure("the server got other datagrams than the messages",
                             expected=", ".join(repr(t[:40]) for t in texts),
                             got=", ".join(repr(d[:40]) for d in sent),
                             hint="One sendto per message, of exactly its length.")


@pytest.mark.expected("udp_client", *ASK, REQUEST,
                      "recvfrom s1: the reply, any bytes, NUL included", *CLOSE,
                      "exit: 0, the reply byte for byte (fwrite), then a newline")
@pytest.mark.points(2)
def test_udp_client_binary_reply(run, rng):
    """udp_client prints a binary reply byte for byte"""
    reply = payload(rng.randint(200, 3000), rng)
    with Server(lambda n, data: reply) as server:
        # The largest --timeout and --retries the README allows: the reply comes at once.
        result = client(run, server.port, message(rng), "--timeout", 3600000,
                        "--retries", 100)
    check_reply(result, reply, "Write the reply with fwrite(reply, 1, n, stdout): it may "
                "hold NUL and any other byte. On Windows, put stdout in binary mode "
                "(_setmode) so that \\n is not turned into \\r\\n.")


@pytest.mark.expected("udp_client", *ASK, REQUEST,
                      "recvfrom s1 fails: WSAETIMEDOUT, the server dropped it",
                      "sendto s1: the same MESSAGE again, a retry",
                      "recvfrom s1: the reply, after one retry or more", *CLOSE, PRINTED)
@pytest.mark.points(3)
def test_udp_client_retries(run, rng):
    """a server that drops the first datagrams: the client sends again and succeeds"""
    dropped = rng.randint(1, 2)
    reply = payload(rng.randint(10, 100), rng)
    text = message(rng)
    with Server(lambda n, data: None if n < dropped else reply) as server:
        result = client(run, server.port, text, "--timeout", 400, "--retries", 3)
        got = [data for data, _, _ in server.received]
    hint = ("When recvfrom times out (WSAETIMEDOUT), send the same datagram again, up to "
            "--retries more times.")
    if result.returncode == 0 and len(got) != dropped + 1:
        raise expect.Failure("the server got another number of datagrams than needed",
                             expected=f"{dropped + 1} (the first {dropped} dropped)",
                             got=str(len(got)), hint=hint)
    check_reply(result, reply, hint)
    if any(data != text.encode() for data in got):
        raise expect.Failure("a datagram sent again differs from the first",
                             expected=repr(text), got=", ".join(repr(d) for d in got),
                             hint="Send the same message each time.")


@pytest.mark.expected("udp_client", *ASK, REQUEST, TIMED_OUT,
                      "sendto s1: the same MESSAGE again, retry 1 of 2", TIMED_OUT,
                      "sendto s1: the same MESSAGE again, retry 2 of 2",
                      "recvfrom s1 fails: WSAETIMEDOUT, no retry left", *CLOSE, GAVE_UP)
@pytest.mark.points(3)
def test_udp_client_silent_server(run, rng):
    """a silent server: exit 3 with a timeout message, after timeout x (retries + 1)"""
    # At least a second: a struct timeval passed for the DWORD reads as 1 ms then. Two
    # retries: three waits of the same length, which waits that grow would overrun.
    timeout_ms = rng.randrange(1000, 1200, 50)
    retries = 2
    bound = timeout_ms * (retries + 1) / 1000
    with Server(lambda n, data: None) as server:
        result = client(run, server.port, message(rng), "--timeout", timeout_ms,
                        "--retries", retries, timeout=bound + 10)
        ended = time.monotonic()
        times = [t for _, _, t in server.received]
    what = f"--timeout {timeout_ms} --retries {retries}"
    expect.exits(result, 3, hint="After the last retry times out, print a message with "
                                 "'timeout' on stderr and exit 3.")
    if "timeout" not in result.errors.lower():
        raise expect.Failure("no timeout message on stderr", expected="a line saying "
                             "'timeout'", got=result.errors.strip() or "(nothing)",
                             hint="Say what happened: 'udp_client: timeout: no reply ...'.")
    if len(times) != retries + 1:
        raise expect.Failure(f"with {what} the server got {len(times)} datagrams",
                             expected=f"{retries + 1}: the first and {retries} retries",
                             got=str(len(times)),
                             hint="Send once, then once more after each timeout.")
    gaps = [b - a for a, b in zip(times, times[1:])]
    if gaps and min(gaps) < 0.8 * timeout_ms / 1000:
        raise expect.Failure("a retry came before the timeout had passed",
                             expected=f"datagrams {timeout_ms} ms apart",
                             got=", ".join(f"{g * 1000:.0f} ms" for g in gaps),
                             hint="Send again only when recvfrom has failed with "
                                  "WSAETIMEDOUT. SO_RCVTIMEO is a DWORD of milliseconds "
                                  "on Windows: a struct timeval's seconds are read as ms.")
    # From the first datagram to the exit: the program's start-up does not count.
    waited = ended - times[0]
    if not 0.9 * bound <= waited <= bound + 1.5:
        raise expect.Failure(f"with {what} the client gave up {waited:.2f} s after its "
                             "first datagram", expected=f"about {bound:.2f} s "
                             "(timeout x (retries + 1))", got=f"{waited:.2f} s",
                             hint="Wait --timeout ms for each reply, with SO_RCVTIMEO "
                                  "(a DWORD of ms) or select, never by sleeping.")


def drain(sock, wanted):
    """The datagrams a client that has ended sent to SOCK: WANTED of them, waited for
    (ECHO_WAIT s at most), then any more that are there already."""
    got = []
    while len(got) < wanted:
        data, _ = receive(sock, ECHO_WAIT)
        if data is None:
            return got
        got.append(data)
    sock.settimeout(0)
    while True:
        try:
            got.append(sock.recvfrom(1 << 17)[0])
        except (BlockingIOError, socket.timeout, ConnectionResetError):
            return got


@pytest.mark.expected("udp_client", *ASK, REQUEST, TIMED_OUT,
                      "sendto s1: the same MESSAGE again, retry 1 of 3 (default)",
                      TIMED_OUT, "sendto s1: the same MESSAGE again, retry 2 of 3",
                      TIMED_OUT, "sendto s1: the same MESSAGE again, retry 3 of 3",
                      "recvfrom s1 fails: WSAETIMEDOUT, no retry left", *CLOSE, GAVE_UP)
@pytest.mark.points(1)
def test_udp_client_default_retries(run, rng):
    """without --retries, a silent server gets the first datagram and 3 retries"""
    with udp_socket() as silent:
        # Waits of 1 ms keep it short; the number of datagrams is the default's.
        result = client(run, silent.getsockname()[1], message(rng), "--timeout", 1)
        expect.exits(result, 3, hint="--timeout 1 is allowed (1 to 3600000 ms): after the "
                                     "last retry times out, print the timeout line and "
                                     "exit 3.")
        sent = drain(silent, DEFAULT_RETRIES + 1)
    if len(sent) != DEFAULT_RETRIES + 1:
        raise expect.Failure(f"without --retries the server got {len(sent)} datagrams",
                             expected=f"{DEFAULT_RETRIES + 1}: the first and "
                                      f"{DEFAULT_RETRIES} retries (the default)",
                             got=str(len(sent)), result=result,
                             hint="--retries defaults to 3: keep the defaults parse_args "
                                  "sets, and send 1 + opts->retries datagrams in all.")


@pytest.mark.expected("udp_client", *ASK, REQUEST, TIMED_OUT,
                      "setsockopt s1: SO_RCVTIMEO, twice the last wait",
                      "sendto s1: the same MESSAGE again, retry 1 of 3",
                      "recvfrom s1 fails: WSAETIMEDOUT after 2 x --timeout",
                      "setsockopt s1: SO_RCVTIMEO, twice the last wait",
                      "sendto s1: the same MESSAGE again, retry 2 of 3",
                      "recvfrom s1 fails: WSAETIMEDOUT after 4 x --timeout",
                      "setsockopt s1: SO_RCVTIMEO, twice, at most BACKOFF_CAP",
                      "sendto s1: the same MESSAGE again, retry 3 of 3",
                      "recvfrom s1 fails: WSAETIMEDOUT after 8 x --timeout",
                      *CLOSE, GAVE_UP)
@pytest.mark.challenge
@pytest.mark.points(2)
def test_udp_client_backoff(run, rng):
    """with --backoff each wait before a retry is twice the one before"""
    # Short waits keep the test short: 150 to 250 ms doubled three times, under 4 s.
    timeout_ms = rng.randrange(150, 250, 10)
    retries = 3
    with Server(lambda n, data: None) as server:
        result = client(run, server.port, message(rng), "--timeout", timeout_ms,
                        "--retries", retries, "--backoff", timeout=20)
        ended = time.monotonic()
        times = [t for _, _, t in server.received]
    hint = ("With --backoff, before each retry double the timeout (set_receive_timeout "
            "again, up to BACKOFF_CAP), so that the gaps between the datagrams grow: "
            f"{timeout_ms}, {2 * timeout_ms}, {4 * timeout_ms} ms.")
    expect.exits(result, 3, hint="--backoff changes only the waits: a silent server "
                                 "still ends in the timeout line and exit 3.")
    if len(times) != retries + 1:
        raise expect.Failure(f"with --backoff --retries {retries} the server got "
                             f"{len(times)} datagrams", expected=f"{retries + 1}",
                             got=str(len(times)), hint=hint)
    gaps = [b - a for a, b in zip(times, times[1:])]
    shown = ", ".join(f"{g * 1000:.0f} ms" for g in gaps)
    # Loose on purpose: each gap at least 1.5 times the one before, never a rate.
    if gaps[0] < 0.8 * timeout_ms / 1000 or any(b < 1.5 * a for a, b in zip(gaps, gaps[1:])):
        raise expect.Failure("the waits between retries do not double",
                             expected=f"gaps of about {timeout_ms}, {2 * timeout_ms}, "
                                      f"{4 * timeout_ms} ms", got=shown, hint=hint)
    # The waits start at --timeout: 1 + 2 + 4 + 8 times it in all, then the client gives
    # up (README: 0, 200, 600, 1400 ms, and the end at 3000 ms). Loose, as above.
    total = 15 * timeout_ms / 1000
    waited = ended - times[0]
    if waited > 1.25 * total + 0.5:
        raise expect.Failure(f"with --backoff --timeout {timeout_ms} --retries {retries} "
                             f"the client gave up {waited:.2f} s after its first datagram",
                             expected=f"about {total:.2f} s: waits of {timeout_ms}, "
                                      f"{2 * timeout_ms}, {4 * timeout_ms} and "
                                      f"{8 * timeout_ms} ms", got=f"{waited:.2f} s "
                                      f"(datagrams {shown} apart)", hint=hint)


@pytest.mark.expected("udp_client", *ASK, REQUEST,
                      "recvfrom s1: a stranger's datagram, from another port: skipped",
                      "recvfrom s1: again: the reply, from the server's address",
                      *CLOSE, PRINTED)
@pytest.mark.points(3)
def test_udp_client_ignores_stranger(run, rng):
    """a datagram from another port comes first: the client waits for the server's"""
    reply = payload(rng.randint(10, 100), rng)
    stranger = payload(rng.randint(10, 100), rng)
    with Server(lambda n, data: reply, stranger=stranger) as server:
        result = client(run, server.port, message(rng), "--timeout", 3000)
    check_reply(result, reply, "Anyone may send to your port. Compare the address "
                "recvfrom fills in with the server's (same_endpoint) and wait on if it "
                "is not the server's.")


@pytest.mark.expected("udp_client", ASK[0],
                      "getaddrinfo: HOST and PORT, SOCK_DGRAM: two addresses",
                      "socket s1: for the first address",
                      "setsockopt s1: SO_RCVTIMEO, --timeout ms as a DWORD",
                      "sendto s1: MESSAGE, to the first address",
                      "recvfrom s1 fails: WSAECONNRESET, nothing listens there",
                      "closesocket s1: then ask the next address",
                      "socket s2: for the next address",
                      "setsockopt s2: SO_RCVTIMEO, --timeout ms as a DWORD",
                      "sendto s2: MESSAGE, to the next address",
                      "recvfrom s2: the reply, from that address", "closesocket s2",
                      "WSACleanup", PRINTED)
@pytest.mark.points(1)
def test_udp_client_first_address_refuses(run, rng):
    """a name whose first address has nothing listening: udp_client asks the next one"""
    reply = payload(rng.randint(10, 100), rng)
    with Server(lambda n, data: reply) as server:
        # Where nothing reports the closed port (Wine), the first address times out.
        result = run("udp_client", IPV4, server.port, message(rng), "--timeout", 800,
                     "--retries", 0, timeout=20.0, faults=("first-refuses",),
                     refuser=f"{IPV4}:{closed_port()}")
    check_reply(result, reply, "getaddrinfo gave two addresses, the first with nothing "
                "listening (as localhost's ::1 is on Windows, for a server on 127.0.0.1). "
                "ask_each tries the next when ask returns WSAECONNRESET or WSAETIMEDOUT: "
                "return the code from ask, and report it only in report.")
    # The other way round: the first address answers, and the next is never asked.
    first = payload(rng.randint(10, 100), rng)
    with Server(lambda n, data: first) as answering, \
            Server(lambda n, data: reply) as server:
        result = run("udp_client", IPV4, server.port, message(rng), "--timeout", 3000,
                     "--retries", 0, timeout=20.0, faults=("first-refuses",),
                     refuser=f"{IPV4}:{answering.port}")
    check_reply(result, first, "getaddrinfo gave two addresses, and the first answered: "
                "that reply is the one to print. ask_each stops at the first address whose "
                "ask returns 0 (or any code but WSAECONNRESET and WSAETIMEDOUT).")


@pytest.mark.expected("udp_client", *ASK, REQUEST,
                      "recvfrom s1 fails: WSAECONNRESET, nothing listens there",
                      "closesocket s1: no next address to ask", "WSACleanup",
                      "exit: 2, the recvfrom error line on stderr")
@pytest.mark.points(1)
def test_udp_client_port_unreachable(run, request, rng):
    """a closed server port: exit 2 with WSAECONNRESET, without waiting out the timeout"""
    platform.wine_differs(request, "udp-unreachable-unreported")
    result = client(run, closed_port(), message(rng), "--timeout", 1500, "--retries", 0)
    expect.exits(result, 2, hint="On Windows, a datagram sent to a closed port makes the "
                                 "next recvfrom fail with WSAECONNRESET: report it with "
                                 "kit_error and exit 2.")
    # The call that failed: recvfrom, or recv for a client that connected its socket.
    try:
        expect.error_line(result, "recv", "WSAECONNRESET", 10054)
    except expect.Failure:
        expect.error_line(result, "recvfrom", "WSAECONNRESET", 10054,
                          hint="kit_error(PROG, \"recvfrom\", code) names the failing "
                               "call (recv, if you connected the socket and use send "
                               "and recv).")


@pytest.mark.expected("udp_client", ASK[0], "getaddrinfo fails: WSAHOST_NOT_FOUND",
                      "WSACleanup", "exit: 2, the getaddrinfo error line on stderr")
@pytest.mark.points(1)
def test_udp_client_unknown_host(run, rng):
    """a HOST that does not resolve: exit 2 and the getaddrinfo error line"""
    # Not a valid host name: refused by the resolver without a DNS query.
    result = client(run, free_udp_port(), message(rng), host="no_such_host!.invalid",
                    timeout=ECHO_WAIT)
    expect.exits(result, 2, hint="When getaddrinfo fails (in ask_each), report its code "
                                 "with kit_error and exit 2: a call failed.")
    expect.error_line(result, "getaddrinfo", "WSAHOST_NOT_FOUND", 11001,
                      hint="ask_each returns getaddrinfo's own code with *call = "
                           "\"getaddrinfo\"; report prints both with kit_error.")


@pytest.mark.expected("udp_client", "exit: 1, the usage on stderr, before any socket call")
@pytest.mark.points(1)
def test_udp_client_usage(run, rng):
    """udp_client with bad arguments prints usage and exits 1"""
    # Each limit of the README just past it, an empty HOST, a fourth argument and an
    # unknown option where MESSAGE goes, every time; then two of the others.
    limits = [["127.0.0.1", "9", "m", "--timeout", "0"],
              ["127.0.0.1", "9", "m", "--timeout", "3600001"],
              ["127.0.0.1", "9", "m", "--retries", "-1"],
              ["127.0.0.1", "9", "m", "--retries", "101"],
              ["127.0.0.1", "65536", "m"], ["", "9", "m"], ["127.0.0.1", "9", "m", "x"],
              ["127.0.0.1", "9", "--bogus"]]
    others = [[], ["127.0.0.1"], ["127.0.0.1", "9"], ["127.0.0.1", "9", "m", "--timeout"],
              ["127.0.0.1", "9", "m", "--bogus"]]
    for args in limits + rng.sample(others, 2):
        result = run("udp_client", *args)
        expect.exits(result, 1, hint="Check HOST PORT MESSAGE and the options before "
                                     "anything else; --timeout 1 to 3600000, --retries "
                                     "0 to 100.")
        expect.usage(result)


# --- models of the README, and the smallest case that differs (gradelib.models) ------

from gradelib.models import lab04 as model  # noqa: E402


@pytest.mark.expected("udp_server", *BOUND, *ECHO,
                      "recvfrom s1: the next client's datagram, until N were echoed",
                      "sendto s1: its n bytes back to that client", *STOP, "exit: 0")
@pytest.mark.points(2)
def test_model_exchange(start, seed):
    """datagrams of generated sizes from clients taking turns in a generated order are echoed as a model of the README says"""
    model.check(start, seed)
